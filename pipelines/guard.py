"""The egress guard: the last look at every byte a release would publish, on any portal.

Validation's checks speak to the steward about the cells of their tables. The guard
does not trust that they covered everything: it reads the exact files about to be
written (the tables, the Excel CSVs, ``datapackage.json`` with the descriptor's free
text and sources, the README, the validation report, the row index, the changes) and
their names, and refuses personal data, control characters and unsafe URLs wherever
they are, and text Excel would run as a formula in a table's text columns. A new
field or a new file cannot bypass it: it sees what is published, not what was checked.

Workbooks (``.xlsx``) are made from the same cells as the CSVs, every text stored as
text (``downloads.py``), and charts are images: neither holds a value the CSVs do not.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import pandas as pd

from . import pii
from .findings import Finding, declare
from .formulas import is_formula
from .i18n import N_
from .pii import SUSPECT, kind_of
from .schemas import TableSchema

# C0 controls but tab, line feed and carriage return; DEL; C1 controls (ESC, BEL, NUL...).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A link a browser or a spreadsheet would run or open locally instead of fetching.
UNSAFE_URL = re.compile(r"(?i)(?<![\w.+-])(?:javascript|vbscript|file|data):\S")
# Our own digests (hashes of tables, rows, schemas): hexadecimal runs whose digits could
# look like a number; they are not the steward's text.
# Starts only where a run of letters and digits starts, and takes the run whole: linear.
DIGEST = re.compile(r"(?<![0-9A-Za-z])(?:sha256:)?[0-9a-f]{16,}+(?![0-9A-Za-z])")
CHECKED = (".csv", ".json", ".md", ".txt")
# The manifest's row index: each row's short hash (16 hexadecimal digits, made here from
# the row). About one in 2,000 has no letter, and of those about one in 120 reads as an
# international phone number ("0049..."): the network of 1,503 members was refused.
ROW_HASH = re.compile(r"^tables\.[^.]+\.row_index\.")

KINDS = {
    **pii.KINDS,
    "control": N_("an invisible control character"),
    "unsafe-url": N_("a link that would run code or open a local file"),
    "formula": N_("text that Excel would run as a formula"),
}

declare(
    "egress-refused",
    "error",
    title=N_("Refused at publication"),
    message=N_("Nothing was published: {file} would have carried {kind}."),
    hint=N_(
        "Correct the source of this text (the table, or datapackage.json), then publish again."
    ),
    words={"kind": KINDS},
)


def inspect(files: Mapping[str, bytes], vouched: Collection[str] = ()) -> list[Finding]:
    """Every reason not to publish these files, each saying which file and where.
    ``vouched``: files kept byte for byte from a version this guard passed under the
    same rules (``publishing._kept``); only their names are read again."""
    inspection = Inspection(vouched)
    inspection.read(files)
    return inspection.findings()


class Inspection:
    """One version's files read in parts: first the tables, the descriptor and what was
    made with them, then (``read`` again) what was made meanwhile (the manifest, which
    records the hashes of workbooks made in a worker process: ``bundle.version_files``).
    What the tables taught (their identifiers) serves every later part, and
    ``findings()`` lists them as one reading of every file would."""

    def __init__(self, vouched: Collection[str] = ()) -> None:
        self.vouched = frozenset(vouched)
        self._start()

    def _start(self) -> None:
        self.read_bytes: dict[str, bytes] = {}
        self.found: list[Finding] = []
        self.codes: set[str] = set()  # identifiers and codes the tables hold, judged there
        self.judge = _Judge()
        self.schemas: dict[str, TableSchema] | None = None

    def unread(self, files: Mapping[str, bytes]) -> dict[str, bytes]:
        """Of ``files``, those not read yet, or not these very bytes."""
        return {n: d for n, d in files.items() if self.read_bytes.get(n) is not d}

    def read(self, files: Mapping[str, bytes]) -> None:
        """Read ``files``. A later part with a table in it (its identifiers would come
        too late for what was read before) has everything read again, from the start."""
        if self.read_bytes and any(n.endswith(".csv") for n in files):
            everything = {**self.read_bytes, **files}
            self._start()
            self.read(everything)
            return
        if self.schemas is None:
            descriptor = _json(files.get("datapackage.json", b"{}"))
            self.schemas = {
                str(r.get("name")): TableSchema(str(r.get("name")), dict(r["schema"]))
                for r in descriptor.get("resources", [])
                if isinstance(r, dict) and isinstance(r.get("schema"), dict)
                and "fields" in r["schema"]
            }  # fmt: skip
        tables = sorted(n for n in files if n.endswith(".csv"))
        others = sorted(n for n in files if not n.endswith(".csv"))
        for name in [*tables, *others]:
            self.read_bytes[name] = files[name]
            self.found += self._file(name, files[name])

    def findings(self) -> list[Finding]:
        """Every finding, in the order of the files (tables first), each file's in its
        own order."""
        names = sorted(self.read_bytes, key=lambda n: (not n.endswith(".csv"), n))
        order = {n: i for i, n in enumerate(names)}
        return sorted(self.found, key=lambda f: order.get(f.file or "", -1))

    def _file(self, name: str, data: bytes) -> list[Finding]:
        judge, codes, schemas = self.judge, self.codes, self.schemas or {}
        found = _refusals(name, None, None, judge(name, False, True))
        if not name.endswith(CHECKED):
            return found
        if name.endswith(".csv"):
            stem = name.removesuffix(".csv").removesuffix(".excel")
            excel = name.endswith(".excel.csv")
            if name in self.vouched:  # passed already; its identifiers still excuse others
                # (an Excel copy's are its table's, when that is read too)
                if not (excel and f"{stem}.csv" in self.read_bytes):
                    codes |= _codes(data, schemas.get(stem), excel)
                return found
            found += _csv(name, data, schemas.get(stem), excel, codes, judge)
        elif name in self.vouched:
            return found
        elif name.endswith(".json"):
            document = _json(data)
            if name == "manifest.json":
                document = _without_kept_rows(document, self.vouched)
            for path, text, is_key in _strings(document):
                ours = is_key or (name == "manifest.json" and ROW_HASH.match(path) is not None)
                if kinds := judge(text, False, not ours, codes):
                    found += _refusals(name, None, path, kinds)
        else:
            text = data.decode("utf-8", "replace")
            for number, line in enumerate(text.splitlines(), start=1):
                found += _refusals(name, number, None, judge(line, False, True, codes))
        return found


def _without_kept_rows(manifest: dict[str, Any], vouched: frozenset[str]) -> dict[str, Any]:
    """The manifest less the row index of each table kept from the version before (its
    keys are that table's values, its hashes ours: what the manifest this guard passed
    then carried, the same rows giving the same index). The network's indicators have
    a quarter of a million rows: their index was most of what a night's guard read."""
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not any(f"{n}.csv" in vouched for n in tables):
        return manifest
    return {
        **manifest,
        "tables": {
            n: {k: v for k, v in t.items() if k != "row_index"}
            if f"{n}.csv" in vouched and isinstance(t, dict)
            else t
            for n, t in tables.items()
        },
    }


