"""A date field that holds something that is no date at all.

Fields that keep a date at its source's precision are text to frictionless (a month is
not a day); this check holds them to the forms ``dates.py`` knows, and says them. A
numeric date that reads two ways was reported when it was read (``ambiguous-date``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import dates
from ..findings import Finding
from ..i18n import N_
from . import Context, at, check


@check("invalid-date", "error", N_("Not a date"),
       N_('"{value}" in "{field_title}" is not a date Infitah can read.'),
       N_("Write 2024-04-15, or as precisely as known: 2024-04 (a month), 2024-Q2 "
          "(a quarter), 2024-S1 (a semester) or 2024 (a year)."))  # fmt: skip
def invalid_date(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        for field_name in ctx.schema(name).reduced_dates:
            for index, value in enumerate(table.column(field_name)):
                if (
                    value
                    and dates.interval(value) is None
                    and not dates.read(value, True).ambiguous
                ):
                    yield at(table, index, field_name, "invalid-date", value=value[:40])
