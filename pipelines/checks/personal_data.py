"""Personal data must never reach an open portal (Law 09-08 on personal data).

Programme data is about units and groups; a phone number, an e-mail address or a
national identity card number in a published text is a leak, whoever typed it.
Digits are matched after turning Eastern Arabic digits into 0-9, since a number
written ٠٦١٢٣٤٥٦٧٨ is as personal as 0612345678.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check, scan

# Moroccan numbers: 0 or +212/00212, then 5-8 (fixed 5, mobile 6-7, 8 VoIP), 8 more digits,
# with optional separators. Not preceded by a digit (checked by scan: a leading
# lookbehind would make the regex engine try every position).
PHONE = re.compile(r"(?:\+\s?212|00\s?212|0)[\s.-]?(?:\(0\))?[5-8](?:[ .-]?\d){8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# Carte nationale d'identité électronique: one or two letters, then 5 or 6 digits.
CIN = re.compile(r"[A-Z]{1,2}\d{5,6}(?![A-Za-z0-9])")
EASTERN = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
# One character for one character, so positions in the text stay where they were.
WESTERN = str.maketrans(
    "".join(map(chr, [*range(0x660, 0x66A), *range(0x6F0, 0x6FA)])), "0123456789" * 2
)


# What ``kind`` says, in the reader's language.
KINDS = {
    "email": N_("an e-mail address"),
    "phone": N_("a phone number"),
    "national-id": N_("a national ID card number"),
}


def kinds_in(values: list[str]) -> dict[int, str]:
    """Cell index -> the first kind of personal data found in it (e-mail, phone, ID)."""
    found: dict[int, str] = {}
    for index, value in enumerate(values):
        if "@" in value and EMAIL.search(value):
            found[index] = "email"
    western = [v.translate(WESTERN) if EASTERN.search(v) else v for v in values]
    for index in scan(western, PHONE, not_after=str.isdigit):
        found.setdefault(index, "phone")
    for index in scan(western, CIN, not_after=str.isalnum):
        found.setdefault(index, "national-id")
    return found


def kind_of(text: str) -> str | None:
    """The kind of personal data in one text, or None."""
    return kinds_in([text]).get(0)


@check("personal-data", "error", N_("Personal data"),
       N_('"{field_title}" seems to contain {kind}; it must not be published (Law 09-08).'),
       N_("Remove it; name the unit or role instead of the person."),
       words={"kind": KINDS})  # fmt: skip
def personal_data(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        found: list[tuple[int, int, str, str]] = []
        for order, field_name in enumerate(ctx.schema(name).free_text_fields):
            for index, kind in kinds_in(table.column(field_name)).items():
                found.append((index, order, field_name, kind))
        for index, _, field_name, kind in sorted(found):
            yield at(table, index, field_name, "personal-data", kind=kind)
