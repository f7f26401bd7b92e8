"""Indicators of the network's openness programmes, as one long table.

One row per (level, code, indicator, axis): ``level`` is commune, province, region or
network; ``axis`` is empty for a total, or an axis code for the breakdown of the
commitment, milestone and proposal indicators (emitted for the axes an entity has
commitments or proposals in). A long table keeps one schema whatever indicators are
added later, and filters well in a spreadsheet.

Definitions (what a journalist quotes; also in the indicator labels):

* milestones due: ``due_date <= as_of``; done on time: due, ``status = complete`` and
  ``completed_on <= due_date``; done, date unknown: due, complete, no ``completed_on``;
  share on time = done on time / (due - done, date unknown): a milestone whose date
  nobody gave is never counted late.
* workshops held: ``date <= as_of``.
* participants: sums of the counts given (an empty count is unknown, not zero); women's
  share = female / (female + male), over known counts.
* proposals retained: ``retained = true`` and linked to a commitment.
* shares are empty where their denominator is 0.
* only rows whose ``data_status`` is ``reported`` are counted; ``left_out`` says, per
  indicator, how many illustrative or synthetic rows (for a share: rows of its
  denominator) were left out, so an invented row never moves a published figure.
* dates of reduced precision are intervals (``dates.py``): a milestone due ``2022-09``
  is due once the as-of date reaches 30 September 2022; it is done on time when it was
  completed on a day that may be on or before that (``completed_on``'s first day).

``as_of`` is passed explicitly, so the same data always gives the same indicators.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Any

import pandas as pd

from . import dates
from .i18n import N_, in_each, tr
from .members import NETWORK_CODE, NETWORK_TITLE
from .schemas import TableSchema, load

LEVELS = ("network", "region", "province", "member", "commune")
LEVEL_LABELS = {
    "commune": in_each(N_("Commune")),
    "member": in_each(N_("Member above communes (province, region, national)")),
    "province": in_each(N_("Province")),
    "region": in_each(N_("Region")),
    "network": in_each(N_("Network")),
}
TITLE_KEYS = {"ar": "x-title-ar", "fr": "x-title-fr", "en": "title"}
OGP_VALUES = (
    "ogp_access_to_information",
    "ogp_civic_participation",
    "ogp_public_accountability",
    "ogp_technology_innovation",
)


def _schema_labels(table: str, field: str) -> dict[str, dict[str, str]]:
    return load(table).enum_labels(field)


def _definitions() -> dict[str, dict[str, str]]:
    """Indicator code -> labels (ar/fr/en), in the order rows are written."""
    out: dict[str, dict[str, str]] = {
        "communes": in_each(N_("Communes that published their programme")),
        "members_province": in_each(N_("Provinces that published their programme")),
        "members_prefecture": in_each(N_("Prefectures that published their programme")),
        "members_region": in_each(N_("Regions that published their programme")),
        "members_national": in_each(N_("National action plans published")),
        "commitments": in_each(N_("Commitments")),
    }
    commitments = load("commitments")
    for name in OGP_VALUES:
        field = commitments.field(name)
        title = {lang: field.get(key, name) for lang, key in TITLE_KEYS.items()}
        out[f"commitments_{name}"] = in_each(N_("Commitments — {title}"), title=title)
    for level, labels in _schema_labels("commitments", "completion").items():
        label = {"en": level.replace("_", " "), **labels}
        out[f"completion_{level}"] = in_each(
            N_("Commitments by completion level (IRM): {level}"), level=label
        )
    out["completion_not_assessed"] = in_each(N_("Commitments without a completion level"))
    out |= {
        "milestones": in_each(N_("Milestones")),
        "milestones_due": in_each(N_("Milestones due (due date on or before the as-of date)")),
        "milestones_done_on_time": in_each(
            N_("Due milestones completed on or before their due date")
        ),
        "milestones_done_date_unknown": in_each(
            N_("Due milestones marked complete without a completion date (done, date unknown)")
        ),
        "milestones_on_time_share": in_each(
            N_("Share of due milestones completed on time (those without a date left out)")
        ),
        "proposals": in_each(N_("Workshop proposals")),
        "proposals_retained": in_each(N_("Proposals retained into commitments")),
        "proposals_retained_share": in_each(N_("Share of proposals retained into commitments")),
        "workshops_held": in_each(N_("Workshops held (dated on or before the as-of date)")),
        "participants": in_each(N_("Participants (known counts)")),
        "participants_female": in_each(N_("Participants: women")),
        "participants_male": in_each(N_("Participants: men")),
        "women_share": in_each(N_("Women's share of participants (female / (female + male))")),
    }
    for group, labels in _schema_labels("workshop_participation", "stakeholder_group").items():
        label = {"en": group.replace("_", " "), **labels}
        out[f"participants_{group}"] = in_each(N_("Participants: {group}"), group=label)
    return out


INDICATORS: dict[str, dict[str, str]] = _definitions()
BY_AXIS = (
    "commitments",
    *(f"commitments_{v}" for v in OGP_VALUES),
    *(k for k in INDICATORS if k.startswith("completion_")),
    "milestones",
    "milestones_due",
    "milestones_done_on_time",
    "milestones_done_date_unknown",
    "milestones_on_time_share",
    "proposals",
    "proposals_retained",
    "proposals_retained_share",
)
SHARES = {
    "milestones_on_time_share": (
        "milestones_done_on_time",
        "milestones_due-milestones_done_date_unknown",
    ),
    "proposals_retained_share": ("proposals_retained", "proposals"),
    "women_share": ("participants_female", "participants_female+participants_male"),
}
COLUMNS = ["level", "code", "name_fr", "name_ar", "indicator", "axis", "value", "left_out"]
KEYS = ["level", "code", "indicator", "axis"]


def schema() -> TableSchema:
    """The indicators table's Table Schema (published with it, like every table's)."""
    axes = _schema_labels("commitments", "axis")
    descriptor: dict[str, Any] = {
        "name": "indicators",
        "title": "Indicators",
        "x-title-fr": tr("fr", N_("Indicators")),
        "x-title-ar": tr("ar", N_("Indicators")),
        "description": (
            "Indicators of the openness programmes per commune, province, region and for "
            "the network, in total (axis empty) and by axis. Definitions: see each "
            "indicator's label and the dataset's README."
        ),
        "fields": [
            _field(
                "level",
                N_("Level"),
                "Where the indicator is counted.",
                enum=LEVEL_LABELS,
            ),
            _field(
                "code",
                N_("Code"),
                "Member (commune, province, region or MA), province or region code; "
                "'remacto' for the network.",
                required=True,
            ),
            _field("name_fr", N_("Name (French)"), "Name in French."),
            _field("name_ar", N_("Name (Arabic)"), "Name in Arabic."),
            _field(
                "indicator",
                N_("Indicator"),
                "What is counted.",
                enum=INDICATORS,
            ),
            _field(
                "axis",
                N_("Axis"),
                "Empty for a total; else the commitments' axis.",
                enum=axes,
                required=False,
            ),
            _numeric_field(
                "value",
                N_("Value"),
                "number",
                "A count, or a share between 0 and 1; empty when undefined. Counts only rows "
                "whose data_status is 'reported'.",
                {"minimum": 0},
            ),
            _numeric_field(
                "left_out",
                N_("Rows left out"),
                "integer",
                "Illustrative or synthetic rows (data_status) that the value does not count; "
                "for a share, those of its denominator.",
                {"minimum": 0, "required": True},
            ),
        ],
        "primaryKey": ["level", "code", "indicator", "axis"],
        "missingValues": [""],
    }
    return TableSchema("indicators", descriptor)


def _numeric_field(
    name: str, title: str, kind: str, description: str, constraints: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "title": title,
        "x-title-fr": tr("fr", title),
        "x-title-ar": tr("ar", title),
        "description": description,
        "constraints": constraints,
    }


def _field(
    name: str,
    title: str,
    description: str,
    enum: dict[str, dict[str, str]] | None = None,
    required: bool = True,
) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": name,
        "type": "string",
        "title": title,
        "x-title-fr": tr("fr", title),
        "x-title-ar": tr("ar", title),
        "description": description,
        "constraints": {"required": True} if required else {},
    }
    if enum is not None:
        field["constraints"]["enum"] = list(enum)
        field["x-enum-labels"] = {k: {"ar": v["ar"], "fr": v["fr"]} for k, v in enum.items()}
    return field


# --- computing ----------------------------------------------------------------------------

GEO = ["commune_code", "province_code", "region_code"]
KEY = {
    "commune": "commune_code",
    "member": "commune_code",
    "province": "province_code",
    "region": "region_code",
}
# Members above communes, counted by kind (the network view sets them beside communes).
MEMBER_COUNTS = ("province", "prefecture", "region", "national")
# Counts of members: meaningful where members are grouped, not for one member.
GROUP_ONLY = frozenset({"communes", *(f"members_{k}" for k in MEMBER_COUNTS)})


COUNTED_BY_DEFAULT: tuple[str, ...] = ("reported",)


def compute(
    tables: dict[str, pd.DataFrame],
    as_of: dt.date,
    counted: Collection[str] = COUNTED_BY_DEFAULT,
) -> pd.DataFrame:
    """Indicators of the network tables (as ``aggregate.combine`` makes them), as text,
    counting the rows whose ``data_status`` is in ``counted`` (reported, by default:
    a test network of synthetic rows may count those too, and says so)."""
    day = as_of.isoformat()
    communes = _communes(tables)
    entities = _entities(communes)
    axis_facts = pd.concat(
        [
            _commitment_facts(tables["commitments"], counted),
            _milestone_facts(tables["milestones"], tables["commitments"], day, counted),
            _proposal_facts(tables["proposals"], counted),
        ],
        ignore_index=True,
    )
    other_facts = pd.concat(
        [
            _workshop_facts(tables["workshops"], day, counted),
            _participation_facts(tables["workshop_participation"], counted),
            _facts(communes, _member_counts(communes)),
        ],
        ignore_index=True,
    )
    all_facts = pd.concat([axis_facts, other_facts], ignore_index=True)
    kept = _rows(all_facts, axis_facts, entities, reported=True)
    left = _rows(all_facts, axis_facts, entities, reported=False)
    left = left[[*KEYS, "number"]].rename(columns={"number": "left"})
    out = kept.merge(left, on=KEYS, how="outer", validate="one_to_one")
    # An entity or axis with only left-out rows still shows, as 0 counted.
    names = pd.concat([entities[level].assign(level=level) for level in LEVELS])
    out = out.drop(columns=["name_fr", "name_ar"]).merge(names, on=["level", "code"], how="left")
    counts = ~out["indicator"].isin(list(SHARES))
    out["number"] = out["number"].where(~(counts & out["number"].isna()), 0.0)
    out["value"] = out["number"].map(_number)
    out["left_out"] = out["left"].fillna(0).astype(int).astype(str)
    one = out["level"].isin(["commune", "member"])
    out = out[~(one & out["indicator"].isin(list(GROUP_ONLY)))]
    order = {name: i for i, name in enumerate(INDICATORS)}
    axes = {a: i for i, a in enumerate(["", *_schema_labels("commitments", "axis")])}
    out = out.assign(
        _l=out["level"].map({lv: i for i, lv in enumerate(LEVELS)}),
        _i=out["indicator"].map(order),
        _a=out["axis"].map(axes),
    ).sort_values(["_l", "code", "_a", "_i"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def _rows(
    all_facts: pd.DataFrame,
    axis_facts: pd.DataFrame,
    entities: dict[str, pd.DataFrame],
    reported: bool,
) -> pd.DataFrame:
    """Every level's indicators over the reported rows, or over the rows left out (whose
    shares are then the left-out rows of their denominators)."""
    mine = all_facts[all_facts["_reported"] == reported].drop(columns="_reported")
    by_axis_facts = axis_facts[axis_facts["_reported"] == reported].drop(columns="_reported")
    rows = []
    for level in LEVELS:
        key = KEY.get(level)
        names = entities[level]
        rows.append(_long(level, names, _sum(mine, key, False), list(INDICATORS), False, reported))
        by_axis = _sum(by_axis_facts, key, True)
        rows.append(_long(level, names, by_axis, list(BY_AXIS), True, reported))
    return pd.concat(rows, ignore_index=True)


def _communes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every member with rows in any table, with its kind and its province's and
    region's names (empty above them: a region has no province)."""
    columns = [
        f"{level}_{part}"
        for level in ("commune", "province", "region")
        for part in ("code", "name_fr", "name_ar")
    ]
    frames = [
        t.reindex(columns=[*columns, "member_kind"], fill_value="commune")
        for t in tables.values()
        if len(t)
    ]
    if not frames:
        return pd.DataFrame(columns=[*columns, "member_kind"], dtype=str)
    members = pd.concat(frames, ignore_index=True).drop_duplicates("commune_code")
    # A code the reference no longer knows has no kind: it was published as a commune.
    return members.assign(member_kind=members["member_kind"].replace("", "commune"))


