"""The network view: every commune's published programme, combined, with indicators.

harvest  the current version of every ``openness-programme-*`` dataset of a portal or
         catalog, communes fetched concurrently (bounded: a portal is not a load test);
combine  one table per schema table = the union of the communes' rows, in schema field
         order, plus where each commune is (its names, province, region) from the
         reference, so a journalist can filter by region without a join;
release  validated by frictionless against network schemas generated here from
         ``schemas/`` (the added fields, and keys that include the commune code since ids
         are unique only within a commune), plus the indicators table and charts;
publish  as the network's own dataset through the same ``publish_release`` as a commune's:
         same versioning, same "unchanged writes nothing".

It reads only what is published, never stewards' files: the network shows what the
public can already download, commune by commune.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import charts, dates, digest, indicators, members
from .errors import InputError
from .gathering import tables_report
from .i18n import N_, Lang, in_each, tr
from .members import (
    NETWORK_DATASET,
    NETWORK_TITLE,
    PROGRAMME_PREFIX,
    network,
)
from .portals import Portal, PublishedDataset, open_portal
from .publishing import LICENCE, Outcome, publish_release
from .reading import TableData
from .release import (
    Release,
    canonical_csv,
    canonical_json,
    data_statuses,
    public_schema,
    sha256,
    table_release,
)
from .report import Report
from .schemas import TABLES, TableSchema, as_names, load

WORKERS = 8
# (name, reference column, title): appended to every table, after the schema's fields.
ADDED_FIELDS = (
    ("commune_name_fr", "name_fr", N_("Commune name (French)")),
    ("commune_name_ar", "name_ar", N_("Commune name (Arabic)")),
    ("province_code", "province_code", N_("Province code")),
    ("province_name_fr", "province_name_fr", N_("Province (French)")),
    ("province_name_ar", "province_name_ar", N_("Province (Arabic)")),
    ("region_code", "region_code", N_("Region code")),
    ("region_name_fr", "region_name_fr", N_("Region (French)")),
    ("region_name_ar", "region_name_ar", N_("Region (Arabic)")),
    ("member_kind", "member_kind", N_("Member kind")),
)
# Keys whose fields may be empty cannot include the commune code (frictionless would look
# up (code, "")); they were checked within each commune before it was published.
OPTIONAL_REFERENCES = frozenset(
    {("proposals", "commitment_id"), ("progress_updates", "milestone_id")}
)


Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Harvested:
    """One commune's published programme as read from the portal, or (``reused``) a
    member whose rows are taken from the previous network release (``Reuse.tables``)."""

    dataset: PublishedDataset
    code: str
    tables: Tables
    reused: bool = False
    # Tables of a member read now whose rows are those of the previous network release
    # (its published bytes unchanged since: ``fetch``), judged when it was built.
    judged: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reuse:
    """What the previous network release gives: its members still at the version it was
    built from, their rows (one frame per table, in the release's order, without the
    added fields), and the members that must be read. ``tables`` also holds the
    release's ``indicators`` when they were judged under the schema they have now.
    ``earlier``: the rows it held of each member to read, by code and table (a table
    whose bytes did not change is not downloaded again: ``fetch``)."""

    members: list[Harvested]
    tables: Tables
    wanted: list[PublishedDataset]
    earlier: dict[str, Tables] = field(default_factory=dict)


@dataclass
class NetworkOutcome:
    """What ``infitah aggregate`` reports: the publish outcome and what was combined."""

    outcome: Outcome
    communes: int
    rows: dict[str, int] = field(default_factory=dict)
    as_of: str = ""

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        out = self.outcome.to_dict(lang)
        out.update({"communes": self.communes, "rows": self.rows, "as_of": self.as_of})
        return out


# --- harvest ------------------------------------------------------------------------------


def programmes(
    source: str, token: str | None = None, files: bool = True
) -> tuple[Portal, list[PublishedDataset]]:
    """Where to read from, and every commune programme currently published there
    (without ``files``, maybe only their names and versions: ``Portal.datasets``)."""
    reader = open_portal(source, token)
    return reader, reader.datasets(PROGRAMME_PREFIX, files=files)


# Below this share of the members to read, each is asked where its files are
# (``Portal.dataset``, a call each, in the download threads); above it, the members are
# listed again with their files (a page of a hundred costs about ten calls of one).
LOOKED_UP_AT_MOST = 0.1


def located(reader: Portal, wanted: list[PublishedDataset], listed: int) -> list[PublishedDataset]:
    """``wanted`` with their files, listed with them again when many are wanted (else
    ``fetch`` asks for each one's)."""
    if all(d.files for d in wanted) or len(wanted) <= LOOKED_UP_AT_MOST * listed:
        return wanted
    names = {d.name for d in wanted}
    return [d for d in reader.datasets(PROGRAMME_PREFIX) if d.name in names]


def fetch(reader: Portal, dataset: PublishedDataset, earlier: Tables | None = None) -> Harvested:
    """One commune's tables, every cell as the exact text published. A dataset listed
    without its files is asked for them: its version then is the one they are of (a
    newer one, if published since the listing). ``earlier``: its rows in the previous
    network release; a table they write again byte for byte (the hash its version
    records) is taken from them, not downloaded (a member's new version changes one
    table or two of seven)."""
    if not dataset.files:
        dataset = reader.dataset(dataset.name) or dataset
    tables: Tables = {}
    judged = set()
    for name in TABLES:
        location = dataset.files.get(f"{name}.csv")
        if location is None:
            continue
        before = (earlier or {}).get(name)
        if before is not None and _writes(before, dataset.hashes.get(f"table:{name}")):
            tables[name] = before
            judged.add(name)
            continue
        tables[name] = pd.read_csv(
            io.BytesIO(reader.read(location)),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8",
        )
    return Harvested(dataset, _code(dataset), tables, judged=frozenset(judged))


def _writes(frame: pd.DataFrame, digest: str | None) -> bool:
    """Whether ``frame`` written as a canonical CSV has the hash ``digest``."""
    rows = frame.itertuples(index=False, name=None)
    return digest is not None and sha256(canonical_csv(list(frame.columns), rows)) == digest


def _code(dataset: PublishedDataset) -> str:
    return dataset.commune_code or dataset.name.removeprefix(PROGRAMME_PREFIX).replace("-", ".")


def fetch_many(
    reader: Portal,
    datasets: list[PublishedDataset],
    workers: int = WORKERS,
    progress: Callable[[int], None] | None = None,
    earlier: dict[str, Tables] | None = None,
) -> list[Harvested]:
    """These communes' programmes, ``workers`` downloads at a time, in the order given
    (``earlier``: their rows in the previous network release, by code: ``fetch``)."""
    out: list[Harvested] = []
    before = earlier or {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for harvested in pool.map(lambda d: fetch(reader, d, before.get(_code(d))), datasets):
            out.append(harvested)
            if progress is not None:
                progress(1)
    return out


def harvest(source: str, token: str | None = None, workers: int = WORKERS) -> dict[str, Tables]:
    """Commune code -> table name -> DataFrame of its latest published version."""
    reader, datasets = programmes(source, token)
    fetched = sorted(fetch_many(reader, datasets, workers), key=lambda h: h.code)
    return {h.code: h.tables for h in fetched}


# --- combine ------------------------------------------------------------------------------


def network_schema(name: str) -> TableSchema:
    """A commune table's schema plus the added fields, keyed within the network."""
    descriptor = copy.deepcopy(load(name).descriptor)
    descriptor["description"] = (
        f"{descriptor.get('description', '')} Network view: every commune's rows, with the "
        "commune's names, province and region from the communes reference."
    ).strip()
    for added, _, title in ADDED_FIELDS:
        descriptor["fields"].append(
            {
                "name": added,
                "type": "string",
                "title": title,
                "x-title-fr": tr("fr", title),
                "x-title-ar": tr("ar", title),
                "description": f"{title}, from the communes reference (added by the network).",
            }
        )
    pk = as_names(descriptor.get("primaryKey", []))
    if "commune_code" not in pk:
        descriptor["primaryKey"] = ["commune_code", *pk]
    keys = []
    for fk in descriptor.get("foreignKeys", []):
        fields = as_names(fk["fields"])
        target = fk["reference"].get("resource", "")
        if target == "communes" or any((name, f) in OPTIONAL_REFERENCES for f in fields):
            continue
        ref_fields = as_names(fk["reference"]["fields"])
        keys.append(
            {
                "fields": ["commune_code", *fields],
                "reference": {"resource": target, "fields": ["commune_code", *ref_fields]},
            }
        )
    descriptor["foreignKeys"] = keys
    return TableSchema(name, descriptor)


def combine(harvested: dict[str, Tables], previous: Tables | None = None) -> Tables:
    """One DataFrame per table: every member's rows (in code order), schema field
    order, then the added fields from the reference. ``previous``: the rows of other
    members taken whole from the previous network release (already in code order);
    each member's rows go where its code sorts, as if read one by one."""
    from .members import load_members

    reference = load_members().set_index("code")
    codes = sorted(harvested)
    out: Tables = {}
    for name in TABLES:
        fields = load(name).field_names
        frames = [
            harvested[code][name].reindex(columns=fields, fill_value="")
            for code in codes
            if name in harvested[code]
        ]
        ranks: list[Any] = [np.full(len(f), i) for i, f in enumerate(frames)]
        if previous is not None and name in previous and len(previous[name]):
            kept = previous[name].reindex(columns=fields, fill_value="")
            # Each kept row sorts with the member its code names (never one read now).
            ranks.append(np.searchsorted(codes, kept["commune_code"].to_numpy(str)) - 0.5)
            frames.append(kept)
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=fields, dtype=str)
        )
        if len(frames) > 1 and previous is not None:
            order = np.argsort(np.concatenate(ranks), kind="stable")
            frame = frame.iloc[order].reset_index(drop=True)
        for added, column, *_ in ADDED_FIELDS:
            frame[added] = frame["commune_code"].map(reference[column]).fillna("").astype(str)
        out[name] = frame
    return out


