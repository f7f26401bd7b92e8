"""Files journalists download: the Excel CSV and the README, byte for byte."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from pipelines import downloads
from pipelines.downloads import excel_csv, excel_workbook, readme
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
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


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


# --- workbooks ------------------------------------------------------------------------------


def workbook(path: Path) -> Any:
    import openpyxl

    return openpyxl.load_workbook(path)


def test_every_table_has_a_workbook_with_a_french_and_a_right_to_left_arabic_sheet(
    tmp_path: Path,
) -> None:
    version = published(tmp_path)
    for table in TABLES:
        book = workbook(version / f"{table}.xlsx")
        assert book.sheetnames == ["fr", "ar"], table
        assert not book["fr"].sheet_view.rightToLeft and book["ar"].sheet_view.rightToLeft
        schema = load(table)
        titles = {lang: [c.value for c in book[lang][1]] for lang in ("fr", "ar")}
        for lang in ("fr", "ar"):
            expected = []
            for field in schema.fields:
                title = field.get(f"x-title-{lang}") or field["title"]
                expected.append(title)
                if schema.enum_labels(field["name"]):
                    expected.append(f"{title} — {'libellé' if lang == 'fr' else 'التسمية'}")
            assert titles[lang] == expected, (table, lang)
        source = list(csv.DictReader((AIT_AMIRA / f"{table}.csv").open(encoding="utf-8")))
        assert book["fr"].max_row == len(source) + 1, table


def test_workbook_cells_have_excel_types_and_codes_their_labels(tmp_path: Path) -> None:
    version = published(tmp_path)
    sheet = workbook(version / "milestones.xlsx")["fr"]
    header = [c.value for c in sheet[1]]
    first = {title: cell for title, cell in zip(header, sheet[2], strict=True)}
    assert first["Échéance"].is_date and first["Échéance"].value.date().isoformat() == "2024-12-31"
    labels = load("milestones").enum_labels("status")
    assert first["Statut — libellé"].value == labels[first["Statut"].value]["fr"]
    arabic = workbook(version / "milestones.xlsx")["ar"]
    assert (
        arabic.cell(2, header.index("Statut — libellé") + 1).value
        == (labels[first["Statut"].value]["ar"])
    )
    plans = workbook(version / "commitments.xlsx")["fr"]
    ogp = [c.value for c in plans[2]][[c.value for c in plans[1]].index(
        load("commitments").field("ogp_access_to_information")["x-title-fr"])]  # fmt: skip
    assert isinstance(ogp, bool)  # yes/no as Excel's TRUE/FALSE, not the text "true"
    tamanar = tmp_path / "tamanar-catalog"
    assert run_cli("publish", str(AIT_AMIRA.parent / "tamanar"), "--to", str(tamanar)).code == 0
    book = tamanar / "openness-programme-07-211-01-09" / "latest" / "workshop_participation.xlsx"
    participation = workbook(book)["fr"]
    counts = [row[header_index(participation, "participants")].value for row in
              participation.iter_rows(min_row=2)]  # fmt: skip
    assert counts and all(isinstance(n, int) for n in counts)  # counts, not text


def header_index(sheet: Any, field: str) -> int:
    schema = load("workshop_participation")
    title = schema.field(field).get("x-title-fr") or schema.field(field)["title"]
    return [c.value for c in sheet[1]].index(title)


def test_workbook_text_is_inert_whatever_it_starts_with(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "note", "type": "string", "title": "Note"}]}
    texts = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "https://example.ma",
             "#N/A", "#DIV/0!", "=", "#REF! ailleurs"]  # fmt: skip
    data = "note\n" + "".join(f'"{t.replace(chr(34), chr(34) * 2)}"\n' for t in texts)
    table = TableRelease("notes", data.encode(), len(texts), schema, {})
    path = tmp_path / "notes.xlsx"
    path.write_bytes(excel_workbook(table, "2025-01-01T00:00:00"))
    for lang in ("fr", "ar"):
        sheet = workbook(path)[lang]
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert [c.value for c in cells] == texts
        assert {c.data_type for c in cells} == {"s"}  # strings: no formula
        assert all(c.hyperlink is None for c in cells)
    assert excel_workbook(table, "2025-01-01T00:00:00") == path.read_bytes()  # same bytes


@pytest.mark.parametrize(("rows", "sheets"), [(0, 1), (2, 1), (3, 2), (5, 3)])
def test_a_table_longer_than_a_sheet_goes_on_in_the_next_under_the_same_titles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int, sheets: int
) -> None:
    # Excel drops the rows past its last one; three rows a sheet stand for 1,048,576.
    monkeypatch.setattr(downloads, "SHEET_ROWS", 3)
    schema = {"fields": [{"name": "n", "type": "integer", "title": "N"}]}
    data = "n\n" + "".join(f"{i}\n" for i in range(rows))
    path = tmp_path / "long.xlsx"
    path.write_bytes(excel_workbook(TableRelease("long", data.encode(), rows, schema, {})))
    book = workbook(path)
    names = [lang if part == 1 else f"{lang} {part}" for lang in ("fr", "ar")
             for part in range(1, sheets + 1)]  # fmt: skip
    assert book.sheetnames == names
    for lang in ("fr", "ar"):
        found = []
        for name in (n for n in names if n.split()[0] == lang):
            sheet = book[name]
            assert [c.value for c in sheet[1]] == ["N"]  # each sheet under the titles
            assert sheet.max_row <= 3
            found += [row[0].value for row in sheet.iter_rows(min_row=2)]
        assert found == list(range(rows))  # every row, once, in order


def test_the_excel_csv_is_separated_by_semicolons_for_french_and_arabic_excel(
    tmp_path: Path,
) -> None:
    version = published(tmp_path)
    first_line = (version / "milestones.excel.csv").read_bytes().split(b"\r\n", 1)[0]
    assert first_line.startswith(b"\xef\xbb\xbfmilestone_id;commitment_id;")
    assert b"," not in first_line


def test_large_workbooks_are_made_in_a_worker_with_the_same_bytes(
    ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large table's workbook is made in a process of its own while the guard reads
    the rest (``bundle.version_files``): the same files, in the same order, as made
    here; what the guard reads meanwhile is all but those workbooks and the manifest
    that records their hashes."""
    from pipelines import bundle, publishing, versioning
    from pipelines.validation import validate

    release, _ = publishing.member_release(*validate(ait_amira, whole=True))
    plan = versioning.plan(release, None, None)
    at = "2026-12-02T00:00:00+00:00"
    here = bundle.version_files(release, plan, at, rules="rules")
    monkeypatch.setattr(downloads, "machine_cores", lambda: 2)
    monkeypatch.setattr(downloads, "APART_CELLS", 40)  # every table of Aït Amira but two
    apart = {t.name for t in release.tables.values() if t.rows * len(t.schema["fields"]) >= 40}
    assert 0 < len(apart) < len(release.tables)
    seen: list[set[str]] = []
    there = bundle.version_files(release, plan, at, rules="rules",
                                 meanwhile=lambda files: seen.append(set(files)))  # fmt: skip
    assert list(there) == list(here)
    assert there == here
    assert seen == [set(here) - {"manifest.json", *(f"{name}.xlsx" for name in apart)}]


