"""From the bytes a steward produced to clean rows they can still locate.

Stewards save CSV from Excel in UTF-8 (with or without BOM) or Windows-1256, with
commas or semicolons (French-locale Excel), or send XLSX. We decode ourselves rather
than trust a detector: frictionless's detector reads a Windows-1256 file whose first
Arabic appears late as cp1252, mangles it and calls it valid. Every normalisation we
apply is reported, so nothing changes silently; judging validity is not done here.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import json
import operator
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from . import dates
from .errors import InputError
from .findings import Finding, column_letter
from .i18n import LANGS, N_, tr
from .schemas import REQUIRED_TABLES, TABLES, TableSchema, load, normalise_header

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
# Spreadsheets Infitah does not read: the steward is asked to save them as .xlsx.
OTHER_SPREADSHEETS = frozenset({".xls", ".ods", ".numbers", ".xlsb"})
# The template's own sheets that hold no table: its README (titled in the workbook's
# language, as template.py names it) and its hidden lists.
README_SHEET = N_("README")
LISTS_SHEET = "_lists"
DESCRIPTOR = "datapackage.json"

# XLSX is a zip: refuse archives that would expand beyond these bounds (zip bombs).
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
# A single cell larger than this is not prose a commune writes.
MAX_CELL_CHARS = 100_000
csv.field_size_limit(MAX_CELL_CHARS * 4)
# How alike (difflib's ratio) an unknown header and a missing column's name or title
# must be to call it a typo: "titel_fr" / "title_fr" is 0.875, "title_en" / "title_fr" 0.75.
NEAR_MISS = 0.8

_INVISIBLE: dict[int, str | None] = {
    ord(c): None
    for c in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff\u200b"
}
_INVISIBLE.update({0x00A0: " ", 0x202F: " ", 0x2007: " "})
_DIGITS: dict[int, str | None] = {0x0660 + i: str(i) for i in range(10)}
_DIGITS.update({0x06F0 + i: str(i) for i in range(10)})
_DIGITS.update({0x066B: ".", 0x066C: None})


@dataclass
class TableData:
    """One table as read: rows in schema field order, each with its line in the file."""

    name: str
    file: str
    fields: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True

    @classmethod
    def of_rows(cls, name: str, fields: list[str], rows: list[list[str]]) -> TableData:
        """A table built in memory (the network's, a reference row), as if read from
        ``<name>.csv``: a header line, then one line per row."""
        return cls(
            name=name,
            file=f"{name}.csv",
            fields=fields,
            rows=rows,
            row_numbers=list(range(2, len(rows) + 2)),
            columns={f: column_letter(i) for i, f in enumerate(fields)},
        )

    @property
    def structurally_valid(self) -> bool:
        """False when a required column is missing: row checks would only add noise."""
        return self.readable and not any(
            f.code in {"missing-label", "duplicate-label"}
            or (f.code == "misspelt-label" and f.params.get("required"))
            for f in self.findings
        )

    def column(self, name: str) -> list[str]:
        i = self.fields.index(name)
        return [r[i] for r in self.rows]

    def locate(self, index: int, field_name: str | None = None) -> dict[str, Any]:
        """Where row ``index`` (0-based in ``rows``) and a field are in the steward's file."""
        return {
            "table": self.name,
            "file": self.file,
            "row": self.row_numbers[index],
            "field": field_name,
            "column": self.columns.get(field_name) if field_name else None,
        }


@dataclass
class PackageData:
    """A commune folder (or workbook) as read."""

    path: Path
    tables: dict[str, TableData]
    findings: list[Finding]
    descriptor: dict[str, Any]
    # Tables left unread because they are to be streamed (see stream_table).
    streamed: dict[str, Path] = field(default_factory=dict)

    @property
    def commune_code(self) -> str | None:
        code = self.descriptor.get("x-commune-code")
        return str(code) if code else None


# --- decoding -------------------------------------------------------------------------


def decode(data: bytes, file: str) -> tuple[str, str, list[Finding]]:
    """Strict UTF-8 first; Windows-1256 (Arabic Excel) only when UTF-8 cannot be right."""
    if b"\x00" in data[:4096]:
        raise _Unreadable("binary")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8").replace(SEP, ""), "utf-8", []
    except UnicodeDecodeError as exc:
        bad = exc.start
    # Valid multi-byte UTF-8 in the lines before the first bad one, or a later line that
    # is valid multi-byte UTF-8, means the file mixes encodings: decoding it all as
    # Windows-1256 would turn the UTF-8 part into gibberish (which still looks Arabic).
    line = _mixed_line(data, bad)
    if line:
        return "", "mixed", [Finding("mixed-encoding", file=file, row=line, params={"row": line})]
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError as exc:  # cp1256 maps every byte, but stay honest
        raise _Unreadable(str(exc)) from exc
    return text.replace(SEP, ""), "windows-1256", [Finding("legacy-encoding", file=file)]


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _mixed_line(data: bytes, bad: int) -> int | None:
    """The line where a file that is not all UTF-8 changes encoding, if it does.

    Lines are judged whole: a Windows-1256 line is practically never valid UTF-8 (two
    Arabic letters in a row already break it), while a pasted UTF-8 line always is.
    """
    start = data.rfind(b"\n", 0, bad) + 1
    if not data[:start].isascii():
        return data.count(b"\n", 0, start) + 1
    position = bad
    while match := _UTF8_SEQUENCE.search(data, position):
        start = data.rfind(b"\n", 0, match.start()) + 1
        end = data.find(b"\n", match.end())
        end = len(data) if end < 0 else end
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            position = end
            continue
        return data.count(b"\n", 0, start) + 1
    return None


class _Unreadable(Exception):
    """Internal: a file that is not a table; turned into an unreadable-file finding."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


# --- normalisation --------------------------------------------------------------------

# Columns are normalised whole: cells joined with a separator that cannot occur in
# decoded text (it is removed at decoding), so each clean-up is one C-level call per
# column instead of several Python calls per cell.
SEP = "\x1f"
_INVISIBLE_RE = re.compile("[" + "".join(chr(c) for c in _INVISIBLE) + "]")
_NEEDS_STRIP = re.compile(r"^ | \x1f|\x1f | \Z|[\r\n]\x1f|[\r\n]\Z")
_DIGITS_RE = re.compile("[" + "".join(chr(c) for c in _DIGITS) + "]")


@dataclass
class _Changes:
    """Which cells of one column a normalisation changed (reported, never silent)."""

    kind: str
    rows: list[int]
    params: dict[str, str] = field(default_factory=dict)


def normalise_column(values: list[str], digits: bool) -> tuple[list[str], list[_Changes]]:
    """Clean one column: bidi marks, no-break spaces, NFC, digits, edge spaces."""
    changes: list[_Changes] = []
    joined = SEP.join(values)
    if not joined.isascii():
        cleaned = joined
        if _INVISIBLE_RE.search(cleaned):
            cleaned = cleaned.translate(_INVISIBLE)
            changes.append(_Changes("invisible", _changed(joined, cleaned)))
        if not unicodedata.is_normalized("NFC", cleaned):
            cleaned = unicodedata.normalize("NFC", cleaned)
        if digits and _DIGITS_RE.search(cleaned):
            western = cleaned.translate(_DIGITS)
            changes.append(_Changes("digits", _changed(cleaned, western)))
            cleaned = western
        if cleaned is not joined:
            values, joined = cleaned.split(SEP), cleaned
    if _NEEDS_STRIP.search(joined):
        values = [v.rstrip(" \r\n").lstrip(" ") for v in values]
    return values, changes


def _changed(before: str, after: str) -> list[int]:
    return [
        i
        for i, (a, b) in enumerate(zip(before.split(SEP), after.split(SEP), strict=True))
        if a != b
    ]


_CHANGE_CODES = {
    "digits": "arabic-digits-normalised",
    "invisible": "invisible-characters-removed",
    "dates": "date-normalised",
    "labels": "label-normalised",
}


def typed_dates(
    values: list[str], reduced: bool
) -> tuple[list[str], list[int], list[tuple[int, tuple[str, str]]]]:
    """The column with every date written canonically (``dates.read``), which cells
    changed, and which read two ways with both readings (left as typed, for an
    ``ambiguous-date`` error)."""
    changed: list[int] = []
    ambiguous: list[tuple[int, tuple[str, str]]] = []
    out = values
    for index, value in enumerate(values):
        if not value or (len(value) == 10 and value[4] == "-" and value[7] == "-"):
            continue  # empty, or already YYYY-MM-DD: the usual cell costs no parsing
        meant = dates.read(value, reduced)
        if meant.ambiguous:
            ambiguous.append((index, meant.ambiguous))
        elif meant.changed:
            if out is values:
                out = list(values)
            out[index] = meant.value
            changed.append(index)
    return out, changed, ambiguous


def fold_label(text: str) -> str:
    """How a typed code or label is compared: as a header is (case, spacing), whatever
    its composition, and underscores written as spaces."""
    return normalise_header(unicodedata.normalize("NFC", text).replace("_", " "))


def label_codes(field_descriptor: dict[str, Any]) -> tuple[frozenset[str], dict[str, str]]:
    """For a list or yes/no field: the values it takes as they are, and what else a
    steward may type for each, folded: a code in any case or with spaces for
    underscores (which is its English wording: ``Not started``), its French or Arabic
    label (``Mise en œuvre``, ``منجز``), a yes/no word in any case (``OUI``), or how
    OGP's data writes it (``x-enum-aliases``: ``ND``, ``Worsens``). A word
    two values share means neither, and stays an error."""
    if field_descriptor.get("type") == "boolean":
        meanings = {
            "true": field_descriptor.get("trueValues", ["true"]),
            "false": field_descriptor.get("falseValues", ["false"]),
        }
        taken = frozenset(w for words in meanings.values() for w in words)
    else:
        codes = field_descriptor.get("constraints", {}).get("enum") or []
        labels = field_descriptor.get("x-enum-labels") or {}
        aliases = field_descriptor.get("x-enum-aliases") or {}
        meanings = {
            c: [c, *labels.get(c, {}).values(), *aliases.get(c, [])]
            for c in codes
            if isinstance(c, str)
        }
        taken = frozenset(meanings)
    lookup: dict[str, str] = {}
    shared: set[str] = set()
    for value, words in meanings.items():
        for word in words:
            key = fold_label(str(word))
            if lookup.get(key, value) != value:
                shared.add(key)
            lookup[key] = value
    return taken, {k: v for k, v in lookup.items() if k not in shared}


def coded_labels(
    values: list[str], taken: frozenset[str], lookup: dict[str, str]
) -> tuple[list[str], list[int]]:
    """The column with every label or other-case code written as the value it means,
    and which cells changed; what means nothing is left for validation to judge."""
    # A list column holds few distinct values: each is looked up once, and a column
    # with nothing to rewrite (the usual case) costs a set() and no loop in Python.
    meant = {
        value: code
        for value in set(values) - taken
        if value and (code := lookup.get(fold_label(value))) is not None
    }
    if not meant:
        return values, []
    changed = [index for index, value in enumerate(values) if value in meant]
    out = list(values)
    for index in changed:
        out[index] = meant[out[index]]
    return out, changed


# --- tables ---------------------------------------------------------------------------


def read_table(path: Path, schema: TableSchema, sheet: str | None = None) -> TableData:
    """Read one table file; problems with its content become findings on the result."""
    file = path.name if sheet is None else f"{path.name}#{sheet}"
    table = TableData(name=schema.name, file=file, fields=schema.field_names)
    problems: list[CellProblem] = []
    try:
        if path.suffix.lower() in XLSX_SUFFIXES:
            records: Iterable[tuple[int, list[str]]] = _xlsx_records(
                path, schema.name, sheet, problems
            )
            table.encoding = None
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(
                    f"cannot read {path}: {exc.strerror}", path=str(path), key="unreadable"
                ) from exc
            text, table.encoding, found = decode(data, file)
            for f in found:
                table.findings.append(_with_table(f, table))
            if table.encoding == "mixed":
                table.readable = False
                return table
            records = _csv_records(text)
        _fill(table, schema, records)
        table.findings += _cell_findings(table, problems)
    except _Unreadable as exc:
        table.readable = False
        table.rows, table.row_numbers = [], []
        table.findings.append(unreadable(table, exc))
    return table


def _cell_findings(table: TableData, problems: list[CellProblem]) -> list[Finding]:
    """Cell problems as findings at the steward's row and column (field when the column
    is one of the table's)."""
    fields = {letter: name for name, letter in table.columns.items()}
    return [
        Finding(
            code,
            table=table.name,
            row=line,
            field=fields.get(column_letter(col)),
            file=table.file,
            column=column_letter(col),
            params={"value": value, "cell": f"{column_letter(col)}{line}"},
        )
        for line, col, code, value in problems
    ]


def unreadable(table: TableData, exc: _Unreadable) -> Finding:
    """The finding for a file that cannot be read as a table, at the line if known."""
    return Finding(
        "unreadable-file",
        table=table.name,
        file=table.file,
        row=exc.line,
        params={"file": table.file, "reason": str(exc)},
    )


def _with_table(f: Finding, table: TableData) -> Finding:
    return Finding(f.code, table.name, f.row, f.field, f.file, f.column, f.params)


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    if not text.strip():
        raise _Unreadable("empty")
    return _records(io.StringIO(text, newline=""))


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Rows with the physical line each starts on (quoted cells may span lines).

    A file cut in the middle of a quoted cell (an interrupted copy, a truncated
    download) parses without complaint: the open quote swallows the rest of the file
    into one cell. The last record is parsed again strictly to tell that apart.
    """
    source = iter(lines)
    first = next(source, "")
    delimiter = _sniff_delimiter(first)
    taken: list[str] = []  # the physical lines of the record being parsed

    def tap() -> Iterator[str]:
        for text in itertools.chain([first], source):
            taken.append(text)
            yield text

    # The limit is process-wide and frictionless raises it when its CSV parser is
    # imported (as in a flow or a test run): set ours again for every file we read.
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    reader = csv.reader(tap(), delimiter=delimiter)
    line = start = 1
    last: list[str] = []
    try:
        for record in reader:
            last = taken[:]
            del taken[:]
            start = line
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        reason = "huge-cell" if "field larger" in str(exc) else str(exc)
        raise _Unreadable(reason, line) from exc
    if last and _unclosed_quote("".join(last), delimiter):
        raise _Unreadable("unclosed-quote", start)


def _unclosed_quote(record: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


# A cell the steward's Excel shows differently from what it stores: (line, column index,
# code, value). Reading collects them; ``read_table`` makes them located findings.
CellProblem = tuple[int, int, str, str]
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!"}
)  # fmt: skip


def _xlsx_records(
    path: Path, table: str, sheet: str | None, problems: list[CellProblem] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The rows of a sheet as the steward's Excel shows them: a formula reads as the
    result Excel saved with it (never as its text, never as an ``ArrayFormula`` object),
    an error cell (``#REF!``) or a formula with no saved result reads as empty and is
    reported in ``problems``."""
    import openpyxl

    _guard_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _Unreadable("not-xlsx") from exc
    found = problems if problems is not None else []
    formulas: dict[tuple[int, int], int] = {}
    records: list[tuple[int, list[str]]] = []
    try:
        name = _pick_sheet(wb, table, sheet)
        for number, cells in _sheet_rows(wb[name]):
            values = []
            for col, cell in enumerate(cells):
                value = cell.value
                if cell.data_type == "f" or not isinstance(value, str | int | float | bool |
                                                             dt.date | dt.time | None):  # fmt: skip
                    formulas[(number, col)] = len(records)
                    values.append("")
                elif cell.data_type == "e" or (isinstance(value, str) and value in EXCEL_ERRORS):
                    found.append((number, col, "excel-error", str(value)))
                    values.append("")
                elif isinstance(value, str) and len(value) > MAX_CELL_CHARS * 4:
                    raise _Unreadable("huge-cell", line=number)  # as the CSV reader does
                else:
                    values.append(_xlsx_cell(value))
            records.append((number, values))
    finally:
        wb.close()
    if formulas:
        _saved_results(path, name, formulas, records, found)
    yield from records


def _sheet_rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """A read-only sheet's rows (cells), numbered as Excel shows them; a damaged sheet
    (its XML cut, a bad cell) is unreadable at the row where it broke."""
    # Read-only mode trusts the sheet's stored dimension, which some producers write as
    # "A1" whatever the sheet holds: forget it and read the cells that are there.
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    rows = ws.iter_rows()
    number = 0
    while True:
        try:
            cells = next(rows, None)
        except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError,
                KeyError, ValueError, TypeError) as exc:  # fmt: skip
            raise _Unreadable("not-xlsx", line=number + 1) from exc
        if cells is None:
            return
        number += 1
        yield number, cells


