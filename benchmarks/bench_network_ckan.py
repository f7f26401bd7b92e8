"""The whole network on the local CKAN, each phase against its floor measured in the same run.

Phases, each timed (wall clock), with its CKAN calls counted by action, the bytes of the
files it uploads, and the process's peak memory (this process's, and its largest worker
process's; see ``Peaks``):

1. ``baseline``: a plain ckanapi script that makes the writes of Infitah's first publish
   (the member's organization, two datasets, one ``package_revise`` carrying every file
   of the version, the same DataStore loads, the previews, the switch), from bytes and
   payloads built beforehand, with the same thread count (the floor of a first publish);
   its datasets (with their DataStore tables, which a purge leaves behind) and
   organizations are purged before Infitah's first publish, so both start on a portal
   of the same size (CKAN's writes slow down as the portal grows), and the portal's
   databases are vacuumed before each of the two (see ``vacuum``);
2. ``first``: ``publish_many`` on every member (validation included);
3. ``sweep``: a ``package_search`` sweep of the members' datasets (the floor of a no-op);
4. ``noop``: ``publish_many`` again, nothing changed;
5. ``one-percent``: 1 % of members changed (one cell each);
6. ``all``: every member changed;
7. ``aggregate``: the network dataset built and published (first time), then ``aggregate
   no-op`` and ``aggregate 1 %`` (after 1 % of members published a new version).

Ratios are printed at the end; they are what to read. Not part of ``make test``.

    set -a; eval "$(make -s portal)"; set +a
    .venv/bin/python benchmarks/bench_network_ckan.py --members 200

With ``--results FILE`` each phase's figures are written as it ends (a run of 1,503
members takes about two hours); with ``--keep DIR`` the members' folders stay, for
``bench_prefect_share.py --members-dir DIR/members`` on the portal this run leaves.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import ckanapi  # noqa: E402

from pipelines.aggregate import aggregate  # noqa: E402
from pipelines.bundle import version_files  # noqa: E402
from pipelines.members import (  # noqa: E402
    NETWORK_DATASET,
    PROGRAMME_PREFIX,
    dataset_name,
    organization_name,
)
from pipelines.portals import Owner  # noqa: E402
from pipelines.portals.ckan import (  # noqa: E402
    DATASTORE_TYPES,
    _archived_files,
    _dataset_extras,
    _dataset_fields,
    _dictionary,
    _Upload,
    _uploads,
    latest_resources,
    organization_fields,
)
from pipelines.publishing import gate, member_release, publish_many  # noqa: E402
from pipelines.synth import synthesise  # noqa: E402
from pipelines.versioning import changelog_entry, plan  # noqa: E402

CALLS: collections.Counter[str] = collections.Counter()
SECONDS: collections.defaultdict[str, float] = collections.defaultdict(float)  # all threads
SENT: collections.Counter[str] = collections.Counter()  # bytes of the files uploaded
BASELINE_ORG = "bench-baseline"


@contextlib.contextmanager
def counted() -> Iterator[collections.Counter[str]]:
    """Every CKAN action called meanwhile, by name (ckanapi's one entry point)."""
    real = ckanapi.RemoteCKAN.call_action

    def call_action(self: Any, action: str, *args: Any, **kwargs: Any) -> Any:
        CALLS[action] += 1
        for _, body in (kwargs.get("files") or {}).values():
            SENT["files"] += len(body.getbuffer()) if isinstance(body, io.BytesIO) else 0
        start = time.perf_counter()
        try:
            return real(self, action, *args, **kwargs)
        finally:
            SECONDS[action] += time.perf_counter() - start

    CALLS.clear()
    SECONDS.clear()
    SENT.clear()
    ckanapi.RemoteCKAN.call_action = call_action
    try:
        yield CALLS
    finally:
        ckanapi.RemoteCKAN.call_action = real


def portal() -> tuple[str, str]:
    if os.environ.get("CKAN_URL") and os.environ.get("CKAN_API_TOKEN"):
        return os.environ["CKAN_URL"], os.environ["CKAN_API_TOKEN"]
    out = subprocess.run(["bash", str(REPO / "portal" / "portal.sh"), "up"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    values = dict(line.split("=", 1) for line in out.strip().splitlines())
    return values["CKAN_URL"], values["CKAN_API_TOKEN"]


class Peaks:
    """The peak resident memory of one phase: this process's own (the kernel's high-water
    mark, reset when the phase starts, so an earlier phase's peak does not hide this one's)
    and the largest of its worker processes' (each read from ``/proc`` every 0.2 s while it
    lives). ``ru_maxrss`` cannot be reset: it would report the largest phase so far."""

    def __init__(self) -> None:
        self.workers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Peaks:
        Path("/proc/self/clear_refs").write_text("5")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def own(self) -> int:
        return _hwm_kb(Path("/proc/self/status"))

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            for pid in _children():
                self.workers = max(self.workers, _hwm_kb(Path(f"/proc/{pid}/status")))


def _children() -> list[str]:
    pids: list[str] = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids.extend((task / "children").read_text().split())
    return pids


def _hwm_kb(status: Path) -> int:
    with contextlib.suppress(OSError):
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def portal_cpu() -> dict[str, float]:
    """CPU seconds used so far by the portal's processes: CKAN (its gunicorn workers), its
    database (the postmaster with the backends it reaped) and the Solr stand-in. With the
    benchmark's own (``ours_cpu``) it says who used the two cores during a phase."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = collections.defaultdict(float)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            kind = ("ckan" if "gunicorn" in cmdline else "solr" if "solr_standin" in cmdline
                    else "postgres" if cmdline.startswith("postgres") or "bin/postgres" in cmdline
                    else None)  # fmt: skip
            if kind is None:
                continue
            fields = stat.read_text().rsplit(")", 1)[1].split()
            out[kind] += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    return dict(out)


def ours_cpu() -> float:
    """This process's CPU seconds and its reaped children's (the validation workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(label: str, fn: Callable[[], Any], results: dict[str, dict[str, Any]],
          out: Path | None = None) -> Any:  # fmt: skip
    """Runs one phase; its figures are printed, and written to ``out`` at once, so a long
    run stopped midway keeps the phases it finished."""
    with counted() as calls, Peaks() as peaks:
        cpu_before, ours_before = portal_cpu(), ours_cpu()
        start = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - start
        own = peaks.own
        cpu = {k: round(v - cpu_before.get(k, 0.0), 1) for k, v in portal_cpu().items()}
        cpu["infitah"] = round(ours_cpu() - ours_before, 1)
    results[label] = {"seconds": seconds, "calls": dict(calls), "call_seconds": dict(SECONDS),
                      "peak_mb": round(own / 1024), "cpu_seconds": cpu,
                      "worker_peak_mb": round(peaks.workers / 1024),
                      "uploaded_mb": round(SENT["files"] / 2**20, 1)}  # fmt: skip
    total = sum(calls.values())
    print(f"{label:>16}: {seconds:8.2f} s  {total:6d} calls  peak {own / 1024:6.0f} MB"
          f"  workers {peaks.workers / 1024:5.0f} MB  uploaded {SENT['files'] / 2**20:6.1f} MB"
          f"  cpu {cpu}", flush=True)  # fmt: skip
    if out:
        out.write_text(json.dumps(results, indent=1))
    return value


def purge(api: ckanapi.RemoteCKAN, names: list[str], threads: int) -> None:
    """The datasets, and first their DataStore tables: CKAN's ``dataset_purge`` leaves
    them in the DataStore's database, where nothing reaches them any more (at 1,503
    members the baseline's 12,024 tables stayed, and Infitah's first publish wrote
    beside them). Without them PostgreSQL still used about 4.7 times the baseline's CPU
    during Infitah's first publish (2,809 s against 595): the dead rows the purge leaves
    where autovacuum is off (``vacuum``)."""

    def one(name: str) -> None:
        for suffix in ("", "-versions"):
            with contextlib.suppress(ckanapi.NotFound):
                package = api.action.package_show(id=name + suffix)
                for resource in package.get("resources", []):
                    if resource.get("datastore_active"):
                        with contextlib.suppress(ckanapi.NotFound):
                            api.action.datastore_delete(resource_id=resource["id"], force=True)
                api.action.dataset_purge(id=name + suffix)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, names))


def vacuum() -> None:
    """``VACUUM (ANALYZE)`` of this checkout's portal databases (``portal.sh`` names them
    after the checkout's path), as PostgreSQL's autovacuum would between the phases,
    and new database sessions for CKAN.

    Where autovacuum is off (it is in this machine's PostgreSQL cluster), a purge leaves
    every dropped row dead in the tables and the system catalogs, and the phase after it
    pays for them. Measured at 600 members: Infitah's first publish after the baseline
    and its purge took 417 s, PostgreSQL 223 CPU-s, and the DataStore's ``pg_attribute``
    held 389,202 dead rows beside 232,436 live ones; the same first publish on a new
    portal took 349 s, PostgreSQL 115 CPU-s (the baseline's: 107). The 2.71x measured
    at 1,503 members (2026-12-07) was measured with that debt. Without superuser rights
    on the cluster, or with a portal that is not this checkout's, nothing is vacuumed and
    it says so."""
    tag = hashlib.sha256(str(REPO).encode()).hexdigest()[:8]
    for database in (f"ckan_{tag}", f"datastore_{tag}"):
        # And the sessions CKAN holds end, so that the phase starts with new ones (CKAN
        # opens them again): a session's caches grow with the tables it wrote to, and
        # the baseline's would slow Infitah's first publish (see portal/README.md).
        done = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qAtX",
                               "-d", database, "-c", "VACUUM (ANALYZE)", "-c",
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                               " WHERE datname = current_database() AND pid <> pg_backend_pid()"],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            print(f"{'':>16}  not vacuumed: {database}: {done.stderr.strip()[:200]}", flush=True)


def purge_organizations(api: ckanapi.RemoteCKAN, codes: list[str], threads: int) -> None:
    """The members' organizations that hold nothing else, so that the first publish
    creates them, as the baseline creates its own (a portal kept from an earlier run
    would spare Infitah those calls, and the comparison would flatter it)."""

    def one(code: str) -> None:
        name = organization_name(code)
        with contextlib.suppress(ckanapi.NotFound):
            org = api.action.organization_show(id=name, include_datasets=False)
            held = api.action.package_search(fq=f'owner_org:"{org["id"]}"', rows=0,
                                              include_private=True)["count"]  # fmt: skip
            if held == 0:
                api.action.organization_purge(id=name)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, codes))


