"""Numbers as a reader types and compares them: ``12``, ``-3``, ``0.5``.

Frictionless reads numbers with Python, which also takes ``Infinity``, ``NaN``,
``1e3``, ``1_000_000``, ``+5`` and ``05``; they were published as typed, and a count
of ``1e3`` or ``Infinity`` participants means nothing to a journalist's spreadsheet.
Such a value is an error with the plain form to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check

# "-0" matches these but is no plain number either: it is caught on its own.
CANONICAL = {
    "integer": re.compile(r"-?(?:0|[1-9][0-9]*)"),
    "number": re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"),
}
# What Python's int() and float() take beyond those: infinities, NaN, exponents,
# underscores, a leading + or zeros. Anything else is a type error frictionless reports.
PYTHONIC = re.compile(r"[+-]?(?:inf(?:inity)?|nan|[0-9_]+(?:\.[0-9_]*)?(?:e[+-]?[0-9]+)?)", re.I)


def unusual(value: str, plain: re.Pattern[str]) -> bool:
    """A number Python reads but a reader would not write (``-0`` included)."""
    negative_zero = value.startswith("-0") and not value.startswith("-0.")
    return negative_zero or (not plain.fullmatch(value) and bool(PYTHONIC.fullmatch(value)))


@check("non-canonical-number", "error", N_("Number in an unusual form"),
       N_('"{value}" in "{field_title}" is not written as a plain number.'),
       N_("Write the number with digits only, a minus sign if needed, and a dot for "
          "decimals: 1000, -3, 0.5 (not 1e3, 1_000, +5, 05 or Infinity)."))  # fmt: skip
def non_canonical_number(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        found = []
        for order, field in enumerate(ctx.schema(name).fields):
            plain = CANONICAL.get(str(field.get("type")))  # "None": a string, not said
            if plain is None:
                continue
            for index, value in enumerate(table.column(field["name"])):
                if value and unusual(value, plain):
                    found.append((index, order, field["name"], value))
        for index, _, field_name, value in sorted(found):
            yield at(table, index, field_name, "non-canonical-number", value=value[:40])
