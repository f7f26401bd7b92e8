"""The real local CKAN 2.12 (portal/portal.sh) does what the publisher relies on.

Every name is unique to the run and purged afterwards: the portal outlives test sessions
and other test sessions may use it at the same time.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import ckanapi
import pytest
import requests

from tests.ckan_fixtures import PORTAL_SH, REPO, Portal

pytestmark = pytest.mark.ckan


@pytest.fixture
def api(ckan_portal: Portal) -> ckanapi.RemoteCKAN:
    return ckan_portal.api()


@pytest.fixture
def org(api: ckanapi.RemoteCKAN) -> Iterator[dict[str, Any]]:
    name = f"infitah-test-{uuid.uuid4().hex[:10]}"
    created = api.action.organization_create(
        name=name,
        title="Commune de test / جماعة الاختبار",
        extras=[{"key": "commune_code", "value": "07.211.01.09"}],
    )
    yield created
    for package in api.action.package_search(
        fq=f'owner_org:"{created["id"]}"', include_private=True, rows=1000
    )["results"]:
        api.action.dataset_purge(id=package["id"])
    api.action.organization_purge(id=created["id"])


@pytest.fixture
def dataset(api: ckanapi.RemoteCKAN, org: dict[str, Any]) -> dict[str, Any]:
    hashes = {"projects.csv": "sha256:" + "0" * 64}
    created: dict[str, Any] = api.action.package_create(
        name=org["name"] + "-ds",
        title="Programme d'ouverture — برنامج الانفتاح",
        notes="Openness programme of a test commune",
        version="1.0.0",
        license_id="cc-by",
        owner_org=org["id"],
        extras=[
            {"key": "infitah_version", "value": "1.0.0"},
            {"key": "infitah_hashes", "value": json.dumps(hashes, sort_keys=True)},
        ],
    )
    return created


def extras(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras", [])}


def test_up_prints_exactly_two_lines_and_is_idempotent(ckan_portal: Portal) -> None:
    proc = subprocess.run(
        ["bash", str(PORTAL_SH), "up"], capture_output=True, text=True, cwd="/", timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0] == f"CKAN_URL={ckan_portal.url}"
    assert lines[1] == f"CKAN_API_TOKEN={ckan_portal.token}"  # the same token again
    assert ckan_portal.url.startswith("http://127.0.0.1:")
    assert ckan_portal.token not in repr(ckan_portal)  # never in a test report
    assert ckan_portal["url"] == ckan_portal.url
    status = subprocess.run(["bash", str(PORTAL_SH), "status"], capture_output=True, text=True)
    assert status.returncode == 0, status.stderr
    assert status.stdout == ""


def test_site_and_plugins(api: ckanapi.RemoteCKAN, ckan_portal: Portal) -> None:
    status = api.action.status_show()
    assert status["ckan_version"].startswith("2.12")
    assert status["site_url"] == ckan_portal.url
    assert {"activity", "datastore", "scheming_datasets", "dcat"} <= set(status["extensions"])


def test_organization_and_dataset_with_extras(
    api: ckanapi.RemoteCKAN, org: dict[str, Any], dataset: dict[str, Any]
) -> None:
    assert extras(org) == {"commune_code": "07.211.01.09"}
    assert org["name"] in api.action.organization_list()
    shown = api.action.package_show(id=dataset["name"])
    assert shown["title"] == "Programme d'ouverture — برنامج الانفتاح"
    assert shown["version"] == "1.0.0"
    assert shown["license_id"] == "cc-by"
    assert shown["organization"]["name"] == org["name"]
    assert extras(shown)["infitah_version"] == "1.0.0"
    assert json.loads(extras(shown)["infitah_hashes"]) == {"projects.csv": "sha256:" + "0" * 64}


def test_upload_downloads_byte_identical(
    api: ckanapi.RemoteCKAN, dataset: dict[str, Any], ckan_portal: Portal
) -> None:
    # Bigger than CKAN's default 10 MB limit, with bytes that are not UTF-8.
    payload = "code;nom\n07.211.01.09;تمنار\n".encode("windows-1256") + os.urandom(11 * 2**20)
    resource = api.action.resource_create(
        package_id=dataset["id"],
        name="projects.csv",
        format="CSV",
        infitah_sha256=hashlib.sha256(payload).hexdigest(),
        upload=("projects.csv", io.BytesIO(payload)),
    )
    assert resource["url_type"] == "upload"
    assert resource["url"] == (
        f"{ckan_portal.url}/dataset/{dataset['id']}/resource/{resource['id']}/download/projects.csv"
    )
    assert resource["infitah_sha256"] == hashlib.sha256(payload).hexdigest()  # free-form field
    downloaded = requests.get(resource["url"], timeout=60)
    downloaded.raise_for_status()
    assert downloaded.content == payload
    assert api.action.resource_show(id=resource["id"])["size"] == len(payload)


def test_datastore_create_and_search(api: ckanapi.RemoteCKAN, dataset: dict[str, Any]) -> None:
    resource = api.action.resource_create(
        package_id=dataset["id"], name="projects (table)", url="", format="CSV"
    )
    fields = [
        {"id": "code", "type": "text"},
        {"id": "title_ar", "type": "text"},
        {"id": "budget", "type": "numeric"},
        {"id": "progress", "type": "int"},
        {"id": "start", "type": "date"},
        {"id": "done", "type": "bool"},
    ]
    records = [
        {"code": "P1", "title_ar": "تهيئة الساحة", "budget": "1250000.50", "progress": 40,
         "start": "2024-01-15", "done": False},
        {"code": "P2", "title_ar": "بوابة المعطيات", "budget": "300000", "progress": 100,
         "start": "2023-06-01", "done": True},
    ]  # fmt: skip
    api.action.datastore_create(
        resource_id=resource["id"], fields=fields, records=records, primary_key=["code"], force=True
    )
    assert api.action.resource_show(id=resource["id"])["datastore_active"] is True
    found = api.action.datastore_search(resource_id=resource["id"], sort="code")
    assert found["total"] == 2
    types = {f["id"]: f["type"] for f in found["fields"]}
    assert types == {
        "_id": "int",
        "code": "text",
        "title_ar": "text",
        "budget": "numeric",
        "progress": "int4",
        "start": "date",
        "done": "bool",
    }
    first = found["records"][0]
    assert first["title_ar"] == "تهيئة الساحة"
    assert first["budget"] == 1250000.5
    assert first["start"] == "2024-01-15"
    assert first["done"] is False
    done = api.action.datastore_search(resource_id=resource["id"], filters={"done": True})
    assert [r["code"] for r in done["records"]] == ["P2"]
    text = api.action.datastore_search(resource_id=resource["id"], q="المعطيات")
    assert [r["code"] for r in text["records"]] == ["P2"]


def test_patch_history_and_search(
    api: ckanapi.RemoteCKAN, org: dict[str, Any], dataset: dict[str, Any]
) -> None:
    api.action.package_patch(
        id=dataset["id"],
        version="1.1.0",
        notes="Second release",
        extras=[
            {"key": "infitah_version", "value": "1.1.0"},
            *(e for e in dataset["extras"] if e["key"] == "infitah_hashes"),
        ],
    )
    shown = api.action.package_show(id=dataset["name"])
    assert shown["version"] == "1.1.0"
    assert shown["notes"] == "Second release"
    assert extras(shown)["infitah_version"] == "1.1.0"
    assert "infitah_hashes" in extras(shown)

    activity = api.action.package_activity_list(id=dataset["id"])
    assert [a["activity_type"] for a in activity][:1] == ["changed package"]
    assert activity[-1]["activity_type"] == "new package"
    before = api.action.activity_data_show(id=activity[-1]["id"], object_type="package")
    assert before["version"] == "1.0.0"

    def names(**params: Any) -> list[str]:
        return [p["name"] for p in api.action.package_search(**params)["results"]]

    assert names(q="ouverture", fq=f"organization:{org['name']}") == [dataset["name"]]
    assert names(q="الانفتاح", fq=f"organization:{org['name']}") == [dataset["name"]]
    assert names(q=f'name:"{dataset["name"]}"') == [dataset["name"]]
    assert names(fq="infitah_version:1.1.0 AND organization:" + org["name"]) == [dataset["name"]]
    assert names(fq="infitah_version:1.0.0 AND organization:" + org["name"]) == []
    faceted = api.action.package_search(
        fq=f"organization:{org['name']}", **{"facet.field": '["organization", "license_id"]'}
    )
    assert faceted["count"] == 1
    assert faceted["search_facets"]["organization"]["items"][0]["count"] == 1
    assert faceted["facets"]["license_id"] == {"cc-by": 1}
    org_shown = api.action.organization_show(id=org["name"], include_datasets=True)
    assert org_shown["package_count"] == 1


def test_dcat_export(dataset: dict[str, Any], ckan_portal: Portal) -> None:
    response = requests.get(f"{ckan_portal.url}/dataset/{dataset['name']}.ttl", timeout=30)
    response.raise_for_status()
    assert "dcat:Dataset" in response.text


def test_repo_root_is_the_scripts_parent() -> None:
    assert (REPO / "portal" / "portal.sh").is_file()
