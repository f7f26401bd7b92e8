"""The catalog's DCAT, judged by the official DCAT-AP 3 shapes (pySHACL, the shapes as
shipped in shared/standards), and ``infitah check-catalog`` as the network's staff run it."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pyshacl import validate as shacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from pipelines.dcat import DCAT, SPDX
from pipelines.publishing import publish

from .conftest import DATASETS, REPO, run_cli

SHAPES = REPO.parent / "shared" / "standards" / "dcat-ap-3.0.1"
AIT_AMIRA = "openness-programme-09-163-07-01"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dcat") / "catalog"
    for member in ("ait-amira", "tamanar"):
        assert publish(DATASETS / member, str(root)).status == "published"
    result = run_cli("aggregate", "--from", str(root), "--to", str(root))
    assert result.code == 0, result.stderr
    return root


def violations(data: Graph) -> list[str]:
    """pySHACL with the official mandatory and range shapes, nothing of ours."""
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(SHAPES / name, format="turtle")
    conforms, report, text = shacl(data, shacl_graph=shapes, allow_warnings=True)
    assert isinstance(report, Graph)
    return [] if conforms else [str(text)]


def test_the_catalog_dcat_conforms_to_dcat_ap_3(catalog: Path) -> None:
    turtle = Graph().parse(catalog / "catalog.ttl", format="turtle")
    assert violations(turtle) == []
    jsonld = Graph().parse(catalog / "catalog.jsonld", format="json-ld")
    assert turtle.isomorphic(jsonld)
    datasets = set(turtle.objects(None, DCAT.dataset))
    assert {str(d).rstrip("/").rsplit("/", 1)[-1] for d in datasets} == {
        AIT_AMIRA,
        "openness-programme-07-211-01-09",
        "remacto-network-programmes",
    }


def test_a_dataset_says_who_where_when_in_both_languages(catalog: Path) -> None:
    g = Graph().parse(catalog / "catalog.ttl", format="turtle")
    ds = URIRef((catalog / AIT_AMIRA).resolve().as_uri() + "/")
    titles = {t.language: str(t) for t in g.objects(ds, DCTERMS.title)}
    assert titles["ar"] == "برنامج انفتاح جماعة آيت عميرة"
    assert titles["fr"] == "Programme d'ouverture de la commune de Ait Amira"
    keywords = {(k.language, str(k)) for k in g.objects(ds, DCAT.keyword)}
    assert ("ar", "آيت عميرة") in keywords and ("fr", "Souss-Massa") in keywords
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE") in set(
        g.objects(ds, DCAT.theme)
    )
    regions = {str(g.value(p, DCTERMS.identifier)) for p in g.objects(ds, DCTERMS.spatial)}
    assert {"09.163.07.01", "MA-09"} <= regions
    period = g.value(ds, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2024-04-15", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#date"))  # fmt: skip
    assert str(g.value(ds, DCAT.version)) == "1.0.0"
    versions = set(g.objects(ds, DCTERMS.hasVersion))
    assert [str(v).rstrip("/").rsplit("/", 1)[-1] for v in versions] == ["1.0.0"]


def test_every_distribution_downloads_the_bytes_its_checksum_names(catalog: Path) -> None:
    g = Graph().parse(catalog / "catalog.ttl", format="turtle")
    checked = 0
    for dist in g.subjects(RDF.type, DCAT.Distribution):
        path = Path(str(g.value(dist, DCAT.downloadURL)).removeprefix("file://"))
        assert path.is_file(), path
        assert g.value(dist, DCTERMS.license) is not None
        checksum = g.value(dist, SPDX.checksum)
        if checksum is not None:
            assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert str(g.value(checksum, SPDX.checksumValue)) == digest
            checked += 1
    assert checked >= 8 * 2  # every member table of the two communes


def test_check_catalog_passes_a_published_catalog(catalog: Path) -> None:
    result = run_cli("check-catalog", str(catalog), "--json")
    assert result.code == 0, result.stdout + result.stderr
    out = result.json()
    assert out["ok"] and out["violations"] == 0
    assert [d["name"] for d in out["datasets"]][1:] == sorted(
        [AIT_AMIRA, "openness-programme-07-211-01-09", "remacto-network-programmes"]
    )
    text = run_cli("check-catalog", str(catalog), "--lang", "ar")
    assert text.code == 0 and "DCAT-AP" in text.stdout


def test_check_catalog_names_the_dataset_whose_dcat_or_package_breaks(
    catalog: Path, tmp_path: Path
) -> None:
    broken = shutil.copytree(catalog, tmp_path / "broken")
    # A dataset without a title (DCAT-AP: mandatory), in the catalog's own Turtle...
    ttl = broken / "catalog.ttl"
    g = Graph().parse(ttl, format="turtle")
    home = URIRef((catalog / AIT_AMIRA).resolve().as_uri() + "/")
    g.remove((home, DCTERMS.title, None))
    ttl.write_text(g.serialize(format="turtle"), encoding="utf-8")
    # ... and a member release whose reference row is gone (Frictionless: foreign key).
    info = json.loads((broken / "openness-programme-07-211-01-09" / "dataset.json").read_text())
    communes = broken / "openness-programme-07-211-01-09" / info["files"]["communes.csv"]
    communes.write_text(communes.read_text(encoding="utf-8").splitlines()[0] + "\n")
    result = run_cli("check-catalog", str(broken), "--json")
    assert result.code == 1, result.stderr
    by_name = {d["name"]: d for d in result.json()["datasets"]}
    assert any("title" in v for v in by_name[AIT_AMIRA]["dcat_violations"])
    assert by_name[AIT_AMIRA]["frictionless"] == []
    assert any(
        "foreign-key" in e for e in by_name["openness-programme-07-211-01-09"]["frictionless"]
    )
    assert by_name["openness-programme-07-211-01-09"]["dcat_violations"] == []


def test_check_catalog_refuses_what_is_not_a_catalog(tmp_path: Path) -> None:
    result = run_cli("check-catalog", str(tmp_path), "--lang", "fr")
    assert result.code == 2
    assert "index.json" in result.stderr and "Traceback" not in result.stderr
