"""What the network dataset must hold, computed here from the communes' source files.

Written independently of ``pipelines.aggregate`` and ``pipelines.indicators`` (plain
loops over csv rows, the definitions as the README states them), so a test comparing
the two can fail when either is wrong.
"""

from __future__ import annotations

import calendar
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
         "province_name_ar", "region_code", "region_name_fr", "region_name_ar",
         "member_kind"]  # fmt: skip
COMMUNE_KINDS = ("rural_commune", "municipality", "city_with_arrondissements")
MEMBER_KINDS = ["province", "prefecture", "region", "national"]
OGP = ["ogp_access_to_information", "ogp_civic_participation", "ogp_public_accountability",
       "ogp_technology_innovation"]  # fmt: skip
COMPLETION = ["no_evidence", "not_started", "limited", "substantial", "complete", "withdrawn",
              "unclear", "not_determined", "not_reviewed", "not_applicable"]  # fmt: skip
GROUPS = ["council_member", "commune_staff", "civil_society", "equity_gender_body",
          "supporting_ngo", "citizen", "authority", "other"]  # fmt: skip
BY_AXIS = [
    "commitments", *(f"commitments_{v}" for v in OGP), *(f"completion_{c}" for c in COMPLETION),
    "completion_not_assessed", "milestones", "milestones_due", "milestones_done_on_time",
    "milestones_done_date_unknown", "milestones_on_time_share", "proposals",
    "proposals_retained", "proposals_retained_share",
]  # fmt: skip
GROUP_ONLY = ["communes", *(f"members_{k}" for k in MEMBER_KINDS)]
TOTALS = [*BY_AXIS, *GROUP_ONLY, "workshops_held", "participants", "participants_female",
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
    """Every member's row: the communes, then the collectivities above them."""
    out = {}
    for name in ("communes.csv", "collectivities.csv"):
        for r in rows((REPO / "datasets" / "reference" / name).read_bytes()):
            kind = "commune" if r["kind"] in COMMUNE_KINDS else r["kind"]
            out[r["code"]] = r | {"member_kind": kind}
    return out


def last_day(value: str) -> str:
    """The last day a date of reduced precision means, as the README defines them."""
    if len(value) == 10:
        return value
    year = int(value[:4])
    if len(value) == 4:
        return f"{year}-12-31"
    if value[5] in "SQ":
        size = 6 if value[5] == "S" else 3
        month = int(value[6]) * size
    else:
        month = int(value[5:7])
    return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def first_day(value: str) -> str:
    if len(value) == 10:
        return value
    if len(value) == 4:
        return f"{value}-01-01"
    if value[5] in "SQ":
        size = 6 if value[5] == "S" else 3
        return f"{value[:4]}-{(int(value[6]) - 1) * size + 1:02d}-01"
    return f"{value}-01"


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


def expected_indicators(
    folders: list[Path],
    as_of: str,
    left_out: bool = False,
    counted: tuple[str, ...] = ("reported",),
) -> dict[Key, float | None]:
    """Each indicator over the rows whose data_status is ``reported``; with
    ``left_out``, the number of other rows each leaves out (for a share, those of its
    denominator)."""
    ref = reference()
    buckets = ("left", "reported")
    totals: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    axes: dict[tuple[str, str, str, str], Counter[str]] = defaultdict(Counter)
    seen_axes: set[tuple[str, str, str]] = set()
    for folder in folders:
        t = {name: rows((folder / f"{name}.csv").read_bytes()) for name in TABLES}
        code = t["action_plans"][0]["commune_code"]
        commune = ref[code]
        mine = {b: Counter() for b in buckets}
        by_axis: dict[str, dict[str, Counter[str]]] = {b: defaultdict(Counter) for b in buckets}
        kind = commune["member_kind"]
        mine["reported"]["communes"] = int(kind == "commune")
        for k in MEMBER_KINDS:
            mine["reported"][f"members_{k}"] = int(kind == k)

        def bucket(row: dict[str, str]) -> str:
            return "reported" if row.get("data_status") in counted else "left"

        axis_of = {}
        for c in t["commitments"]:
            axis_of[c["commitment_id"]] = c["axis"]
            facts = {"commitments": 1}
            facts |= {f"commitments_{v}": int(c[v] == "true") for v in OGP}
            facts |= {f"completion_{x}": int(c["completion"] == x) for x in COMPLETION}
            facts["completion_not_assessed"] = int(c["completion"] == "")
            b = bucket(c)
            _add(mine[b], by_axis[b][c["axis"]], facts)
        for m in t["milestones"]:
            due_by = last_day(m["due_date"]) if m["due_date"] else ""
            due = due_by != "" and due_by <= as_of
            on_time = (
                due
                and m["status"] == "complete"
                and m["completed_on"] != ""
                and first_day(m["completed_on"]) <= due_by
            )
            unknown = due and m["status"] == "complete" and m["completed_on"] == ""
            facts = {"milestones": 1, "milestones_due": int(due),
                     "milestones_done_on_time": int(on_time),
                     "milestones_done_date_unknown": int(unknown)}  # fmt: skip
            b = bucket(m)
            _add(mine[b], by_axis[b][axis_of[m["commitment_id"]]], facts)
        for p in t["proposals"]:
            retained = p["retained"] == "true" and p["commitment_id"] != ""
            b = bucket(p)
            _add(mine[b], by_axis[b][p["axis"]],
                 {"proposals": 1, "proposals_retained": int(retained)})  # fmt: skip
        for w in t["workshops"]:
            mine[bucket(w)]["workshops_held"] += int(w["date"] <= as_of)
        for p in t["workshop_participation"]:
            if p["participants"] == "":
                continue
            n = int(p["participants"])
            b = bucket(p)
            mine[b]["participants"] += n
            mine[b][f"participants_{p['stakeholder_group']}"] += n
            if p["gender"] in ("female", "male"):
                mine[b][f"participants_{p['gender']}"] += n
        own = "commune" if kind == "commune" else "member"
        places = [(own, code), ("province", commune["province_code"]),
                  ("region", commune["region_code"]), ("network", "remacto")]  # fmt: skip
        for place in places:
            if not place[1]:
                continue  # a region has no province, the national level no region
            for b in buckets:
                totals[(*place, b)].update(mine[b])
                for axis, counts in by_axis[b].items():
                    axes[(*place, axis, b)].update(counts)
                    seen_axes.add((*place, axis))
    want = "left" if left_out else "reported"
    out: dict[Key, float | None] = {}
    places = {(level, code) for level, code, _ in totals}
    for level, code in places:
        counts = totals[(level, code, want)]
        for name in TOTALS:
            if not (level in ("commune", "member") and name in GROUP_ONLY):
                out[(level, code, name, "")] = _value(counts, name, left_out)
    for level, code, axis in seen_axes:
        counts = axes[(level, code, axis, want)]
        for name in BY_AXIS:
            out[(level, code, name, axis)] = _value(counts, name, left_out)
    return out


def _add(total: Counter[str], axis: Counter[str], facts: dict[str, int]) -> None:
    for name, value in facts.items():
        total[name] += value
        axis[name] += value


def _value(counts: Counter[str], name: str, left_out: bool = False) -> float | None:
    if name in SHARES:
        top, bottom = SHARES[name]
        below = sum(-counts[b[1:]] if b.startswith("-") else counts[b] for b in bottom)
        if left_out:
            return float(below)
        return counts[top] / below if below else None
    return float(counts[name])


def published_indicators(data: bytes, left_out: bool = False) -> dict[Key, float | None]:
    column = "left_out" if left_out else "value"
    out: dict[Key, float | None] = {}
    for r in rows(data):
        key = (r["level"], r["code"], r["indicator"], r["axis"])
        assert key not in out, key
        out[key] = float(r[column]) if r[column] != "" else None
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
