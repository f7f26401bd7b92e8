"""Shared fixtures: paths, a CLI runner that behaves like a user's shell, Prefect's harness."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO / "datasets"
AIT_AMIRA = DATASETS / "ait-amira"
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    """Run `infitah` as a separate process, exactly as a steward would."""
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env={**os.environ, "INFITAH_DEBUG": "", **(env or {})},
        timeout=600,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> Any:
    return run_cli


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API for flow tests (Prefect's own test harness)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


@pytest.fixture
def ait_amira(tmp_path: Path) -> Path:
    """A writable copy of the real commune, to break on purpose."""
    import shutil

    target = tmp_path / "ait-amira"
    shutil.copytree(AIT_AMIRA, target)
    return target


def set_cells(folder: Path, table: str, changes: dict[tuple[int, str], str]) -> None:
    """Set cells of ``table``'s CSV, each at (the line the steward sees, the field)."""
    path = folder / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for (line, field), value in changes.items():
        rows[line - 1][rows[0].index(field)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def break_a_due_date(folder: Path) -> Path:
    """Make a member folder invalid in one cell: milestones.csv line 2, due_date."""
    set_cells(folder, "milestones", {(2, "due_date"): "2024-13-45"})
    return folder


class Validated(list[Path]):
    pools: list[str]
    batches: list[list[Path]]

    def __init__(self) -> None:
        super().__init__()
        self.pools = []
        self.batches = []


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> Validated:
    """The members a many-member publish sends to be validated (``.pools``: the kind of
    executor each run used; ``.batches``: the members sent together, in each task)."""
    from pipelines import publishing

    seen = Validated()
    real = publishing._validation_pool

    def spying(members: int, workers: int) -> Any:
        pool = real(members, workers)
        seen.pools.append(type(pool).__name__)
        submit = pool.submit

        def spy(fn: Any, *args: Any, **kwargs: Any) -> Any:
            batch = args[0] if isinstance(args[0], list) else [args[0]]
            seen.extend(batch)
            seen.batches.append(list(batch))
            return submit(fn, *args, **kwargs)

        pool.submit = spy  # type: ignore[method-assign,assignment]
        return pool

    monkeypatch.setattr(publishing, "_validation_pool", spying)
    return seen
