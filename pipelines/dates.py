"""Dates as precise as their source, and the interval each one means.

Real programmes say "September 2018", "2019", "second semester 2022". A field marked
``"x-date": "reduced"`` in the schema keeps such a date at its precision, written in
one canonical form that sorts and reads plainly:

=============  ==================  =========================================
precision      canonical           EDTF / ISO 8601-2 equivalent
=============  ==================  =========================================
day            ``2018-09-15``      ``2018-09-15``
month          ``2018-09``         ``2018-09``
quarter        ``2023-Q3``         ``2023-35``
semester       ``2022-S2``         ``2022-41``
year           ``2019``            ``2019``
=============  ==================  =========================================

Every rule that compares dates compares the intervals they mean (``2022-09`` is
1 to 30 September 2022): a milestone due ``2022-09`` is late only after 30 September.

What a steward types is read here too: ``15/04/2024`` (the day cannot be a month) and
``2024/04/15`` are normalised with a warning; ``9/1/2018`` could be 9 January or
1 September, and is an error that shows both readings rather than a guess.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

PRECISIONS = ("day", "month", "quarter", "semester", "year")
# What the published schema says a reduced date looks like (frictionless checks it).
PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?|-S[12]|-Q[1-4])?$"

_CANONICAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-([SQ])([1-4]))?")
_ISO_LOOSE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MONTH_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{4})")
_WORDS = re.compile(r"[^\W\d_]+\.?|\d+(?:ème|eme|er|re|nd|rd|st|th|e)?", re.UNICODE)

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv",
        "february feb février fevrier févr fevr",
        "march mar mars",
        "april apr avril avr",
        "may mai",
        "june jun juin",
        "july jul juillet juil",
        "august aug août aout",
        "september sep sept septembre",
        "october oct octobre",
        "november nov novembre",
        "december dec décembre decembre déc",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number
ORDINALS = {
    "1": 1, "1er": 1, "1re": 1, "1st": 1, "first": 1, "premier": 1, "première": 1,
    "2": 2, "2e": 2, "2ème": 2, "2eme": 2, "2nd": 2, "second": 2, "deuxième": 2,
    "deuxieme": 2, "seconde": 2,
    "3": 3, "3e": 3, "3ème": 3, "3eme": 3, "3rd": 3, "third": 3, "troisième": 3,
    "troisieme": 3,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,
    "4": 4, "4e": 4, "4ème": 4, "4eme": 4, "4th": 4, "fourth": 4, "quatrième": 4,
    "quatrieme": 4,
}  # fmt: skip
SEMESTER_WORDS = frozenset({"semester", "semestre", "half", "s", "h"})
QUARTER_WORDS = frozenset({"quarter", "trimestre", "q", "t"})
_PERIOD_SHORT = re.compile(r"([SHQT])([1-4])", re.I)


@dataclass(frozen=True)
class Reading:
    """What a typed date means: ``value`` to keep (canonical, or the text unchanged when
    it means no date this can tell), whether it was rewritten, and for a numeric date
    that reads two ways, both readings (``ambiguous``: day first, month first)."""

    value: str
    changed: bool = False
    ambiguous: tuple[str, str] | None = None


@lru_cache(maxsize=8192)
def interval(value: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a canonical date means; None for anything else."""
    match = _CANONICAL.fullmatch(value)
    if match is None:
        return None
    year = int(match.group(1))
    month, day, kind, part = match.group(2), match.group(3), match.group(4), match.group(5)
    try:
        if day:
            one = dt.date(year, int(month), int(day))
            return one, one
        if month:
            m = int(month)
            return dt.date(year, m, 1), dt.date(year, m, calendar.monthrange(year, m)[1])
        if kind:
            n, size = int(part), (6 if kind == "S" else 3)
            if n > 12 // size:
                return None
            first = (n - 1) * size + 1
            last = first + size - 1
            return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return None


def precision(value: str) -> str | None:
    """``day``, ``month``, ``quarter``, ``semester`` or ``year``; None if not a date."""
    match = _CANONICAL.fullmatch(value)
    if match is None or interval(value) is None:
        return None
    if match.group(3):
        return "day"
    if match.group(2):
        return "month"
    if match.group(4):
        return "quarter" if match.group(4) == "Q" else "semester"
    return "year"


def first_day(value: str) -> dt.date | None:
    span = interval(value)
    return span[0] if span else None


def last_day(value: str) -> dt.date | None:
    span = interval(value)
    return span[1] if span else None


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def read(text: str, reduced: bool) -> Reading:
    """A typed date as ``reduced`` (or day-only) fields keep it."""
    value = text.strip()
    if not value:
        return Reading(text)
    if _CANONICAL.fullmatch(value) and interval(value) is not None:
        if reduced or precision(value) == "day":
            return Reading(value, value != text)
        return Reading(text)
    if match := _ISO_LOOSE.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        day_text = _day(year, month, day)
        return Reading(day_text, True) if day_text else Reading(text)
    if match := _NUMERIC.fullmatch(value):
        a, b, year = (int(g) for g in match.groups())
        day_first, month_first = _day(year, b, a), _day(year, a, b)
        if day_first and month_first and day_first != month_first:
            return Reading(text, ambiguous=(day_first, month_first))
        chosen = day_first or month_first
        return Reading(chosen, True) if chosen else Reading(text)
    if not reduced:
        return Reading(text)
    found = _reduced(value)
    return Reading(found, True) if found and interval(found) else Reading(text)


def _reduced(value: str) -> str | None:
    """``9/2018``, ``September 2018``, ``S2 2022``, ``2e semestre 2022``, ``Q3 2023``
    and the like, in canonical form; None when it is none of them."""
    if match := _MONTH_NUMERIC.fullmatch(value):
        month, year = int(match.group(1)), match.group(2)
        return f"{year}-{month:02d}" if 1 <= month <= 12 else None
    words = [w.rstrip(".").casefold() for w in _WORDS.findall(value)]
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    if len(years) != 1:
        return None
    year = years[0]
    rest = [w for w in words if w != year and w not in {"de", "of", "the", "du", "le", "la"}]
    if len(rest) == 1 and rest[0] in MONTHS:
        return f"{year}-{MONTHS[rest[0]]:02d}"
    if len(rest) == 1 and (short := _PERIOD_SHORT.fullmatch(rest[0])):
        kind = "S" if short.group(1).upper() in "SH" else "Q"
        return f"{year}-{kind}{short.group(2)}"
    if len(rest) == 2:
        number, word = rest if rest[0] in ORDINALS else rest[::-1]
        if number in ORDINALS:
            if word in SEMESTER_WORDS:
                return f"{year}-S{ORDINALS[number]}"
            if word in QUARTER_WORDS:
                return f"{year}-Q{ORDINALS[number]}"
    return None
