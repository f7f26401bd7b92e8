"""Every word a user reads comes from a gettext catalogue, in the language they chose.

English is the source language: the text in the code is the message id, and
``locale/<lang>/LC_MESSAGES/infitah.po`` holds its translation, edited by translators
in any PO editor (``make messages`` extracts, updates and compiles them with Babel).
Messages are translated once, when they are rendered; what the library passes around
(findings, errors) carries codes and plain parameters, never translated text.

A language is available when its catalogue is: adding Tamazight is a new ``zgh``
folder of catalogues, not a code change. Arabic needs plural forms beyond "one/many"
(``ngettext`` with the catalogue's six forms), which is why counts never come as
``خطأ(أخطاء)``.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from functools import cache
from typing import Any

from .resources import LOCALE_DIR

DOMAIN = "infitah"
SOURCE = "en"

Lang = str


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated when shown."""
    return message


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a counted message (its singular and plural English forms) for extraction."""
    return singular, plural


def available() -> tuple[Lang, ...]:
    """English, then every language that has a compiled catalogue, sorted."""
    found = sorted(
        p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo") if p.is_file()
    )
    return (SOURCE, *found)


LANGS: tuple[Lang, ...] = available()


@cache
def catalogue(lang: Lang) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English, or an unknown language: the source)."""
    if lang == SOURCE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)


def tr(lang: Lang, message: str) -> str:
    """``message`` in ``lang`` (gettext)."""
    return catalogue(lang).gettext(message)


def trn(lang: Lang, singular: str, plural: str, n: int) -> str:
    """The form of a counted message that ``n`` takes in ``lang`` (ngettext)."""
    return catalogue(lang).ngettext(singular, plural, n)


def trp(lang: Lang, context: str, message: str) -> str:
    """``message`` in ``lang`` where the same English words mean different things
    (pgettext)."""
    return catalogue(lang).pgettext(context, message)


def fill(text: str, values: Mapping[str, Any]) -> str:
    """``str.format_map`` that leaves an unknown placeholder visible instead of failing:
    a catalogue with a typo in a placeholder shows it rather than crashing a report."""
    return text.format_map(_Visible(values))


def in_each(
    message: str, langs: tuple[Lang, ...] = ("ar", "fr", "en"), **values: Any
) -> dict[str, str]:
    """One message in several languages, for metadata published multilingual. A value
    given as ``{lang: text}`` (a name in Arabic and in French) is taken in each language,
    French standing in for English."""
    if not values:  # the message may hold placeholders its user fills later ({0})
        return {lang: tr(lang, message) for lang in langs}
    return {
        lang: fill(tr(lang, message), {k: _in(lang, v) for k, v in values.items()})
        for lang in langs
    }


def slashed(message: str, langs: tuple[Lang, ...] = ("en", "fr", "ar")) -> str:
    """'Dataset / Jeu de données / مجموعة المعطيات': one label in several languages side by
    side, for files every reader opens whatever their language."""
    return " / ".join(dict.fromkeys(tr(lang, message) for lang in langs))


def _in(lang: Lang, value: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get(lang) or value.get("fr") or next(iter(value.values()), "")
    return value


class _Visible(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
