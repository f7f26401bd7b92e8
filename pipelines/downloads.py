"""Files for people who open data in a spreadsheet: an Excel-friendly CSV and a README.

The canonical CSV (UTF-8 without BOM, codes only) is for machines and is what versions
are decided from. Journalists double-click a CSV into Excel, which reads UTF-8 as
Windows-1252 unless the file starts with a BOM (Arabic then turns into gibberish), shows
codes nobody can read, and runs any cell starting with ``=`` as a formula. So every
table also gets ``<table>.excel.csv``: BOM, CRLF, each code column followed by its
French and Arabic labels, and text cells that Excel could take for a formula prefixed
with an apostrophe. Both files are derived from the canonical bytes and the schema
only, so they never change a version on their own.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .i18n import N_, slashed, tr, trn, trp
from .release import Release, TableRelease

BOM = "\ufeff"
# OWASP's list: what spreadsheet programs take as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """A leading apostrophe makes Excel show the text instead of evaluating it."""
    return "'" + text if text.startswith(FORMULA_START) else text


def excel_name(table: TableRelease) -> str:
    return f"{table.name}.excel.csv"


def excel_csv(table: TableRelease) -> bytes:
    """The table as Excel opens it correctly by double-click (see the module docstring)."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    header, rows = table.parsed
    columns = [_Column(name, fields.get(name, {})) for name in header]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for column in columns for name in column.header()])
    for row in rows:
        writer.writerow(
            [cell for column, value in zip(columns, row, strict=True) for cell in column(value)]
        )
    return (BOM + buffer.getvalue()).encode("utf-8")


class _Column:
    """How one canonical column becomes one or three Excel columns."""

    def __init__(self, name: str, field: dict[str, Any]) -> None:
        self.name = name
        self.text = field.get("type", "string") == "string"
        self.is_list = "x-list-of" in field
        self.labels: dict[str, dict[str, str]] = (
            field.get("x-enum-labels") or field.get("x-list-of") or {}
        )

    def header(self) -> list[str]:
        if not self.labels:
            return [self.name]
        return [self.name, f"{self.name}_label_fr", f"{self.name}_label_ar"]

    def __call__(self, value: str) -> list[str]:
        cells = [formula_safe(value) if self.text else value]
        if self.labels:
            cells += [formula_safe(self._label(value, lang)) for lang in ("fr", "ar")]
        return cells

    def _label(self, value: str, lang: str) -> str:
        if not value:
            return ""
        codes = value.split(";") if self.is_list else [value]
        return trp(lang, "list of labels", "; ").join(
            self.labels.get(c, {}).get(lang, c) for c in codes
        )


def downloads(release: Release, version: str, published_at: str) -> dict[str, bytes]:
    """The derived files of one version: an Excel CSV per table, and the README."""
    files = {excel_name(t): excel_csv(t) for t in release.tables.values()}
    files["README.md"] = readme(release, version, published_at)
    return files


# --- README -------------------------------------------------------------------------------

FILE_WORDS = {
    "csv": N_("canonical data: UTF-8 without BOM, codes as published, for programs"),
    "excel": N_("for Excel: UTF-8 with BOM, each code followed by its French and Arabic labels"),
    "datapackage": N_("Frictionless descriptor (schemas, hashes)"),
}


def _words(kind: str) -> str:
    return " | ".join(tr(lang, FILE_WORDS[kind]) for lang in ("en", "fr", "ar"))


def readme(release: Release, version: str, published_at: str) -> bytes:
    """What a person needs before opening the files: what each column means, in ar/fr/en."""
    title = release.title
    lines = [
        f"# {title.get('fr', release.dataset)}",
        "",
        f'<p dir="rtl" lang="ar">{title.get("ar", "")}</p>',
        "",
        f"*{title.get('en', '')}*",
        "",
        f"- {slashed(N_('Dataset'))}: `{release.dataset}`",
        f"- {slashed(N_('Version'), ('en', 'ar'))}: **{version}** ({published_at[:10]})",
    ]
    for licence in release.metadata.get("licenses", []):
        name = licence.get("title") or licence.get("name") or licence.get("id", "")
        lines.append(
            f"- {slashed(N_('Licence'), ('en', 'ar'))}: {name} — {licence.get('path', '')}"
        )
    publisher = release.metadata.get("x-publisher", {})
    if publisher:
        lines.append(
            f"- {slashed(N_('Publisher'))}: {publisher.get('name', '')} "
            f"({publisher.get('name_ar', '')})"
        )
    for source in release.metadata.get("sources", []):
        lines.append(f"- Source: {source.get('title', '')} {source.get('path', '')}".rstrip())
    for note in release.metadata.get("x-readme", []):
        lines.append(f"- {note}")
    description = [release.description.get(k, "") for k in ("en", "fr")]
    lines += ["", *[d for d in description if d]]
    if release.description.get("ar"):
        lines += ["", f'<p dir="rtl" lang="ar">{release.description["ar"]}</p>']
    lines += [
        "",
        f"## {slashed(N_('Files'))}",
        "",
        "| file | en | fr | ar |",
        "|---|---|---|---|",
    ]
    for table in release.tables.values():
        lines.append(f"| `{table.filename}` | {_words('csv')} |")
        lines.append(f"| `{excel_name(table)}` | {_words('excel')} |")
    lines.append(f"| `datapackage.json` | {_words('datapackage')} |")
    for table in release.tables.values():
        lines += ["", *_table_section(table)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _table_section(table: TableRelease) -> list[str]:
    schema = table.schema
    lines = [
        f"## {table.name}: {schema.get('title', table.name)} / "
        f"{schema.get('x-title-fr', '')} / {schema.get('x-title-ar', '')}",
        "",
        f"{schema.get('description', '')} ({_rows(table.rows)})",
        "",
        "| column | en | fr | ar | type | description |",
        "|---|---|---|---|---|---|",
    ]
    for field in schema["fields"]:
        cells = [
            f"`{field['name']}`",
            field.get("title", ""),
            field.get("x-title-fr", ""),
            field.get("x-title-ar", ""),
            field.get("type", "string"),
            field.get("description", ""),
        ]
        labels = field.get("x-enum-labels") or field.get("x-list-of")
        if labels:
            cells[-1] += " Codes: " + ", ".join(
                f"`{code}` ({label.get('fr', '')} / {label.get('ar', '')})"
                for code, label in labels.items()
            )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _rows(n: int) -> str:
    return " / ".join(
        trn(lang, "{n} row", "{n} rows", n).format(n=n) for lang in ("en", "fr", "ar")
    )


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")
