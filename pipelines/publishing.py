"""Publishing: validation as a hard gate, then only what changed, as a new version.

The one publish sequence, for every portal and every entry (CLI, demo, flows, the
network's aggregation): validate (``gate``); build the release (canonical bytes and
hashes); read the portal's current version from its metadata; decide unchanged / next
version; write. Unchanged data makes no write call at all. Entries call ``publish`` or
its steps (``gate``, ``publish_validated``, ``publish_release``) and add only their own
presentation: the flows wrap the same steps in Prefect tasks and artifacts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from . import checks, dates, digest, guard, members, versioning
from .bundle import made_from, version_files
from .credentials import portal_token
from .downloads import Apart, derived_names
from .errors import InfitahError, InputError, PortalConflict
from .findings import Finding
from .i18n import N_, Lang, in_each
from .members import Owner
from .portals import Portal, open_portal
from .reading import PackageData, TableData
from .release import Release, build, parse_csv, rows_by_key, sha256
from .report import Report
from .schemas import REFERENCE_TABLE
from .validation import Validated, validate, validate_many

Status = Literal["published", "unchanged", "planned", "invalid"]
DEFAULT_DESTINATION = "catalog"
LICENCE = {"id": "odc-by", "title": "Open Data Commons Attribution License 1.0",
           "path": "https://opendatacommons.org/licenses/by/1-0/"}  # fmt: skip


@dataclass
class Outcome:
    """What happened, in the shape `infitah publish --json` prints."""

    status: Status
    dataset: str | None
    version: str | None = None
    previous_version: str | None = None
    url: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    report: Report | None = None
    # The decision itself (its bump level), for pages that explain it; not in the JSON.
    plan: versioning.Plan | None = None

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "dataset": self.dataset,
            "version": self.version,
            "previous_version": self.previous_version,
            "url": self.url,
            "changes": self.changes,
        }
        if self.status == "invalid" and self.report is not None:
            out["report"] = self.report.to_dict(lang)
        return out


def publish(
    path: Path,
    destination: str = DEFAULT_DESTINATION,
    token: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Outcome:
    """Validate a member folder and publish it as a new version if it changed. Invalid
    data never reaches the portal, not even as a read: the digest shortcut belongs to
    runs over many members (``publish_many``), which read the portal's state in bulk."""
    validated = gate(path)
    return publish_validated(
        validated, destination, token, dry_run=dry_run, now=now, source=source_of(path)
    )


def source_of(path: Path) -> str:
    """The source digest to record with the version made from ``path`` ("" when its
    member cannot be known without reading its tables, or it holds links)."""
    known = _member_source(path)
    return known[1] if known else ""


def _member_source(path: Path) -> tuple[str, str] | None:
    """The member a folder's descriptor names and its source digest, or None when either
    cannot be known cheaply (no descriptor, a workbook, links)."""
    code = digest.member_code(path) if path.is_dir() else None
    source = digest.source_digest(path, code) if code else None
    return (code, source) if code and source else None


def _source_or_error(path: Path) -> tuple[str, str] | InfitahError | None:
    try:
        return _member_source(path)
    except InfitahError as exc:
        return exc


def unchanged_source(
    path: Path,
    portal: Portal,
    states: Mapping[str, versioning.Published],
    known: tuple[str, str] | None,
) -> Outcome | str:
    """``unchanged`` when the member's files, reference row and Infitah's rules are what
    the published version was made from (after letting the portal repair what an
    interrupted run left behind, as any unchanged publish does); else the digest to record
    with the next version ("" when the folder's member cannot be known cheaply).
    ``states``: every member's current version read in bulk (``Portal.states``), so that
    nothing is asked per member; ``known``: ``_member_source(path)``."""
    if known is None:
        return ""
    code, source = known
    dataset = members.dataset_name(code)
    current = states.get(dataset)
    if current is None or current.source != source:
        return source
    with portal.lock(dataset):
        portal.repair(dataset, current)
    return Outcome("unchanged", dataset, current.version, current.version,
                   portal.location(dataset))  # fmt: skip


