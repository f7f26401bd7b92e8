"""One publish sequence: the CLI and the Prefect flow give the same outcome for the same
folder (valid, invalid, unchanged), because both call ``publishing``'s steps."""

from __future__ import annotations

import inspect
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipelines.flows.aggregate import aggregate_flow
from pipelines.flows.publish import publish_flow
from pipelines.flows.publish_all import publish_all_flow

from .conftest import AIT_AMIRA, break_a_due_date, run_cli

DATASET = "openness-programme-09-163-07-01"


def outcome(result: dict[str, Any]) -> tuple[Any, ...]:
    return result["status"], result["dataset"], result["version"], result["previous_version"]


def by_cli(folder: Path, catalog: Path) -> tuple[Any, ...]:
    result = run_cli("publish", str(folder), "--to", str(catalog), "--json")
    assert result.code in (0, 1), result.stderr
    return outcome(result.json())


def by_flow(folder: Path, catalog: Path) -> tuple[Any, ...]:
    return outcome(publish_flow(str(folder), str(catalog)))


def test_cli_and_flow_give_the_same_outcomes(prefect_harness: None, tmp_path: Path) -> None:
    folder = shutil.copytree(AIT_AMIRA, tmp_path / "ait-amira")
    invalid = break_a_due_date(shutil.copytree(AIT_AMIRA, tmp_path / "broken" / "ait-amira"))
    cases = {
        "first": (folder, ("published", DATASET, "1.0.0", None)),
        "again": (folder, ("unchanged", DATASET, "1.0.0", "1.0.0")),
        "invalid": (invalid, ("invalid", DATASET, None, None)),
    }
    for case, (path, expected) in cases.items():
        cli_side = by_cli(path, tmp_path / "cli-catalog")
        flow_side = by_flow(path, tmp_path / "flow-catalog")
        assert cli_side == flow_side == expected, case
    cli_files = sorted(p.name for p in (tmp_path / "cli-catalog" / DATASET / "latest").iterdir())
    flow_files = sorted(p.name for p in (tmp_path / "flow-catalog" / DATASET / "latest").iterdir())
    assert cli_files == flow_files
    for name in cli_files:
        if name.endswith(".csv"):  # the data (other files carry the time of publishing)
            assert (tmp_path / "cli-catalog" / DATASET / "latest" / name).read_bytes() == (
                tmp_path / "flow-catalog" / DATASET / "latest" / name
            ).read_bytes(), name
    descriptors = [
        json.loads((tmp_path / side / DATASET / "latest" / "datapackage.json").read_bytes())
        for side in ("cli-catalog", "flow-catalog")
    ]
    assert descriptors[0]["resources"] == descriptors[1]["resources"]


@pytest.mark.parametrize("flow", [publish_flow, aggregate_flow, publish_all_flow])
def test_no_flow_takes_a_token_as_a_parameter(flow: Any) -> None:
    """Prefect stores parameters in clear: tokens are looked up inside the run."""
    parameters = inspect.signature(flow.fn).parameters
    assert not [name for name in parameters if "token" in name.lower()], parameters
