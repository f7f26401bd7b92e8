"""Prefect flow ``publish``: validate (the gate), then publish what changed.

Validation and the portal write are separate tasks so a run's history shows where it
stopped; the summary (version, changes, links) becomes a markdown artifact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from ..credentials import portal_token
from ..findings import Lang
from ..portals import open_portal
from ..publishing import Outcome, commune_release, publish_release
from ..reading import PackageData
from ..report import Report
from ..validation import check_package
from .validate import artifact_key, report_artifact


@task(name="validate-package")
def check_task(path: str) -> tuple[PackageData, Report]:
    return check_package(Path(path))


@task(name="publish-release", retries=0)
def publish_task(
    package: PackageData, report: Report, destination: str, token: str | None, dry_run: bool
) -> Outcome:
    release, owner = commune_release(package, report)
    # Resolved here, inside the run, so the token is never a stored parameter or input.
    portal = open_portal(destination, token or portal_token(destination))
    return publish_release(portal, release, owner, dry_run=dry_run)


class InvalidCommune(Exception):
    """Raised after the artifacts are written, so that a run over invalid data ends Failed
    where operators look (the run list), with the report's summary as its message."""


def summary_markdown(outcome: Outcome) -> str:
    lines = [
        f"# {outcome.dataset}: {outcome.status}",
        "",
        f"- version: **{outcome.version}** (previous: {outcome.previous_version or '—'})",
        f"- where: {outcome.url}",
    ]
    if outcome.changes:
        lines += ["", "| table | changes |", "|---|---|"]
        lines += [f"| {t} | {c} |" for t, c in outcome.changes.items()]
    return "\n".join(lines) + "\n"


@flow(name="publish", log_prints=True)
def publish_flow(
    path: str,
    destination: str = "catalog",
    token: str | None = None,
    dry_run: bool = False,
    lang: Lang = "en",
    fail_on_invalid: bool = False,
) -> dict[str, Any]:
    package, report = check_task(path)
    name = Path(path).name
    report_artifact(report, name, lang)
    if not report.valid:
        outcome = Outcome("invalid", None, report=report)
    else:
        outcome = publish_task(package, report, destination, token, dry_run)
    create_markdown_artifact(
        key=artifact_key("publish", name),
        markdown=summary_markdown(outcome),
        description=f"{outcome.dataset}: {outcome.status} {outcome.version or ''}",
    )
    if fail_on_invalid and outcome.status == "invalid":
        raise InvalidCommune(f"{name}: {report.summary(lang)}")
    return outcome.to_dict(lang)
