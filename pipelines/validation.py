"""Validation: frictionless for what Table Schema says, our checks for the rest.

One entry, ``validate``, whatever the input: a member folder, a workbook, or one table
file. Frictionless validates the rows exactly as reading cleaned them (inline data), so
types, constraints, primary and foreign keys are frictionless's judgement, and its row
numbers are mapped back to the line the steward sees; our checks then run on the same
rows (``gathering.py``). A table too large to hold is validated chunk by chunk beneath
the same entry (``streaming.py``). The result is one Report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple

from . import streaming
from .errors import InputError, UsageError
from .gathering import cells_together, package_findings, report_of, table_stats
from .members import commune_codes
from .reading import PackageData, read_package, read_table
from .report import Report
from .schemas import load


class Validated(NamedTuple):
    """The package as read and its report: publishing needs both, from one reading."""

    package: PackageData
    report: Report


def validate(path: Path, table: str | None = None, *, whole: bool = False) -> Validated:
    """Validate a member folder or workbook (or, with ``table``, one table file alone:
    cross-table rules then have nothing to look across).

    ``whole``: the caller needs every row in memory (publishing builds the release's
    canonical bytes), so a table too large to hold is a usage error here rather than
    memory exhausted later.
    """
    started = time.perf_counter()
    if table is not None:
        return _validate_table(path, table, started, whole)
    package = read_package(path, stream=streaming.should_stream)
    if package.streamed:
        if whole:
            raise _too_large(*next(iter(package.streamed.items())))
        return Validated(package, streaming.validate_package(package, started))
    findings = package_findings(package, commune_codes())
    stats = {n: table_stats(t) for n, t in package.tables.items()}
    return Validated(package, report_of(findings, stats, started, _package_name(package)))


def validate_many(paths: list[Path]) -> list[Validated | Exception]:
    """Member folders (or workbooks), each read and judged whole as ``validate(path,
    whole=True)`` judges it, with the same findings; the cells of their tables of a
    name are judged together (``gathering.cells_together``: frictionless's cost of
    opening a table is paid once for all, not once per member). A member that cannot
    be read or judged has its error in its place: it fails alone."""
    read: list[tuple[PackageData, float] | Exception] = []
    for path in paths:
        started = time.perf_counter()
        try:
            package = read_package(path, stream=streaming.should_stream)
            if package.streamed:
                raise _too_large(*next(iter(package.streamed.items())))
            read.append((package, time.perf_counter() - started))
        except Exception as exc:  # this member fails, not the others
            read.append(exc)
    packages = [r[0] for r in read if not isinstance(r, Exception)]
    started = time.perf_counter()
    try:
        judged = iter(cells_together(packages))
    except Exception:  # each member is then judged alone, and fails alone
        judged = iter([None] * len(packages))
    share = (time.perf_counter() - started) / max(1, len(packages))
    out: list[Validated | Exception] = []
    for item in read:
        if isinstance(item, Exception):
            out.append(item)
            continue
        package, reading = item
        # A member's seconds: its reading, its share of the cells judged together, the rest.
        started = time.perf_counter() - reading - share
        try:
            findings = package_findings(package, commune_codes(), next(judged))
        except Exception as exc:  # this member fails, not the others
            out.append(exc)
            continue
        stats = {n: table_stats(t) for n, t in package.tables.items()}
        out.append(Validated(package, report_of(findings, stats, started, _package_name(package))))
    return out


def _validate_table(path: Path, name: str, started: float, whole: bool) -> Validated:
    schema = load(name)
    if not path.is_file():
        raise InputError(f"{path}: no such file", path=str(path), key="no-such-path")
    if streaming.should_stream(path):
        if whole:
            raise _too_large(name, path)
        package = PackageData(path, {}, [], {}, streamed={name: path})
        return Validated(package, streaming.validate_table(path, name))
    data = read_table(path, schema)
    package = PackageData(path, {name: data}, [], {})
    findings = package_findings(package, commune_codes())
    return Validated(package, report_of(findings, {name: table_stats(data)}, started, path.name))


def _too_large(name: str, file: Path) -> UsageError:
    return UsageError(
        f"{file}: the table {name} is too large to publish",
        path=str(file),
        key="too-large-to-publish",
        table=name,
        limit=str(streaming.STREAM_MIN_BYTES // (1024 * 1024)),
    )


def _package_name(package: PackageData) -> str:
    return str(package.descriptor.get("name") or package.path.name)


def member_folders(root: Path) -> list[Path]:
    """Sub-folders of ``root`` that hold a member (reference data is not one)."""
    if not root.is_dir():
        raise InputError(f"{root}: no such folder", path=str(root), key="no-such-path")
    return [
        p
        for p in sorted(root.iterdir())
        if p.is_dir() and (p / "datapackage.json").is_file() and p.name != "reference"
    ]
