"""The Solr stand-in answers what CKAN asks, the way Solr would (dev and tests only)."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.solr_standin import Index, parse, select, serve

DOCS = [
    {"index_id": "1", "id": "a", "name": "ait-amira", "title": "Programme d'ouverture Aït Amira",
     "tags": ["environment", "communication"], "state": "active", "site_id": "infitah-dev",
     "metadata_modified": "2026-01-02T00:00:00Z", "num_resources": 7, "capacity": "public"},
    {"index_id": "2", "id": "b", "name": "tamanar", "title": "Programme Tamanar",
     "tags": ["digitalisation"], "state": "active", "site_id": "infitah-dev",
     "metadata_modified": "2026-03-01T00:00:00Z", "num_resources": 3, "capacity": "public"},
    {"index_id": "3", "id": "c", "name": "old", "title": "Ancien programme", "tags": [],
     "state": "deleted", "site_id": "infitah-dev", "metadata_modified": "2025-01-01T00:00:00Z",
     "num_resources": 0, "capacity": "private"},
]  # fmt: skip


def names(index: Index, **params: str | list[str]) -> list[str]:
    query = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    return [d["name"] for d in select(index, query)["response"]["docs"]]


@pytest.fixture
def index() -> Index:
    idx = Index()
    idx.add([dict(d) for d in DOCS])
    return idx


def test_lucene_queries(index: Index) -> None:
    assert names(index, q="*:*", sort="name asc", fl="name") == ["ait-amira", "old", "tamanar"]
    assert names(index, q='name:"ait-amira"', fl="name") == ["ait-amira"]
    assert names(index, q="tags:environment OR tags:digitalisation", sort="name asc") == [
        "ait-amira", "tamanar"
    ]  # fmt: skip
    assert names(index, q="+state:active -name:tamanar") == ["ait-amira"]
    assert names(index, q="NOT state:active") == ["old"]
    assert names(index, q="name:ta*") == ["tamanar"]
    assert names(index, q="num_resources:[1 TO 5]") == ["tamanar"]
    assert names(index, q="metadata_modified:[2026-01-01T00:00:00Z TO *]", sort="name desc") == [
        "tamanar", "ait-amira"
    ]  # fmt: skip
    assert names(index, q="(tags:environment AND state:active) OR name:old", sort="name asc") == [
        "ait-amira", "old"
    ]  # fmt: skip


def test_ckan_style_search_with_filters_dismax_and_facets(index: Index) -> None:
    params = {
        "q": ["programme"], "defType": ["dismax"], "qf": ["name^4 title^4 tags^2 text"],
        "q.op": ["AND"], "fq": ["+site_id:\"infitah-dev\"", "+state:active", "+capacity:public"],
        "facet": ["true"], "facet.field": ["tags"], "facet.limit": ["50"],
        "facet.mincount": ["1"], "rows": ["1"], "start": ["0"], "fl": ["id name"],
        "sort": ["metadata_modified desc"], "wt": ["json"],
    }  # fmt: skip
    body = select(index, params)
    assert body["response"]["numFound"] == 2
    assert body["response"]["docs"] == [{"id": "b", "name": "tamanar"}]
    assert body["facet_counts"]["facet_fields"]["tags"] == [
        "communication", 1, "digitalisation", 1, "environment", 1
    ]  # fmt: skip


def test_delete_by_id_and_by_query(index: Index) -> None:
    index.delete(["a"], [])
    assert names(index, q="*:*", sort="name asc") == ["old", "tamanar"]
    index.delete([], ["state:deleted"])
    assert names(index, q="*:*") == ["tamanar"]


def test_parse_keeps_must_and_should_apart() -> None:
    doc = {"a": "x", "b": "y"}
    assert parse("+a:x +b:z").match(doc) is False
    assert parse("a:x b:z").match(doc) is True  # default OR
    assert parse("a:x b:z", default_and=True).match(doc) is False


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    schema = tmp_path / "schema.xml"
    schema.write_text('<schema name="ckan-2.12" version="1.6"/>', encoding="utf-8")
    srv = serve(0, tmp_path / "index.json", schema)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/solr/ckan"
    srv.shutdown()


def post(url: str, body: bytes, content_type: str) -> dict[str, object]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()  # type: ignore[no-any-return]


def test_http_ping_schema_xml_update_and_select(server: str, tmp_path: Path) -> None:
    assert json.loads(get(f"{server}/admin/ping/?wt=json"))["status"] == "OK"
    assert b'version="1.6"' in get(f"{server}/schema?wt=schema.xml")
    xml = (
        '<add><doc><field name="index_id">9</field><field name="id">z</field>'
        '<field name="name">zagora</field><field name="tags">a</field><field name="tags">b</field>'
        "</doc></add>"
    )
    post(f"{server}/update/?commit=true", xml.encode(), "text/xml; charset=utf-8")
    found = json.loads(get(f"{server}/select/?q=tags:b&wt=json&fl=name,tags"))
    assert found["response"]["docs"] == [{"name": "zagora", "tags": ["a", "b"]}]
    post(f"{server}/update/", b"<delete><query>name:zagora</query></delete>", "text/xml")
    assert json.loads(get(f"{server}/select/?q=*:*&wt=json"))["response"]["numFound"] == 0
    # The index is kept on disk, so a restarted stand-in still knows the datasets.
    post(
        f"{server}/update/",
        json.dumps([{"index_id": "8", "name": "kept"}]).encode(),
        "application/json",
    )
    assert [d["name"] for d in Index(tmp_path / "index.json").snapshot()] == ["kept"]
    form = urllib.parse.urlencode({"q": "name:kept", "wt": "json"}).encode()
    assert post(f"{server}/select/", form, "application/x-www-form-urlencoded")["response"] == {
        "numFound": 1, "start": 0, "docs": [{"index_id": "8", "name": "kept"}]
    }  # fmt: skip


def test_concurrent_updates_and_commits_lose_nothing(server: str) -> None:
    def writer(n: int) -> None:
        for i in range(25):
            doc = [{"index_id": f"{n}-{i}", "name": f"d{n}-{i}"}]
            post(f"{server}/update/?commit=true", json.dumps(doc).encode(), "application/json")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = json.loads(get(f"{server}/select/?q=*:*&rows=0&wt=json"))["response"]["numFound"]
    assert total == 200
