"""The steward's Excel template: built from the schemas, and read back by validation as is."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.findings import Lang
from pipelines.schemas import COMMUNE_FIELD, TABLES, TableSchema, load, normalise_header
from pipelines.template import (
    DATA_ROWS,
    LISTS_SHEET,
    README_SHEET,
    choices,
    write_template,
)
from pipelines.validation import validate

from .conftest import AIT_AMIRA

LANGS: tuple[Lang, ...] = ("ar", "fr")
LIST_RANGE = re.compile(r"^'_lists'!\$([A-Z]+)\$2:\$\1\$(\d+)$")


@pytest.fixture(scope="module", params=LANGS)
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(lang, path, workbook) for a template written once per language."""
    lang = request.param
    path = write_template(tmp_path_factory.mktemp(f"template-{lang}") / "template.xlsx", lang)
    return lang, path, openpyxl.load_workbook(path)


def _schemas() -> list[TableSchema]:
    return [load(name) for name in TABLES]


def _validations(ws: Worksheet, letter: str) -> list[DataValidation]:
    """Validations covering the whole data range of one column."""
    wanted = f"{letter}2:{letter}{DATA_ROWS}"
    return [dv for dv in ws.data_validations.dataValidation if wanted in str(dv.sqref).split()]


def _only(ws: Worksheet, letter: str) -> DataValidation:
    found = _validations(ws, letter)
    assert len(found) == 1, (ws.title, letter, found)
    return found[0]


def _list_values(wb: Workbook, formula: str) -> list[str]:
    match = LIST_RANGE.match(formula)
    assert match, formula
    letter, last = match.group(1), int(match.group(2))
    return [str(c.value) for (c,) in wb[LISTS_SHEET][f"{letter}2:{letter}{last}"]]


# --- the CLI --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_cli_writes_the_template(cli: Any, tmp_path: Path, lang: Lang) -> None:
    out = tmp_path / "sub" / f"modele-{lang}.xlsx"
    result = cli("template", str(out), "--lang", lang)
    assert result.code == 0, result.stderr
    assert out.is_file()
    assert str(out) in result.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == README_SHEET[lang]


# --- structure ------------------------------------------------------------------------


