"""Prefect flow ``aggregate``: harvest every commune's programme, publish the network view.

Nothing is read when the network's current version was built from the same members'
versions (``unchanged_network``); otherwise only the members whose version changed are
fetched, the others taken from the network's current release (``reusable``).

One task per batch of ``BATCH`` communes: a task costs Prefect about 25 ms, while a
commune read from a catalog costs about 10 ms, so one task per commune made Prefect most
of the run at 1,503 communes. ``BATCHES_AT_ONCE`` batches run together, each fetching
with its own threads, so a portal sees at most ``WORKERS`` downloads at once; a batch
that fails is retried whole. Then one task builds and validates the network release and
one publishes it. The summary (version,
rows per table) becomes a markdown artifact. Tasks carrying tables skip Prefect's input
hashing (``NO_CACHE``): hashing thousands of DataFrames would cost more than the work.
"""

from __future__ import annotations

import dataclasses
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
    Reuse,
    Tables,
    fetch_many,
    located,
    network_release,
    programmes,
    publish_network,
    reusable,
    summary_markdown,
    unchanged_network,
)
from ..credentials import portal_token
from ..errors import InputError
from ..i18n import Lang
from ..portals import PublishedDataset, open_portal
from ..release import Release
from ..report import Report


@task(name="list-programmes", cache_policy=NO_CACHE)
def list_task(source: str) -> list[PublishedDataset]:
    return programmes(source, portal_token(source), files=False)[1]


@task(name="locate-programmes", cache_policy=NO_CACHE)
def locate_task(source: str, wanted: list[PublishedDataset], listed: int) -> list[PublishedDataset]:
    return located(open_portal(source, portal_token(source)), wanted, listed)


BATCH = 100
BATCHES_AT_ONCE = 2


@task(name="fetch-programmes", cache_policy=NO_CACHE, retries=1)
def fetch_task(
    source: str, datasets: list[PublishedDataset], earlier: dict[str, Tables] | None = None
) -> list[Harvested]:
    reader = open_portal(source, portal_token(source))
    return fetch_many(reader, datasets, WORKERS // BATCHES_AT_ONCE, earlier=earlier)


@task(name="unchanged-network", cache_policy=NO_CACHE)
def unchanged_task(
    datasets: list[PublishedDataset],
    destination: str,
    as_of: dt.date | None,
    counted: tuple[str, ...],
) -> NetworkOutcome | str:
    return unchanged_network(datasets, destination, portal_token(destination), as_of, counted)


@task(name="reuse-previous", cache_policy=NO_CACHE)
def reuse_task(destination: str, datasets: list[PublishedDataset]) -> Reuse:
    return reusable(destination, portal_token(destination), datasets)


@task(name="network-release", cache_policy=NO_CACHE)
def release_task(
    harvested: list[Harvested],
    as_of: dt.date | None,
    counted: tuple[str, ...] = ("reported",),
    source: str = "",
    previous: Tables | None = None,
) -> tuple[Release, Report, dict[str, int]]:
    release, report, rows = network_release(harvested, as_of, counted, previous)
    return dataclasses.replace(release, source=source), report, rows


@task(name="publish-network", cache_policy=NO_CACHE)
def publish_task(
    built: tuple[Release, Report, dict[str, int]],
    destination: str,
    dry_run: bool,
    communes: int,
) -> NetworkOutcome:
    release, report, rows = built
    return publish_network(release, report, rows, destination, None, dry_run, None, communes)


@flow(
    name="aggregate",
    log_prints=True,
    # Prefect's decorator is typed for the base runner's futures (its generic is invariant).
    task_runner=ThreadPoolTaskRunner(max_workers=BATCHES_AT_ONCE),  # type: ignore[arg-type]
)
def aggregate_flow(
    source: str,
    destination: str = "catalog",
    as_of: str | None = None,
    dry_run: bool = False,
    lang: Lang = "en",
    count: list[str] | None = None,
) -> dict[str, Any]:
    """Combine every published member programme into the network dataset, with indicators.

    Args:
        source: where the members' programmes are published: a CKAN URL or a catalog folder.
        destination: where to publish the network dataset: a CKAN URL or a catalog folder
            (tokens come from CKAN_API_TOKEN or the ckan-api-token Secret block, on the
            worker; never a parameter).
        as_of: the day indicators are computed at, YYYY-MM-DD (default: the latest
            publication, so an unchanged network stays unchanged).
        dry_run: say what would be published, and write nothing.
        lang: the language of the summary: ar, fr or en.
        count: the rows the indicators count, by data_status (default: reported only;
            a test network may add synthetic).
    """
    datasets = list_task(source)
    if not datasets:
        raise InputError(
            f"{source}: no published commune programme (datasets {PROGRAMME_PREFIX}*)",
            path=source,
            key="no-programmes",
        )
    day = dt.date.fromisoformat(as_of) if as_of else None
    counted = tuple(count or ("reported",))
    known = "" if dry_run else unchanged_task(datasets, destination, day, counted)
    if isinstance(known, NetworkOutcome):
        result = known
    else:
        reuse = reuse_task(destination, datasets)
        wanted = locate_task(source, reuse.wanted, len(datasets))
        batches = [wanted[i : i + BATCH] for i in range(0, len(wanted), BATCH)]
        futures = fetch_task.map(unmapped(source), batches, unmapped(reuse.earlier))
        fetched = [h for f in futures for h in f.result()]
        harvested = sorted([*reuse.members, *fetched], key=lambda h: h.code)
        # The same release as ``aggregate``'s: reused rows are not judged again.
        built = release_task(harvested, day, counted, known, reuse.tables)
        result = publish_task(built, destination, dry_run, len(harvested))
    create_markdown_artifact(
        key="aggregate-network",
        markdown=summary_markdown(result),
        description=f"{result.outcome.dataset}: {result.outcome.status} "
        f"{result.outcome.version or ''}",
    )
    return result.to_dict(lang)
