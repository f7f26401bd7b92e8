"""What a member's publication was made from, as one digest: to know it is unchanged
without reading, validating or building anything.

The digest covers the member's source files (names and bytes), the member's row of the
reference (its names and places go into the release), and the rules that judged and
shaped them: the Table Schemas and Infitah's own code and catalogues. It is recorded
with each published version (never in the content hashes, so re-saved files cannot make
a version on their own); a run whose digest matches the published one has nothing new
to say. A changed schema or another Infitah invalidates every digest, so everything is
read again once, and republished only where the content really changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from . import members
from .resources import PACKAGE_DIR, REFERENCE_DIR, SCHEMAS_DIR

DESCRIPTOR = "datapackage.json"
_CODE_SUFFIXES = (".py", ".json", ".mo", ".html", ".csv")


@cache
def rules_digest() -> str:
    """Infitah's code, schemas, catalogues and reference data, as installed."""
    h = hashlib.sha256()
    roots = sorted({p.resolve() for p in (PACKAGE_DIR, SCHEMAS_DIR, REFERENCE_DIR)})
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def member_code(path: Path) -> str | None:
    """The member a folder's descriptor names (without reading any table), or None when
    that is not enough to know it cheaply (no descriptor, a workbook, a damaged file)."""
    try:
        descriptor = json.loads((path / DESCRIPTOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    code = descriptor.get("x-commune-code") if isinstance(descriptor, dict) else None
    return code if isinstance(code, str) and members.member(code) is not None else None


def source_digest(folder: Path, code: str) -> str | None:
    """The digest of what publishing ``folder`` for member ``code`` would be made from;
    None when the folder holds anything but plain files (links and the like are left to
    the full path, which reports them; so is a file that cannot be read)."""
    h = hashlib.sha256(rules_digest().encode())
    columns, rows = members.reference_rows(code)
    h.update(json.dumps([columns, rows], ensure_ascii=False).encode())
    try:
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_symlink() or not path.is_file():
                return None
            h.update(os.fsencode(path.name) + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return None
    return h.hexdigest()
