"""Malformed inputs end in exit 0-3 with words in the user's language, never an internal
error or a traceback: each case here used to end in "internal error" (exit 70)."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from .conftest import run_cli, set_cells
from .test_workbooks import rewrite_sheet


def descriptor(folder: Path, **changes: object) -> None:
    path = folder / "datapackage.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def no_traceback(*outputs: str) -> None:
    for text in outputs:
        assert "Traceback" not in text and "internal error" not in text, text[-2000:]


def test_a_deeply_nested_descriptor_is_a_bad_descriptor(ait_amira: Path) -> None:
    (ait_amira / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000)
    result = run_cli("validate", str(ait_amira), "--lang", "fr")
    assert result.code == 2 and "datapackage.json" in result.stderr
    no_traceback(result.stdout, result.stderr)


def test_licences_and_sources_of_the_wrong_kind_are_findings(
    ait_amira: Path, tmp_path: Path
) -> None:
    descriptor(ait_amira, licenses="CC-BY", sources="la commune")
    checked = run_cli("validate", str(ait_amira), "--json", "--lang", "en")
    assert checked.code == 1
    found = [(e["code"], e["file"], e["message"]) for e in checked.json()["errors"]]
    assert [(c, f) for c, f, _ in found] == [("descriptor-field", "datapackage.json")] * 2
    assert '"licenses" must be a list of objects' in found[0][2]
    published = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "cat"), "--json")
    assert published.code == 1 and published.json()["status"] == "invalid"
    assert not (tmp_path / "cat").exists()  # nothing half-written (it left .locks/, versions/)
    no_traceback(checked.stderr, published.stderr)


def test_descriptor_fields_given_as_null_are_fields_not_given(
    ait_amira: Path, tmp_path: Path
) -> None:
    """Found by the fuzzer (tests/test_fuzz.py): validate said 0, publish said 70."""
    descriptor(ait_amira, sources=None, description=None, **{"x-illustrative": None})
    result = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "cat"), "--json")
    assert result.code == 0, result.stderr
    assert result.json()["status"] == "published"
    no_traceback(result.stdout, result.stderr)


def test_a_file_name_that_is_not_utf8_is_shown_not_fatal(ait_amira: Path, tmp_path: Path) -> None:
    name = os.fsdecode(b"jal\xe9ons.csv")
    (ait_amira / name).write_bytes((ait_amira / "milestones.csv").read_bytes())
    result = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "cat"), "--lang", "en")
    assert result.code == 0, result.stderr
    no_traceback(result.stdout, result.stderr)
    checked = run_cli("validate", str(ait_amira), "--json", "--lang", "en")
    assert checked.json()["warnings"][0]["file"] == "jal\ufffdons.csv"  # shown to the steward
    report = next((tmp_path / "cat").glob("*/latest/validation-report.json")).read_text()
    assert json.loads(report)["warnings"][0] == {
        "code": "unknown-file",
        "table": None,
        "row": None,
        "field": None,
        "column": None,
    }  # the published report names no file the steward typed


def test_a_damaged_sheet_is_an_unreadable_file(ait_amira: Path) -> None:
    with (ait_amira / "milestones.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    target = ait_amira / "milestones.xlsx"
    wb.save(target)
    (ait_amira / "milestones.csv").unlink()
    rewrite_sheet(target, lambda xml: xml[: len(xml) // 2])  # the sheet's XML cut in the middle
    descriptor(
        ait_amira,
        resources=[{"name": "milestones", "path": "milestones.xlsx"}],
    )
    result = run_cli("validate", str(ait_amira), "--json", "--lang", "en")
    assert result.code == 1, result.stderr
    codes = {(e["code"], e["file"]) for e in result.json()["errors"]}
    assert ("unreadable-file", "milestones.xlsx") in codes
    no_traceback(result.stderr)


def test_a_damaged_catalog_file_is_a_portal_failure(ait_amira: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "cat"
    damaged = catalog / "openness-programme-09-163-07-01" / "dataset.json"
    damaged.parent.mkdir(parents=True)
    damaged.write_text("{damaged", encoding="utf-8")
    result = run_cli("publish", str(ait_amira), "--to", str(catalog), "--lang", "fr")
    assert result.code == 3 and str(damaged) in result.stderr
    no_traceback(result.stderr)


@pytest.mark.parametrize("version", [None, "", "1.0.x", "../../elsewhere", 7])
def test_a_catalog_record_without_its_version_is_a_portal_failure(
    ait_amira: Path, tmp_path: Path, version: object
) -> None:
    """A ``dataset.json`` edited by hand until it holds no version (none, or something
    else) cannot say what the next version is, nor name a folder: the publication stops
    with exit 3 naming the record, never with an internal error, and publishes nothing,
    here or elsewhere."""
    catalog = tmp_path / "cat"
    assert run_cli("publish", str(ait_amira), "--to", str(catalog)).code == 0
    record = catalog / "openness-programme-09-163-07-01" / "dataset.json"
    info = json.loads(record.read_text("utf-8"))
    edited = {k: v for k, v in info.items() if k != "version"}
    record.write_text(json.dumps(edited if version is None else {**edited, "version": version}))
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    result = run_cli("publish", str(ait_amira), "--to", str(catalog), "--lang", "fr")
    assert result.code == 3 and str(record) in result.stderr
    assert "endommagé" in result.stderr
    no_traceback(result.stderr)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_the_template_never_replaces_a_workbook_without_force(tmp_path: Path) -> None:
    filled = tmp_path / "programme.xlsx"
    filled.write_bytes(b"the steward's filled-in workbook")
    refused = run_cli("template", str(filled), "--lang", "fr")
    assert refused.code == 2 and "--force" in refused.stderr
    assert filled.read_bytes() == b"the steward's filled-in workbook"
    forced = run_cli("template", str(filled), "--lang", "fr", "--force")
    assert forced.code == 0 and zipfile.is_zipfile(filled)
    folder = run_cli("template", str(tmp_path), "--lang", "fr")
    assert folder.code == 2 and "dossier" in folder.stderr
    under_a_file = run_cli("template", str(filled / "x.xlsx"), "--lang", "ar")
    assert under_a_file.code == 2
    device = run_cli("template", "/dev/null", "--lang", "fr", "--force")
    assert device.code == 2 and Path("/dev/null").is_char_device()
    no_traceback(refused.stderr, folder.stderr, under_a_file.stderr, device.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.xlsx"]  # no leftovers


def test_the_demo_without_prefects_server_is_a_service_failure(tmp_path: Path) -> None:
    """A Prefect server that cannot be reached, or a temporary one that does not start in
    time, used to end `infitah demo` in "internal error" (exit 70) with Prefect's words."""
    catalog = tmp_path / "catalog"
    args = ("demo", "--datasets", "datasets", "--to", str(catalog), "--lang", "fr")
    away = run_cli(*args, env={"PREFECT_API_URL": "http://infitah:s3cret@127.0.0.1:9/api"})
    assert away.code == 3, away.stderr[-2000:]
    assert "Le serveur Prefect http://127.0.0.1:9/api est injoignable" in away.stderr
    assert "s3cret" not in away.stderr + away.stdout  # an address's password is never shown
    assert "rien n’a été validé ni publié" in away.stderr
    slow = run_cli(
        *args,
        env={"PREFECT_API_URL": "", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "0"},
    )
    assert slow.code == 3, slow.stderr[-2000:]
    assert "Le serveur temporaire de Prefect n’a pas démarré" in slow.stderr
    no_traceback(away.stdout, away.stderr, slow.stdout, slow.stderr)
    assert not catalog.exists()  # nothing read, nothing written