# --- release ------------------------------------------------------------------------------


TITLE = N_("Openness programmes of the REMACTO network's communes")
DESCRIPTION = N_(
    "Every openness programme published by the network's communes ({count}), in one "
    "table per kind of data, with each commune's province and region, and indicators per "
    "commune, province, region and for the network as of {day}."
)


def network_release(
    harvested: list[Harvested],
    as_of: dt.date | None = None,
    counted: Collection[str] = indicators.COUNTED_BY_DEFAULT,
    previous: Tables | None = None,
) -> tuple[Release, Report, dict[str, int]]:
    """The network's release (tables, indicators, charts), its validation report, and
    the rows of each table (for summaries). ``previous``: the rows of the ``reused``
    members, from the previous network release (``Reuse.tables``). The combined frames
    are not returned: the release holds what is published, and a publication that
    kept them alive held the network twice more in memory."""
    day = as_of or default_as_of(harvested)
    read = {h.code: h.tables for h in harvested if not h.reused}
    reused = any(h.reused for h in harvested)
    tables = combine(read, previous if reused else None)
    tables["indicators"] = indicators.compute(tables, day, counted)
    schemas = {name: network_schema(name) for name in TABLES}
    schemas["indicators"] = indicators.schema()
    data = {name: _table_data(name, frame) for name, frame in tables.items()}
    # Rows reused from the previous network release were judged when it was built: only
    # the rows read now have their cells judged, the keys across the whole union; the
    # indicators, made here, whole, or only those that the previous release did not
    # hold when it holds them judged under today's schema (``_judged_indicators``).
    spans = None
    if reused or any(h.judged for h in harvested):
        spans = {name: _runs(tables[name]["commune_code"].isin(_fresh(harvested, name)))
                 for name in TABLES}  # fmt: skip
        judged = (previous or {}).get("indicators")
        if judged is not None:
            spans["indicators"] = _runs(_unjudged(tables["indicators"], judged))
    report = tables_report(data, schemas, package="network", fresh=spans)
    released = {name: table_release(data[name], schemas[name]) for name in tables}
    count = len(harvested)
    release = Release(
        dataset=NETWORK_DATASET,
        title=in_each(TITLE),
        description=in_each(DESCRIPTION, ("en", "fr", "ar"), count=count, day=day),
        metadata={
            **_metadata(harvested, tables, day, counted),
            "x-data-status": data_statuses(data.values()),
        },
        tables=released,
        report=report.public_dict(),
        attachments=charts.render(tables["indicators"]),
    )
    return release, report, {name: len(frame) for name, frame in tables.items()}


