"""What a portal must hold, read from the member's own files, not from Infitah.

The fault, kill, crash and concurrency tests judge the portal with this: the source
folder's CSV files, parsed with the standard ``csv`` module, against the bytes a
journalist downloads (parsed the same way) and against every row the DataStore returns.
Nothing here uses Infitah's hashes, types or readers, so a bug that breaks both the
publisher and its own bookkeeping still fails these tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import ckanapi

Rows = list[dict[str, str]]
Tables = dict[str, Rows]

_TRUE = {"true", "1", "yes", "oui", "vrai"}
_FALSE = {"false", "0", "no", "non", "faux"}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00$")
PAGE = 1000


def parse_csv(data: bytes) -> Rows:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def snapshot(folder: Path) -> Tables:
    """Every table of a member's folder as its steward wrote it, before any publish."""
    return {path.stem: parse_csv(path.read_bytes()) for path in sorted(folder.glob("*.csv"))}


def same_value(source: str, stored: Any) -> bool:
    """Does a DataStore value say what the source cell says? Decided from the value's
    JSON type alone: no schema, no Infitah code."""
    text = source.strip()
    if stored is None:
        return text == ""
    if isinstance(stored, bool):
        return text.lower() in (_TRUE if stored else _FALSE)
    if isinstance(stored, int | float):
        try:
            return Decimal(text) == Decimal(str(stored))
        except InvalidOperation:
            return False
    if isinstance(stored, str) and _TIMESTAMP.match(stored):
        try:
            return dt.date.fromisoformat(text) == dt.date.fromisoformat(stored[:10])
        except ValueError:
            return False
    return stored == source


def datastore_rows(api: ckanapi.RemoteCKAN, resource_id: str) -> list[dict[str, Any]]:
    """Every row of a DataStore table, in the order it was loaded."""
    rows: list[dict[str, Any]] = []
    while True:
        page = api.action.datastore_search(
            resource_id=resource_id, limit=PAGE, offset=len(rows), sort="_id"
        )
        rows += page["records"]
        if len(page["records"]) < PAGE:
            return rows


def assert_same_rows(where: str, expected: Rows, got: Rows) -> None:
    assert len(got) == len(expected), f"{where}: {len(got)} rows, source {len(expected)}"
    for number, (want, have) in enumerate(zip(expected, got, strict=True), start=2):
        assert have == want, f"{where}, row {number}: {have} != {want}"


def assert_datastore_holds(
    api: ckanapi.RemoteCKAN, where: str, resource_id: str, expected: Rows
) -> None:
    stored = datastore_rows(api, resource_id)
    assert len(stored) == len(expected), (
        f"{where}: DataStore {len(stored)} rows, source {len(expected)}"
    )
    for number, (want, have) in enumerate(zip(expected, stored, strict=True), start=2):
        for column, value in want.items():
            assert column in have, f"{where}: DataStore has no column {column}"
            assert same_value(value, have[column]), (
                f"{where}, row {number}, {column}: DataStore {have[column]!r}, source {value!r}"
            )
