"""The real local CKAN (portal/portal.sh), started once per test session."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ckanapi
import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Portal:
    url: str
    token: str

    def api(self) -> ckanapi.RemoteCKAN:
        return ckanapi.RemoteCKAN(self.url, apikey=self.token)

    def purge(self, *names: str) -> None:
        """Forget datasets so a test starts from nothing (the portal outlives test runs)."""
        api = self.api()
        for name in names:
            with contextlib.suppress(ckanapi.NotFound):
                api.action.dataset_purge(id=name)


@pytest.fixture(scope="session")
def ckan_portal() -> Iterator[Portal]:
    proc = subprocess.run(
        ["bash", str(REPO / "portal" / "portal.sh"), "up"],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    if proc.returncode != 0:
        pytest.fail(f"the local CKAN did not start:\n{proc.stderr[-3000:]}", pytrace=False)
    values = dict(line.split("=", 1) for line in proc.stdout.strip().splitlines())
    assert set(values) == {"CKAN_URL", "CKAN_API_TOKEN"}, proc.stdout
    yield Portal(values["CKAN_URL"], values["CKAN_API_TOKEN"])
