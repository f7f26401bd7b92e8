"""Files journalists download: the Excel CSV and the README, byte for byte."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from pipelines.downloads import excel_csv, readme
from pipelines.reading import TableData
from pipelines.release import Release, TableRelease, table_release
from pipelines.schemas import TableSchema, load

from .conftest import AIT_AMIRA, run_cli

DATASET = "openness-programme-09-163-07-01"
TABLES = ("action_plans", "workshops", "workshop_participation", "commitments", "proposals",
          "milestones", "progress_updates")  # fmt: skip


def published(tmp_path: Path) -> Path:
    out = tmp_path / "catalog"
    result = run_cli("publish", str(AIT_AMIRA), "--to", str(out), "--json")
    assert result.code == 0, result.stderr
    return out / DATASET / "versions" / "1.0.0"


def excel_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_every_table_has_a_canonical_csv_without_bom_and_an_excel_csv_with_one(
    tmp_path: Path,
) -> None:
    version = published(tmp_path)
    for table in TABLES:
        canonical = (version / f"{table}.csv").read_bytes()
        excel = (version / f"{table}.excel.csv").read_bytes()
        assert not canonical.startswith(b"\xef\xbb\xbf"), table
        assert canonical == (AIT_AMIRA / f"{table}.csv").read_bytes(), table
        assert excel.startswith(b"\xef\xbb\xbf"), table
        assert excel.count(b"\xef\xbb\xbf") == 1
        assert b"\r\n" in excel and excel.count(b"\n") == excel.count(b"\r\n"), table
        source = list(csv.reader(io.StringIO(canonical.decode("utf-8"), newline="")))
        assert len(excel_rows(excel)) == len(source), table


def test_each_code_column_is_followed_by_its_french_and_arabic_labels(tmp_path: Path) -> None:
    version = published(tmp_path)
    rows = excel_rows((version / "milestones.excel.csv").read_bytes())
    header = rows[0]
    i = header.index("status")
    assert header[i : i + 3] == ["status", "status_label_fr", "status_label_ar"]
    j = header.index("data_status")
    assert header[j : j + 3] == ["data_status", "data_status_label_fr", "data_status_label_ar"]
    assert "title_ar_label_fr" not in header and "due_date_label_fr" not in header
    labels = load("milestones").enum_labels("status")
    for row in rows[1:]:
        assert row[i + 1] == labels[row[i]]["fr"]
        assert row[i + 2] == labels[row[i]]["ar"]
    illustrative = [r for r in rows[1:] if r[j] == "illustrative"]
    assert illustrative and illustrative[0][j + 1 : j + 3] == ["Illustratif (fictif)",
                                                               "توضيحي (غير حقيقي)"]  # fmt: skip

    workshops = excel_rows((version / "workshops.excel.csv").read_bytes())
    k = workshops[0].index("axes")
    assert workshops[0][k + 1 : k + 3] == ["axes_label_fr", "axes_label_ar"]
    assert workshops[1][k] == "environment;communication;digitalisation"
    assert workshops[1][k + 1] == "Environnement; Communication; Digitalisation"
    assert workshops[1][k + 2] == "البيئة؛ التواصل؛ الرقمنة"


def test_text_that_excel_would_run_as_a_formula_gets_an_apostrophe_in_the_excel_file_only() -> None:
    schema = TableSchema(
        "derived",
        {
            "fields": [
                {"name": "note", "type": "string"},
                {"name": "amount", "type": "number"},
                {"name": "kind", "type": "string", "constraints": {"enum": ["a"]},
                 "x-enum-labels": {"a": {"fr": "=danger", "ar": "عادي"}}},
            ]
        },
    )  # fmt: skip
    cells = ['=HYPERLINK("http://x")', "+212600", "-1", "@SUM(A1)", "\tTAB", "plain", "a=b"]
    rows = [[cell, "-5", "a"] for cell in cells]
    table = table_release(TableData("derived", "derived.csv", ["note", "amount", "kind"], rows),
                          schema)  # fmt: skip
    canonical = list(csv.reader(io.StringIO(table.csv.decode("utf-8"), newline="")))
    assert [r[0] for r in canonical[1:]] == cells  # the canonical data stays exact
    out = excel_rows(excel_csv(table))
    assert out[0] == ["note", "amount", "kind", "kind_label_fr", "kind_label_ar"]
    assert [r[0] for r in out[1:]] == [
        "'=HYPERLINK(\"http://x\")", "'+212600", "'-1", "'@SUM(A1)", "'\tTAB", "plain", "a=b"
    ]  # fmt: skip
    assert {r[1] for r in out[1:]} == {"-5"}  # a number is not text: Excel reads it as -5
    assert {r[3] for r in out[1:]} == {"'=danger"}
    # A carriage return opening a cell (quoted in the canonical bytes, as csv quotes it).
    quoted = TableRelease("cr", b'note\n"\rCR"\n', 1, {"fields": [{"name": "note"}]}, {})
    assert excel_csv(quoted) == b'\xef\xbb\xbfnote\r\n"\'\rCR"\r\n'


def test_readme_says_what_each_column_means_in_three_languages(tmp_path: Path) -> None:
    version = published(tmp_path)
    text = (version / "README.md").read_text(encoding="utf-8")
    assert "**1.0.0**" in text and DATASET in text
    assert "Open Data Commons Attribution License" in text
    assert "ctouvertes.collectivites-territoriales.gov.ma" in text  # the source
    sections = {part.split(":", 1)[0]: part for part in text.split("\n## ")}
    for table in TABLES:
        schema = load(table)
        section = sections[table]
        assert section.startswith(
            f"{table}: {schema.title('en')} / {schema.title('fr')} / {schema.title('ar')}"
        )
        for field in schema.fields:
            titles = [field["title"], field["x-title-fr"], field["x-title-ar"]]
            line = f"| `{field['name']}` | {' | '.join(titles)} | {field.get('type', 'string')} |"
            assert line in section, line
    labels = load("milestones").enum_labels("status")["complete"]
    assert f"`complete` ({labels['fr']} / {labels['ar']})" in sections["milestones"]
    assert "`milestones.excel.csv`" in text


def test_derived_files_never_decide_a_version(tmp_path: Path) -> None:
    version = published(tmp_path)
    catalog = version.parent.parent.parent
    info = json.loads((catalog / DATASET / "dataset.json").read_text("utf-8"))
    assert "README.md" in info["files"] and "commitments.excel.csv" in info["files"]
    assert not any("excel" in key or "README" in key for key in info["hashes"])
    again = run_cli("publish", str(AIT_AMIRA), "--to", str(catalog), "--json")
    assert again.json()["status"] == "unchanged"

    table = table_release(TableData("t", "t.csv", ["a"], [["x"]]),
                          TableSchema("t", {"fields": [{"name": "a"}]}))  # fmt: skip
    plain = Release("d", {}, {}, {}, {"t": table})
    charted = Release("d", {}, {}, {}, {"t": table}, attachments={"chart.png": b"\x89PNG"})
    assert plain.hashes() == charted.hashes()
    assert readme(plain, "1.0.0", "2025-01-01T00:00:00") != readme(plain, "1.0.1", "2025-01-02")
