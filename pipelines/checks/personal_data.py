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
from ..reading import _DIGITS
from . import Context, at, check

# Moroccan numbers: 0 or +212/00212, then 5-8 (fixed 5, mobile 6-7, 8 VoIP), 8 more digits,
# with optional separators between digits.
PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)\s?212[\s.-]?(?:\(0\))?|0)[5-8](?:[\s.-]?\d){8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# Carte nationale d'identité électronique: one or two letters, then 5 or 6 digits.
CIN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{5,6}(?![A-Za-z0-9])")

KINDS = {
    "phone": {"ar": "رقم هاتف", "fr": "un numéro de téléphone", "en": "a phone number"},
    "email": {"ar": "عنوان بريد إلكتروني", "fr": "une adresse e-mail", "en": "an e-mail address"},
    "national-id": {
        "ar": "رقم بطاقة التعريف الوطنية",
        "fr": "un numéro de carte nationale d'identité",
        "en": "a national ID card number",
    },
}


def kind_of(text: str) -> str | None:
    """The kind of personal data in ``text``, or None."""
    if "@" in text and EMAIL.search(text):
        return "email"
    western = text.translate(_DIGITS)
    if PHONE.search(western):
        return "phone"
    if CIN.search(western):
        return "national-id"
    return None


@check("personal-data")
def personal_data(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        fields = ctx.schema(name).free_text_fields
        idx = [(table.fields.index(f), f) for f in fields]
        for i, row in enumerate(table.rows):
            for j, f in idx:
                value = row[j]
                if value and (kind := kind_of(value)):
                    yield at(table, i, f, "personal-data", kind=KINDS[kind])
