"""Messy input as stewards really send it: encodings, separators, digits, XLSX, headers.

Every test writes real files (into tmp_path, or reads tests/data/) and asserts what a
steward sees: the finding codes, where they are (line, column letter), the exit code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import frictionless
import openpyxl
import pytest

from pipelines.reading import read_package, read_table
from pipelines.schemas import TABLES, load
from pipelines.validation import validate

DATA = Path(__file__).resolve().parent / "data"
AIT_AMIRA_CODE = "09.163.07.01"
ARABIC_TITLE = "برنامج انفتاح جماعة أيت عميرة"

PLAN: dict[str, str] = {
    "plan_id": "ait-amira-2024-2026",
    "commune_code": AIT_AMIRA_CODE,
    "title_ar": ARABIC_TITLE,
    "title_fr": "Programme d'ouverture de la commune d'Aït Amira",
    "cycle_start": "2024-04-15",
    "cycle_end": "2026-04-14",
    "stage": "preparation",
    "data_status": "reported",
}


# --- helpers ---------------------------------------------------------------------------


def csv_text(
    table: str,
    rows: list[dict[str, str]],
    header: list[str] | None = None,
    delimiter: str = ",",
    newline: str = "\n",
    columns: list[str] | None = None,
) -> str:
    """A CSV of ``table``: cells of ``columns`` (default: the schema's fields, in order)
    under the labels ``header`` (default: the column names)."""
    names = columns or load(table).field_names
    labels = header or names
    buffer: list[str] = []

    class _Sink:
        def write(self, s: str) -> int:
            buffer.append(s)
            return len(s)

    writer = csv.writer(_Sink(), delimiter=delimiter, lineterminator=newline)
    writer.writerow(labels)
    for row in rows:
        writer.writerow([row.get(n, "") for n in names])
    return "".join(buffer)


def plans(n: int = 1, **overrides: str) -> list[dict[str, str]]:
    """``n`` valid action_plans rows with distinct ids; overrides apply to the last."""
    rows = [{**PLAN, "plan_id": f"plan-{i}"} for i in range(1, n + 1)]
    rows[-1].update(overrides)
    return rows


def report(path: Path, table: str | None = "action_plans") -> dict[str, Any]:
    """The report as ``infitah validate --json`` prints it (same library call)."""
    result = validate(path, table).report if table else validate(path).report
    return result.to_dict("en")


def findings(rep: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in rep["errors"] + rep["warnings"] if f["code"] == code]


def codes(rep: dict[str, Any]) -> set[str]:
    return {f["code"] for f in rep["errors"] + rep["warnings"]}


def error_codes(rep: dict[str, Any]) -> set[str]:
    return {f["code"] for f in rep["errors"]}


def cells(path: Path, table: str, field: str) -> list[str]:
    return read_table(path, load(table)).column(field)


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stdout + result.stderr


# --- encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_utf8_with_or_without_bom_reads_arabic_intact(tmp_path: Path, bom: bool) -> None:
    path = tmp_path / "action_plans.csv"
    data = csv_text("action_plans", plans(2)).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)

    rep = report(path)

    assert rep["valid"] is True, rep["errors"]
    assert rep["warnings"] == []
    assert rep["stats"]["by_table"]["action_plans"]["encoding"] == "utf-8"
    # The BOM must not stick to the first header (plan_id would then be missing).
    assert cells(path, "action_plans", "plan_id") == ["plan-1", "plan-2"]
    assert cells(path, "action_plans", "title_ar") == [ARABIC_TITLE, ARABIC_TITLE]


PROBLEM_AR = "ضعف المعلومات المتاحة للعموم حول تدبير النفايات المنزلية"


def _late_arabic_cp1256(path: Path) -> None:
    """200 ASCII-only rows, then Arabic: a detector sampling the start sees no Arabic.

    Proposals suit the case: their Arabic text is optional, so the first rows (ids and
    codes only, as stewards enter them before the workshop) are valid and pure ASCII.
    """
    base = {"workshop_id": "w1", "commune_code": AIT_AMIRA_CODE, "axis": "environment",
            "data_status": "illustrative"}  # fmt: skip
    rows = [{**base, "proposal_id": f"p{i:03d}"} for i in range(200)]
    rows.append({**base, "proposal_id": "p200", "problem_ar": PROBLEM_AR,
                 "problem_fr": "Peu d'informations sur les déchets"})  # fmt: skip
    path.write_bytes(csv_text("proposals", rows, newline="\r\n").encode("cp1256"))


def test_frictionless_alone_misreads_late_arabic_windows_1256(tmp_path: Path) -> None:
    """The trap: plain frictionless guesses a Latin code page and calls mojibake valid."""
    path = tmp_path / "proposals.csv"
    _late_arabic_cp1256(path)
    schema = frictionless.Schema.from_descriptor(
        load("proposals").frictionless_descriptor(keep_foreign_keys_to=frozenset())
    )

    resource = frictionless.Resource(path=path.name, basepath=str(tmp_path), schema=schema)
    result = resource.validate()
    resource = frictionless.Resource(path=path.name, basepath=str(tmp_path), schema=schema)
    assert isinstance(resource, frictionless.resources.TableResource)
    last = resource.read_rows()[-1]

    assert result.valid is True  # ... and yet:
    assert resource.encoding not in {"cp1256", "windows-1256", "utf-8"}
    assert last["problem_ar"] != PROBLEM_AR
    assert not any("\u0600" <= c <= "\u06ff" for c in last["problem_ar"])


def test_infitah_reads_late_arabic_windows_1256(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "proposals.csv"
    _late_arabic_cp1256(path)

    result = cli("validate", str(path), "--table", "proposals", "--json")

    assert result.code == 0, result.stdout + result.stderr
    rep = result.json()
    assert rep["valid"] is True
    assert [f["code"] for f in rep["warnings"]] == ["legacy-encoding"]
    assert rep["warnings"][0]["file"] == "proposals.csv"
    assert rep["stats"]["by_table"]["proposals"]["encoding"] == "windows-1256"
    assert cells(path, "proposals", "problem_ar")[-1] == PROBLEM_AR
    assert cells(path, "proposals", "problem_fr")[-1] == "Peu d'informations sur les déchets"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: s.encode("cp1256").decode("cp1252"), id="cp1256-read-as-cp1252"),
        pytest.param(lambda s: s.encode("utf-8").decode("latin-1"), id="utf8-read-as-latin1"),
    ],
)
def test_already_mojibaked_arabic_is_not_arabic_script(tmp_path: Path, mangle: Any) -> None:
    """The damage done elsewhere and saved as UTF-8: only the script check can see it."""
    path = tmp_path / "action_plans.csv"
    broken = mangle(ARABIC_TITLE)
    path.write_text(csv_text("action_plans", plans(3, title_ar=broken)), encoding="utf-8")

    rep = report(path)

    assert rep["valid"] is False
    [finding] = findings(rep, "not-arabic-script")
    assert (finding["row"], finding["field"], finding["column"]) == (4, "title_ar", "C")
    assert error_codes(rep) == {"not-arabic-script"}


def _mixed(path: Path, first: str, second: str) -> None:
    header = csv_text("action_plans", []).encode("ascii")
    rows = plans(4)
    one = csv_text("action_plans", rows[:2]).split("\n", 1)[1]
    two = csv_text("action_plans", rows[2:]).split("\n", 1)[1]
    path.write_bytes(header + one.encode(first) + two.encode(second))


@pytest.mark.parametrize(
    ("first", "second"),
    [("utf-8", "cp1256"), ("cp1256", "utf-8")],
    ids=["utf8-then-1256", "1256-then-utf8"],
)
def test_mixed_encodings_are_an_error_at_the_line_where_they_change(
    tmp_path: Path, cli: Any, first: str, second: str
) -> None:
    path = tmp_path / "action_plans.csv"
    _mixed(path, first, second)

    result = cli("validate", str(path), "--table", "action_plans", "--json")

    assert result.code == 1
    no_traceback(result)
    rep = result.json()
    [finding] = findings(rep, "mixed-encoding")
    assert finding["row"] == 4  # header, two rows, then the other encoding
    assert finding["file"] == "action_plans.csv"
    assert "4" in finding["message"]


# --- separators ------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_french_excel_semicolons_and_tabs(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "action_plans.csv"
    # French Excel: semicolons, CRLF, BOM, and commas inside the text.
    rows = plans(2, title_fr="Programme d'ouverture, de transparence, et de participation")
    text = csv_text("action_plans", rows, delimiter=delimiter, newline="\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    rep = report(path)

    assert rep["valid"] is True, rep["errors"]
    assert codes(rep) == set()
    assert cells(path, "action_plans", "title_fr")[-1].count(",") == 2
    assert cells(path, "action_plans", "cycle_end") == ["2026-04-14", "2026-04-14"]


# --- normalisation ----------------------------------------------------------------------


def test_eastern_and_persian_digits_in_typed_cells_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "action_plans.csv"
    rows = plans(
        3,
        commune_code="٠٩.١٦٣.٠٧.٠١",  # Eastern Arabic-Indic
    )
    rows[1]["cycle_start"] = "۲۰۲۴-۰۴-۱۵"  # Persian (Extended Arabic-Indic)
    rows[2]["cycle_end"] = "٢٠٢٦-٠٤-١٤"
    path.write_text(csv_text("action_plans", rows), encoding="utf-8")

    rep = report(path)

    assert rep["valid"] is True, rep["errors"]
    digits = {f["field"]: f for f in findings(rep, "arabic-digits-normalised")}
    assert set(digits) == {"commune_code", "cycle_start", "cycle_end"}
    assert (digits["commune_code"]["row"], digits["commune_code"]["column"]) == (4, "B")
    assert (digits["cycle_start"]["row"], digits["cycle_start"]["column"]) == (3, "F")
    assert all(f in rep["warnings"] for f in digits.values())
    assert cells(path, "action_plans", "commune_code")[-1] == AIT_AMIRA_CODE
    assert cells(path, "action_plans", "cycle_start")[1] == "2024-04-15"


def test_eastern_digits_in_numbers_and_integers(tmp_path: Path, cli: Any) -> None:
    commitments = tmp_path / "commitments.csv"
    base = {
        "plan_id": "p",
        "commune_code": AIT_AMIRA_CODE,
        "axis": "environment",
        "title_ar": "نشر معطيات تدبير النفايات",
        "description_fr": "Publier le calendrier de collecte.",
        "data_status": "illustrative",
    }
    rows = [
        {**base, "commitment_id": "c1", "budget_mad": "١٥٠٠٠٠٫٥٠"},  # ٫ decimal separator
        {**base, "commitment_id": "c2", "budget_mad": "۱۲۰٬۰۰۰"},  # ٬ thousands separator
        {**base, "commitment_id": "c3", "budget_mad": "90000"},
    ]
    commitments.write_text(csv_text("commitments", rows), encoding="utf-8")
    participation = tmp_path / "workshop_participation.csv"
    people = [
        {"workshop_id": "w1", "commune_code": AIT_AMIRA_CODE, "stakeholder_group": group,
         "gender": "female", "participants": count, "data_status": "reported"}
        for group, count in (("citizen", "١٢"), ("civil_society", "۷"), ("commune_staff", "3"))
    ]  # fmt: skip
    participation.write_text(csv_text("workshop_participation", people), encoding="utf-8")

    result = cli("validate", str(commitments), "--table", "commitments", "--json")
    assert result.code == 0, result.stdout + result.stderr
    [warning] = findings(result.json(), "arabic-digits-normalised")
    assert (warning["field"], warning["row"], warning["column"]) == ("budget_mad", 2, "AB")
    assert "2" in warning["message"]  # two cells converted
    assert cells(commitments, "commitments", "budget_mad") == ["150000.50", "120000", "90000"]

    rep = report(participation, "workshop_participation")
    assert rep["valid"] is True, rep["errors"]
    [warning] = findings(rep, "arabic-digits-normalised")
    assert (warning["field"], warning["row"], warning["column"]) == ("participants", 2, "E")
    assert cells(participation, "workshop_participation", "participants") == ["12", "7", "3"]


def test_arabic_digits_in_free_text_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "action_plans.csv"
    title = "برنامج ٢٠٢٤-٢٠٢٦"
    path.write_text(csv_text("action_plans", plans(1, title_ar=title)), encoding="utf-8")

    rep = report(path)

    assert rep["valid"] is True
    assert findings(rep, "arabic-digits-normalised") == []
    assert cells(path, "action_plans", "title_ar") == [title]


def test_bidi_marks_and_no_break_spaces_are_removed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "action_plans.csv"
    rows = plans(3)
    rows[0]["title_ar"] = "\u202b" + ARABIC_TITLE + "\u202c"  # RLE ... PDF
    rows[1]["title_ar"] = "\u200f" + ARABIC_TITLE  # RLM
    rows[1]["commune_code"] = AIT_AMIRA_CODE + "\u00a0"  # NBSP pasted from a web page
    rows[2]["plan_id"] = "\u2067plan-3\u2069"  # RLI ... PDI
    rows[2]["title_fr"] = "Programme\u00a0d'ouverture"
    header = ["\u200f" + load("action_plans").field_names[0], *load("action_plans").field_names[1:]]
    path.write_text(csv_text("action_plans", rows, header=header), encoding="utf-8")

    rep = report(path)

    assert rep["valid"] is True, rep["errors"]
    cleaned = {f["field"]: f for f in findings(rep, "invisible-characters-removed")}
    assert set(cleaned) == {"title_ar", "commune_code", "plan_id", "title_fr"}
    assert (cleaned["title_ar"]["row"], cleaned["title_ar"]["column"]) == (2, "C")
    assert "2" in cleaned["title_ar"]["message"]  # two cells
    assert cleaned["commune_code"]["row"] == 3
    assert cleaned["plan_id"]["row"] == 4
    assert cells(path, "action_plans", "title_ar") == [ARABIC_TITLE] * 3
    assert cells(path, "action_plans", "commune_code") == [AIT_AMIRA_CODE] * 3
    assert cells(path, "action_plans", "plan_id")[-1] == "plan-3"
    assert cells(path, "action_plans", "title_fr")[-1] == "Programme d'ouverture"


# --- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_headers_may_be_titles_in_arabic_french_or_english(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "action_plans.csv"
    schema = load("action_plans")
    titles = schema.field_titles(lang)  # type: ignore[arg-type]
    header = [titles[n] for n in schema.field_names]
    rows = plans(2, cycle_end="31/14/2026")
    path.write_text(csv_text("action_plans", rows, header=header), encoding="utf-8")

    rep = report(path)

    assert not findings(rep, "missing-label") and not findings(rep, "extra-label")
    [error] = rep["errors"]
    assert (error["code"], error["row"], error["field"], error["column"]) == (
        "invalid-date",
        3,
        "cycle_end",
        "G",
    )


def test_columns_in_another_order_are_located_where_they_are(tmp_path: Path) -> None:
    path = tmp_path / "action_plans.csv"
    names = list(reversed(load("action_plans").field_names))
    rows = plans(2, cycle_end="2026-13-01")
    path.write_text(csv_text("action_plans", rows, columns=names), encoding="utf-8")

    rep = report(path)

    [error] = rep["errors"]
    assert (error["code"], error["row"], error["field"]) == ("invalid-date", 3, "cycle_end")
    assert error["column"] == "I"  # 15 columns reversed: cycle_end (7th) is the 9th
    assert cells(path, "action_plans", "title_ar") == [ARABIC_TITLE] * 2


def test_missing_required_column_is_missing_label_without_row_noise(
    tmp_path: Path, cli: Any
) -> None:
    path = tmp_path / "action_plans.csv"
    names = [n for n in load("action_plans").field_names if n != "cycle_start"]
    path.write_text(csv_text("action_plans", plans(3), columns=names), encoding="utf-8")

    result = cli("validate", str(path), "--table", "action_plans", "--json")

    assert result.code == 1
    rep = result.json()
    [missing] = findings(rep, "missing-label")
    assert missing["field"] == "cycle_start"
    assert "cycle_start" in missing["hint"] or "Cycle start" in missing["message"]
    # One structural error, not one per row.
    assert error_codes(rep) == {"missing-label"}


def test_unknown_column_is_an_extra_label_warning(tmp_path: Path) -> None:
    path = tmp_path / "action_plans.csv"
    names = [*load("action_plans").field_names, "notes internes"]
    rows = plans(2)
    rows[0]["notes internes"] = "à revoir"
    path.write_text(csv_text("action_plans", rows, columns=names), encoding="utf-8")

    rep = report(path)

    assert rep["valid"] is True, rep["errors"]
    [extra] = findings(rep, "extra-label")
    assert extra in rep["warnings"]
    assert extra["column"] == "P"
    assert "notes internes" in extra["message"]


def test_duplicate_column_is_a_duplicate_label_error(tmp_path: Path) -> None:
    path = tmp_path / "action_plans.csv"
    names = [*load("action_plans").field_names, "title_fr"]
    header = [*names[:-1], "Titre du programme"]  # title_fr again, by its French title
    path.write_text(csv_text("action_plans", plans(2), header, columns=names), encoding="utf-8")

    rep = report(path)

    assert rep["valid"] is False
    [duplicate] = findings(rep, "duplicate-label")
    assert (duplicate["field"], duplicate["column"]) == ("title_fr", "P")
    assert error_codes(rep) == {"duplicate-label"}


# --- files that are not tables ----------------------------------------------------------


def test_binary_garbage_named_csv_is_unreadable_without_traceback(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "action_plans.csv"
    shutil.copy(DATA / "garbage.csv", path)

    result = cli("validate", str(path), "--table", "action_plans", "--json")

    assert result.code == 1
    no_traceback(result)
    rep = result.json()
    [finding] = rep["errors"]
    assert (finding["code"], finding["file"]) == ("unreadable-file", "action_plans.csv")


def test_binary_garbage_in_a_commune_folder(ait_amira: Path, cli: Any) -> None:
    shutil.copy(DATA / "garbage.csv", ait_amira / "milestones.csv")

    result = cli("validate", str(ait_amira), "--json", "--lang", "fr")

    assert result.code == 1
    no_traceback(result)
    rep = result.json()
    unreadable = findings(rep, "unreadable-file")
    assert [(f["table"], f["file"]) for f in unreadable] == [("milestones", "milestones.csv")]
    assert "milestones.csv" in unreadable[0]["message"]


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \n"], ids=["zero-bytes", "blank-lines"])
def test_empty_file_is_unreadable(tmp_path: Path, cli: Any, content: bytes) -> None:
    path = tmp_path / "action_plans.csv"
    path.write_bytes(content)

    result = cli("validate", str(path), "--table", "action_plans", "--json")

    assert result.code == 1
    no_traceback(result)
    [finding] = result.json()["errors"]
    assert finding["code"] == "unreadable-file"
    assert "empty" in finding["message"]


def test_header_only_file_has_no_rows_and_no_errors(tmp_path: Path) -> None:
    path = tmp_path / "progress_updates.csv"
    path.write_text(csv_text("progress_updates", []), encoding="utf-8")

    rep = report(path, "progress_updates")

    assert rep["valid"] is True
    assert rep["stats"]["rows"] == 0


# --- XLSX -------------------------------------------------------------------------------


def _typed(table: str, field: str, value: str) -> Any:
    """A cell as Excel would hold it: dates, numbers and booleans typed, not text."""
    if value == "":
        return None
    kind = load(table).field(field).get("type", "string")
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value == "true"
    return value


def _fill_sheet(ws: Any, table: str, source: Path) -> None:
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        ws.append(header)
        for record in reader:
            ws.append([_typed(table, f, v) for f, v in zip(header, record, strict=True)])


def commune_workbook(source: Path, target: Path) -> Path:
    """The commune in ``source`` (CSV folder) as one workbook, one sheet per table."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table in TABLES:
        _fill_sheet(wb.create_sheet(table), table, source / f"{table}.csv")
    wb.save(target)
    return target


def test_xlsx_workbook_with_one_sheet_per_table(ait_amira: Path, tmp_path: Path, cli: Any) -> None:
    workbook = commune_workbook(ait_amira, tmp_path / "ait-amira.xlsx")

    result = cli("validate", str(workbook), "--json")

    assert result.code == 0, result.stdout + result.stderr
    rep = result.json()
    assert rep["valid"] is True
    assert rep["stats"]["tables"] == len(TABLES)
    assert rep["stats"]["by_table"]["milestones"]["file"] == "ait-amira.xlsx#milestones"
    assert rep["stats"]["rows"] == validate(ait_amira).report.stats["rows"]


def test_xlsx_errors_name_the_sheet_row_and_column(ait_amira: Path, tmp_path: Path) -> None:
    workbook = commune_workbook(ait_amira, tmp_path / "ait-amira.xlsx")
    wb = openpyxl.load_workbook(workbook)
    ws = wb["milestones"]
    ws["G3"] = "31/13/2024"  # due_date typed as text, with no 13th month
    ws.insert_rows(1)  # an empty row above the header
    wb.save(workbook)

    rep = report(workbook, None)

    type_errors = findings(rep, "invalid-date")
    assert [(f["file"], f["row"], f["field"], f["column"]) for f in type_errors] == [
        ("ait-amira.xlsx#milestones", 4, "due_date", "G")
    ]


def test_folder_of_per_table_xlsx_files(ait_amira: Path, tmp_path: Path, cli: Any) -> None:
    folder = tmp_path / "per-table"
    folder.mkdir()
    for table in TABLES:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Feuil1"  # a default sheet name: the file name says the table
        _fill_sheet(ws, table, ait_amira / f"{table}.csv")
        wb.save(folder / f"{table}.xlsx")
    descriptor = json.loads((ait_amira / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource["path"] = f"{resource['name']}.xlsx"
        resource["format"] = "xlsx"
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")

    result = cli("validate", str(folder), "--json")

    assert result.code == 0, result.stdout + result.stderr
    rep = result.json()
    assert rep["stats"]["by_table"]["workshops"]["file"] == "workshops.xlsx"
    assert rep["stats"]["tables"] == len(TABLES)
    assert codes(rep) == set()


def test_windows_1256_punctuation_is_not_taken_for_utf8(tmp_path: Path) -> None:
    """Arabic comma or question mark after a letter are valid UTF-8 byte pairs in 1256."""
    path = tmp_path / "action_plans.csv"
    rows = plans(3)
    rows[0]["title_ar"] = "هل؟"  # ل؟ is E1 BF in Windows-1256
    rows[1]["title_ar"] = "برنامج الجماعة، والمجلس؛ ع؟"  # ة، is C9 A1, ع؟ is DA BF
    rows[2]["title_fr"] = "Début à l'été, clôture en hiver"
    path.write_bytes(csv_text("action_plans", rows).encode("cp1256"))

    rep = report(path)

    assert rep["valid"] is True, rep["errors"]
    assert codes(rep) == {"legacy-encoding"}
    assert cells(path, "action_plans", "title_ar")[:2] == [rows[0]["title_ar"], rows[1]["title_ar"]]
    assert cells(path, "action_plans", "title_fr")[2] == rows[2]["title_fr"]


def test_tamanar_sample_is_xlsx_valid_and_all_illustrative(cli: Any) -> None:
    """The second sample commune: XLSX workbooks, another stage, every row a placeholder."""
    folder = Path(__file__).resolve().parent.parent / "datasets" / "tamanar"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))

    result = cli("validate", str(folder), "--json")

    assert result.code == 0, result.stdout + result.stderr
    rep = result.json()
    assert rep["errors"] == [] and rep["warnings"] == []
    by_table = rep["stats"]["by_table"]
    assert set(by_table) == set(TABLES)
    assert all(t["file"].endswith(".xlsx") and t["rows"] > 0 for t in by_table.values())

    package = read_package(folder)
    assert package.commune_code == descriptor["x-commune-code"]
    for table in package.tables.values():
        assert set(table.column("data_status")) == {"illustrative"}, table.name
        assert set(table.column("commune_code")) == {descriptor["x-commune-code"]}
    assert "ALL rows" in descriptor["description"]
    assert "NOT known to be a member" in descriptor["description"]
    assert descriptor["x-illustrative"]["tables"] == list(TABLES)
    # Variety for cross-commune work: another stage, done milestones, updates, round 2.
    tables = package.tables
    assert tables["action_plans"].column("stage") == ["implementation"]
    assert "complete" in tables["milestones"].column("status")
    assert "2" in tables["workshops"].column("round")
    assert {"female", "male"} <= set(tables["workshop_participation"].column("gender"))
    assert tables["workshops"].column("start_time")[0] == "10:00:00"  # a typed Excel time
    assert tables["commitments"].column("start_date")[0] == "2024-06-01"  # a typed date


def test_xlsx_with_a_wrong_stored_dimension_is_read_whole(tmp_path: Path) -> None:
    """Some producers write <dimension ref="A1"/> whatever the sheet holds; trust cells."""
    source = Path(__file__).resolve().parent.parent / "datasets" / "tamanar" / "milestones.xlsx"
    path = tmp_path / "milestones.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.startswith("xl/worksheets/"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            zout.writestr(name, data)
    # An empty first row, too: line numbers must still be the sheet's.
    wb = openpyxl.load_workbook(source)
    ws = wb.active
    assert ws is not None
    ws.insert_rows(1)
    ws["G3"] = "2024-09-31"
    wb.save(tmp_path / "shifted.xlsx")

    rep = report(path, "milestones")
    shifted = report(tmp_path / "shifted.xlsx", "milestones")

    assert rep["valid"] is True, rep["errors"]
    assert rep["stats"]["rows"] == 6
    assert cells(path, "milestones", "due_date")[0] == "2024-09-30"
    [error] = shifted["errors"]
    assert (error["code"], error["row"], error["field"], error["column"]) == (
        "invalid-date",
        3,
        "due_date",
        "G",
    )
