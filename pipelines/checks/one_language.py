"""A title (or a description) in at least one language: Arabic or French.

Requiring the Arabic title everywhere made stewards invent Arabic for sources that have
none (a national plan published in French only). The schema names the groups
(``x-required-one-of``); a row with every field of a group empty is an error at the
first of them, and one filled without the other is the ``missing-translation`` warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check, rows_of


@check("missing-both-languages", "error", N_("Missing in both languages"),
       N_('"{field_title}" and "{other_title}" are both empty: give at least one of them.'),
       N_("Write it in Arabic or in French (both, if you can)."))  # fmt: skip
def missing_both_languages(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        for group in ctx.schema(name).required_one_of:
            for index, values in rows_of(table, *group):
                if not any(v.strip() for v in values):
                    yield at(table, index, group[0], "missing-both-languages",
                             other_field=group[1])  # fmt: skip