def known_unchanged(
    paths: list[Path], destination: str = DEFAULT_DESTINATION, token: str | None = None
) -> tuple[list[MemberOutcome], list[Path]]:
    """The members whose sources are what their published version was made from (their
    outcome, or the error met while checking), and the others, from one bulk read of the
    portal: what a fan-out over many runs checks before it starts any."""
    portal = open_portal(destination, token or portal_token(destination))
    known, pending = _sorted_out(paths, portal)
    return known, [path for path, _ in pending]


def _sorted_out(
    paths: list[Path], portal: Portal
) -> tuple[list[MemberOutcome], list[tuple[Path, str]]]:
    """Unchanged members (or their errors), and the others with their source digests.
    The members' files are read for their digests while the portal lists its states
    (each took about a third of a second at 1,503 members, one after the other)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        digests = pool.submit(lambda: [_source_or_error(path) for path in paths])
        states = portal.states(members.PROGRAMME_PREFIX)
        sources = digests.result()
    known: list[MemberOutcome] = []
    pending: list[tuple[Path, str]] = []
    for path, source in zip(paths, sources, strict=True):
        if isinstance(source, InfitahError):
            known.append(MemberOutcome(path, error=source))
            continue
        try:
            checked = unchanged_source(path, portal, states, source)
        except InfitahError as exc:
            known.append(MemberOutcome(path, error=exc))
            continue
        if isinstance(checked, Outcome):
            known.append(MemberOutcome(path, checked))
        else:
            pending.append((path, checked))
    return known, pending


@dataclass(frozen=True)
class MemberOutcome:
    """One member of a many-member publish: its outcome, or the error it alone met."""

    path: Path
    outcome: Outcome | None = None
    error: InfitahError | None = None


def publish_many(
    paths: list[Path],
    destination: str = DEFAULT_DESTINATION,
    token: str | None = None,
    *,
    dry_run: bool = False,
    workers: int = 2,
    threads: int = 4,
    now: dt.datetime | None = None,
    told: Callable[[MemberOutcome], None] | None = None,
) -> list[MemberOutcome]:
    """Publish many members in one process: every member's published state read in bulk
    once; members whose sources are unchanged end there; the others are validated in
    ``workers`` processes and published by ``threads`` threads (the portal is I/O), each
    member atomic and failing alone. ``told`` hears each outcome as it is known; the
    list comes back in the order of ``paths``."""
    checks.registered()  # findings made in workers are judged here by their declared words
    portal = open_portal(destination, token or portal_token(destination))
    done: dict[Path, MemberOutcome] = {}

    def tell(result: MemberOutcome) -> None:
        done[result.path] = result
        if told is not None:
            told(result)

    if dry_run:
        pending = [(path, "") for path in paths]
    else:
        known, pending = _sorted_out(paths, portal)
        for result in known:
            tell(result)

    def publish_one(path: Path, validated: Validated, source: str) -> MemberOutcome:
        try:
            outcome = publish_validated(
                validated, portal, token, dry_run=dry_run, now=now, source=source
            )
        except Exception as exc:  # one member's trouble must not stop the others
            return _failed(path, exc)
        return MemberOutcome(path, outcome)

    pool = _validation_pool(len(pending), workers)
    generation = 0
    suspects: list[tuple[Path, str]] = []  # in flight when a worker process died
    size = _batch_size(len(pending), workers)
    try:
        with ThreadPoolExecutor(max(1, threads)) as writers:
            # Members in memory at once: a batch validating per worker and one waiting,
            # and two per writer thread.
            window = 2 * max(1, workers) * size + 2 * max(1, threads)
            validating: list[tuple[_Batch, int, Future[list[Validated | Exception]]]] = []
            writing: list[Future[MemberOutcome]] = []
            queue = list(pending)
            while queue or validating or writing:
                in_flight = sum(len(b) for b, *_ in validating) + len(writing)
                while queue and in_flight < window:
                    batch, queue = queue[:size], queue[size:]
                    paths_now = [path for path, _ in batch]
                    try:
                        future = pool.submit(gate_many, paths_now)
                    except BrokenExecutor:  # broken by a member whose end we saw not yet
                        pool, generation = _renewed(pool, len(pending), workers), generation + 1
                        future = pool.submit(gate_many, paths_now)
                    validating.append((batch, generation, future))
                    in_flight += len(batch)
                still: list[tuple[_Batch, int, Future[list[Validated | Exception]]]] = []
                for batch, made_in, future in validating:
                    if not future.done():
                        still.append((batch, made_in, future))
                        continue
                    try:
                        results = future.result()
                    except BrokenExecutor:
                        # One member's reading killed its worker, and every member in
                        # flight lost its result: each is validated again, alone, last.
                        suspects.extend(batch)
                        if made_in == generation:
                            pool = _renewed(pool, len(pending), workers)
                            generation += 1
                        continue
                    except Exception as exc:  # this batch fails, not the run
                        results = [exc] * len(batch)
                    for (path, source), validated in zip(batch, results, strict=True):
                        if isinstance(validated, Exception):
                            tell(_failed(path, validated))
                            continue
                        writing.append(writers.submit(publish_one, path, validated, source))
                validating = still
                for written in [f for f in writing if f.done()]:
                    writing.remove(written)
                    tell(written.result())
                if validating or writing:
                    _wait_any([f for *_, f in validating] + list(writing))
            for path, source in suspects:
                tell(_alone(path, source, publish_one))
        # Every member is done: the workers are let go and waited for. Left to end
        # alone, a pool still ending when the interpreter exits can make Python 3.11
        # print a traceback of its own (its wakeup pipe written after it closed).
        pool.shutdown(wait=True)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # interrupted: never wait on it
    return [done[path] for path in paths]


_Batch = list[tuple[Path, str]]  # members (and their sources' digests) validated together


def _failed(path: Path, exc: Exception) -> MemberOutcome:
    """A member's error as its outcome."""
    return MemberOutcome(path, error=_own(exc))


