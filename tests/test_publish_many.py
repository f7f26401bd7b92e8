"""Many members in one process: read what is published once, skip the unchanged without
reading them, validate the others in worker processes, publish them with threads; each
member succeeds or fails alone and is told as one line."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipelines import publishing
from pipelines.publishing import MemberOutcome, publish_many
from pipelines.synth import synthesise

from .conftest import AIT_AMIRA, DATASETS, Validated, set_cells


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("network")
    synthesised = synthesise(4, folder / "synth", seed=11)
    for name in ("ait-amira", "tamanar"):
        shutil.copytree(DATASETS / name, folder / name)
    return sorted([*synthesised, folder / "ait-amira", folder / "tamanar"])


def test_every_member_is_published_then_none_is_read_again(
    network: list[Path], tmp_path: Path, validated: Validated, cli: Any
) -> None:
    catalog = tmp_path / "catalog"
    first = cli("publish", *map(str, network), "--to", str(catalog), "--json")
    assert first.code == 0, first.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert sorted(line["path"] for line in lines) == sorted(map(str, network))
    assert {line["status"] for line in lines} == {"published"}
    assert {line["version"] for line in lines} == {"1.0.0"}
    # Nothing changed: not one member is validated again.
    told: list[MemberOutcome] = []
    again = publish_many(network, str(catalog), told=told.append)
    assert [r.path for r in again] == network
    assert {r.outcome.status for r in again if r.outcome} == {"unchanged"}
    assert len(told) == len(network) and validated == []


def test_each_member_fails_alone_and_the_exit_code_says_the_worst(
    network: list[Path], tmp_path: Path, cli: Any
) -> None:
    members = tmp_path / "members"
    for path in network:
        shutil.copytree(path, members / path.name)
    set_cells(members / "ait-amira", "commitments", {(3, "start_date"): "2024-13-45"})
    catalog = tmp_path / "catalog"
    result = cli("publish", *sorted(str(p) for p in members.iterdir()), "--to", str(catalog),
                 "--lang", "fr")  # fmt: skip
    assert result.code == 1, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["ait-amira"].startswith("✘ Les données ne sont pas valides")
    assert all(v.startswith("✔ Version 1.0.0") for k, v in lines.items() if k != "ait-amira")
    assert not (catalog / "openness-programme-09-163-07-01").exists()
    # One member's dataset locked by another publisher: that member fails (portal: 3).
    shutil.copy(AIT_AMIRA / "commitments.csv", members / "ait-amira" / "commitments.csv")
    lock = catalog / ".locks" / "openness-programme-09-163-07-01.lock"
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = cli("publish", *sorted(str(p) for p in members.iterdir()), "--to",
                   str(catalog), "--json")  # fmt: skip
    assert busy.code == 3, busy.stderr
    by_name = {Path(j["path"]).name: j for j in map(json.loads, busy.stdout.splitlines())}
    amira = by_name.pop("ait-amira")
    assert (amira["status"], amira["key"], amira["exit_code"]) == ("error", "portal-busy", 3)
    assert {j["status"] for j in by_name.values()} == {"unchanged"}
    assert "Traceback" not in busy.stderr


def test_many_members_are_validated_in_worker_processes_a_few_here(
    network: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validated: Validated
) -> None:
    network = [Path(shutil.copytree(p, tmp_path / "members" / p.name)) for p in network]
    monkeypatch.setattr(publishing, "IN_PROCESS_AT_MOST", len(network) - 1)
    many = publish_many(network, str(tmp_path / "catalog"))
    assert {r.outcome.status for r in many if r.outcome} == {"published"}
    assert sorted(validated) == network and validated.pools == ["ProcessPoolExecutor"]
    # No worker outlives the run (one still ending at exit made Python print a traceback).
    assert multiprocessing.active_children() == []
    few = network[:2]
    for folder in few:
        set_cells(folder, "commitments", {(2, "title_fr"): "Titre revu"})
    again = publish_many(network, str(tmp_path / "catalog"))
    assert [r.outcome.status for r in again if r.outcome] == ["published"] * 2 + ["unchanged"] * (
        len(network) - 2
    )
    assert sorted(validated[len(network) :]) == few
    assert validated.pools == ["ProcessPoolExecutor", "ThreadPoolExecutor"]


def test_a_member_that_kills_its_validating_worker_fails_alone(
    network: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process that dies (out of memory on a huge file, say) breaks the pool:
    every member in flight is validated again alone, and only the one that kills its
    worker again fails, with words; the others are published."""
    import os

    culprit = network[1]
    real = publishing._validation_pool

    def deadly(members: int, workers: int) -> Any:
        pool = real(members, workers)
        submit = pool.submit

        def maybe_die(fn: Any, paths: list[Path] | Path) -> Any:
            # A batch (``gate_many``), or a member again alone (``gate``).
            held = paths if isinstance(paths, list) else [paths]
            return submit(os._exit, 9) if culprit in held else submit(fn, paths)

        pool.submit = maybe_die  # type: ignore[method-assign,assignment]
        return pool

    monkeypatch.setattr(publishing, "IN_PROCESS_AT_MOST", 0)
    monkeypatch.setattr(publishing, "_validation_pool", deadly)
    results = publish_many(network, str(tmp_path / "catalog"), workers=2)
    assert [r.path for r in results] == network
    failed = [r for r in results if r.error is not None]
    assert [r.path for r in failed] == [culprit]
    assert failed[0].error is not None and failed[0].error.key == "validation-crashed"
    assert "stopped the process" in failed[0].error.render("en")
    assert {r.outcome.status for r in results if r.outcome} == {"published"}


def test_a_file_that_cannot_be_read_is_that_members_error_not_the_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member's file the run cannot read (permissions, a disk error) leaves its source
    digest unknown: the member takes the full path, which names the file; the others
    are published (the digest's read once stopped the whole run with a traceback)."""
    import pathlib

    folders = [shutil.copytree(DATASETS / n, tmp_path / n) for n in ("ait-amira", "tamanar")]
    real = pathlib.Path.read_bytes

    def read_bytes(path: pathlib.Path) -> bytes:
        if path.name == "milestones.csv" and path.parent.name == "ait-amira":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    results = {r.path.name: r for r in publish_many(folders, str(tmp_path / "catalog"))}
    assert results["tamanar"].outcome is not None
    assert results["tamanar"].outcome.status == "published"
    error = results["ait-amira"].error
    assert error is not None and "milestones.csv" in error.render("en")
