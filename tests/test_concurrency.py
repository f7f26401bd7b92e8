"""Two publishers of the same commune at once: two consistent versions, or one and a refusal.

Never a mix: every resource of "latest" belongs to the version the dataset says it is at,
and holds exactly that version's bytes.
"""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path

import pytest
import requests

from pipelines.errors import PortalConflict
from pipelines.publishing import Outcome, publish

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import AIT_AMIRA
from .portal_state import assert_consistent
from .source_oracle import parse_csv, snapshot

DATASET = "openness-programme-09-163-07-01"


def variant(tmp_path: Path, name: str, status: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(AIT_AMIRA, folder)
    path = folder / "milestones.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows[1][rows[0].index("status")] = status
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return folder


def race(folders: list[Path], destination: str, token: str | None) -> list[Outcome | Exception]:
    results: list[Outcome | Exception] = [RuntimeError("not run")] * len(folders)
    start = threading.Barrier(len(folders))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = publish(folders[i], destination, token=token)
        except PortalConflict as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(folders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


def winners(results: list[Outcome | Exception]) -> list[Outcome]:
    published = [r for r in results if isinstance(r, Outcome)]
    refused = [r for r in results if isinstance(r, PortalConflict)]
    assert len(published) + len(refused) == len(results), results
    assert published, "somebody must win"
    versions = sorted(o.version or "" for o in published)
    assert versions in (["1.0.1"], ["1.0.1", "1.0.2"]), versions
    assert all("nothing was" in str(r) or "try again" in str(r) for r in refused)
    return published


@pytest.mark.ckan
def test_two_publishers_on_ckan_never_mix(ckan_portal: Portal, tmp_path: Path) -> None:  # noqa: F811
    ckan_portal.purge(DATASET, DATASET + "-versions")
    publish(AIT_AMIRA, ckan_portal.url, token=ckan_portal.token)
    folders = [variant(tmp_path, "a", "in_progress"), variant(tmp_path, "b", "complete")]
    published = winners(race(folders, ckan_portal.url, ckan_portal.token))
    version = max(o.version or "" for o in published)
    # Which publisher made which version is the portal's business; each version must be
    # exactly one publisher's files, the last one current.
    order = sorted(published, key=lambda o: o.version or "")
    by_content = {folder: snapshot(folder) for folder in folders}
    sources = {"1.0.0": snapshot(AIT_AMIRA)}
    for outcome in order:
        archive = {r["name"]: r for r in ckan_portal.api().action.package_show(
            id=DATASET + "-versions")["resources"]}  # fmt: skip
        data = requests.get(archive[f"{outcome.version}/milestones.csv"]["url"], timeout=30)
        matching = [f for f in folders if parse_csv(data.content) == by_content[f]["milestones"]]
        assert matching, f"version {outcome.version} is no publisher's milestones"
        sources[outcome.version or ""] = by_content[matching[0]]
    assert_consistent(ckan_portal.api(), DATASET, version, sources)


def test_two_publishers_on_the_catalog_never_mix(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    publish(AIT_AMIRA, str(out))
    folders = [variant(tmp_path, "a", "in_progress"), variant(tmp_path, "b", "complete")]
    published = winners(race(folders, str(out), None))
    home = out / DATASET
    import json

    info = json.loads((home / "dataset.json").read_text(encoding="utf-8"))
    assert info["version"] == max(o.version or "" for o in published)
    latest = (home / "latest" / "milestones.csv").read_bytes()
    assert latest == (home / "versions" / info["version"] / "milestones.csv").read_bytes()
    assert latest in {(f / "milestones.csv").read_bytes() for f in folders}
