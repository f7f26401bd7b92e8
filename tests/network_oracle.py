"""What the network dataset must hold, computed here from the communes' source files.

Written independently of ``pipelines.aggregate`` and ``pipelines.indicators`` (plain
loops over csv rows, the definitions as the README states them), so a test comparing
the two can fail when either is wrong.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from pathlib import Path

from .conftest import REPO

TABLES = ("action_plans", "workshops", "workshop_participation", "commitments", "proposals",
          "milestones", "progress_updates")  # fmt: skip
PRIMARY_KEYS = {
    "action_plans": ["plan_id"],
    "workshops": ["workshop_id"],
    "workshop_participation": ["workshop_id", "stakeholder_group", "gender"],
    "commitments": ["commitment_id"],
    "proposals": ["proposal_id"],
    "milestones": ["milestone_id"],
    "progress_updates": ["update_id"],
}
ADDED = ["commune_name_fr", "commune_name_ar", "province_code", "province_name_fr",
         "province_name_ar", "region_code", "region_name_fr", "region_name_ar"]  # fmt: skip
OGP = ["ogp_access_to_information", "ogp_civic_participation", "ogp_public_accountability",
       "ogp_technology_innovation"]  # fmt: skip
COMPLETION = ["no_evidence", "not_started", "limited", "substantial", "complete"]
GROUPS = ["council_member", "commune_staff", "civil_society", "equity_gender_body",
          "supporting_ngo", "citizen", "authority", "other"]  # fmt: skip
BY_AXIS = [
    "commitments", *(f"commitments_{v}" for v in OGP), *(f"completion_{c}" for c in COMPLETION),
    "completion_not_assessed", "milestones", "milestones_due", "milestones_done_on_time",
    "milestones_done_date_unknown", "milestones_on_time_share", "proposals",
    "proposals_retained", "proposals_retained_share",
]  # fmt: skip
TOTALS = [*BY_AXIS, "communes", "workshops_held", "participants", "participants_female",
          "participants_male", "women_share", *(f"participants_{g}" for g in GROUPS)]  # fmt: skip
SHARES = {
    # A milestone complete without a date is left out, never counted late.
    "milestones_on_time_share": (
        "milestones_done_on_time",
        ["milestones_due", "-milestones_done_date_unknown"],
    ),
    "proposals_retained_share": ("proposals_retained", ["proposals"]),
    "women_share": ("participants_female", ["participants_female", "participants_male"]),
}

Key = tuple[str, str, str, str]


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def reference() -> dict[str, dict[str, str]]:
    path = REPO / "datasets" / "reference" / "communes.csv"
    return {r["code"]: r for r in rows(path.read_bytes())}


def source_tables(folders: list[Path]) -> dict[str, list[dict[str, str]]]:
    """Every source row of every table, with the reference columns the network adds."""
    ref = reference()
    out: dict[str, list[dict[str, str]]] = {t: [] for t in TABLES}
    for folder in folders:
        for table in TABLES:
            for row in rows((folder / f"{table}.csv").read_bytes()):
                commune = ref[row["commune_code"]]
                row |= {
                    "commune_name_fr": commune["name_fr"],
                    "commune_name_ar": commune["name_ar"],
                    **{a: commune[a] for a in ADDED if not a.startswith("commune_")},
                }
                out[table].append(row)
    return out


def keyed(table: str, records: list[dict[str, str]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Network primary key (commune code first) -> the full row as a tuple of its values."""
    key = ["commune_code", *PRIMARY_KEYS[table]]
    return {tuple(r[k] for k in key): tuple(sorted(r.items())) for r in records}


def expected_indicators(folders: list[Path], as_of: str) -> dict[Key, float | None]:
    ref = reference()
    totals: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    axes: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for folder in folders:
        t = {name: rows((folder / f"{name}.csv").read_bytes()) for name in TABLES}
        code = t["action_plans"][0]["commune_code"]
        commune = ref[code]
        mine: Counter[str] = Counter({"communes": 1})
        by_axis: dict[str, Counter[str]] = defaultdict(Counter)
        axis_of = {}
        for c in t["commitments"]:
            axis_of[c["commitment_id"]] = c["axis"]
            facts = {"commitments": 1}
            facts |= {f"commitments_{v}": int(c[v] == "true") for v in OGP}
            facts |= {f"completion_{x}": int(c["completion"] == x) for x in COMPLETION}
            facts["completion_not_assessed"] = int(c["completion"] == "")
            _add(mine, by_axis[c["axis"]], facts)
        for m in t["milestones"]:
            due = m["due_date"] <= as_of
            on_time = (
                due
                and m["status"] == "complete"
                and m["completed_on"] != ""
                and m["completed_on"] <= m["due_date"]
            )
            unknown = due and m["status"] == "complete" and m["completed_on"] == ""
            facts = {"milestones": 1, "milestones_due": int(due),
                     "milestones_done_on_time": int(on_time),
                     "milestones_done_date_unknown": int(unknown)}  # fmt: skip
            _add(mine, by_axis[axis_of[m["commitment_id"]]], facts)
        for p in t["proposals"]:
            retained = p["retained"] == "true" and p["commitment_id"] != ""
            _add(mine, by_axis[p["axis"]], {"proposals": 1, "proposals_retained": int(retained)})
        for w in t["workshops"]:
            mine["workshops_held"] += int(w["date"] <= as_of)
        for p in t["workshop_participation"]:
            if p["participants"] == "":
                continue
            n = int(p["participants"])
            mine["participants"] += n
            mine[f"participants_{p['stakeholder_group']}"] += n
            if p["gender"] in ("female", "male"):
                mine[f"participants_{p['gender']}"] += n
        places = [("commune", code), ("province", commune["province_code"]),
                  ("region", commune["region_code"]), ("network", "remacto")]  # fmt: skip
        for place in places:
            totals[place].update(mine)
            for axis, counts in by_axis.items():
                axes[(*place, axis)].update(counts)
    out: dict[Key, float | None] = {}
    for (level, code), counts in totals.items():
        for name in TOTALS:
            if not (level == "commune" and name == "communes"):
                out[(level, code, name, "")] = _value(counts, name)
    for (level, code, axis), counts in axes.items():
        for name in BY_AXIS:
            out[(level, code, name, axis)] = _value(counts, name)
    return out


def _add(total: Counter[str], axis: Counter[str], facts: dict[str, int]) -> None:
    for name, value in facts.items():
        total[name] += value
        axis[name] += value


def _value(counts: Counter[str], name: str) -> float | None:
    if name in SHARES:
        top, bottom = SHARES[name]
        below = sum(-counts[b[1:]] if b.startswith("-") else counts[b] for b in bottom)
        return counts[top] / below if below else None
    return float(counts[name])


def published_indicators(data: bytes) -> dict[Key, float | None]:
    out: dict[Key, float | None] = {}
    for r in rows(data):
        key = (r["level"], r["code"], r["indicator"], r["axis"])
        assert key not in out, key
        out[key] = float(r["value"]) if r["value"] != "" else None
    return out


def assert_same_indicators(got: dict[Key, float | None], want: dict[Key, float | None]) -> None:
    assert set(got) == set(want), (
        sorted(set(got) - set(want))[:5],
        sorted(set(want) - set(got))[:5],
    )
    for key, value in want.items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] is not None and abs(got[key] - value) < 1e-4, (key, got[key], value)
