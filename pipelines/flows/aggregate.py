"""Prefect flow ``aggregate``: harvest every commune's programme, publish the network view.

One task per commune (a task costs milliseconds; a commune's download costs more), run
by a bounded thread pool so a portal sees at most ``WORKERS`` downloads at once; then one
task builds and validates the network release and one publishes it. The summary (version,
rows per table) becomes a markdown artifact. Tasks carrying tables skip Prefect's input
hashing (``NO_CACHE``): hashing thousands of DataFrames would cost more than the work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from ..aggregate import (
    PROGRAMME_PREFIX,
    WORKERS,
    Harvested,
    NetworkOutcome,
    Tables,
    fetch,
    network_release,
    programmes,
    publish_network,
    summary_markdown,
)
from ..errors import InputError
from ..findings import Lang
from ..portals.read import PublishedDataset, open_reader
from ..release import Release
from ..report import Report


@task(name="list-programmes", cache_policy=NO_CACHE)
def list_task(source: str, token: str | None) -> list[PublishedDataset]:
    return programmes(source, token)[1]


@task(name="fetch-programme", cache_policy=NO_CACHE, retries=1)
def fetch_task(source: str, token: str | None, dataset: PublishedDataset) -> Harvested:
    return fetch(open_reader(source, token), dataset)


@task(name="network-release", cache_policy=NO_CACHE)
def release_task(
    harvested: list[Harvested], as_of: dt.date | None
) -> tuple[Release, Report, Tables]:
    return network_release(harvested, as_of)


@task(name="publish-network", cache_policy=NO_CACHE)
def publish_task(
    built: tuple[Release, Report, Tables],
    destination: str,
    token: str | None,
    dry_run: bool,
    communes: int,
) -> NetworkOutcome:
    release, report, tables = built
    return publish_network(release, report, tables, destination, token, dry_run, None, communes)


@flow(
    name="aggregate",
    log_prints=True,
    # Prefect's decorator is typed for the base runner's futures (its generic is invariant).
    task_runner=ThreadPoolTaskRunner(max_workers=WORKERS),  # type: ignore[arg-type]
)
def aggregate_flow(
    source: str,
    destination: str = "catalog",
    token: str | None = None,
    as_of: str | None = None,
    dry_run: bool = False,
    lang: Lang = "en",
) -> dict[str, Any]:
    datasets = list_task(source, token)
    if not datasets:
        raise InputError(
            f"{source}: no published commune programme (datasets {PROGRAMME_PREFIX}*)",
            path=source,
            key="no-programmes",
        )
    futures = fetch_task.map(unmapped(source), unmapped(token), datasets)
    harvested = sorted((f.result() for f in futures), key=lambda h: h.code)
    day = dt.date.fromisoformat(as_of) if as_of else None
    built = release_task(harvested, day)
    result = publish_task(built, destination, token, dry_run, len(harvested))
    create_markdown_artifact(
        key="aggregate-network",
        markdown=summary_markdown(result),
        description=f"{result.outcome.dataset}: {result.outcome.status} "
        f"{result.outcome.version or ''}",
    )
    return result.to_dict(lang)
