"""Tables too large to hold: validated chunk by chunk, with the same findings.

The large test writes a million-row table with a generator (never a list) and runs the
real CLI on it; the small ones lower the streaming threshold in-process so the
streamed and in-memory paths can be compared finding by finding.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pipelines import streaming
from pipelines.schemas import load
from pipelines.validation import validate

MILESTONES = load("milestones").field_names
CODE = "09.163.07.01"


def milestone_rows(count: int, plant: dict[int, dict[str, str]]) -> Iterator[list[str]]:
    """Lean valid milestones (empty optional cells), with ``plant`` overriding rows."""
    for i in range(count):
        row = {
            "milestone_id": f"m{i}",
            "commitment_id": "ait-amira-c1",
            "commune_code": CODE,
            "title_ar": "نشر",
            "title_fr": "Publier",
            "start_date": "",
            "due_date": "2025-06-30",
            "status": "not_started",
            "completed_on": "",
            "evidence_url": "",
            "data_status": "synthetic",
        }
        row.update(plant.get(i, {}))
        yield [row[f] for f in MILESTONES]


def write(path: Path, rows: Iterator[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(MILESTONES)
        writer.writerows(rows)
    return path


def located(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (f["code"], f["row"], f["field"], f["column"], f["message"])
        for f in report["errors"] + report["warnings"]
    )


MILLION = 1_000_000
PLANTED = {
    10: {"due_date": "2024-02-30"},  # near the start: not a date
    500_000: {"milestone_id": "m7"},  # the middle: the id of line 9 again
    500_001: {"title_fr": '=HYPERLINK("http://x.example")'},  # a formula
    MILLION - 10: {"title_fr": "Appeler le 06 12 34 56 78"},  # near the end: a phone number
}


def test_a_million_rows_stream_and_report_exactly_the_planted_errors(
    tmp_path: Path, cli: Any
) -> None:
    planted = write(tmp_path / "milestones.csv", milestone_rows(MILLION, PLANTED))
    clean = write(tmp_path / "clean.csv", milestone_rows(MILLION, {}))
    assert planted.stat().st_size >= streaming.STREAM_MIN_BYTES  # the streaming path
    # Both at once: two cores, two processes.
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(cli, "validate", str(path), "--table", "milestones", "--json")
            for path in (planted, clean)
        ]
        result, clean_result = (run.result() for run in runs)

    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = result.json()
    errors = [(f["code"], f["row"], f["field"], f["column"]) for f in report["errors"]]
    assert errors == [
        ("invalid-date", 12, "due_date", "G"),
        ("primary-key", 500_002, None, None),
        ("formula-injection", 500_003, "title_fr", "E"),
        ("personal-data", MILLION - 8, "title_fr", "E"),
    ]
    assert "line 9" in report["errors"][1]["message"]
    assert report["warnings"] == []
    stats = report["stats"]
    assert stats["rows"] == MILLION
    assert stats["by_table"]["milestones"]["streamed"] is True
    assert stats["findings_left_out"] == 0

    assert clean_result.code == 0, clean_result.stdout[-2000:] + clean_result.stderr
    assert clean_result.json()["errors"] == clean_result.json()["warnings"] == []
    assert clean_result.json()["stats"]["rows"] == MILLION


@pytest.fixture
def stream_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream files of any size, in chunks small enough to cross in a small file."""
    monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 7)


def in_memory(*args: Any) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streaming, "STREAM_MIN_BYTES", 1 << 62)
        report: dict[str, Any] = validate(*args).report.to_dict("en")
    return report


def test_a_streamed_table_has_the_findings_of_the_in_memory_path(
    tmp_path: Path, stream_everything: None
) -> None:
    plant = {
        3: {"due_date": "31/13/2025", "title_fr": ""},  # invalid date; missing translation
        12: {"due_date": "9/1/2025"},  # reads two ways: one error, no type error beside it
        22: {"due_date": "15/04/2025"},  # rewritten, counted once across the chunks
        36: {"due_date": "16/04/2025"},
        9: {"milestone_id": "m2", "commune_code": "٠٩.١٦٣.٠٧.٠١"},  # duplicate; digits
        15: {"milestone_id": "m2", "status": "done"},  # a third m2; not an enum value
        20: {"title_fr": "Voir\u200f", "start_date": "2025-07-01"},  # bidi mark; date order
        26: {"milestone_id": "", "title_fr": ""},  # empty key; a second missing translation
        30: {"title_ar": "Nachr", "title_fr": "-5 jours"},  # not Arabic; formula
        33: {"title_fr": "contact: x@commune.ma"},  # personal data
    }
    path = write(tmp_path / "milestones.csv", milestone_rows(40, plant))

    streamed = validate(path, "milestones").report.to_dict("en")
    expected = in_memory(path, "milestones")

    assert streamed["stats"]["by_table"]["milestones"]["streamed"] is True
    assert located(streamed) == located(expected)
    codes = {f["code"] for f in streamed["errors"] + streamed["warnings"]}
    assert codes == {
        "invalid-date", "missing-translation", "primary-key", "arabic-digits-normalised",
        "constraint-error", "invisible-characters-removed", "date-order",
        "not-arabic-script", "formula-injection", "personal-data", "ambiguous-date",
        "date-normalised",
    }  # fmt: skip
    [rewritten] = [f for f in streamed["warnings"] if f["code"] == "date-normalised"]
    assert (rewritten["row"], rewritten["message"].startswith("2 dates")) == (24, True)
    [translation] = [f for f in streamed["warnings"] if f["code"] == "missing-translation"]
    assert (translation["row"], "2 rows" in translation["message"]) == (5, True)
    repeats = sorted(
        (f["row"], f["message"]) for f in streamed["errors"] if f["code"] == "primary-key"
    )
    assert [row for row, _ in repeats] == [11, 17, 28]  # 28: the empty key
    assert "line 4" in repeats[0][1] and "line 11" in repeats[1][1]  # the previous m2