def _fresh(harvested: list[Harvested], table: str) -> set[str]:
    """The members whose rows of ``table`` were read now (not judged before)."""
    return {h.code for h in harvested
            if not h.reused and table in h.tables and table not in h.judged}  # fmt: skip


def _runs(mask: pd.Series) -> list[tuple[int, int]]:
    """The row ranges [begin, end) where ``mask`` holds (a member's rows are together)."""
    out: list[tuple[int, int]] = []
    begin = None
    for i, flag in enumerate(mask.tolist()):
        if flag and begin is None:
            begin = i
        elif not flag and begin is not None:
            out.append((begin, i))
            begin = None
    if begin is not None:
        out.append((begin, len(mask)))
    return out


def default_as_of(harvested: list[Harvested]) -> dt.date:
    """The day of the latest commune publication: re-running on the same data gives the
    same indicators (and so no new version), whatever day it runs."""
    return _latest_day([h.dataset for h in harvested])


def _latest_day(datasets: list[PublishedDataset]) -> dt.date:
    days = [d.published_at[:10] for d in datasets if d.published_at]
    return dt.date.fromisoformat(max(days)) if days else dt.datetime.now(dt.UTC).date()


def _table_data(name: str, frame: pd.DataFrame) -> TableData:
    return TableData.of_rows(
        name, [str(c) for c in frame.columns], frame.astype(str).values.tolist()
    )