def _saved_results(
    path: Path,
    sheet: str,
    formulas: dict[tuple[int, int], int],
    records: list[tuple[int, list[str]]],
    found: list[CellProblem],
) -> None:
    """Put in each formula cell the result Excel saved with the workbook (a second,
    value-only read of the sheet: formulas are rare in stewards' tables)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for number, cells in _sheet_rows(wb[sheet]):
            for col, cell in enumerate(cells):
                at = formulas.get((number, col))
                if at is None:
                    continue
                value = cell.value
                if value is None:
                    found.append((number, col, "formula-without-value", ""))
                elif isinstance(value, str) and value in EXCEL_ERRORS:
                    found.append((number, col, "excel-error", value))
                else:
                    records[at][1][col] = _xlsx_cell(value)
    finally:
        wb.close()


def _guard_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _Unreadable("not-xlsx") from exc
    expanded = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if expanded > MAX_XLSX_UNCOMPRESSED or expanded / packed > MAX_XLSX_RATIO:
        raise _Unreadable("zip-bomb")


def _pick_sheet(wb: Any, table: str, sheet: str | None) -> str:
    """The sheet holding ``table``: the one the descriptor names, else a visible sheet
    named after the table (or one of its titles), else the first visible sheet. A hidden
    sheet is never read in place of what the steward sees."""
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    if sheet is not None:
        for name in wb.sheetnames:
            if normalise_header(name) == normalise_header(sheet):
                return str(name)
        raise _Unreadable("no-sheet")
    names = load(table).sheet_names
    for name in visible:
        if normalise_header(name) in names:
            return name
    if visible:
        return visible[0]
    raise _Unreadable("no-sheet")


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace(SEP, "")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class _Layout:
    """Where each schema field is in the file's records, decided from the header."""

    positions: list[int | None]
    width: int

    @property
    def present(self) -> list[int]:
        return [p for p in self.positions if p is not None]


