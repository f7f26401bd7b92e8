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

from .release import Release, TableRelease

BOM = "\ufeff"
# OWASP's list: what spreadsheet programs take as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = {"fr": "; ", "ar": "؛ "}


def formula_safe(text: str) -> str:
    """A leading apostrophe makes Excel show the text instead of evaluating it."""
    return "'" + text if text.startswith(FORMULA_START) else text


def excel_name(table: TableRelease) -> str:
    return f"{table.name}.excel.csv"


def excel_csv(table: TableRelease) -> bytes:
    """The table as Excel opens it correctly by double-click (see the module docstring)."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    reader = csv.reader(io.StringIO(table.csv.decode("utf-8"), newline=""))
    header = next(reader)
    columns = [_Column(name, fields.get(name, {})) for name in header]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for column in columns for name in column.header()])
    for row in reader:
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
        return LIST_SEPARATOR[lang].join(self.labels.get(c, {}).get(lang, c) for c in codes)


def downloads(release: Release, version: str, published_at: str) -> dict[str, bytes]:
    """The derived files of one version: an Excel CSV per table, and the README."""
    files = {excel_name(t): excel_csv(t) for t in release.tables.values()}
    files["README.md"] = readme(release, version, published_at)
    return files


# --- README -------------------------------------------------------------------------------

FILE_WORDS = {
    "csv": (
        "canonical data: UTF-8 without BOM, codes as published, for programs",
        "données canoniques : UTF-8 sans BOM, codes, pour les programmes",
        "المعطيات الأصلية: UTF-8 بدون BOM، بالرموز، للبرامج",
    ),
    "excel": (
        "for Excel: UTF-8 with BOM, each code followed by its French and Arabic labels",
        "pour Excel : UTF-8 avec BOM, chaque code suivi de ses libellés français et arabe",
        "لبرنامج Excel: UTF-8 مع BOM، كل رمز متبوع بتسميته بالفرنسية والعربية",
    ),
}


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
        f"- Dataset / Jeu de données / مجموعة المعطيات: `{release.dataset}`",
        f"- Version / النسخة: **{version}** ({published_at[:10]})",
    ]
    for licence in release.metadata.get("licenses", []):
        name = licence.get("title") or licence.get("name") or licence.get("id", "")
        lines.append(f"- Licence / الترخيص: {name} — {licence.get('path', '')}")
    publisher = release.metadata.get("x-publisher", {})
    if publisher:
        lines.append(
            f"- Publisher / Éditeur / الناشر: {publisher.get('name', '')} "
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
        "## Files / Fichiers / الملفات",
        "",
        "| file | en | fr | ar |",
        "|---|---|---|---|",
    ]
    for table in release.tables.values():
        lines.append(f"| `{table.filename}` | {' | '.join(FILE_WORDS['csv'])} |")
        lines.append(f"| `{excel_name(table)}` | {' | '.join(FILE_WORDS['excel'])} |")
    lines.append(
        "| `datapackage.json` | Frictionless descriptor (schemas, hashes) "
        "| descripteur Frictionless | واصف Frictionless |"
    )
    for table in release.tables.values():
        lines += ["", *_table_section(table)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _table_section(table: TableRelease) -> list[str]:
    schema = table.schema
    lines = [
        f"## {table.name}: {schema.get('title', table.name)} / "
        f"{schema.get('x-title-fr', '')} / {schema.get('x-title-ar', '')}",
        "",
        f"{schema.get('description', '')} ({table.rows} rows / lignes / سطر)",
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


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")
