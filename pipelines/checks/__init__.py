"""Checks beyond Table Schema: one module per rule, each yielding findings.

A check receives the whole package (rules often span tables) and never does I/O;
validation runs every registered check after frictionless, only on tables whose
structure is sound, so a missing column is reported once rather than on every row.

A check module registers one function with ``@check`` and has it hand over to a plain
``rule(ctx)``: mutation testing (``make mutation``, mutmut) never mutates a decorated
function, so the rule itself stays undecorated.

A table too large to hold is validated in chunks (``streaming.py``): each check then
sees one chunk in ``tables`` and the other tables through ``table()``. That is right
for a rule about each row; a rule that needs a table whole says so (``whole=``) and
either gives a fold that gathers what it needs chunk by chunk, or cannot stream it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import importlib
import itertools
import pkgutil
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from .. import dates
from ..findings import Finding, Severity, declare
from ..reading import TableData
from ..schemas import TableSchema, load


@dataclass
class Context:
    """What a check may look at."""

    tables: dict[str, TableData]
    commune_code: str | None = None
    reference_codes: frozenset[str] = field(default_factory=frozenset)
    # Tables a check may look things up in without reporting on them (streaming).
    others: dict[str, TableData] = field(default_factory=dict)

    def table(self, name: str) -> TableData | None:
        return self.tables.get(name) or self.others.get(name)

    def schema(self, name: str) -> TableSchema:
        return load(name)


CheckFn = Callable[[Context], Iterable[Finding]]
REGISTRY: dict[str, CheckFn] = {}


class Fold(Protocol):
    """A check's rule over a table seen chunk by chunk: ``add`` each chunk, then ask."""

    def add(self, chunk: TableData) -> None: ...

    def findings(self) -> Iterable[Finding]: ...


FoldFactory = Callable[[Context], Fold]
# Tables a check needs whole (not chunk by chunk), and the folds that stand in for it.
WHOLE: dict[CheckFn, frozenset[str]] = {}
FOLDS: dict[tuple[CheckFn, str], FoldFactory] = {}


def check(
    code: str,
    severity: Severity,
    *words: Any,
    whole: Iterable[str] = (),
    folds: Mapping[str, FoldFactory] | None = None,
    **more_words: Any,
) -> Callable[[CheckFn], CheckFn]:
    """Register a check under a finding code it may emit, with that code's severity and
    words: title, message and hint as English message ids (``findings.declare``), so a
    check cannot exist without them. A check that emits several codes stacks one
    ``@check`` per code."""
    declare(code, severity, *words, **more_words)

    def register(fn: CheckFn) -> CheckFn:
        REGISTRY[code] = fn
        WHOLE[fn] = WHOLE.get(fn, frozenset()) | frozenset(whole)
        for table, factory in (folds or {}).items():
            FOLDS[fn, table] = factory
        return fn

    return register


@lru_cache(maxsize=1)
def _discovered() -> tuple[str, ...]:
    """Import every module of this package: importing a check registers it, so a new
    check is a new file, never a line in a list."""
    names = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names


def registered() -> list[CheckFn]:
    _discovered()
    return list(dict.fromkeys(REGISTRY.values()))


def run_all(ctx: Context, skip: Collection[CheckFn] = ()) -> list[Finding]:
    findings: list[Finding] = []
    for fn in registered():
        if fn not in skip:
            findings.extend(fn(ctx))
    return findings


@lru_cache(maxsize=4096)
def parse_date(value: str) -> dt.date | None:
    """The first day a date means (a day, or a month, quarter, semester or year written
    as ``dates.py`` keeps it), or None: a malformed date is reported elsewhere."""
    return dates.first_day(value)


def last_date(value: str) -> dt.date | None:
    """The last day a date means: ``2022-09`` is due by 30 September."""
    return dates.last_day(value)


def rows_of(table: TableData, *names: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(row index, values of the named fields) for every row (zipped columns: no Python
    step per row, which matters on tables of millions of rows)."""
    return enumerate(zip(*(table.column(n) for n in names), strict=True))


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
