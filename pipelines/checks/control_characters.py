"""Control characters have no place in published text (ESC, BEL, NUL...).

They are invisible in a spreadsheet, break Excel's files (a workbook cannot hold
them), and an ESC starts a terminal escape sequence in the screen of whoever prints the
CSV. Bidi marks and no-break spaces are removed while reading; these are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check, scan

# C0 controls but tab, line feed and carriage return, and DEL. (U+001F is left out:
# reading removes it, and ``scan`` joins cells with it.) C1 controls (U+0080-U+009F)
# are what UTF-8 read as Latin-1 is full of: the Arabic-script and encoding checks name
# that mistake better, and the egress guard refuses any C1 left at publication.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1e\x7f]")


@check("control-character", "error", N_("Control character"),
       N_('The text in "{field_title}" holds an invisible control character ({char}).'),
       N_("Retype the text, or paste it as plain text (without formatting)."))  # fmt: skip
def control_characters(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        found = []
        for order, field_name in enumerate(ctx.schema(name).text_fields):
            values = table.column(field_name)
            for index in scan(values, CONTROL):
                first = CONTROL.search(values[index])
                char = f"U+{ord(first.group()):04X}" if first else ""
                found.append((index, order, field_name, char))
        for index, _, field_name, char in sorted(found):
            yield at(table, index, field_name, "control-character", char=char)