PUBLISHED_AT = "2026-01-01T00:00:00+00:00"


def baseline(
    api: ckanapi.RemoteCKAN, folders: list[Path], threads: int, bare: bool = False
) -> Callable[[], None]:
    """The writes of a first publish, from bytes and payloads built here: the member's
    organization, the dataset and its archive created, the version's files in one
    ``package_revise`` (claiming the version), each table loaded into the DataStore (the
    same fields, data dictionary, primary key and typed records), the previews, the
    dataset switched to the archived files, its previews. Each call carries what
    Infitah's carries (the organization's names, the dataset's fields and extras, each
    file's resource fields, the switch's resources and extras: CKAN validates, indexes
    and records in the activity stream all of it), built by the same functions. What it
    leaves out is Infitah's own work: validating, building, reading the portal.

    ``bare``: names only (no titles, descriptions, extras or resource fields), the floor
    earlier runs measured; CKAN then has less to validate and index on every call."""
    prepared = []
    for folder in folders:
        release, owner = member_release(*gate(folder))
        decided = plan(release, None, None)
        files = version_files(release, decided, PUBLISHED_AT)
        head = f"# {release.dataset}: changes\n\n"
        files["CHANGELOG.md"] = (head + changelog_entry(decided, PUBLISHED_AT) + "\n").encode()
        loads = {}
        for table in release.tables.values():
            fields = [{"id": f["name"], "info": _dictionary(f),
                       "type": DATASTORE_TYPES.get(f.get("type", "string"), "text")}
                      for f in table.schema["fields"]]  # fmt: skip
            pk = table.schema.get("primaryKey")
            loads[table.filename] = {"fields": fields, "records": table.records(),
                                     **({"primary_key": pk} if pk else {})}  # fmt: skip
        prepared.append((release, owner, decided, files, loads))

    def one(item: tuple[Any, Owner, Any, dict[str, bytes], dict[str, dict[str, Any]]]) -> None:
        release, owner, decided, files, loads = item
        name = f"bench-{release.dataset}"
        version = decided.version

        def about(package: str, archive: bool) -> dict[str, Any]:
            if bare:
                return {}
            landing = f"{api.address}/dataset/{package}"
            extras = [{"key": k, "value": v} for k, v in sorted(_dataset_extras(release).items())]
            return {**_dataset_fields(release, None, landing, archive=archive), "extras": extras}

        org_fields = {} if bare else organization_fields(owner)
        org = api.action.organization_create(
            **{**org_fields, "name": baseline_org(release.dataset)}
        )
        main = api.action.package_create(name=name, owner_org=org["id"], **about(name, False))
        archive = api.action.package_create(name=f"{name}-versions", owner_org=org["id"],
                                            **about(f"{name}-versions", True))  # fmt: skip
        sent = _uploads(archive, release, version, files)
        if bare:
            sent = [_Upload(u.filename, u.data, {"name": u.fields["name"]}, None) for u in sent]
        claim = {} if bare else {
            "version": version,
            "extras": [{"key": "infitah_claim", "value": json.dumps(
                {"version": version, "content": "0" * 64, "at": time.time()})}],
        }  # fmt: skip
        archive = api.call_action(
            "package_revise",
            {"match": json.dumps({"id": archive["id"]}), "update": json.dumps(claim),
             "update__resources__extend": json.dumps([u.fields for u in sent])},
            files={f"update__resources__-{len(sent) - i}__upload": (u.filename, io.BytesIO(u.data))
                   for i, u in enumerate(sent)},
        )["package"]  # fmt: skip
        if bare:  # no hashes to find them by: by name
            by_name = {r["name"]: r for r in archive["resources"]}
            archived = {n: by_name[f"{version}/{n}"] for n in files}
        else:
            archived = _archived_files(api.address, archive, release, version, files)
        for filename, load in loads.items():
            api.action.datastore_create(resource_id=archived[filename]["id"], force=True, **load)
        # As Infitah asks (``CkanPortal._previews``): the loaded resources marked
        # ``datastore_active``, which CKAN's table view needs. Given the package as it
        # was before the loads, CKAN made no table view, and this side did less work.
        loaded = {archived[filename]["id"] for filename in loads}
        marked = [{**r, "datastore_active": True} if r["id"] in loaded else r
                  for r in archive["resources"]]  # fmt: skip
        api.action.package_create_default_resource_views(
            package={**archive, "resources": marked}, create_datastore_views=True
        )
        if bare:
            update: dict[str, Any] = {"version": version, "resources": [
                {"name": n, "url": archived[n]["url"]} for n in files]}  # fmt: skip
        else:
            urls = {n: r["url"] for n, r in archived.items()}
            extras = {
                **_dataset_extras(release),
                "infitah_version": version,
                "infitah_hashes": json.dumps(release.hashes(), sort_keys=True),
                "infitah_published_at": PUBLISHED_AT,
                "infitah_source": release.source,
                "infitah_archive": archive["name"],
                "infitah_versions": json.dumps({version: {n: u for n, u in urls.items()
                                                          if n.endswith((".csv", ".json"))}}),
            }  # fmt: skip
            update = {
                **about(name, False),
                "version": version,
                "version_notes": changelog_entry(decided, PUBLISHED_AT),
                "resources": latest_resources(main, release, archived, version),
                "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
            }
        switched = api.action.package_revise(match={"id": main["id"]}, update=update)["package"]
        api.action.package_create_default_resource_views(package=switched,
                                                         create_datastore_views=False)  # fmt: skip

    def run() -> None:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, prepared))

    return run


