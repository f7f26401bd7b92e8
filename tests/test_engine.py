"""The parallel path must find exactly what the single-process path finds."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines import engine
from pipelines.schemas import load
from pipelines.validation import validate


def _milestones(path: Path, rows: int) -> None:
    fields = load("milestones").field_names
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        for i in range(rows):
            row = {
                "milestone_id": f"m-{i}",
                "commitment_id": f"c-{i // 3}",
                "commune_code": "09.163.07.01",
                "title_ar": "نشر المعطيات",
                "title_fr": "Publier les données",
                "start_date": "2024-05-01",
                "due_date": "2024-06-30",
                "status": "in_progress",
                "completed_on": "",
                "evidence_url": "",
                "data_status": "synthetic",
            }
            if i == 5:
                row["due_date"] = "2024-02-30"  # type-error, early chunk (main process)
            if i == rows - 3:
                row["status"] = "done"  # constraint-error, late chunk (a worker)
            if i == rows - 2:
                row["milestone_id"] = "m-7"  # primary key, across chunks
            writer.writerow(row.values())


@pytest.mark.parametrize("cores", [2, 3])
def test_parallel_and_serial_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    path = tmp_path / "milestones.csv"
    _milestones(path, 400)
    monkeypatch.setattr(engine, "PARALLEL_MIN_ROWS", 100)

    started: list[int] = []
    real = engine._start_worker

    def counted(*args: object) -> object:
        started.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_start_worker", counted)
    monkeypatch.setenv("INFITAH_WORKERS", "1")
    serial = validate(path, "milestones").report.to_dict("en")
    assert started == []  # one process
    monkeypatch.setenv("INFITAH_WORKERS", str(cores))
    parallel = validate(path, "milestones").report.to_dict("en")
    assert len(started) == cores - 1  # the parallel path really ran, with its workers

    def located(report: dict[str, object]) -> list[tuple[object, ...]]:
        errors = report["errors"]
        assert isinstance(errors, list)
        return sorted((e["code"], e["row"], e["field"], e["message"]) for e in errors)

    assert located(parallel) == located(serial)
    codes = {e[0]: e[1] for e in located(serial)}
    # The dates planted in due_date (a date as precise as known) are judged by the
    # invalid-date check; the rest is frictionless's, in workers or not.
    assert codes == {"invalid-date": 7, "constraint-error": 399, "primary-key": 400}


def test_only_real_iso_days_are_handed_to_frictionless_as_dates() -> None:
    """Frictionless parses a date cell with strptime; an ISO day is given to it as a
    date instead, and everything else stays text for it to judge (and report)."""
    import datetime as dt

    from pipelines.engine import _iso_date

    assert _iso_date("2024-04-15") == dt.date(2024, 4, 15)
    for text in ("2024-02-30", "2024-13-01", "20240415", "2024-W15-1", "2024-4-15 ",
                 "٢٠٢٤-٠٤-١٥", "15/04/2024"):  # fmt: skip
        assert _iso_date(text) == text, text
    schema = load("progress_updates")  # reported_on: a day, typed date
    rows = [dict.fromkeys(schema.field_names, "") | {"reported_on": day}
            for day in ("2024-04-15", "2024-02-30")]  # fmt: skip
    cells = engine.without_keys(schema.descriptor)
    jobs = [engine.Job("progress_updates", cells, schema.field_names,
                       [list(r.values()) for r in rows])]  # fmt: skip
    errors = engine.validate(jobs, cores=0)["progress_updates"]
    typed = {(e.type, e.field_name, e.cell) for e in errors if e.type == "type-error"}
    assert typed == {("type-error", "reported_on", "2024-02-30")}


def test_keys_apart_from_cells_find_what_frictionless_finds_over_the_whole_package(
    ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package with foreign keys has its keys judged apart, by pandas (``union_keys``:
    frictionless's lookups would open every referenced table whole), and its cells by
    frictionless, one open per table: the findings, their locations, words and order,
    are those of frictionless run once over the whole package."""
    from tests.test_checks import edit, setter

    def duplicate_first(rows: list[dict[str, str]]) -> None:
        rows.append(dict(rows[0]))

    edit(ait_amira, "milestones", setter(1, commitment_id="ait-amira-c9", due_date="2024-02-30"))
    edit(ait_amira, "milestones", setter(2, commitment_id="", status="done"))
    edit(ait_amira, "commitments", duplicate_first)
    # a key cell that breaks its rule (a gender outside the list), twice: still a key
    edit(ait_amira, "workshop_participation", setter(0, gender="woman"))
    twice = setter(1, gender="woman", stakeholder_group="council_member")
    edit(ait_amira, "workshop_participation", twice)
    edit(ait_amira, "proposals", setter(0, workshop_id="ait-amira-w9"))

    opened: list[str] = []
    real = engine._cells

    def counted(schema: dict[str, object], *args: object) -> list[engine.Error]:
        opened.append("cells")
        return real(schema, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_cells", counted)
    judged_whole: list[str] = []  # the tables frictionless opened for their keys
    real_whole = engine._whole

    def whole_counted(jobs: list[engine.Job], *args: object) -> dict[str, list[engine.Error]]:
        judged_whole.extend(j.name for j in jobs)
        return real_whole(jobs, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_whole", whole_counted)
    monkeypatch.setenv("INFITAH_WORKERS", "1")
    monkeypatch.setattr(engine, "SPLIT_KEYS", False)
    whole = validate(ait_amira).report.to_dict("en")
    assert opened == []  # frictionless once, over the package
    assert len(judged_whole) == 7
    judged_whole.clear()
    monkeypatch.setattr(engine, "SPLIT_KEYS", True)
    split = validate(ait_amira).report.to_dict("en")
    assert len(opened) == 7  # the split really ran: each table's cells apart
    assert judged_whole == []  # and no frictionless package for the keys

    assert split["errors"] == whole["errors"]
    assert split["warnings"] == whole["warnings"]
    located = {(e["code"], e["table"], e["row"], e["field"]) for e in whole["errors"]}
    assert {
        ("foreign-key", "milestones", 3, "commitment_id"),
        ("primary-key", "commitments", len(_rows(ait_amira / "commitments.csv")) + 1,
         None),
        ("constraint-error", "workshop_participation", 2, "gender"),
        ("primary-key", "workshop_participation", 3, None),
        ("foreign-key", "proposals", 2, "workshop_id"),
    } <= located  # fmt: skip


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8")))[1:]


def test_member_keys_judged_by_pandas_match_frictionless_on_synthetic_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Synthetic members whose keys are broken at random in every table (repeated and
    emptied identifiers, links to rows that do not exist, a referenced row removed):
    their reports, keys judged by pandas, are those of frictionless run once over the
    whole package, finding for finding."""
    import random

    from pipelines.schemas import TABLES
    from pipelines.synth import synthesise
    from tests.test_checks import edit

    def breaking(rng: random.Random, table: str) -> Callable[[list[dict[str, str]]], None]:
        schema = load(table).descriptor
        keys = engine.key_fields(schema)

        def change(rows: list[dict[str, str]]) -> None:
            if not rows:
                return
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(["repeat", "empty", "unknown", "drop"])
                row = rng.randrange(len(rows))
                field = rng.choice(keys)
                if kind == "repeat":
                    rows.append(dict(rows[row]))
                elif kind == "empty":
                    rows[row][field] = ""
                elif kind == "unknown":
                    rows[row][field] = f"{rows[row][field]}-x"
                elif len(rows) > 1:
                    del rows[row]

        return change

    monkeypatch.setenv("INFITAH_WORKERS", "1")
    rng = random.Random(15)
    keyed = 0
    for folder in synthesise(4, tmp_path / "members", seed=15):
        for table in TABLES:
            if rng.random() < 0.6:
                edit(folder, table, breaking(rng, table))
        monkeypatch.setattr(engine, "SPLIT_KEYS", False)
        whole = validate(folder).report.to_dict("en")
        monkeypatch.setattr(engine, "SPLIT_KEYS", True)
        split = validate(folder).report.to_dict("en")
        assert split["errors"] == whole["errors"]
        assert split["warnings"] == whole["warnings"]
        keyed += sum(f["code"] in {"primary-key", "foreign-key"} for f in whole["errors"])
    assert keyed >= 8  # the keys were broken: there was something to agree on