def _metadata(
    harvested: list[Harvested],
    tables: Tables,
    day: dt.date,
    counted: Collection[str] = indicators.COUNTED_BY_DEFAULT,
) -> dict[str, Any]:
    plans = tables["action_plans"]
    # Days, whatever the precision of the plans' dates (DCAT's temporal is xsd:date).
    starts = sorted(str(dates.first_day(v)) for v in plans["cycle_start"] if dates.first_day(v))
    ends = sorted(str(dates.last_day(v)) for v in plans["cycle_end"] if dates.last_day(v))
    title = in_each(NETWORK_TITLE)
    return {
        "licenses": [LICENCE],
        "sources": [
            {
                "title": f"Openness programmes published by {len(harvested)} communes "
                "(datasets openness-programme-*, current versions)",
            }
        ],
        "x-sources": [{"name": h.dataset.name, "version": h.dataset.version} for h in harvested],
        "x-publisher": {"name": title["fr"], "name_ar": title["ar"], "network": network()},
        "x-temporal": {"start": starts[0], "end": ends[-1]} if starts and ends else {},
        "x-as-of": day.isoformat(),
        # Which rows the indicators count (data_status): reported, unless a test says.
        "x-indicators-count": sorted(counted),
        "x-added-fields": [a[0] for a in ADDED_FIELDS],
        "x-charts": [{"path": c.file, "title": c.title} for c in charts.CHARTS],
        "x-readme": [
            " / ".join(in_each(README_AS_OF, ("en", "fr", "ar"), day=day.isoformat()).values()),
            " / ".join(in_each(README_NOT_FACTS, ("en", "fr")).values()),
        ],
    }


README_AS_OF = N_("Indicators as of {day}")
README_NOT_FACTS = N_("Rows marked data_status = illustrative or synthetic are not facts")


# --- the whole job -----------------------------------------------------------------------


