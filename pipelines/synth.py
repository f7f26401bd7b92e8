"""Synthetic communes for tests and benchmarks: plausible, deterministic, clearly marked.

Each commune is a real one from the reference (so codes and names are right), with
invented programme data: every row has ``data_status = synthetic`` and every descriptor
says so. The same seed always gives the same bytes. ``plant`` puts a known number of
errors of known codes in known places, listed in ``planted-errors.json``, so tests can
check that validation finds exactly those.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from .resources import DATA_DIR
from .schemas import TABLES, load

AXES = ["environment", "communication", "digitalisation", "local_economy", "social_services",
        "urban_planning", "budget_finance", "water_sanitation", "culture_youth_sport",
        "gender_equality"]  # fmt: skip
PRINCIPLES = ["citizen_participation", "transparency", "digitalisation", "accountability",
              "inclusion", "integrity"]  # fmt: skip
STAGES = ["preparation", "public_consultation", "adopted", "implementation", "evaluation",
          "closed"]  # fmt: skip
GROUPS = ["council_member", "commune_staff", "civil_society", "equity_gender_body",
          "supporting_ngo", "citizen", "authority"]  # fmt: skip
COMPLETION = ["not_started", "limited", "substantial", "complete"]
WORDS = json.loads((DATA_DIR / "synth-words.json").read_text(encoding="utf-8"))
AXIS_TEXT: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in WORDS["axis_text"].items()}
AR: dict[str, str] = WORDS["ar"]
FR: dict[str, str] = WORDS["fr"]
PLANTABLE = ("invalid-date", "primary-key", "personal-data", "formula-injection", "date-order")


def synthesise(
    n: int, out: Path, seed: int = 0, plant: int = 0, communes: Any = None
) -> list[Path]:
    """Write ``n`` commune folders under ``out``; return their paths."""
    from .members import load_communes

    reference = communes if communes is not None else load_communes()
    rng = random.Random(seed)
    codes = sorted(reference["code"])
    chosen = sorted(rng.sample(codes, min(n, len(codes))))
    by_code = reference.set_index("code")
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    for code in chosen:
        commune = by_code.loc[code].to_dict()
        folder = out / _slug(code)
        tables = _commune_tables(code, random.Random(f"{seed}:{code}"))
        _write(folder, code, commune, tables, seed)
        folders.append(folder)
    if plant:
        planted = [_plant(rng, folders[i % len(folders)], i) for i in range(plant)]
        (out / "planted-errors.json").write_text(
            json.dumps(planted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return folders


def _slug(code: str) -> str:
    return "synthetic-" + code.replace(".", "-")


def _commune_tables(code: str, rng: random.Random) -> dict[str, list[dict[str, str]]]:
    key = code.replace(".", "")
    start = dt.date(2023 + rng.randint(0, 2), rng.choice([1, 4, 7, 10]), 1)
    end = start.replace(year=start.year + 2) - dt.timedelta(days=1)
    plan = f"p{key}"
    stage = rng.choice(STAGES)
    tables: dict[str, list[dict[str, str]]] = {t: [] for t in TABLES}
    tables["action_plans"].append({
        "plan_id": plan, "commune_code": code,
        "title_ar": AR["plan_title"], "title_fr": FR["plan_title"],
        "cycle_start": start.isoformat(), "cycle_end": end.isoformat(), "stage": stage,
        "supporting_organisation": FR["supporting_organisation"],
        "contact_unit": AR["contact_unit"], "data_status": "synthetic",
    })  # fmt: skip
    axes = rng.sample(AXES, rng.randint(2, 4))
    for w in range(1, rng.randint(1, 3) + 1):
        wid = f"w{key}-{w}"
        day = start + dt.timedelta(days=20 * w)
        tables["workshops"].append({
            "workshop_id": wid, "plan_id": plan, "commune_code": code,
            "kind": "co_creation" if w == 1 else rng.choice(["public_consultation", "evaluation"]),
            "round": str(w), "date": day.isoformat(), "start_time": "09:00:00",
            "mode": rng.choice(["in_person", "hybrid"]), "axes": ";".join(axes),
            "principles": ";".join(rng.sample(PRINCIPLES, 3)),
            "working_groups": str(len(axes)), "facilitator": FR["facilitator"],
            "summary_ar": AR["workshop_summary"],
            "summary_fr": FR["workshop_summary"], "data_status": "synthetic",
        })  # fmt: skip
        for group in rng.sample(GROUPS, rng.randint(3, len(GROUPS))):
            for gender in ("female", "male"):
                tables["workshop_participation"].append({
                    "workshop_id": wid, "commune_code": code, "stakeholder_group": group,
                    "gender": gender, "participants": str(rng.randint(0, 15)),
                    "data_status": "synthetic",
                })  # fmt: skip
    implemented = STAGES.index(stage) >= STAGES.index("implementation")
    for c, axis in enumerate(axes, start=1):
        cid = f"c{key}-{c}"
        ar, fr = AXIS_TEXT[axis]
        milestones = []
        for m in range(1, rng.randint(2, 4) + 1):
            m_start = start + dt.timedelta(days=60 + 90 * (m - 1))
            due = min(m_start + dt.timedelta(days=rng.randint(30, 120)), end)
            status = (
                rng.choice(["complete", "in_progress", "not_started"])
                if implemented
                else "not_started"
            )
            milestones.append({
                "milestone_id": f"{cid}-m{m}", "commitment_id": cid, "commune_code": code,
                "title_ar": AR["milestone_title"].format(m=m, text=ar),
                "title_fr": FR["milestone_title"].format(m=m, text=fr),
                "start_date": m_start.isoformat(), "due_date": due.isoformat(), "status": status,
                "completed_on": (due - dt.timedelta(days=rng.randint(-20, 10))).isoformat()
                if status == "complete" else "",
                "data_status": "synthetic",
            })  # fmt: skip
        done = all(m["status"] == "complete" for m in milestones)
        completion = "complete" if done and implemented else rng.choice(COMPLETION[:3])
        for row in milestones:  # a completion date is never before the milestone started
            if row["completed_on"] and row["completed_on"] < row["start_date"]:
                row["completed_on"] = row["due_date"]
        tables["milestones"] += milestones
        tables["commitments"].append({
            "commitment_id": cid, "plan_id": plan, "commune_code": code, "axis": axis,
            "title_ar": AR["commitment_title"].format(text=ar),
            "title_fr": FR["commitment_title"].format(text=fr),
            "problem_ar": AR["problem"].format(text=ar),
            "problem_fr": FR["problem"].format(text=fr),
            "description_ar": AR["improvement"].format(text=ar),
            "description_fr": FR["improvement"].format(text=fr),
            "ogp_access_to_information": rng.choice(["true", "false"]),
            "ogp_civic_participation": rng.choice(["true", "false"]),
            "ogp_public_accountability": rng.choice(["true", "false"]),
            "ogp_technology_innovation": "true" if axis == "digitalisation" else "false",
            "lead_unit": AR["lead_unit"],
            "start_date": (start + dt.timedelta(days=60)).isoformat(),
            "end_date": end.isoformat(), "budget_mad": str(rng.randint(1, 50) * 10000),
            "completion": completion if implemented else "not_started",
            "data_status": "synthetic",
        })  # fmt: skip
        tables["proposals"].append({
            "proposal_id": f"r{key}-{c}", "workshop_id": f"w{key}-1", "commune_code": code,
            "working_group": str(c), "axis": axis, "problem_ar": AR["problem"].format(text=ar),
            "problem_fr": FR["problem"].format(text=fr),
            "solution_ar": AR["improvement"].format(text=ar),
            "solution_fr": FR["improvement"].format(text=fr), "retained": "true",
            "commitment_id": cid,
            "data_status": "synthetic",
        })  # fmt: skip
        if implemented:
            tables["progress_updates"].append({
                "update_id": f"u{key}-{c}", "commitment_id": cid, "commune_code": code,
                "reported_on": min(end, start + dt.timedelta(days=400)).isoformat(),
                "completion": tables["commitments"][-1]["completion"],
                "summary_ar": AR["update_summary"], "summary_fr": FR["update_summary"],
                "reported_by": AR["reported_by"], "data_status": "synthetic",
            })  # fmt: skip
    return tables


def _write(
    folder: Path, code: str, commune: dict[str, Any], tables: dict[str, list[dict[str, str]]],
    seed: int,
) -> None:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        fields = load(name).field_names
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows({f: row.get(f, "") for f in fields} for row in rows)
    descriptor = {
        "name": folder.name,
        "title": f"SYNTHETIC — {commune['name_fr']}",
        "x-title-ar": AR["package_title"].format(name=commune["name_ar"]),
        "x-title-fr": FR["package_title"].format(name=commune["name_fr"]),
        "description": (
            "SYNTHETIC DATA for tests and benchmarks, generated by `infitah synth` "
            f"(seed {seed}). The commune is real; every row is invented and marked "
            "data_status = synthetic. Nothing here describes reality."
        ),
        "x-synthetic": True,
        "x-commune-code": code,
        "licenses": [
            {"name": "ODC-BY-1.0", "path": "https://opendatacommons.org/licenses/by/1-0/"}
        ],
        "resources": [{"name": t, "path": f"{t}.csv", "format": "csv"} for t in TABLES],
    }
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def _plant(rng: random.Random, folder: Path, number: int) -> dict[str, Any]:
    """Break one cell on purpose; return where and which code validation must report."""
    code = PLANTABLE[number % len(PLANTABLE)]
    table, field, value = {
        "invalid-date": ("milestones", "due_date", "2024-13-45"),
        "primary-key": ("commitments", "commitment_id", None),
        "personal-data": ("commitments", "description_fr", "Contact : 0612345678"),
        "formula-injection": ("commitments", "title_fr", '=HYPERLINK("http://x")'),
        "date-order": ("commitments", "end_date", "2000-01-01"),
    }[code]
    path = folder / f"{table}.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    column = rows[0].index(field)
    used = {p.get("line") for p in _planted_in(folder) if p.get("table") == table}
    candidates = [i for i in range(2, len(rows)) if i + 1 not in used] or [len(rows) - 1]
    index = rng.choice(candidates)
    if value is None:  # a duplicate key: append a copy, so nothing else loses its reference
        rows.append(list(rows[index]))
        index = len(rows) - 1
    else:
        rows[index][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    entry = {
        "commune": folder.name,
        "table": table,
        "line": index + 1,
        "field": field,
        "code": code,
    }
    marker = folder / ".planted.json"
    marker.write_text(json.dumps([*_planted_in(folder), entry]), encoding="utf-8")
    return entry


def _planted_in(folder: Path) -> list[dict[str, Any]]:
    marker = folder / ".planted.json"
    return json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else []