def _fill(table: TableData, schema: TableSchema, records: Iterable[tuple[int, list[str]]]) -> None:
    iterator = iter(records)
    layout = _header(table, schema, iterator)
    table.rows, table.row_numbers = _rows(table, schema, layout, iterator)


def _header(
    table: TableData, schema: TableSchema, iterator: Iterator[tuple[int, list[str]]]
) -> _Layout:
    """Consume records up to the header (the first non-blank one) and map it."""
    for _line, record in iterator:
        if any(cell.strip() for cell in record):
            return _Layout(_map_header(table, schema, record), len(record))
    raise _Unreadable("empty")


def _rows(
    table: TableData,
    schema: TableSchema,
    layout: _Layout,
    records: Iterable[tuple[int, list[str]]],
) -> tuple[list[list[str]], list[int]]:
    """Data records as normalised rows in schema order, with their lines; what was
    changed or left over is reported on ``table``."""
    width = layout.width
    positions = layout.positions
    present = layout.present
    pick = operator.itemgetter(*present) if present else None
    picked: list[Any] = []
    lines: list[int] = []
    for line, record in records:
        if len(record) != width:
            if len(record) > width:
                _extra_cells(table, line, record, width)
            record = record[:width] + [""] * (width - len(record))
        if not "".join(record).strip():
            continue
        picked.append(pick(record) if pick else ())
        lines.append(line)
    if len(present) == 1:
        picked = [(value,) for value in picked]
    raw_columns = list(zip(*picked, strict=True)) if picked else [() for _ in present]
    del picked
    digit_fields = set(schema.digit_fields)
    date_fields = {
        f["name"]: f.get("x-date") == "reduced"
        for f in schema.fields
        if f.get("type") == "date" or f.get("x-date") == "reduced"
    }
    coded = {
        f["name"]: label_codes(f)
        for f in schema.fields
        if f.get("type") == "boolean" or f.get("constraints", {}).get("enum")
    }
    columns: list[list[str]] = []
    source = iter(raw_columns)
    for name, pos in zip(schema.field_names, positions, strict=True):
        if pos is None:
            columns.append([""] * len(lines))
            continue
        values, changes = normalise_column(list(next(source)), name in digit_fields)
        if name in date_fields:
            typed = values
            values, rewritten, ambiguous = typed_dates(values, date_fields[name])
            if rewritten:
                first = rewritten[0]
                example = {"value": typed[first][:40], "code": values[first]}
                changes.append(_Changes("dates", rewritten, example))
            for index, readings in ambiguous:
                table.findings.append(
                    _ambiguous(table, name, lines[index], values[index], readings)
                )
        if name in coded:
            typed = values
            values, relabelled = coded_labels(values, *coded[name])
            if relabelled:
                first = relabelled[0]
                example = {"value": typed[first][:40], "code": values[first]}
                changes.append(_Changes("labels", relabelled, example))
        columns.append(values)
        for change in changes:
            table.findings.append(
                Finding(
                    _CHANGE_CODES[change.kind],
                    table=table.name,
                    file=table.file,
                    field=name,
                    row=lines[change.rows[0]],
                    column=table.columns.get(name),
                    params={"count": len(change.rows), **change.params},
                )
            )
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    keep = [i for i, row in enumerate(rows) if any(row)]
    if len(keep) != len(rows):
        rows = [rows[i] for i in keep]
        lines = [lines[i] for i in keep]
    return rows, lines