def commune_with_many_milestones(folder: Path) -> Path:
    """Ait Amira with 60 milestones (c1 marked complete) and dangling references."""
    plant = {
        5: {"commitment_id": "ait-amira-c9"},  # no such commitment
        8: {"status": "complete", "completed_on": "2025-05-01"},
    }
    write(folder / "milestones.csv", milestone_rows(60, plant))
    commitments = (folder / "commitments.csv").read_text(encoding="utf-8")
    first, rest = commitments.split("\n", 2)[1], commitments.split("\n", 2)[2]
    (folder / "commitments.csv").write_text(
        commitments.split("\n", 1)[0] + "\n" + first.replace(",not_started,", ",done,")
        + "\n" + rest,
        encoding="utf-8",
    )  # fmt: skip
    with (folder / "progress_updates.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"u1,ait-amira-c1,m3,{CODE},2025-01-15,limited,,,,,synthetic\n")
        fh.write(f"u2,ait-amira-c1,m999,{CODE},2025-01-15,limited,,,,,synthetic\n")  # dangling
    return folder


def test_a_commune_folder_with_a_streamed_table_is_checked_across_tables(
    ait_amira: Path, stream_everything: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = commune_with_many_milestones(ait_amira)
    size = (folder / "milestones.csv").stat().st_size
    assert all(f.stat().st_size < size for f in folder.glob("*.csv") if f.name != "milestones.csv")
    monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", size)  # milestones only

    streamed = validate(folder).report.to_dict("en")
    expected = in_memory(folder)

    assert located(streamed) == located(expected)
    by_code = {(f["code"], f["table"], f["row"]) for f in streamed["errors"]}
    assert ("foreign-key", "milestones", 7) in by_code  # out of the streamed table
    assert ("complete-with-open-milestones", "commitments", 2) in by_code  # its fold
    assert [(c, r) for c, t, r in by_code if t == "progress_updates"] == [("foreign-key", 3)]
    streamed_tables = [n for n, t in streamed["stats"]["by_table"].items() if t.get("streamed")]
    assert streamed_tables == ["milestones"]


def test_publishing_a_table_too_large_to_hold_is_a_usage_error(
    ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", 4096)
    shutil.copy(
        write(ait_amira.parent / "big.csv", milestone_rows(200, {})), ait_amira / "milestones.csv"
    )

    with pytest.raises(Exception) as caught:
        validate(ait_amira, whole=True)

    error: Any = caught.value
    assert (error.exit_code, error.key) == (2, "too-large-to-publish")
    assert "milestones" in error.render("en") and "4 MB" not in error.render("en")
    assert "milestones" in error.render("fr") and "trop volumineux" in error.render("fr")
    assert "أكبر من أن يُنشر" in error.render("ar")
    assert json.dumps(validate(ait_amira).report.to_dict("en"))  # validating still works


def test_a_day_that_reads_two_ways_is_one_error_when_streamed_too(
    tmp_path: Path, stream_everything: None
) -> None:
    """``reported_on`` takes a day only: frictionless would also call ``9/1/2025`` a
    type error; the steward is told once, with both readings, on either path."""
    header = "update_id,commitment_id,milestone_id,commune_code,reported_on,completion,data_status"
    lines = [header] + [
        f"u{i},ait-amira-c1,,{CODE},{'9/1/2025' if i == 10 else '2025-01-15'},limited,synthetic"
        for i in range(20)
    ]
    path = tmp_path / "progress_updates.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    streamed = validate(path, "progress_updates").report.to_dict("en")
    expected = in_memory(path, "progress_updates")

    assert streamed["stats"]["by_table"]["progress_updates"]["streamed"] is True
    assert [(f["code"], f["row"]) for f in streamed["errors"]] == [("ambiguous-date", 12)]
    assert located(streamed) == located(expected)
