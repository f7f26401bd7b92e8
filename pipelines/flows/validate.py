"""Prefect flow ``validate``: a commune folder in, its report out (and as an artifact).

Tasks are coarse on purpose (a task costs milliseconds; rows would cost hours): reading
and validating a whole folder is one task, publishing the report another.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from .. import uploads
from ..findings import Lang
from ..report import Report
from ..validation import validate


@task(name="validate-package")
def validate_task(path: str) -> Report:
    return validate(Path(path)).report


@task(name="report-artifact")
def report_artifact(report: Report, name: str, lang: Lang) -> None:
    create_markdown_artifact(
        key=artifact_key("validation", name),
        markdown=report.render_markdown(lang),
        description=report.summary(lang),
    )


def artifact_key(prefix: str, name: str) -> str:
    """Prefect keys allow lowercase letters, digits and dashes only."""
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "commune"
    return f"{prefix}-{slug}"


@flow(name="validate", log_prints=True)
def validate_flow(path: str = "", lang: Lang = "en", upload: str = "") -> dict[str, Any]:
    """Validate a member's folder and attach the steward's report as an artifact.

    Args:
        path: the member's folder (or workbook) on the worker's disk (or give upload).
        lang: the report's language: ar, fr or en.
        upload: the id of a steward's upload from the counter (kept in INFITAH_UPLOADS on
            the worker), instead of path.
    """
    source = uploads.source(path, upload)
    report = validate_task(str(source))
    report_artifact(report, source.name if path else f"upload-{upload[:8]}", lang)
    return report.to_dict(lang)
