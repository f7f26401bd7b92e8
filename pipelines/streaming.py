"""Validating tables too large to hold, chunk by chunk, in flat memory.

A commune's tables are small, but an export of millions of rows (every milestone of a
network, a machine-written log) would need gigabytes as rows in lists, and frictionless
on inline data holds them all. Above ``STREAM_MIN_BYTES`` a CSV table is read in
chunks of ``CHUNK_ROWS`` records and every rule runs on one chunk at a time:

- types and constraints: frictionless's own cell readers (the functions its rows call),
  asked once per distinct value of a column in the chunk;
- our checks: per chunk, the other (small) tables visible for look-ups; a check that
  needs a table whole uses its fold, or the table cannot be streamed;
- primary keys and foreign keys into the table: a 64-bit hash per row (8 bytes), sorted
  at the end; hashes that repeat are re-checked against the real values in a second
  read, so a hash collision never becomes a finding;
- foreign keys out of the table: looked up in the (small) target tables.

Findings stop being kept at ``engine.LIMIT_ERRORS`` per table; the report's stats say
how many were left out. Below the limit the in-memory path (``validation.py``,
``engine.py``) is used: it is faster on ordinary sizes.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frictionless
import numpy as np

from . import checks, engine
from .errors import UsageError
from .findings import Finding
from .gathering import not_retold, package_findings, report_of, table_stats, translate
from .members import commune_codes
from .reading import CSV_SUFFIXES, PackageData, TableData, stream_table
from .report import Report
from .schemas import TABLES, TableSchema, as_names, load

# A CSV file at least this large is streamed. The in-memory path holds several times
# the file's size; at this limit that is still well within a laptop's memory.
STREAM_MIN_BYTES = 64 * 1024 * 1024
CHUNK_ROWS = 50_000
# Findings that say "in N cells" are one per column, however many chunks found them.
COUNTED = frozenset({"arabic-digits-normalised", "invisible-characters-removed",
                     "missing-translation", "date-normalised", "label-normalised",
                     "assessor-missing"})  # fmt: skip


def should_stream(path: Path) -> bool:
    """Whether a table file is too large for the in-memory path."""
    try:
        return path.suffix.lower() in CSV_SUFFIXES and (path.stat().st_size >= STREAM_MIN_BYTES)
    except OSError:
        return False


# --- frictionless's judgement of cells ------------------------------------------------------


class CellJudge:
    """Types and constraints of each cell, by the cell readers frictionless's rows use.

    A reader is a pure function of the cell's text (uniqueness is not among its
    constraints: keys are checked apart), so each distinct value of a column is judged
    once per chunk; dates, codes and enums repeat a lot.
    """

    def __init__(self, descriptor: dict[str, Any], fields: list[str]) -> None:
        schema = frictionless.Schema.from_descriptor(engine.without_keys(descriptor))
        self.readers = [
            (fields.index(f.name), f.name, f.create_cell_reader()) for f in schema.fields
        ]

    def errors(self, rows: list[list[str]]) -> list[engine.Error]:
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        found: list[engine.Error] = []
        for index, name, reader in self.readers:
            verdicts: dict[str, list[tuple[str, str]]] = {}
            for value in dict.fromkeys(columns[index]):
                _, notes = reader(value)
                if notes:
                    verdicts[value] = _kinds(notes)
            if not verdicts:
                continue
            for i, value in enumerate(columns[index]):
                for kind, note in verdicts.get(value, ()):
                    found.append(engine.Error(kind, note, i + 2, name, value))
        return found


def _kinds(notes: dict[str, str]) -> list[tuple[str, str]]:
    """A reader's notes as frictionless's row turns them into errors."""
    notes = dict(notes)
    type_note = notes.pop("type", None)
    out = [("type-error", type_note)] if type_note else []
    return out + [("constraint-error", note) for note in notes.values()]


# --- keys ------------------------------------------------------------------------------------


def key_hash(values: tuple[str, ...]) -> int:
    """64 bits per key: Python's string hash (stable within this process)."""
    return hash(values)


