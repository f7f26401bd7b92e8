"""Validation: frictionless for what Table Schema says, our checks for the rest.

Frictionless validates the rows exactly as reading cleaned them (inline data), so
types, constraints, primary and foreign keys are frictionless's judgement, and its
row numbers are mapped back to the line the steward sees. Our checks then run on the
same rows. The result is one Report, whatever the input was.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from . import checks, engine
from .errors import InputError, UsageError
from .findings import Finding
from .reading import PackageData, TableData, read_package, read_table
from .report import Report
from .schemas import REPO_ROOT, TABLES, TableSchema, load

REFERENCE_CSV = REPO_ROOT / "datasets" / "reference" / "communes.csv"


@cache
def reference_codes(path: Path = REFERENCE_CSV) -> frozenset[str]:
    """Commune codes of the reference list (read once per process)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def validate_package(path: Path) -> Report:
    """Validate a commune folder (or workbook): every table, across tables.

    Tables too large to hold are validated chunk by chunk (``streaming.py``).
    """
    from . import streaming

    started = time.perf_counter()
    package = read_package(path, stream=streaming.should_stream)
    if package.streamed:
        return streaming.validate_package(package, started)
    return _check(package, started)


def check_package(path: Path) -> tuple[PackageData, Report]:
    """The package as read and its report: publishing needs both, from one reading.

    Publishing needs every row in memory (the release's canonical bytes), so a table
    too large to hold is a usage error here rather than memory exhausted later.
    """
    from . import streaming

    started = time.perf_counter()
    package = read_package(path, stream=streaming.should_stream)
    if package.streamed:
        name, file = next(iter(package.streamed.items()))
        raise UsageError(
            f"{file}: the table {name} is too large to publish",
            path=str(file),
            key="too-large-to-publish",
            table=name,
            limit=str(streaming.STREAM_MIN_BYTES // (1024 * 1024)),
        )
    return package, _check(package, started)


def _check(package: PackageData, started: float) -> Report:
    findings = list(package.findings)
    for table in package.tables.values():
        findings.extend(table.findings)
    sound = {n: t for n, t in package.tables.items() if t.structurally_valid}
    ctx = checks.Context(sound, package.commune_code, reference_codes())
    findings.extend(sound_findings(sound, ctx))
    return _report(findings, package.tables, started, package=_package_name(package))


def validate_table(path: Path, table_name: str) -> Report:
    """Validate one table file on its own: cross-table rules need the whole folder."""
    from . import streaming

    started = time.perf_counter()
    schema = load(table_name)
    if not path.is_file():
        raise InputError(f"{path}: no such file", path=str(path), key="no-such-path")
    if streaming.should_stream(path):
        return streaming.validate_table(path, table_name)
    table = read_table(path, schema)
    findings = list(table.findings)
    sound = {table_name: table} if table.structurally_valid else {}
    findings.extend(sound_findings(sound, checks.Context(sound, None, reference_codes())))
    return _report(findings, {table_name: table}, started, package=path.name)


def validate_tables(tables: dict[str, TableData], schemas: dict[str, TableSchema]) -> Report:
    """Frictionless on tables built in memory (the network's), against the given schemas.

    Only frictionless's judgement (types, constraints, keys across these tables): our
    checks already passed on every commune's data before it was published.
    """
    started = time.perf_counter()
    present = frozenset(tables)
    jobs = [
        engine.Job(name, schemas[name].frictionless_descriptor(present), t.fields, t.rows)
        for name, t in tables.items()
    ]
    findings = [
        translate(error, tables[name], schemas[name])
        for name, errors in engine.validate(jobs).items()
        for error in errors
    ]
    return _report(findings, tables, started, package="network")


def _package_name(package: PackageData) -> str:
    return str(package.descriptor.get("name") or package.path.name)


def table_stats(table: TableData) -> dict[str, Any]:
    return {"file": table.file, "rows": len(table.rows), "encoding": table.encoding}


def _report(
    findings: list[Finding], tables: dict[str, TableData], started: float, package: str
) -> Report:
    return report_of(findings, {n: table_stats(t) for n, t in tables.items()}, started, package)


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


# --- frictionless ----------------------------------------------------------------------


def sound_findings(tables: dict[str, TableData], ctx: checks.Context) -> list[Finding]:
    """Frictionless and our checks on the same rows, our checks while frictionless runs."""
    present = frozenset(tables)
    jobs = [
        engine.Job(
            name=name,
            schema=load(name).frictionless_descriptor(keep_foreign_keys_to=present),
            fields=table.fields,
            rows=table.rows,
        )
        for name, table in tables.items()
    ]
    pending = engine.start(jobs)
    ours = checks.run_all(ctx)
    out: list[Finding] = []
    for name, errors in pending.finish().items():
        out.extend(translate(e, tables[name], load(name)) for e in errors)
    return out + ours


_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"', re.S)
_POSITION = re.compile(r"position (\d+)")


def translate(error: engine.Error, table: TableData, schema: TableSchema) -> Finding:
    """A frictionless error as a Finding located in the steward's file."""
    code = error.type
    row_number = error.row_number
    index = row_number - 2 if row_number else None
    line = table.row_numbers[index] if index is not None and 0 <= index < len(table.rows) else None
    field_name = error.field_name
    params: dict[str, Any] = {"note": error.note, "value": error.cell}
    if code == "type-error" and field_name:
        expected = _expected_type(schema.field(field_name))
        params["expected"] = expected
    elif code == "constraint-error" and field_name:
        params["problem"] = _constraint_problem(error.note, params["value"], schema, field_name)
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


def _pk_values(table: TableData, index: int | None, schema: TableSchema) -> Iterable[str]:
    if index is None or not 0 <= index < len(table.rows):
        return []
    return [table.rows[index][table.fields.index(k)] for k in schema.primary_key]


_TYPES: dict[str, tuple[str, str, str]] = {
    "date": (
        "تاريخا بصيغة سنة-شهر-يوم (مثلا 2024-04-15)",
        "une date au format AAAA-MM-JJ (par ex. 2024-04-15)",
        "a date written YYYY-MM-DD (e.g. 2024-04-15)",
    ),
    "time": (
        "ساعة بصيغة ساعة:دقيقة:ثانية (مثلا 09:00:00)",
        "une heure au format HH:MM:SS (par ex. 09:00:00)",
        "a time written HH:MM:SS (e.g. 09:00:00)",
    ),
    "integer": (
        "عددا صحيحا (مثلا 12)",
        "un nombre entier (par ex. 12)",
        "a whole number (e.g. 12)",
    ),
    "number": (
        "عددا بنقطة عشرية وبدون مسافات (مثلا 150000.50)",
        "un nombre avec un point décimal, sans espaces (par ex. 150000.50)",
        "a number with a decimal point and no spaces (e.g. 150000.50)",
    ),
    "boolean": ("نعم أو لا", "oui ou non", "yes or no"),
    "uri": (
        "رابطا كاملا يبدأ بـ https://",
        "une adresse web complète commençant par https://",
        "a full web address starting with https://",
    ),
}


def _expected_type(field: dict[str, Any]) -> dict[str, str]:
    key = "uri" if field.get("format") == "uri" else field.get("type", "string")
    ar, fr, en = _TYPES.get(key, (key, key, key))
    return {"ar": ar, "fr": fr, "en": en}


def _constraint_problem(
    note: str, value: str, schema: TableSchema, field_name: str
) -> dict[str, str]:
    match = _CONSTRAINT.search(note)
    constraint, limit = (match.group(1), match.group(2)) if match else ("", "")
    if constraint == "required":
        return {
            "ar": "هذه الخانة إجبارية ولا يمكن تركها فارغة",
            "fr": "cette case est obligatoire et ne peut pas rester vide",
            "en": "this cell is required and cannot be left empty",
        }
    if constraint == "enum":
        labels = schema.enum_labels(field_name)
        allowed = {
            lang: ", ".join(
                f"{code} ({labels.get(code, {}).get(lang, code)})" if lang != "en" else code
                for code in schema.field(field_name)["constraints"]["enum"]
            )
            for lang in ("ar", "fr", "en")
        }
        return {
            "ar": f"القيمة «{value}» ليست من القيم المسموح بها: {allowed['ar']}",
            "fr": f"la valeur « {value} » n'est pas dans la liste : {allowed['fr']}",
            "en": f'the value "{value}" is not one of: {allowed["en"]}',
        }
    if constraint == "pattern":
        return _pattern_problem(value, schema, field_name)
    if constraint == "minimum":
        return {
            "ar": f"القيمة «{value}» أصغر من الحد الأدنى {limit}",
            "fr": f"la valeur « {value} » est inférieure au minimum {limit}",
            "en": f'the value "{value}" is below the minimum {limit}',
        }
    return {
        "ar": f"القيمة «{value}» لا تحترم القيد {constraint} ({limit})",
        "fr": f"la valeur « {value} » ne respecte pas la contrainte {constraint} ({limit})",
        "en": f'the value "{value}" breaks the constraint {constraint} ({limit})',
    }


def _pattern_problem(value: str, schema: TableSchema, field_name: str) -> dict[str, str]:
    field = schema.field(field_name)
    if field_name == "commune_code":
        return {
            "ar": f"«{value}» ليس رمز جماعة بالشكل 09.163.07.01 (نص وليس عددا)",
            "fr": f"« {value} » n'a pas la forme d'un code de commune 09.163.07.01 "
            "(du texte, pas un nombre)",
            "en": f'"{value}" is not a commune code shaped like 09.163.07.01 (text, not a number)',
        }
    if "x-list-of" in field:
        codes = ";".join(field["x-list-of"])
        return {
            "ar": f"«{value}» يجب أن يتكون من رموز مفصولة بـ ; من بين: {codes}",
            "fr": f"« {value} » doit être une liste de codes séparés par ; parmi : {codes}",
            "en": f'"{value}" must be codes separated by ; among: {codes}',
        }
    return {
        "ar": f"«{value}» يجب أن يتكون من حروف لاتينية وأرقام و - _ . بدون مسافات",
        "fr": f"« {value} » ne doit contenir que des lettres latines, chiffres, - _ . sans espace",
        "en": f'"{value}" may only contain Latin letters, digits, - _ . and no spaces',
    }


def commune_folders(root: Path) -> list[Path]:
    """Sub-folders of ``root`` that hold a commune (reference data is not one)."""
    if not root.is_dir():
        raise InputError(f"{root}: no such folder", path=str(root), key="no-such-path")
    return [
        p
        for p in sorted(root.iterdir())
        if p.is_dir() and (p / "datapackage.json").is_file() and p.name != "reference"
    ]