def aggregate(
    source: str,
    destination: str,
    token: str | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
    counted: Collection[str] = indicators.COUNTED_BY_DEFAULT,
) -> NetworkOutcome:
    """Harvest ``source``, combine, validate, and publish the network dataset to
    ``destination`` (a new version only if something changed)."""
    reader, datasets = programmes(source, token, files=False)
    if not datasets:
        raise InputError(
            f"{source}: no published commune programme (datasets {PROGRAMME_PREFIX}*)",
            path=source,
            key="no-programmes",
        )
    known = unchanged_network(datasets, destination, token, as_of, counted) if not dry_run else ""
    if isinstance(known, NetworkOutcome):
        return known
    release, report, rows, communes = build(reader, datasets, destination, token, as_of,
                                            counted, progress, total)  # fmt: skip
    release = dataclasses.replace(release, source=known)
    return publish_network(release, report, rows, destination, token, dry_run, now, communes)


def build(
    reader: Portal,
    datasets: list[PublishedDataset],
    destination: str,
    token: str | None,
    as_of: dt.date | None,
    counted: Collection[str],
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> tuple[Release, Report, dict[str, int], int]:
    """The network's release from the members ``reader`` lists (the ones the network's
    previous release holds at their version taken from it, the others read), its
    report, its rows per table and how many members it holds. What was read is let go
    on return, before anything is published: the release holds what is published."""
    reuse = reusable(destination, token, datasets)
    if total is not None:
        total(len(reuse.wanted))
    wanted = located(reader, reuse.wanted, len(datasets))
    fetched = fetch_many(reader, wanted, WORKERS, progress, reuse.earlier)
    harvested = sorted([*reuse.members, *fetched], key=lambda h: h.code)
    return (*network_release(harvested, as_of, counted, reuse.tables), len(harvested))


def reusable(destination: str, token: str | None, datasets: list[PublishedDataset]) -> Reuse:
    """The members whose version is the one the network's current release was built from,
    with their rows taken from that release (seven downloads, whatever the number of
    members), and the members that must be fetched. Without a previous release, or one
    that does not say what it was built from, every member is fetched."""
    everyone = Reuse([], {}, datasets)
    writer = open_portal(destination, token)
    current = writer.current(NETWORK_DATASET)
    if current is None:
        return everyone
    previous = writer.dataset(NETWORK_DATASET)
    if previous is None or "datapackage.json" not in previous.files:
        return everyone
    descriptor = json.loads(writer.read(previous.files["datapackage.json"]))
    built_from = {s.get("name"): s.get("version") for s in descriptor.get("x-sources", [])}
    kept = [d for d in datasets if built_from.get(d.name) == d.version]
    if not kept:
        return everyone
    codes = {_code(d) for d in kept}
    kept_names = {d.name for d in kept}
    wanted = [d for d in datasets if d.name not in kept_names]
    to_read = {_code(d) for d in wanted}
    added = [a[0] for a in ADDED_FIELDS]
    tables: Tables = {}
    earlier: dict[str, Tables] = {}
    for name in TABLES:
        location = previous.files.get(f"{name}.csv")
        if location is None:
            return everyone  # a release from before this table: read everyone
        frame = pd.read_csv(io.BytesIO(writer.read(location)), dtype=str,
                            keep_default_na=False, na_filter=False, encoding="utf-8")  # fmt: skip
        frame = frame.drop(columns=[c for c in added if c in frame.columns])
        tables[name] = frame[frame["commune_code"].isin(codes)].reset_index(drop=True)
        theirs = frame[frame["commune_code"].isin(to_read)]
        by_code = dict(list(theirs.groupby("commune_code", sort=False)))
        none = frame.iloc[0:0]  # a member with no row in this table: its header alone
        for code in to_read:
            earlier.setdefault(code, {})[name] = by_code.get(code, none).reset_index(drop=True)
    judged = _judged_indicators(writer, previous, current.hashes)
    if judged is not None:
        tables["indicators"] = judged
    members = [Harvested(d, _code(d), {}, reused=True) for d in kept]
    return Reuse(members, tables, wanted, earlier)


def _judged_indicators(
    writer: Portal, previous: PublishedDataset, hashes: dict[str, str]
) -> pd.DataFrame | None:
    """The previous release's indicators, if they were judged under the schema the
    indicators have now: a release is published only when valid, so a row equal to one
    of them has no error to find (``network_release`` judges the others only). Only the
    bytes the release's hashes name; none for a release of another schema, or one
    whose CSV is not the text judged (booleans are written anew:
    ``release._canonical_rows``)."""
    location = previous.files.get("indicators.csv")
    schema = indicators.schema()
    ours = sha256(canonical_json(public_schema(schema)))
    if (location is None or hashes.get("schema:indicators") != ours
            or any(f.get("type") == "boolean" for f in schema.fields)):  # fmt: skip
        return None
    data = writer.read(location)
    if sha256(data) != hashes.get("table:indicators"):
        return None
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False,
                       encoding="utf-8")  # fmt: skip


