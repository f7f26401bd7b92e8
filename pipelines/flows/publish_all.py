"""Prefect flow ``publish-all``: every commune of a folder, one deployment run each.

Each commune is a run of the ``publish`` deployment rather than a task or a local sub-flow,
so any worker of the pool, on any machine, can take any commune, and each commune keeps
its own run, logs and artifacts. A semaphore bounds how many are in flight; a commune
that fails never stops the others; the parent ends Failed if any of them did.
"""

from __future__ import annotations

import asyncio
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

from ..fanout import CommuneRun, CommunesFailed, commune_run, failure_message, summary_markdown
from ..findings import Lang
from ..validation import member_folders

DEPLOYMENT = "publish/publish-commune"


@task(name="list-communes")
def list_communes(folder: str) -> list[str]:
    return [str(p) for p in member_folders(Path(folder))]


@task(name="publish-outcomes")
async def publish_outcomes(flow_run_ids: list[UUID]) -> dict[UUID, str]:
    """The children's publish artifacts say what happened (status, version): one read."""
    if not flow_run_ids:
        return {}
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids),
                key=ArtifactFilterKey(like_="publish-%"),
            )
        )
    return {a.flow_run_id: a.description or "" for a in artifacts if a.flow_run_id}


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
) -> dict[str, Any]:
    paths = list_communes(folder)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(path: str) -> tuple[FlowRun | None, BaseException | None]:
        async with gate:
            try:
                child = await arun_deployment(
                    name=deployment,
                    parameters={
                        "path": path,
                        "destination": destination,
                        "dry_run": dry_run,
                        "lang": lang,
                        "fail_on_invalid": True,
                    },
                    flow_run_name=f"publish-{Path(path).name}",
                    timeout=timeout_seconds,
                    poll_interval=2,
                )
            except Exception as exc:  # one commune's trouble must not stop the others
                return None, exc
            return child, None

    children = await asyncio.gather(*(one(p) for p in paths))
    outcomes = await publish_outcomes([c.id for c, _ in children if c is not None])
    runs = [
        commune_run(Path(path).name, child, outcomes.get(child.id) if child else None, error)
        for path, (child, error) in zip(paths, children, strict=True)
    ]
    summary_artifact(runs, folder, destination)
    for run in runs:
        print(f"{run.commune}: {run.result} — {run.detail}")
    if any(r.failed for r in runs):
        raise CommunesFailed(failure_message(runs))
    return {"communes": len(runs), "done": [r.commune for r in runs]}
