"""Workbooks are read as the steward's Excel shows them: the visible sheet, a formula's
saved result, error cells and unknown formats reported, nothing chosen silently."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from pipelines.reading import read_table
from pipelines.schemas import load

from .conftest import run_cli

MILESTONES_TITLE_COL = "E"  # title_fr in milestones.csv


def rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def to_workbook(folder: Path, table: str, sheets: dict[str, list[list[Any]]],
                hidden: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """``table``'s CSV replaced by a workbook of these sheets; the descriptor names it."""
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, records in sheets.items():
        ws = wb.create_sheet(title)
        for record in records:
            ws.append(record)
        if title in hidden:
            ws.sheet_state = "hidden"
    target = folder / f"{table}.xlsx"
    wb.save(target)
    (folder / f"{table}.csv").unlink()
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == table:
            resource["path"] = target.name
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return target


def rewrite_sheet(workbook: Path, change: Callable[[bytes], bytes]) -> None:
    """Edit the first sheet's XML in place: what a crafted or damaged file holds and
    openpyxl would never write."""
    with zipfile.ZipFile(workbook) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(workbook, "w") as zout:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            zout.writestr(info, data)


def report(folder: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli("validate", str(folder), "--json", "--lang", "en")
    assert "Traceback" not in result.stderr
    return result.code, result.json()


def located(found: list[dict[str, Any]], code: str) -> list[tuple[Any, ...]]:
    return [(f["file"], f["row"], f["column"], f["field"]) for f in found if f["code"] == code]


def test_the_visible_sheet_is_published_never_a_hidden_one(ait_amira: Path, tmp_path: Path) -> None:
    current = rows(ait_amira, "milestones")
    stale = [current[0], *[[*r[:4], "ANCIENNE VERSION", *r[5:]] for r in current[1:]]]
    to_workbook(ait_amira, "milestones", {"old": stale, "now": current}, hidden=("old",))
    code, _ = report(ait_amira)
    assert code == 0
    result = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "cat"))
    assert result.code == 0, result.stderr
    published = next((tmp_path / "cat").glob("*/latest/milestones.csv")).read_text("utf-8")
    assert "ANCIENNE VERSION" not in published and current[1][4] in published


def test_a_hidden_sheet_holding_a_table_is_a_warning(ait_amira: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Jalons"  # the milestones table's French title
    for record in rows(ait_amira, "milestones"):
        ws.append(record)
    ws.sheet_state = "hidden"
    wb.create_sheet("notes")
    wb.save(ait_amira / "brouillon.xlsx")
    code, found = report(ait_amira)
    assert code == 0
    warnings = {(w["code"], w["file"]) for w in found["warnings"]}
    assert ("hidden-sheet", "brouillon.xlsx") in warnings
    assert ("unknown-sheet", "brouillon.xlsx") in warnings  # "notes" is named, not dropped


def test_a_sheet_named_by_its_french_title_is_read(ait_amira: Path) -> None:
    records = rows(ait_amira, "milestones")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Jalons"
    for record in records:
        ws.append(record)
    extra = wb.create_sheet("commitments (2)")
    extra.append(["x"])
    wb.save(ait_amira / "programme.xlsx")
    (ait_amira / "milestones.csv").unlink()
    descriptor = json.loads((ait_amira / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "milestones"]
    (ait_amira / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, found = report(ait_amira)
    assert code == 0, found["errors"]
    assert found["stats"]["rows"] >= len(records) - 1
    unknown = [w for w in found["warnings"] if w["code"] == "unknown-sheet"]
    assert [w["message"] for w in unknown] == [
        'The sheet "commitments (2)" of programme.xlsx matches no known table and was not read.'
    ]


def test_formulas_read_as_their_saved_result_or_refused(ait_amira: Path) -> None:
    records = rows(ait_amira, "milestones")
    sheet: list[list[Any]] = [list(r) for r in records]
    sheet[1][4] = '=UPPER("saved result")'  # given a saved result below
    sheet[2][4] = ArrayFormula("E3:E3", '=UPPER("never computed")')
    sheet[3][4] = "#REF!"
    target = to_workbook(ait_amira, "milestones", {"milestones": sheet})
    # What Excel does on save and openpyxl cannot: store the formula's result.
    saved = rb'<c r="E2"\1 t="str"><f>\2</f><v>SAVED RESULT</v>'
    rewrite_sheet(target, lambda xml: re.sub(rb'<c r="E2"([^>]*)><f>(.*?)</f><v\s*/>', saved, xml))
    code, found = report(ait_amira)
    assert code == 1
    assert located(found["errors"], "formula-without-value") == [
        ("milestones.xlsx", 3, MILESTONES_TITLE_COL, "title_fr")
    ]
    assert located(found["errors"], "excel-error") == [
        ("milestones.xlsx", 4, MILESTONES_TITLE_COL, "title_fr")
    ]
    assert "#REF!" in next(e["message"] for e in found["errors"] if e["code"] == "excel-error")
    text = json.dumps(found)
    assert "ArrayFormula object" not in text and "UPPER" not in text  # never their text
    table = read_table(target, load("milestones"))
    assert table.column("title_fr")[:3] == ["SAVED RESULT", "", ""]


def test_old_formats_are_named_with_what_to_do(ait_amira: Path) -> None:
    (ait_amira / "milestones.csv").rename(ait_amira / "milestones.xls")
    (ait_amira / "notes.ods").write_bytes(b"PK")
    descriptor = json.loads((ait_amira / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "milestones"]
    (ait_amira / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, found = report(ait_amira)
    assert code == 1
    assert sorted((e["file"], e["table"]) for e in found["errors"]
                  if e["code"] == "unsupported-format") == [
        ("milestones.xls", "milestones"), ("notes.ods", None)]  # fmt: skip
    assert "Save as" in found["errors"][0]["hint"]


def test_a_table_found_twice_is_an_error(ait_amira: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "milestones"
    for record in rows(ait_amira, "milestones"):
        ws.append(record)
    wb.save(ait_amira / "tableaux.xlsx")
    code, found = report(ait_amira)
    assert code == 1
    twice = [e for e in found["errors"] if e["code"] == "duplicate-table"]
    assert [(e["table"], e["message"]) for e in twice] == [
        ("milestones", 'The table "milestones" is both in milestones.csv and in '
         "tableaux.xlsx#milestones: which one is right?")
    ]  # fmt: skip


def test_a_huge_cell_in_a_workbook_is_refused_as_in_a_csv(ait_amira: Path) -> None:
    """The 400,000-character limit held for CSV only: such a workbook cell was published."""
    sheet = [list(r) for r in rows(ait_amira, "milestones")]
    sheet[2][4] = "LONG CELL"
    target = to_workbook(ait_amira, "milestones", {"milestones": sheet})
    # openpyxl (like Excel) writes at most 32,767 characters in a cell; a crafted file
    # holds what it likes: 1,000,000 characters, written into the sheet's XML.
    rewrite_sheet(target, lambda xml: xml.replace(b"LONG CELL", b"trop long " * 100_000))
    code, found = report(ait_amira)
    assert code == 1
    assert [(e["code"], e["file"], e["row"]) for e in found["errors"]] == [
        ("unreadable-file", "milestones.xlsx", 3)
    ]
    assert "far too long" in found["errors"][0]["message"]
