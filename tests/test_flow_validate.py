"""The Prefect ``validate`` flow: the report it returns and the markdown artifact it leaves.

Flows run against Prefect's temporary API (the ``prefect_harness`` fixture); the
artifact is read back through the Prefect client, as the UI would show it. The task's
function is also called bare, as a library, without Prefect.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import Artifact

from pipelines.flows.validate import artifact_key, validate_flow, validate_task
from pipelines.report import Report
from pipelines.validation import validate

REPO = Path(__file__).resolve().parent.parent
AIT_AMIRA = REPO / "datasets" / "ait-amira"


def broken_copy(target: Path) -> Path:
    """Aït Amira with a duplicated milestone id (line 4 repeats line 2)."""
    shutil.copytree(AIT_AMIRA, target)
    path = target / "milestones.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    rows[2]["milestone_id"] = rows[0]["milestone_id"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


def artifacts_of(flow_run_id: UUID) -> list[Artifact]:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def run(path: Path, lang: str) -> tuple[dict[str, Any], UUID]:
    state = validate_flow(str(path), lang=lang, return_state=True)
    assert state.is_completed(), state
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return state.result(), flow_run_id


def without_timing(report: dict[str, Any]) -> dict[str, Any]:
    return {**report, "stats": {k: v for k, v in report["stats"].items() if k != "seconds"}}


def test_flow_returns_the_report_and_leaves_a_markdown_artifact(
    prefect_harness: None, tmp_path: Path
) -> None:
    folder = broken_copy(tmp_path / "ait-amira-flow")

    report, flow_run_id = run(folder, "fr")

    assert without_timing(report) == without_timing(validate(folder).report.to_dict("fr"))
    assert report["valid"] is False
    assert [(e["code"], e["row"]) for e in report["errors"]] == [("primary-key", 4)]

    [artifact] = artifacts_of(flow_run_id)
    assert artifact.key == artifact_key("validation", folder.name) == "validation-ait-amira-flow"
    assert artifact.type == "markdown"
    markdown = str(artifact.data)
    assert markdown.startswith("# ait-amira")
    assert "Les données ne sont pas valides" in markdown
    assert "`primary-key`" in markdown
    assert "fichier milestones.csv, ligne 4" in markdown
    assert "ligne 2" in markdown  # the first use of the id, named in the message
    assert "Donnez un identifiant unique" in markdown  # what to do
    assert artifact.description and "1 erreur" in artifact.description


def test_flow_on_the_valid_commune_in_arabic(prefect_harness: None) -> None:
    report, flow_run_id = run(AIT_AMIRA, "ar")

    assert report["valid"] is True
    assert report["errors"] == []
    [artifact] = artifacts_of(flow_run_id)
    assert artifact.key == "validation-ait-amira"
    assert "المعطيات صالحة" in str(artifact.data)
    assert "## " not in str(artifact.data)  # no error or warning sections


def test_task_function_works_without_prefect(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path / "commune")

    report = validate_task.fn(str(folder))

    assert isinstance(report, Report)
    assert report.valid is False
    [error] = report.errors
    assert (error.code, error.table, error.row, error.file) == (
        "primary-key",
        "milestones",
        4,
        "milestones.csv",
    )
    assert "line 2" in error.message("en")
    assert "`primary-key`" in report.render_markdown("en")


def test_prefects_temporary_server_is_given_time_for_its_first_start() -> None:
    """A fresh machine's first flow migrates Prefect's new database before its temporary
    server answers: Prefect's 20 seconds were not enough for `make demo` on two busy
    cores. Infitah gives it more, before Prefect reads its settings; an operator's
    own value still wins."""
    import os
    import subprocess
    import sys

    probe = (
        "import pipelines.flows.publish\n"
        "from prefect.settings import get_current_settings\n"
        "print(get_current_settings().server.ephemeral.startup_timeout_seconds)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_SERVER_EPHEMERAL")}
    given = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, check=True)  # fmt: skip
    assert int(given.stdout) >= 90
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "33"
    own = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert int(own.stdout) == 33
