"""The pieces of publish-all that need no server of their own: the token found at run time,
the publish flow failing on invalid data when asked (with its report still attached), and
what the parent says about each commune. Flows run under Prefect's test harness.
"""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import FlowRun
from prefect.states import Cancelled, Completed, Crashed, Failed, Running, State

from pipelines.credentials import TOKEN_BLOCK, TOKEN_ENV, portal_token
from pipelines.fanout import CommuneRun, commune_run, failure_message, summary_markdown
from pipelines.flows.publish import publish_flow

from .conftest import break_a_due_date

CKAN = "http://127.0.0.1:5050"


@pytest.fixture
def secret_token(prefect_harness: None) -> str:
    Secret(value="from-the-block").save(TOKEN_BLOCK, overwrite=True)
    return "from-the-block"


def test_token_comes_from_the_environment_before_the_secret_block(
    secret_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "from-the-environment")
    assert portal_token(CKAN) == "from-the-environment"
    monkeypatch.delenv(TOKEN_ENV)
    assert portal_token(CKAN) == secret_token
    assert portal_token("catalog") is None  # a folder needs no token


def test_no_token_anywhere_means_anonymous(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with get_client(sync_client=True) as client:
        for block in client.read_block_documents():
            if block.name == TOKEN_BLOCK:
                client.delete_block_document(block.id)
    assert portal_token(CKAN) is None


def test_invalid_commune_fails_the_run_with_its_report_attached(
    prefect_harness: None, ait_amira: Path, tmp_path: Path
) -> None:
    break_a_due_date(ait_amira)

    lenient = publish_flow(str(ait_amira), str(tmp_path / "catalog"))
    assert lenient["status"] == "invalid"  # the default is unchanged: a result, no failure
    state = publish_flow(
        str(ait_amira), str(tmp_path / "catalog"), fail_on_invalid=True, return_state=True
    )
    assert state.is_failed()
    assert "InvalidCommune: ait-amira: ✘ The data is not valid" in (state.message or "")
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    report = {a.key: a for a in artifacts}["validation-ait-amira"]
    assert "2024-13-45" in str(report.data)
    assert not (tmp_path / "catalog").exists()


def child(name: str, state: State | None) -> FlowRun:
    return FlowRun(flow_id=uuid4(), name=name, state=state)


def test_each_commune_is_told_apart_and_only_failures_fail_the_parent() -> None:
    invalid = Failed(
        message="Flow run encountered an exception: InvalidCommune: b: ✘ The data is not "
        "valid: fix the errors before publishing.\n7 tables, 42 rows, 1 error"
    )
    runs = [
        commune_run("a", child("publish-a", Completed()), "openness-programme-a: published 1.0.0"),
        commune_run("b", child("publish-b", invalid)),
        commune_run("c", child("publish-c", Crashed(message="Process exited with status 137"))),
        commune_run("d", child("publish-d", Failed(message="PortalAuthError: token refused"))),
        commune_run("e", child("publish-e", Running())),
        commune_run("f", child("publish-f", Cancelled(message="cancelled by an operator"))),
        commune_run("g", None, error=RuntimeError("no deployment publish/publish-commune")),
    ]
    assert [(r.commune, r.result) for r in runs] == [
        ("a", "done"), ("b", "invalid"), ("c", "crashed"), ("d", "failed"),
        ("e", "timed-out"), ("f", "cancelled"), ("g", "not-run"),
    ]  # fmt: skip
    assert runs[1].detail.startswith("✘ The data is not valid")  # the name is not repeated
    message = failure_message(runs)
    assert message.startswith("6 of 7 communes failed: b (invalid: ✘ The data is not valid")
    assert "c (crashed: Process exited with status 137)" in message
    assert "g (not-run: RuntimeError: no deployment publish/publish-commune)" in message
    assert "a (" not in message

    markdown = summary_markdown(runs, "communes", CKAN)
    failed, done = markdown.split("## Done")
    assert "| d | failed | PortalAuthError: token refused | publish-d |" in failed
    assert "1 error |" in failed  # one line per commune, even for a multi-line summary
    assert "| a | openness-programme-a: published 1.0.0 | publish-a |" in done
    assert markdown.startswith("# publish-all: 1 of 7 communes done")


def test_all_done_lists_no_failure() -> None:
    runs = [CommuneRun("a", "done", "openness-programme-a: unchanged 1.0.0", "publish-a")]
    markdown = summary_markdown(runs, "communes", "catalog")
    assert "## Failed" not in markdown and "1 of 1 communes done" in markdown
    assert "found" in summary_markdown([], "empty", "catalog")


def test_a_batch_tells_each_member_apart_or_its_own_fate_for_all() -> None:
    from types import SimpleNamespace

    from pipelines.fanout import batch_runs

    done = SimpleNamespace(name="publish-batch-1-of-2", state=None)
    rows = [
        {"member": "a", "result": "done", "detail": "openness-programme-a: published 1.0.0"},
        {"member": "b", "result": "invalid", "detail": "✘ The data is not valid. 1 error"},
        {"member": "x", "result": "bogus", "detail": ""},
    ]
    runs = batch_runs(["a", "b", "c", "x"], done, rows)  # type: ignore[arg-type]
    assert [(r.commune, r.result) for r in runs] == [
        ("a", "done"),
        ("b", "invalid"),
        ("c", "not-run"),
        ("x", "not-run"),
    ]
    assert runs[0].flow_run == "publish-batch-1-of-2" and not runs[0].failed and runs[1].failed
    lost = batch_runs(["d", "e"], None, None, error=RuntimeError("no deployment"))
    assert [(r.commune, r.result) for r in lost] == [("d", "not-run"), ("e", "not-run")]
    assert all("no deployment" in r.detail for r in lost)


def test_a_batch_run_publishes_its_members_and_lists_each_in_its_table(
    prefect_harness: None, ait_amira: Path, tmp_path: Path
) -> None:
    import json
    import shutil

    from pipelines.flows.publish_batch import publish_batch_flow

    from .conftest import DATASETS

    shutil.copytree(DATASETS / "tamanar", tmp_path / "tamanar")
    break_a_due_date(ait_amira)
    paths = [str(ait_amira), str(tmp_path / "tamanar")]
    state = publish_batch_flow(paths, str(tmp_path / "catalog"), return_state=True)
    assert state.is_failed()
    assert "1 of 2 members failed: ait-amira (invalid: ✘ The data is not valid" in (
        state.message or ""
    )
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    by_key = {a.key: a for a in artifacts}
    rows = json.loads(str(by_key["publish-batch"].data))
    assert [(r["member"], r["result"]) for r in rows] == [("ait-amira", "invalid"),
                                                          ("tamanar", "done")]  # fmt: skip
    assert rows[1]["detail"] == "openness-programme-07-211-01-09: published 1.0.0"
    assert "2024-13-45" in str(by_key["validation-ait-amira"].data)
    assert (tmp_path / "catalog" / "openness-programme-07-211-01-09" / "latest").exists()
