"""A publisher killed after every one of its calls to the real CKAN: "latest" is always one
whole version, files and DataStore, and a re-run converges.

Each publish runs in a forked child whose every answered CKAN call is counted; at call N
(the portal did the work, the publisher never heard back) the child kills itself with
SIGKILL, as a power cut would. N goes over the calls of a first publish and of an
update, one synthetic commune per N: every call under ``make crash``
(``INFITAH_CRASH_EVERY=1``, about a minute and a half), every 12th call and the last one
under ``make test``. The oracle is ``tests/source_oracle.py``: the member's CSV files against
the downloads and every DataStore row reached from the current resources, never
Infitah's own hashes.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import ckanapi
import pytest

from pipelines.publishing import publish
from pipelines.synth import synthesise

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .portal_state import ARCHIVE_SUFFIX, assert_consistent, assert_latest_whole
from .source_oracle import Tables, snapshot
from .test_faults import dataset_of, revise

pytestmark = [pytest.mark.ckan, pytest.mark.slow]
EVERY = int(os.environ.get("INFITAH_CRASH_EVERY", "12"))


def in_child(folder: Path, url: str, token: str, crash_at: int | None, calls: Path) -> int:
    """Publish in a forked child killed right after its ``crash_at``-th answered call;
    its exit status (-9 when killed). The child writes how many calls it made."""
    pid = os.fork()
    if pid == 0:  # the child: publish, then leave without running the parent's cleanup
        code = 1
        try:
            answered = [0]
            real = ckanapi.RemoteCKAN.call_action

            def counted(self: ckanapi.RemoteCKAN, *args: object, **kwargs: object) -> object:
                result = real(self, *args, **kwargs)  # type: ignore[arg-type]
                answered[0] += 1
                if answered[0] == crash_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return result

            ckanapi.RemoteCKAN.call_action = counted  # type: ignore[method-assign]
            status = publish(folder, url, token=token).status
            calls.write_text(str(answered[0]))
            code = 0 if status in ("published", "unchanged") else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def test_killed_after_every_call_latest_is_whole_and_a_rerun_converges(
    ckan_portal: Portal,  # noqa: F811
    tmp_path: Path,
) -> None:
    api = ckan_portal.api()
    url, token = ckan_portal.url, ckan_portal.token
    calls = tmp_path / "calls"
    # How many calls a whole first publish and a whole update make.
    reference = synthesise(1, tmp_path / "reference", seed=41)[0]
    ckan_portal.purge(dataset_of(reference), dataset_of(reference) + ARCHIVE_SUFFIX)
    assert in_child(reference, url, token, None, calls) == 0
    first_calls = int(calls.read_text())
    revise(reference)
    assert in_child(reference, url, token, None, calls) == 0
    update_calls = int(calls.read_text())
    # Several steps each (an update is about seven calls since a version's files go up
    # in one call), so the crash points fall between steps, not around one call.
    assert first_calls > 10 and update_calls > 5, (first_calls, update_calls)

    calls_of = {"first": first_calls, "update": update_calls}
    points = sorted({*range(1, max(calls_of.values()) + 1, EVERY), *calls_of.values()})
    folders = synthesise(len(points), tmp_path / "network", seed=42)
    names = [dataset_of(f) for f in folders]
    ckan_portal.purge(*names, *(n + ARCHIVE_SUFFIX for n in names))
    killed: dict[str, list[int]] = {"first": [], "update": []}
    for at, folder in zip(points, folders, strict=True):
        dataset = dataset_of(folder)
        sources: dict[str, Tables] = {"1.0.0": snapshot(folder)}
        for step, expected in (("first", (None, "1.0.0")), ("update", ("1.0.0", "1.0.1"))):
            if step == "update":
                revise(folder)
                sources["1.0.1"] = snapshot(folder)
            status = in_child(folder, url, token, at, calls)
            assert status in (-9, 0), f"{step} publish, crash after call {at}: exit {status}"
            if status == -9:
                killed[step].append(at)
            # What a reader finds right after the crash: one whole version, or none yet.
            shown = assert_latest_whole(api, dataset, sources)
            assert shown in expected, f"{step} publish, crash after call {at}: {shown}"
            # A re-run, as the operator would, converges.
            assert in_child(folder, url, token, None, calls) == 0, (step, at)
            assert assert_latest_whole(api, dataset, sources) == expected[-1], (step, at)
        # Both versions intact in the archive, files and DataStore.
        assert_consistent(api, dataset, "1.0.1", sources)
    # Each chosen call of both kinds of publish was a crash point once (the last one
    # too: killed after the switch, before it could say so).
    for step, total in calls_of.items():
        assert killed[step] == [at for at in points if at <= total], (step, killed[step])
