"""Prefect's share: the same members through the ``publish-all`` deployment (a real
Prefect server on PostgreSQL, two process workers, batches of ``--batch-size``) and
through the library (``publish_many`` in this process), each timed in the same run.

Phases, after a first publish of every member by the library (not timed):

1. ``library no-op`` and ``deployment no-op``: nothing changed;
2. ``library 1 %`` and ``deployment 1 %``: 1 % of members changed (a different 1 %
   for each, so each publishes the same amount of work);
3. ``library batch`` and ``deployment batch``: ``--batch-size`` members changed (other
   ones for each), so the deployment runs exactly one full batch: Prefect's share of a
   batch's work, where phases 1 and 2 show mostly its fixed cost (a parent run and a
   batch run started by process workers). With ``--repeat N``, N times on other members
   each time, and the median is printed as well: one run varies by seconds (polls).

The deployment's time is from ``run_deployment`` to the parent run's end, as an operator
waits for it (workers poll every second, as in the tests); after it, outside its time, a
line says where that time went (``timeline``). Ratios are printed at the end.
Not part of ``make test``:

    set -a; eval "$(make -s portal)"; set +a
    .venv/bin/python benchmarks/bench_prefect_share.py --members 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_network_ckan import change, portal  # noqa: E402

from pipelines.publishing import publish_many  # noqa: E402
from pipelines.synth import synthesise  # noqa: E402

SCRIPT = REPO / "orchestration" / "orchestrate.sh"
DB = f"prefect_{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def drop_database() -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qtA", "-c",
                    f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"],
                   check=True, capture_output=True, timeout=60)  # fmt: skip


@contextlib.contextmanager
def orchestra(home: Path) -> Iterator[str]:
    """A Prefect server, its pool, the deployments and two workers, stopped afterwards."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") and k != "CKAN_API_TOKEN"}  # fmt: skip
    env.update(PREFECT_HOME=str(home), INFITAH_PREFECT_PORT=str(free_port()),
               INFITAH_PREFECT_DB=DB,
               INFITAH_PREFECT_LOGGING_LEVEL="WARNING")  # fmt: skip
    drop_database()
    try:
        up = subprocess.run(["bash", str(SCRIPT), "up"], env=env, capture_output=True,
                            text=True, timeout=900)  # fmt: skip
        if up.returncode != 0:
            raise SystemExit(f"orchestrate.sh up failed:\n{up.stderr[-3000:]}")
        yield up.stdout.strip().split("=", 1)[1]
    finally:
        subprocess.run(["bash", str(SCRIPT), "down"], env=env, capture_output=True,
                       text=True, timeout=300)  # fmt: skip
        drop_database()


def timed(label: str, fn: Callable[[], Any], results: dict[str, float]) -> Any:
    start = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - start
    print(f"{label:>18}: {results[label]:8.2f} s", flush=True)
    return value


def _moments(states: list[Any]) -> dict[str, float]:
    """When a run first entered each kind of state (epoch seconds, the server's clock)."""
    out: dict[str, float] = {}
    for state in sorted(states, key=lambda s: s.timestamp):
        out.setdefault(state.type.value, state.timestamp.timestamp())
    return out


def _ended(run: dict[str, float], otherwise: float) -> float:
    """When a run ended, completed or failed (``otherwise`` if it has not)."""
    return run.get("COMPLETED", run.get("FAILED", otherwise))


