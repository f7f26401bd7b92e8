"""Personal data in a text: phone numbers, e-mail addresses, national ID card numbers
and bank account numbers, however they were typed (Law 09-08 forbids publishing them).

A text is normalised once before matching: NFKC (full-width ``＠`` and digits become
``@`` and 0-9), invisible characters removed (a soft hyphen or a word joiner inside a
number), Eastern Arabic digits made 0-9, whitespace runs made one space, and the usual
disguises of ``@`` (``[at]``, ``(at)``, ``name @ domain``) undone.

Every step is linear in the text's length: no pattern can backtrack over a long cell
(the e-mail pattern this replaces took minutes on a 200,000-character cell holding
``@``). Digits are read as groups (digits with the separators people put between them),
and a group is judged whole, so a phone number is never found inside a longer number
(``Marché n° 20612345678``), and dates, amounts and codes are not phones.
"""

from __future__ import annotations

import re
import unicodedata

from .i18n import N_

_ANY_DIGIT = "[0-9\u0660-\u0669\u06f0-\u06f9\uff10-\uff19]"
_BETWEEN = "[ ().\\-/\u00ad\u200b-\u200d\u2060]{0,3}"
# A text worth a closer look: something like an @, or five digits (any script) close
# together, which every phone, ID card and account number has. One regex pass over a
# whole column finds these cells; the rest are never normalised.
SUSPECT = re.compile(
    "[@\uff20]|[\\[({] ?(?:at|arobase)|" + _ANY_DIGIT + "(?:" + _BETWEEN + _ANY_DIGIT + "){4}",
    re.I,
)
# Format characters (Unicode category Cf: soft hyphen, zero-width and bidi marks, word
# joiner...): invisible, and typed inside numbers to slip them past a check.
# They all lie in the first two planes and the tags block: reading 1.1 million code
# points at import would cost 0.1 s for nothing.
_FORMAT = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in [*range(0x20000), *range(0xE0000, 0xE0080)]
                  if unicodedata.category(chr(c)) == "Cf") + "]"
)  # fmt: skip
EASTERN = str.maketrans(
    "".join(map(chr, [*range(0x660, 0x66A), *range(0x6F0, 0x6FA)])), "0123456789" * 2
)
_SPACES = re.compile(r"\s+")
_AT = re.compile(r" ?[\[({] ?(?:at|arobase) ?[\])}] ?| ?@ ?", re.I)
_DOT = re.compile(r" ?[\[({] ?(?:dot|point) ?[\])}] ?", re.I)
# Digits with the separators people type between them; possessive, so a group is
# consumed once and never re-tried from inside.
_GROUP = re.compile(r"[0-9](?:[ ().\-/]*+[0-9])*+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:[ .,][0-9]{3})++")
# Carte nationale d'identité: one or two letters then 5 or 6 digits; letters may be
# lower case only when glued to the digits or joined by a hyphen ("ab123456").
_CIN = re.compile(r"(?:[A-Z]{1,2}[ -]?|[A-Za-z]{1,2}-?)[0-9]{5,6}(?![A-Za-z0-9])")
_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_DOMAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")

# Each kind in the reader's language (for the check's and the guard's messages).
KINDS = {
    "email": N_("an e-mail address"),
    "phone": N_("a phone number"),
    "national-id": N_("a national ID card number"),
    "bank-account": N_("a bank account number (RIB or IBAN)"),
}


def normalise(text: str) -> str:
    """The text as matching sees it (see the module's docstring)."""
    if not text.isascii():
        text = _FORMAT.sub("", unicodedata.normalize("NFKC", text)).translate(EASTERN)
    text = _SPACES.sub(" ", text)
    if "@" in text or "[" in text or "(" in text or "{" in text:
        text = _AT.sub("@", text)
        text = _DOT.sub(".", text)
    return text


def kind_of(text: str) -> str | None:
    """The first kind of personal data in ``text`` (a key of ``KINDS``), or None."""
    if not SUSPECT.search(text):
        return None
    norm = normalise(text)
    if "@" in norm and _has_email(norm):
        return "email"
    for match in _GROUP.finditer(norm):
        if match.end() - match.start() < 5:
            continue  # too short to be any number of ours
        kind = _number_kind(norm, match.start(), match.group())
        if kind:
            return kind
    for match in _CIN.finditer(norm):
        before = norm[match.start() - 1] if match.start() else " "
        if not (before.isascii() and before.isalnum()):
            return "national-id"
    return None


def _has_email(text: str) -> bool:
    """A local part, ``@``, then a domain with a dot and a top-level name of letters.
    Each ``@`` looks back and forward only as far as the next ``@``: linear."""
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and text[start - 1] in _LOCAL:
            start -= 1
        end = at + 1
        while end < len(text) and text[end] in _DOMAIN:
            end += 1
        labels = text[at + 1 : end].strip(".-").split(".")
        if start < at and len(labels) >= 2 and all(labels):
            top = labels[-1]
            if len(top) >= 2 and top.isalpha():
                return True
        at = text.find("@", at + 1)
    return False


def _number_kind(text: str, start: int, group: str) -> str | None:
    """What a group of digits is, judged whole, with what stands just before it."""
    digits = "".join(c for c in group if c.isdigit())
    before = text[max(0, start - 4) : start].replace(" ", "").replace("(", "")
    international = before.endswith("+") or digits.startswith("00")
    prefix = before.rstrip("+")[-2:]
    if len(prefix) == 2 and prefix.isalpha() and prefix.isupper() and 14 <= len(digits) <= 32:
        return "bank-account"  # an IBAN: country letters, check digits, the account
    if len(digits) == 24:
        return "bank-account"  # a Moroccan RIB: bank, town, account, key
    if international:
        number = digits[2:] if digits.startswith("00") else digits
        if number.startswith("212"):
            return "phone" if _moroccan(number[3:].removeprefix("0")) else None
        return "phone" if 8 <= len(number) <= 15 else None
    if len(digits) == 10 and digits[0] == "0" and _moroccan(digits[1:]):
        return "phone"
    if digits.startswith("212") and _moroccan(digits[3:].removeprefix("0")):
        return "phone"  # a number Excel stored as a number: 212612345678
    if (
        _moroccan(digits)
        and not _THOUSANDS.fullmatch(group)
        and not _money_after(text, start, group)
    ):
        return "phone"  # 612345678: Excel dropped the leading zero
    return None


_CURRENCY = ("mad", "dh", "dirham", "\u062f\u0631\u0647\u0645")  # ... and dirham in Arabic


def _money_after(text: str, start: int, group: str) -> bool:
    """An amount (``612345678 MAD``), not a phone that lost its zero."""
    after = text[start + len(group) : start + len(group) + 12].strip().lower()
    return after.startswith(_CURRENCY)


def _moroccan(subscriber: str) -> bool:
    """Nine digits after 0 or +212: fixed (5), mobile (6, 7) or VoIP (8) numbers."""
    return len(subscriber) == 9 and subscriber[0] in "5678"
