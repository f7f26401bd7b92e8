"""The one gathering step beneath validation: frictionless and our checks on rows held in
memory, their findings located in the steward's file, and the report they make.

Both validation paths use it: the in-memory one for a whole package, the streamed one
for the small tables beside a large table and for each chunk's frictionless errors.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import checks, engine, union_keys
from .findings import Finding
from .reading import PackageData, TableData
from .report import Report
from .schemas import TABLES, TableSchema, load

# Frictionless's errors in a package's cells, by table (``cells_together``).
CellErrors = Mapping[str, list[engine.Error]]


def package_findings(
    package: PackageData, codes: frozenset[str], cells: CellErrors | None = None
) -> list[Finding]:
    """Everything found in a package read whole: reading's findings, then frictionless
    and our checks on the tables whose structure is sound. ``cells``: frictionless's
    errors in their cells, judged with other members' (``cells_together``)."""
    findings = list(package.findings)
    for table in package.tables.values():
        findings.extend(table.findings)
    sound = sound_tables(package)
    ctx = checks.Context(sound, package.commune_code, codes)
    findings.extend(not_retold(sound_findings(sound, ctx, cells), findings))
    return findings


def sound_tables(package: PackageData) -> dict[str, TableData]:
    """The tables frictionless and our checks judge: those whose structure is sound."""
    return {n: t for n, t in package.tables.items() if t.structurally_valid}


def cells_together(packages: list[PackageData]) -> list[CellErrors | None]:
    """Frictionless's errors in the cells of many packages' sound tables, the tables of
    a name judged together (``engine.cells_together``), for ``package_findings``; None
    for a package whose keys frictionless must judge (its cells are judged with them)."""
    jobs = [member_jobs(sound_tables(p)) for p in packages]
    apart = [i for i, j in enumerate(jobs) if keys_by_pandas(j)]
    judged = engine.cells_together([jobs[i] for i in apart])
    out: list[CellErrors | None] = [None] * len(packages)
    for i, cells in zip(apart, judged, strict=True):
        out[i] = cells
    return out


def member_jobs(tables: Mapping[str, TableData]) -> list[engine.Job]:
    """A member's tables as frictionless judges them, each with the foreign keys into
    the tables present."""
    present = frozenset(tables)
    return [
        engine.Job(
            name=name,
            schema=load(name).frictionless_descriptor(keep_foreign_keys_to=present),
            fields=table.fields,
            rows=table.rows,
        )
        for name, table in tables.items()
    ]


def keys_by_pandas(jobs: list[engine.Job]) -> bool:
    """Whether the keys of these tables are judged by pandas, with frictionless's own
    errors (``union_keys``): keys of plain strings, as every member table's. Frictionless
    then opens each table once, for its cells, not once more with lookups for the keys
    (every open copies each field twice through its metadata validation: a fifth of a
    small member's validation). Other keys, and ``SPLIT_KEYS`` off, are
    frictionless's."""
    return engine.SPLIT_KEYS and union_keys.judged_here(jobs, {j.name for j in jobs})


def not_retold(found: Iterable[Finding], read: Iterable[Finding]) -> Iterator[Finding]:
    """``found`` less the type errors in cells reading already explained: a date that
    reads two ways was reported with both readings (``ambiguous-date``), and the type
    error frictionless then finds in the same cell would say it twice. Both validation
    paths (whole, streamed chunk by chunk) filter through here."""
    told = {(f.table, f.row, f.field) for f in read if f.code == "ambiguous-date"}
    return (f for f in found if not (f.code == "type-error" and (f.table, f.row, f.field) in told))


def sound_findings(
    tables: dict[str, TableData], ctx: checks.Context, cells: CellErrors | None = None
) -> list[Finding]:
    """Frictionless and our checks on the same rows, our checks while frictionless runs
    (or after it judged the cells, given in ``cells``, with other members')."""
    jobs = member_jobs(tables)
    apart = keys_by_pandas(jobs)
    if cells is not None and apart:
        ours = checks.run_all(ctx)
        judged = {j.name: list(cells.get(j.name, [])) for j in jobs}
    else:
        pending = engine.start(jobs, keys=not apart)
        ours = checks.run_all(ctx)
        judged = pending.finish()
    if apart:
        for name, errors in union_keys.key_errors(jobs, set(tables)).items():
            judged[name] = engine.merged(judged[name], errors)
    out: list[Finding] = []
    for name, errors in judged.items():
        out.extend(translate(e, tables[name], load(name)) for e in errors)
    return out + ours


