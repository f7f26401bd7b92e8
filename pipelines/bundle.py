"""The exact files of one published version, by name: what every portal stores.

The canonical tables, the data package descriptor, the validation report, the row index
(``manifest.json``) the next version compares with, the version's changes, the files for
people (``downloads.py``) and the attachments (charts). Both portals write this same set,
so a version downloads the same from CKAN as from the embedded catalog.
"""

from __future__ import annotations

from .downloads import downloads
from .release import Release, pretty_json
from .versioning import Plan, changelog_entry


def version_files(release: Release, plan: Plan, published_at: str) -> dict[str, bytes]:
    files = {t.filename: t.csv for t in release.tables.values()}
    files["datapackage.json"] = pretty_json(release.descriptor(plan.version, published_at))
    files["validation-report.json"] = pretty_json(release.report)
    files["manifest.json"] = pretty_json(release.manifest(plan.version))
    files["CHANGES.md"] = changelog_entry(plan, published_at).encode()
    files.update(downloads(release, plan.version, published_at))
    files.update(release.attachments)
    return files