_TOKEN = re.compile(r"[A-Za-z0-9_.\-]+")
# Letters, digits and ``_.|-`` alone: no control character, no link (it needs a colon).
# Our row ids and hashes (a manifest holds hundreds of thousands of them) are read at
# the speed of one match each.
PLAIN = re.compile(r"[A-Za-z0-9_.|\-]*")


def _without(codes: set[str], text: str) -> str:
    """``text`` less the identifiers the tables hold (a changelog names the rows that
    changed: ``c050811521-1-m1`` is a row id, judged as one, not a phone number)."""
    if not codes:
        return text
    # Replaced by a mark no number is typed across: blanking a year between two dates
    # ("06/01/2016 28/02/2016") must not join their digits into one phone-like number.
    return _TOKEN.sub(lambda m: " ; " if m.group() in codes else m.group(), text)


def _rows(data: bytes, excel: bool) -> Iterator[list[str]]:
    text = data.decode("utf-8-sig", "replace")
    return csv.reader(io.StringIO(text, newline=""), delimiter=";" if excel else ",")


def _coded(schema: TableSchema | None) -> set[str]:
    """Identifiers and codes follow a pattern or a list (``c050811521-1`` is no phone);
    personal data is looked for where people write, as validation does. A column the
    schema does not know is read as free text."""
    return set(schema.text_fields) - set(schema.free_text_fields) if schema else set()


def _codes(data: bytes, schema: TableSchema | None, excel: bool) -> set[str]:
    """The identifiers and codes of a table the guard passed already, read by pandas'
    parser (its coded columns only: four times the speed of ``csv`` on a network
    table), or cell by cell where that parser refuses the text."""
    coded = _coded(schema)
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=";" if excel else ",",
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            index_col=False,  # a row longer than the header never shifts the columns
            usecols=lambda column: str(column).split(" ", 1)[0] in coded,
            encoding="utf-8-sig",
            encoding_errors="replace",
        )
    except (ValueError, pd.errors.ParserError):  # an empty file, a row longer than its header
        return _codes_by_cell(data, coded, excel)
    if len(frame.columns) != _coded_in_header(data, coded, excel):
        return _codes_by_cell(data, coded, excel)  # a repeated column, renamed by pandas
    found: set[str] = set()
    for column in frame.columns:
        found.update(v for v in frame[column].tolist() if isinstance(v, str))
    found.discard("")
    return found