def _member_counts(members: pd.DataFrame) -> dict[str, Any]:
    kinds = members["member_kind"]
    return {
        "communes": kinds == "commune",
        **{f"members_{k}": kinds == k for k in MEMBER_COUNTS},
    }


def _entities(communes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Code -> names of every commune, member above communes, province and region with
    a programme (a province, region or the network holds its members' programmes)."""
    out: dict[str, pd.DataFrame] = {}
    is_commune = communes["member_kind"] == "commune"
    for level, rows, prefix in (
        ("commune", communes[is_commune], "commune"),
        ("member", communes[~is_commune], "commune"),
        ("province", communes, "province"),
        ("region", communes, "region"),
    ):
        code = KEY[level]
        frame = rows[[code, f"{prefix}_name_fr", f"{prefix}_name_ar"]].drop_duplicates(code)
        frame = frame[frame[code] != ""]
        frame.columns = pd.Index(["code", "name_fr", "name_ar"])
        out[level] = frame.sort_values("code").reset_index(drop=True)
    title = in_each(NETWORK_TITLE)
    out["network"] = pd.DataFrame(
        [{"code": NETWORK_CODE, "name_fr": title["fr"], "name_ar": title["ar"]}]
    )
    return out


def _facts(
    frame: pd.DataFrame,
    values: dict[str, Any],
    axis: pd.Series | str = "",
    counted: Collection[str] = COUNTED_BY_DEFAULT,
) -> pd.DataFrame:
    facts = frame[GEO].copy()
    facts["axis"] = axis
    facts["_reported"] = (
        frame["data_status"].isin(list(counted)) if "data_status" in frame else True
    )
    for name, value in values.items():
        facts[name] = pd.Series(value, index=frame.index).astype(float)
    return facts


def _commitment_facts(c: pd.DataFrame, counted: Collection[str]) -> pd.DataFrame:
    values: dict[str, Any] = {"commitments": 1}
    for name in OGP_VALUES:
        values[f"commitments_{name}"] = c[name] == "true"
    for level in _schema_labels("commitments", "completion"):
        values[f"completion_{level}"] = c["completion"] == level
    values["completion_not_assessed"] = c["completion"] == ""
    return _facts(c, values, c["axis"], counted)


def _milestone_facts(
    m: pd.DataFrame, c: pd.DataFrame, day: str, counted: Collection[str]
) -> pd.DataFrame:
    axis = m[["commune_code", "commitment_id"]].merge(
        c[["commune_code", "commitment_id", "axis"]], how="left", validate="many_to_one"
    )["axis"]
    axis.index = m.index
    due_by = m["due_date"].map(_last_day)
    due = (due_by != "") & (due_by <= day)
    completed = m["completed_on"].map(_first_day)
    done = due & (m["status"] == "complete") & (completed != "") & (completed <= due_by)
    unknown = due & (m["status"] == "complete") & (m["completed_on"] == "")
    values = {
        "milestones": 1,
        "milestones_due": due,
        "milestones_done_on_time": done,
        "milestones_done_date_unknown": unknown,
    }
    return _facts(m, values, axis.fillna(""), counted)


def _last_day(value: str) -> str:
    day = dates.last_day(value)
    return day.isoformat() if day else ""


def _first_day(value: str) -> str:
    day = dates.first_day(value)
    return day.isoformat() if day else ""


def _terms(frame: pd.DataFrame, expression: str) -> pd.Series:
    """``a+b-c`` over columns of ``frame``: a share's denominator."""
    total = pd.Series(0.0, index=frame.index)
    for sign, name in re.findall(r"([+-]?)([a-z_]+)", expression):
        total = total - frame[name] if sign == "-" else total + frame[name]
    return total


def _proposal_facts(p: pd.DataFrame, counted: Collection[str]) -> pd.DataFrame:
    retained = (p["retained"] == "true") & (p["commitment_id"] != "")
    return _facts(p, {"proposals": 1, "proposals_retained": retained}, p["axis"], counted)


def _workshop_facts(w: pd.DataFrame, day: str, counted: Collection[str]) -> pd.DataFrame:
    return _facts(w, {"workshops_held": w["date"] <= day}, counted=counted)


def _participation_facts(p: pd.DataFrame, counted: Collection[str]) -> pd.DataFrame:
    count = pd.to_numeric(p["participants"], errors="coerce").fillna(0)
    values: dict[str, Any] = {
        "participants": count,
        "participants_female": count.where(p["gender"] == "female", 0),
        "participants_male": count.where(p["gender"] == "male", 0),
    }
    for group in _schema_labels("workshop_participation", "stakeholder_group"):
        values[f"participants_{group}"] = count.where(p["stakeholder_group"] == group, 0)
    return _facts(p, values, counted=counted)


def _sum(facts: pd.DataFrame, key: str | None, by_axis: bool) -> pd.DataFrame:
    """Sums per entity (and axis), indexed by code (and axis)."""
    values = facts.drop(columns=[*GEO, "axis"])
    keys = [facts[key] if key else pd.Series(NETWORK_CODE, index=facts.index, name="code")]
    if by_axis:
        keys.append(facts["axis"])
    summed = values.groupby(keys).sum(min_count=0)
    summed.index = summed.index.set_names(["code", "axis"] if by_axis else ["code"])
    return summed


def _long(
    level: str,
    names: pd.DataFrame,
    sums: pd.DataFrame,
    indicators: list[str],
    by_axis: bool,
    reported: bool = True,
) -> pd.DataFrame:
    sums = sums.reindex(columns=[i for i in indicators if i not in SHARES], fill_value=0.0)
    if by_axis:
        frame = sums.reset_index()
        frame = frame[(frame["axis"] != "") & frame["code"].isin(names["code"])]
    else:
        frame = (
            sums.reindex(pd.Index(names["code"], name="code"), fill_value=0.0)
            .fillna(0.0)
            .reset_index()
        )
        frame["axis"] = ""
    frame = frame.fillna(0.0)
    for share, (numerator, denominator) in SHARES.items():
        if share not in indicators:
            continue
        below = _terms(frame, denominator)
        frame[share] = (frame[numerator] / below).where(below > 0) if reported else below
    long = frame.melt(id_vars=["code", "axis"], var_name="indicator", value_name="number")
    long = long[long["indicator"].isin(indicators)]
    long = long.merge(names, on="code", how="left")
    long["level"] = level
    return long[["level", "code", "name_fr", "name_ar", "indicator", "axis", "number"]]


def _number(value: float) -> str:
    """Counts as integers, shares with 4 decimals at most; empty when undefined."""
    if pd.isna(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")