def _own(exc: Exception) -> InfitahError:
    """An error as Infitah's own: Infitah's as it is, anything else named."""
    return exc if isinstance(exc, InfitahError) else InfitahError(f"{type(exc).__name__}: {exc}")


def _renewed(pool: Executor, members: int, workers: int) -> Executor:
    pool.shutdown(wait=False, cancel_futures=True)
    return _validation_pool(members, workers)


def _alone(
    path: Path, source: str, publish_one: Callable[[Path, Validated, str], MemberOutcome]
) -> MemberOutcome:
    """A member validated in a worker process of its own (after a worker died while it
    was in flight): published if that goes well, else it is the one that kills it."""
    alone = _validation_pool(IN_PROCESS_AT_MOST + 1, 1)
    try:
        validated = alone.submit(gate, path).result()
    except BrokenExecutor:
        error = InfitahError(
            f"{path}: validating it stopped the process that read it", path=str(path),
            key="validation-crashed",
        )  # fmt: skip
        return MemberOutcome(path, error=error)
    except Exception as exc:  # this member fails, not the run
        return _failed(path, exc)
    finally:
        alone.shutdown(wait=True, cancel_futures=True)  # done, or its one worker dead
    return publish_one(path, validated, source)


# A spawned worker takes about a second to start (its imports): the time of five
# validations. Fewer members than this are validated by one thread of this process.
IN_PROCESS_AT_MOST = 8


def _validation_pool(members: int, workers: int) -> Executor:
    """Worker processes to validate many members in parallel, or one thread here for a
    few. Spawned, not forked: the caller may hold threads (a Prefect run's client)."""
    if members <= IN_PROCESS_AT_MOST:
        return ThreadPoolExecutor(1)
    return ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn"))


def _wait_any(futures: list[Future[Any]]) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait

    wait(futures, return_when=FIRST_COMPLETED)


def gate(path: Path) -> Validated:
    """Read and validate a member folder whole (publishing needs every row)."""
    return validate(path, whole=True)


def gate_many(paths: list[Path]) -> list[Validated | Exception]:
    """``gate`` for several members at once, their cells judged together
    (``validate_many``); a member's error is in its place, for it alone, as Infitah's
    own (it crosses back from a worker process: an error that cannot be pickled
    would lose the whole batch's results, not its member's)."""
    return [_own(r) if isinstance(r, Exception) else r for r in validate_many(paths)]


# Members validated together in one task: frictionless's cost of opening a table is
# paid once for them all (a member's validation took a fifth of its time alone: 34 ms
# against 179 ms, benchmarks/bench_validate.py --members 50). Larger tasks gain
# little more (27 ms in tasks of 40) and hold more members in memory at once.
VALIDATED_TOGETHER = 10


