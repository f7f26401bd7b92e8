"""Prefect's own engine end to end: a server on PostgreSQL, the deployments of prefect.yaml,
two process workers (all started by orchestration/orchestrate.sh), and publish-all fanning
out to the real local CKAN. What is asserted is what an operator would see: run states,
which worker ran what, artifacts, and the datasets on the portal.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from pipelines.synth import synthesise

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.ckan]

SCRIPT = REPO / "orchestration" / "orchestrate.sh"
# The test's own database, next to (never instead of) the checkout's `make orchestrate` one.
TEST_DB = f"prefect_{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}_test"
WORKERS = {"infitah-worker-1", "infitah-worker-2"}
SEED = 4242  # communes no other test publishes (the benchmark uses seed 7)
INVALID = "synthetic-01-151-07-13"


@dataclass(frozen=True)
class Orchestra:
    api_url: str
    env: dict[str, str]
    home: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def drop_test_database() -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qtA", "-c",
         f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def script(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def orchestra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orchestra]:
    """Server, pool, deployments and two workers, stopped and forgotten afterwards.

    The workers get no CKAN token in their environment: they must find the Secret block.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    home = tmp_path_factory.mktemp("prefect-home")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PREFECT_") and k != "CKAN_API_TOKEN"
    }
    env.update(
        PREFECT_HOME=str(home),
        INFITAH_PREFECT_PORT=str(free_port()),
        INFITAH_PREFECT_DB=TEST_DB,
        PREFECT_LOGGING_LEVEL="INFO",
        INFITAH_UPLOADS=str(home / "uploads"),  # where the counter's uploads are (its test)
    )
    drop_test_database()
    try:
        up = script("up", env)
        if up.returncode != 0:
            pytest.fail(f"orchestrate.sh up failed:\n{up.stderr[-4000:]}", pytrace=False)
        lines = up.stdout.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("PREFECT_API_URL="), up.stdout
        api_url = lines[0].split("=", 1)[1]
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield Orchestra(api_url, env, home)
    finally:
        down = script("down", env)
        drop_test_database()
        assert down.returncode == 0, down.stderr
        assert "stopped infitah-worker-1" in down.stderr, down.stderr


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def save_token_secret(token: str) -> None:
    from prefect.blocks.system import Secret

    await Secret(value=token).save("ckan-api-token", overwrite=True)


async def flow_runs_of(deployment: str) -> list[Any]:
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    async with get_client() as client:
        found = await client.read_deployment_by_name(deployment)
        return await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[found.id]))
        )


async def artifacts_of(flow_run_id: Any) -> dict[str, Any]:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.key}


def test_publish_all_spreads_communes_over_workers_and_isolates_the_invalid_one(
    orchestra: Orchestra,
    ckan_portal: Portal,  # noqa: F811
    tmp_path: Path,
) -> None:
    from prefect.deployments import run_deployment

    folder = tmp_path / "communes"
    communes = {p.name for p in synthesise(5, folder, seed=SEED)}
    assert INVALID in communes
    valid = sorted(communes - {INVALID})
    milestones = folder / INVALID / "milestones.csv"
    lines = milestones.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[6] = "2024-13-45"  # due_date: not a date
    lines[1] = ",".join(cells)
    milestones.write_text("".join(lines), encoding="utf-8")
    shutil.copytree(REPO / "datasets" / "reference", folder / "reference")  # not a commune
    datasets = {name: "openness-programme-" + name.removeprefix("synthetic-") for name in communes}
    for dataset in datasets.values():
        ckan_portal.purge(dataset, dataset + "-versions")
    run(save_token_secret(ckan_portal.token))

    parent = run_deployment(
        "publish-all/publish-all",
        parameters={"folder": str(folder), "destination": ckan_portal.url, "concurrency": 4,
                    "batch_size": 2},
        timeout=400,
        poll_interval=2,
    )  # fmt: skip

    assert parent.state is not None and parent.state.is_failed(), parent.state
    message = parent.state.message or ""
    assert f"1 of 5 communes failed: {INVALID} (invalid:" in message, message
    assert not any(name in message for name in valid), message
    summary = run(artifacts_of(parent.id))["publish-all"]
    assert summary.description == "4 of 5 communes done, 1 failed"
    failed_part, done_part = summary.data.split("## Done")
    assert INVALID in failed_part and "1 error," in failed_part
    for name in valid:
        assert f"| {name} | {datasets[name]}: published 1.0.0 |" in done_part

    # Three batch runs (2 + 2 + 1 members), one deployment run each, not one per member.
    children = run(flow_runs_of("publish-batch/publish-batch"))
    assert sorted(len(r.parameters["paths"]) for r in children) == [1, 2, 2]
    sent = [Path(p).name for r in children for p in r.parameters["paths"]]
    assert sorted(sent) == sorted(communes)
    (invalid_run,) = [r for r in children if str(folder / INVALID) in r.parameters["paths"]]
    assert invalid_run.state.is_failed()
    assert INVALID in (invalid_run.state.message or "")
    assert "The data is not valid" in (invalid_run.state.message or "")
    report = run(artifacts_of(invalid_run.id))[f"validation-{INVALID}"]
    assert "2024-13-45" in report.data
    for child in children:
        if child.id != invalid_run.id:
            assert child.state.is_completed(), child.state

    # Which worker ran each batch: workers label the runs they submit.
    ran_on = {r.name: r.labels.get("prefect.worker.name") for r in children}
    assert set(ran_on.values()) == WORKERS, ran_on

    api = ckanapi.RemoteCKAN(ckan_portal.url)  # anonymous: what the public sees
    for name in valid:
        assert api.action.package_show(id=datasets[name])["version"] == "1.0.0"
    with pytest.raises(ckanapi.NotFound):
        api.action.package_show(id=datasets[INVALID])

    # The token reached the workers through the Secret block only: never a parameter.
    for flow_run in [parent, *children]:
        assert ckan_portal.token not in json.dumps(flow_run.parameters)

    # Again, nothing changed: the parent knows the four published members are unchanged
    # from one bulk read and starts one batch, for the invalid member alone.
    again = run_deployment(
        "publish-all/publish-all",
        parameters={"folder": str(folder), "destination": ckan_portal.url, "batch_size": 2},
        timeout=400,
        poll_interval=2,
    )
    assert again.state is not None and again.state.is_failed(), again.state
    later = [r for r in run(flow_runs_of("publish-batch/publish-batch"))
             if r.id not in {c.id for c in children}]  # fmt: skip
    assert [r.parameters["paths"] for r in later] == [[str(folder / INVALID)]]
    summary = run(artifacts_of(again.id))["publish-all"].data
    for name in valid:
        assert f"| {name} | {datasets[name]}: unchanged 1.0.0 |" in summary


