"""Each rule, on a copy of the real commune broken on purpose, located as a steward sees it.

Aït Amira's files (datasets/ait-amira) are valid; each test changes a few cells and
asserts the finding's code, line, field and column letter, and that the cells next
to the broken one stay quiet. Non-matches (what must *not* be flagged) sit next to the
matches, since a check that cries wolf gets ignored.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines import validation
from pipelines.publishing import publish

AIT_AMIRA = "09.163.07.01"
OTHER_COMMUNE = "07.211.01.09"  # Tamanar (Mun.), province of Essaouira: real, not this folder

Rows = list[dict[str, str]]


def edit(folder: Path, table: str, change: Callable[[Rows], Rows | None]) -> None:
    """Rewrite ``table``'s CSV after ``change`` edits its rows (dicts, in file order)."""
    path = folder / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    rows = change(rows) or rows
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\r\n")  # as Excel saves
        writer.writeheader()
        writer.writerows(rows)


def setter(index: int, **values: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[index].update(values)

    return change


def validate(folder: Path) -> dict[str, Any]:
    return validation.validate(folder).report.to_dict("en")


def found(rep: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in rep["errors"] + rep["warnings"] if f["code"] == code]


def where(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["table"], f["row"], f["field"], f["column"])


def only_errors(rep: dict[str, Any]) -> set[str]:
    return {f["code"] for f in rep["errors"]}


def test_the_real_commune_is_valid(ait_amira: Path) -> None:
    rep = validate(ait_amira)
    assert rep["valid"] is True, rep["errors"]
    assert rep["warnings"] == []


# --- keys (frictionless) ----------------------------------------------------------------


def test_duplicate_id_points_at_the_second_line_and_names_the_first(ait_amira: Path) -> None:
    # milestones.csv: lines 2-5; line 4 gets line 2's id.
    edit(ait_amira, "milestones", lambda rows: rows[2].update(milestone_id=rows[0]["milestone_id"]))

    rep = validate(ait_amira)

    [dup] = found(rep, "primary-key")
    assert (dup["table"], dup["row"], dup["file"]) == ("milestones", 4, "milestones.csv")
    assert "ait-amira-c1-m1" in dup["message"]
    assert "line 2" in dup["message"]
    assert only_errors(rep) == {"primary-key"}


def test_duplicate_composite_key(ait_amira: Path) -> None:
    # workshop_participation's key is (workshop_id, stakeholder_group, gender).
    edit(ait_amira, "workshop_participation", setter(3, stakeholder_group="commune_staff"))

    rep = validate(ait_amira)

    [dup] = found(rep, "primary-key")
    assert (dup["table"], dup["row"]) == ("workshop_participation", 5)
    assert "line 3" in dup["message"]
    assert "commune_staff" in dup["message"]


def test_dangling_foreign_key(ait_amira: Path) -> None:
    edit(ait_amira, "milestones", setter(1, commitment_id="ait-amira-c9"))

    rep = validate(ait_amira)

    [fk] = found(rep, "foreign-key")
    assert where(fk) == ("milestones", 3, "commitment_id", "B")
    assert "ait-amira-c9" in fk["message"]
    assert "commitments" in fk["message"]
    assert only_errors(rep) == {"foreign-key"}


# --- cells (frictionless) -----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2024-02-30", "31/13/2024", "demain"])
def test_bad_day_is_a_type_error_with_field_and_column(ait_amira: Path, bad: str) -> None:
    edit(ait_amira, "workshops", setter(0, date=bad))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "type-error"
    assert where(error) == ("workshops", 2, "date", "F")
    assert bad in error["message"]
    assert "YYYY-MM-DD" in error["message"]


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13", "2024-S3", "demain"])
def test_bad_reduced_date_says_what_a_date_may_look_like(ait_amira: Path, bad: str) -> None:
    edit(ait_amira, "milestones", setter(1, due_date=bad))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "invalid-date"
    assert where(error) == ("milestones", 3, "due_date", "G")
    assert bad in error["message"]
    assert "2024-S1" in error["hint"]


def test_negative_budget_is_a_constraint_error_not_a_formula(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(0, budget_mad="-5"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "constraint-error"
    assert where(error) == ("commitments", 2, "budget_mad", "AB")
    assert "minimum" in error["message"]
    assert found(rep, "formula-injection") == []


# --- our checks -----------------------------------------------------------------------------


def test_end_before_start_is_date_order(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(2, start_date="2025-06-01", end_date="2025-01-06"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "date-order"
    assert where(error) == ("commitments", 4, "end_date", "AA")
    assert "2025-01-06" in error["message"] and "2025-06-01" in error["message"]


def test_every_pair_of_dates_is_checked_not_only_the_first(ait_amira: Path) -> None:
    """action_plans and milestones declare two pairs each: the second ones too."""
    edit(ait_amira, "action_plans", setter(0, consultation_start="2025-03-01",
                                            consultation_end="2025-02-01"))  # fmt: skip
    edit(ait_amira, "milestones", setter(1, start_date="2025-01-01", completed_on="2024-12-01",
                                          status="complete"))  # fmt: skip

    rep = validate(ait_amira)

    found = sorted(where(e) for e in rep["errors"] if e["code"] == "date-order")
    assert found == [
        ("action_plans", 2, "consultation_end", "J"),
        ("milestones", 3, "completed_on", "I"),
    ]


def test_same_day_start_and_end_is_fine(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(2, start_date="2025-06-01", end_date="2025-06-01"))
    assert validate(ait_amira)["valid"] is True


def test_milestone_outside_the_cycle(ait_amira: Path) -> None:
    # The programme runs 2024-04-15 .. 2026-04-14.
    edit(ait_amira, "milestones", setter(3, due_date="2026-09-30"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "milestone-outside-cycle"
    assert where(error) == ("milestones", 5, "due_date", "G")
    assert "2024-04-15" in error["message"] and "2026-04-14" in error["message"]


def test_every_date_of_a_milestone_is_held_to_the_cycle(ait_amira: Path) -> None:
    """Not only the due date: its start and completion dates too."""
    edit(ait_amira, "milestones", setter(0, start_date="2023-01-01"))
    edit(ait_amira, "milestones", setter(1, completed_on="2027-01-01", status="complete"))

    rep = validate(ait_amira)

    found = sorted(where(e) for e in rep["errors"] if e["code"] == "milestone-outside-cycle")
    assert found == [("milestones", 2, "start_date", "F"), ("milestones", 3, "completed_on", "I")]


def test_milestone_on_the_last_day_of_the_cycle_is_inside(ait_amira: Path) -> None:
    edit(ait_amira, "milestones", setter(3, due_date="2026-04-14"))
    assert validate(ait_amira)["valid"] is True


def test_complete_commitment_with_open_milestones(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(0, completion="complete"))
    # c1's second milestone is done: only the first is still open.
    edit(ait_amira, "milestones", setter(1, status="complete", completed_on="2025-06-30"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "complete-with-open-milestones"
    assert where(error) == ("commitments", 2, "completion", "AO")
    assert "ait-amira-c1-m1" in error["message"]
    assert "ait-amira-c1-m2" not in error["message"]


def test_complete_commitment_with_done_or_cancelled_milestones_is_fine(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(0, completion="complete"))

    def close(rows: Rows) -> None:
        rows[0].update(status="cancelled")
        rows[1].update(status="complete", completed_on="2025-06-30")

    edit(ait_amira, "milestones", close)

    assert validate(ait_amira)["valid"] is True


def test_unknown_commune_code(ait_amira: Path) -> None:
    edit(ait_amira, "milestones", setter(2, commune_code="09.163.07.99"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "unknown-commune"
    assert where(error) == ("milestones", 4, "commune_code", "C")
    assert "09.163.07.99" in error["message"]
    assert AIT_AMIRA in error["hint"]  # the folder's own code is suggested


def test_row_of_another_commune(ait_amira: Path) -> None:
    edit(ait_amira, "workshops", setter(0, commune_code=OTHER_COMMUNE))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "commune-mismatch"
    assert where(error) == ("workshops", 2, "commune_code", "C")
    assert OTHER_COMMUNE in error["message"] and AIT_AMIRA in error["message"]


def test_commune_code_must_be_text_shaped(ait_amira: Path) -> None:
    # What Excel makes of 09.163.07.01 once it decides it is a number.
    edit(ait_amira, "milestones", setter(0, commune_code="9.1630701"))

    rep = validate(ait_amira)

    assert [(f["code"], f["row"], f["field"]) for f in rep["errors"]] == [
        ("constraint-error", 2, "commune_code")
    ]


# --- personal data ----------------------------------------------------------------------

# Free-text cells of commitments.csv (line, field) -> text. One package holds every case,
# so the test also shows that each finding lands on its own cell and no other.
PERSONAL = {
    (2, "problem_fr"): ("Pour toute question : 0612345678", "phone"),
    (2, "status_quo_fr"): ("Contact 06 12 34 56 78 (président)", "phone"),
    (2, "description_fr"): ("Appeler le +212 6 12 34 56 78 avant midi", "phone"),
    (3, "problem_fr"): ("Tél. 00212612345678", "phone"),
    (3, "status_quo_fr"): ("Fixe : 05.28.81.23.45", "phone"),
    (3, "description_ar"): ("الاتصال بالرقم ٠٦١٢٣٤٥٦٧٨", "phone"),
    (4, "problem_fr"): ("Écrire à m.elamrani@gmail.com", "e-mail"),
    (4, "status_quo_fr"): ("Responsable : CIN AB123456", "national ID"),
    (4, "description_fr"): ("Porteur du projet, CIN J123456.", "national ID"),
}
NOT_PERSONAL = {
    (2, "expected_results_fr"): "Budget prévu : 150000 MAD",
    (2, "partners"): "Réunion du 2024-04-15 à 09:00",
    (3, "expected_results_fr"): "Programme 2024-2026",
    (3, "partners"): "Conformément à la loi 09-08 sur les données personnelles",
    (4, "expected_results_fr"): "Code de la commune 09.163.07.01",
    (4, "partners"): "Référence du marché 12/2024/AO, lot 3",
    (4, "lead_unit"): "Bureau d'ordre @ la commune",
    (4, "expected_results_ar"): "برنامج ٢٠٢٤-٢٠٢٦ بميزانية ١٥٠٠٠٠ درهم",
}
COMMITMENT_COLUMNS = {"problem_fr": "K", "status_quo_fr": "M", "description_fr": "O",
                      "description_ar": "N"}  # fmt: skip


def _fill_commitments(folder: Path, cells: dict[tuple[int, str], str]) -> None:
    def change(rows: Rows) -> None:
        for (line, field), text in cells.items():
            rows[line - 2][field] = text

    edit(folder, "commitments", change)


def test_personal_data_in_its_many_spellings_and_only_there(ait_amira: Path) -> None:
    cells = {k: text for k, (text, _) in PERSONAL.items()} | NOT_PERSONAL
    _fill_commitments(ait_amira, cells)

    rep = validate(ait_amira)

    errors = rep["errors"]
    assert {f["code"] for f in errors} == {"personal-data"}
    assert sorted((f["row"], f["field"]) for f in errors) == sorted(PERSONAL)
    for f in errors:
        text, kind = PERSONAL[(f["row"], f["field"])]
        assert kind in f["message"], (text, f["message"])
        assert f["column"] == COMMITMENT_COLUMNS[f["field"]]
        # The personal data itself is never repeated in the report.
        assert text not in f["message"] + f["hint"]


def test_numbers_that_are_not_personal_data_stay_valid(ait_amira: Path) -> None:
    _fill_commitments(ait_amira, NOT_PERSONAL)

    rep = validate(ait_amira)

    assert rep["valid"] is True, rep["errors"]


def test_personal_data_in_arabic_field_and_in_another_table(ait_amira: Path) -> None:
    edit(ait_amira, "workshops", setter(0, venue="قاعة الاجتماعات، الهاتف 0528812345"))
    edit(ait_amira, "proposals", setter(2, solution_ar="راسلوا الرئيس على contact@ait-amira.ma"))

    rep = validate(ait_amira)

    assert sorted(where(f) for f in found(rep, "personal-data")) == [
        ("proposals", 4, "solution_ar", "H"),
        ("workshops", 2, "venue", "M"),
    ]


# --- formulas ---------------------------------------------------------------------------

FORMULAS = {
    ("commitments", 2): ('=HYPERLINK("http://example.org","clic")', "="),
    ("commitments", 3): ("+33 mesures", "+"),
    ("commitments", 4): ("-cmd|' /C calc'!A0", "-"),
    ("milestones", 2): ("@SUM(A1:A2)", "@"),
    ("milestones", 3): ("\tcaché", "tab"),
    ("milestones", 4): ("\rligne", "CR"),
}


def test_formula_like_text_is_an_error(ait_amira: Path) -> None:
    for (table, line), (value, _) in FORMULAS.items():
        edit(ait_amira, table, setter(line - 2, title_fr=value))
    # Symbols inside a text are harmless.
    edit(ait_amira, "milestones", setter(3, title_fr="Budget = 10 % (+2 %) - voir @commune"))

    rep = validate(ait_amira)

    formulas = found(rep, "formula-injection")
    assert only_errors(rep) == {"formula-injection"}
    assert sorted((f["table"], f["row"]) for f in formulas) == sorted(FORMULAS)
    for f in formulas:
        assert (f["field"], f["column"]) == (
            "title_fr",
            {"commitments": "H", "milestones": "E"}[f["table"]],
        )
        assert FORMULAS[(f["table"], f["row"])][1] in f["message"]


def test_a_list_bullet_is_published_as_text_and_quoted_for_excel(
    ait_amira: Path, tmp_path: Path
) -> None:
    bullet = "- Publier le calendrier de collecte"
    edit(ait_amira, "milestones", setter(0, title_fr=bullet))
    edit(ait_amira, "milestones", setter(1, title_fr="-2+3 jalon"))  # a formula still
    rep = validate(ait_amira)
    assert [(f["row"], f["field"]) for f in found(rep, "formula-injection")] == [(3, "title_fr")]

    edit(ait_amira, "milestones", setter(1, title_fr="Jalon 2"))
    assert publish(ait_amira, str(tmp_path / "catalog")).status == "published"
    latest = tmp_path / "catalog" / "openness-programme-09-163-07-01" / "latest"
    with (latest / "milestones.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.DictReader(fh))["title_fr"] == bullet  # the data as typed
    excel = (latest / "milestones.excel.csv").read_text(encoding="utf-8-sig")
    assert f";'{bullet};" in excel and f";{bullet};" not in excel  # inert in Excel


# --- scripts and translations -----------------------------------------------------------


def test_latin_text_in_an_arabic_field(ait_amira: Path) -> None:
    edit(ait_amira, "milestones", setter(0, title_ar="Elaborer le plan de travail"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "not-arabic-script"
    assert where(error) == ("milestones", 2, "title_ar", "D")


@pytest.mark.parametrize("text", ["منصة e-Services للجماعة", "2024", "PAC 2024-2026 (برنامج)"])
def test_arabic_with_some_latin_or_only_digits_is_fine(ait_amira: Path, text: str) -> None:
    edit(ait_amira, "milestones", setter(0, title_ar=text))
    assert validate(ait_amira)["valid"] is True


def test_missing_translation_is_one_warning_per_column(ait_amira: Path) -> None:
    def drop(rows: Rows) -> None:
        rows[1]["title_fr"] = ""
        rows[2]["title_fr"] = ""

    edit(ait_amira, "commitments", drop)

    rep = validate(ait_amira)

    assert rep["valid"] is True
    [warning] = found(rep, "missing-translation")
    assert warning in rep["warnings"]
    assert where(warning) == ("commitments", 3, "title_fr", "H")
    assert "2 rows" in warning["message"]


def test_a_title_without_arabic_is_a_warning_and_without_any_language_an_error(
    ait_amira: Path,
) -> None:
    """Real sources (a national plan) often have French only: no Arabic to invent."""

    def french_only(rows: Rows) -> None:
        for row in rows:
            row["title_ar"] = ""

    edit(ait_amira, "milestones", french_only)
    rep = validate(ait_amira)
    assert rep["valid"] is True
    [warning] = found(rep, "missing-translation")
    assert where(warning) == ("milestones", 2, "title_ar", "D")
    assert "6 rows" in warning["message"]

    edit(ait_amira, "milestones", setter(2, title_fr=""))
    rep = validate(ait_amira)
    [error] = rep["errors"]
    assert error["code"] == "missing-both-languages"
    assert where(error) == ("milestones", 4, "title_ar", "D")
    assert '"Title (Arabic)" and "Title (French)" are both empty' in error["message"]


# --- where a multi-line record is ---------------------------------------------------------


def test_multi_line_cell_rows_are_reported_at_the_line_they_start(ait_amira: Path) -> None:
    def change(rows: Rows) -> None:
        rows[0]["title_fr"] = "Élaborer le plan\nde travail\ndétaillé"  # lines 2-4
        rows[0]["due_date"] = "2024-31-12"  # the record's own error: line 2
        rows[1]["due_date"] = "2025-31-12"  # the next record starts on line 5
        rows[3]["title_fr"] = "Publier\r\nle premier jeu"  # lines 7-8
        rows[3]["commune_code"] = "09.163.07.99"  # line 7

    edit(ait_amira, "milestones", change)

    rep = validate(ait_amira)

    assert [(f["code"], f["row"], f["column"]) for f in rep["errors"]] == [
        ("invalid-date", 2, "G"),
        ("invalid-date", 5, "G"),
        ("unknown-commune", 7, "C"),
    ]


def test_rows_after_blank_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "milestones.csv"
    source = Path(__file__).resolve().parent.parent / "datasets/ait-amira/milestones.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace("2025-12-31", "2025-13-31")  # line 5 before the blanks
    text = "\n".join([lines[0], "", lines[1], ",,,,,,,,,,", *lines[2:]]) + "\n"
    path.write_text(text, encoding="utf-8")

    rep = validation.validate(path, "milestones").report.to_dict("en")

    [error] = rep["errors"]
    assert (error["code"], error["row"], error["field"]) == ("invalid-date", 7, "due_date")
