"""An IRM-scale rating without who gave it.

Before ``assessed_by`` existed, ``completion`` held whatever a steward knew: often the
commune's own view, sometimes the IRM's. Readers comparing members must know which, so
a rating without its assessor is a warning (once per column) that says how to migrate:
the member's own status goes to ``implementation_status``; a rating stays with its
assessor named.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_, Np_
from . import Context, at, check, rows_of

RATINGS = (
    "irm_verifiable",
    "irm_potential_impact",
    "irm_potential_for_results",
    "irm_completion_midterm",
    "completion",
    "irm_early_results",
    "did_it_open_government",
)


@check("assessor-missing", "warning", N_("Who assessed it?"),
       Np_('"{field_title}" is filled in {count} row without saying who assessed it.',
           '"{field_title}" is filled in {count} rows without saying who assessed it.'),
       N_("Fill \"assessed_by\" (self_assessment, irm or civil_society). If this is "
          "the member's own view of progress, put it in \"implementation_status\" "
          "instead."))  # fmt: skip
def assessor_missing(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    table = ctx.tables.get("commitments")
    if table is None:
        return
    for name in RATINGS:
        pairs = rows_of(table, name, "assessed_by")
        rows = [i for i, (value, by) in pairs if value and not by]
        if rows:
            yield at(table, rows[0], name, "assessor-missing", count=len(rows))
