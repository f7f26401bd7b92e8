"""Text that Excel would run as a formula (CSV injection, OWASP ASVS 1.2.10).

Journalists open our CSVs in Excel; a cell starting with = + - @, a tab or a carriage
return may execute there. Only text fields are concerned: a negative number in a
numeric field is data, not a formula; and a list bullet ("- Publier ...") is text
(``pipelines/formulas.py`` says which is which).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..formulas import is_formula
from ..i18n import N_
from . import Context, at, check

TRIGGERS = {"=": "=", "+": "+", "-": "-", "@": "@", "\t": "⇥ (tab)", "\r": "↵ (CR)"}


def is_formula_like(value: str) -> bool:
    return is_formula(value)


@check("formula-injection", "error", N_("Formula-like text"),
       N_('The text in "{field_title}" starts with "{symbol}", which Excel may run as a formula.'),
       N_("Remove the symbol from the start of the text, or reword it. A list item is fine "
          'as a dash, a space, then the text: "- Publier".'))  # fmt: skip
def formula_injection(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        found = []
        for order, field_name in enumerate(ctx.schema(name).text_fields):
            values = table.column(field_name)
            for index, value in enumerate(values):
                if is_formula(value):
                    found.append((index, order, field_name, TRIGGERS[value[0]]))
        for index, _, field_name, symbol in sorted(found):
            yield at(table, index, field_name, "formula-injection", symbol=symbol)
