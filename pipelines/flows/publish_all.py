"""Prefect flow ``publish-all``: every member of a folder, in batches of deployment runs.

Each batch is a run of the ``publish-batch`` deployment rather than a task or a local
sub-flow, so any worker of the pool, on any machine, can take any batch; a batch runs the
library's many-member publish (bulk state, source digests, parallel validation), so
Prefect's per-run cost is paid per batch, not per member. A semaphore bounds how many
batches are in flight; a member that fails never stops the others; each member's outcome
is read from its batch's table artifact, and the parent ends Failed if any member failed.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, get_client, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import arun_deployment

from ..fanout import (
    BATCH_ARTIFACT,
    CommuneRun,
    CommunesFailed,
    batch_runs,
    failure_message,
    summary_markdown,
)
from ..findings import Lang
from ..publishing import known_unchanged
from ..validation import member_folders
from .publish_batch import member_row

DEPLOYMENT = "publish-batch/publish-batch"
BATCH_SIZE = 50


@task(name="list-communes")
def list_communes(folder: str) -> list[str]:
    return [str(p) for p in member_folders(Path(folder))]


@task(name="known-unchanged")
def settled(paths: list[str], destination: str, lang: Lang) -> tuple[list[CommuneRun], list[str]]:
    """The members known unchanged (or failing to be checked), as rows of the summary, and
    the paths still to publish."""
    known, pending = known_unchanged([Path(p) for p in paths], destination)
    runs = []
    for result in known:
        row = member_row(result, lang)
        runs.append(CommuneRun(row["member"], row["result"], row["detail"]))  # type: ignore[arg-type]
    return runs, [str(p) for p in pending]


@task(name="batch-outcomes")
async def batch_outcomes(flow_run_ids: list[UUID]) -> dict[UUID, list[dict[str, str]]]:
    """Every batch's table of member outcomes: one read for all of them."""
    if not flow_run_ids:
        return {}
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids),
                key=ArtifactFilterKey(any_=[BATCH_ARTIFACT]),
            )
        )
    out: dict[UUID, list[dict[str, str]]] = {}
    for artifact in artifacts:
        data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        if artifact.flow_run_id and isinstance(data, list):
            out[artifact.flow_run_id] = [dict(row) for row in data if isinstance(row, dict)]
    return out


@task(name="summary-artifact")
def summary_artifact(runs: list[CommuneRun], folder: str, destination: str) -> None:
    failed = sum(r.failed for r in runs)
    create_markdown_artifact(
        key="publish-all",
        markdown=summary_markdown(runs, folder, destination),
        description=f"{len(runs) - failed} of {len(runs)} communes done, {failed} failed",
    )


@flow(name="publish-all", log_prints=True)
async def publish_all_flow(
    folder: str,
    destination: str = "catalog",
    concurrency: int = 4,
    timeout_seconds: float = 3600,
    dry_run: bool = False,
    lang: Lang = "en",
    deployment: str = DEPLOYMENT,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    """Publish every member folder of ``folder``, in batches spread over the pool.

    Args:
        folder: the folder holding one folder per member, on the workers' disk.
        destination: a CKAN URL (the workers' token) or a catalog folder.
        concurrency: batches in flight at once.
        timeout_seconds: how long to follow one batch.
        dry_run: say what would be published, and write nothing.
        lang: the language of the reports and outcomes.
        deployment: the deployment that publishes one batch.
        batch_size: members per batch run.
    """
    every = list_communes(folder)
    # Members whose sources are what is published are known here, from one bulk read:
    # no batch run is started for them (a network where nothing changed starts none).
    known, paths = ([], every) if dry_run else settled(every, destination, lang)
    size = max(1, batch_size)
    batches = [paths[i : i + size] for i in range(0, len(paths), size)]
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(number: int, batch: list[str]) -> tuple[FlowRun | None, BaseException | None]:
        async with gate:
            try:
                child = await arun_deployment(
                    name=deployment,
                    parameters={
                        "paths": batch,
                        "destination": destination,
                        "dry_run": dry_run,
                        "lang": lang,
                    },
                    flow_run_name=f"publish-batch-{number}-of-{len(batches)}",
                    timeout=timeout_seconds,
                    poll_interval=1,  # each poll's wait is Prefect's share of a batch
                )
            except Exception as exc:  # one batch's trouble must not stop the others
                return None, exc
            return child, None

    children = await asyncio.gather(*(one(i + 1, b) for i, b in enumerate(batches)))
    tables = await batch_outcomes([c.id for c, _ in children if c is not None])
    runs: list[CommuneRun] = list(known)
    for batch, (child, error) in zip(batches, children, strict=True):
        names = [Path(p).name for p in batch]
        runs += batch_runs(names, child, tables.get(child.id) if child else None, error)
    order = {Path(p).name: i for i, p in enumerate(every)}
    runs.sort(key=lambda r: order.get(r.commune, len(order)))  # the folder's order
    summary_artifact(runs, folder, destination)
    for run in runs:
        print(f"{run.commune}: {run.result} — {run.detail}")
    if any(r.failed for r in runs):
        raise CommunesFailed(failure_message(runs))
    return {"communes": len(runs), "done": [r.commune for r in runs], "batches": len(batches)}
