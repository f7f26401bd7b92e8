"""A milestone dated outside its programme's cycle cannot be delivered by that programme.

Dates are intervals (``2026`` overlaps a cycle ending in April 2026): only a date none
of whose days is in the cycle is outside it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check, last_date, parse_date, rows_of


@check("milestone-outside-cycle", "error", N_("Milestone outside the cycle"),
       N_('The date "{field_title}" ({value}) is outside the programme\'s cycle '
          "({cycle_start} – {cycle_end})."),
       N_("Correct the date, or adjust the cycle in the action_plans table."),
       whole=("action_plans", "commitments"))  # fmt: skip
def milestone_outside_cycle(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    plans, commitments, milestones = (
        ctx.table("action_plans"),
        ctx.table("commitments"),
        ctx.table("milestones"),
    )
    if plans is None or commitments is None or milestones is None:
        return
    cycles = {
        plan: (parse_date(start), last_date(end))
        for _, (plan, start, end) in rows_of(plans, "plan_id", "cycle_start", "cycle_end")
    }
    plan_of = {c: p for _, (c, p) in rows_of(commitments, "commitment_id", "plan_id")}
    for field_name in ("start_date", "due_date", "completed_on"):
        for i, (commitment, value) in rows_of(milestones, "commitment_id", field_name):
            start, end = cycles.get(plan_of.get(commitment, ""), (None, None))
            first, last = parse_date(value), last_date(value)
            # A reduced date is outside only when none of its interval is inside.
            if first and last and start and end and (last < start or first > end):
                yield at(
                    milestones, i, field_name, "milestone-outside-cycle",
                    value=value, cycle_start=start.isoformat(), cycle_end=end.isoformat(),
                )  # fmt: skip
