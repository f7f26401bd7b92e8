"""Bilingual fields filled on one side only: a warning, once per column."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context, at, check, rows_of


@check("missing-translation")
def missing_translation(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        schema = ctx.schema(name)
        titles = {lang: schema.field_titles(lang) for lang in ("ar", "fr", "en")}
        for ar, fr in schema.translation_pairs:
            for empty, filled in ((ar, fr), (fr, ar)):
                rows = [i for i, (e, f) in rows_of(table, empty, filled) if f and not e]
                if rows:
                    other = {lang: titles[lang][filled] for lang in titles}
                    yield at(table, rows[0], empty, "missing-translation",
                             count=len(rows), other_title=other)  # fmt: skip