def baseline_org(dataset: str) -> str:
    return f"{BASELINE_ORG}-{dataset.removeprefix(PROGRAMME_PREFIX)}"


def purge_baseline(api: ckanapi.RemoteCKAN, names: list[str], threads: int) -> None:
    """The baseline's datasets and organizations (the portal's DCAT stays whole)."""
    purge(api, [f"bench-{n}" for n in names], threads)

    def one(name: str) -> None:
        with contextlib.suppress(ckanapi.NotFound):
            api.action.organization_purge(id=baseline_org(name))

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, names))


def sweep(api: ckanapi.RemoteCKAN) -> int:
    """Every member dataset's name and version: the least a no-op has to read."""
    seen, start = 0, 0
    while True:
        page = api.action.package_search(fq=f"name:{PROGRAMME_PREFIX}*", rows=1000,
                                         start=start, fl=["name", "extras_infitah_version"],
                                         include_private=True)  # fmt: skip
        seen += len(page["results"])
        start += 1000
        if start >= page["count"]:
            return seen


def change(folders: list[Path], share: float, mark: str) -> list[Path]:
    chosen = folders[: max(1, round(len(folders) * share))]
    for folder in chosen:
        path = folder / "commitments.csv"
        rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        column = rows[0].index("title_fr")
        rows[1][column] = f"{rows[1][column]} ({mark})"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1503)
    parser.add_argument("--results", type=Path, help="JSON file written after each phase")
    parser.add_argument("--keep", type=Path,
                        help="keep the members' folders here (for bench_prefect_share.py "
                             "--members-dir, on the portal this run leaves published)")  # fmt: skip
    parser.add_argument(
        "--bare-baseline",
        action="store_true",
        help="also the floor earlier runs measured (calls carrying names only)",
    )
    parser.add_argument("--first-only", action="store_true",
                        help="stop after the first publish (the baseline's comparison), "
                             "leaving the network published")  # fmt: skip
    parser.add_argument("--without", action="append", default=[], choices=("baseline", "all"),
                        help="leave a long phase out (measured by an earlier run)")  # fmt: skip
    args = parser.parse_args()
    url, token = portal()
    api = ckanapi.RemoteCKAN(url, apikey=token)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        folders = sorted(synthesise(args.members, where / "members", seed=args.seed))
        codes = [f.name.removeprefix("synthetic-").replace("-", ".") for f in folders]
        names = [dataset_name(code) for code in codes]
        print(f"{len(folders)} members; purging their datasets, their organizations and "
              "the baseline's", flush=True)  # fmt: skip
        purge(api, [*names, NETWORK_DATASET], args.threads)
        purge_organizations(api, codes, args.threads)
        purge_baseline(api, names, args.threads)

        def many() -> list[Any]:
            return publish_many(folders, url, token, workers=args.workers, threads=args.threads)

        def phase(label: str, fn: Callable[[], Any]) -> Any:
            return timed(label, fn, results, args.results)

        def aggregated() -> Any:
            result = aggregate(url, url, token, counted=("reported", "illustrative", "synthetic"))
            said(result.outcome)
            return result

        if args.bare_baseline:
            vacuum()
            phase("baseline (bare)", baseline(api, folders, args.threads, bare=True))
            purge_baseline(api, names, args.threads)
        if "baseline" not in args.without:
            vacuum()
            phase("baseline", baseline(api, folders, args.threads))
            purge_baseline(api, names, args.threads)  # the portal as Infitah will find it
        vacuum()
        first = phase("first", many)
        statuses = collections.Counter(r.outcome.status if r.outcome else "error" for r in first)
        print(f"{'':>16}  {dict(statuses)}", flush=True)
        if args.first_only:
            report(results, len(folders))
            return
        phase("sweep", lambda: sweep(api))
        noop = phase("noop", many)
        assert {r.outcome.status for r in noop if r.outcome} <= {"unchanged", "invalid"}
        phase("aggregate", aggregated)
        phase("aggregate no-op", aggregated)
        change(folders, 0.01, "1 %")
        phase("one-percent", many)
        phase("aggregate 1 %", aggregated)
        if "all" not in args.without:
            change(folders, 1.0, "all")
            phase("all", many)
    report(results, len(folders))