def _batch_size(members: int, workers: int) -> int:
    """Members per validation task: ``VALIDATED_TOGETHER``, or fewer when there are not
    enough members to give each worker two tasks."""
    return max(1, min(VALIDATED_TOGETHER, members // (2 * max(1, workers))))


def publish_validated(
    validated: Validated,
    destination: str | Portal = DEFAULT_DESTINATION,
    token: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    source: str = "",
) -> Outcome:
    """Publish what ``gate`` read, or say it is invalid (naming its dataset when the
    member is known): nothing is written for invalid data. ``source`` is the digest of
    what it was read from (``unchanged_source``), recorded with the version."""
    package, report = validated
    if not report.valid:
        return Outcome("invalid", _dataset_name_or_none(package), report=report)
    release, owner = member_release(package, report)
    release = dataclasses.replace(release, source=source)
    return publish_release(release, owner, destination, token, dry_run=dry_run, now=now)


def publish_release(
    release: Release,
    owner: Owner,
    destination: str | Portal,
    token: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Outcome:
    """Publish an already validated release (a member's or the network's). The token,
    when not given, is looked up where this runs (``credentials.portal_token``)."""
    portal = (
        open_portal(destination, token or portal_token(destination))
        if isinstance(destination, str)
        else destination
    )
    published_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    # Planned and guarded before the lock, so a refusal writes nothing at all (not even
    # the catalog's lock file); planned again under the lock, where the files are reused
    # unless someone published meanwhile.
    first = _prepare(portal, release, published_at)
    if dry_run or first.refused:
        return first.outcome(portal, release, dry_run=True)
    with portal.lock(release.dataset):
        ready = _prepare(portal, release, published_at, first)
        while True:
            if ready.refused or ready.plan.status == "unchanged":
                if ready.current is not None and not ready.refused:
                    portal.repair(release.dataset, ready.current)
                    if release.source and release.source != ready.current.source:
                        # Same content from new rules (an upgrade, a schema change): note
                        # it, or every later run would read and validate it again.
                        portal.record_source(release.dataset, ready.current, release.source)
                return ready.outcome(portal, release, dry_run=False)
            try:
                written = portal.write(release, ready.plan, owner, published_at, ready.files)
                break
            except PortalConflict:
                if ready.current is not None:
                    raise
                # Planned as a first version, and the portal held the dataset after all
                # (its bulk listing missed it: made since, or its search index behind).
                # The write read what it holds: planned again from that, once.
                ready = _prepare(portal, release, published_at)
                if ready.current is None:
                    raise
    return Outcome(
        "published",
        release.dataset,
        ready.plan.version,
        ready.plan.previous_version,
        written.url,
        ready.plan.changes_dict(),
        plan=ready.plan,
    )


@dataclass
class _Prepared:
    """What the portal holds now, the plan, and the exact files the guard read."""

    current: versioning.Published | None
    plan: versioning.Plan
    files: dict[str, bytes] = field(default_factory=dict)
    refused: list[Finding] = field(default_factory=list)

    def outcome(self, portal: Portal, release: Release, dry_run: bool) -> Outcome:
        if self.refused:
            return Outcome("invalid", release.dataset, report=Report(self.refused, {}))
        unchanged = self.plan.status == "unchanged" and self.current is not None
        status: Status = "unchanged" if unchanged and not dry_run else "planned"
        return Outcome(
            status,
            release.dataset,
            self.plan.version,
            self.plan.previous_version,
            _where(portal, release),
            {} if unchanged else self.plan.changes_dict(),
            plan=self.plan,
        )


def _prepare(
    portal: Portal, release: Release, published_at: str, earlier: _Prepared | None = None
) -> _Prepared:
    """Read the current version, plan the next, build its files and let the guard read
    them. Under the lock, ``earlier`` (the same preparation before it) is reused whole
    when the portal still holds what it read: no second manifest download, no second
    build of the files."""
    current = portal.current(release.dataset)
    if earlier is not None and current == earlier.current:
        return earlier
    # The large workbooks of the tables that changed are started now, while the version
    # before is read (its manifest, its files for the tables that did not change).
    changed = [t for t in release.tables.values()
               if current is None or current.hashes.get(f"table:{t.name}") != t.sha256]  # fmt: skip
    with Apart(changed, published_at) as apart:
        manifest = None
        if current is not None and current.hashes != release.hashes():
            manifest = portal.manifest(release.dataset, current.version)
        rows = (
            _earlier_rows(portal, release.dataset, current.version, manifest) if current else None
        )
        plan = versioning.plan(release, current, manifest, rows)
        if plan.status == "unchanged" and current is not None:
            return _Prepared(current, plan)
        rules = digest.rules_digest()
        kept = (
            _kept(portal, release, current.version, manifest, rules) if current and manifest else {}
        )
        # The version before is done with: its manifest (the network's holds a row index
        # of a quarter of a million entries, 34 MB at 1,503 members) would otherwise live
        # on, in ``rows``, through the build and the guard's reading of the new one.
        del manifest, rows
        # A kept table's own CSV has the bytes (and schema) of the one this guard passed in
        # the version before, under the same rules: it is read for its identifiers only.
        vouched = {name for made in kept.values() for name in made}
        vouched |= {release.tables[name].filename for name in kept}
        inspection = guard.Inspection(vouched)
        # The guard reads while the large workbooks are made; then what it has not read.
        files = version_files(release, plan, published_at, kept, rules,
                              meanwhile=inspection.read, apart=apart)  # fmt: skip
    inspection.read(inspection.unread(files))
    return _Prepared(current, plan, files, inspection.findings())


def _earlier_rows(
    portal: Portal, dataset: str, version: str, manifest: Mapping[str, Any] | None
) -> versioning.EarlierRows:
    """The rows of a table in ``version``, read from its CSV when the diff asks (a table
    whose rows changed): the manifest keeps their hashes, not their values. Only the
    bytes the manifest names count; a copy that cannot be read, or whose hash differs,
    gives no field-by-field changes (the rows that changed are still listed)."""

    def read(name: str) -> tuple[list[str], dict[str, list[str]]] | None:
        entry = ((manifest or {}).get("tables") or {}).get(name)
        expected = ((manifest or {}).get("hashes") or {}).get(f"table:{name}")
        if not isinstance(entry, dict) or not isinstance(entry.get("primary_key"), list):
            return None
        try:
            data = portal.version_file(dataset, version, f"{name}.csv")
        except InfitahError:
            return None
        if data is None or sha256(data) != expected:
            return None
        header, rows = parse_csv(data)
        if not all(k in header for k in entry["primary_key"]):
            return None
        return header, rows_by_key(header, rows, entry["primary_key"])

    return read


# Below this many cells (rows × columns), a table's Excel CSV and workbook are made
# faster than downloaded (a workbook costs some 15 µs a cell, a download tens of ms).
KEPT_FROM_CELLS = 5_000


def _kept(
    portal: Portal, release: Release, version: str, manifest: Mapping[str, Any], rules: str
) -> dict[str, dict[str, bytes]]:
    """The derived files of the large tables that did not change since ``version``, taken
    from it as they are (a workbook of the network's indicators takes longer to write
    than the rest of an aggregation). Only files the manifest says were made from the
    same table under the same rules, and whose bytes still have the hash it recorded;
    any doubt, and they are made again. The guard reads only their names: it passed
    these bytes under these rules."""
    recorded = manifest.get("derived")
    kept: dict[str, dict[str, bytes]] = {}
    if not isinstance(recorded, dict):
        return kept
    for name, table in release.tables.items():
        entry = recorded.get(name)
        if table.cells < KEPT_FROM_CELLS or not isinstance(entry, dict):
            continue
        hashes = entry.get("files")
        if entry.get("made_from") != made_from(table, rules) or not isinstance(hashes, dict):
            continue
        files: dict[str, bytes] = {}
        for filename in sorted(derived_names(table)):
            try:
                data = portal.version_file(release.dataset, version, filename)
            except InfitahError:  # an unreadable copy: make the file again
                data = None
            if data is None or sha256(data) != hashes.get(filename):
                break
            files[filename] = data
        else:
            kept[name] = files
    return kept


def _where(portal: Portal, release: Release) -> str:
    return portal.location(release.dataset)


# --- what a member's release says about itself -------------------------------------------


def _dataset_name_or_none(package: PackageData) -> str | None:
    code = members.code_of(package)
    return members.dataset_name(code) if code else None


COMMUNE_KEYS = ("code", "name_fr", "name_ar", "province_code", "province_name_fr",
                "province_name_ar", "region_code", "region_name_fr", "region_name_ar")  # fmt: skip
TITLES = {
    "commune": N_("Openness programme of the commune of {name}"),
    "province": N_("Openness programme of the Province of {name}"),
    "prefecture": N_("Openness programme of the Prefecture of {name}"),
    "region": N_("Openness programme of the Region of {name}"),
    "national": N_("National open government action plan: {name}"),
}


def _reference_table(code: str) -> TableData:
    """The member's own row of the communes reference, as the table its data refers to."""
    return TableData.of_rows(REFERENCE_TABLE, *members.reference_rows(code))


# Where each table names the public page a row comes from, and what to call it.
SOURCE_COLUMNS = (
    ("action_plans", "plan_id", ("title_fr", "title_ar", "title_en")),
    ("commitments", "commitment_id", ("title_fr", "title_ar", "title_en")),
)


def sources_of(package: PackageData) -> list[dict[str, str]]:
    """The descriptor's sources, then every programme's and commitment's ``source_url``
    (once each, titled by the row that gives it): readers of the release, its README
    and the portal see where every commitment comes from, not an empty list."""
    out: list[dict[str, str]] = [dict(s) for s in package.descriptor.get("sources") or []]
    seen = {s.get("path") for s in out}
    for table_name, key, titles in SOURCE_COLUMNS:
        table = package.tables.get(table_name)
        if table is None or "source_url" not in table.fields:
            continue
        columns = [table.column(n) if n in table.fields else [""] * len(table.rows) for n in titles]
        for i, (ident, url) in enumerate(
            zip(table.column(key), table.column("source_url"), strict=True)
        ):
            if not url or url in seen:
                continue
            seen.add(url)
            title = next((c[i] for c in columns if c[i]), "")
            out.append({"title": f"{ident}: {title}" if title else ident, "path": url})
    return out


def member_release(package: PackageData, report: Report) -> tuple[Release, Owner]:
    code = members.code_of(package)
    if code is None:
        raise InputError(
            f"{package.path}: no commune code", path=str(package.path), key="no-member-code"
        )
    commune = members.commune(code)
    if commune is None:  # validation reports unknown-commune, so this is a programming error
        raise InputError(
            f"{package.path}: unknown commune {code}",
            path=str(package.path),
            key="unknown-member",
            code=code,
        )
    descriptor = package.descriptor
    name = {"ar": commune["name_ar"], "fr": commune["name_fr"]}
    description = {
        "en": str(descriptor.get("description") or ""),
        "fr": str(descriptor.get("x-description-fr") or ""),
        "ar": str(descriptor.get("x-description-ar") or ""),
    }
    plans = package.tables.get("action_plans")
    # Days, whatever the precision of the plans' dates (DCAT's temporal is xsd:date).
    cycles = (
        sorted(
            (str(dates.first_day(a) or a), str(dates.last_day(b) or b))
            for a, b in zip(plans.column("cycle_start"), plans.column("cycle_end"), strict=True)
        )
        if plans
        else []
    )
    metadata = {
        "x-commune-code": code,
        "x-commune": {key: commune[key] for key in COMMUNE_KEYS},
        "x-member-kind": members.kind_of(commune),
        "licenses": descriptor.get("licenses") or [LICENCE],
        "sources": sources_of(package),
        "x-publisher": {
            "name": commune["name_fr"],
            "name_ar": commune["name_ar"],
            "network": members.network(),
        },
        "x-temporal": {"start": cycles[0][0], "end": cycles[-1][1]} if cycles else {},
        # A field given as null is a field not given (its kind is checked at validation).
        "x-illustrative": descriptor.get("x-illustrative") or {},
        "x-facts": descriptor.get("x-facts") or {},
    }
    release = build(
        package,
        dataset=members.dataset_name(code),
        title=in_each(TITLES[members.kind_of(commune)], name=name),
        description=description,
        metadata=metadata,
        report=report.public_dict(),
        references=[_reference_table(code)],
    )
    owner = members.commune_owner(commune)
    return release, owner
