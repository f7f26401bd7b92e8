"""A commitment is complete only when its milestones are (cancelled ones aside).

The rule judges the member's own account: ``implementation_status`` "done", or a
``completion`` of "complete" that the member assessed itself (or did not say who did,
as files from before ``assessed_by`` existed). An IRM or civil-society rating is another
party's reading of the commitment, recorded as given even without milestone detail.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_, Np_
from ..reading import TableData
from . import Context, at, check, rows_of

DONE = frozenset({"complete", "cancelled"})
SHOWN = 10
EXTERNAL = frozenset({"irm", "civil_society"})


def claims_complete(status: str, completion: str, assessed_by: str) -> bool:
    """Whether the member itself says the commitment is complete."""
    return status == "done" or (completion == "complete" and assessed_by not in EXTERNAL)


def _own_claims(table: TableData) -> Iterator[tuple[int, str, str]]:
    """(row, commitment, the field that says it) for each commitment claimed complete."""
    for i, (commitment, status, completion, by) in rows_of(
        table, "commitment_id", "implementation_status", "completion", "assessed_by"
    ):
        if claims_complete(status, completion, by):
            yield i, commitment, "implementation_status" if status == "done" else "completion"


class OpenMilestones:
    """Open milestones of the commitments marked complete, gathered milestone chunk by
    chunk: only those commitments are tracked, so a huge milestones table costs little."""

    def __init__(self, ctx: Context) -> None:
        self.commitments = ctx.table("commitments")
        self.complete = (
            {c for _, c, _ in _own_claims(self.commitments)}
            if self.commitments is not None else set()
        )  # fmt: skip
        self.shown: dict[str, list[str]] = defaultdict(list)
        self.count: Counter[str] = Counter()

    def add(self, milestones: TableData) -> None:
        if not self.complete:
            return
        for _, (milestone, commitment, status) in rows_of(
            milestones, "milestone_id", "commitment_id", "status"
        ):
            if status not in DONE and commitment in self.complete:
                self.count[commitment] += 1
                if len(self.shown[commitment]) < SHOWN:
                    self.shown[commitment].append(milestone)

    def findings(self) -> Iterator[Finding]:
        if self.commitments is None:
            return
        for i, commitment, where in _own_claims(self.commitments):
            if self.count[commitment]:
                yield at(
                    self.commitments, i, where, "complete-with-open-milestones",
                    value=commitment, count=self.count[commitment],
                    milestones=", ".join(self.shown[commitment]),
                )  # fmt: skip


@check("complete-with-open-milestones", "error", N_("Complete too early"),
       Np_('Commitment "{value}" is marked complete, but {count} of its milestones is not: '
           "{milestones}.",
           'Commitment "{value}" is marked complete, but {count} of its milestones are not: '
           "{milestones}."),
       N_("Mark those milestones complete, or change the commitment's status."),
       whole=("milestones",),
       folds={"milestones": OpenMilestones})  # fmt: skip
def complete_with_open_milestones(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    milestones = ctx.table("milestones")
    if ctx.table("commitments") is None or milestones is None:
        return
    fold = OpenMilestones(ctx)
    fold.add(milestones)
    yield from fold.findings()
