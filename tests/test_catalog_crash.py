"""The local catalog killed at every step of a publish (SIGKILL, as a power cut would):
whatever the step, a reader sees one whole version, and a re-run converges.

Each publish runs in a forked child that ``INFITAH_CRASH_AT=N`` kills just before its
Nth change to the catalog's files (``portals/catalog.py``'s ``_step``); N goes from 1 up
to the first run that finishes. The oracle reads the files directly: which version
``latest`` shows and the bytes it serves, ``dataset.json``, the index, the changelog,
the page, the DCAT, and what was left behind; the tables are compared row for row with
the member's source files (``tests/source_oracle.py``), not with Infitah's hashes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pipelines.portals import catalog
from pipelines.publishing import publish

from .conftest import set_cells
from .source_oracle import Tables, assert_same_rows, parse_csv, snapshot

DATASET = "openness-programme-09-163-07-01"
NEW_TITLE = "Élaborer le plan de travail détaillé (revu)"
NEW_DUE = "2025-06-30"


def in_child(folder: Path, destination: Path, crash_at: int | None) -> int:
    """Publish in a forked child; its exit status, or -9 when it was killed."""
    pid = os.fork()
    if pid == 0:  # the child: publish, then leave without running the parent's cleanup
        code = 1
        try:
            if crash_at is not None:
                os.environ[catalog.CRASH_ENV] = str(crash_at)
                catalog._STEPS[0] = 0
            code = (
                0 if publish(folder, str(destination)).status in ("published", "unchanged") else 1
            )
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def assert_latest_holds(home: Path, tables: Tables, where: str) -> None:
    """Every table ``latest`` serves is the source's, row for row (read with ``csv``)."""
    for table, rows in tables.items():
        served = parse_csv((home / "latest" / f"{table}.csv").read_bytes())
        assert_same_rows(f"{where}: latest/{table}", rows, served)


def shown_version(home: Path) -> str:
    """The version ``latest`` shows, read as a reader would: through the link."""
    latest = home / "latest"
    assert latest.is_dir(), "latest is missing"
    return json.loads((latest / "datapackage.json").read_text(encoding="utf-8"))["version"]


def test_killed_at_every_step_latest_is_whole_and_a_rerun_converges(
    ait_amira: Path, tmp_path: Path
) -> None:
    pristine = tmp_path / "v1"
    sources = {"1.0.0": snapshot(ait_amira)}
    assert publish(ait_amira, str(pristine)).status == "published"
    set_cells(ait_amira, "milestones", {(2, "title_fr"): NEW_TITLE, (3, "due_date"): NEW_DUE})
    sources["1.0.1"] = snapshot(ait_amira)

    crashed_at = 0
    for step in range(1, 400):
        target = tmp_path / f"crash-{step}"
        shutil.copytree(pristine, target, symlinks=True)
        home = target / DATASET
        status = in_child(ait_amira, target, crash_at=step)
        if status == 0:
            break  # the publish needs fewer steps than this: every one was tried
        assert status == -9, f"step {step}: exit {status}"
        crashed_at = step
        # What a reader sees right after the crash: one whole version, old or new.
        version = shown_version(home)
        assert version in sources, step
        assert_latest_holds(home, sources[version], f"step {step}")
        committed = json.loads((home / "dataset.json").read_text(encoding="utf-8"))["version"]
        assert committed in ("1.0.0", "1.0.1"), step
        for rel in json.loads((home / "dataset.json").read_text(encoding="utf-8"))[
            "files"
        ].values():
            assert (home / rel).is_file(), (step, rel)  # what dataset.json names exists
        # A re-run, as the operator would, converges everywhere.
        assert in_child(ait_amira, target, crash_at=None) == 0, step
        info = json.loads((home / "dataset.json").read_text(encoding="utf-8"))
        assert info["version"] == "1.0.1" and shown_version(home) == "1.0.1", step
        assert_latest_holds(home, sources["1.0.1"], f"step {step}, re-run")
        for version, tables in sources.items():  # every version's files, whole
            for table, rows in tables.items():
                archived = home / "versions" / version / f"{table}.csv"
                assert_same_rows(f"step {step} {version}", rows, parse_csv(archived.read_bytes()))
        index = json.loads((target / "index.json").read_text(encoding="utf-8"))
        entry = next(d for d in index["datasets"] if d["name"] == DATASET)
        assert entry["version"] == "1.0.1", step
        changelog = (home / "CHANGELOG.md").read_text(encoding="utf-8")
        assert changelog.index("## 1.0.1") < changelog.index("## 1.0.0"), step
        assert 'id="v1.0.1"' in (home / "index.html").read_text(encoding="utf-8"), step
        assert '"1.0.1"' in (target / "catalog.ttl").read_text(encoding="utf-8"), step
        leftovers = [p for p in target.rglob(".*") if p.name not in (".locks",) and
                     p.parent.name != ".locks"]  # fmt: skip
        assert leftovers == [], (step, leftovers)
        shutil.rmtree(target)
    assert crashed_at > 20  # every file-system step of a whole publish was tried
