"""Messages as data: every word a user reads is in the gettext catalogues, complete.

These tests read the catalogues as a translator's tool would (Babel's PO reader), the
package's sources as Babel's extractor does, and the README as a person does, so a new
check, error or message without its translations fails here, not in a steward's report.
"""

from __future__ import annotations

import gettext
import io
import re
import string
import tokenize
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from pipelines import (
    checks,
    errors,
    guard,  # noqa: F401  (declares egress-refused)
    i18n,
)
from pipelines.findings import TEMPLATES, Finding
from pipelines.report import counts

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipelines"
LOCALE = PACKAGE / "locale"
LANGS = ("ar", "fr")
# The keywords `make messages` extracts with (see the Makefile).
KEYWORDS = {"N_": None, "Np_": (1, 2), "tr": (2,), "trn": (2, 3), "trp": ((2, "c"), 3)}
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def catalogue(lang: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / "infitah.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def extracted() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message the package's sources mark."""
    found = set()
    for _, _, message, _, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def key(message: Message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return message.context, str(msgid)


# --- completeness ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_code_is_translated(lang: str) -> None:
    translated = {
        key(m): m
        for m in catalogue(lang)
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    marked = extracted()
    assert len(marked) > 200  # the extractor does see the package
    missing = sorted(str(k) for k in marked if k not in translated)
    assert not missing, f"{len(missing)} messages have no {lang} translation: {missing[:5]}"


def test_every_finding_code_and_error_key_has_words_in_each_language() -> None:
    checks.registered()  # importing the checks declares their codes
    assert {"date-order", "personal-data", "type-error", "missing-table"} <= set(TEMPLATES)
    for lang in LANGS:
        translations = {key(m): m.string for m in catalogue(lang) if m.id}
        for code, template in TEMPLATES.items():
            for text in (template.title, template.message, template.hint):
                assert translations.get((None, text)), (lang, code, text)
        for name, text in errors.MESSAGES.items():
            assert translations.get((None, text)), (lang, name, text)


def test_the_readme_lists_every_finding_code_and_every_error_key() -> None:
    checks.registered()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning|2|3) \|", readme, re.M)
    codes = {code for code, kind in rows if kind in ("error", "warning")}
    keys = {code for code, kind in rows if kind in ("2", "3")}
    assert codes == set(TEMPLATES), codes ^ set(TEMPLATES)
    assert keys == set(errors.MESSAGES), keys ^ set(errors.MESSAGES)
    for code, kind in rows:
        if code in TEMPLATES:
            assert TEMPLATES[code].severity == kind, code


def test_a_check_cannot_be_registered_without_its_words() -> None:
    with pytest.raises(TypeError):
        checks.check("no-words", "error")  # type: ignore[call-arg]


# --- the catalogues themselves --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_entry_is_fuzzy_and_every_placeholder_is_kept(lang: str) -> None:
    cat = catalogue(lang)
    assert cat.num_plurals == {"ar": 6, "fr": 3}[lang]
    problems = []
    for message in cat:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        if isinstance(message.id, tuple):
            wanted = placeholders(message.id[0]) | placeholders(message.id[1])
            if len(message.string) != cat.num_plurals:
                problems.append(("plural forms", message.id))
            for form in message.string:
                # a form may say the number in words ("خطأ واحد"), never lose another value
                lost = wanted - placeholders(form) - {"n", "count"}
                if lost or placeholders(form) - wanted:
                    problems.append(("placeholders", form))
        elif placeholders(message.string) != placeholders(str(message.id)):
            problems.append(("placeholders", message.string))
    assert not problems, problems


def broken_copy(lang: str, tmp_path: Path, edit: str) -> Path:
    text = (LOCALE / lang / "LC_MESSAGES" / "infitah.po").read_text(encoding="utf-8")
    if edit == "fuzzy":
        text = text.replace('\nmsgid "Errors"', '\n#, fuzzy\nmsgid "Errors"', 1)
    else:
        text = text.replace("{path}", "{chemin}", 1)
    path = tmp_path / "LC_MESSAGES" / "infitah.po"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("edit", ["fuzzy", "placeholder"])
def test_the_catalogue_check_fails_on_a_broken_catalogue(
    edit: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: on a copy with one fuzzy entry or one renamed placeholder."""
    path = broken_copy("fr", tmp_path, edit)
    monkeypatch.setattr(
        "tests.test_messages.catalogue",
        lambda lang: read_po(path.open("rb"), locale=lang),
    )
    with pytest.raises(AssertionError):
        test_no_entry_is_fuzzy_and_every_placeholder_is_kept("fr")


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_is_the_po_file(lang: str) -> None:
    """The committed .mo (what the package reads) says exactly what the .po says."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    committed = i18n.catalogue(lang)
    assert isinstance(committed, gettext.GNUTranslations)
    assert committed._catalog == fresh._catalog  # type: ignore[attr-defined]


# --- Arabic plurals -------------------------------------------------------------------------


def test_arabic_counts_take_their_six_plural_forms() -> None:
    words = {n: counts("ar", n, n, n, n).split("، ") for n in (0, 1, 2, 3, 11, 100)}
    errors_ = {n: w[2] for n, w in words.items()}
    assert errors_ == {
        0: "لا أخطاء",
        1: "خطأ واحد",
        2: "خطآن",
        3: "3 أخطاء",
        11: "11 خطأ",
        100: "100 خطأ",
    }
    rows = {n: w[1] for n, w in words.items()}
    assert rows == {
        0: "لا أسطر",
        1: "سطر واحد",
        2: "سطران",
        3: "3 أسطر",
        11: "11 سطرا",
        100: "100 سطر",
    }
    assert counts("fr", 1, 0, 2, 1) == "1 tableau, 0 ligne, 2 erreurs, 1 avertissement."
    assert counts("en", 1, 0, 2, 1) == "1 table, 0 rows, 2 errors, 1 warning."


def test_a_counted_finding_message_takes_the_plural_of_its_count() -> None:
    checks.registered()

    def message(lang: str, count: int) -> str:
        finding = Finding(
            "missing-translation", "milestones", 2, "title_ar", "m.csv", "E",
            {"count": count, "other_field": "title_fr"},
        )  # fmt: skip
        return finding.message(lang)

    assert "in 1 row where" in message("en", 1) and "in 4 rows where" in message("en", 4)
    assert "dans 1 ligne où" in message("fr", 1) and "dans 4 lignes où" in message("fr", 4)
    assert "في سطرين" in message("ar", 2) and "في 11 سطرا" in message("ar", 11)


# --- no text outside the catalogues ---------------------------------------------------------


def arabic_outside_docstrings(path: Path) -> list[tuple[int, str]]:
    """Arabic script in a module's code: strings and names, not comments or docstrings."""
    hits = []
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline))
    for index, token in enumerate(tokens):
        if token.type == tokenize.COMMENT or not ARABIC.search(token.string):
            continue
        previous = [t for t in tokens[:index] if t.type not in (tokenize.NL, tokenize.COMMENT)]
        last = previous[-1] if previous else None
        is_docstring = token.type == tokenize.STRING and (
            last is None or last.type in (tokenize.INDENT, tokenize.NEWLINE, tokenize.DEDENT)
        )
        if not is_docstring:
            hits.append((token.start[0], token.string[:40]))
    return hits


def test_no_arabic_text_in_the_package_outside_the_catalogues() -> None:
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sorted(PACKAGE.rglob("*.py"))
        if (hits := arabic_outside_docstrings(path))
    }
    assert not found, found


def test_the_scan_finds_arabic_in_code(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""وثيقة."""\n# تعليق\nWORD = "كلمة"\n', encoding="utf-8")
    assert arabic_outside_docstrings(module) == [(3, '"كلمة"')]