def test_a_changed_tables_workbook_is_started_before_the_version_before_is_read(
    ait_amira: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publication starts the worker on the large tables that changed before it
    downloads the version before's manifest and files; the others when it makes the
    rest; the version holds the bytes made here."""
    import datetime as dt
    import shutil

    from pipelines.portals.catalog import CatalogPortal
    from pipelines.publishing import publish

    from .conftest import set_cells

    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog), now=now).version == "1.0.0"
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    here = tmp_path / "here"
    shutil.copytree(catalog, here)
    assert publish(ait_amira, str(here), now=now).version == "1.0.1"
    monkeypatch.setattr(downloads, "machine_cores", lambda: 2)
    monkeypatch.setattr(downloads, "APART_CELLS", 40)
    events: list[str] = []
    real_make, real_manifest = downloads.Apart.make, CatalogPortal.manifest

    def make(apart: downloads.Apart, tables: Any) -> frozenset[str]:
        started = real_make(apart, tables)
        events.append("make " + ",".join(sorted(started)))
        return started

    monkeypatch.setattr(downloads.Apart, "make", make)

    def manifest(portal: CatalogPortal, *args: Any) -> Any:
        events.append("manifest")
        return real_manifest(portal, *args)

    monkeypatch.setattr(CatalogPortal, "manifest", manifest)
    assert publish(ait_amira, str(catalog), now=now).version == "1.0.1"
    assert events[:2] == ["make commitments", "manifest"]
    assert len(events) == 3 and "commitments" in events[2] and "milestones" in events[2]
    version = Path(DATASET) / "versions" / "1.0.1"
    files = sorted(p.name for p in (here / version).iterdir() if p.suffix == ".xlsx")
    assert "commitments.xlsx" in files and "milestones.xlsx" in files
    for name in files:
        made = [(c / version / name).read_bytes() for c in (catalog, here)]
        assert made[0] == made[1], name
