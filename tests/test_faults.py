"""Publishing through a network that fails, and publishers that die, on the real CKAN.

Between Infitah and the real local CKAN sits ``tests/fault_proxy.py``: it drops
connections (before and after the portal did the work), delays answers and answers
500/502/503 for a fraction of requests, deterministically per seed. Afterwards the
portal is checked directly, not through Infitah (``tests/portal_state.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipelines.errors import PortalError
from pipelines.portals import ckan as ckan_module
from pipelines.publishing import Outcome, publish
from pipelines.synth import synthesise

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import REPO
from .fault_proxy import KINDS, Decision, FaultConfig, FaultProxy
from .portal_state import ARCHIVE_SUFFIX, assert_consistent, assert_latest_whole
from .source_oracle import snapshot

pytestmark = [pytest.mark.ckan, pytest.mark.slow]

COMMUNES = 30
RATE = 0.2
# A publish that still fails after its retries (5 faults in a row) is run again, as an
# operator would: exit 3 means "nothing half-done, run it again".
RERUNS = 3


def dataset_of(folder: Path) -> str:
    code = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["x-commune-code"]
    return "openness-programme-" + code.replace(".", "-")


def revise(folder: Path) -> None:
    """Corrections of values (a title, a due date), no row added or removed: the next
    version is a patch, with the same row counts as the one before."""
    path = folder / "milestones.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    title, due = rows[0].index("title_fr"), rows[0].index("due_date")
    rows[1][title] += " (révisé)"
    rows[2][due] = (dt.date.fromisoformat(rows[2][due]) + dt.timedelta(days=1)).isoformat()
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def publish_until_done(folder: Path, url: str, token: str) -> tuple[Outcome, int]:
    """Publish; run again after a portal failure. The outcome and the number of runs."""
    for run in range(1, RERUNS + 1):
        try:
            return publish(folder, url, token=token), run
        except PortalError:
            if run == RERUNS:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait 50 ms, 100 ms, ... instead of 0.5 s, 1 s, ...: the same logic, sooner."""
    monkeypatch.setattr(ckan_module, "BACKOFF", 0.05)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return synthesise(COMMUNES, tmp_path_factory.mktemp("network"), seed=20)


@pytest.fixture
def fresh(ckan_portal: Portal, network: list[Path]) -> Iterator[list[Path]]:  # noqa: F811
    names = [dataset_of(f) for f in network]
    ckan_portal.purge(*names, *(n + ARCHIVE_SUFFIX for n in names))
    yield network


def test_thirty_communes_through_twenty_percent_faults_converge(
    ckan_portal: Portal,  # noqa: F811
    fresh: list[Path],
    quick_backoff: None,
) -> None:
    config = FaultConfig(rate=RATE, seed=5, delay=(0.05, 0.4))
    sources = {folder: {"1.0.0": snapshot(folder)} for folder in fresh}
    with FaultProxy(ckan_portal.url, config) as proxy:
        first = publish_all(fresh, proxy.url, ckan_portal.token)
        for folder in fresh:
            revise(folder)
            sources[folder]["1.0.1"] = snapshot(folder)
        second = publish_all(fresh, proxy.url, ckan_portal.token)
        faults = proxy.faults()
        requests_seen = len(proxy.log)
    assert [o.status for o in first] == ["published"] * COMMUNES
    assert {o.version for o in first} == {"1.0.0"}
    assert [o.status for o in second] == ["published"] * COMMUNES
    assert {(o.previous_version, o.version) for o in second} == {("1.0.0", "1.0.1")}
    # The faults really happened, of every kind, at about the configured rate.
    assert set(faults) == set(KINDS), faults
    assert 0.15 < sum(faults.values()) / requests_seen < 0.25, (faults, requests_seen)
    # The oracle reads every file and DataStore row of both versions: a few at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(
            pool.map(
                lambda f: assert_consistent(ckan_portal.api(), dataset_of(f), "1.0.1", sources[f]),
                fresh,
            )
        )


def publish_all(folders: list[Path], url: str, token: str) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda f: publish_until_done(f, url, token), folders))
    return [outcome for outcome, _ in results]


# --- SIGKILL in the middle of a publish --------------------------------------------------


class Killer:
    """Kills the publishing process right after the portal answered its n-th request
    (before the answer reaches it): the portal did the work, the publisher never knew."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.at: int | None = None
        self.seen = 0  # requests the portal answered since the last arm()
        self.killed = threading.Event()

    def arm(self, process: subprocess.Popen[str], at: int | None) -> None:
        self.process, self.at = process, at
        self.killed.clear()
        self.seen = 0

    def __call__(self, decision: Decision) -> None:
        self.seen += 1
        if self.process is not None and self.seen == self.at:
            self.process.send_signal(signal.SIGKILL)
            self.killed.set()


def run_publish(folder: Path, url: str, token: str, killer: Killer, at: int | None) -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "publish", str(folder), "--to", url, "--json"],
        cwd=REPO,
        env={**os.environ, "CKAN_API_TOKEN": token, "INFITAH_WORKERS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killer.arm(process, at)
    process.communicate(timeout=300)
    return process.returncode


def test_killed_publishers_leave_nothing_half_done_and_a_rerun_completes(
    ckan_portal: Portal,  # noqa: F811
    fresh: list[Path],
) -> None:
    rng = random.Random(7)
    killer = Killer()
    api = ckan_portal.api()
    with FaultProxy(ckan_portal.url, on_forwarded=killer) as proxy:
        # How many requests a whole publish makes: first publish and an update.
        reference = fresh[-1]
        assert run_publish(reference, proxy.url, ckan_portal.token, killer, None) == 0
        first_calls = killer.seen
        revise(reference)
        assert run_publish(reference, proxy.url, ckan_portal.token, killer, None) == 0
        update_calls = killer.seen
        killed_first = killed_update = 0
        for folder in fresh[:4]:
            sources = {"1.0.0": snapshot(folder)}
            at = rng.randint(1, first_calls - 1)
            assert run_publish(folder, proxy.url, ckan_portal.token, killer, at) == -9
            killed_first += killer.killed.is_set()
            assert assert_latest_whole(api, dataset_of(folder), sources) in (None, "1.0.0")
            assert run_publish(folder, proxy.url, ckan_portal.token, killer, None) == 0
            assert_consistent(api, dataset_of(folder), "1.0.0", sources)
            revise(folder)
            sources["1.0.1"] = snapshot(folder)
            at = rng.randint(1, update_calls - 1)
            assert run_publish(folder, proxy.url, ckan_portal.token, killer, at) == -9
            killed_update += killer.killed.is_set()
            # Until the re-run, the portal shows one whole version, old or new, in its
            # files and in its DataStore.
            assert assert_latest_whole(api, dataset_of(folder), sources) in ("1.0.0", "1.0.1")
            assert run_publish(folder, proxy.url, ckan_portal.token, killer, None) == 0
            assert_consistent(api, dataset_of(folder), "1.0.1", sources)
    assert (killed_first, killed_update) == (4, 4)
    # Each publish is still several steps apart (show, claim and upload, DataStore,
    # switch...), so the kills above fell between steps, not around a single call.
    assert first_calls > 10 and update_calls > 5, (first_calls, update_calls)
