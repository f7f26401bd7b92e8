"""Keys judged with pandas: a member's tables, and the network's across the whole union.

An aggregation joins every member's rows; the cells of most of them were judged when
their member was published, so only the keys need the whole union: primary keys and
unique fields repeated across members, foreign keys whose target row is missing.
Frictionless judges them row by row in Python (a Row object per row, its cells cast
one by one): 1.5 s of a 200-member network's aggregation, growing with the network.
A member's small tables have the opposite cost: frictionless opens each table once
more for its keys and once per lookup, and each open copies every field twice through
its metadata validation (``gathering.sound_findings``).
Here each key is a column of strings, duplicates are found by grouping and foreign keys
by a set, and the errors are frictionless's own: the same type, row, note and cells,
in the same order (``tests/test_union_keys.py`` compares both on random unions).

Only keys made of plain strings are judged here (no type to cast, no format, ``""``
the only missing value: what the network's schemas declare); a table with any other
key is left to frictionless (``judged_here``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from .engine import LIMIT_ERRORS, Error, Job, key_fields
from .schemas import as_names

EMPTY_KEY = 'cells composing the primary keys are all "None"'
REPEATED = "the same as in the row at position {row}"
FIRST_ROW = 2  # frictionless counts the header as row 1


def judged_here(jobs: list[Job], names: Collection[str]) -> bool:
    """Whether this module judges the keys of the tables ``names`` exactly as
    frictionless would: every key field present and a plain string, every foreign key
    into one of them, its referenced fields plain strings kept by the keys' projection
    (``engine._keys_only``); and no other table's foreign key points into them (it
    would need them in frictionless's package). All or none: the rest is left whole to
    frictionless."""
    by_name = {j.name: j for j in jobs}
    for job in jobs:
        for fk in job.schema.get("foreignKeys", []):
            target = by_name.get(fk["reference"].get("resource") or job.name)
            if job.name not in names:
                if target is None or target.name in names:
                    return False
                continue
            referenced = as_names(fk["reference"]["fields"])
            if target is None or target.name not in names or not _plain(target, referenced):
                return False
            if not set(referenced) <= set(key_fields(target.schema)):
                return False
    return all(n in by_name and _plain(by_name[n], key_fields(by_name[n].schema)) for n in names)


def key_errors(jobs: list[Job], names: Collection[str]) -> dict[str, list[Error]]:
    """Frictionless's key errors (unique, primary key, foreign key) of the tables
    ``names``, each table's in row order (in a row: unique, primary key, foreign keys,
    as frictionless appends them)."""
    by_name = {j.name: j for j in jobs}
    lookups: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]] = {}
    out: dict[str, list[Error]] = {}
    for name in sorted(names):
        job = by_name[name]
        found = [(e, 0) for e in _unique(job)] + [(e, 1) for e in _primary(job)]
        found += [(e, 2) for e in _foreign(job, by_name, lookups)]
        found.sort(key=lambda item: (item[0].row_number or 0, item[1]))  # stable
        # Frictionless stops a table at this many errors (none other than keys here).
        out[name] = [error for error, _ in found][:LIMIT_ERRORS]
    return out


def _unique(job: Job) -> list[Error]:
    """Field by field, in schema order (``key_errors`` then sorts by row, stably)."""
    out: list[Error] = []
    unique = [f["name"] for f in job.schema["fields"] if f.get("constraints", {}).get("unique")]
    for field in unique:
        column = _column(job, field)
        filled = np.array([value != "" for value in column], dtype=bool)
        for row, previous in _repeats(pd.DataFrame({"k": column}), filled):
            value = column[row - FIRST_ROW]
            note = REPEATED.format(row=previous)
            out.append(Error("unique-error", note, row, field, value))
    return out


def _primary(job: Job) -> list[Error]:
    pk = as_names(job.schema.get("primaryKey") or [])
    if not pk:
        return []
    frame = pd.DataFrame({f: _column(job, f) for f in pk})
    filled = (frame != "").any(axis=1).to_numpy()
    out = [Error("primary-key", EMPTY_KEY, int(i) + FIRST_ROW) for i in (~filled).nonzero()[0]]
    out += [
        Error("primary-key", REPEATED.format(row=previous), row)
        for row, previous in _repeats(frame, filled)
    ]
    return out


def _foreign(
    job: Job,
    by_name: Mapping[str, Job],
    lookups: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]],
) -> list[Error]:
    out: list[Error] = []
    for fk in job.schema.get("foreignKeys", []):
        fields = as_names(fk["fields"])
        target = fk["reference"].get("resource") or job.name
        referenced = tuple(as_names(fk["reference"]["fields"]))
        lookup = lookups.get((target, referenced))
        if lookup is None:
            lookup = lookups[(target, referenced)] = _lookup(by_name[target], referenced)
        columns = [_column(job, f) for f in fields]
        for i, cells in enumerate(zip(*columns, strict=True)):
            if not any(cells) or cells in lookup:
                continue
            shown = [c if c else "None" for c in cells]
            note = (
                f'for "{", ".join(fields)}": values "{", ".join(shown)}" not found in the '
                f'lookup table "{target}" as "{", ".join(referenced)}"'
            )
            out.append(
                Error(
                    "foreign-key",
                    note,
                    i + FIRST_ROW,
                    field_names=tuple(fields),
                    field_cells=tuple(cells),
                    reference_name=target,
                )
            )
    return out


def _lookup(target: Job, referenced: tuple[str, ...]) -> set[tuple[str, ...]]:
    columns = [_column(target, f) for f in referenced]
    return {cells for cells in zip(*columns, strict=True) if any(cells)}


def _repeats(frame: pd.DataFrame, keep: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(row, the previous row with the same values) for each repeat among the rows
    ``keep`` marks, in row order: what frictionless's memory of keys reports."""
    kept = frame[keep]
    repeated = kept.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return []
    rows = pd.Series(np.flatnonzero(keep) + FIRST_ROW, index=kept.index)
    previous = rows.groupby([kept[c] for c in kept.columns], sort=False).shift(1)
    return [
        (int(row), int(before))
        for row, before in zip(rows[repeated], previous[repeated], strict=True)
    ]


def _column(job: Job, field: str) -> list[str]:
    index = job.fields.index(field)
    return [row[index] if index < len(row) else "" for row in job.rows]


def _plain(job: Job, fields: set[str] | list[str]) -> bool:
    """Fields present, typed string without a format, with ``""`` as the only missing
    value: their cells are the strings frictionless would compare."""
    if job.schema.get("missingValues", [""]) != [""]:
        return False
    declared = {f["name"]: f for f in job.schema["fields"]}
    for name in fields:
        field = declared.get(name)
        if field is None or name not in job.fields:
            return False
        if field.get("type", "string") != "string" or field.get("format", "default") != "default":
            return False
    return True
