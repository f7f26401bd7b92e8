"""The validation report: one value, rendered as JSON, as text for the steward, as markdown.

The JSON shape is a contract with tools (pinned by tests); the text is for a person
who fixes files by hand, so it groups findings by kind, says where each one is in
words a spreadsheet user knows (file, line, column letter) and what to do, once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding, Lang
from .schemas import load

WORDS: dict[str, dict[str, str]] = {
    "valid": {
        "ar": "✔ المعطيات صالحة.",
        "fr": "✔ Les données sont valides.",
        "en": "✔ The data is valid.",
    },
    "invalid": {
        "ar": "✘ المعطيات غير صالحة: يجب تصحيح الأخطاء قبل النشر.",
        "fr": "✘ Les données ne sont pas valides : corrigez les erreurs avant publication.",
        "en": "✘ The data is not valid: fix the errors before publishing.",
    },
    "counts": {
        "ar": "{tables} جدول، {rows} سطر، {errors} خطأ، {warnings} تنبيه.",
        "fr": "{tables} tableau(x), {rows} ligne(s), {errors} erreur(s), "
        "{warnings} avertissement(s).",
        "en": "{tables} table(s), {rows} row(s), {errors} error(s), {warnings} warning(s).",
    },
    "errors": {"ar": "الأخطاء", "fr": "Erreurs", "en": "Errors"},
    "warnings": {"ar": "التنبيهات", "fr": "Avertissements", "en": "Warnings"},
    "file": {"ar": "الملف {0}", "fr": "fichier {0}", "en": "file {0}"},
    "table": {"ar": "الجدول {0}", "fr": "tableau {0}", "en": "table {0}"},
    "row": {"ar": "السطر {0}", "fr": "ligne {0}", "en": "line {0}"},
    "column": {"ar": "العمود {0}", "fr": "colonne {0}", "en": "column {0}"},
    "todo": {"ar": "ما العمل", "fr": "Que faire", "en": "What to do"},
    "more": {
        "ar": "… و{0} حالة أخرى من هذا النوع.",
        "fr": "… et {0} autre(s) du même type.",
        "en": "… and {0} more of this kind.",
    },
}
SEP = {"ar": "، ", "fr": ", ", "en": ", "}
# Enough to fix the file; a file with 100,000 bad rows gets counts, not a novel.
SHOWN_PER_KIND = 50


@dataclass
class Report:
    """What validation found, with ``valid`` derived from the errors."""

    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        stats = dict(self.stats)
        stats["errors"] = len(self.errors)
        stats["warnings"] = len(self.warnings)
        return {
            "valid": self.valid,
            "errors": [f.to_dict(lang, _titles(f, lang)) for f in self.errors],
            "warnings": [f.to_dict(lang, _titles(f, lang)) for f in self.warnings],
            "stats": stats,
        }

    def summary(self, lang: Lang = "en") -> str:
        head = WORDS["valid" if self.valid else "invalid"][lang]
        counts = WORDS["counts"][lang].format(
            tables=self.stats.get("tables", 0),
            rows=self.stats.get("rows", 0),
            errors=len(self.errors),
            warnings=len(self.warnings),
        )
        return f"{head}\n{counts}"

    def render_text(self, lang: Lang = "en") -> str:
        lines = [self.summary(lang)]
        for heading, group in (("errors", self.errors), ("warnings", self.warnings)):
            if not group:
                continue
            lines += ["", f"== {WORDS[heading][lang]} =="]
            for code, items in _by_code(group).items():
                first = items[0]
                lines += ["", f"[{code}] {first.template.title[lang]} ({len(items)})"]
                for f in items[:SHOWN_PER_KIND]:
                    lines.append(f"  • {where(f, lang)}: {f.message(lang, _titles(f, lang))}")
                if len(items) > SHOWN_PER_KIND:
                    lines.append("  " + WORDS["more"][lang].format(len(items) - SHOWN_PER_KIND))
                lines.append(f"  → {WORDS['todo'][lang]}: {first.hint(lang, _titles(first, lang))}")
        return "\n".join(lines) + "\n"

    def render_markdown(self, lang: Lang = "en") -> str:
        lines = [f"# {self.stats.get('package', '')}".rstrip(), "", *self.summary(lang).split("\n")]
        for heading, group in (("errors", self.errors), ("warnings", self.warnings)):
            if not group:
                continue
            lines += ["", f"## {WORDS[heading][lang]}"]
            for code, items in _by_code(group).items():
                first = items[0]
                lines += ["", f"### `{code}` {first.template.title[lang]} ({len(items)})", ""]
                lines += ["| where | message |", "|---|---|"]
                for f in items[:SHOWN_PER_KIND]:
                    message = f.message(lang, _titles(f, lang)).replace("|", "\\|")
                    lines.append(f"| {where(f, lang)} | {message} |")
                lines += [
                    "",
                    f"**{WORDS['todo'][lang]}:** {first.hint(lang, _titles(first, lang))}",
                ]
        return "\n".join(lines) + "\n"


def where(f: Finding, lang: Lang) -> str:
    """'file commitments.csv, line 12, column C' in the steward's language."""
    parts = []
    if f.file:
        parts.append(WORDS["file"][lang].format(f.file))
    elif f.table:
        parts.append(WORDS["table"][lang].format(f.table))
    if f.row is not None:
        parts.append(WORDS["row"][lang].format(f.row))
    if f.column:
        parts.append(WORDS["column"][lang].format(f.column))
    return SEP[lang].join(parts) or "—"


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.code].append(f)
    return groups


def _titles(f: Finding, lang: Lang) -> dict[str, str] | None:
    if not f.table:
        return None
    try:
        return load(f.table).field_titles(lang)
    except Exception:  # an unknown table still gets its findings rendered
        return None
