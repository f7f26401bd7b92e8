"""What we publish passes Frictionless's own validator, on both portals.

A member's tables refer to the communes reference (``commune_code`` -> ``communes.code``),
so every release ships the member's own row of it: the package is valid on its own, as a
journalist downloads it. Judged by frictionless (its library API, as
``frictionless validate`` does), not by our code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import frictionless
import pytest
import requests

from pipelines.portals.ckan import CkanPortal
from pipelines.publishing import publish

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import DATASETS, run_cli

MEMBERS = ("ait-amira", "tamanar")


def invalid_resources(descriptor: Path) -> dict[str, list[str]]:
    report = frictionless.Package(str(descriptor)).validate()
    return {
        task.name: [f"{e.type}: {e.note}" for e in task.errors]
        for task in report.tasks
        if not task.valid
    } | ({"package": [e.note for e in report.errors]} if report.errors else {})


def test_every_catalog_release_is_a_valid_data_package(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    for member in MEMBERS:
        assert publish(DATASETS / member, str(catalog)).status == "published"
    result = run_cli("aggregate", "--from", str(catalog), "--to", str(catalog))
    assert result.code == 0, result.stderr
    descriptors = sorted(catalog.glob("*/versions/*/datapackage.json"))
    assert len(descriptors) == len(MEMBERS) + 1  # and the network's
    for descriptor in descriptors:
        assert invalid_resources(descriptor) == {}, descriptor
    member = catalog / "openness-programme-09-163-07-01" / "latest"
    communes = (member / "communes.csv").read_text(encoding="utf-8").splitlines()
    assert len(communes) == 2 and communes[1].startswith("09.163.07.01,Ait Amira,آيت عميرة,")


def test_a_release_whose_reference_row_is_missing_is_invalid_for_frictionless(
    tmp_path: Path,
) -> None:
    """The check above can fail: the same release without its reference row."""
    catalog = tmp_path / "catalog"
    publish(DATASETS / "ait-amira", str(catalog))
    copy = shutil.copytree(catalog / "openness-programme-09-163-07-01" / "latest", tmp_path / "v")
    (copy / "communes.csv").write_text((copy / "communes.csv").read_text().splitlines()[0] + "\n")
    assert "action_plans" in invalid_resources(copy / "datapackage.json")


@pytest.mark.ckan
def test_every_ckan_release_is_a_valid_data_package(
    ckan_portal: Portal,  # noqa: F811
    tmp_path: Path,
) -> None:
    names = [f"openness-programme-{c}" for c in ("09-163-07-01", "07-211-01-09")]
    ckan_portal.purge(*names, *(f"{n}-versions" for n in names))
    for member in MEMBERS:
        outcome = publish(DATASETS / member, ckan_portal.url, token=ckan_portal.token)
        assert outcome.status == "published"
    published = {
        d.name: d
        for d in CkanPortal(ckan_portal.url, ckan_portal.token).datasets("openness-programme-")
    }
    for name in names:
        folder = tmp_path / name
        folder.mkdir()
        for file, url in published[name].files.items():
            response = requests.get(url, headers={"Authorization": ckan_portal.token}, timeout=60)
            response.raise_for_status()
            (folder / file).write_bytes(response.content)
        assert invalid_resources(folder / "datapackage.json") == {}, name