def said(outcome: Any) -> None:
    """The network's outcome under its phase: an aggregation refused (invalid, or stopped
    by the guard) writes nothing, and its time would otherwise pass for a no-op's."""
    print(f"{'':>16}  network: {outcome.status} {outcome.version or ''}", flush=True)
    if outcome.status == "invalid" and outcome.report is not None:
        for finding in outcome.to_dict("en")["report"].get("errors", [])[:5]:
            print(f"{'':>18}{json.dumps(finding, ensure_ascii=False)[:300]}", flush=True)


def report(results: dict[str, dict[str, Any]], n: int) -> None:
    """The ratios the issue asks for, from the phases that ran."""
    r = {k: v["seconds"] for k, v in results.items()}
    share = max(1, round(n * 0.01)) / n
    print()
    if "baseline" in r:
        print(f"first publish / plain ckanapi script:      {r['first'] / r['baseline']:.2f}")
    if "baseline (bare)" in r:
        print(f"first publish / the same, names only:      {r['first'] / r['baseline (bare)']:.2f}")
    if "noop" in r:  # not with --first-only
        print(f"no-op / package_search sweep:              {r['noop'] / r['sweep']:.2f}")
        full = "all" if "all" in r else "first"  # without the update, a first publish's share
        expected = r["noop"] + share * r[full]
        print(f"1 % changed / (no-op + their share of {full}): {r['one-percent'] / expected:.2f}")
        agg_noop, agg_one = r["aggregate no-op"], r["aggregate 1 %"]
        print(f"aggregate no-op: {agg_noop:.2f} s; after 1 %: {agg_one:.2f} s")
        writes = {k: sum(c for a, c in v["calls"].items() if not a.endswith(("_show", "_search")))
                  for k, v in results.items()}  # fmt: skip
        print(f"write calls in the no-op: {writes['noop']}; in the aggregate no-op: "
              f"{writes['aggregate no-op']}")  # fmt: skip
    per = {k: {a: round(c / n, 2) for a, c in sorted(results[k]["calls"].items())}
           for k in ("first", "all") if k in results}  # fmt: skip
    print(f"CKAN calls per member, first publish: {per['first']}")
    if "all" in per:
        print(f"CKAN calls per member, update:        {per['all']}")
    for k in ("baseline (bare)", "baseline", "first", "all"):
        if k not in results:
            continue
        spent = {a: round(c, 1) for a, c in sorted(results[k]["call_seconds"].items())}
        print(f"seconds in each action (all threads), {k}: {spent}")


if __name__ == "__main__":
    main()