def test_one_sheet_per_table_with_the_exact_names(template: Any) -> None:
    lang, _, wb = template
    assert wb.sheetnames == [README_SHEET[lang], *TABLES, LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert all(wb[name].sheet_state == "visible" for name in [README_SHEET[lang], *TABLES])
    assert wb.active.title == README_SHEET[lang]
    # Reading ignores sheets that are not tables: the extra sheets must never be one.
    keys = {normalise_header(t) for t in TABLES}
    assert normalise_header(LISTS_SHEET) not in keys
    assert all(normalise_header(n) not in keys for n in README_SHEET.values())


def test_headers_are_titles_in_the_language_that_reading_matches(template: Any) -> None:
    lang, _, wb = template
    for schema in _schemas():
        ws = wb[schema.name]
        header = [c.value for c in ws[1]]
        titles = schema.field_titles(lang)
        assert header == [titles[n] for n in schema.field_names], schema.name
        aliases = schema.header_aliases()
        assert [aliases.get(normalise_header(h)) for h in header] == schema.field_names
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    if lang == "ar":
        assert wb["workshops"]["A1"].value == "معرف الورشة"
    else:
        assert wb["workshops"]["A1"].value == "Identifiant de l'atelier"


def test_required_columns_are_marked_and_headers_carry_help(template: Any) -> None:
    lang, _, wb = template
    required_word = {"ar": "إلزامي", "fr": "Obligatoire"}[lang]
    optional_word = {"ar": "اختياري", "fr": "Facultatif"}[lang]
    for schema in _schemas():
        ws = wb[schema.name]
        fills = {
            schema.required(n): ws.cell(1, i).fill.fgColor.rgb
            for i, n in enumerate(schema.field_names, start=1)
        }
        for index, field in enumerate(schema.fields, start=1):
            name = field["name"]
            cell = ws.cell(1, index)
            assert cell.fill.fgColor.rgb == fills[schema.required(name)]
            text = cell.comment.text
            lines = text.split("\n")
            assert lines[0] == schema.field_titles(lang)[name]
            assert lines[1] == f"({name})"
            assert lines[2] == (required_word if schema.required(name) else optional_word)
            assert field["description"] in text
            for code, label in schema.enum_labels(name).items():
                assert f"{code} = {label[lang]}" in text
    # Both kinds exist in the schemas, so the colours must differ.
    ws = wb["workshops"]
    assert ws["A1"].fill.fgColor.rgb != ws["E1"].fill.fgColor.rgb  # workshop_id vs round


def test_every_enum_field_has_a_dropdown_of_its_codes(template: Any) -> None:
    lang, _, wb = template
    seen = 0
    for schema in _schemas():
        ws = wb[schema.name]
        for index, field in enumerate(schema.fields, start=1):
            enum = field.get("constraints", {}).get("enum")
            codes = enum or list(field.get("x-list-of") or {})
            if not codes:
                continue
            dv = _only(ws, get_column_letter(index))
            assert dv.type == "list"
            offered = _list_values(wb, dv.formula1)
            labels = schema.enum_labels(field["name"])
            if lang == "en" or not enum:
                assert offered == codes, (schema.name, field["name"])
            else:  # the workbook's language: what a steward reads is what they pick
                assert offered == [labels[c][lang] for c in codes], (schema.name, field["name"])
            assert dv.allow_blank
            # Enums refuse other values; ';'-lists of codes must accept combinations.
            assert bool(dv.showErrorMessage) == bool(enum)
            assert f"{codes[0]} = {labels[codes[0]][lang]}" in dv.prompt
            seen += 1
    assert seen >= 20


def test_boolean_fields_offer_true_false_that_the_schema_accepts(template: Any) -> None:
    lang, _, wb = template
    seen = 0
    for schema in _schemas():
        for index, field in enumerate(schema.fields, start=1):
            if field["type"] != "boolean":
                continue
            dv = _only(wb[schema.name], get_column_letter(index))
            assert dv.type == "list"
            assert dv.formula1 == {"en": '"true,false"', "fr": '"oui,non"',
                                   "ar": '"نعم,لا"'}[lang]  # fmt: skip
            assert "true" in field["trueValues"] and "false" in field["falseValues"]
            seen += 1
    assert seen == 5


def test_date_time_and_number_columns(template: Any) -> None:
    _, _, wb = template
    kinds: set[str] = set()
    for schema in _schemas():
        ws = wb[schema.name]
        for index, field in enumerate(schema.fields, start=1):
            letter = get_column_letter(index)
            kind = field["type"]
            kinds.add(kind)
            if kind == "date":
                assert ws[f"{letter}2"].number_format == "yyyy-mm-dd"
                assert ws[f"{letter}{DATA_ROWS}"].number_format == "yyyy-mm-dd"
                assert _only(ws, letter).type == "date"
            elif kind == "time":
                assert ws[f"{letter}2"].number_format == "hh:mm:ss"
                assert _only(ws, letter).type == "time"
            elif kind in ("integer", "number"):
                dv = _only(ws, letter)
                assert dv.type == ("whole" if kind == "integer" else "decimal")
                minimum = field.get("constraints", {}).get("minimum")
                if minimum is not None:
                    assert float(dv.formula1) == minimum
                    assert dv.operator in ("between", "greaterThanOrEqual")
            if kind in ("date", "time", "integer", "number", "boolean"):
                assert _only(ws, letter).showErrorMessage, (schema.name, field["name"])
            elif kind == "string" and not _codes_of(field):
                assert _validations(ws, letter) == []
    assert {"date", "time", "integer", "number", "boolean", "string"} <= kinds


def _codes_of(field: dict[str, Any]) -> list[str]:
    return field.get("constraints", {}).get("enum") or list(field.get("x-list-of") or {})


def test_commune_code_column_is_text(template: Any) -> None:
    _, _, wb = template
    for schema in _schemas():
        ws = wb[schema.name]
        letter = get_column_letter(schema.field_names.index(COMMUNE_FIELD) + 1)
        assert ws[f"{letter}2"].number_format == "@"
        assert ws[f"{letter}{DATA_ROWS}"].number_format == "@"


def test_readme_explains_in_the_language_and_is_rtl_for_arabic(template: Any) -> None:
    lang, _, wb = template
    ws = wb[README_SHEET[lang]]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "infitah validate" in text
    assert "09-08" in text
    assert "YYYY-MM-DD" in text
    assert "= + - " in text or "= أو + أو - أو @" in text
    for name in TABLES:
        assert name in text
    assert bool(ws.sheet_view.rightToLeft) == (lang == "ar")
    assert bool(wb["workshops"].sheet_view.rightToLeft) == (lang == "ar")
    if lang == "ar":
        assert "المعطيات الشخصية" in text
    else:
        assert "donnée personnelle" in text


def test_excel_limits_on_messages_hold(template: Any) -> None:
    """Excel drops the whole workbook's validations ("repair") when a message is too long."""
    _, _, wb = template
    for name in TABLES:
        for dv in wb[name].data_validations.dataValidation:
            assert len(dv.prompt or "") <= 255
            assert len(dv.error or "") <= 255
            assert len(dv.promptTitle or "") <= 32
            assert len(dv.errorTitle or "") <= 32
            assert dv.type != "list" or len(dv.formula1) <= 255


# --- a steward fills it ---------------------------------------------------------------


def _as_steward_types(field: dict[str, Any], text: str) -> Any:
    """What Excel stores when a person types the value (dates are dates, counts numbers)."""
    if text == "":
        return None
    kind = field["type"]
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "time":
        return dt.time.fromisoformat(text)
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    return text


def _fill(path: Path, picked_in: Lang | None = None) -> int:
    """Copy Aït Amira's CSVs into the template's sheets; return the number of rows.
    With ``picked_in``, every list value is the label its dropdown offers in that
    language, as a steward picks it."""
    wb = openpyxl.load_workbook(path)
    total = 0
    for schema in _schemas():
        ws = wb[schema.name]
        with (AIT_AMIRA / f"{schema.name}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for number, row in enumerate(rows, start=2):
            for index, field in enumerate(schema.fields, start=1):
                value = row[field["name"]]
                enum = field.get("constraints", {}).get("enum")
                if picked_in and enum and value:
                    value = choices(schema, field, picked_in)[enum.index(value)]
                ws.cell(number, index).value = _as_steward_types(field, value)
        total += len(rows)
    wb.save(path)
    return total


@pytest.fixture
def reference_ready() -> None:
    from pipelines.resources import COMMUNES_CSV as REFERENCE_CSV

    if not REFERENCE_CSV.is_file():
        pytest.fail(f"{REFERENCE_CSV} is missing: run `infitah reference` first")


@pytest.mark.parametrize("lang", LANGS)
def test_filled_template_validates_as_is(
    tmp_path: Path, cli: Any, lang: Lang, reference_ready: None
) -> None:
    path = write_template(tmp_path / "filled.xlsx", lang)
    total = _fill(path)
    assert total > 10
    report = validate(path).report
    assert report.valid, report.render_text("en")
    assert report.stats["rows"] == total
    assert not any(f.code.endswith("-label") for f in report.findings), report.render_text("en")

    result = cli("validate", str(path), "--json")
    assert result.code == 0, result.stdout + result.stderr
    data = result.json()
    assert data["valid"] is True
    assert data["stats"]["rows"] == total
    assert data["stats"]["by_table"]["milestones"]["rows"] == 6


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_what_a_steward_picks_from_the_dropdowns_validates_and_publishes_codes(
    tmp_path: Path, lang: Lang, reference_ready: None
) -> None:
    path = write_template(tmp_path / "picked.xlsx", lang)
    _fill(path, picked_in=lang)
    wb = openpyxl.load_workbook(path)
    stage = load("action_plans").field_names.index("stage") + 1
    assert wb["action_plans"].cell(2, stage).value == {"fr": "Préparation", "ar": "الإعداد"}[lang]
    checked = validate(path)
    assert checked.report.valid, checked.report.render_text("en")
    assert any(f.code == "label-normalised" for f in checked.report.findings)
    plans = checked.package.tables["action_plans"]
    assert plans.column("stage") == ["preparation"]


def test_wrong_code_in_filled_template_is_located(tmp_path: Path, reference_ready: None) -> None:
    path = write_template(tmp_path / "filled.xlsx", "fr")
    _fill(path)
    schema = load("milestones")
    letter = get_column_letter(schema.field_names.index("status") + 1)
    wb = openpyxl.load_workbook(path)
    wb["milestones"][f"{letter}4"] = "en cours"  # a label: taken as its code, with a note
    wb.save(path)
    report = validate(path).report
    assert report.valid
    assert [(f.code, f.row, f.field) for f in report.warnings] == [
        ("label-normalised", 4, "status")
    ]  # fmt: skip
    wb = openpyxl.load_workbook(path)
    wb["milestones"][f"{letter}4"] = "encours"  # no code, no label
    wb.save(path)

    report = validate(path).report
    assert not report.valid
    found = [f.to_dict() for f in report.errors if f.code == "constraint-error"]
    assert len(found) == 1, report.render_text("en")
    assert found[0]["table"] == "milestones"
    assert found[0]["field"] == "status"
    assert found[0]["column"] == letter == "H"
    assert found[0]["row"] == 4
    assert found[0]["file"] == "filled.xlsx#milestones"
