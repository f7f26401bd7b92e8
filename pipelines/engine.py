"""Running frictionless over tables, using every core on large ones.

Frictionless validates row by row in pure Python, on one core. Most of its work
(reading each cell as its type, checking constraints) is independent per row, so on a
large table we give row chunks to worker processes, while the main process has
frictionless check what needs the whole table (primary keys, uniqueness, foreign keys)
on a projection holding only the key fields. Every judgement is still frictionless's;
we only decide who runs it. Workers are fresh interpreters (``python -m
pipelines.engine``) fed through temporary files: nothing is forked (Prefect runs
threads), and no caller needs a ``__main__`` guard as multiprocessing would demand.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frictionless

from .schemas import as_names

# Below this many rows in a table, starting workers costs more than it saves.
PARALLEL_MIN_ROWS = 20_000
# A file with more errors than this is reported in part; the steward fixes the pattern.
LIMIT_ERRORS = 10_000
KEY_ERRORS = frozenset({"primary-key", "foreign-key", "unique-error"})
# In a package with foreign keys, frictionless opens each referenced table whole for
# its lookup, and every open copies each field twice through its metadata validation:
# on a member's small tables that was two thirds of validating. Judging the keys on a
# projection of the key fields, and the cells apart (as for a large table), finds the
# same errors in half the time (benchmarks/bench_validate.py --members); keys of plain
# strings are then judged by pandas (``union_keys``), which needs no open at all. Tests
# turn it off to compare with frictionless run once over the whole package.
SPLIT_KEYS = True


@dataclass(frozen=True)
class Error:
    """What we keep of a frictionless error: picklable, and all that reports need."""

    type: str
    note: str
    row_number: int | None = None
    field_name: str | None = None
    cell: str = ""
    field_names: tuple[str, ...] = ()
    field_cells: tuple[str, ...] = ()
    reference_name: str = ""

    @classmethod
    def of(cls, error: Any, offset: int = 0) -> Error:
        row = getattr(error, "row_number", None)
        return cls(
            type=error.type,
            note=error.note,
            row_number=row + offset if row else None,
            field_name=getattr(error, "field_name", None),
            cell=str(getattr(error, "cell", "") or ""),
            field_names=tuple(getattr(error, "field_names", ()) or ()),
            field_cells=tuple(str(c) for c in getattr(error, "field_cells", ()) or ()),
            reference_name=str(getattr(error, "reference_name", "") or ""),
        )


@dataclass(frozen=True)
class Job:
    """One table: its schema descriptor (as frictionless takes it) and its rows."""

    name: str
    schema: dict[str, Any]
    fields: list[str]
    rows: list[list[str]]


# Per row, checking keys and running our checks costs about this share of frictionless's
# cell work (measured with benchmarks/bench_validate.py); the main process does those,
# so it takes fewer rows than each worker for the cores to finish together.
MAIN_EXTRA = 0.45


class Pending:
    """Frictionless running: workers started, the main process's share still to do.

    Between ``start`` and ``finish`` the caller runs its own checks, which is when the
    workers have the cores they need.
    """

    def __init__(self, jobs: list[Job], cores: int, keys: bool = True) -> None:
        self.jobs = jobs
        self.keys = keys
        self.large = [j for j in jobs if cores > 1 and len(j.rows) >= PARALLEL_MIN_ROWS]
        # Keys apart from cells: every large table, and every table of a package with
        # foreign keys (see ``SPLIT_KEYS``); every table when the caller judges the keys.
        linked = SPLIT_KEYS and any(j.schema.get("foreignKeys") for j in jobs)
        whole = linked or not keys
        self.split = {j.name for j in jobs} if whole else {j.name for j in self.large}
        self.mine: list[tuple[Job, int, int]] = []
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="infitah-") if self.large else None
        for job in self.large:
            per_worker = int(len(job.rows) * (1 + MAIN_EXTRA) / cores)
            start = len(job.rows) - per_worker * (cores - 1)
            self.mine.append((job, 0, start))
            cells_only = without_keys(job.schema)
            for begin in range(start, len(job.rows), per_worker):
                rows = job.rows[begin : begin + per_worker]
                task = (cells_only, job.fields, rows, begin)
                self.running.append((job.name, self._start(task)))

    def _start(self, task: tuple[Any, ...]) -> subprocess.Popen[bytes]:
        assert self._tmp is not None
        return _start_worker(Path(self._tmp.name), len(self.running), task)

    def finish(self) -> dict[str, list[Error]]:
        try:
            large = {j.name for j in self.large}
            keyed = [_keys_only(j) for j in self.jobs if j.name in self.split and self.keys]
            keys = _whole(keyed + [j for j in self.jobs if j.name not in self.split], self.split)
            cells: dict[str, list[Error]] = {j.name: [] for j in self.jobs}
            for job in self.jobs:
                if job.name in self.split and job.name not in large:
                    cells[job.name] = _cells(without_keys(job.schema), job.fields, job.rows, 0)
            for job, begin, end in self.mine:
                cells_only = without_keys(job.schema)
                cells[job.name].extend(_cells(cells_only, job.fields, job.rows[begin:end], begin))
            for name, worker in self.running:
                cells[name].extend(_finish_worker(worker))
            return {name: merged(cells[name], keys.get(name, [])) for name in cells}
        finally:
            for _, worker in self.running:
                if worker.poll() is None:
                    worker.kill()
            if self._tmp is not None:
                self._tmp.cleanup()


def start(jobs: list[Job], cores: int | None = None, keys: bool = True) -> Pending:
    """Start validating; call ``finish()`` for frictionless's errors per table. ``keys``
    false: the cells alone, one frictionless open per table (the caller judges the keys:
    ``union_keys``)."""
    return Pending(jobs, cores if cores is not None else _default_workers(), keys)


def validate(jobs: list[Job], cores: int | None = None) -> dict[str, list[Error]]:
    """Frictionless errors per table name; row numbers as frictionless counts them."""
    return start(jobs, cores).finish()


def validate_union(
    jobs: list[Job], fresh: Mapping[str, list[tuple[int, int]]], keys_apart: bool = False
) -> dict[str, list[Error]]:
    """Tables that join parts judged before (the network's: each member's rows were
    judged whole at its own publication): for each table ``fresh`` names, the keys
    (primary, foreign, unique) across the whole union and the cells of its row ranges
    only (parts read for the first time); other tables whole. Row numbers are the
    union's. ``keys_apart``: the caller judges every table's keys itself
    (``union_keys``); the errors here are cells' only: the fresh row ranges of the
    tables ``fresh`` names, the others (the network's indicators) whole, on every
    idle core."""
    only = set(fresh)
    if keys_apart:
        rest = [
            Job(j.name, without_keys(j.schema), j.fields, j.rows)
            for j in jobs
            if j.name not in only
        ]
        cells = start(rest).finish()
        result = {j.name: cells.get(j.name, []) for j in jobs}
    else:
        result = _whole([_keys_only(j) if j.name in only else j for j in jobs], only)
    for job in jobs:
        if job.name not in only:
            continue
        cells = without_keys(job.schema)
        for begin, end in fresh.get(job.name, []):
            result[job.name].extend(_cells(cells, job.fields, job.rows[begin:end], begin))
    return result


def cells_together(members: list[list[Job]]) -> list[dict[str, list[Error]]]:
    """Frictionless's errors in the cells of many members' tables (no keys: the caller
    judges them), one open for the tables of a name and header across members. Opening
    a small table costs frictionless more than its rows (each field is copied twice
    through its metadata validation), and every error in a cell, a row or the header
    is found in that row or header alone: judged together, each table has exactly the
    errors it has judged alone, at its own row numbers. A header's error, said once for
    all, is each member's. Tables with many rows (their cells are spread over worker
    processes), and tables of a group that reached the error limit (the rows after it
    went unread), are judged alone."""
    out: list[dict[str, list[Error]]] = [{j.name: [] for j in jobs} for jobs in members]
    groups: dict[tuple[str, str, tuple[str, ...]], list[tuple[int, Job]]] = {}
    for i, jobs in enumerate(members):
        for job in jobs:
            cells = without_keys(job.schema)
            if len(job.rows) >= PARALLEL_MIN_ROWS:
                out[i][job.name] = start([Job(job.name, cells, job.fields, job.rows)],
                                         keys=False).finish()[job.name]  # fmt: skip
                continue
            key = (job.name, json.dumps(cells, sort_keys=True), tuple(job.fields))
            groups.setdefault(key, []).append((i, Job(job.name, cells, job.fields, job.rows)))
    for (name, _, fields), group in groups.items():
        schema = group[0][1].schema
        errors = _cells(schema, list(fields), [row for _, job in group for row in job.rows], 0)
        if len(errors) >= LIMIT_ERRORS:
            for i, job in group:
                out[i][name] = _cells(schema, job.fields, job.rows, 0)
            continue
        ends = list(itertools.accumulate(len(job.rows) for _, job in group))
        for error in errors:
            if error.row_number is None:  # the header's: every member's, the same
                for i, _ in group:
                    out[i][name].append(error)
                continue
            at = bisect.bisect_right(ends, error.row_number - 2)
            before = ends[at - 1] if at else 0
            out[group[at][0]][name].append(
                dataclasses.replace(error, row_number=error.row_number - before)
            )
    return out


def merged(cells: list[Error], keys: list[Error]) -> list[Error]:
    """A table's errors in the order frictionless run once would give them: by row,
    and in a row its cells' errors before its keys' (a header's, without a row, first)."""
    if not keys:
        return cells
    return sorted([*cells, *keys], key=lambda e: e.row_number or 0)


def machine_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _default_workers() -> int:
    """Cores that are idle now: on a busy machine, workers only fight for the same cores
    (and add the key pass and pickling), so validation then runs in one process."""
    configured = os.environ.get("INFITAH_WORKERS")
    if configured:
        return max(1, int(configured))
    cores = machine_cores()
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, min(cores, round(cores - busy + 1)))


