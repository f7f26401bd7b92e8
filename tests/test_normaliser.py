"""What validates is what is checked: dates and numbers in one form before any check.

Frictionless reads ``2024-4-15`` as a date and ``1e3`` as a number; the cross-table
checks compared dates as text and so missed a cycle that ends before it starts, and
unusual numbers were published as typed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import run_cli, set_cells


def test_short_dates_are_completed_then_checked(ait_amira: Path, tmp_path: Path) -> None:
    set_cells(ait_amira, "action_plans", {(2, "cycle_start"): "2026-4-15",
                                          (2, "cycle_end"): "2024-4-14"})  # fmt: skip
    result = run_cli("validate", str(ait_amira), "--json", "--lang", "en")
    assert result.code == 1
    report = result.json()
    assert ("date-order", 2, "cycle_end") in {
        (e["code"], e["row"], e["field"]) for e in report["errors"]
    }  # a cycle that ends before it starts, which was published
    assert ("date-normalised", "action_plans") in {
        (w["code"], w["table"]) for w in report["warnings"]
    }


def test_completed_dates_are_published_in_full(ait_amira: Path, tmp_path: Path) -> None:
    set_cells(ait_amira, "milestones", {(2, "due_date"): "2024-12-1"})
    result = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "cat"), "--json")
    assert result.code == 0, result.stdout[-1000:]
    published = next((tmp_path / "cat").glob("*/latest/milestones.csv")).read_text("utf-8")
    assert ",2024-12-01," in published and "2024-12-1," not in published


@pytest.mark.parametrize("value", ["1e3", "Infinity", "NaN", "1_000_000", "+5", "05", "-0"])
def test_numbers_in_unusual_forms_are_errors_at_their_cell(ait_amira: Path, value: str) -> None:
    set_cells(ait_amira, "workshop_participation", {(3, "participants"): value})
    result = run_cli("validate", str(ait_amira), "--json", "--lang", "fr")
    assert result.code == 1, result.stdout[-1000:]
    found = [
        (e["code"], e["file"], e["row"], e["field"], e["column"])
        for e in result.json()["errors"]
        if e["code"] == "non-canonical-number"
    ]
    assert found == [("non-canonical-number", "workshop_participation.csv", 3, "participants", "E")]


@pytest.mark.parametrize("value", ["0", "12", "1000"])
def test_plain_numbers_pass(ait_amira: Path, value: str) -> None:
    set_cells(ait_amira, "workshop_participation", {(3, "participants"): value})
    result = run_cli("validate", str(ait_amira), "--json")
    assert result.code == 0, result.json()["errors"]


def test_labels_and_other_cases_are_published_as_codes_with_one_warning_per_column(
    ait_amira: Path, tmp_path: Path
) -> None:
    """What stewards type from the message's own words: "Mise en œuvre" was refused
    while the message listed "implementation (Mise en œuvre)"."""
    set_cells(ait_amira, "action_plans", {(2, "stage"): "Mise en œuvre"})
    set_cells(
        ait_amira,
        "milestones",
        {(2, "status"): "Achevé", (3, "status"): "EN COURS", (4, "status"): "Not started",
         (5, "status"): "منجز", (6, "status"): "in_progress"},
    )  # fmt: skip
    set_cells(ait_amira, "commitments", {(2, "ogp_civic_participation"): "OUI"})
    result = run_cli("validate", str(ait_amira), "--json", "--lang", "fr")
    assert result.code == 0, result.stdout[-2000:]
    warnings = [w for w in result.json()["warnings"] if w["code"] == "label-normalised"]
    assert sorted((w["table"], w["row"], w["field"]) for w in warnings) == [
        ("action_plans", 2, "stage"),
        ("commitments", 2, "ogp_civic_participation"),
        ("milestones", 2, "status"),
    ]
    milestones = next(w for w in warnings if w["table"] == "milestones")
    assert "4 cellules" in milestones["message"] and "« Achevé »" in milestones["message"]
    assert run_cli("publish", str(ait_amira), "--to", str(tmp_path / "cat")).code == 0
    latest = next((tmp_path / "cat").glob("*/latest"))
    with (latest / "milestones.csv").open(encoding="utf-8", newline="") as fh:
        statuses = [row["status"] for row in csv.DictReader(fh)]
    assert statuses == ["complete", "in_progress", "not_started", "complete", "in_progress",
                        "not_started"]  # fmt: skip
    with (latest / "commitments.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.DictReader(fh))["ogp_civic_participation"] == "true"


@pytest.mark.parametrize("value", ["Achevéé", "complete!", "done"])
def test_a_word_that_is_no_label_stays_an_error(ait_amira: Path, value: str) -> None:
    set_cells(ait_amira, "milestones", {(2, "status"): value})
    result = run_cli("validate", str(ait_amira), "--json")
    assert result.code == 1
    assert [(e["row"], e["field"]) for e in result.json()["errors"]] == [(2, "status")]
