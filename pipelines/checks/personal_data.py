"""Personal data must never reach an open portal (Law 09-08 on personal data).

Programme data is about units and groups; a phone number, an e-mail address, a
national identity card number or a bank account in a published text is a leak, whoever
typed it and however (``pii.py`` undoes the usual disguises, in linear time).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from ..pii import KINDS, SUSPECT, kind_of
from . import Context, at, check, scan


def kinds_in(values: list[str]) -> dict[int, str]:
    """Cell index -> the first kind of personal data found in it (``pii.kind_of``): one
    regex pass over the column picks the cells worth a look, so the many texts with no
    number and no @ cost nothing more."""
    found = {}
    for index in scan(values, SUSPECT):
        kind = kind_of(values[index])
        if kind:
            found[index] = kind
    return found


@check("personal-data", "error", N_("Personal data"),
       N_('"{field_title}" seems to contain {kind}; it must not be published (Law 09-08).'),
       N_("Remove it; name the unit or role instead of the person."),
       words={"kind": KINDS})  # fmt: skip
def personal_data(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        found: list[tuple[int, int, str, str]] = []
        for order, field_name in enumerate(ctx.schema(name).free_text_fields):
            for index, kind in kinds_in(table.column(field_name)).items():
                found.append((index, order, field_name, kind))
        for index, _, field_name, kind in sorted(found):
            yield at(table, index, field_name, "personal-data", kind=kind)
