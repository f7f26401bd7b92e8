"""A commitment is complete only when its milestones are (cancelled ones aside)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..findings import Finding
from . import Context, at, check, rows_of

DONE = frozenset({"complete", "cancelled"})


@check("complete-with-open-milestones")
def complete_with_open_milestones(ctx: Context) -> Iterator[Finding]:
    commitments, milestones = ctx.table("commitments"), ctx.table("milestones")
    if commitments is None or milestones is None:
        return
    open_: dict[str, list[str]] = defaultdict(list)
    for _, (milestone, commitment, status) in rows_of(
        milestones, "milestone_id", "commitment_id", "status"
    ):
        if status not in DONE:
            open_[commitment].append(milestone)
    for i, (commitment, completion) in rows_of(commitments, "commitment_id", "completion"):
        pending = open_.get(commitment)
        if completion == "complete" and pending:
            yield at(
                commitments, i, "completion", "complete-with-open-milestones",
                value=commitment, count=len(pending), milestones=", ".join(pending[:10]),
            )  # fmt: skip
