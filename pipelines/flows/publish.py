"""Prefect flow ``publish``: the library's publish sequence, step by step as tasks.

The gate and the portal write are separate tasks so a run's history shows where it
stopped; the report and the summary (version, changes, links) become markdown
artifacts. The steps are ``publishing``'s own (``gate``, ``publish_validated``), so a
flow run and ``infitah publish`` give the same outcome for the same folder. The token is
looked up inside the run, on the worker (never a parameter: Prefect stores those).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, pause_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from .. import uploads
from ..i18n import Lang
from ..publishing import DEFAULT_DESTINATION, Outcome, gate, publish_validated, source_of
from ..validation import Validated
from .validate import artifact_key, report_artifact

# How long a publish waits for the network's staff before it gives up (writing nothing).
APPROVAL_TIMEOUT = 7 * 24 * 3600


class Decision(RunInput):
    """The network staff's decision on a paused publish (the Prefect UI shows this form)."""

    approve: bool = False
    comment: str = ""


@task(name="validate-package")
def check_task(path: str) -> Validated:
    return gate(Path(path))


@task(name="publish-release", retries=0)
def publish_task(
    validated: Validated, destination: str, dry_run: bool, source: str = ""
) -> Outcome:
    return publish_validated(validated, destination, dry_run=dry_run, source=source)


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
    path: str = "",
    destination: str = DEFAULT_DESTINATION,
    dry_run: bool = False,
    lang: Lang = "en",
    fail_on_invalid: bool = False,
    upload: str = "",
    approval: bool = False,
) -> dict[str, Any]:
    """Validate a member's folder and publish it as a new version if it changed.

    Args:
        path: the member's folder (or workbook) on the worker's disk (or give upload).
        destination: a CKAN URL (the token comes from the worker's CKAN_API_TOKEN or the
            ckan-api-token Secret block) or a folder for the embedded catalog.
        dry_run: say what would be published, and write nothing.
        lang: the language of the report artifact: ar, fr or en.
        fail_on_invalid: end the run Failed when the data is invalid (publish-all).
        upload: the id of a steward's upload from the counter (kept in INFITAH_UPLOADS on
            the worker), instead of path.
        approval: wait for the network's staff to approve (Resume, approve: true) or
            reject before anything is written; a rejected publish writes nothing.
    """
    source = uploads.source(path, upload)
    name = source.name if path else f"upload-{upload[:8]}"
    validated = check_task(str(source))
    report_artifact(validated.report, name, lang)
    comment = ""  # the staff's words on an approved publish, shown to the steward
    if approval and not dry_run and validated.report.valid:
        planned = publish_task(validated, destination, True)
        create_markdown_artifact(
            key=artifact_key("plan", name),
            markdown=summary_markdown(planned),
            description=f"{planned.dataset}: {planned.status} {planned.version or ''}",
        )
        if planned.status == "planned":
            if upload:
                uploads.record(upload, {"status": "awaiting", "dataset": planned.dataset})
            decision = pause_flow_run(
                wait_for_input=Decision, timeout=APPROVAL_TIMEOUT, key=artifact_key("approve", name)
            )
            if not decision.approve:
                said = {**planned.to_dict(lang), "status": "rejected",
                        "comment": decision.comment}  # fmt: skip
                if upload:
                    uploads.record(upload, said)
                return said
            comment = decision.comment
    outcome = publish_task(validated, destination, dry_run, source_of(source))
    result = _told(outcome, name, lang, upload, comment)
    if fail_on_invalid and outcome.status == "invalid":
        raise InvalidCommune(f"{name}: {validated.report.summary(lang)}")
    return result


def _told(outcome: Outcome, name: str, lang: Lang, upload: str, comment: str) -> dict[str, Any]:
    """The run's publish artifact, and the outcome beside the upload for the counter."""
    create_markdown_artifact(
        key=artifact_key("publish", name),
        markdown=summary_markdown(outcome),
        description=f"{outcome.dataset}: {outcome.status} {outcome.version or ''}",
    )
    result = outcome.to_dict(lang)
    if upload:
        told = {k: v for k, v in result.items() if k != "report"}
        uploads.record(upload, {**told, "comment": comment} if comment else told)
    return result