@dataclass
class KeySet:
    """The hashes of one key (a tuple of fields) over every row of a streamed table."""

    fields: tuple[str, ...]
    hashes: array[int] = field(default_factory=lambda: array("q"))
    sorted: np.ndarray[Any, np.dtype[np.int64]] | None = None

    def add(self, rows: list[list[str]], index: list[int]) -> None:
        if len(index) == 1:
            i = index[0]
            self.hashes.extend(hash((r[i],)) for r in rows)
        else:
            self.hashes.extend(hash(tuple(r[i] for i in index)) for r in rows)

    def seal(self) -> set[int]:
        """Sort the hashes (in place: no second copy) and return those seen twice."""
        values = np.frombuffer(self.hashes, dtype=np.int64)  # a view of the array's memory
        values.sort()
        self.sorted = values
        repeated = values[1:][values[1:] == values[:-1]]
        return {int(h) for h in np.unique(repeated[: engine.LIMIT_ERRORS])}

    def contains(self, keys: list[tuple[str, ...]]) -> list[bool]:
        assert self.sorted is not None
        if not len(self.sorted):
            return [False] * len(keys)
        probe = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        at = np.searchsorted(self.sorted, probe).clip(max=len(self.sorted) - 1)
        return [bool(b) for b in self.sorted[at] == probe]


def _lookup(table: TableData, fields: list[str]) -> set[tuple[str, ...]]:
    """A small target table's keys, as frictionless collects them (all-empty skipped)."""
    index = [table.fields.index(f) for f in fields]
    keys = {tuple(r[i] for i in index) for r in table.rows}
    keys.discard(tuple("" for _ in fields))
    return keys


# --- one streamed table ------------------------------------------------------------------------


@dataclass
class Streamed:
    """What streaming one table produced: its findings, counts, and its keys for others."""

    name: str
    head: TableData
    findings: list[Finding]
    rows: int
    left_out: int
    keys: dict[tuple[str, ...], KeySet]

    def stats(self) -> dict[str, Any]:
        return {
            "file": self.head.file,
            "rows": self.rows,
            "encoding": self.head.encoding,
            "streamed": True,
            "findings_left_out": self.left_out,
        }


