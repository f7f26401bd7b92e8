"""`infitah validate` as a steward or a script runs it: exit codes, output, languages.

Each test runs the CLI in its own process (the ``cli`` fixture) and looks only at what
a person or a tool sees: the exit code, stdout, stderr.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipelines.schemas import TABLES

REPO = Path(__file__).resolve().parent.parent
AIT_AMIRA = REPO / "datasets" / "ait-amira"
FINDING_KEYS = {"code", "table", "row", "field", "message", "file", "column", "hint"}
ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def break_milestones(folder: Path) -> None:
    """Line 3 gets a date with no 13th month (error); line 2 loses its French title
    (warning)."""
    path = folder / "milestones.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    rows[1]["due_date"] = "31/13/2025"
    rows[0]["title_fr"] = ""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return len(list(csv.DictReader(fh)))


def assert_clean(result: Any) -> None:
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr


def test_the_real_commune_is_valid(cli: Any) -> None:
    result = cli("validate", "datasets/ait-amira", "--lang", "en")

    assert result.code == 0, result.stdout + result.stderr
    assert "The data is valid" in result.stdout
    assert f"{len(TABLES)} tables" in result.stdout
    assert result.stderr == ""


def test_json_is_one_object_with_a_pinned_shape(ait_amira: Path, cli: Any) -> None:
    break_milestones(ait_amira)

    result = cli("validate", str(ait_amira), "--json", "--lang", "en")

    assert result.code == 1
    report = json.loads(result.stdout)  # the whole of stdout, nothing before or after
    assert set(report) == {"valid", "errors", "warnings", "stats"}
    assert report["valid"] is False
    assert report["errors"] and report["warnings"]
    for finding in report["errors"] + report["warnings"]:
        assert set(finding) == FINDING_KEYS
        assert isinstance(finding["code"], str) and finding["message"] and finding["hint"]
    [error] = report["errors"]
    assert error == {
        "code": "invalid-date",
        "table": "milestones",
        "row": 3,
        "field": "due_date",
        "message": error["message"],
        "file": "milestones.csv",
        "column": "G",
        "hint": error["hint"],
    }
    [warning] = report["warnings"]
    assert (warning["code"], warning["row"], warning["field"], warning["column"]) == (
        "missing-translation",
        2,
        "title_fr",
        "E",
    )
    stats = report["stats"]
    assert {"package", "tables", "rows", "by_table", "errors", "warnings"} <= set(stats)
    assert (stats["errors"], stats["warnings"], stats["tables"]) == (1, 1, len(TABLES))
    assert stats["package"] == "ait-amira"
    assert set(stats["by_table"]) == set(TABLES)
    assert stats["by_table"]["milestones"] == {
        "file": "milestones.csv",
        "rows": data_rows(AIT_AMIRA / "milestones.csv"),
        "encoding": "utf-8",
    }
    assert result.stderr == ""


def test_languages_differ_and_are_in_their_script(ait_amira: Path, cli: Any) -> None:
    break_milestones(ait_amira)

    reports = {
        lang: cli("validate", str(ait_amira), "--json", "--lang", lang).json()
        for lang in ("ar", "fr", "en")
    }

    errors = {lang: rep["errors"][0] for lang, rep in reports.items()}
    messages = {lang: e["message"] for lang, e in errors.items()}
    assert len(set(messages.values())) == 3
    assert len({e["hint"] for e in errors.values()}) == 3
    # Same finding, same place, whatever the language.
    assert len({(e["code"], e["row"], e["field"], e["column"]) for e in errors.values()}) == 1
    assert ARABIC_LETTER.search(messages["ar"])
    assert len(ARABIC_LETTER.findall(messages["ar"])) > len(messages["ar"]) // 3
    assert not ARABIC_LETTER.search(messages["fr"]) and not ARABIC_LETTER.search(messages["en"])
    assert "Échéance" in messages["fr"] and "31/13/2025" in messages["fr"]
    assert "Due date" in messages["en"] and "31/13/2025" in messages["en"]
    assert "الأجل" in messages["ar"]
    hints = {lang: e["hint"] for lang, e in errors.items()}
    assert "semestre" in hints["fr"] and "semester" in hints["en"] and "2024-S1" in hints["ar"]


@pytest.mark.parametrize(
    ("lang", "line", "todo"),
    [
        ("en", "file milestones.csv, line 3, column G", "What to do"),
        ("fr", "fichier milestones.csv, ligne 3, colonne G", "Que faire"),
        ("ar", "الملف milestones.csv، السطر 3، العمود G", "ما العمل"),
    ],
)
def test_human_report_names_file_line_and_column(
    ait_amira: Path, cli: Any, lang: str, line: str, todo: str
) -> None:
    break_milestones(ait_amira)

    result = cli("validate", str(ait_amira), "--lang", lang)

    assert result.code == 1
    assert line in result.stdout
    assert "[invalid-date]" in result.stdout and "[missing-translation]" in result.stdout
    assert todo in result.stdout
    assert_clean(result)


def test_invalid_data_exits_1(ait_amira: Path, cli: Any) -> None:
    (ait_amira / "action_plans.csv").write_text(
        (AIT_AMIRA / "action_plans.csv")
        .read_text(encoding="utf-8")
        .replace("2026-04-14", "2023-04-14"),  # the cycle now ends before it starts
        encoding="utf-8",
    )

    result = cli("validate", str(ait_amira))

    assert result.code == 1
    assert "date-order" in result.stdout
    assert_clean(result)


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "no such file"), ("fr", "n'existe pas"), ("ar", "غير موجود")]
)
def test_missing_path_exits_2_with_a_message_on_stderr(
    tmp_path: Path, cli: Any, lang: str, words: str
) -> None:
    missing = tmp_path / "nowhere" / "commune"

    result = cli("validate", str(missing), "--json", "--lang", lang)

    assert result.code == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr
    assert words in result.stderr
    assert_clean(result)


def test_single_table_with_table_option(cli: Any) -> None:
    result = cli("validate", "datasets/ait-amira/milestones.csv", "--table", "milestones", "--json")

    assert result.code == 0, result.stdout + result.stderr
    report = result.json()
    assert report["valid"] is True
    assert report["stats"]["tables"] == 1
    assert report["stats"]["rows"] == data_rows(AIT_AMIRA / "milestones.csv")


def test_single_table_with_table_option_reports_its_errors(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "mes jalons.csv"  # any file name will do with --table
    path.write_text(
        (AIT_AMIRA / "milestones.csv")
        .read_text(encoding="utf-8")
        .replace("2025-12-31", "2025-12-32", 1),
        encoding="utf-8",
    )

    result = cli("validate", str(path), "--table", "milestones", "--json")

    assert result.code == 1
    [error] = result.json()["errors"]
    assert (error["code"], error["file"], error["row"], error["column"]) == (
        "invalid-date",
        "mes jalons.csv",
        3,
        "G",
    )


def test_single_csv_without_table_exits_2(cli: Any) -> None:
    result = cli("validate", "datasets/ait-amira/milestones.csv", "--lang", "en")

    assert result.code == 2
    assert "--table" in result.stderr
    assert "milestones" in result.stderr  # the tables one may name
    assert result.stdout == ""
    assert_clean(result)


def test_unknown_table_exits_2_with_the_list_of_tables(cli: Any) -> None:
    result = cli("validate", "datasets/ait-amira/milestones.csv", "--table", "jalons")

    assert result.code == 2
    assert "jalons" in result.stderr
    for table in TABLES:
        assert table in result.stderr
    assert "communes" not in result.stderr  # the reference is not a commune's table
    assert_clean(result)


def test_broken_descriptor_exits_2(ait_amira: Path, cli: Any) -> None:
    (ait_amira / "datapackage.json").write_text('{"name": "ait-amira",', encoding="utf-8")

    result = cli("validate", str(ait_amira))

    assert result.code == 2
    assert "datapackage.json" in result.stderr
    assert_clean(result)
