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

import contextlib
import json
from collections.abc import Callable, Mapping

from .downloads import Apart, derived_names, downloads, excel_name, xlsx_name
from .release import Release, TableRelease, pretty_json, sha256
from .versioning import Plan, changelog_entry


def version_files(
    release: Release,
    plan: Plan,
    published_at: str,
    kept: Mapping[str, Mapping[str, bytes]] | None = None,
    rules: str | None = None,
    meanwhile: Callable[[dict[str, bytes]], object] | None = None,
    apart: Apart | None = None,
) -> dict[str, bytes]:
    """``kept``: derived files taken from an earlier version (see ``made_from``);
    ``rules``: the digest of the rules that make them (``digest.rules_digest``), without
    which the manifest offers nothing to reuse. ``meanwhile``: given the files made so
    far (all but ``manifest.json`` and the large workbooks, made in a worker process
    meanwhile: ``downloads.Apart``, the caller's if given, already making some), as the
    egress guard reads them; the result holds every file."""
    kept = kept or {}
    tables = [t for t in release.tables.values() if t.name not in kept]
    with contextlib.nullcontext(apart) if apart else Apart((), published_at) as workers:
        names = workers.make(tables)
        made = downloads(release, plan.version, published_at, kept, names)
        files = {t.filename: t.csv for t in release.tables.values()}
        files["datapackage.json"] = pretty_json(release.descriptor(plan.version, published_at))
        files["validation-report.json"] = pretty_json(release.report)
        files["CHANGES.md"] = changelog_entry(plan, published_at).encode()
        files.update(made)
        files.update(release.attachments)
        if meanwhile is not None:
            meanwhile(dict(files))
        made.update(workers.result(names))
    manifest = release.manifest(plan.version)
    if rules is not None:
        manifest["derived"] = {
            t.name: {"made_from": made_from(t, rules),
                     "files": {n: sha256(made[n]) for n in sorted(derived_names(t))}}
            for t in release.tables.values()
        }  # fmt: skip
    # In the order every portal has always been given them.
    ordered = {t.filename: t.csv for t in release.tables.values()}
    for name in ("datapackage.json", "validation-report.json"):
        ordered[name] = files[name]
    ordered["manifest.json"] = pretty_json(manifest)
    ordered["CHANGES.md"] = files["CHANGES.md"]
    ordered.update(downloads_order(release, made))
    ordered.update(release.attachments)
    return ordered


def downloads_order(release: Release, made: Mapping[str, bytes]) -> dict[str, bytes]:
    """The derived files as ``downloads`` lists them: Excel CSVs, workbooks, README."""
    tables = release.tables.values()
    order = [*(excel_name(t) for t in tables), *(xlsx_name(t) for t in tables), "README.md"]
    return {name: made[name] for name in order}


def made_from(table: TableRelease, rules: str) -> str:
    """What a table's derived files depend on: its bytes, its schema (titles, labels)
    and Infitah's code and catalogues."""
    return sha256(json.dumps([table.name, table.sha256, table.schema_sha256, rules]).encode())
