"""Fields meant for Arabic must contain Arabic letters.

This is the guard against mis-decoded files: Windows-1256 text read as cp1252 (what
frictionless's detector does when the first Arabic comes late) turns Arabic into
Latin gibberish such as "ÇáÈíÆÉ", which no type check would notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check

ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
LETTER = re.compile(r"[^\W\d_]")


@check("not-arabic-script", "error", N_("Arabic text expected"),
       N_('The column "{field_title}" expects Arabic text, but "{value}" has no Arabic letters.'),
       N_("If you see odd symbols, the file was saved with the wrong encoding: save it as "
          "CSV UTF-8. Otherwise write the text in Arabic."))  # fmt: skip
def not_arabic_script(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        for f in ctx.schema(name).arabic_fields:
            j = table.fields.index(f)
            for i, row in enumerate(table.rows):
                value = row[j]
                if value and LETTER.search(value) and not ARABIC.search(value):
                    yield at(table, i, f, "not-arabic-script", value=value[:40])
