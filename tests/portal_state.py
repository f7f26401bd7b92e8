"""What a journalist would find on the real CKAN after a rough publish: checked directly.

Used by the fault, kill and concurrency tests: whatever happened in between, a commune's
dataset must be exactly one consistent version, with every earlier version intact.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import ckanapi
import requests

ARCHIVE_SUFFIX = "-versions"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extras(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras", [])}


def download(url: str) -> bytes:
    response = requests.get(url, timeout=60)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return response.content


def assert_consistent(
    api: ckanapi.RemoteCKAN, dataset: str, version: str, versions: set[str]
) -> dict[str, Any]:
    """``dataset`` is at ``version``; its archive holds exactly ``versions``, all intact.

    * "latest": the dataset's version and every resource's version agree, no resource
      name appears twice, and every table's bytes are the ones the version's hashes name;
    * the archive: no file twice, only the expected versions (one new version per
      publish, never a second one from a retried write), every file downloadable with
      the bytes it was archived with;
    * the DataStore: every table holds as many rows as its CSV.
    """
    package = api.action.package_show(id=dataset)
    meta = extras(package)
    assert (package["version"], meta.get("infitah_version")) == (version, version), dataset
    hashes = json.loads(meta["infitah_hashes"])
    names = [r["name"] for r in package["resources"]]
    assert len(names) == len(set(names)), f"{dataset}: duplicate resources {names}"
    assert {r.get("infitah_version") for r in package["resources"]} == {version}, dataset
    tables = [r for r in package["resources"] if f"table:{r['name']}" in hashes]
    assert tables, f"{dataset}: no table resources"
    for resource in tables:
        data = download(resource["url"])
        assert sha256(data) == hashes[f"table:{resource['name']}"], (dataset, resource["name"])
        rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8"), newline=""))) - 1
        assert resource.get("datastore_active"), (dataset, resource["name"])
        total = api.action.datastore_search(resource_id=resource["id"], limit=0)["total"]
        assert total == rows, f"{dataset}/{resource['name']}: DataStore {total} rows, CSV {rows}"
    archive = api.action.package_show(id=dataset + ARCHIVE_SUFFIX)
    labels = [r["name"] for r in archive["resources"]]
    assert len(labels) == len(set(labels)), f"{dataset}: duplicate archive files"
    assert {label.split("/", 1)[0] for label in labels} == versions, (dataset, sorted(labels))
    for resource in archive["resources"]:
        data = download(resource["url"])
        assert sha256(data) == resource["infitah_sha256"], (dataset, resource["name"])
    return package
