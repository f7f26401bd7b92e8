"""Checks beyond Table Schema: one module per rule, each yielding findings.

A check receives the whole package (rules often span tables) and never does I/O;
validation runs every registered check after frictionless, only on tables whose
structure is sound, so a missing column is reported once rather than on every row.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..findings import Finding
from ..reading import TableData
from ..schemas import TableSchema, load


@dataclass
class Context:
    """What a check may look at."""

    tables: dict[str, TableData]
    commune_code: str | None = None
    reference_codes: frozenset[str] = field(default_factory=frozenset)

    def table(self, name: str) -> TableData | None:
        return self.tables.get(name)

    def schema(self, name: str) -> TableSchema:
        return load(name)


CheckFn = Callable[[Context], Iterable[Finding]]
REGISTRY: dict[str, CheckFn] = {}


def check(*codes: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check under the finding codes it may emit."""

    def register(fn: CheckFn) -> CheckFn:
        for code in codes:
            REGISTRY[code] = fn
        return fn

    return register


def run_all(ctx: Context) -> list[Finding]:
    from . import (  # noqa: F401  (importing registers the checks)
        arabic_script,
        commune_reference,
        completion,
        date_order,
        formula_injection,
        milestone_cycle,
        personal_data,
        translations,
    )

    findings: list[Finding] = []
    for fn in dict.fromkeys(REGISTRY.values()):
        findings.extend(fn(ctx))
    return findings


def parse_date(value: str) -> dt.date | None:
    """ISO date or None: a malformed date is frictionless's type-error, not ours."""
    if len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def rows_of(table: TableData, *names: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(row index, values of the named fields) for every row."""
    idx = [table.fields.index(n) for n in names]
    for i, row in enumerate(table.rows):
        yield i, tuple(row[j] for j in idx)


SEP = "\x1f"


def scan(
    values: list[str], pattern: re.Pattern[str], not_after: Callable[[str], bool] | None = None
) -> list[int]:
    """Indexes of the cells where ``pattern`` matches, in one regex pass over the column.

    Cells are joined with a separator that reading removed from the text, so a pattern
    that cannot match the separator cannot straddle two cells. Patterns should start
    with a literal or a character class so ``re`` can skip ahead fast; a boundary that
    would need a lookbehind is checked by ``not_after`` on the preceding character.
    """
    joined = SEP.join(values)
    matches = [
        m.start()
        for m in pattern.finditer(joined)
        if not (not_after and m.start() and not_after(joined[m.start() - 1]))
    ]
    if not matches:
        return []
    starts = list(itertools.accumulate((len(v) + 1 for v in values[:-1]), initial=0))
    return sorted({bisect.bisect_right(starts, position) - 1 for position in matches})


def at(
    table: TableData, index: int, field_name: str | None, code: str, **params: object
) -> Finding:
    loc = table.locate(index, field_name)
    return Finding(code, loc["table"], loc["row"], loc["field"], loc["file"], loc["column"], params)
