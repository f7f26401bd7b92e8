"""Hostile input, from the user's side: each broken commune ends in a located finding or
a usage error, never a traceback, and nothing reaches a portal.

Every case starts from a copy of the real commune (Ait Amira), breaks one thing, then
runs the real CLI twice: ``validate --json`` (the finding, its place, the exit code)
and ``publish --to <catalog> --json`` (the same verdict, and the catalog folder never
created). Two cases are accepted with a warning on purpose and publish clean bytes:
bidi controls (removed) and Arabic-Indic digits (made 0-9 where they are numbers).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipelines.schemas import TABLES, load
from tests.conftest import Result, run_cli

Case = Callable[[Path], None]
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
EASTERN = re.compile("[٠-٩۰-۹]")


# --- helpers ----------------------------------------------------------------------------


def rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(folder: Path, table: str, records: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(records)
    (folder / f"{table}.csv").write_bytes(buffer.getvalue().encode(encoding))


def edit(folder: Path, table: str, line: int, field: str, value: str) -> None:
    """Set one cell, ``line`` being the line the steward sees (the header is line 1)."""
    records = rows(folder, table)
    records[line - 1][records[0].index(field)] = value
    write_rows(folder, table, records)


def retarget(folder: Path, table: str, path: str) -> None:
    """Point the descriptor's resource for ``table`` somewhere else."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == table:
            resource["path"] = path
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def as_xlsx(folder: Path, table: str) -> Path:
    """The table as a workbook next to the descriptor, which now names it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for record in rows(folder, table):
        ws.append(record)
    target = folder / f"{table}.xlsx"
    wb.save(target)
    (folder / f"{table}.csv").unlink()
    retarget(folder, table, target.name)
    return target


def run_both(folder: Path) -> tuple[Result, Result, Path]:
    catalog = folder.parent / "catalog"
    checked = run_cli("validate", str(folder), "--json", "--lang", "en")
    published = run_cli("publish", str(folder), "--to", str(catalog), "--json", "--lang", "en")
    for result in (checked, published):
        assert "Traceback" not in result.stdout + result.stderr
    return checked, published, catalog


def located(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (f["code"], f["table"], f["file"], f["row"], f["field"], f["column"])
        for f in report["errors"]
    ]


# --- the cases that must be refused ---------------------------------------------------------


def cut_mid_quoted_cell(folder: Path) -> None:
    text = (folder / "milestones.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[3] = lines[3].replace("Élaborer le plan", '"Élaborer le plan', 1)
    (folder / "milestones.csv").write_text("\n".join(lines[:4])[:-40], encoding="utf-8")


def xlsx_cut_in_half(folder: Path) -> None:
    target = as_xlsx(folder, "milestones")
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def huge_cell(folder: Path) -> None:
    edit(folder, "milestones", 3, "title_fr", "trop long " * 200_000)


def binary_garbage(folder: Path) -> None:
    (folder / "milestones.csv").write_bytes(bytes(range(256)) * 40)


def xlsx_zip_bomb(folder: Path) -> None:
    target = as_xlsx(folder, "milestones")
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (32 * 1024 * 1024))


def header_typo(folder: Path) -> None:
    records = rows(folder, "action_plans")
    records[0][records[0].index("title_fr")] = "titel_fr"
    write_rows(folder, "action_plans", records)


def near_miss_required_header(folder: Path) -> None:
    records = rows(folder, "milestones")
    records[0][0] = "milestone_idd"
    write_rows(folder, "milestones", records)


def duplicate_header(folder: Path) -> None:
    records = rows(folder, "milestones")
    write_rows(folder, "milestones", [[*r, r[4]] for r in records])  # title_fr again


def mixed_encodings(folder: Path) -> None:
    records = rows(folder, "milestones")
    head = "".join(",".join(r) + "\n" for r in records[:3]).encode("utf-8")
    tail = "".join(",".join(r) + "\n" for r in records[3:]).replace("É", "E")
    (folder / "milestones.csv").write_bytes(head + tail.encode("cp1256"))


FORMULAS = ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\tcalc", "\rcalc"]


def formulas(folder: Path) -> None:
    for line, formula in enumerate(FORMULAS, start=2):
        edit(folder, "milestones", line, "title_fr", formula + " jalon")


PERSONAL = ["0612345678", "x.y@gmail.com", "AB123456", "+212 6 12 34 56 78"]


def personal_fields(folder: Path) -> list[tuple[str, str]]:
    """(table, field) of every free-text field of every table that has a row."""
    return [
        (table, field)
        for table in TABLES
        if len(rows(folder, table)) > 1
        for field in load(table).free_text_fields
    ]


def personal_data_everywhere(folder: Path) -> None:
    for n, (table, field) in enumerate(personal_fields(folder)):
        schema = load(table)
        value = PERSONAL[n % len(PERSONAL)]
        if field in schema.arabic_fields:
            value = f"اتصلوا {value}"
        elif schema.field(field).get("format") == "uri":
            value = "https://commune.example.ma/contact/0612345678"
        else:
            value = f"contact {value}"
        edit(folder, table, 2, field, value)


def outside_the_folder(folder: Path) -> None:
    retarget(folder, "milestones", "../../etc/passwd")


def absolute_path(folder: Path) -> None:
    retarget(folder, "milestones", "/etc/passwd")


def remote_url(folder: Path) -> None:
    retarget(folder, "milestones", "https://example.com/milestones.csv")


def missing_file(folder: Path) -> None:
    retarget(folder, "milestones", "jalons-2024.csv")


def link_to_etc_passwd(folder: Path) -> None:
    (folder / "milestones.csv").unlink()
    (folder / "milestones.csv").symlink_to("/etc/passwd")


def link_to_a_secret(folder: Path) -> None:
    secret = folder.parent / ".env"
    secret.write_text("root:CKAN_API_TOKEN=do-not-echo-me\n", encoding="utf-8")
    (folder / "milestones.csv").unlink()
    (folder / "milestones.csv").symlink_to("../.env")


def link_to_a_valid_table_elsewhere(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere.csv"
    (folder / "milestones.csv").rename(elsewhere)
    (folder / "milestones.csv").symlink_to(elsewhere)


def fifo_named_like_a_table(folder: Path) -> None:
    (folder / "milestones.csv").unlink()
    os.mkfifo(folder / "milestones.csv")  # opening it would block the reader for ever


def descriptor_linked_from_elsewhere(folder: Path) -> None:
    elsewhere = folder.parent / "descriptor.json"
    (folder / "datapackage.json").rename(elsewhere)
    (folder / "datapackage.json").symlink_to(elsewhere)


def workbook_linked_from_elsewhere(folder: Path) -> None:
    (folder.parent / "notes.xlsx").write_bytes(b"PK not really")
    (folder / "notes.xlsx").symlink_to(folder.parent / "notes.xlsx")


@dataclass(frozen=True)
class Refused:
    """A broken commune: the errors it gives, and words the message must contain."""

    breaks: Case
    errors: list[tuple[Any, ...]]
    words: str = ""
    code: int = 1


MS = ("milestones", "milestones.csv")
REFUSED = {
    "csv-cut-mid-quoted-cell": Refused(
        cut_mid_quoted_cell, [("unreadable-file", *MS, 4, None, None)], "truncated"
    ),
    "xlsx-cut-in-half": Refused(
        xlsx_cut_in_half,
        [("unreadable-file", "milestones", "milestones.xlsx", None, None, None)],
        "not a valid XLSX",
    ),
    "huge-cell": Refused(huge_cell, [("unreadable-file", *MS, 3, None, None)], "far too long"),
    "binary-garbage-named-csv": Refused(
        binary_garbage, [("unreadable-file", *MS, None, None, None)], "neither text"
    ),
    "xlsx-zip-bomb": Refused(
        xlsx_zip_bomb,
        [("unreadable-file", "milestones", "milestones.xlsx", None, None, None)],
        "unreasonable size",
    ),
    "header-typo-titel_fr": Refused(
        header_typo,
        [("misspelt-label", "action_plans", "action_plans.csv", None, "title_fr", "D")],
        '"titel_fr" looks like',
    ),
    "near-miss-required-header": Refused(
        near_miss_required_header,
        [("misspelt-label", *MS, None, "milestone_id", "A")],
        '"milestone_idd" looks like',
    ),
    "duplicate-header": Refused(
        duplicate_header, [("duplicate-label", *MS, None, "title_fr", "L")], "more than once"
    ),
    "mixed-encodings": Refused(
        mixed_encodings, [("mixed-encoding", *MS, 4, None, None)], "changes at line 4"
    ),
    "formulas": Refused(
        formulas,
        [("formula-injection", *MS, line, "title_fr", "E") for line in range(2, 8)],
        "may run as a formula",
    ),
    "path-outside-the-folder": Refused(
        outside_the_folder,
        [("unsafe-path", "milestones", "datapackage.json", None, None, None)],
        "../../etc/passwd",
    ),
    "absolute-path": Refused(
        absolute_path,
        [("unsafe-path", "milestones", "datapackage.json", None, None, None)],
        "/etc/passwd",
    ),
    "remote-url": Refused(
        remote_url,
        [("unsafe-path", "milestones", "datapackage.json", None, None, None)],
        "https://example.com/milestones.csv",
    ),
    "link-to-etc-passwd": Refused(
        link_to_etc_passwd, [("unsafe-file", *MS, None, None, None)], "not read"
    ),
    "link-to-a-secret": Refused(
        link_to_a_secret, [("unsafe-file", *MS, None, None, None)], "outside the member's"
    ),
    "link-to-a-valid-table-elsewhere": Refused(
        link_to_a_valid_table_elsewhere, [("unsafe-file", *MS, None, None, None)], "link"
    ),
    "fifo-named-like-a-table": Refused(
        fifo_named_like_a_table, [("unsafe-file", *MS, None, None, None)], "ordinary file"
    ),
    "descriptor-linked-from-elsewhere": Refused(
        descriptor_linked_from_elsewhere,
        [("unsafe-file", None, "datapackage.json", None, None, None)],
        "datapackage.json",
    ),
    "workbook-linked-from-elsewhere": Refused(
        workbook_linked_from_elsewhere,
        [("unsafe-file", None, "notes.xlsx", None, None, None)],
        "notes.xlsx",
    ),
    "descriptor-names-a-missing-file": Refused(
        missing_file,
        [("missing-table", "milestones", "jalons-2024.csv", None, None, None)],
        '"milestones" is not in the folder',
    ),
}


@pytest.mark.parametrize("case", list(REFUSED.values()), ids=list(REFUSED))
def test_hostile_input_is_refused_with_a_located_finding(ait_amira: Path, case: Refused) -> None:
    case.breaks(ait_amira)

    checked, published, catalog = run_both(ait_amira)

    assert checked.code == case.code, checked.stderr
    report = checked.json()
    assert located(report) == case.errors
    assert case.words in " ".join(f["message"] for f in report["errors"])
    # /etc/passwd and the secret are never read, so never quoted in a report
    assert "root:" not in checked.stdout + published.stdout
    assert published.code == case.code, published.stderr
    assert published.json()["status"] == "invalid"
    assert located(published.json()["report"]) == case.errors
    assert not catalog.exists()


def test_personal_data_in_every_free_text_field(ait_amira: Path) -> None:
    personal_data_everywhere(ait_amira)
    expected = personal_fields(ait_amira)
    assert len(expected) > 15  # every table's prose, ids and codes aside

    checked, published, catalog = run_both(ait_amira)

    assert checked.code == 1
    report = checked.json()
    found = [(f["table"], f["field"], f["row"]) for f in report["errors"]]
    assert sorted(found) == sorted((t, f, 2) for t, f in expected)
    assert {f["code"] for f in report["errors"]} == {"personal-data"}
    assert published.code == 1 and not catalog.exists()


# --- the cases accepted with a warning, and what they publish --------------------------------


def published_tables(catalog: Path) -> dict[str, bytes]:
    [latest] = list(catalog.glob("openness-programme-*/latest"))
    return {t: (latest / f"{t}.csv").read_bytes() for t in TABLES}


def bidi_controls(folder: Path) -> None:
    """RLO, RLE, RLI, LRM... in names, ids and text: the Trojan-source characters."""
    edit(folder, "milestones", 2, "title_fr", "\u202eÉlaborer le plan de travail détaillé")
    edit(folder, "milestones", 3, "title_ar", "\u202bنشر أول مجموعة من المعطيات\u202c")
    edit(folder, "commitments", 2, "lead_unit", "\u2067المصالح التقنية للجماعة\u2069")
    edit(folder, "milestones", 4, "milestone_id", "ait-amira-c2-m1\u200e")
    edit(folder, "action_plans", 2, "title_fr", "\u202dProgramme\u202c" + rows(
        folder, "action_plans")[1][rows(folder, "action_plans")[0].index("title_fr")][9:]
    )  # fmt: skip


def eastern_digits_everywhere(folder: Path) -> None:
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for table in TABLES:
        records = rows(folder, table)
        write_rows(
            folder, table, [records[0]] + [[c.translate(digits) for c in r] for r in records[1:]]
        )


def test_bidi_controls_are_removed_reported_and_never_published(
    ait_amira: Path, tmp_path: Path
) -> None:
    """Decision: bidi controls are invisible formatting, not data. They are removed at
    reading (warning ``invisible-characters-removed``, per column, at the first line),
    so the published bytes are those of the same text typed without them."""
    original = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "before"), "--json")
    assert original.code == 0, original.stderr
    bidi_controls(ait_amira)

    checked, published, catalog = run_both(ait_amira)

    assert checked.code == 0, checked.stdout
    warnings = {(f["code"], f["table"], f["field"], f["row"]) for f in checked.json()["warnings"]}
    assert warnings == {
        ("invisible-characters-removed", "milestones", "title_fr", 2),
        ("invisible-characters-removed", "milestones", "title_ar", 3),
        ("invisible-characters-removed", "milestones", "milestone_id", 4),
        ("invisible-characters-removed", "commitments", "lead_unit", 2),
        ("invisible-characters-removed", "action_plans", "title_fr", 2),
    }
    assert published.code == 0, published.stdout
    after = published_tables(catalog)
    assert not any(BIDI.search(data.decode("utf-8")) for data in after.values())
    assert after == published_tables(tmp_path / "before")


def test_eastern_digits_everywhere_are_western_where_they_are_numbers(
    ait_amira: Path, tmp_path: Path
) -> None:
    original = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "before"), "--json")
    assert original.code == 0, original.stderr
    eastern_digits_everywhere(ait_amira)

    checked, published, catalog = run_both(ait_amira)

    assert checked.code == 0, checked.stdout
    report = checked.json()
    normalised = {(f["table"], f["field"]) for f in report["warnings"]}
    assert {f["code"] for f in report["warnings"]} == {"arabic-digits-normalised"}
    assert ("milestones", "due_date") in normalised and (
        "action_plans",
        "commune_code",
    ) in normalised
    assert published.code == 0, published.stdout
    before = published_tables(tmp_path / "before")
    for table, data in published_tables(catalog).items():
        schema = load(table)
        got = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        want = list(csv.reader(io.StringIO(before[table].decode("utf-8"))))
        for got_row, want_row in zip(got[1:], want[1:], strict=True):
            for name, cell, expected in zip(schema.field_names, got_row, want_row, strict=True):
                if name in schema.digit_fields:
                    assert cell == expected, (table, name)  # 0-9, as typed originally
                elif not EASTERN.search(cell):
                    assert cell == expected, (table, name)  # free text keeps its digits
