"""A large table that did not change keeps its Excel CSV and workbook from the version
before: the same bytes, not written again (the network's indicators make a workbook that
takes longer to write than the rest of an aggregation). Only what the previous manifest
vouches for is kept: the same table, the same rules, the bytes it recorded."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from pipelines import digest, downloads, guard, publishing
from pipelines.publishing import publish
from pipelines.release import TableRelease

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401
from .conftest import set_cells

DATASET = "openness-programme-09-163-07-01"
TABLES = ["action_plans", "commitments", "communes", "milestones", "progress_updates",
          "proposals", "workshop_participation", "workshops"]  # fmt: skip
DERIVED = (".excel.csv", ".xlsx")
FIRST = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
KEPT_FROM_CELLS = publishing.KEPT_FROM_CELLS  # before ``made`` lowers it


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables whose derived files are made (not kept), as they are made. Aït Amira's
    tables stand for large ones (every table counts as large enough to keep)."""
    calls: list[str] = []
    real = downloads.derived

    def spy(table: TableRelease, published_at: str = "") -> dict[str, bytes]:
        calls.append(table.name)
        return real(table, published_at)

    monkeypatch.setattr(downloads, "derived", spy)
    monkeypatch.setattr(publishing, "KEPT_FROM_CELLS", 0)
    return calls


def revise(folder: Path, n: int) -> None:
    set_cells(folder, "commitments", {(2, "title_fr"): f"Publier les données des déchets ({n})"})


def published(destination: str, folder: Path, n: int, token: str | None = None) -> str:
    outcome = publish(folder, destination, token, now=FIRST + dt.timedelta(days=n))
    assert outcome.status == "published"
    return outcome.version


def test_unchanged_tables_keep_their_files_and_the_changed_one_is_made_anew(
    ait_amira: Path, tmp_path: Path, made: list[str]
) -> None:
    catalog = tmp_path / "catalog"
    first = published(str(catalog), ait_amira, 0)
    assert sorted(made) == TABLES
    made.clear()
    revise(ait_amira, 1)
    second = published(str(catalog), ait_amira, 1)
    assert made == ["commitments"]
    old, new = (catalog / DATASET / "versions" / v for v in (first, second))
    for table in TABLES:
        for suffix in DERIVED:
            same = (new / f"{table}{suffix}").read_bytes() == (
                old / f"{table}{suffix}"
            ).read_bytes()
            assert same == (table != "commitments"), (table, suffix)
    # What a journalist opens is the new table, kept or made.
    assert workbook_titles(new / "commitments.xlsx")[1] == "Publier les données des déchets (1)"
    assert (new / "milestones.xlsx").read_bytes() == (catalog / DATASET / "latest" /
                                                      "milestones.xlsx").read_bytes()  # fmt: skip


def test_the_guard_reads_again_every_file_but_those_kept(
    ait_amira: Path, tmp_path: Path, made: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "catalog"
    published(str(catalog), ait_amira, 0)
    read: list[str] = []
    real = guard._csv
    monkeypatch.setattr(guard, "_csv", lambda name, *a: read.append(name) or real(name, *a))
    revise(ait_amira, 1)
    published(str(catalog), ait_amira, 1)
    # The kept files, and the unchanged tables they were made from, passed this guard
    # already (the same bytes, schema and rules): their identifiers are all it reads.
    assert sorted(read) == ["commitments.csv", "commitments.excel.csv"]


def workbook_titles(path: Path) -> list[str]:
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))["fr"]
    column = [c.value for c in sheet[1]].index("Titre de l'engagement")
    return [str(row[column].value) for row in sheet.iter_rows()]


def test_a_kept_file_whose_bytes_changed_since_is_made_anew(
    ait_amira: Path, tmp_path: Path, made: list[str]
) -> None:
    catalog = tmp_path / "catalog"
    first = published(str(catalog), ait_amira, 0)
    tampered = catalog / DATASET / "versions" / first / "milestones.xlsx"
    tampered.write_bytes(b"PK\x03\x04 not the workbook the manifest vouches for")
    made.clear()
    revise(ait_amira, 1)
    second = published(str(catalog), ait_amira, 1)
    assert sorted(made) == ["commitments", "milestones"]
    remade = catalog / DATASET / "versions" / second / "milestones.xlsx"
    assert remade.read_bytes() != tampered.read_bytes()
    assert remade.read_bytes() == downloads.excel_workbook(
        table_of(catalog / DATASET / "versions" / second, "milestones"),
        (FIRST + dt.timedelta(days=1)).isoformat(),
    )


def table_of(version: Path, name: str) -> TableRelease:
    import json

    descriptor = json.loads((version / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in descriptor["resources"] if r["name"] == name]
    data = (version / f"{name}.csv").read_bytes()
    return TableRelease(name, data, data.count(b"\n") - 1, resource["schema"], {})


def test_other_rules_or_small_tables_make_every_file_anew(
    ait_amira: Path, tmp_path: Path, made: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "catalog"
    published(str(catalog), ait_amira, 0)
    monkeypatch.setattr(digest, "rules_digest", lambda: "another infitah")
    for n in (1, 2):
        made.clear()
        revise(ait_amira, n)
        published(str(catalog), ait_amira, n)
        # 1: made under other rules (labels, titles may differ); 2: the tables are small.
        assert sorted(made) == TABLES
        monkeypatch.setattr(publishing, "KEPT_FROM_CELLS", KEPT_FROM_CELLS)


@pytest.mark.ckan
def test_ckan_archives_the_kept_files_byte_for_byte(
    ckan_portal: Portal,  # noqa: F811
    ait_amira: Path,
    made: list[str],
) -> None:
    from pipelines.portals import open_portal

    ckan_portal.purge(DATASET, DATASET + "-versions")
    first = published(ckan_portal.url, ait_amira, 0, ckan_portal.token)
    made.clear()
    revise(ait_amira, 1)
    second = published(ckan_portal.url, ait_amira, 1, ckan_portal.token)
    assert made == ["commitments"]
    reader = open_portal(ckan_portal.url, ckan_portal.token)
    archive = {r["name"] for r in ckan_portal.api().action.package_show(
        id=DATASET + "-versions")["resources"]}  # fmt: skip
    for table in TABLES:
        for suffix in DERIVED:
            name = f"{table}{suffix}"
            old, new = (reader.version_file(DATASET, v, name) for v in (first, second))
            assert old is not None and new is not None, name
            assert (new == old) == (table != "commitments"), name
            # A kept file is the earlier version's copy: not sent, not stored again.
            assert (f"{second}/{name}" in archive) == (table == "commitments"), name