def _coded_in_header(data: bytes, coded: set[str], excel: bool) -> int:
    header = next(_rows(data.split(b"\n", 1)[0], excel), [])
    return sum(column.split(" ", 1)[0] in coded for column in header)


def _codes_by_cell(data: bytes, coded: set[str], excel: bool) -> set[str]:
    reader = _rows(data, excel)
    header = next(reader, [])
    columns = [i for i, column in enumerate(header) if column.split(" ", 1)[0] in coded]
    return {row[i] for row in reader for i in columns if i < len(row) and row[i]}


def _csv(
    name: str,
    data: bytes,
    schema: TableSchema | None,
    excel: bool,
    codes: set[str],
    judge: _Judge,
) -> list[Finding]:
    reader = _rows(data, excel)
    header = next(reader, [])
    found = [f for cell in header for f in _refusals(name, 1, None, judge(cell, False, True))]
    texts = set(schema.text_fields) if schema is not None else set()
    coded = _coded(schema)
    for line, row in enumerate(reader, start=2):
        for column, cell in zip(header, row, strict=False):
            # Excel's copies prefix formula-like text with ' (inert), so only the
            # canonical CSV's text columns can carry a live formula.
            formulas = not excel and column in texts
            personal = column.split(" ", 1)[0] not in coded
            if not personal and cell:
                codes.add(cell)
            if kinds := judge(cell, formulas, personal):
                found += _refusals(name, line, column, kinds)
    return found


def _unless_number(match: re.Match[str]) -> str:
    """A digest (it has a letter a-f) is blanked out; a run of digits alone is kept: it
    may be an account number."""
    return match.group() if match.group().isdigit() else " "


# How many judged texts one inspection remembers (then it starts again): a network
# release repeats its values (numbers, codes, the same cell in a table and in the
# manifest's copy of it) ten times over; judging each text once, with the shortcut for
# identifiers, took a 200-member release from 3.0 s to 1.3 s.
SEEN_AT_MOST = 500_000


class _Judge:
    """What one inspection judged already, by text and the way it was judged (as a
    table's cell, with or without the tables' identifiers excused)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, bool, bool, bool], tuple[str, ...]] = {}

    def __call__(
        self, text: str, formulas: bool, personal: bool, codes: set[str] | None = None
    ) -> tuple[str, ...]:
        """What ``text`` would carry out. ``codes``: the identifiers the tables hold,
        which are no personal data where they are named; they excuse nothing else (a
        code "javascript" must not hide "javascript:...")."""
        key = (text, formulas, personal, codes is not None)
        known = self.seen.get(key)
        if known is None:
            if len(self.seen) >= SEEN_AT_MOST:
                self.seen.clear()
            known = self.seen[key] = _kinds(text, formulas, personal, codes or set())
        return known


def _refusals(
    file: str, row: int | None, field: str | None, kinds: tuple[str, ...]
) -> list[Finding]:
    """``kinds`` as findings at ``file``, line ``row`` and ``field`` (a column, or a JSON
    path such as ``sources[0].title``)."""
    return [
        Finding("egress-refused", row=row, field=field, file=file, params={"file": file, "kind": k})
        for k in kinds
    ]


def _kinds(text: str, formulas: bool, personal: bool, codes: set[str]) -> tuple[str, ...]:
    if not formulas and not personal and PLAIN.fullmatch(text):
        return ()  # an identifier or one of our hashes: nothing else to look for
    kinds = []
    if CONTROL.search(text):
        kinds.append("control")
    if UNSAFE_URL.search(text):
        kinds.append("unsafe-url")
    if formulas and is_formula(text):
        kinds.append("formula")
    if personal and SUSPECT.search(text):
        # The tables' identifiers named here are no personal data (only here: see _Judge).
        kind = kind_of(DIGEST.sub(_unless_number, _without(codes, text)))
        if kind:
            kinds.append(kind)
    return tuple(kinds)


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {"": value}


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str, bool]]:
    """Every key and string of a JSON document, with its path (``sources[0].title``)
    and whether it is a key (field names and row ids: ours, or checked in the tables)."""
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{path}.{key}" if path else str(key)
            yield at, str(key), True
            if isinstance(item, str):  # most of them: no generator for each
                yield at, item, False
            else:
                yield from _strings(item, at)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value, False
