"""Synthetic communes: the same seed gives the same bytes, valid unless errors are planted,
and exactly the planted errors are found where the list says."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.synth import PLANTABLE, synthesise
from pipelines.validation import validate

from .conftest import run_cli


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_communes(tmp_path: Path) -> None:
    first = synthesise(6, tmp_path / "a", seed=11)
    synthesise(6, tmp_path / "b", seed=11)
    other = synthesise(6, tmp_path / "c", seed=12)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert len(tree(tmp_path / "a")) == 6 * 8
    assert {f.name for f in first} != {f.name for f in other}


def test_synthetic_communes_are_valid_and_marked_synthetic(tmp_path: Path) -> None:
    folders = synthesise(8, tmp_path, seed=3)
    assert len(folders) == 8
    for folder in folders:
        report = validate(folder).report
        assert report.valid, (folder.name, [f.code for f in report.errors])
        descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
        assert descriptor["x-synthetic"] is True
        assert "SYNTHETIC" in descriptor["description"]
        for table in ("action_plans", "commitments", "milestones"):
            text = (folder / f"{table}.csv").read_text("utf-8")
            statuses = {line.rsplit(",", 1)[-1] for line in text.splitlines()[1:]}
            assert statuses == {"synthetic"}, table


def test_planted_errors_are_exactly_what_validation_finds(tmp_path: Path) -> None:
    out = tmp_path / "planted"
    result = run_cli("synth", "--communes", "3", "--out", str(out), "--seed", "7",
                     "--plant-errors", "7")  # fmt: skip
    assert result.code == 0, result.stderr
    assert "3 synthetic communes" in result.stdout
    planted = json.loads((out / "planted-errors.json").read_text("utf-8"))
    assert len(planted) == 7
    assert {p["code"] for p in planted} == set(PLANTABLE)
    found = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        body = run_cli("validate", str(folder), "--json").json()
        found += [(folder.name, e["table"], e["row"], e["code"]) for e in body["errors"]]
    assert sorted(found) == sorted(
        (p["commune"], p["table"], p["line"], p["code"]) for p in planted
    )


def test_cli_refuses_a_bad_count(tmp_path: Path) -> None:
    result = run_cli("synth", "--communes", "0", "--out", str(tmp_path))
    assert result.code == 2
    assert not any(tmp_path.iterdir())