class _Collector:
    """Findings of one table, kept up to the limit and counted beyond it."""

    def __init__(self) -> None:
        self.kept: list[Finding] = []
        self.counted: dict[tuple[str, str | None], Finding] = {}
        self.left_out = 0

    def add(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            if f.code in COUNTED:
                self._count(f)
            elif len(self.kept) < engine.LIMIT_ERRORS:
                self.kept.append(f)
            else:
                self.left_out += 1

    def _count(self, f: Finding) -> None:
        key = (f.code, f.field)
        first = self.counted.get(key)
        if first is None:
            self.counted[key] = f
            return
        count = int(first.params.get("count", 0)) + int(f.params.get("count", 0))
        self.counted[key] = Finding(
            first.code, first.table, first.row, first.field, first.file, first.column,
            {**first.params, "count": count},
        )  # fmt: skip

    def all(self) -> list[Finding]:
        return self.kept + list(self.counted.values())


def stream_one(
    path: Path,
    name: str,
    others: dict[str, TableData],
    streamed: dict[str, Streamed],
    commune_code: str | None,
    reference_codes: frozenset[str],
    referenced: Iterable[tuple[str, ...]] = (),
) -> Streamed:
    """Validate one large table against the small ``others`` and already ``streamed``."""
    schema = load(name)
    stream = stream_table(path, schema, CHUNK_ROWS)
    head = stream.head
    out = _Collector()
    out.add(head.findings)
    head.findings = []
    sound = head.structurally_valid
    folds, skip = _folds(name, checks.Context({}, commune_code, reference_codes, others))
    judge = CellJudge(schema.frictionless_descriptor(frozenset()), schema.field_names)
    pk = tuple(schema.primary_key)
    keys = {k: KeySet(k) for k in dict.fromkeys([pk, *referenced]) if k}
    index = {k: [schema.field_names.index(f) for f in k] for k in keys}
    outgoing = _outgoing(schema, others, streamed)
    rows = 0
    for chunk in stream.chunks:
        rows += len(chunk.rows)
        out.add(chunk.findings)
        if not sound:
            continue
        for key, keyset in keys.items():
            keyset.add(chunk.rows, index[key])
        errors = judge.errors(chunk.rows)
        errors += _empty_keys(chunk, pk)
        errors += _dangling(chunk, outgoing)
        translated = (translate(e, chunk, schema) for e in sorted(errors, key=_error_order))
        out.add(not_retold(translated, chunk.findings))
        ctx = checks.Context({name: chunk}, commune_code, reference_codes, others)
        out.add(f for f in checks.run_all(ctx, skip) if f.table == name)
        for fold in folds:
            fold.add(chunk)
    out.add(head.findings)  # an unreadable file found half-way
    for fold in folds:
        out.add(fold.findings())
    result = Streamed(name, head, [], rows, 0, keys)
    if sound and head.readable:
        repeated = keys[pk].seal() if pk in keys else set()
        for key, keyset in keys.items():
            if key != pk:
                keyset.seal()
        if repeated:
            out.add(_duplicates(path, schema, index[pk], repeated))
    result.findings, result.left_out = out.all(), out.left_out
    return result


def _error_order(error: engine.Error) -> tuple[int, str]:
    return (error.row_number or 0, error.field_name or "")


def _folds(name: str, ctx: checks.Context) -> tuple[list[checks.Fold], set[checks.CheckFn]]:
    """Folds for the checks that need this table whole; refuse if one has none."""
    folds: list[checks.Fold] = []
    skip: set[checks.CheckFn] = set()
    for fn in checks.registered():
        if name not in checks.WHOLE.get(fn, frozenset()):
            continue
        factory = checks.FOLDS.get((fn, name))
        if factory is None:
            raise UsageError(
                f"the table {name} is too large to be checked whole",
                key="too-large-to-check",
                table=name,
                limit=str(STREAM_MIN_BYTES // (1024 * 1024)),
            )
        folds.append(factory(ctx))
        skip.add(fn)
    return folds, skip


@dataclass(frozen=True)
class _Outgoing:
    fields: tuple[str, ...]
    index: list[int]
    target: str
    target_fields: tuple[str, ...]
    small: set[tuple[str, ...]] | None
    large: KeySet | None


def _outgoing(
    schema: TableSchema, others: dict[str, TableData], streamed: dict[str, Streamed]
) -> list[_Outgoing]:
    """This table's foreign keys into tables present here, with their target keys."""
    out = []
    for fk in schema.foreign_keys:
        target = fk["reference"].get("resource", "")
        fields = tuple(as_names(fk["fields"]))
        target_fields = tuple(as_names(fk["reference"]["fields"]))
        index = [schema.field_names.index(f) for f in fields]
        if target in others:
            keys = _lookup(others[target], list(target_fields))
            if keys:  # frictionless skips a foreign key into an empty table
                out.append(_Outgoing(fields, index, target, target_fields, keys, None))
        elif target in streamed and target_fields in streamed[target].keys:
            keyset = streamed[target].keys[target_fields]
            if keyset.sorted is not None and len(keyset.sorted):
                out.append(_Outgoing(fields, index, target, target_fields, None, keyset))
    return out


def _dangling(chunk: TableData, outgoing: list[_Outgoing]) -> list[engine.Error]:
    errors = []
    for fk in outgoing:
        values = [tuple(r[i] for i in fk.index) for r in chunk.rows]
        if fk.small is not None:
            known = [v in fk.small for v in values]
        else:
            assert fk.large is not None
            known = fk.large.contains(values)
        for i, (value, ok) in enumerate(zip(values, known, strict=True)):
            if ok or not any(value):
                continue
            note = (
                f'for "{", ".join(fk.fields)}": values "{", ".join(value)}" not found in the '
                f'lookup table "{fk.target}" as "{", ".join(fk.target_fields)}"'
            )
            errors.append(
                engine.Error(
                    "foreign-key", note, i + 2, None, "", fk.fields, tuple(value), fk.target
                )
            )
    return errors


def _empty_keys(chunk: TableData, pk: tuple[str, ...]) -> list[engine.Error]:
    if not pk:
        return []
    index = [chunk.fields.index(f) for f in pk]
    note = 'cells composing the primary keys are all "None"'
    return [
        engine.Error("primary-key", note, i + 2)
        for i, row in enumerate(chunk.rows)
        if not any(row[j] for j in index)
    ]


def _duplicates(
    path: Path, schema: TableSchema, index: list[int], repeated: set[int]
) -> Iterator[Finding]:
    """Second read: the rows whose key hash repeats, compared by their real values.

    Like frictionless, each repeat names the previous row with the same key.
    """
    last: dict[tuple[str, ...], int] = {}
    found: list[tuple[int, tuple[str, ...], int]] = []
    keys = [schema.field_names[i] for i in index]
    stream = stream_table(path, schema, CHUNK_ROWS, only=keys)
    for chunk in stream.chunks:
        for line, row in zip(chunk.row_numbers, chunk.rows, strict=True):
            key = tuple(row[i] for i in index)
            if not any(key) or hash(key) not in repeated:
                continue
            if key in last:
                found.append((line, key, last[key]))
            last[key] = line
    for line, key, other in found:
        yield Finding(
            "primary-key",
            schema.name,
            line,
            None,
            stream.head.file,
            None,
            {"note": f"the same as in the row at line {other}", "value": " / ".join(key),
             "other_row": other},
        )  # fmt: skip


# --- whole validations ---------------------------------------------------------------------------


def validate_table(path: Path, name: str) -> Report:
    """``infitah validate BIG.csv --table NAME``: the table on its own."""
    started = time.perf_counter()
    done = stream_one(path, name, {}, {}, None, commune_codes())
    return report_of(done.findings, {name: done.stats()}, started, path.name)


def validate_package(package: PackageData, started: float) -> Report:
    """A commune folder where some tables are streamed and the others were read."""
    small = package.tables
    present = frozenset(small) | frozenset(package.streamed)
    findings = package_findings(package, commune_codes())
    sound = {n: t for n, t in small.items() if t.structurally_valid}
    streamed: dict[str, Streamed] = {}
    for name in TABLES:
        if name in package.streamed:
            referenced = _referenced_keys(name, present)
            done = stream_one(
                package.streamed[name], name, sound, streamed, package.commune_code,
                commune_codes(), referenced,
            )  # fmt: skip
            streamed[name] = done
            findings.extend(done.findings)
    findings.extend(_into_streamed(sound, streamed))
    stats = {n: table_stats(t) for n, t in small.items()}
    stats.update({n: s.stats() for n, s in streamed.items()})
    name = str(package.descriptor.get("name") or package.path.name)
    return report_of(findings, stats, started, name)


def _referenced_keys(name: str, present: frozenset[str]) -> list[tuple[str, ...]]:
    """The keys of ``name`` that other tables here refer to."""
    keys = []
    for other in present - {name}:
        for fk in load(other).foreign_keys:
            if fk["reference"].get("resource") == name:
                keys.append(tuple(as_names(fk["reference"]["fields"])))
    return keys


def _into_streamed(small: dict[str, TableData], streamed: dict[str, Streamed]) -> list[Finding]:
    """Foreign keys from the small tables into the streamed ones (by key hash)."""
    findings: list[Finding] = []
    for name, table in small.items():
        schema = load(name)
        outgoing = [o for o in _outgoing(schema, {}, streamed) if o.large is not None]
        if outgoing:
            errors = _dangling(table, outgoing)
            findings.extend(translate(e, table, schema) for e in errors)
    return findings
