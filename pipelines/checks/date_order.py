"""An end date before its start date is a typo (often day and month swapped).

Dates of reduced precision are intervals: ``2024`` then ``2024-03`` is in order, since
the year may mean its first months; only an end wholly before the start is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check, last_date, parse_date, rows_of


@check("date-order", "error", N_("Dates out of order"),
       N_('"{field_title}" ({value}) is before "{other_title}" ({other_value}).'),
       N_("Check both dates; day and month may have been swapped."))  # fmt: skip
def date_order(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        schema = ctx.schema(name)
        for start, end in schema.date_order:
            for i, (a, b) in rows_of(table, start, end):
                first, last = parse_date(a), last_date(b)
                if first and last and last < first:
                    yield at(
                        table, i, end, "date-order",
                        value=b, other_value=a, other_field=start,
                    )  # fmt: skip
