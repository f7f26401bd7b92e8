"""Prefect flow ``publish-batch``: many members in one run, publish-all's unit of work.

A run costs Prefect a process start, a flow run and a poll; paid per member, that is
hours for a network where nothing changed. A batch pays it once for many members and
runs the library's many-member publish (bulk state, source digests, validating workers,
publishing threads). Each member's outcome is a row of the run's table artifact, which
the parent reads; an invalid member also gets its validation report as an artifact. The
run ends Failed, naming them, when any member did not get through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from ..fanout import BATCH_ARTIFACT, CommunesFailed
from ..findings import Lang
from ..publishing import MemberOutcome, publish_many
from .validate import report_artifact


def member_row(result: MemberOutcome, lang: Lang) -> dict[str, str]:
    """One member's line of the batch's table: done (published, unchanged, planned),
    invalid (the report's summary) or failed (the error's words)."""
    name = result.path.name
    if result.error is not None:
        return {"member": name, "result": "failed", "detail": result.error.render(lang)}
    outcome = result.outcome
    assert outcome is not None
    if outcome.status == "invalid":
        summary = outcome.report.summary(lang) if outcome.report is not None else "invalid"
        return {"member": name, "result": "invalid", "detail": " ".join(summary.split())}
    detail = f"{outcome.dataset}: {outcome.status} {outcome.version or ''}".strip()
    return {"member": name, "result": "done", "detail": detail}


@task(name="publish-members")
def publish_members(
    paths: list[str], destination: str, dry_run: bool, workers: int, threads: int
) -> list[MemberOutcome]:
    return publish_many([Path(p) for p in paths], destination, dry_run=dry_run,
                        workers=workers, threads=threads)  # fmt: skip


@flow(name="publish-batch", log_prints=True)
def publish_batch_flow(
    paths: list[str],
    destination: str = "catalog",
    dry_run: bool = False,
    lang: Lang = "en",
    workers: int = 2,
    threads: int = 4,
) -> dict[str, Any]:
    """Validate and publish a batch of member folders in one run.

    Args:
        paths: the members' folders on the worker's disk.
        destination: a CKAN URL (the worker's token) or a catalog folder.
        dry_run: say what would be published, and write nothing.
        lang: the language of the reports and outcomes.
        workers: processes validating members.
        threads: members written to the portal at once.
    """
    results = publish_members(paths, destination, dry_run, workers, threads)
    rows = [member_row(r, lang) for r in results]
    for result in results:
        outcome = result.outcome
        if outcome is not None and outcome.status == "invalid" and outcome.report is not None:
            report_artifact(outcome.report, result.path.name, lang)
    failed = [row for row in rows if row["result"] != "done"]
    create_table_artifact(
        key=BATCH_ARTIFACT,
        table=rows,
        description=f"{len(rows) - len(failed)} of {len(rows)} members done",
    )
    for row in rows:
        print(f"{row['member']}: {row['result']} — {row['detail']}")
    if failed:
        listed = "; ".join(f"{r['member']} ({r['result']}: {r['detail']})" for r in failed)
        raise CommunesFailed(f"{len(failed)} of {len(rows)} members failed: {listed}")
    return {"members": rows}
