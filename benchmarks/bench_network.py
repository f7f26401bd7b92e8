"""The whole network at once: synthesise every commune, publish each, aggregate the network.

Phases, each timed (wall clock) with the process's peak memory so far (``ru_maxrss``, and
the worker processes' in the publish phase):

1. ``synth``: 1,503 synthetic communes (every commune of the reference);
2. ``publish``: each one validated and published to a fresh local catalog, by a pool of
   worker processes (one per core), as plain library calls;
3. ``aggregate``: harvest, combine, indicators, charts, validation, publish of the network
   dataset, as a plain library call (and tracemalloc's peak of Python allocations, from
   an untimed run first).

Prefect's share is measured by running the same work through the flows against
Prefect's temporary API: ``aggregate_flow`` on the whole catalog, and ``publish_flow`` on
a sample of communes (sequentially, against the same calls made plainly); the ratios
flow / plain are printed. Not part of ``make test``.

    .venv/bin/python benchmarks/bench_network.py [--communes 1503] [--prefect-sample 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from pipelines.aggregate import aggregate  # noqa: E402
from pipelines.portals.catalog import CatalogPortal  # noqa: E402
from pipelines.publishing import publish  # noqa: E402
from pipelines.synth import synthesise  # noqa: E402

AS_OF = dt.date(2025, 6, 30)
T = TypeVar("T")


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"{label:<34} {seconds:9.1f} s   peak RSS {mib(own)} (workers {mib(children)})",
        flush=True,
    )
    return result, seconds


def _publish_one(args: tuple[str, str]) -> str:
    folder, destination = args
    return publish(Path(folder), destination).status


def publish_all(folders: list[Path], destination: Path, workers: int) -> list[str]:
    jobs = [(str(f), str(destination)) for f in folders]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(_publish_one, jobs, chunksize=8))
    CatalogPortal(destination).reindex()  # the last writer's index may have missed a peer
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", type=int, default=1503)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--prefect-sample", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="infitah-bench-") as tmp:
        root = Path(tmp)
        print(f"{args.communes} communes, {args.workers} publish workers, in {root}")
        folders, _ = timed(
            "1. synth", lambda: synthesise(args.communes, root / "communes", seed=args.seed)
        )
        catalog = root / "catalog"
        statuses, _ = timed(
            "2. publish (library, processes)", lambda: publish_all(folders, catalog, args.workers)
        )
        assert set(statuses) == {"published"}, set(statuses)

        # First with tracemalloc (slow, but warms caches such as matplotlib's fonts), for
        # the peak of Python allocations; then timed without it.
        tracemalloc.start()
        aggregate(str(catalog), str(root / "network-traced"), as_of=AS_OF)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        plain, plain_seconds = timed(
            "3. aggregate (library)",
            lambda: aggregate(str(catalog), str(root / "network-plain"), as_of=AS_OF),
        )
        print(f"   tracemalloc peak of the aggregate phase: {peak / 2**20:,.0f} MiB")
        print(f"   {plain.communes} communes -> {plain.rows}")
        assert plain.outcome.status == "published", plain.outcome.status

        prefect_share(catalog, root, folders[: args.prefect_sample], plain_seconds)


def prefect_share(catalog: Path, root: Path, sample: list[Path], plain_seconds: float) -> None:
    from prefect.testing.utilities import prefect_test_harness

    from pipelines.flows.aggregate import aggregate_flow
    from pipelines.flows.publish import publish_flow

    print("Prefect (temporary API, started before timing):")
    with prefect_test_harness():
        flow_result: dict[str, Any]
        flow_result, flow_seconds = timed(
            "   aggregate_flow",
            lambda: aggregate_flow(
                str(catalog), destination=str(root / "network-flow"), as_of=AS_OF.isoformat()
            ),
        )
        assert flow_result["status"] == "published", flow_result["status"]
        print(f"   aggregate: flow / library = {flow_seconds / plain_seconds:.2f}")

        def plain_sample() -> None:
            for folder in sample:
                publish(folder, str(root / "sample-plain"))

        def flow_sample() -> None:
            for folder in sample:
                publish_flow(str(folder), destination=str(root / "sample-flow"))

        _, plain_publish = timed(f"   publish x{len(sample)} (library)", plain_sample)
        _, flow_publish = timed(f"   publish_flow x{len(sample)}", flow_sample)
        extra = (flow_publish - plain_publish) / len(sample) * 1000
        ratio = flow_publish / plain_publish
        print(f"   publish: flow / library = {ratio:.2f} ({extra:.0f} ms more per commune)")


if __name__ == "__main__":
    main()