async def timeline(parent_id: Any, returned: float) -> str:
    """Where a deployment phase's time went, from its runs' state histories: for the
    ``publish-all`` run and for its slowest batch run, the wait for a worker to take it
    (Scheduled to Pending), the start of its process (Pending to Running: a new Python
    process, its imports, the engine's set-up) and its work; then the parent's time
    after its last batch ended (its poll and its own last tasks) and the caller's wait
    for the parent's end (``run_deployment``'s poll). The server and this process share
    a clock (one machine)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    async with get_client() as client:
        parent = _moments(await client.read_flow_run_states(parent_id))
        under = FlowRunFilterParentFlowRunId(any_=[parent_id])
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=under)
        )
        batches = [_moments(await client.read_flow_run_states(c.id)) for c in children]
    end = _ended(parent, returned)

    def span(run: dict[str, float], a: str, b: str) -> str:
        return f"{run[b] - run[a]:.1f}" if a in run and b in run else "?"

    parts = [f"publish-all: pickup {span(parent, 'SCHEDULED', 'PENDING')} s, "
             f"start {span(parent, 'PENDING', 'RUNNING')} s"]  # fmt: skip
    if batches:
        first_made = min(b["SCHEDULED"] for b in batches if "SCHEDULED" in b)
        last = max(batches, key=lambda b: _ended(b, 0.0))
        last_end = _ended(last, end)
        parts.append(
            f"before its first batch {first_made - parent.get('RUNNING', first_made):.1f} s"
        )
        parts.append(f"slowest of {len(batches)} batch run(s): pickup "
                     f"{span(last, 'SCHEDULED', 'PENDING')} s, start "
                     f"{span(last, 'PENDING', 'RUNNING')} s, work "
                     f"{last_end - last.get('RUNNING', last_end):.1f} s")  # fmt: skip
        parts.append(f"parent after it {end - last_end:.1f} s")
    else:
        parts.append(f"work {end - parent.get('RUNNING', end):.1f} s (no batch run)")
    parts.append(f"caller's wait {returned - end:.1f} s")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1503)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the batch phase this many times, on other members each "
        "time; the median is printed (one run varies by seconds)",
    )
    parser.add_argument("--members-dir", type=Path,
                        help="members already there (bench_network_ckan.py --keep): "
                             "their first publish is a no-op on the portal it left")  # fmt: skip
    args = parser.parse_args()
    url, token = portal()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.members_dir:
            folder = args.members_dir.resolve()
            folders = sorted(p for p in folder.iterdir() if p.is_dir())
        else:
            folder = Path(tmp) / "members"
            folders = sorted(synthesise(args.members, folder, seed=args.seed))
        print(f"{len(folders)} members: published by the library first (not compared)",
              flush=True)  # fmt: skip
        # On a kept network published by other code, this is an upgrade: every member
        # judged again by this code, its new digest noted, no new version.
        timed("library first", lambda: publish_many(folders, url, token), results)
        with orchestra(Path(tmp) / "prefect") as api_url:
            from prefect.blocks.system import Secret
            from prefect.deployments import run_deployment
            from prefect.settings import PREFECT_API_URL, temporary_settings
            from pydantic import SecretStr

            with temporary_settings({PREFECT_API_URL: api_url}):

                async def save_token() -> None:
                    await Secret(value=SecretStr(token)).save("ckan-api-token", overwrite=True)

                asyncio.run(save_token())

                ended: list[tuple[Any, float]] = []

                def deployment() -> Any:
                    run: Any = run_deployment(
                        "publish-all/publish-all",
                        parameters={"folder": str(folder), "destination": url,
                                    "concurrency": args.concurrency,
                                    "batch_size": args.batch_size},
                        timeout=3600, poll_interval=1,
                    )  # fmt: skip
                    ended.append((run, time.time()))
                    return run

                def deployed(label: str) -> None:
                    """The deployment phase, then (outside its time) where its time went."""
                    timed(label, deployment, results)
                    run, returned = ended[-1]
                    if not run.state or not run.state.is_completed():
                        print(f"{'':>18}  {run.state and run.state.message}", flush=True)
                    try:  # a profile, not the measure: its failure must not end the run
                        where = asyncio.run(timeline(run.id, returned))
                    except Exception as exc:
                        where = f"no timeline ({type(exc).__name__}: {exc})"
                    print(f"{'':>18}  {where}", flush=True)

                def library() -> Any:
                    return publish_many(folders, url, token)

                timed("library no-op", library, results)
                deployed("deployment no-op")
                change(folders, 0.01, "library")
                timed("library 1 %", library, results)
                change(folders[::-1], 0.01, "deployment")
                deployed("deployment 1 %")
                middle, size = len(folders) // 2, args.batch_size
                for k in range(args.repeat):  # other members each time, on both sides
                    lib = folders[max(0, middle - size * (k + 1)) : middle - size * k]
                    dep = folders[middle + size * k : middle + size * (k + 1)]
                    label = "batch" if k == 0 else f"batch #{k + 1}"
                    change(lib, 1.0, f"library {label}")
                    timed(f"library {label}", library, results)
                    change(dep, 1.0, f"deployment {label}")
                    deployed(f"deployment {label}")
    print()
    for phase in ("no-op", "1 %", "batch"):
        on_prefect, alone = results[f"deployment {phase}"], results[f"library {phase}"]
        print(f"{phase:>5}, deployment / library: {on_prefect / alone:.2f} "
              f"({on_prefect:.1f} s / {alone:.1f} s)")  # fmt: skip
    if args.repeat > 1:
        labels = ["batch", *(f"batch #{k + 1}" for k in range(1, args.repeat))]
        pairs = [(results[f"deployment {lb}"], results[f"library {lb}"]) for lb in labels]
        on_prefect = statistics.median(d for d, _ in pairs)
        alone = statistics.median(lib for _, lib in pairs)
        added = sorted(d - lib for d, lib in pairs)
        print(f"batch, median of {args.repeat}: {on_prefect / alone:.2f} "
              f"({on_prefect:.1f} s / {alone:.1f} s); time added each time: "
              f"{', '.join(f'{a:.1f}' for a in added)} s")  # fmt: skip


if __name__ == "__main__":
    main()
