"""The CKAN token appears nowhere: grep everything a run leaves behind.

A run of the Prefect ``publish`` flow and of the CLI (a first publish, an update, a
no-op, a portal failure), then every place the token could leak is read: stdout and
stderr, the Python and Prefect logs, the flow and task runs' parameters, the
artifacts, the reports and every file the portal now serves.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import requests
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter

from pipelines.flows.publish import publish_flow

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import run_cli
from .portal_state import ARCHIVE_SUFFIX
from .test_faults import revise

pytestmark = pytest.mark.ckan

DATASET = "openness-programme-09-163-07-01"


def prefect_records(flow_run_id: UUID) -> list[str]:
    """Everything the Prefect API keeps of a flow run, as text."""
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id={"any_": [flow_run_id]})  # type: ignore[arg-type]
        )
        artifacts = client.read_artifacts()
    texts = [flow_run.model_dump_json()]
    texts += [t.model_dump_json() for t in task_runs]
    texts += [log.model_dump_json() for log in logs]
    texts += [a.model_dump_json() for a in artifacts]
    assert logs, "the flow run left no logs: nothing was grepped"
    assert artifacts, "the flow run left no artifacts: nothing was grepped"
    return texts


def readable(content: bytes) -> list[str]:
    """A served file as text; a workbook (a zip) as the text of each of its parts."""
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [archive.read(name).decode("utf-8") for name in archive.namelist()]
    return [content.decode("utf-8")]


def served_files(portal: Portal) -> list[str]:
    """Every file of the dataset and of its archive, and their metadata."""
    api = portal.api()
    texts = []
    for name in (DATASET, DATASET + ARCHIVE_SUFFIX):
        package: dict[str, Any] = api.action.package_show(id=name)
        texts.append(json.dumps(package))
        for resource in package["resources"]:
            texts += readable(requests.get(resource["url"], timeout=60).content)
    assert len(texts) > 10
    return texts


def test_the_token_appears_in_no_output_log_artifact_or_file(
    ckan_portal: Portal,  # noqa: F811
    ait_amira: Path,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    ckan_portal.purge(DATASET, DATASET + ARCHIVE_SUFFIX)
    token = ckan_portal.token
    monkeypatch.setenv("CKAN_API_TOKEN", token)
    # Everything, whatever PREFECT_LOGGING_LEVEL says (`make test` sets WARNING): urllib3,
    # requests, ckanapi, and Prefect's loggers, whose records also go to its API.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="prefect")
    texts: list[str] = []

    state = publish_flow(str(ait_amira), destination=ckan_portal.url, return_state=True)
    assert state.is_completed(), state
    assert state.result()["status"] == "published"
    assert state.state_details.flow_run_id is not None
    texts += prefect_records(state.state_details.flow_run_id)

    revise(ait_amira)
    outputs = [
        run_cli("publish", str(ait_amira), "--to", ckan_portal.url, "--json"),
        run_cli("publish", str(ait_amira), "--to", ckan_portal.url),  # unchanged
        run_cli("publish", str(ait_amira), "--to", ckan_portal.url, "--dry-run", "--json"),
        run_cli("publish", str(ait_amira), "--to", "http://127.0.0.1:9", "--json"),
    ]
    assert [r.code for r in outputs] == [0, 0, 0, 3]
    assert outputs[0].json()["version"] == "1.0.1"
    for result in outputs:
        texts += [result.stdout, result.stderr]

    captured = capfd.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    assert "package_revise" in caplog.text or "api/3/action" in caplog.text, "no HTTP logs seen"
    texts += served_files(ckan_portal)
    leaks = [text[:200] for text in texts if token in text]
    assert leaks == []
