"""A release: the exact bytes we publish for one version of a dataset, and their hashes.

Validated rows are written canonically (UTF-8 without BOM, ``\\n`` line ends, schema
field order, booleans as true/false), so the same data always gives the same bytes and
the same hash, whatever file format or encoding the steward used. Publishing decides
"unchanged" from these hashes alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .reading import PackageData, TableData
from .schemas import TableSchema, as_names, load

# 2: each table's rows by hash only (``row_index``) and its primary key; the old values
# of changed rows are read from the previous version's CSV of that table, when needed.
# 1 also kept every row's values, which made the network's manifest grow with the network.
FORMAT_VERSION = 2


@dataclass(frozen=True)
class TableRelease:
    name: str
    csv: bytes
    rows: int
    schema: dict[str, Any]
    row_index: dict[str, str]

    @cached_property
    def sha256(self) -> str:
        # Asked for by the plan, the hashes, the manifest and the kept files: hashed once.
        return sha256(self.csv)

    @property
    def schema_sha256(self) -> str:
        return sha256(canonical_json(self.schema))

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def cells(self) -> int:
        """Rows × columns: what the files made from the table cost to make."""
        return self.rows * len(self.schema.get("fields", []))

    @cached_property
    def parsed(self) -> tuple[list[str], list[list[str]]]:
        """The canonical CSV read back once (header, rows), for every file derived from it."""
        return parse_csv(self.csv)

    @cached_property
    def rows_by_key(self) -> dict[str, list[str]]:
        """Each row under the key ``row_index`` gives it (what the next version's diff
        compares field by field)."""
        header, rows = self.parsed
        return rows_by_key(header, rows, self.primary_key)

    @property
    def primary_key(self) -> list[str]:
        return as_names(self.schema.get("primaryKey") or [])

    def records(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """The rows from ``start`` to ``stop`` as typed records (empty non-text cells as
        None, booleans as bool), as a portal's datastore takes them: a batch at a time
        (a dict per row of the network's indicators was hundreds of megabytes)."""
        header, rows = self.parsed
        types = {f["name"]: f.get("type", "string") for f in self.schema["fields"]}
        kinds = [types.get(name, "string") for name in header]
        return [
            {
                name: _typed(kind, value)
                for name, kind, value in zip(header, kinds, row, strict=True)
            }
            for row in rows[start:stop]
        ]


@dataclass(frozen=True)
class Release:
    """Everything a portal needs to publish one version, before it has a version number."""

    dataset: str
    title: dict[str, str]
    description: dict[str, str]
    metadata: dict[str, Any]
    tables: dict[str, TableRelease]
    report: dict[str, Any] = field(default_factory=dict)
    # Files derived from the tables (charts): published with the version, never hashed,
    # so they cannot change a version on their own.
    attachments: dict[str, bytes] = field(default_factory=dict)
    # What it was made from (``digest.source_digest``): recorded with the version, never
    # hashed, so re-saved source files cannot make a version on their own.
    source: str = ""

    def hashes(self) -> dict[str, str]:
        """What identifies the content: one hash per table, per schema, and the metadata."""
        out = {"metadata": sha256(canonical_json(self._public_metadata()))}
        for name, table in sorted(self.tables.items()):
            out[f"table:{name}"] = table.sha256
            out[f"schema:{name}"] = table.schema_sha256
        return out

    def _public_metadata(self) -> dict[str, Any]:
        return {"title": self.title, "description": self.description, **self.metadata}

    def descriptor(self, version: str, published_at: str) -> dict[str, Any]:
        """The Frictionless data package descriptor of this version (schemas embedded)."""
        return {
            "name": self.dataset,
            "title": self.title.get("fr") or self.title.get("en", self.dataset),
            "x-title-ar": self.title.get("ar", ""),
            "x-title-fr": self.title.get("fr", ""),
            "description": self.description.get("fr") or self.description.get("en", ""),
            "x-description-ar": self.description.get("ar", ""),
            "version": version,
            "created": published_at,
            **self.metadata,
            "resources": [
                {
                    "name": t.name,
                    "path": t.filename,
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "bytes": len(t.csv),
                    "hash": f"sha256:{t.sha256}",
                    "schema": t.schema,
                }
                for t in self.tables.values()
            ],
        }

    def manifest(self, version: str) -> dict[str, Any]:
        """Kept with each version so the next one can say which rows changed."""
        return {
            "format": FORMAT_VERSION,
            "dataset": self.dataset,
            "version": version,
            "hashes": self.hashes(),
            "tables": {
                name: {
                    "rows": t.rows,
                    "fields": {f["name"]: f.get("type", "string") for f in t.schema["fields"]},
                    "required": sorted(
                        f["name"]
                        for f in t.schema["fields"]
                        if f.get("constraints", {}).get("required")
                    ),
                    "primary_key": t.primary_key,
                    "row_index": t.row_index,
                }
                for name, t in self.tables.items()
            },
            "about": self.about_sha256(),
        }

    def about_sha256(self) -> str:
        """What readers call the metadata: titles, descriptions, licence and sources.
        A changelog says "metadata updated" only when this changed (row counts by data
        status and coverage dates follow the rows and are not news of their own)."""
        about = {
            "title": self.title,
            "description": self.description,
            "licenses": self.metadata.get("licenses"),
            "sources": self.metadata.get("sources"),
        }
        return sha256(canonical_json(about))


def _typed(kind: str, value: str) -> Any:
    if kind != "string" and value == "":
        return None
    if kind == "boolean":
        return value == "true"
    return value


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def pretty_json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


def table_release(table: TableData, schema: TableSchema) -> TableRelease:
    fields = schema.field_names
    rows = _canonical_rows(table.rows, schema)
    return TableRelease(
        name=schema.name,
        csv=canonical_csv(fields, rows),
        rows=len(rows),
        schema=public_schema(schema),
        row_index=row_index(rows, fields, schema.primary_key),
    )


def canonical_csv(fields: list[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A table's published bytes: UTF-8, comma, ``\\n``, quoted only where needed; the
    same rows give the same bytes (and hash) wherever they are written again."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def public_schema(schema: TableSchema) -> dict[str, Any]:
    descriptor = {k: v for k, v in schema.descriptor.items() if k != "name"}
    return descriptor


def row_key(fields: list[str], primary_key: list[str]) -> Callable[[list[str]], str]:
    """How a row is named across versions: its primary key's values joined by ``|``
    (the whole row when the table has no key)."""
    keys = [fields.index(k) for k in primary_key] if primary_key else list(range(len(fields)))
    return lambda row: "|".join(row[i] for i in keys)


def rows_by_key(
    header: list[str], rows: list[list[str]], primary_key: list[str]
) -> dict[str, list[str]]:
    key = row_key(header, primary_key)
    return {key(row): row for row in rows}


def parse_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """A canonical CSV (ours) read back: header and rows."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader, [])
    return header, list(reader)


def row_index(rows: list[list[str]], fields: list[str], primary_key: list[str]) -> dict[str, str]:
    """Primary key -> short hash of the row: enough to tell added, removed and changed rows."""
    key = row_key(fields, primary_key)
    return {key(row): sha256("\x1f".join(row).encode())[:16] for row in rows}


def _canonical_rows(rows: list[list[str]], schema: TableSchema) -> list[list[str]]:
    """The rows as published: booleans written ``true``/``false`` whatever the steward's
    word for them. Only the boolean cells are visited, and only a row that changes is
    copied (copying every row of a network table of 100,000 rows took a second)."""
    booleans = [
        (i, frozenset(f.get("trueValues", ["true"])))
        for i, f in enumerate(schema.fields)
        if f.get("type") == "boolean"
    ]
    if not booleans:
        return list(rows)
    out = []
    for row in rows:
        read = row
        for i, true in booleans:
            value = row[i]
            if value and value != (word := "true" if value in true else "false"):
                if row is read:
                    row = list(row)  # one copy: the table read stays as read
                row[i] = word
        out.append(row)
    return out


def build(
    package: PackageData,
    dataset: str,
    title: dict[str, str],
    description: dict[str, str],
    metadata: dict[str, Any],
    report: dict[str, Any],
    references: Iterable[TableData] = (),
) -> Release:
    """The release of a member's package. ``references`` are the rows of reference tables
    its foreign keys point to (the member's own row of the communes reference), shipped
    with it so that the published package is valid on its own."""
    tables = {name: table_release(t, load(name)) for name, t in package.tables.items()}
    tables |= {t.name: table_release(t, load(t.name)) for t in references}
    statuses = data_statuses(package.tables.values())
    metadata = {**metadata, "x-data-status": statuses} if statuses else metadata
    return Release(dataset, title, description, metadata, tables, report)


def data_statuses(tables: Iterable[TableData]) -> dict[str, int]:
    """Rows per data_status: readers must see at once how much is not fact."""
    counts: Counter[str] = Counter()
    for table in tables:
        if "data_status" in table.fields:
            counts.update(table.column("data_status"))
    return dict(sorted(counts.items()))
