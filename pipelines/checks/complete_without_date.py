"""A milestone marked complete without the day it was completed.

Real progress reports often say "done" without a date. That is worth a note, not a
refusal; the indicators count such a milestone as done, date unknown, never as late.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check, rows_of


@check("complete-without-date", "warning", N_("Completed, but when?"),
       N_('The milestone is marked complete but "{field_title}" is empty.'),
       N_("Add the day it was completed; until then it counts as done, date unknown "
          "(never as late)."))  # fmt: skip
def complete_without_date(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    milestones = ctx.tables.get("milestones")
    if milestones is None:
        return
    for index, (status, day) in rows_of(milestones, "status", "completed_on"):
        if status == "complete" and not day.strip():
            yield at(milestones, index, "completed_on", "complete-without-date")
