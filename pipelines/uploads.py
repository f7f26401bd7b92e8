"""A steward's upload: files kept in a folder of their own until validated and published.

The counter (web) stores each upload as ``<uploads>/<id>/files/``, a member folder that
the one validation and publish sequence reads like any other, and ``meta.json`` (which
member, when). The id is random (it is a capability: whoever holds it reaches the files,
so it is checked against the signed-in member as well). Everything a steward sends is
untrusted: names are reduced to a plain file name, sizes and counts are bounded, a zip
is expanded member by member with its declared and real sizes checked, and a link is
fetched only over https from a public address (``links.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import secrets
import shutil
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import InputError, UsageError

MAX_FILES = 40
MAX_BYTES = 50 * 1024 * 1024  # all files of one upload together
MAX_ZIP_EXPANDED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
ACCEPTED = (".csv", ".xlsx")
DESCRIPTOR = "datapackage.json"
KEEP_SECONDS = 24 * 3600
UPLOADS_ENV = "INFITAH_UPLOADS"
DEFAULT_ROOT = Path(".counter") / "uploads"
OUTCOME = "outcome.json"
_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class Upload:
    """One stored upload: its id, folder of files, and the member it was sent for."""

    id: str
    root: Path
    member: str
    created: str

    @property
    def folder(self) -> Path:
        return self.root / "files"

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if p.is_file())


def safe_name(name: str) -> str:
    """The plain file name a browser or a zip says, without any folder, reduced to
    letters (any script), digits, dot, dash, underscore and space; never hidden."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:120]


def store(
    uploads: Path, member: str, files: list[tuple[str, bytes]], *, now: float | None = None
) -> Upload:
    """Keep ``files`` (name, bytes; a zip is expanded) as a new upload for ``member``.
    Refused whole, with a message naming the file, when any limit is passed."""
    accepted = _accepted(files)
    upload_id = secrets.token_urlsafe(18)
    root = uploads / upload_id
    folder = root / "files"
    folder.mkdir(parents=True)
    created = dt.datetime.fromtimestamp(now or time.time(), dt.UTC).isoformat(timespec="seconds")
    try:
        for name, data in accepted:
            (folder / name).write_bytes(data)
        if not (folder / DESCRIPTOR).exists():
            # The member is who signed in: files without a descriptor are theirs.
            descriptor = {"name": "upload", "x-commune-code": member}
            (folder / DESCRIPTOR).write_text(json.dumps(descriptor), encoding="utf-8")
        meta = {"member": member, "created": created, "files": [n for n, _ in accepted]}
        (root / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Upload(upload_id, root, member, created)


def _accepted(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    expanded: list[tuple[str, bytes]] = []
    for name, data in files:
        if name.lower().endswith(".zip"):
            expanded += _unzipped(safe_name(name) or "upload.zip", data)
        else:
            expanded.append((name, data))
    if not expanded:
        raise UsageError("no file uploaded", key="upload-empty")
    if len(expanded) > MAX_FILES:
        raise UsageError("too many files", key="upload-too-many", limit=str(MAX_FILES))
    total = sum(len(d) for _, d in expanded)
    if total > MAX_BYTES:
        raise UsageError("upload too large", key="upload-too-large", limit=_mb(MAX_BYTES))
    out: dict[str, bytes] = {}
    for name, data in expanded:
        clean = safe_name(name)
        lower = clean.lower()
        if not (lower.endswith(ACCEPTED) or lower == DESCRIPTOR) or len(clean) < 5:
            raise UsageError(
                f"{clean}: not a CSV or XLSX file",
                path=clean or "?",
                key="upload-kind",
                accepted=", ".join(ACCEPTED),
            )
        if lower in {k.lower() for k in out}:
            raise UsageError(f"{clean}: sent twice", path=clean, key="upload-duplicate")
        out[clean] = data
    return list(out.items())


def _unzipped(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The zip's files (folders flattened; macOS resource forks and folders skipped),
    read with a hard cap on what each expands to, whatever its header claims."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UsageError(f"{name}: not a zip", path=name, key="upload-bad-zip") from None
    out: list[tuple[str, bytes]] = []
    budget = MAX_ZIP_EXPANDED
    with archive:
        entries = [
            i
            for i in archive.infolist()
            if not i.is_dir() and "__MACOSX" not in i.filename and not _hidden(i.filename)
        ]
        if len(entries) > MAX_FILES:
            raise UsageError("too many files", key="upload-too-many", limit=str(MAX_FILES))
        for info in entries:
            if info.file_size > budget or info.file_size > MAX_ZIP_RATIO * max(
                info.compress_size, 1
            ):
                raise _bomb(name)
            try:
                with archive.open(info) as fh:
                    content = fh.read(budget + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
                raise UsageError(f"{name}: damaged", path=name, key="upload-bad-zip") from None
            if len(content) > budget:
                raise _bomb(name)
            budget -= len(content)
            out.append((info.filename, content))
    return out


def _hidden(path: str) -> bool:
    return PurePosixPath(path).name.startswith(".")


def _bomb(name: str) -> UsageError:
    return UsageError(
        f"{name}: expands too much", path=name, key="upload-zip-bomb", limit=_mb(MAX_ZIP_EXPANDED)
    )


def _mb(n: int) -> str:
    return str(n // (1024 * 1024))


def load(uploads: Path, upload_id: str) -> Upload | None:
    """The upload with this id, or None (a malformed id never touches the disk)."""
    if not _ID.match(upload_id):
        return None
    root = uploads / upload_id
    try:
        meta = json.loads((root / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Upload(upload_id, root, str(meta["member"]), str(meta["created"]))


def sweep(uploads: Path, keep: float = KEEP_SECONDS, now: float | None = None) -> int:
    """Delete uploads older than ``keep`` seconds; how many were deleted."""
    if not uploads.is_dir():
        return 0
    limit = (now or time.time()) - keep
    gone = 0
    for root in uploads.iterdir():
        if root.is_dir() and _ID.match(root.name) and root.stat().st_mtime < limit:
            shutil.rmtree(root, ignore_errors=True)
            gone += 1
    return gone


def root() -> Path:
    """Where uploads are kept: ``$INFITAH_UPLOADS``, else ``.counter/uploads`` (a worker
    that runs the counter's publishes must see the same folder)."""
    return Path(os.environ.get(UPLOADS_ENV) or DEFAULT_ROOT)


def source(path: str, upload: str) -> Path:
    """What a flow reads: a folder on the worker's disk, or an upload's files by id."""
    if bool(path) == bool(upload):
        raise UsageError("give a path or an upload, not both", key="flow-source")
    if path:
        return Path(path)
    found = load(root(), upload)
    if found is None:
        raise InputError(f"no upload {upload[:64]}", key="no-such-upload", id=upload[:64])
    return found.folder


def record(upload: str, outcome: dict[str, object]) -> None:
    """The run's outcome beside the upload, for the counter's page (worker-written)."""
    found = load(root(), upload)
    if found is not None:
        tmp = found.root / f".{OUTCOME}.tmp"
        tmp.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, found.root / OUTCOME)


def recorded(upload: Upload) -> dict[str, object] | None:
    try:
        loaded = json.loads((upload.root / OUTCOME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None
