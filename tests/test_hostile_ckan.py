"""The hostile corpus of ``test_hostile.py`` against the real CKAN: not one request reaches it.

Each broken commune is published to the local CKAN through the (fault-free) proxy,
which records every request: validation refuses the data before the portal is even
read, so the proxy sees nothing and the portal holds no trace of the commune.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import ckanapi
import pytest

from pipelines.errors import InfitahError
from pipelines.publishing import publish

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import AIT_AMIRA
from .fault_proxy import FaultProxy
from .portal_state import ARCHIVE_SUFFIX
from .test_hostile import REFUSED, personal_data_everywhere

pytestmark = pytest.mark.ckan

DATASET = "openness-programme-09-163-07-01"
CASES = {**{name: case.breaks for name, case in REFUSED.items()},
         "personal-data-everywhere": personal_data_everywhere}  # fmt: skip


def test_no_hostile_commune_reaches_the_portal(ckan_portal: Portal, tmp_path: Path) -> None:  # noqa: F811
    ckan_portal.purge(DATASET, DATASET + ARCHIVE_SUFFIX)
    verdicts = {}
    with FaultProxy(ckan_portal.url) as proxy:
        for name, breaks in CASES.items():
            folder = tmp_path / name
            shutil.copytree(AIT_AMIRA, folder)
            breaks(folder)
            try:
                verdicts[name] = publish(folder, proxy.url, token=ckan_portal.token).status
            except InfitahError as exc:
                verdicts[name] = f"exit {exc.exit_code}"
        requests_seen = proxy.log
    assert verdicts == {name: "invalid" for name in CASES}
    assert requests_seen == []
    api = ckan_portal.api()
    for name in (DATASET, DATASET + ARCHIVE_SUFFIX):
        with pytest.raises(ckanapi.NotFound):
            api.action.package_show(id=name)
