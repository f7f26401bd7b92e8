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
import datetime as dt
import io
import os
import shutil
import zipfile
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .engine import machine_cores
from .formulas import needs_quote
from .i18n import N_, slashed, tr, trn, trp
from .release import Release, TableRelease

BOM = "\ufeff"
# Excel splits a CSV it opens by double-click on the list separator of the system's
# locale: ";" in French and Arabic locales (Morocco's usual settings), "," in English
# ones. A "sep=;" first line would work everywhere, but Excel then ignores the BOM and
# turns Arabic into gibberish; so ";", and the .xlsx of every table for everyone else.
EXCEL_DELIMITER = ";"


def formula_safe(text: str) -> str:
    """A leading apostrophe makes Excel show the text instead of evaluating it."""
    return "'" + text if needs_quote(text) else text


def excel_name(table: TableRelease) -> str:
    return f"{table.name}.excel.csv"


def excel_csv(table: TableRelease) -> bytes:
    """The table as Excel opens it correctly by double-click (see the module docstring)."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    header, rows = table.parsed
    columns = [_Column(name, fields.get(name, {})) for name in header]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=EXCEL_DELIMITER, lineterminator="\r\n")
    writer.writerow([name for column in columns for name in column.header()])
    for row in rows:
        writer.writerow(
            [cell for column, value in zip(columns, row, strict=True) for cell in column(value)]
        )
    return (BOM + buffer.getvalue()).encode("utf-8")


class _Column:
    """How one canonical column becomes one or three Excel columns (CSV), or one or two
    (a sheet in one language)."""

    def __init__(self, name: str, field: dict[str, Any]) -> None:
        self.name = name
        self.field = field
        # A date kept at its source's precision is a date to Excel when it is a day
        # (``_typed`` leaves ``2024-09`` or ``2024-S2`` as the text it is).
        self.kind = "date" if field.get("x-date") == "reduced" else field.get("type", "string")
        self.text = self.kind == "string"
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

    def titles(self, lang: str) -> list[str]:
        title = str(self.field.get(f"x-title-{lang}") or self.field.get("title") or self.name)
        return [title, f"{title} — {tr(lang, LABEL)}"] if self.labels else [title]

    def typed(self, value: str, lang: str) -> list[Any]:
        cells: list[Any] = [_typed(self.kind, value)]
        if self.labels:
            cells.append(self._label(value, lang))
        return cells

    def _label(self, value: str, lang: str) -> str:
        if not value:
            return ""
        codes = value.split(";") if self.is_list else [value]
        return trp(lang, "list of labels", "; ").join(
            self.labels.get(c, {}).get(lang, c) for c in codes
        )


def downloads(
    release: Release,
    version: str,
    published_at: str,
    kept: Mapping[str, Mapping[str, bytes]] | None = None,
    apart: Collection[str] = (),
) -> dict[str, bytes]:
    """The derived files of one version: an Excel CSV and a workbook per table, and the
    README. ``kept``: a table's derived files already made (by an earlier version of the
    same table, under the same rules), used as they are. ``apart``: tables whose
    workbook is made elsewhere (``Apart``), left out here."""
    made = {
        t.name: (kept or {}).get(t.name)
        or ({excel_name(t): excel_csv(t)} if t.name in apart else derived(t, published_at))
        for t in release.tables.values()
    }
    files = {excel_name(t): made[t.name][excel_name(t)] for t in release.tables.values()}
    files |= {xlsx_name(t): made[t.name][xlsx_name(t)] for t in release.tables.values()
              if xlsx_name(t) in made[t.name]}  # fmt: skip
    files["README.md"] = readme(release, version, published_at)
    return files


def derived(table: TableRelease, published_at: str = "") -> dict[str, bytes]:
    """What one table gives people: its Excel CSV and its workbook."""
    return {
        excel_name(table): excel_csv(table),
        xlsx_name(table): excel_workbook(table, published_at),
    }


def derived_names(table: TableRelease) -> frozenset[str]:
    return frozenset({excel_name(table), xlsx_name(table)})


# --- XLSX --------------------------------------------------------------------------------

SHEETS = ("fr", "ar")
# Excel opens no more rows than this in a sheet (it drops the rest, with a warning few
# read): a longer table goes on in sheets "fr 2", "fr 3"... each under the same titles.
SHEET_ROWS = 1_048_576
LABEL = N_("label")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries: the same table gives the same bytes


def xlsx_name(table: TableRelease) -> str:
    return f"{table.name}.xlsx"


def excel_workbook(table: TableRelease, published_at: str = "") -> bytes:
    """The table as a workbook: a French sheet and an Arabic one (right to left), each
    with the column titles in its language and every code followed by its label (a
    table longer than a sheet continues in the next, ``SHEET_ROWS``); dates,
    numbers and yes/no as Excel's own types, every text inert (a string, never a formula
    or a link), whatever it starts with."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    header, rows = table.parsed
    columns = [_Column(name, fields.get(name, {})) for name in header]
    # Write-only: rows go straight to the file, so a network table of 100,000 rows costs
    # neither a cell object each nor the memory of the whole sheet.
    book = Workbook(write_only=True)
    when = _moment(published_at)
    book.properties.created = book.properties.modified = when
    book.properties.title = table.schema.get("x-title-fr") or table.name
    bold = Font(bold=True)
    per_sheet = SHEET_ROWS - 1  # under the titles' row
    for lang in SHEETS:
        titles = [title for column in columns for title in column.titles(lang)]
        for part, start in enumerate(range(0, max(1, len(rows)), per_sheet), start=1):
            sheet = book.create_sheet(lang if part == 1 else f"{lang} {part}")
            sheet.sheet_view.rightToLeft = lang == "ar"
            sheet.freeze_panes = "A2"
            for index, title in enumerate(titles, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = min(40, len(title) + 4)
            sheet.append([_inert(sheet, title, bold) for title in titles])
            for row in rows[start : start + per_sheet]:
                sheet.append(
                    [_inert(sheet, c) if c.__class__ is str and c.startswith(LIVE)
                     else _dated(sheet, c) if c.__class__ is dt.date else c
                     for column, value in zip(columns, row, strict=True)
                     for c in column.typed(value, lang)]
                )  # fmt: skip
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    return buffer.getvalue()


# What openpyxl takes for other than text when given a plain string: a formula ("=",
# with more after it) or an error value ("#N/A"...). Only those need a cell object set
# to text; every other string is given as it is (a cell object each cost a third of
# a workbook's time: 4,500 rows of 44 columns, 400,000 cells).
LIVE = ("=", *ERROR_CODES)


# A workbook of this many cells (rows × columns) or more is made in a process of its
# own while the rest of the version is made and read by the egress guard: the network's
# commitments (4,500 rows × 44 columns at 1,503 members, written twice, in French and
# in Arabic) took a third of an aggregation after a few members changed.
APART_CELLS = 100_000


class Apart:
    """Workbooks being made in a worker process (``APART_CELLS``), on a machine with a
    core to spare; ``result`` waits for them. The same bytes as made here: a worker
    that fails leaves them to this process. Tables are given as soon as they are known
    (``make``): a publication starts the ones that changed before it downloads what the
    version before holds."""

    def __init__(self, tables: Iterable[TableRelease], published_at: str) -> None:
        self.published_at = published_at
        self.spare = machine_cores() > 1
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future[bytes]] = {}
        self._tables: dict[str, TableRelease] = {}
        self.make(tables)

    def make(self, tables: Iterable[TableRelease]) -> frozenset[str]:
        """Of ``tables``, those whose workbook is made here (started now, or before)."""
        out = set()
        for table in tables:
            if not self.spare or table.cells < APART_CELLS:
                continue
            out.add(table.name)
            if table.name in self._futures:
                continue
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
            # A fresh copy: its bytes and schema, not the rows parsed from them.
            light = TableRelease(table.name, table.csv, table.rows, table.schema, {})
            self._tables[table.name] = table
            self._futures[table.name] = self._pool.submit(excel_workbook, light, self.published_at)
        return frozenset(out)

    def result(self, names: Iterable[str]) -> dict[str, bytes]:
        """The workbooks of ``names`` (as ``make`` returned them), by file name."""
        out = {}
        for name in sorted(names):
            table = self._tables[name]
            try:
                out[xlsx_name(table)] = self._futures[name].result()
            except BrokenProcessPool:  # the worker died (memory?): made here instead
                out[xlsx_name(table)] = excel_workbook(table, self.published_at)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Apart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _inert(sheet: Any, text: str, font: Font | None = None) -> WriteOnlyCell:
    """A text cell, even when it starts with "=" or "@": a string, never a formula."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _dated(sheet: Any, value: Any) -> Any:
    if not isinstance(value, dt.date):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd"
    return cell


def _moment(published_at: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(published_at).replace(tzinfo=None)
    except ValueError:
        return dt.datetime(2000, 1, 1)


class _FixedTimeZip(zipfile.ZipFile):
    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: Any,
        arcname: Any = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """A file written whole (openpyxl's write-only sheets), under the same fixed
        time: zip took the file's own, and a workbook's bytes changed with the second
        it was made in."""
        entry = zipfile.ZipInfo(str(arcname or filename), date_time=FIXED_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.file_size = os.path.getsize(filename)  # so that zip knows if it needs ZIP64
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def _typed(kind: str, value: str) -> Any:
    """A canonical cell as Excel's own type (what cannot be read stays text)."""
    if value == "":
        return None
    try:
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return value == "true"
    return value


# --- README -------------------------------------------------------------------------------

FILE_WORDS = {
    "csv": N_("canonical data: UTF-8 without BOM, codes as published, for programs"),
    "excel": N_(
        "for Excel in French or Arabic: UTF-8 with BOM, separated by ;, each code followed "
        "by its French and Arabic labels"
    ),
    "xlsx": N_("workbook: a French sheet and an Arabic sheet, dates and numbers typed"),
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
        lines.append(f"| `{xlsx_name(table)}` | {_words('xlsx')} |")
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
