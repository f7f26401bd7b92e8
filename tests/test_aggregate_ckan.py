"""The network view on the real local CKAN: 20 synthetic communes published, then combined
from the portal and published back as the network's own dataset."""

from __future__ import annotations

import collections
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from pipelines.aggregate import harvest
from pipelines.publishing import publish
from pipelines.synth import synthesise

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import run_cli
from .network_oracle import (
    TABLES,
    assert_same_indicators,
    expected_indicators,
    keyed,
    published_indicators,
    rows,
    source_tables,
)

pytestmark = pytest.mark.ckan

SEED = 4242
AS_OF = "2025-06-30"
# Synthetic communes: their rows are counted on purpose (the default is reported only).
COUNTED = ("reported", "synthetic")
COUNT = [arg for status in COUNTED for arg in ("--count", status)]
NETWORK = "remacto-network-programmes"


def programme_names(portal: Portal) -> list[str]:
    api = portal.api()
    names: list[str] = []
    while True:
        page = api.action.package_search(
            fq="name:openness-programme-*", rows=100, start=len(names), include_private=True
        )
        names += [p["name"] for p in page["results"]]
        if not page["results"] or len(names) >= page["count"]:
            return names


@pytest.fixture(scope="module")
def network(ckan_portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # noqa: F811
    # The network is every programme on the portal: start from one holding only ours.
    ckan_portal.purge(*programme_names(ckan_portal), NETWORK, f"{NETWORK}-versions")
    assert programme_names(ckan_portal) == []
    folders = synthesise(20, tmp_path_factory.mktemp("communes"), seed=SEED)
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda f: publish(f, ckan_portal.url, ckan_portal.token), folders))
    assert {o.status for o in outcomes} == {"published"}
    env = {"CKAN_API_TOKEN": ckan_portal.token}
    result = run_cli("aggregate", "--from", ckan_portal.url, "--to", ckan_portal.url,
                     "--as-of", AS_OF, *COUNT, "--json", env=env)  # fmt: skip
    assert result.code == 0, result.stderr
    package = ckan_portal.api().action.package_show(id=NETWORK)
    return {
        "portal": ckan_portal,
        "folders": folders,
        "body": result.json(),
        "resources": {r["name"]: r for r in package["resources"]},
        "package": package,
    }


def download(resource: dict[str, Any]) -> bytes:
    response = requests.get(resource["url"], timeout=60)
    assert response.status_code == 200, resource["url"]
    return response.content


def test_the_network_dataset_is_published_with_every_file(network: dict[str, Any]) -> None:
    body = network["body"]
    assert (body["status"], body["version"], body["communes"]) == ("published", "1.0.0", 20)
    assert body["url"] == f"{network['portal'].url}/dataset/{NETWORK}"
    package = network["package"]
    assert package["version"] == "1.0.0"
    org = network["portal"].api().action.organization_show(id=package["owner_org"])
    assert org["name"] == "remacto"
    names = list(network["resources"])
    assert names[:8] == [*TABLES, "indicators"]
    for name in (*TABLES, "indicators"):
        assert f"{name}.excel" in names
    charts = [n for n in names if n.startswith("chart-")]
    assert len(charts) == 4
    for chart in charts:
        assert download(network["resources"][chart]).startswith(b"\x89PNG")
    assert download(network["resources"]["README.md"]).startswith(b"# Programmes d'ouverture")
    excel = download(network["resources"]["indicators.excel"])
    assert excel.startswith(b"\xef\xbb\xbflevel;level_label_fr;level_label_ar;code;")
    assert not download(network["resources"]["indicators"]).startswith(b"\xef\xbb\xbf")


def test_network_tables_hold_exactly_the_union_of_the_communes_rows(
    network: dict[str, Any],
) -> None:
    source = source_tables(network["folders"])
    for table in TABLES:
        got_rows = rows(download(network["resources"][table]))
        got = keyed(table, got_rows)
        assert len(got) == len(got_rows), table
        assert got == keyed(table, source[table]), table


def test_indicators_equal_an_independent_computation_and_are_in_the_datastore(
    network: dict[str, Any],
) -> None:
    data = download(network["resources"]["indicators"])
    got = published_indicators(data)
    assert_same_indicators(got, expected_indicators(network["folders"], AS_OF, counted=COUNTED))
    api = network["portal"].api()
    search = api.action.datastore_search(
        resource_id=network["resources"]["indicators"]["infitah_datastore_id"], limit=0
    )
    assert search["total"] == len(got)


