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
            # English (OGP's own language) stands in for the other side when only it
            # is there: "add the Arabic title" is what a steward importing it must do.
            en = ar[:-3] + "_en" if ar[:-3] + "_en" in names else None
            for empty, filled in ((ar, fr), (fr, ar)):
                rows = [i for i, (e, f) in rows_of(table, empty, filled) if f and not e]
                if en and not rows:
                    filled = en
                    rows = [i for i, (e, f) in rows_of(table, empty, en) if f and not e]
                if rows:
                    yield at(table, rows[0], empty, "missing-translation",
                             count=len(rows), other_field=filled)  # fmt: skip
