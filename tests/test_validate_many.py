"""Members validated together (a many-member publish's workers) have exactly the
reports they have validated alone, whatever is wrong in them; frictionless opens each
table once for all of them; a member that cannot be read fails alone."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pipelines import engine
from pipelines.errors import InfitahError
from pipelines.synth import synthesise
from pipelines.validation import Validated, validate, validate_many

from .conftest import DATASETS, set_cells


def _shown(result: Validated | Exception) -> Any:
    """What the steward reads (the seconds it took aside)."""
    if isinstance(result, Exception):
        return type(result).__name__
    shown = result.report.to_dict("en")
    shown["stats"].pop("seconds")
    return shown


@pytest.fixture
def members(tmp_path: Path) -> list[Path]:
    """Synthetic members with planted errors, the two real ones (a workbook among
    them), tables whose header differs (a column left out, one more column), a table
    with no row, and cells that break every kind of rule."""
    folders = synthesise(5, tmp_path / "synth", seed=7, plant=12)
    for name in ("ait-amira", "tamanar"):
        folders.append(Path(shutil.copytree(DATASETS / name, tmp_path / name)))
    set_cells(folders[0], "milestones", {(2, "due_date"): "2024-02-30", (3, "status"): "done"})
    set_cells(folders[1], "commitments", {(2, "commitment_id"): ""})
    _rewrite(folders[2] / "progress_updates.csv", lambda lines: lines[:1])  # no row
    _rewrite(folders[3] / "proposals.csv", _without_last_column)
    _rewrite(tmp_path / "ait-amira" / "milestones.csv", _with_a_column)
    return sorted(folders)


def _rewrite(path: Path, change: Any) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def _with_a_column(lines: list[str]) -> list[str]:
    return [lines[0] + ",notes", *(line + ",x" for line in lines[1:])]


def _without_last_column(lines: list[str]) -> list[str]:
    return [line.rsplit(",", 1)[0] for line in lines]


def test_members_validated_together_have_the_reports_they_have_alone(
    members: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFITAH_WORKERS", "1")
    alone = [validate(m, whole=True) for m in members]
    opened: list[str] = []
    real = engine._cells

    def counted(schema: dict[str, Any], *args: Any) -> list[engine.Error]:
        opened.append("cells")
        return real(schema, *args)

    monkeypatch.setattr(engine, "_cells", counted)
    together = validate_many(members)
    assert [_shown(r) for r in together] == [_shown(r) for r in alone]
    assert sum(not r.report.valid for r in alone) >= 5  # there was something to agree on
    # One open per table name and header, for all the members at once.
    assert len(opened) < 2 * 7 < len(members) * 7


def test_tables_that_reach_the_error_limit_together_are_judged_alone(
    members: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frictionless stops reading a table at its error limit: a group that reaches it
    together would lose the errors of the members after it."""
    monkeypatch.setenv("INFITAH_WORKERS", "1")
    monkeypatch.setattr(engine, "LIMIT_ERRORS", 2)
    for folder in members[:4]:
        set_cells(folder, "milestones", {(2, "status"): "done", (3, "status"): "finished"})
    alone = [validate(m, whole=True) for m in members]
    together = validate_many(members)
    assert [_shown(r) for r in together] == [_shown(r) for r in alone]
    limited = [[e for e in _shown(r)["errors"] if e["table"] == "milestones"] for r in alone[:4]]
    assert all(len(errors) >= 2 for errors in limited)  # each reached the limit alone


def test_a_member_that_cannot_be_read_fails_alone(members: list[Path]) -> None:
    broken = members[2]
    (broken / "datapackage.json").write_text("{not json", encoding="utf-8")
    together = validate_many(members)
    assert isinstance(together[2], InfitahError)
    assert together[2].render("en") == _error_alone(broken)
    assert all(isinstance(r, Validated) for i, r in enumerate(together) if i != 2)


def _error_alone(path: Path) -> str:
    with pytest.raises(InfitahError) as raised:
        validate(path, whole=True)
    return raised.value.render("en")


def test_a_header_error_found_together_is_each_members() -> None:
    """A header frictionless objects to (reading gives members every field, so this is
    the engine's own promise): each member of the group has it, as alone."""
    schema = {"fields": [{"name": "id", "type": "string"},
                         {"name": "day", "type": "date"}]}  # fmt: skip
    fields = ["id"]  # "day" left out: frictionless's missing-label
    jobs = [[engine.Job("t", schema, fields, rows)] for rows in ([["a"]], [], [["b"], ["c"]])]
    alone = [engine._cells(schema, fields, job[0].rows, 0) for job in jobs]
    together = engine.cells_together(jobs)
    assert [found["t"] for found in together] == alone
    assert all(any(e.type == "missing-label" for e in errors) for errors in alone)


def test_a_members_error_crosses_back_from_its_worker_as_infitahs_own(
    members: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task's results are pickled back from its worker process: one member's error
    that cannot be pickled would lose the whole task's results, so it goes back as
    Infitah's own error, naming it; the others' results are untouched."""
    import pickle
    import threading

    from pipelines import publishing

    class Odd(Exception):
        def __init__(self) -> None:
            super().__init__("odd failure")
            self.lock = threading.Lock()  # cannot be pickled

    real = publishing.validate_many

    def one_odd(paths: list[Path]) -> list[Validated | Exception]:
        results = real(paths)
        results[1] = Odd()
        return results

    monkeypatch.setattr(publishing, "validate_many", one_odd)
    results = pickle.loads(pickle.dumps(publishing.gate_many(members[:3])))
    assert isinstance(results[1], InfitahError)
    assert "Odd: odd failure" in results[1].render("en")
    assert [isinstance(r, Validated) for r in results] == [True, False, True]