class _Rows(list[list[Any]]):
    """A resource's inline rows. Frictionless deep-copies a resource's whole descriptor,
    inline data included, to validate its metadata before it reads a row: a sixth of
    the time of a large table. The rows are never changed, so the copy is the list."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Rows:
        return self


# Date formats that read exactly the cells ``_iso_date`` turns into dates.
ISO_FORMATS = ("default", "%Y-%m-%d")


@functools.lru_cache(maxsize=8192)
def _iso_date(value: str) -> dt.date | str:
    """A cell shaped ``YYYY-MM-DD`` that is a real day, as a date; anything else as it
    is, for frictionless to judge. Reading wrote every date this way, and frictionless
    takes a date for a date field as is: its own parsing (``strptime``, a quarter of
    the validation's time on a large table) is left for the cells that need it."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-" or not value.isascii():
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _rows_for(schema: dict[str, Any], fields: list[str], rows: list[list[str]]) -> _Rows:
    """The header and rows as frictionless reads them, default-format dates as dates."""
    dates = [
        fields.index(f["name"])
        for f in schema.get("fields", [])
        if f.get("type") == "date"
        and f.get("format", "default") in ISO_FORMATS
        and f["name"] in fields
    ]
    if not dates:
        return _Rows([fields, *rows])
    typed: list[list[Any]] = [fields]
    for row in rows:
        cells: list[Any] = list(row)
        for i in dates:
            if cells[i]:
                cells[i] = _iso_date(cells[i])
        typed.append(cells)
    return _Rows(typed)


def _whole(jobs: list[Job], only_keys_for: set[str] | None = None) -> dict[str, list[Error]]:
    resources = [
        frictionless.Resource(
            name=j.name,
            data=_rows_for(j.schema, j.fields, j.rows),
            schema=frictionless.Schema.from_descriptor(j.schema),
        )
        for j in jobs
    ]
    result: dict[str, list[Error]] = {j.name: [] for j in jobs}
    if not resources:
        return result
    if len(resources) == 1:
        report = resources[0].validate(limit_errors=LIMIT_ERRORS)
    else:
        package = frictionless.Package(resources=resources)
        report = package.validate(limit_errors=LIMIT_ERRORS)
    for task in report.tasks:
        keys_only = only_keys_for is not None and task.name in only_keys_for
        for error in task.errors:
            if not keys_only or error.type in KEY_ERRORS:
                result[task.name].append(Error.of(error))
    return result


def _cells(
    schema: dict[str, Any], fields: list[str], rows: list[list[str]], offset: int
) -> list[Error]:
    """Worker: types and constraints of a chunk of rows."""
    resource = frictionless.Resource(
        data=_rows_for(schema, fields, rows), schema=frictionless.Schema.from_descriptor(schema)
    )
    report = resource.validate(limit_errors=LIMIT_ERRORS)
    return [Error.of(e, offset) for e in report.tasks[0].errors]


def without_keys(schema: dict[str, Any]) -> dict[str, Any]:
    cells = copy.deepcopy(schema)
    cells.pop("primaryKey", None)
    cells.pop("foreignKeys", None)
    for field in cells["fields"]:
        field.get("constraints", {}).pop("unique", None)
    return cells


def key_fields(schema: Mapping[str, Any]) -> list[str]:
    """The fields a table's keys are made of (primary key, foreign keys, unique fields),
    in that order, each once."""
    wanted = as_names(schema.get("primaryKey", []))
    for fk in schema.get("foreignKeys", []):
        wanted += as_names(fk["fields"])
    wanted += [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("unique")]
    return list(dict.fromkeys(wanted))


def _keys_only(job: Job) -> Job:
    """The job reduced to the fields keys need, with their declared types (a cell that
    does not read as its type is no key, as when frictionless judges the whole row) and
    no other constraint: cells are judged elsewhere."""
    schema = job.schema
    pk = as_names(schema.get("primaryKey", []))
    keep = [n for n in key_fields(schema) if n in job.fields]
    index = [job.fields.index(n) for n in keep]
    fields = []
    for f in schema["fields"]:
        if f["name"] in keep:
            unique = f.get("constraints", {}).get("unique")
            typed = {k: f[k] for k in ("type", "format") if k in f}
            fields.append(
                {
                    "name": f["name"],
                    **typed,
                    **({"constraints": {"unique": True}} if unique else {}),
                }
            )
    reduced = {
        "fields": sorted(fields, key=lambda f: keep.index(f["name"])),
        "missingValues": schema.get("missingValues", [""]),
    }
    if pk:
        reduced["primaryKey"] = pk
    if schema.get("foreignKeys"):
        reduced["foreignKeys"] = schema["foreignKeys"]
    rows = [[row[i] for i in index] for row in job.rows]
    return Job(job.name, reduced, keep, rows)


def _start_worker(tmp: Path, number: int, task: tuple[Any, ...]) -> subprocess.Popen[bytes]:
    path = tmp / f"chunk-{number}.pickle"
    with path.open("wb") as fh:
        pickle.dump(task, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.engine", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish_worker(worker: subprocess.Popen[bytes]) -> list[Error]:
    out, err = worker.communicate()
    if worker.returncode != 0:
        raise RuntimeError(f"validation worker failed: {err.decode(errors='replace')[-2000:]}")
    errors: list[Error] = pickle.loads(out)
    return errors


def _worker_main(path: str) -> None:
    # Run through the imported module, so results pickle as pipelines.engine.Error
    # rather than __main__.Error, which the parent could not load.
    from pipelines import engine

    with open(path, "rb") as fh:
        schema, fields, rows, offset = pickle.load(fh)
    sys.stdout.buffer.write(pickle.dumps(engine._cells(schema, fields, rows, offset)))


if __name__ == "__main__":
    _worker_main(sys.argv[1])
