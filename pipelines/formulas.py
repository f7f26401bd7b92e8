"""What a spreadsheet would run as a formula, said once for the checks, the egress guard
and the Excel downloads (CSV injection, OWASP).

Excel takes a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
for a formula. Stewards write lists, though: "- Publier le budget" is a bullet, ordinary
text, and refusing it made them invent a wording. A bullet is a dash (or an en dash, or
a bullet sign, which Excel never runs) followed by spaces and then a letter; anything
else after a dash (a digit, an operator, a function call, a letter with no space) stays
a formula. The Excel downloads quote every such start, bullets included, so a journalist
never sees ``#NAME?``.
"""

from __future__ import annotations

import re

STARTS = ("=", "+", "-", "@", "\t", "\r")
# A letter of any script (not a digit or an underscore) after the dash and its spaces.
BULLET = re.compile(r"-[ \u00a0]+[^\W\d_]")


def is_formula(text: str) -> bool:
    """Would a spreadsheet run this text, and is it no list bullet?"""
    return text.startswith(STARTS) and not BULLET.match(text)


def needs_quote(text: str) -> bool:
    """Must an Excel download quote this text (a bullet too: Excel would try it)?"""
    return text.startswith(STARTS)