def _ambiguous(
    table: TableData, name: str, line: int, value: str, readings: tuple[str, str]
) -> Finding:
    day_first, month_first = readings
    return Finding(
        "ambiguous-date",
        table=table.name,
        file=table.file,
        field=name,
        row=line,
        column=table.columns.get(name),
        params={"value": value[:40], "day_first": day_first, "month_first": month_first},
    )


def _extra_cells(table: TableData, line: int, record: list[str], width: int) -> None:
    extra = [c for c in record[width:] if c.strip()]
    if extra:
        table.findings.append(
            Finding(
                "extra-cell",
                table.name,
                line,
                None,
                table.file,
                column_letter(width),
                {"value": extra[0][:80]},
            )
        )


def _map_header(table: TableData, schema: TableSchema, header: list[str]) -> list[int | None]:
    """Match columns by name or ar/fr title, in any order; report what does not match.

    A header one typo away from a column the file lacks (``titel_fr``) is that column
    misspelt, not an extra one: an error, or its data would be silently dropped.
    """
    aliases = schema.header_aliases()
    found: dict[str, int] = {}
    unknown: list[tuple[int, str, str]] = []
    for index, label in enumerate(header):
        key = normalise_header(label.translate(_INVISIBLE))
        if not key:
            continue
        name = aliases.get(key)
        if name is None:
            unknown.append((index, key, label))
        elif name in found:
            table.findings.append(
                Finding("duplicate-label", table.name, None, name, table.file, column_letter(index))
            )
        else:
            found[name] = index
    misspelt: dict[str, int] = {}
    for index, key, label in unknown:
        missing = {a: n for a, n in aliases.items() if n not in found and n not in misspelt}
        close = difflib.get_close_matches(key, list(missing), n=1, cutoff=NEAR_MISS)
        code = "misspelt-label" if close else "extra-label"
        field_name = missing[close[0]] if close else None
        if field_name:
            misspelt[field_name] = index
        table.findings.append(
            Finding(
                code,
                table.name,
                None,
                field_name,
                table.file,
                column_letter(index),
                {
                    "value": label.strip()[:80],
                    "required": field_name is not None and schema.required(field_name),
                },
            )
        )
    table.columns = {name: column_letter(i) for name, i in found.items()}
    absent = [n for n in schema.field_names if n not in found and n not in misspelt]
    optional = [n for n in absent if not schema.required(n)]
    for name in absent:
        if schema.required(name):
            table.findings.append(Finding("missing-label", table.name, None, name, table.file))
    if optional:
        # One note per table: a schema that grows optional columns (the IRM's, say)
        # must not bury a steward's older file under a note per column.
        params = {"count": len(optional), "columns": ", ".join(optional)}
        table.findings.append(
            Finding(
                "missing-optional-label", table.name, None, optional[0], table.file, None, params
            )
        )
    return [found.get(name) for name in schema.field_names]


