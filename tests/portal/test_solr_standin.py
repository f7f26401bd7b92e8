"""The Solr stand-in on its own (portal/solr_standin.py): queries, updates, HTTP, threads."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal import solr_standin as solr

# The shape of CKAN's schema.xml: analysed text fields, string fields, dynamic fields.
SCHEMA_XML = b"""<?xml version="1.0"?>
<schema name="ckan-2.11" version="1.6">
  <types>
    <fieldType name="string" class="solr.StrField"/>
    <fieldType name="int" class="solr.IntPointField"/>
    <fieldType name="date" class="solr.DatePointField"/>
    <fieldType name="text" class="solr.TextField"/>
  </types>
  <fields>
    <field name="index_id" type="string"/>
    <field name="id" type="string"/>
    <field name="name" type="string"/>
    <field name="title" type="text"/>
    <field name="notes" type="text"/>
    <field name="tags" type="string"/>
    <field name="text" type="text"/>
    <field name="num_resources" type="int"/>
    <field name="metadata_modified" type="date"/>
    <dynamicField name="extras_*" type="text"/>
    <dynamicField name="*" type="string"/>
  </fields>
</schema>
"""
SCHEMA = solr.Schema.from_xml(SCHEMA_XML)

DOCS: list[dict[str, Any]] = [
    {
        "index_id": "i1",
        "id": "d1",
        "name": "budget-2024",
        "title": "Commune budget 2024",
        "notes": "Annual budget of the commune of Aït Amira",
        "tags": ["budget", "finance"],
        "organization": "ait-amira",
        "state": "active",
        "capacity": "public",
        "site_id": "default",
        "entity_type": "package",
        "dataset_type": "dataset",
        "num_resources": 3,
        "metadata_modified": "2024-03-01T10:00:00Z",
        "permission_labels": ["public"],
    },
    {
        "index_id": "i2",
        "id": "d2",
        "name": "projects",
        "title": "Projects of the action plan",
        "notes": "Projects, milestones and budget lines",
        "tags": ["plan"],
        "organization": "tamanar",
        "state": "active",
        "capacity": "private",
        "site_id": "default",
        "entity_type": "package",
        "dataset_type": "dataset",
        "num_resources": 1,
        "metadata_modified": "2024-05-01T10:00:00Z",
        "permission_labels": ["member-org2"],
    },
    {
        "index_id": "i3",
        "id": "d3",
        "name": "old-budget",
        "title": "Old budget",
        "notes": "Deleted",
        "tags": ["budget"],
        "organization": "ait-amira",
        "state": "deleted",
        "capacity": "public",
        "site_id": "default",
        "entity_type": "package",
        "dataset_type": "dataset",
        "num_resources": 0,
        "metadata_modified": "2023-01-01T10:00:00Z",
        "permission_labels": ["public"],
    },
]


def ids(query: str, **kwargs: Any) -> set[str]:
    node = solr.parse(query, schema=SCHEMA, **kwargs)
    return {d["id"] for d in DOCS if node.match(d)}


QUERIES: list[tuple[str, set[str]]] = [
        ("*:*", {"d1", "d2", "d3"}),
        ("", {"d1", "d2", "d3"}),
        ("name:projects", {"d2"}),
        ('name:"budget-2024" OR id:"budget-2024"', {"d1"}),
        ('name:"d2" OR id:"d2"', {"d2"}),
        ('+site_id:"default" +state:active', {"d1", "d2"}),
        ("+capacity:public +state:active", {"d1"}),
        ("state:active AND NOT organization:tamanar", {"d1"}),
        ("state:active -organization:tamanar", {"d1"}),
        ("-state:deleted", {"d1", "d2"}),
        ("!state:deleted", {"d1", "d2"}),
        ("tags:budget", {"d1", "d3"}),
        ("tags:(plan OR finance)", {"d1", "d2"}),
        ("num_resources:[1 TO 3]", {"d1", "d2"}),
        ("num_resources:{1 TO 3]", {"d1"}),
        ("num_resources:[1 TO *]", {"d1", "d2"}),
        ("metadata_modified:[2024-01-01T00:00:00Z TO *]", {"d1", "d2"}),
        ("name:budg*", {"d1"}),  # a string field: whole values only
        ("name:budget", set()),
        ("name:Budget-2024", set()),  # ... and case-sensitive
        ("title:BUDGET", {"d1", "d3"}),  # a text field: words, case-folded
        ("name:*budget*", {"d1", "d3"}),
        ("name:projec?s", {"d2"}),
        ('title:"budget 2024"', {"d1"}),
        ('title:"2024 budget"', set()),
        ("organization:*", {"d1", "d2", "d3"}),
        ("(name:projects OR name:old-budget) AND state:active", {"d2"}),
        ("name:projects || name:old-budget", {"d2", "d3"}),
        ("name:projects && state:active", {"d2"}),
        ('+permission_labels:("public" OR "member-org2")', {"d1", "d2", "d3"}),
        ('+permission_labels:("member-org2")', {"d2"}),
        ('+entity_type:package AND +(id:"d3" OR name:"d3") AND +site_id:"default"', {"d3"}),
        ("{!lucene} name:projects", {"d2"}),
        ("amira", {"d1", "d3"}),  # default field: the words of every field
        ("AMIRA", {"d1", "d3"}),  # case folding
        ("annual", {"d1"}),
        ("milestones budget", {"d1", "d2", "d3"}),  # q.op=OR by default
        ("name:projects AND name:old-budget", set()),
        ('+id:"d1" -name:"budget-2024"', set()),
        ('name:"nothing" OR title:budget', {"d1", "d3"}),  # a text clause: no shortcut
        ('+name:"budget-2024" +title:commune', {"d1"}),
]  # fmt: skip


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_lucene_queries(query: str, expected: set[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_select_finds_what_reading_every_document_finds(query: str, expected: set[str]) -> None:
    """Lookups by exact value (the index's map of string fields) are a shortcut, never a
    different answer: same documents, in the index's order, with or without filters."""
    index = solr.Index(schema=SCHEMA)
    index.add([dict(d) for d in DOCS])
    found = select(index, q=query, fl="id", rows="100")["response"]["docs"]
    assert [d["id"] for d in found] == [d["id"] for d in DOCS if d["id"] in expected]
    filtered = select(index, q=query, fq=['+site_id:"default"'], fl="id", rows="100")
    wanted = {d["id"] for d in DOCS if d.get("site_id") == "default"} & expected
    assert {d["id"] for d in filtered["response"]["docs"]} == wanted


def test_default_operator_and() -> None:
    assert ids("milestones budget", default_and=True) == {"d2"}


def test_schema_field_kinds() -> None:
    assert SCHEMA.is_text("title") and SCHEMA.is_text("extras_infitah_version")
    assert SCHEMA.is_text(None)  # the default field
    assert not SCHEMA.is_text("name") and not SCHEMA.is_text("infitah_version")
    # Without a schema, every field is text: lenient matching.
    assert {d["id"] for d in DOCS if solr.parse("name:budget").match(d)} == {"d1", "d3"}


@pytest.mark.parametrize(
    ("spec", "clauses", "expected"),
    [
        ("100%", 4, 4),
        ("1", 4, 1),
        ("-1", 4, 3),
        ("75%", 3, 2),
        ("-25%", 3, 3),
        ("2<-1 5<80%", 1, 1),
        ("2<-1 5<80%", 2, 2),
        ("2<-1 5<80%", 3, 2),
        ("2<-1 5<80%", 5, 4),
        ("2<-1 5<80%", 10, 8),
        ("", 3, 3),
        ("5", 0, 0),
    ],
)
def test_min_match(spec: str, clauses: int, expected: int) -> None:
    assert solr.min_match(spec, clauses) == expected


def index_with(docs: list[dict[str, Any]]) -> Any:
    index = solr.Index(schema=SCHEMA)
    index.add(docs)
    return index


def select(index: Any, **params: str | list[str]) -> dict[str, Any]:
    return solr.select(index, {k: v if isinstance(v, list) else [v] for k, v in params.items()})


def test_select_like_package_search() -> None:
    """What CKAN's package_search sends: dismax over qf, fq list, facets, sort, paging."""
    index = index_with(DOCS)
    body = select(
        index,
        q="budget commune",
        defType="dismax",
        qf="name^4 title^4 tags^2 groups^2 text",
        mm="2<-1 5<80%",
        fq=["+dataset_type:dataset", '+site_id:"default"', "+state:active", "+capacity:public"],
        fl="id name score",
        sort="score desc, metadata_modified desc",
        rows="10",
        start="0",
        wt="json",
        facet="true",
        **{"facet.field": ["organization", "tags"], "facet.limit": "50", "facet.mincount": "1"},
    )
    assert body["responseHeader"]["status"] == 0
    assert body["response"]["numFound"] == 1
    assert body["response"]["start"] == 0
    [doc] = body["response"]["docs"]
    assert set(doc) == {"id", "name", "score"}
    assert doc["name"] == "budget-2024"
    facets = body["facet_counts"]["facet_fields"]
    assert facets["organization"] == ["ait-amira", 1]
    assert facets["tags"] == ["budget", 1, "finance", 1]


def test_dismax_min_match() -> None:
    index = index_with(DOCS)
    common = {"defType": "edismax", "qf": "title notes"}
    assert select(index, q="annual plan", **common)["response"]["numFound"] == 0
    found = select(index, q="annual plan", mm="1", **common)["response"]["docs"]
    assert {d["id"] for d in found} == {"d1", "d2"}
    found = select(index, q="budget plan", **common)["response"]["docs"]
    assert {d["id"] for d in found} == {"d2"}  # title and notes together
    assert {
        d["id"] for d in select(index, q="budget -old", mm="1", **common)["response"]["docs"]
    } == {
        "d1",
        "d2",
    }


def test_sort_paging_and_fields() -> None:
    index = index_with(DOCS)
    body = select(index, q="*:*", sort="metadata_modified desc", fl="id", rows="2", start="0")
    assert [d["id"] for d in body["response"]["docs"]] == ["d2", "d1"]
    assert body["response"]["numFound"] == 3
    body = select(index, q="*:*", sort="metadata_modified desc", fl="id", rows="2", start="2")
    assert [d["id"] for d in body["response"]["docs"]] == ["d3"]
    body = select(index, q="*:*", sort="num_resources asc, name desc", fl="id,name")
    assert [d["id"] for d in body["response"]["docs"]] == ["d3", "d2", "d1"]
    assert select(index, q="*:*", rows="0")["response"]["docs"] == []
    full = select(index, q="id:d1")["response"]["docs"][0]
    assert full == DOCS[0]


def test_facets_limit_and_mincount() -> None:
    index = index_with(DOCS)
    params = {"facet": "true", "facet.field": "tags", "facet.limit": "1", "facet.mincount": "1"}
    assert select(index, q="*:*", **params)["facet_counts"]["facet_fields"]["tags"] == [
        "budget",
        2,
    ]
    params["facet.limit"] = "-1"
    params["facet.mincount"] = "2"
    assert select(index, q="*:*", **params)["facet_counts"]["facet_fields"]["tags"] == [
        "budget",
        2,
    ]
    assert "facet_counts" not in select(index, q="*:*")


def test_update_json_and_xml() -> None:
    index = solr.Index()
    solr.update(index, json.dumps([DOCS[0]]).encode(), "application/json")
    solr.update(index, json.dumps({"add": {"doc": DOCS[1]}, "commit": {}}).encode(), "")
    assert {d["id"] for d in index.snapshot()} == {"d1", "d2"}
    # Same uniqueKey: the document is replaced, not duplicated.
    solr.update(index, json.dumps([{**DOCS[0], "title": "New"}]).encode(), "application/json")
    assert sorted(d["title"] for d in index.snapshot()) == ["New", "Projects of the action plan"]
    solr.update(index, json.dumps({"delete": {"id": "i2"}}).encode(), "application/json")
    assert [d["id"] for d in index.snapshot()] == ["d1"]
    xml = (
        b'<add><doc><field name="index_id">x1</field><field name="id">dx</field>'
        b'<field name="tags">a</field><field name="tags">b</field></doc></add>'
    )
    solr.update(index, xml, "text/xml")
    assert index.docs["x1"]["tags"] == ["a", "b"]
    solr.update(index, b'<delete><query>+site_id:"default"</query></delete>', "text/xml")
    assert [d["id"] for d in index.snapshot()] == ["dx"]
    solr.update(index, b"<delete><id>x1</id></delete>", "text/xml")
    solr.update(index, b"<commit/>", "text/xml")
    assert index.snapshot() == []


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    schema = tmp_path / "schema.xml"
    schema.write_bytes(SCHEMA_XML)
    httpd = solr.serve(0, tmp_path / "index.json", schema)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/solr/ckan", httpd.index
    httpd.shutdown()
    httpd.server_close()


def http(url: str, data: bytes | None = None, content_type: str = "application/json") -> Any:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        return json.loads(body) if "json" in response.headers["Content-Type"] else body


def test_http_endpoints(server: tuple[str, Any]) -> None:
    base, _ = server
    assert http(f"{base}/admin/ping?wt=json")["status"] == "OK"
    assert b'name="ckan-2.11"' in http(f"{base}/schema?wt=schema.xml")
    assert b'name="ckan-2.11"' in http(f"{base}/admin/file/?file=schema.xml")
    http(f"{base}/update/?commit=true", json.dumps(DOCS).encode())
    query = urllib.parse.urlencode([("q", "+state:active"), ("fq", "+capacity:public")])
    assert http(f"{base}/select/?{query}&wt=json")["response"]["numFound"] == 1
    # pysolr POSTs long queries as a form.
    form = urllib.parse.urlencode([("q", "tags:budget"), ("fl", "id"), ("wt", "json")])
    body = http(f"{base}/select/", form.encode(), "application/x-www-form-urlencoded")
    assert sorted(d["id"] for d in body["response"]["docs"]) == ["d1", "d3"]
    with pytest.raises(urllib.error.HTTPError) as error:
        http(f"{base}/update", b"{not json")
    assert error.value.code == 400
    with pytest.raises(urllib.error.HTTPError):
        http(f"{base}/nothing-here")


def test_concurrent_updates_deletes_and_searches(server: tuple[str, Any]) -> None:
    base, _ = server
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(40):
                doc = {"index_id": f"w{n}-{i}", "id": f"w{n}-{i}", "site_id": "default"}
                doc["state"] = "active"
                http(f"{base}/update?commit=true", json.dumps([doc]).encode())
                if i % 2:
                    payload = {"delete": {"query": f'+id:"w{n}-{i}"'}, "commit": {}}
                    http(f"{base}/update?commit=true", json.dumps(payload).encode())
                http(f"{base}/select?q=state:active&rows=5&wt=json")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert http(f"{base}/select?q=*:*&rows=0")["response"]["numFound"] == 8 * 20


def test_index_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "index.json"
    index = solr.Index(path, save_every=60)
    index.add(DOCS)
    index.delete(["i3"], [])
    index.flush()
    again = solr.Index(path)
    assert sorted(again.docs) == ["i1", "i2"]


def test_index_written_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "index.json"
    index = solr.Index(path, save_every=0.05)
    index.add(DOCS[:1])
    for _ in range(100):
        if sorted(solr.Index(path).docs) == ["i1"]:  # what a restart would find
            break
        threading.Event().wait(0.05)
    assert sorted(solr.Index(path).docs) == ["i1"]


def test_a_change_writes_itself_not_the_whole_index(tmp_path: Path) -> None:
    # Rewriting the whole index on every change took a core and stalled CKAN's updates
    # on a portal of 1,500 members (100 MB of JSON, twice a second).
    path = tmp_path / "index.json"
    index = solr.Index(path)
    index.add([{"index_id": f"d{n}", "notes": "x" * 10_000} for n in range(50)])
    index.flush()
    size = path.stat().st_size
    journal = path.with_name("index.json.log")
    index.add([{"index_id": "d1", "notes": "changed"}])
    index.delete(["d2"], [])
    assert path.stat().st_size == size  # the snapshot was not written again
    assert journal.stat().st_size < 200  # the two changes, appended
    # A restart without a flush (a crash) replays them; a line torn by the crash is not.
    with journal.open("a") as fh:
        fh.write('{"add": [["d3", {"index_id": "d3", "no')
    again = solr.Index(path)
    assert again.docs["d1"]["notes"] == "changed"
    assert "d2" not in again.docs and again.docs["d3"]["notes"] == "x" * 10_000
    assert len(again.docs) == 49


def test_the_journal_is_folded_into_the_snapshot_when_it_outgrows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(solr, "FOLD_FROM_BYTES", 0)
    path = tmp_path / "index.json"
    index = solr.Index(path)
    for n in range(20):
        index.add([{"index_id": "same", "n": n, "notes": "x" * 1_000}])
    journal = path.with_name("index.json.log")
    assert journal.stat().st_size < 3 * path.stat().st_size  # never many times the index
    assert solr.Index(path).docs["same"]["n"] == 19


# --- programmes: French titles, lenient (schema-less) matching ------------------------

PROGRAMMES = [
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


def names(index: Any, **params: str | list[str]) -> list[str]:
    return [d["name"] for d in select(index, **params)["response"]["docs"]]


@pytest.fixture
def programmes() -> Any:
    index = solr.Index()
    index.add([dict(d) for d in PROGRAMMES])
    return index


def test_programmes_lucene_queries(programmes: Any) -> None:
    index = programmes
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


def test_programmes_search_with_filters_dismax_and_facets(programmes: Any) -> None:
    params = {
        "q": ["programme"], "defType": ["dismax"], "qf": ["name^4 title^4 tags^2 text"],
        "q.op": ["AND"], "fq": ["+site_id:\"infitah-dev\"", "+state:active", "+capacity:public"],
        "facet": ["true"], "facet.field": ["tags"], "facet.limit": ["50"],
        "facet.mincount": ["1"], "rows": ["1"], "start": ["0"], "fl": ["id name"],
        "sort": ["metadata_modified desc"], "wt": ["json"],
    }  # fmt: skip
    body = solr.select(programmes, params)
    assert body["response"]["numFound"] == 2
    assert body["response"]["docs"] == [{"id": "b", "name": "tamanar"}]
    assert body["facet_counts"]["facet_fields"]["tags"] == [
        "communication", 1, "digitalisation", 1, "environment", 1
    ]  # fmt: skip


def test_programmes_delete_by_id_and_by_query(programmes: Any) -> None:
    programmes.delete(["a"], [])
    assert names(programmes, q="*:*", sort="name asc") == ["old", "tamanar"]
    programmes.delete([], ["state:deleted"])
    assert names(programmes, q="*:*") == ["tamanar"]


def test_parse_keeps_must_and_should_apart() -> None:
    doc = {"a": "x", "b": "y"}
    assert solr.parse("+a:x +b:z").match(doc) is False
    assert solr.parse("a:x b:z").match(doc) is True  # default OR
    assert solr.parse("a:x b:z", default_and=True).match(doc) is False
    assert solr.parse("a:x AND b:z").match(doc) is False
    assert solr.parse("a:x AND b:y OR b:z").match(doc) is True


def test_http_update_is_on_disk_when_answered(server: tuple[str, Any], tmp_path: Path) -> None:
    base, _ = server
    http(f"{base}/update/", json.dumps([{"index_id": "8", "name": "kept"}]).encode())
    assert [d["name"] for d in solr.Index(tmp_path / "index.json").snapshot()] == ["kept"]


def test_a_lookup_by_name_or_id_reads_the_document_not_the_whole_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CKAN's package_show asks the index first, by name or id, on nearly every call:
    # reading all 3,000 documents of a 1,503-member portal for it took most of a core.
    path = tmp_path / "index.json"
    index = solr.Index(path, schema=SCHEMA)
    index.add([
        {"index_id": f"i{n}", "id": f"d{n}", "name": f"member-{n}", "site_id": "default",
         "entity_type": "package", "title": f"Programme {n}"}
        for n in range(2_000)
    ])  # fmt: skip
    reads = []
    real = solr.Term.match
    monkeypatch.setattr(solr.Term, "match", lambda self, doc: reads.append(doc) or real(self, doc))

    def show(reference: str) -> list[str]:
        reads.clear()
        body = select(
            index, rows="1", q=f'name:"{reference}" OR id:"{reference}"', wt="json",
            fq='+site_id:"default" +entity_type:package',
        )  # fmt: skip
        assert len({d["index_id"] for d in reads}) <= 1  # the one document it names
        return [d["name"] for d in body["response"]["docs"]]

    assert show("member-1234") == ["member-1234"]
    assert show("d77") == ["member-77"]
    assert show("member-2000") == []
    # Kept up to date through renames, deletions and restarts.
    index.add([{"index_id": "i5", "id": "d5", "name": "renamed", "site_id": "default",
                "entity_type": "package"}])  # fmt: skip
    assert show("member-5") == [] and show("renamed") == ["renamed"]
    index.delete([], ['+entity_type:package AND +(id:"d6" OR name:"d6") AND +site_id:"default"'])
    index.delete(["d7"], [])
    assert show("member-6") == [] and show("member-7") == [] and show("member-8") == ["member-8"]
    index.flush()
    index = solr.Index(path, schema=SCHEMA)
    assert show("renamed") == ["renamed"] and show("member-6") == []
    everything = select(index, q="*:*", fl="name", rows="3")["response"]["docs"]
    assert [d["name"] for d in everything] == ["member-0", "member-1", "member-2"]
