"""What validates is what is checked: dates and numbers in one form before any check.

Frictionless reads ``2024-4-15`` as a date and ``1e3`` as a number; the cross-table
checks compared dates as text and so missed a cycle that ends before it starts, and
unusual numbers were published as typed."""

from __future__ import annotations

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