# --- folders ----------------------------------------------------------------------------


def read_package(
    path: Path,
    tables: Iterable[str] = TABLES,
    stream: Callable[[Path], bool] | None = None,
) -> PackageData:
    """Read a commune folder, or a workbook with one sheet per table (the template).

    CSV files for which ``stream`` says yes are located but not read: they are too
    large to hold, and the caller reads them with stream_table.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file or folder", path=str(path), key="no-such-path")
    if path.is_file():
        if path.suffix.lower() not in XLSX_SUFFIXES:
            raise InputError(
                f"{path}: a single CSV file needs --table NAME (one of: {', '.join(TABLES)})",
                path=str(path),
                key="csv-needs-table",
                tables=", ".join(TABLES),
            )
        return _read_workbook(path, list(tables))
    findings: list[Finding] = []
    root = path.resolve()
    if (path / DESCRIPTOR).exists() and not confined(root, path / DESCRIPTOR):
        findings.append(Finding("unsafe-file", file=DESCRIPTOR, params={"file": DESCRIPTOR}))
        descriptor: dict[str, Any] = {}
    else:
        descriptor = _read_descriptor(path)
        findings += descriptor_findings(descriptor)
    sources = _locate_sources(path, descriptor, list(tables), findings)
    data: dict[str, TableData] = {}
    streamed: dict[str, Path] = {}
    for name in tables:
        if name in sources:
            file, sheet = sources[name]
            if sheet is None and stream is not None and _is_csv(file) and stream(file):
                streamed[name] = file
                continue
            data[name] = read_table(file, load(name), sheet)
        elif name in REQUIRED_TABLES:
            findings.append(Finding("missing-table", table=name, params={"table": name}))
    return PackageData(
        path=path, tables=data, findings=findings, descriptor=descriptor, streamed=streamed
    )


# The descriptor's fields Infitah reads, by the kind of value each must hold: a field of
# another kind is an error at validation (publishing it failed half-way).
DESCRIPTOR_KINDS = {
    "name": "text", "title": "text", "description": "text", "version": "text",
    "x-title-ar": "text", "x-title-fr": "text", "x-description-ar": "text",
    "x-description-fr": "text", "x-commune-code": "text",
    "licenses": "list", "sources": "list", "resources": "list",
    "x-illustrative": "object", "x-facts": "object", "x-contact": "object",
}  # fmt: skip
_KINDS: dict[str, Callable[[Any], bool]] = {
    "text": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
}


def descriptor_findings(descriptor: dict[str, Any]) -> list[Finding]:
    """A ``descriptor-field`` error for each field Infitah reads that holds the wrong
    kind of value (``"licenses": "CC-BY"``)."""
    return [
        Finding("descriptor-field", file=DESCRIPTOR, params={"key": key, "expected": kind})
        for key, kind in DESCRIPTOR_KINDS.items()
        if key in descriptor and descriptor[key] is not None and not _KINDS[kind](descriptor[key])
    ]


def shown_name(name: str) -> str:
    """A file name as text that can be shown and written: a name that is not valid UTF-8
    (a disk from another system) keeps its readable part, the rest as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def confined(root: Path, path: Path) -> bool:
    """Whether ``path`` may be read as part of the member folder ``root`` (resolved): a
    regular file whose real place, links followed, is inside it. A link to ``/etc/passwd``
    or to a ``.env`` elsewhere, a FIFO (which would block the reader), a device or a
    folder is never opened."""
    try:
        target = path.resolve(strict=True)
        regular = stat.S_ISREG(target.stat().st_mode)
    except (OSError, RuntimeError):  # a dangling or looping link
        return False
    return regular and target.is_relative_to(root)


