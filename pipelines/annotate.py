"""The steward's workbook back, with every problem on its cell.

A person fixing a spreadsheet wants the problems where they are: each cell a finding
points to is filled (red for an error, amber for a warning) and carries a comment in the
steward's language, and a first sheet lists every problem with a link to its cell. When
the steward sent one workbook, that workbook is annotated (their formatting, dropdowns
and other sheets kept); otherwise (CSV files, several workbooks) a workbook is made with
one sheet per file, cells copied as text. A cell the steward typed as ``=...`` is
never turned into a formula by us: copied cells and messages are stored as text.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from .findings import Finding
from .i18n import N_, Lang, tr
from .reading import decode
from .report import Report, where

PROBLEMS = N_("Problems")
HEADINGS = (N_("Kind"), N_("Code"), N_("Where"), N_("Problem"), N_("What to do"), N_("Go to"))
KIND = {"error": N_("Error"), "warning": N_("Warning")}
GO = N_("cell {cell}")
FILLS = {
    "error": PatternFill("solid", fgColor="F8B4B4"),
    "warning": PatternFill("solid", fgColor="FCE7A6"),
}
# Enough for any file a person fixes by hand; beyond, the first sheet says how many.
MAX_MARKED = 5000


def annotated(folder: Path, report: Report, lang: Lang) -> bytes:
    """The annotated workbook (XLSX bytes) for the files of ``folder`` and their report."""
    book, sheets = _book(folder)
    findings = [*report.errors, *report.warnings]
    files = {
        table: str(info.get("file") or "")
        for table, info in report.stats.get("by_table", {}).items()
    }
    marks: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    rows: list[tuple[Finding, str | None, str | None]] = []
    for f in findings[:MAX_MARKED]:
        sheet, cell = _place(f, files, sheets)
        rows.append((f, sheet, cell))
        if sheet is not None and cell is not None:
            marks[(sheet, cell)].append(f)
    for (sheet, cell), found in marks.items():
        target = book[sheet][cell]
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        target.fill = FILLS[worst]
        text = "\n".join(f"{f.title(lang)}: {f.message(lang)}" for f in found)
        target.comment = Comment(text[:30000], "Infitah", width=320, height=160)
    _problems_sheet(book, rows, lang, len(findings))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _book(folder: Path) -> tuple[Workbook, dict[tuple[str, str | None], str]]:
    """The workbook to annotate, and which of its sheets holds each (file, sheet)."""
    workbooks = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xlsx")
    tables = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    sheets: dict[tuple[str, str | None], str] = {}
    if len(workbooks) == 1 and not tables:
        book = load_workbook(workbooks[0])
        for ws in book.worksheets:
            sheets[(workbooks[0].name, ws.title)] = ws.title
        sheets[(workbooks[0].name, None)] = book.worksheets[0].title
        return book, sheets
    book = Workbook()
    book.remove(book.active)
    for path in workbooks:
        source = load_workbook(path, read_only=True, data_only=True)
        for ws in source.worksheets:
            if ws.sheet_state != "visible":
                continue
            title = _title(book, path.stem if len(source.worksheets) == 1 else ws.title)
            _copy(book.create_sheet(title), ws.iter_rows(values_only=True))
            sheets[(path.name, ws.title)] = title
            sheets.setdefault((path.name, None), title)
        source.close()
    for path in tables:
        text, _, _ = decode(path.read_bytes(), path.name)
        title = _title(book, path.stem)
        _copy(book.create_sheet(title), csv.reader(io.StringIO(text)))
        sheets[(path.name, None)] = title
    if not book.worksheets:
        book.create_sheet("-")
    return book, sheets


def _title(book: Workbook, wanted: str) -> str:
    base = "".join(c for c in wanted if c not in "[]:*?/\\")[:28] or "sheet"
    title, n = base, 2
    while title in book.sheetnames:
        title, n = f"{base}_{n}", n + 1
    return title


def _copy(ws: Worksheet, rows: Any) -> None:
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            _text(ws.cell(r, c), value)


def _text(cell: Any, value: Any) -> None:
    """Set a value, a string beginning with '=' kept as text (never a formula)."""
    cell.value = value
    if cell.data_type == "f":
        cell.data_type = "s"


def _place(
    f: Finding, files: dict[str, str], sheets: dict[tuple[str, str | None], str]
) -> tuple[str | None, str | None]:
    """The sheet and cell a finding points to (a whole row: its first cell)."""
    file = f.file or (files.get(f.table or "") if f.table else None) or ""
    name, _, sheet = file.partition("#")
    title = sheets.get((name, sheet or None)) or sheets.get((name, None))
    if title is None or f.row is None:
        return title, None
    return title, f"{f.column or 'A'}{f.row}"


def _problems_sheet(
    book: Workbook, rows: list[tuple[Finding, str | None, str | None]], lang: Lang, total: int
) -> None:
    ws = book.create_sheet(tr(lang, PROBLEMS)[:31], 0)
    ws.sheet_view.rightToLeft = lang == "ar"
    bold = Font(bold=True)
    for c, heading in enumerate(HEADINGS, start=1):
        ws.cell(1, c, tr(lang, heading)).font = bold
    for r, (f, sheet, cell) in enumerate(rows, start=2):
        values = (tr(lang, KIND[f.severity]), f.code, where(f, lang), f.message(lang), f.hint(lang))
        for c, value in enumerate(values, start=1):
            _text(ws.cell(r, c), value)
        ws.cell(r, 1).fill = FILLS[f.severity]
        if sheet is not None and cell is not None:
            link = ws.cell(r, 6)
            _text(link, tr(lang, GO).format(cell=f"{sheet}!{cell}"))
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"{quote_sheetname(sheet)}!{cell}"
            )
            link.font = Font(color="0563C1", underline="single")
    if total > len(rows):
        ws.cell(len(rows) + 3, 1, f"… +{total - len(rows)}")
    for c, width in enumerate((10, 28, 34, 70, 50, 18), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    book.active = 0