def test_commune_datasets_carry_the_journalists_files(network: dict[str, Any]) -> None:
    api = network["portal"].api()
    name = "openness-programme-" + network["folders"][0].name.removeprefix("synthetic-")
    resources = {r["name"]: r for r in api.action.package_show(id=name)["resources"]}
    excel = download(resources["milestones.excel"])
    assert excel.startswith(b"\xef\xbb\xbfmilestone_id;")
    assert b"status;status_label_fr;status_label_ar" in excel.split(b"\r\n", 1)[0]
    assert b"| `milestone_id` |" in download(resources["README.md"])


def test_harvest_reads_the_latest_version_of_every_commune(network: dict[str, Any]) -> None:
    portal = network["portal"]
    harvested = harvest(portal.url, portal.token)
    assert len(harvested) == 20
    code, tables = sorted(harvested.items())[0]
    folder = next(f for f in network["folders"] if f.name.endswith(code.replace(".", "-")))
    for table in TABLES:
        source = rows((Path(folder) / f"{table}.csv").read_bytes())
        assert tables[table].to_dict("records") == source, table


def test_aggregating_again_writes_nothing(network: dict[str, Any]) -> None:
    portal = network["portal"]
    result = run_cli("aggregate", "--from", portal.url, "--to", portal.url, "--as-of", AS_OF,
                     *COUNT, "--json", env={"CKAN_API_TOKEN": portal.token})  # fmt: skip
    assert result.code == 0, result.stderr
    assert (result.json()["status"], result.json()["version"]) == ("unchanged", "1.0.0")
    after = portal.api().action.package_show(id=NETWORK)
    assert after["metadata_modified"] == network["package"]["metadata_modified"]


# Last in this module: it publishes a new version of a member.
def test_a_night_after_one_member_changed_lists_names_and_reads_that_member_alone(
    network: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The members are listed by name and version only (``fl``: no resources); the one
    whose version changed is asked where its files are, the others come from the
    network's current release; the network then holds every member's rows as published."""
    import datetime as dt
    import shutil

    from pipelines import aggregate
    from pipelines.portals import ckan

    from .conftest import set_cells

    portal = network["portal"]
    folders = list(network["folders"])
    folders[3] = Path(shutil.copytree(folders[3], tmp_path / folders[3].name))
    set_cells(folders[3], "commitments", {(2, "title_fr"): "Titre revu cette nuit"})
    changed = publish(folders[3], portal.url, portal.token)
    assert changed.version == "1.0.1"
    calls: list[tuple[str, bool, str]] = []
    real = ckan.CkanPortal._call

    def counted(self: Any, action: str, settled: Any = None, **data: Any) -> Any:
        calls.append((action, "fl" in data, str(data.get("id", ""))))
        return real(self, action, settled, **data)

    monkeypatch.setattr(ckan.CkanPortal, "_call", counted)
    read: list[str] = []
    real_read = ckan.CkanPortal.read
    monkeypatch.setattr(ckan.CkanPortal, "read", lambda p, f: read.append(f) or real_read(p, f))
    result = aggregate.aggregate(portal.url, portal.url, portal.token,
                                 as_of=dt.date.fromisoformat(AS_OF), counted=COUNTED)  # fmt: skip
    assert (result.outcome.status, result.outcome.version) == ("published", "1.0.1")
    searches = [with_fl for action, with_fl, _ in calls if action == "package_search"]
    assert searches and all(searches)
    shown = {i for action, _, i in calls
             if action == "package_show" and i.startswith("openness-programme-")}  # fmt: skip
    assert shown == {changed.dataset}
    # Of that member, only the table that changed is downloaded (the others are the
    # network release's rows, which write the bytes its version records): each table's
    # CSV is read once, from the network's release, and the commitments once more.
    names = collections.Counter(f.rsplit("/", 1)[-1] for f in read)
    assert {t: names[f"{t}.csv"] for t in TABLES} == {
        t: 2 if t == "commitments" else 1 for t in TABLES
    }
    resources = {r["name"]: r for r in portal.api().action.package_show(id=NETWORK)["resources"]}
    source = source_tables(folders)
    for table in TABLES:
        assert keyed(table, rows(download(resources[table]))) == keyed(table, source[table]), table