def test_the_counter_publishes_through_the_deployment_on_a_worker(
    orchestra: Orchestra, tmp_path: Path
) -> None:
    """The steward's counter, when the server has ``publish/publish-commune``: the run is
    the deployment's, a worker takes it, reads the upload from the shared folder, and
    records the outcome the page shows."""
    import time

    from pipelines import uploads
    from pipelines.web.runs import Runs

    catalog = tmp_path / "catalog"
    files = [(p.name, p.read_bytes()) for p in sorted((REPO / "datasets" / "ait-amira").iterdir())]
    upload = uploads.store(orchestra.home / "uploads", "09.163.07.01", files)
    runs = Runs(str(catalog), approval=False)
    runs.start(upload, None, "fr")
    state = runs.state(upload, "fr")
    for _ in range(200):
        state = runs.state(upload, "fr")
        if state.outcome is not None and state.state == "COMPLETED":
            break
        time.sleep(1)
    assert state.outcome is not None and state.outcome["status"] == "published", state
    assert (catalog / "openness-programme-09-163-07-01" / "versions" / "1.0.0").is_dir()
    (flow_run,) = [
        r for r in run(flow_runs_of("publish/publish-commune")) if str(r.id) == state.flow_run_id
    ]
    assert flow_run.parameters["upload"] == upload.id and "path" not in flow_run.parameters
    assert flow_run.labels.get("prefect.worker.name") in WORKERS


def test_workers_ask_for_runs_every_second(orchestra: Orchestra) -> None:
    """Prefect's workers poll every 10 s by default: each deployment run (the parent, then
    each wave of batches) waited 2.5-5 s for a worker, more than a no-op's own work."""
    for pid_file in sorted((orchestra.home / "run").glob("infitah-worker-*.pid")):
        environ = Path(f"/proc/{pid_file.read_text().strip()}/environ").read_bytes()
        assert b"PREFECT_WORKER_QUERY_SECONDS=1\0" in environ, pid_file.name
    assert list((orchestra.home / "run").glob("infitah-worker-*.pid"))


def test_the_nightly_network_deployment_is_scheduled_in_casablanca_time(
    orchestra: Orchestra,
) -> None:
    from prefect import get_client

    async def read() -> tuple[Any, list[Any]]:
        async with get_client() as client:
            nightly = await client.read_deployment_by_name("aggregate/network-nightly")
            others = [
                await client.read_deployment_by_name(name)
                for name in (
                    "validate/validate-commune",
                    "publish/publish-commune",
                    "publish-all/publish-all",
                )
            ]
        return nightly, others

    nightly, others = run(read())
    assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in nightly.schedules] == [
        ("0 2 * * *", "Africa/Casablanca", True)
    ]
    assert all(not d.schedules for d in others)
    assert {d.work_pool_name for d in [nightly, *others]} == {"infitah"}
    # The runs start in the deploying checkout (INFITAH_ROOT, resolved at deploy time).
    assert nightly.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
    ]
