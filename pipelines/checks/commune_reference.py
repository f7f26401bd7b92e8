"""Every row names a real member (a commune, province, region or MA), and the member
whose folder it is in."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from ..schemas import COMMUNE_FIELD
from . import Context, at, check, rows_of


@check("unknown-commune", "error", N_("Unknown member code"),
       N_('The code "{value}" is not in the reference list of territorial collectivities.'),
       N_("Copy your code from datasets/reference/communes.csv (a commune) or "
          "collectivities.csv (a province, prefecture or region; MA for the national "
          "level){folder_code}."),
       words={"folder_code": {"*": N_(" (this folder's code: {folder_code})")}},
       whole=("action_plans",))  # fmt: skip
@check("commune-mismatch", "error", N_("Different commune"),
       N_('The row is about commune "{value}" but the folder belongs to "{expected}".'),
       N_("Correct the code, or move the row to its own commune's folder."))  # fmt: skip
def commune_reference(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    expected = ctx.commune_code or _first_plan_code(ctx)
    folder_code = expected if expected in ctx.reference_codes else ""
    for name, table in ctx.tables.items():
        if COMMUNE_FIELD not in table.fields:
            continue
        # A code that is not even shaped like one is already frictionless's
        # constraint-error: one problem, one finding.
        pattern = ctx.schema(name).field(COMMUNE_FIELD).get("constraints", {}).get("pattern")
        shaped = re.compile(pattern).fullmatch if pattern else bool
        for i, (code,) in rows_of(table, COMMUNE_FIELD):
            if not code or not shaped(code):
                continue
            if code not in ctx.reference_codes:
                yield at(table, i, COMMUNE_FIELD, "unknown-commune", value=code,
                         folder_code=folder_code)  # fmt: skip
            elif expected and code != expected:
                yield at(table, i, COMMUNE_FIELD, "commune-mismatch", value=code,
                         expected=expected)  # fmt: skip


def _first_plan_code(ctx: Context) -> str | None:
    plans = ctx.table("action_plans")
    if plans is None or not plans.rows:
        return None
    return plans.column(COMMUNE_FIELD)[0] or None
