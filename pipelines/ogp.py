"""OGP's commitment data sheet turned into a member folder.

The Open Government Partnership publishes one row per commitment (identifiers, action
plan, dates written ``m/d/yyyy``, institutions, policy-area flags, the IRM's design and
results assessments, the commitment's page). A member whose plan OGP already lists should
not retype it: this module writes the action plans and commitments tables from those
rows, keeps every IRM value as OGP gave it (``ND`` not determined and ``NR`` not
reviewed stay distinct from empty), and lists what only the steward can add (the Arabic
and French titles, the member's own implementation status).

Values are mapped to codes through the schema's own vocabulary (``reading.label_codes``:
codes, labels and ``x-enum-aliases``), so a word the schema learns is learnt here too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import dates, members, pii
from .errors import InputError, UsageError
from .reading import fold_label, label_codes
from .schemas import load

# Columns the importer reads; a file without them is not OGP's commitment sheet.
ID = "Commitment Unique Identifier"
PLAN = "Action Plan ID"
REQUIRED_COLUMNS = (
    ID,
    PLAN,
    "Country/Locality",
    "Commitment Title",
    "Start Date",
    "End Date",
    "Lead Institution",
    "Supporting Institution(s)",
    "URL",
)
# OGP's policy-area flags: the columns from the first to the last, each 1 when it applies.
FIRST_AREA, LAST_AREA = "Anti-Corruption and Integrity", "Money in Politics"
# OGP column -> commitments field, for the IRM's values (mapped through the schema).
IRM_COLUMNS: dict[str, str] = {
    "Verifiable": "irm_verifiable",
    "OGP Value Access To Information": "irm_access_to_information",
    "OGP Value Civic Participation": "irm_civic_participation",
    "OGP Value Public Accountability": "irm_public_accountability",
    "OGP Value Technology": "irm_technology_innovation",
    "Potential Impact": "irm_potential_impact",
    "Potential for Results": "irm_potential_for_results",
    "Completion (Progress Report)": "irm_completion_midterm",
    "Completion (End Of Term)": "completion",
    "Early Results": "irm_early_results",
    "Did It Open Government (Overall)": "did_it_open_government",
}
REPORT_YEARS = (
    "Report Publication Year (End Of Term)",
    "Report Publication Year (Progress Report)",
)
# How OGP writes "nothing here" in free-text and date cells.
EMPTY = frozenset({"", "na", "n/a", "nd", "none", "-"})
# The network's thematic axis, from OGP's policy areas: the first that applies.
AXES: tuple[tuple[str, str], ...] = (
    ("Environment & Climate", "environment"),
    ("Water & Sanitation", "water_sanitation"),
    ("Fiscal Openness", "budget_finance"),
    ("Gender", "gender_equality"),
    ("Land and Spatial Planning", "urban_planning"),
    ("Digital Governance", "digitalisation"),
    ("Digital Transformation", "digitalisation"),
    ("Public Service Delivery", "social_services"),
    ("Education", "social_services"),
    ("Health & Nutrition", "social_services"),
    ("Youth", "culture_youth_sport"),
    ("Right To Information", "communication"),
    ("Open Data", "communication"),
)
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_SERIAL = re.compile(r"[34]\d{4}")  # an Excel day number: 1982 to 2173
EXCEL_EPOCH = dt.date(1899, 12, 30)
_YEAR = re.compile(r"\d{4}")


@dataclass
class Imported:
    """What ``import_ogp`` wrote, and what the steward still has to add."""

    folder: Path
    plans: int
    commitments: int
    # (what is missing, in how many rows): ("title_ar", 8)
    missing: list[tuple[str, int]] = field(default_factory=list)
    # OGP cells that could not be read as a date, left empty: (commitment, column, value)
    unread_dates: list[tuple[str, str, str]] = field(default_factory=list)
    # Personal data left out of OGP's texts: (commitment, field, parts removed)
    scrubbed: list[tuple[str, str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "action_plans": self.plans,
            "commitments": self.commitments,
            "missing": [{"field": f, "rows": n} for f, n in self.missing],
            "personal_data_removed": [
                {"commitment": c, "field": f, "parts": n} for c, f, n in self.scrubbed
            ],
            "unread_dates": [
                {"commitment": c, "column": col, "value": v} for c, col, v in self.unread_dates
            ],
        }


def ogp_date(text: str) -> str | None:
    """An OGP date cell as ISO 8601 at the precision it has, or empty for OGP's ``NA``;
    None when it means no date this can tell (``Underway``).

    OGP's sheet writes month first (``9/1/2018`` is 1 September 2018, ``6/30/20`` 30 June
    2020), so a numeric date that reads both ways takes OGP's order here, where a
    steward's file would be refused. Some cells are day first all the same
    (``31/12/2014``: no 31st month), some Excel serial numbers (``43525``), some months,
    quarters or years (``July 2014``, ``IV quarter of 2021``): ``dates.read`` reads those.
    """
    value = text.strip()
    if value.lower() in EMPTY:
        return ""
    if match := _US_DATE.fullmatch(value):
        month, day, year = (int(g) for g in match.groups())
        year += 2000 if year < 100 else 0
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            pass  # no such month: day first, which dates.read knows
    if _SERIAL.fullmatch(value):
        return (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
    reading = dates.read(value, True)
    return reading.value if dates.interval(reading.value) else None


def _text(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value.lower() in EMPTY else value


REMOVED = "[…]"
_SENTENCE = re.compile(r"(?<=[.;!?])\s+")
_BULLET = re.compile(r"(?:^|\s)[-•–]\s*(?=\S)")


def scrub(text: str) -> tuple[str, int]:
    """The text without the lines (or, in a long line, the sentences) that hold personal
    data: OGP's full texts end with the official's e-mail and phone, which Law 09-08
    forbids Infitah to publish. Each part left out is marked ``[…]`` and counted."""
    if pii.kind_of(text) is None:
        return text, 0
    removed = 0
    lines = []
    for line in text.split("\n"):
        if pii.kind_of(line) is None:
            lines.append(line)
            continue
        kept = []
        for sentence in _SENTENCE.split(line):
            if pii.kind_of(sentence) is None:
                kept.append(sentence)
            else:
                kept.append(REMOVED)
                removed += 1
        lines.append(" ".join(kept))
    # The check reads a cell with its line breaks as spaces, so digits on two lines can
    # make one number (a table of dates, "06/2018\n11/2018"): leave out the second line
    # of the first such pair until the text passes, or, failing that, all of it.
    for _ in range(len(lines)):
        if pii.kind_of("\n".join(lines)) is None:
            return "\n".join(lines), removed
        pair = next(
            (i for i in range(len(lines) - 1) if pii.kind_of(lines[i] + "\n" + lines[i + 1])),
            None,
        )
        if pair is None:
            break
        lines[pair + 1] = REMOVED
        removed += 1
    text = "\n".join(lines)
    return (text, removed) if pii.kind_of(text) is None else (REMOVED, removed + 1)


def institutions(text: str) -> str:
    """OGP's institutions as the list the schema takes (``;`` between them): its own
    bullets (``-Ministry of ICT -Executive Office``) and semicolons become one list."""
    parts = [p for chunk in re.split(r"[;\n]", text) for p in _BULLET.split(chunk)]
    return "; ".join(p.strip(" -•–,") for p in parts if p.strip(" -•–,"))


class _Vocabulary:
    """OGP's words for each IRM field, mapped to the schema's codes."""

    def __init__(self) -> None:
        schema = load("commitments")
        self.lookups = {name: label_codes(schema.field(name)) for name in IRM_COLUMNS.values()}

    def code(self, field_name: str, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        taken, lookup = self.lookups[field_name]
        if value in taken:
            return value
        # Left as OGP wrote it when the schema has no word for it: validation then says
        # which cell and which values it takes, rather than the importer guessing.
        return lookup.get(fold_label(value), value)


MAX_SHEET_BYTES = 200 * 1024 * 1024  # OGP's whole export is 10 MB
MAX_CELL = 1_000_000  # a commitment's full text is some thousands of characters


def read_sheet(path: Path) -> list[dict[str, str]]:
    """The rows of OGP's sheet; a file that is not one is refused, naming the column."""
    if not path.is_file():
        raise InputError(f"{path}: no such file", path=str(path), key="no-such-path")
    if path.stat().st_size > MAX_SHEET_BYTES:
        raise InputError(
            f"{path}: too large", path=path.name, key="ogp-too-large",
            limit=str(MAX_SHEET_BYTES // (1024 * 1024)),
        )  # fmt: skip
    previous = csv.field_size_limit(MAX_CELL)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            try:
                columns = reader.fieldnames or []
                missing = [c for c in REQUIRED_COLUMNS if c not in columns]
                if missing:
                    raise InputError(
                        f"{path.name}: not OGP's commitment sheet (no column {missing[0]!r})",
                        path=path.name,
                        key="ogp-column-missing",
                        column=missing[0],
                    )
                return [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
            except csv.Error as exc:
                line = str(reader.line_num + 1)  # the record it could not finish
                raise InputError(
                    f"{path.name}, line {line}: {exc}", path=path.name,
                    key="ogp-bad-row", line=line, detail=str(exc),
                ) from exc  # fmt: skip
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}", path=str(path), key="unreadable") from exc
    finally:
        csv.field_size_limit(previous)


def policy_areas(row: Mapping[str, str], columns: list[str]) -> list[str]:
    if FIRST_AREA not in columns or LAST_AREA not in columns:
        return []
    span = columns[columns.index(FIRST_AREA) : columns.index(LAST_AREA) + 1]
    return [c for c in span if row.get(c, "").strip() == "1"]


def axis_of(areas: Iterable[str]) -> str:
    present = set(areas)
    return next((axis for area, axis in AXES if area in present), "other")


def import_ogp(
    source: Path, member: str, out: Path, plan: str | None = None, today: dt.date | None = None
) -> Imported:
    """Write ``out`` (a new member folder) from OGP's commitment sheet ``source``."""
    if members.commune(member) is None:
        raise UsageError(
            f"unknown member {member}", path="--member", key="unknown-member", code=member
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out}: exists and is not empty", key="folder-not-empty", path=str(out))
    rows = read_sheet(source)
    if plan is not None:
        rows = [r for r in rows if r[PLAN].strip() == plan]
        if not rows:
            raise UsageError(
                f"{source.name}: no commitment of {plan}",
                path=source.name,
                key="no-such-plan",
                plan=plan,
            )
    if not rows:
        raise InputError(f"{source.name}: no commitments", path=source.name, key="no-rows")
    columns = list(rows[0])
    words = _Vocabulary()
    result = Imported(folder=out, plans=0, commitments=len(rows))
    commitments = [_commitment(r, member, columns, words, result) for r in rows]
    plans = _plans(rows, member, commitments, today or dt.date.today())
    result.plans = len(plans)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write(out / "action_plans.csv", load("action_plans").field_names, plans)
        _write(out / "commitments.csv", load("commitments").field_names, commitments)
        descriptor = _descriptor(source, member, out, rows)
        (out / "datapackage.json").write_text(
            json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise InputError(
            f"{out}: {exc}", path=str(out), key="import-unwritable", detail=exc.strerror or str(exc)
        ) from exc
    result.missing = _missing(plans, commitments)
    return result


def _commitment(
    row: Mapping[str, str], member: str, columns: list[str], words: _Vocabulary, result: Imported
) -> dict[str, str]:
    ident = row[ID].strip()
    areas = policy_areas(row, columns)
    out = {
        "commitment_id": ident,
        "plan_id": row[PLAN].strip(),
        "commune_code": member,
        "ogp_commitment_id": ident,
        "axis": axis_of(areas),
        "policy_areas": ";".join(areas),
        "title_en": _text(row["Commitment Title"]),
        "description_en": _text(row.get("Full Text")) or _text(row.get("Short Title")),
        "lead_unit": institutions(_text(row["Lead Institution"])),
        "partners": institutions(_text(row["Supporting Institution(s)"])),
        "source_url": _text(row["URL"]),
        "data_status": "reported",
    }
    for column, field_name in (("Start Date", "start_date"), ("End Date", "end_date")):
        value = ogp_date(row[column])
        if value is None:
            result.unread_dates.append((ident, column, row[column].strip()))
        out[field_name] = value or ""
    for field_name in ("title_en", "description_en", "lead_unit", "partners"):
        out[field_name], removed = scrub(out[field_name])
        if removed:
            result.scrubbed.append((ident, field_name, removed))
    for column, field_name in IRM_COLUMNS.items():
        out[field_name] = words.code(field_name, row.get(column, ""))
    if any(out[f] for f in IRM_COLUMNS.values()):
        out["assessed_by"] = "irm"
        year = next(
            (_text(row.get(c)) for c in REPORT_YEARS if _YEAR.fullmatch(_text(row.get(c)))), ""
        )
        out["assessed_on"] = year
    return out


def _plans(
    rows: list[dict[str, str]], member: str, commitments: list[dict[str, str]], today: dt.date
) -> list[dict[str, str]]:
    """One action plan per OGP ``Action Plan ID``: its cycle from OGP's years (or its
    commitments' dates), its stage from whether that cycle has ended."""
    by_plan: dict[str, list[dict[str, str]]] = {}
    for commitment in commitments:
        by_plan.setdefault(commitment["plan_id"], []).append(commitment)
    plans: dict[str, dict[str, str]] = {}
    for row, commitment in zip(rows, commitments, strict=True):
        ident = commitment["plan_id"]
        if ident in plans:
            continue
        start = _text(row.get("Year Of Submission"))
        end = _text(row.get("Action Plan End Year"))
        mine = by_plan[ident]
        start = (
            start
            if _YEAR.fullmatch(start)
            else min((c["start_date"] for c in mine if c["start_date"]), default="")
        )
        end = (
            end
            if _YEAR.fullmatch(end)
            else max((c["end_date"] for c in mine if c["end_date"]), default="")
        )
        country = _text(row.get("Country/Locality"))
        number = _text(row.get("Action Plan Number"))
        page = (
            commitment["source_url"].split("/commitments/")[0] if commitment["source_url"] else ""
        )
        plans[ident] = {
            "plan_id": ident,
            "commune_code": member,
            "title_en": f"{country}: OGP action plan {number}".strip(": ") if country else ident,
            "cycle_start": start,
            "cycle_end": end,
            "stage": "closed" if end and int(end[:4]) < today.year else "implementation",
            "source_url": page,
            "data_status": "reported",
        }
    return list(plans.values())


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({f: row.get(f, "") for f in fields})


def _descriptor(source: Path, member: str, out: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    countries = sorted({_text(r.get("Country/Locality")) for r in rows} - {""})
    return {
        "name": out.name,
        "title": f"OGP commitments imported for {members.dataset_name(member)}",
        "x-commune-code": member,
        "description": (
            "Action plans and commitments imported from the Open Government Partnership's "
            f"commitment data ({source.name}: {len(rows)} commitments of "
            f"{', '.join(countries[:5])}{' and others' if len(countries) > 5 else ''}). "
            "IRM values are OGP's, as published; ND means not determined, NR not reviewed."
        ),
        "sources": [
            {
                "title": "Open Government Partnership, commitment data",
                "path": "https://www.opengovpartnership.org/the-ogp-data/",
            }
        ],
        "x-facts": {
            "reported": ["every IRM value, date, institution and page, as OGP publishes them"],
            "derived": [
                "axis: the first of OGP's policy areas that has a network axis, else 'other'",
                "stage: 'closed' when the plan's end year has passed, else 'implementation'",
                "assessed_by 'irm' and assessed_on: the year of OGP's latest IRM report",
            ],
            "unknown": ["Arabic and French titles", "the member's own implementation status"],
        },
    }


def _missing(
    plans: list[dict[str, str]], commitments: list[dict[str, str]]
) -> list[tuple[str, int]]:
    """What the steward must add, most needed first: counted, never invented."""
    counts: Counter[str] = Counter()
    for table, rows, names in (
        ("action_plans", plans, ("title_ar", "title_fr")),
        (
            "commitments",
            commitments,
            ("title_ar", "title_fr", "description_ar", "description_fr", "implementation_status"),
        ),
    ):
        for row in rows:
            for name in names:
                if not row.get(name):
                    counts[f"{table}.{name}"] += 1
    return counts.most_common()
