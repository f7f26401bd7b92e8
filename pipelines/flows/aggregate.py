"""Prefect flow ``aggregate``: harvest every commune's programme, publish the network view.

Nothing is read when the network's current version was built from the same members'
versions (``unchanged_network``); otherwise one task runs the library's ``build`` (only
the members whose version changed are fetched, ``WORKERS`` downloads at once, the others
taken from the network's current release) and one publishes the release: the sequence
of ``infitah aggregate``, not a copy of it.

Building is one task, not a task per step or per batch of members, because Prefect keeps
every task's result in the flow run until the flow ends (``FlowRunContext.run_results``,
for its lineage): tasks returning the previous release's tables and the members read kept
the whole network's frames alive while the release was published, which the library lets
go. The summary (version, rows per table) becomes a markdown artifact. Tasks carrying
tables skip Prefect's input hashing (``NO_CACHE``): hashing them would cost more than the
work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ..aggregate import (
    PROGRAMME_PREFIX,
    NetworkOutcome,
    build,
    programmes,
    publish_network,
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


@task(name="unchanged-network", cache_policy=NO_CACHE)
def unchanged_task(
    datasets: list[PublishedDataset],
    destination: str,
    as_of: dt.date | None,
    counted: tuple[str, ...],
) -> NetworkOutcome | str:
    return unchanged_network(datasets, destination, portal_token(destination), as_of, counted)


@task(name="build-network-release", cache_policy=NO_CACHE, retries=1)
def build_task(
    source: str,
    destination: str,
    datasets: list[PublishedDataset],
    as_of: dt.date | None,
    counted: tuple[str, ...],
    known: str,
) -> tuple[Release, Report, dict[str, int], int]:
    reader = open_portal(source, portal_token(source))
    built = build(reader, datasets, destination, portal_token(destination), as_of, counted)
    release, report, rows, communes = built
    return dataclasses.replace(release, source=known), report, rows, communes


@task(name="publish-network", cache_policy=NO_CACHE)
def publish_task(
    built: tuple[Release, Report, dict[str, int], int], destination: str, dry_run: bool
) -> NetworkOutcome:
    release, report, rows, communes = built
    return publish_network(release, report, rows, destination, None, dry_run, None, communes)


@flow(name="aggregate", log_prints=True)
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
        built = build_task(source, destination, datasets, day, counted, known)
        result = publish_task(built, destination, dry_run)
    create_markdown_artifact(
        key="aggregate-network",
        markdown=summary_markdown(result),
        description=f"{result.outcome.dataset}: {result.outcome.status} "
        f"{result.outcome.version or ''}",
    )
    return result.to_dict(lang)
