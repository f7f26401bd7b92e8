"""Bilingual fields filled on one side only: a warning, once per column."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_, Np_
from . import Context, at, check, rows_of


@check("missing-translation", "warning", N_("Missing translation"),
       Np_('"{field_title}" is empty in {count} row where "{other_title}" is filled.',
           '"{field_title}" is empty in {count} rows where "{other_title}" is filled.'),
       N_("Add the translation so that everyone can read the data."))  # fmt: skip
def missing_translation(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        schema = ctx.schema(name)
        names = set(schema.field_names)
        for ar, fr in schema.translation_pairs:
            # English (OGP's own language) counts as a filled side: a row with only the
            # English title lacks both the Arabic and the French one.
            en = ar[:-3] + "_en" if ar[:-3] + "_en" in names else None
            for empty, other in ((ar, fr), (fr, ar)):
                rows = [
                    (i, bool(o))
                    for i, (e, o, n) in rows_of(table, empty, other, en or other)
                    if not e and (o or n)
                ]
                if rows:
                    first, by_other = rows[0]
                    yield at(table, first, empty, "missing-translation", count=len(rows),
                             other_field=other if by_other or en is None else en)  # fmt: skip