def _unjudged(frame: pd.DataFrame, judged: pd.DataFrame) -> pd.Series:
    """The rows of ``frame`` (as the release's text) that are none of ``judged``'s. Rows
    are compared by pandas' 64-bit hash of their cells."""
    text = frame.astype(str)
    if list(text.columns) != list(judged.columns):
        return pd.Series(True, index=text.index)
    mine = pd.util.hash_pandas_object(text, index=False).to_numpy()
    theirs = pd.util.hash_pandas_object(judged, index=False).to_numpy()
    return pd.Series(~np.isin(mine, theirs), index=text.index)


def network_digest(
    datasets: list[PublishedDataset], as_of: dt.date | None, counted: Collection[str]
) -> str:
    """What the network release is made from: each member's dataset and version (from
    the bulk list), the parameters, and Infitah's rules and reference data."""
    shape = {
        "members": sorted((d.name, d.version) for d in datasets),
        "as_of": as_of.isoformat() if as_of else None,
        "counted": sorted(counted),
        "rules": digest.rules_digest(),
    }
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


def unchanged_network(
    datasets: list[PublishedDataset],
    destination: str,
    token: str | None,
    as_of: dt.date | None,
    counted: Collection[str],
) -> NetworkOutcome | str:
    """``unchanged`` when the network's current version was built from exactly these
    members' versions with these rules: nothing is downloaded, combined or written
    (rows are not recounted); else the digest to record with the next version."""
    source = network_digest(datasets, as_of, counted)
    writer = open_portal(destination, token)
    current = writer.current(NETWORK_DATASET)
    if current is None or current.source != source:
        return source
    with writer.lock(NETWORK_DATASET):
        writer.repair(NETWORK_DATASET, current)
    day = as_of or _latest_day(datasets)
    outcome = Outcome("unchanged", NETWORK_DATASET, current.version, current.version,
                      writer.location(NETWORK_DATASET))  # fmt: skip
    return NetworkOutcome(outcome, len(datasets), {}, day.isoformat())


def publish_network(
    release: Release,
    report: Report,
    rows: dict[str, int],
    destination: str,
    token: str | None,
    dry_run: bool,
    now: dt.datetime | None,
    communes: int,
) -> NetworkOutcome:
    as_of = str(release.metadata.get("x-as-of", ""))
    if not report.valid:
        outcome = Outcome("invalid", release.dataset, report=report)
    else:
        outcome = publish_release(
            release, members.network_owner(), destination, token, dry_run=dry_run, now=now
        )
    return NetworkOutcome(outcome, communes, rows, as_of)


def summary_markdown(result: NetworkOutcome) -> str:
    """The run's summary, for Prefect's artifact."""
    o = result.outcome
    lines = [
        f"# {o.dataset}: {o.status}",
        "",
        f"- communes: **{result.communes}**; indicators as of {result.as_of}",
        f"- version: **{o.version}** (previous: {o.previous_version or '—'})",
        f"- where: {o.url}",
        "",
        "| table | rows |",
        "|---|---|",
        *(f"| {t} | {n} |" for t, n in result.rows.items()),
    ]
    if o.changes:
        lines += ["", "```json", json.dumps(o.changes, ensure_ascii=False, indent=1), "```"]
    return "\n".join(lines) + "\n"
