"""The exact files of one published version, by name: what every portal stores.

The canonical tables, the data package descriptor, the validation report, the row index
(``manifest.json``) the next version compares with, the version's changes, the files for
people (``downloads.py``) and the attachments (charts). Both portals write this same set,
so a version downloads the same from CKAN as from the embedded catalog.

The manifest also says what each table's derived files (Excel CSV, workbook) were made
from and their hashes, so that a later version whose table did not change can take them
as they are (``publishing``) instead of writing them again: the network's indicators
make a workbook that takes longer to write than the rest of an aggregation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .downloads import derived_names, downloads
from .release import Release, TableRelease, pretty_json, sha256
from .versioning import Plan, changelog_entry


def version_files(
    release: Release,
    plan: Plan,
    published_at: str,
    kept: Mapping[str, Mapping[str, bytes]] | None = None,
    rules: str | None = None,
) -> dict[str, bytes]:
    """``kept``: derived files taken from an earlier version (see ``made_from``);
    ``rules``: the digest of the rules that make them (``digest.rules_digest``), without
    which the manifest offers nothing to reuse."""
    made = downloads(release, plan.version, published_at, kept)
    manifest = release.manifest(plan.version)
    if rules is not None:
        manifest["derived"] = {
            t.name: {"made_from": made_from(t, rules),
                     "files": {n: sha256(made[n]) for n in sorted(derived_names(t))}}
            for t in release.tables.values()
        }  # fmt: skip
    files = {t.filename: t.csv for t in release.tables.values()}
    files["datapackage.json"] = pretty_json(release.descriptor(plan.version, published_at))
    files["validation-report.json"] = pretty_json(release.report)
    files["manifest.json"] = pretty_json(manifest)
    files["CHANGES.md"] = changelog_entry(plan, published_at).encode()
    files.update(made)
    files.update(release.attachments)
    return files


def made_from(table: TableRelease, rules: str) -> str:
    """What a table's derived files depend on: its bytes, its schema (titles, labels)
    and Infitah's code and catalogues."""
    return sha256(json.dumps([table.name, table.sha256, table.schema_sha256, rules]).encode())
