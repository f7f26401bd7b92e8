"""Publishing to the embedded local catalog: what a journalist and a steward see."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipelines.members import load_communes
from pipelines.portals import catalog
from pipelines.publishing import publish

from .conftest import AIT_AMIRA, run_cli

DATASET = "openness-programme-09-163-07-01"


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under root with its modification time and bytes."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def edit_csv(path: Path, change: object) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    change(rows)  # type: ignore[operator]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_first_publish_writes_a_version_and_latest(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    result = run_cli("publish", str(AIT_AMIRA), "--to", str(out), "--json")
    assert result.code == 0, result.stderr
    body = result.json()
    assert set(body) == {"status", "dataset", "version", "previous_version", "url", "changes"}
    assert body["status"] == "published"
    assert body["dataset"] == DATASET
    assert body["version"] == "1.0.0"
    assert body["previous_version"] is None
    assert body["changes"]["milestones"]["rows_added"] == 6
    home = out / DATASET
    for table in ("action_plans", "workshops", "commitments", "milestones"):
        version_bytes = (home / "versions" / "1.0.0" / f"{table}.csv").read_bytes()
        assert (home / "latest" / f"{table}.csv").read_bytes() == version_bytes
        assert not version_bytes.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" not in version_bytes
    # The canonical CSV holds exactly the steward's rows (here already canonical).
    assert (home / "latest" / "milestones.csv").read_bytes() == (
        AIT_AMIRA / "milestones.csv"
    ).read_bytes()
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in index["datasets"]] == [DATASET]
    assert index["datasets"][0]["version"] == "1.0.0"
    descriptor = json.loads((home / "latest" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == "1.0.0"
    assert descriptor["x-commune-code"] == "09.163.07.01"
    html = (out / "index.html").read_text(encoding="utf-8")
    communes = load_communes()
    name_ar = communes.loc[communes["code"] == "09.163.07.01", "name_ar"].item()
    assert 'dir="rtl"' in html
    assert name_ar in html
    # 12 of Aït Amira's 19 rows are illustrative placeholders: the page says so first.
    assert descriptor["x-data-status"] == {"illustrative": 12, "reported": 7}
    assert "⚠ 12 lignes sur 19 sont illustratives ou synthétiques" in html
    assert "⚠ 12 سطرا من أصل 19" in html


def test_republishing_unchanged_data_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    assert publish(AIT_AMIRA, str(out)).status == "published"
    before = snapshot(out)
    second = run_cli("publish", str(AIT_AMIRA), "--to", str(out), "--json")
    assert second.code == 0
    assert second.json()["status"] == "unchanged"
    assert second.json()["version"] == "1.0.0"
    assert snapshot(out) == before


def test_old_values_are_told_only_from_the_bytes_the_manifest_names(
    tmp_path: Path, ait_amira: Path
) -> None:
    """The previous version's CSV is where a changelog's old values come from: a copy
    that is not what was published (replaced on the portal) tells none of them, and the
    rows that changed are still listed."""
    out = tmp_path / "catalog"
    publish(ait_amira, str(out))
    published = out / DATASET / "versions" / "1.0.0" / "milestones.csv"
    published.write_bytes(published.read_bytes().replace(b"not_started", b"invented", 1))

    def correct(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("status")] = "in_progress"

    edit_csv(ait_amira / "milestones.csv", correct)
    patch = publish(ait_amira, str(out))
    assert patch.changes["milestones"]["ids_changed"] == ["ait-amira-c1-m1"]
    assert "fields_changed" not in patch.changes["milestones"]
    entry = (out / DATASET / "versions" / "1.0.1" / "CHANGES.md").read_text(encoding="utf-8")
    assert "invented" not in entry and "1 ligne modifiée (ait-amira-c1-m1)" in entry


def test_changed_rows_give_a_new_version_and_keep_the_old_bytes(
    tmp_path: Path, ait_amira: Path
) -> None:
    out = tmp_path / "catalog"
    publish(ait_amira, str(out))
    old = (out / DATASET / "versions" / "1.0.0" / "milestones.csv").read_bytes()

    def correct(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("status")] = "in_progress"

    # The manifest keeps each row's hash, not its values (which made a network's grow
    # with the network): the old values below come from 1.0.0's milestones.csv.
    manifest = json.loads((out / DATASET / "versions" / "1.0.0" / "manifest.json").read_bytes())
    assert manifest["format"] == 2
    assert manifest["tables"]["milestones"]["primary_key"] == ["milestone_id"]
    assert not {"values", "header"} & set(manifest["tables"]["milestones"])
    assert "not_started" not in json.dumps(manifest)
    edit_csv(ait_amira / "milestones.csv", correct)
    patch = publish(ait_amira, str(out))
    assert (patch.status, patch.version, patch.previous_version) == ("published", "1.0.1", "1.0.0")
    assert patch.changes == {
        "milestones": {
            "rows_added": 0,
            "rows_removed": 0,
            "rows_changed": 1,
            "ids_changed": ["ait-amira-c1-m1"],
            "fields_changed": [
                {"id": "ait-amira-c1-m1", "field": "status", "old": "not_started",
                 "new": "in_progress"},
            ],
        }
    }  # fmt: skip
    # Field by field, in English, French and Arabic; no "metadata updated" for rows.
    entry = (out / DATASET / "versions" / "1.0.1" / "CHANGES.md").read_text(encoding="utf-8")
    line = "  - ait-amira-c1-m1 status: `not_started` → `in_progress`"
    assert entry.count(line) == 3
    assert "### En français" in entry and "### بالعربية" in entry
    assert "1 ligne modifiée (ait-amira-c1-m1)" in entry
    assert "metadata" not in entry and "métadonnées" not in entry

    def add(rows: list[list[str]]) -> None:
        new = list(rows[-1])
        new[0] = "ait-amira-c3-m3"
        rows.append(new)

    edit_csv(ait_amira / "milestones.csv", add)
    minor = publish(ait_amira, str(out))
    assert (minor.version, minor.previous_version) == ("1.1.0", "1.0.1")

    def remove(rows: list[list[str]]) -> None:
        del rows[-1]

    edit_csv(ait_amira / "milestones.csv", remove)
    major = publish(ait_amira, str(out))
    assert major.version == "2.0.0"
    assert major.changes["milestones"]["ids_removed"] == ["ait-amira-c3-m3"]

    home = out / DATASET
    assert (home / "versions" / "1.0.0" / "milestones.csv").read_bytes() == old
    info = json.loads((home / "dataset.json").read_text(encoding="utf-8"))
    assert info["versions"] == ["1.0.0", "1.0.1", "1.1.0", "2.0.0"]
    changelog = (home / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 2.0.0") < changelog.index("## 1.1.0") < changelog.index("## 1.0.0")
    assert "1 row removed (ait-amira-c3-m3)" in changelog


def test_invalid_data_publishes_nothing(tmp_path: Path, ait_amira: Path) -> None:
    out = tmp_path / "catalog"
    publish(ait_amira, str(out))
    before = snapshot(out)

    def break_date(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("due_date")] = "2024-13-45"

    edit_csv(ait_amira / "milestones.csv", break_date)
    result = run_cli("publish", str(ait_amira), "--to", str(out), "--json")
    assert result.code == 1
    body = result.json()
    assert body["status"] == "invalid"
    assert body["report"]["valid"] is False
    assert {e["code"] for e in body["report"]["errors"]} == {"invalid-date"}
    assert snapshot(out) == before


def test_dry_run_plans_and_writes_nothing(tmp_path: Path, ait_amira: Path) -> None:
    out = tmp_path / "catalog"
    first = run_cli("publish", str(ait_amira), "--to", str(out), "--dry-run", "--json")
    assert first.code == 0
    assert first.json()["status"] == "planned"
    assert first.json()["version"] == "1.0.0"
    assert not out.exists()
    publish(ait_amira, str(out))
    before = snapshot(out)

    def correct(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("title_fr")] = "Plan de travail détaillé"

    edit_csv(ait_amira / "milestones.csv", correct)
    planned = run_cli("publish", str(ait_amira), "--to", str(out), "--dry-run", "--json")
    assert planned.json()["version"] == "1.0.1"
    assert planned.json()["changes"]["milestones"]["rows_changed"] == 1
    assert snapshot(out) == before


def test_interrupted_publish_keeps_the_previous_version_and_rerun_completes(
    tmp_path: Path, ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "catalog"
    publish(ait_amira, str(out))

    def add(rows: list[list[str]]) -> None:
        new = list(rows[-1])
        new[0] = "ait-amira-c3-m3"
        rows.append(new)

    edit_csv(ait_amira / "milestones.csv", add)
    real = catalog._atomic_write

    def crash(path: Path, data: bytes) -> None:
        if path.name == catalog.DATASET_FILE:
            raise KeyboardInterrupt  # the process dies before the commit point
        real(path, data)

    monkeypatch.setattr(catalog, "_atomic_write", crash)
    with pytest.raises(KeyboardInterrupt):
        publish(ait_amira, str(out))
    info = json.loads((out / DATASET / "dataset.json").read_text(encoding="utf-8"))
    assert info["version"] == "1.0.0"
    monkeypatch.setattr(catalog, "_atomic_write", real)
    again = publish(ait_amira, str(out))
    assert (again.status, again.version) == ("published", "1.1.0")
    latest = (out / DATASET / "latest" / "milestones.csv").read_bytes()
    assert latest == (out / DATASET / "versions" / "1.1.0" / "milestones.csv").read_bytes()
    assert b"ait-amira-c3-m3" in latest
    leftovers = [p.name for p in (out / DATASET).rglob(".*") if p.name != ".version"]
    assert leftovers == []


def test_the_same_data_saved_by_excel_is_unchanged(tmp_path: Path, ait_amira: Path) -> None:
    """BOM, CRLF and semicolons (French Excel) change the file, not the published data."""
    out = tmp_path / "catalog"
    publish(ait_amira, str(out))
    path = ait_amira / "commitments.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    assert publish(ait_amira, str(out)).status == "unchanged"


def test_publish_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("publish", str(tmp_path / "nowhere"), "--to", str(tmp_path / "c"))
    assert result.code == 2
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "c").exists()


def test_the_stewards_yes_and_no_are_published_as_true_and_false(
    tmp_path: Path, ait_amira: Path
) -> None:
    """A boolean as the steward types it (oui, نعم, 1, non, لا) is published as
    ``true``/``false``; an empty cell stays empty, and every other cell is as typed."""
    from .conftest import set_cells

    fields = ["ogp_access_to_information", "ogp_civic_participation"]
    words = {(2, fields[0]): "oui", (3, fields[0]): "نعم", (4, fields[0]): "1",
             (2, fields[1]): "non", (3, fields[1]): "لا", (4, fields[1]): ""}  # fmt: skip
    set_cells(ait_amira, "commitments", words)
    source = list(csv.reader((ait_amira / "commitments.csv").open(encoding="utf-8", newline="")))
    assert publish(ait_amira, str(tmp_path / "out")).status == "published"
    path = tmp_path / "out" / DATASET / "latest" / "commitments.csv"
    published = list(csv.reader(path.open(encoding="utf-8", newline="")))
    header = source[0]
    assert [published[line - 1][header.index(f)] for line, f in words] == [
        "true", "true", "true", "false", "false", ""
    ]  # fmt: skip
    others = [i for i, name in enumerate(header) if name not in fields]
    assert [[r[i] for i in others] for r in published] == [[r[i] for i in others] for r in source]