def tables_report(
    tables: dict[str, TableData],
    schemas: dict[str, TableSchema],
    package: str,
    fresh: Mapping[str, list[tuple[int, int]]] | None = None,
) -> Report:
    """Frictionless alone on tables built in memory (the network's), against the given
    schemas: our checks already passed on every member's data before it was published.
    ``fresh``: when given, the tables it names join rows judged before (in an earlier
    network release) and the row ranges read for the first time, which alone have their
    cells judged (``engine.validate_union``); the keys are judged across the whole."""
    started = time.perf_counter()
    present = frozenset(tables)
    jobs = [
        engine.Job(name, schemas[name].frictionless_descriptor(present), t.fields, t.rows)
        for name, t in tables.items()
    ]
    if fresh is None:
        judged = engine.validate(jobs)
    elif union_keys.judged_here(jobs, set(tables)):
        judged = engine.validate_union(jobs, fresh, keys_apart=True)
        for name, errors in union_keys.key_errors(jobs, set(tables)).items():
            # In the order frictionless judging it whole gives them: by row, a row's
            # cells before its keys (and no more than it keeps of a table judged whole).
            merged = engine.merged(judged[name], errors)
            judged[name] = merged if name in fresh else merged[: engine.LIMIT_ERRORS]
    else:
        judged = engine.validate_union(jobs, fresh)
    findings = [
        translate(error, tables[name], schemas[name])
        for name, errors in judged.items()
        for error in errors
    ]
    return report_of(findings, {n: table_stats(t) for n, t in tables.items()}, started, package)


def table_stats(table: TableData) -> dict[str, Any]:
    return {"file": table.file, "rows": len(table.rows), "encoding": table.encoding}


def report_of(
    findings: list[Finding], by_table: dict[str, dict[str, Any]], started: float, package: str
) -> Report:
    """The report, findings in table order then line order, with per-table stats."""
    stats: dict[str, Any] = {
        "package": package,
        "tables": len(by_table),
        "rows": sum(t["rows"] for t in by_table.values()),
        "by_table": by_table,
        "seconds": round(time.perf_counter() - started, 3),
    }
    left_out = sum(t.get("findings_left_out", 0) for t in by_table.values())
    if any("findings_left_out" in t for t in by_table.values()):
        stats["findings_left_out"] = left_out
    order = {name: i for i, name in enumerate(TABLES)}
    findings.sort(key=lambda f: (order.get(f.table or "", -1), f.row or 0))
    return Report(findings=findings, stats=stats)


# --- frictionless's errors as findings ----------------------------------------------------

_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"', re.S)
_POSITION = re.compile(r"position (\d+)")


def translate(error: engine.Error, table: TableData, schema: TableSchema) -> Finding:
    """A frictionless error as a Finding located in the steward's file, with plain
    parameters (the words are the finding code's, chosen when it is rendered)."""
    code = error.type
    row_number = error.row_number
    index = row_number - 2 if row_number else None
    line = table.row_numbers[index] if index is not None and 0 <= index < len(table.rows) else None
    field_name = error.field_name
    params: dict[str, Any] = {"note": error.note, "value": error.cell}
    if code == "type-error" and field_name:
        field = schema.field(field_name)
        params["expected"] = "uri" if field.get("format") == "uri" else field.get("type", "")
    elif code == "constraint-error" and field_name:
        params.update(_constraint(error.note, schema, field_name))
    elif code == "primary-key":
        params["value"] = " / ".join(str(c) for c in _pk_values(table, index, schema))
        match = _POSITION.search(error.note)
        other = int(match.group(1)) - 2 if match else None
        params["other_row"] = table.row_numbers[other] if other is not None else "?"
    elif code == "foreign-key":
        field_name = error.field_names[0] if error.field_names else None
        params["value"] = " / ".join(error.field_cells)
        params["target"] = error.reference_name or schema.name
    column = table.columns.get(field_name) if field_name else None
    return Finding(code, table.name, line, field_name, table.file, column, params)


def _constraint(note: str, schema: TableSchema, field_name: str) -> dict[str, str]:
    """Which rule a value broke, as the finding's ``constraint`` (and ``limit``/``codes``)."""
    match = _CONSTRAINT.search(note)
    constraint, limit = (match.group(1), match.group(2)) if match else ("", "")
    if constraint == "pattern":
        field = schema.field(field_name)
        if field_name == "commune_code":
            return {"constraint": "pattern-commune"}
        if "x-list-of" in field:
            return {"constraint": "pattern-list", "codes": ";".join(field["x-list-of"])}
    return {"constraint": constraint, "limit": limit}


def _pk_values(table: TableData, index: int | None, schema: TableSchema) -> Iterable[str]:
    if index is None or not 0 <= index < len(table.rows):
        return []
    return [table.rows[index][table.fields.index(k)] for k in schema.primary_key]
