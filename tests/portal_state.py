"""What a journalist would find on the real CKAN after a rough publish: checked directly.

Used by the fault, kill, crash and concurrency tests: whatever happened in between, a
commune's dataset must be exactly one consistent version, with every earlier version
intact, judged against the member's source files (``tests/source_oracle.py``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import ckanapi
import requests

from .source_oracle import Rows, Tables, assert_datastore_holds, assert_same_rows, parse_csv

ARCHIVE_SUFFIX = "-versions"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extras(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras", [])}


def download(url: str) -> bytes:
    response = requests.get(url, timeout=60)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return response.content


def assert_latest_whole(
    api: ckanapi.RemoteCKAN, dataset: str, versions: dict[str, Tables]
) -> str | None:
    """Whatever state a publish left, "latest" is one whole version of the source: the
    dataset says which (or nothing is current yet), every resource belongs to it, and
    every table's download and every DataStore row reached from the current resource
    equal that version's source files. The version, or None."""
    try:
        package = api.action.package_show(id=dataset)
    except ckanapi.NotFound:
        return None
    version = extras(package).get("infitah_version")
    if version is None:
        return None
    assert package["version"] == version, dataset
    assert version in versions, f"{dataset}: version {version} was never published"
    source = versions[version]
    names = [r["name"] for r in package["resources"]]
    assert len(names) == len(set(names)), f"{dataset}: duplicate resources {names}"
    assert {r.get("infitah_version") for r in package["resources"]} == {version}, dataset
    current = {r["name"]: r for r in package["resources"]}
    for table, rows in source.items():
        assert table in current, f"{dataset}: no resource for {table}"
        resource = current[table]
        where = f"{dataset} {version}/{table}"
        assert_same_rows(where, rows, parse_csv(download(resource["url"])))
        assert not resource.get("datastore_active"), f"{where}: an unversioned DataStore table"
        assert resource.get("infitah_datastore_id"), f"{where}: no DataStore table named"
        assert_datastore_holds(api, where, resource["infitah_datastore_id"], rows)
    return str(version)


def assert_consistent(
    api: ckanapi.RemoteCKAN, dataset: str, version: str, versions: dict[str, Tables]
) -> dict[str, Any]:
    """``dataset`` is at ``version``; its archive holds exactly ``versions``, all intact.

    * "latest" is ``version``, whole (``assert_latest_whole``);
    * the archive: no file twice, only the expected versions (one new version per
      publish, never a second one from a retried write), every file downloadable with
      the bytes it was archived with, and every version's tables, as files and as
      DataStore rows, equal to that version's source files (a table that did not
      change is the earlier version's file).
    """
    assert assert_latest_whole(api, dataset, versions) == version, dataset
    package = api.action.package_show(id=dataset)
    archive = api.action.package_show(id=dataset + ARCHIVE_SUFFIX)
    labels = [r["name"] for r in archive["resources"]]
    assert len(labels) == len(set(labels)), f"{dataset}: duplicate archive files"
    assert {label.split("/", 1)[0] for label in labels} == set(versions), (dataset, sorted(labels))
    parsed: dict[str, Rows] = {}
    by_label = {r["name"]: r for r in archive["resources"]}
    for resource in archive["resources"]:
        data = download(resource["url"])
        assert sha256(data) == resource["infitah_sha256"], (dataset, resource["name"])
        if resource["name"].endswith(".csv"):
            parsed[resource["name"]] = parse_csv(data)
    for number, (name, source) in enumerate(sorted(versions.items(), key=_key)):
        earlier = [v for v, _ in sorted(versions.items(), key=_key)[: number + 1]]
        for table, rows in source.items():
            files = [f"{v}/{table}.csv" for v in earlier if f"{v}/{table}.csv" in parsed]
            assert files, f"{dataset}: {name}/{table}.csv was never archived"
            # The upload holding this version's rows (a table that did not change, or
            # came back to earlier rows, keeps the earlier file).
            holding = [f for f in files if parsed[f] == rows]
            label = holding[-1] if holding else files[-1]
            assert_same_rows(f"{dataset} archive {label}", rows, parsed[label])
            assert_datastore_holds(api, f"{dataset} archive {label}", by_label[label]["id"], rows)
    return dict(package)


def _key(item: tuple[str, Tables]) -> tuple[int, ...]:
    return tuple(int(n) for n in item[0].split("."))
