"""The real local CKAN (portal/portal.sh), started once per test session.

Use it with ``from tests.ckan_fixtures import ckan_portal`` in a conftest or a test module
(``tests/portal/conftest.py`` re-exports it for the tests under ``tests/portal``).
If the portal cannot be started the tests that need it FAIL with the end of the script's
stderr: they are never skipped.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ckanapi
import pytest

REPO = Path(__file__).resolve().parent.parent
PORTAL_SH = REPO / "portal" / "portal.sh"
START_TIMEOUT = 1800  # a first run installs CKAN


@dataclass(frozen=True)
class Portal:
    url: str
    token: str = field(repr=False)  # never in a test report

    def api(self) -> ckanapi.RemoteCKAN:
        return ckanapi.RemoteCKAN(self.url, apikey=self.token)

    def purge(self, *names: str) -> None:
        """Forget datasets so a test starts from nothing (the portal outlives test runs)."""
        api = self.api()
        for name in names:
            with contextlib.suppress(ckanapi.NotFound):
                api.action.dataset_purge(id=name)

    def __getitem__(self, key: str) -> str:  # portal["url"], portal["token"]
        return {"url": self.url, "token": self.token}[key]


def start_portal() -> Portal:
    """Run ``portal.sh up`` and read its two lines; fail (never skip) if it cannot."""
    try:
        proc = subprocess.run(
            ["bash", str(PORTAL_SH), "up"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=START_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-3000:]
        text = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
        pytest.fail(f"the local CKAN did not start in {START_TIMEOUT} s:\n{text}", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"the local CKAN did not start (portal.sh up exited {proc.returncode}):\n"
            f"{proc.stderr[-3000:]}",
            pytrace=False,
        )
    values = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in ("CKAN_URL", "CKAN_API_TOKEN"):
            values[key] = value.strip()
    if set(values) != {"CKAN_URL", "CKAN_API_TOKEN"} or not all(values.values()):
        pytest.fail(
            "portal.sh up did not print CKAN_URL=... and CKAN_API_TOKEN=...:\n"
            f"{proc.stderr[-3000:]}",
            pytrace=False,
        )
    return Portal(values["CKAN_URL"], values["CKAN_API_TOKEN"])


@pytest.fixture(scope="session")
def ckan_portal() -> Iterator[Portal]:
    yield start_portal()
