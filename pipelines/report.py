"""The validation report: one value, rendered as JSON, as text for the steward, as markdown.

The JSON shape is a contract with tools (pinned by tests); the text is for a person
who fixes files by hand, so it groups findings by kind, says where each one is in
words a spreadsheet user knows (file, line, column letter) and what to do, once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding
from .i18n import N_, Lang, Np_, tr, trn, trp

VALID = N_("✔ The data is valid.")
INVALID = N_("✘ The data is not valid: fix the errors before publishing.")
ERRORS = N_("Errors")
WARNINGS = N_("Warnings")
TODO = N_("What to do")
WHERE = N_("where")
MESSAGE = N_("message")
MORE = Np_("… and {n} more of this kind.", "… and {n} more of this kind.")
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
            "errors": [f.to_dict(lang) for f in self.errors],
            "warnings": [f.to_dict(lang) for f in self.warnings],
            "stats": stats,
        }

    def public_dict(self) -> dict[str, Any]:
        """What a published version says of its validation: codes and places (table,
        row, field, column) and counts; never a value, a message quoting one, or a file
        name the steward typed, since this file is published."""
        shape = self.to_dict("en")
        for kind in ("errors", "warnings"):
            shape[kind] = [
                {k: f[k] for k in ("code", "table", "row", "field", "column")} for f in shape[kind]
            ]
        return shape

    def summary(self, lang: Lang = "en") -> str:
        head = tr(lang, VALID if self.valid else INVALID)
        tables, rows = self.stats.get("tables", 0), self.stats.get("rows", 0)
        return f"{head}\n{counts(lang, tables, rows, len(self.errors), len(self.warnings))}"

    def render_text(self, lang: Lang = "en") -> str:
        lines = [self.summary(lang)]
        for heading, group in ((ERRORS, self.errors), (WARNINGS, self.warnings)):
            if not group:
                continue
            lines += ["", f"== {tr(lang, heading)} =="]
            for code, items in _by_code(group).items():
                first = items[0]
                lines += ["", f"[{code}] {first.title(lang)} ({len(items)})"]
                for f in items[:SHOWN_PER_KIND]:
                    lines.append(f"  • {where(f, lang)}: {f.message(lang)}")
                if len(items) > SHOWN_PER_KIND:
                    more = len(items) - SHOWN_PER_KIND
                    lines.append("  " + trn(lang, *MORE, more).format(n=more))
                lines.append(f"  → {tr(lang, TODO)}: {first.hint(lang)}")
        return "\n".join(lines) + "\n"

    def render_markdown(self, lang: Lang = "en") -> str:
        lines = [f"# {self.stats.get('package', '')}".rstrip(), "", *self.summary(lang).split("\n")]
        for heading, group in ((ERRORS, self.errors), (WARNINGS, self.warnings)):
            if not group:
                continue
            lines += ["", f"## {tr(lang, heading)}"]
            for code, items in _by_code(group).items():
                first = items[0]
                lines += ["", f"### `{code}` {first.title(lang)} ({len(items)})", ""]
                lines += [f"| {tr(lang, WHERE)} | {tr(lang, MESSAGE)} |", "|---|---|"]
                for f in items[:SHOWN_PER_KIND]:
                    message = f.message(lang).replace("|", "\\|")
                    lines.append(f"| {where(f, lang)} | {message} |")
                lines += ["", f"**{tr(lang, TODO)}:** {first.hint(lang)}"]
        return "\n".join(lines) + "\n"


def counts(lang: Lang, tables: int, rows: int, errors: int, warnings: int) -> str:
    """'7 tables, 19 rows, 1 error, 0 warnings', each count in its plural form."""
    parts = [
        trn(lang, "{n} table", "{n} tables", tables).format(n=tables),
        trn(lang, "{n} row", "{n} rows", rows).format(n=rows),
        trn(lang, "{n} error", "{n} errors", errors).format(n=errors),
        trn(lang, "{n} warning", "{n} warnings", warnings).format(n=warnings),
    ]
    return _sep(lang).join(parts) + "."


def where(f: Finding, lang: Lang) -> str:
    """'file commitments.csv, line 12, column C' in the steward's language."""
    parts = []
    if f.file:
        parts.append(tr(lang, "file {0}").format(f.file))
    elif f.table:
        parts.append(tr(lang, "table {0}").format(f.table))
    if f.row is not None:
        parts.append(tr(lang, "line {0}").format(f.row))
    if f.column:
        parts.append(tr(lang, "column {0}").format(f.column))
    return _sep(lang).join(parts) or "—"


def _sep(lang: Lang) -> str:
    return trp(lang, "list separator", ", ")


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.code].append(f)
    return groups