def _is_csv(file: Path) -> bool:
    return file.suffix.lower() not in XLSX_SUFFIXES and file.is_file()


def _read_workbook(path: Path, tables: list[str]) -> PackageData:
    findings: list[Finding] = []
    sheets = _workbook_sheets(path, tables, findings)
    if sheets is None:
        raise InputError(
            f"{path}: not a readable XLSX workbook", path=str(path), key="not-a-workbook"
        )
    data = {name: read_table(path, load(name), sheet) for name, sheet in sheets.items()}
    for name in tables:
        if name not in data and name in REQUIRED_TABLES:
            findings.append(Finding("missing-table", table=name, params={"table": name}))
    return PackageData(path=path, tables=data, findings=findings, descriptor={})


def _workbook_sheets(
    path: Path, tables: list[str], findings: list[Finding]
) -> dict[str, str] | None:
    """Which visible sheet of a workbook holds each table (by the table's name or one
    of its titles: ``milestones``, ``Jalons``, ``المراحل``); None if it is no workbook.
    A hidden sheet holding a table, and a visible sheet that is no table, are warnings
    that name them: nothing is read that the steward does not see, and nothing is
    dropped without a word."""
    import openpyxl

    try:
        _guard_zip(path)
        wb = openpyxl.load_workbook(path, read_only=True)
        states = [(str(ws.title), ws.sheet_state) for ws in wb.worksheets]
        wb.close()
    except (_Unreadable, zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    by_name = {alias: name for name in tables for alias in load(name).sheet_names}
    ours = {normalise_header(tr(lang, README_SHEET)) for lang in LANGS} | {LISTS_SHEET}
    found: dict[str, str] = {}
    for sheet, state in states:
        table = by_name.get(normalise_header(sheet))
        if state != "visible":
            if table is not None:
                findings.append(Finding("hidden-sheet", table=table, file=path.name,
                                        params={"sheet": sheet, "file": path.name}))  # fmt: skip
        elif table is not None and table not in found:
            found[table] = sheet
        elif normalise_header(sheet) not in ours:
            findings.append(Finding("unknown-sheet", file=path.name, params={
                "sheet": sheet, "file": path.name, "expected": ", ".join(tables)}))  # fmt: skip
    return found


def _read_descriptor(folder: Path) -> dict[str, Any]:
    file = folder / DESCRIPTOR
    if not file.is_file():
        return {}
    try:
        descriptor = json.loads(file.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(
            f"{file}: not valid JSON ({exc})", path=str(file), key="bad-descriptor"
        ) from exc
    if not isinstance(descriptor, dict):
        raise InputError(f"{file}: not a JSON object", path=str(file), key="bad-descriptor")
    return descriptor


def _locate_sources(
    folder: Path, descriptor: dict[str, Any], tables: list[str], findings: list[Finding]
) -> dict[str, tuple[Path, str | None]]:
    """Which file (and sheet) holds each table: the descriptor's word, else file names."""
    sources: dict[str, tuple[Path, str | None]] = {}
    root = folder.resolve()
    refused: set[Path] = set()  # reported once, whichever way they were found
    resources = descriptor.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        name, rel = resource.get("name"), resource.get("path")
        if name not in tables or not isinstance(rel, str):
            continue
        lexical = os.path.normpath(rel)
        if (
            "://" in rel
            or "\x00" in rel
            or Path(rel).is_absolute()
            or lexical.split(os.sep)[0] == ".."
        ):
            findings.append(
                Finding("unsafe-path", table=name, file=DESCRIPTOR, params={"path": rel[:200]})
            )
            continue
        candidate = folder / lexical
        if (candidate.is_symlink() or candidate.exists()) and not confined(root, candidate):
            refused.add(candidate)
            findings.append(
                Finding("unsafe-file", table=name, file=rel[:200], params={"file": rel[:200]})
            )
            continue
        target = candidate.resolve()
        if not target.is_file():
            findings.append(
                Finding("missing-table", table=name, file=rel[:200], params={"table": name})
            )
            continue
        sources[name] = (target, resource.get("sheet"))
    for file in sorted(folder.iterdir()):
        suffix = file.suffix.lower()
        if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES | OTHER_SPREADSHEETS:
            continue
        if not confined(root, file):
            if file not in refused:
                shown = shown_name(file.name)
                findings.append(Finding("unsafe-file", file=shown, params={"file": shown}))
            continue
        if any(file.resolve() == src.resolve() for src, _ in sources.values()):
            continue
        key = file.stem.strip().lower().replace("-", "_").replace(" ", "_")
        if suffix in OTHER_SPREADSHEETS:
            shown = shown_name(file.name)
            findings.append(Finding("unsupported-format", table=key if key in tables else None,
                                    file=shown, params={"file": shown}))  # fmt: skip
        elif key in tables:
            _add_source(sources, key, file, None, findings)
        elif suffix in XLSX_SUFFIXES and _workbook_tables(file, tables, sources, findings):
            continue
        else:
            shown = shown_name(file.name)
            findings.append(
                Finding(
                    "unknown-file",
                    file=shown,
                    params={"file": shown, "expected": ", ".join(tables)},
                )
            )
    return sources


def _workbook_tables(
    file: Path,
    tables: list[str],
    sources: dict[str, tuple[Path, str | None]],
    findings: list[Finding],
) -> bool:
    """The tables a workbook of the folder holds, added to ``sources`` (a table found
    twice is an error); False when it holds none."""
    sheets = _workbook_sheets(file, tables, findings)
    if not sheets:
        return False
    for table, sheet in sheets.items():
        _add_source(sources, table, file, sheet, findings)
    return True


def _add_source(
    sources: dict[str, tuple[Path, str | None]],
    table: str,
    file: Path,
    sheet: str | None,
    findings: list[Finding],
) -> None:
    """Record where ``table`` is; a second place for it (a CSV beside a workbook that
    holds the same table) is a ``duplicate-table`` error naming both, not a silent pick."""
    if table not in sources:
        sources[table] = (file, sheet)
        return
    first, first_sheet = sources[table]
    shown = [f"{f.name}#{s}" if s else f.name for f, s in ((first, first_sheet), (file, sheet))]
    findings.append(Finding("duplicate-table", table=table, file=shown[1], params={
        "table": table, "first": shown[0], "second": shown[1]}))  # fmt: skip


# --- streaming ----------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
_BLOCK = 1 << 20
# One physical line longer than this holds no row a commune writes (every cell of a
# row at the cell limit would still fit): refuse it rather than buffer it.
MAX_LINE_BYTES = 64 * 1024 * 1024


@dataclass
class TableStream:
    """A table read chunk by chunk, for files too large to hold.

    ``head`` carries what is known before the rows (header mapping, encoding, file
    findings); ``chunks`` yields the rows a chunk at a time, each chunk a TableData with
    its own findings. A file that turns out unreadable half-way stops the chunks and
    leaves an unreadable-file finding on ``head``.
    """

    head: TableData
    chunks: Iterator[TableData]


def scan_encoding(path: Path, file: str) -> tuple[str, list[Finding]]:
    """decode()'s verdict (UTF-8, Windows-1256 or mixed at a line) in one pass over the
    bytes, a block at a time, without holding the file."""
    kind: str | None = None  # the encoding of the first non-ASCII line
    line = 1
    with path.open("rb") as fh:
        head = fh.read(4096)
        if b"\x00" in head:
            raise _Unreadable("binary")
        fh.seek(len(BOM) if head.startswith(BOM) else 0)
        carry = b""
        while True:
            block = fh.read(_BLOCK)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            if not cut and len(data) > MAX_LINE_BYTES:
                raise _Unreadable("long-line", line)
            part, carry = data[:cut], data[cut:]
            if not part.isascii():
                kind, mixed = _block_encoding(part, kind, line)
                if mixed is not None:
                    finding = Finding("mixed-encoding", file=file, row=mixed, params={"row": mixed})
                    return "mixed", [finding]
            line += part.count(b"\n")
            if not block:
                break
    if kind == "windows-1256":
        return kind, [Finding("legacy-encoding", file=file)]
    return "utf-8", []


def _block_encoding(part: bytes, kind: str | None, line: int) -> tuple[str | None, int | None]:
    """(encoding so far, line where it changes) after the whole lines in ``part``."""
    if kind in (None, "utf-8"):
        try:
            part.decode("utf-8")
            return "utf-8", None
        except UnicodeDecodeError:
            pass
    for offset, raw in enumerate(part.split(b"\n")):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            this = "utf-8"
        except UnicodeDecodeError:
            this = "windows-1256"
        if kind is None:
            kind = this
        elif this != kind:
            return kind, line + offset
    return kind, None


def stream_table(
    path: Path, schema: TableSchema, chunk_rows: int, only: Collection[str] | None = None
) -> TableStream:
    """Read a CSV table in chunks of ``chunk_rows`` records, normalised as read_table does.

    With ``only``, the other fields are left empty (a second read that needs the keys).
    """
    head = TableData(name=schema.name, file=path.name, fields=schema.field_names)
    nothing: Iterator[TableData] = iter(())
    try:
        encoding, found = scan_encoding(path, head.file)
    except _Unreadable as exc:
        head.readable = False
        head.findings.append(unreadable(head, exc))
        return TableStream(head, nothing)
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror}", path=str(path), key="unreadable"
        ) from exc
    head.encoding = encoding
    head.findings.extend(_with_table(f, head) for f in found)
    if encoding == "mixed":
        head.readable = False
        return TableStream(head, nothing)
    fh = path.open(encoding="utf-8-sig" if encoding == "utf-8" else "cp1256", newline="")
    records = _records(line.replace(SEP, "") if SEP in line else line for line in fh)
    try:
        layout = _header(head, schema, records)
    except _Unreadable as exc:
        fh.close()
        head.readable = False
        head.findings.append(unreadable(head, exc))
        return TableStream(head, nothing)
    if only is not None:
        names = schema.field_names
        keep = [p if n in only else None for n, p in zip(names, layout.positions, strict=True)]
        layout = _Layout(keep, layout.width)
    return TableStream(head, _chunks(head, schema, layout, records, chunk_rows, fh))


def _chunks(
    head: TableData,
    schema: TableSchema,
    layout: _Layout,
    records: Iterator[tuple[int, list[str]]],
    chunk_rows: int,
    fh: io.TextIOBase,
) -> Iterator[TableData]:
    try:
        while batch := list(itertools.islice(records, chunk_rows)):
            chunk = TableData(
                head.name, head.file, head.fields, columns=head.columns, encoding=head.encoding
            )
            chunk.rows, chunk.row_numbers = _rows(chunk, schema, layout, batch)
            del batch
            if chunk.rows or chunk.findings:
                yield chunk
    except _Unreadable as exc:
        head.readable = False
        head.findings.append(unreadable(head, exc))
    except UnicodeDecodeError as exc:  # the scan said the bytes decode: stay honest
        head.readable = False
        head.findings.append(unreadable(head, _Unreadable(str(exc))))
    finally:
        fh.close()
