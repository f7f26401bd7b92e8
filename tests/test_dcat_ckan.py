"""CKAN's own DCAT export (ckanext-dcat, with the portal's schema and profile from
portal/ckanext-infitah) judged by the official DCAT-AP 3 shapes, after a first publish
and an update: what a harvester of the European data portal would read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from pipelines.dcat import ADMS, DCAT, SPDX, VCARD
from pipelines.publishing import publish

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import run_cli
from .test_dcat import violations

DATASET = "openness-programme-09-163-07-01"
NEW_DESCRIPTION = "Programme d'ouverture d'Aït Amira : description revue par la commune."


def turtle(url: str, token: str) -> Graph:
    response = requests.get(url, headers={"Authorization": token}, timeout=120)
    response.raise_for_status()
    return Graph().parse(data=response.content.decode("utf-8"), format="turtle")  # Turtle is UTF-8


@pytest.mark.ckan
def test_ckan_dcat_conforms_and_follows_every_publish(
    ckan_portal: Portal,  # noqa: F811
    ait_amira: Path,
) -> None:
    ckan_portal.purge(DATASET, f"{DATASET}-versions")
    assert publish(ait_amira, ckan_portal.url, token=ckan_portal.token).status == "published"
    descriptor = ait_amira / "datapackage.json"
    meta = json.loads(descriptor.read_text(encoding="utf-8"))
    meta["x-description-fr"] = NEW_DESCRIPTION
    descriptor.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    second = publish(ait_amira, ckan_portal.url, token=ckan_portal.token)
    assert second.status == "published" and second.version != "1.0.0"

    g = turtle(f"{ckan_portal.url}/dataset/{DATASET}.ttl", ckan_portal.token)
    assert violations(g) == []
    (ds,) = [
        d for d in g.subjects(RDF.type, DCAT.Dataset) if (None, DCTERMS.hasVersion, d) not in g
    ]
    titles = {t.language: str(t) for t in g.objects(ds, DCTERMS.title)}
    assert titles == {
        "fr": "Programme d'ouverture de la commune de Ait Amira",
        "ar": "برنامج انفتاح جماعة آيت عميرة",
    }
    # The core fields follow every publish, not only the first one.
    descriptions = {d.language: str(d) for d in g.objects(ds, DCTERMS.description)}
    assert descriptions["fr"] == NEW_DESCRIPTION
    assert str(g.value(ds, DCAT.version)) == second.version
    assert second.version in str(g.value(ds, ADMS.versionNotes))
    keywords = {(k.language, str(k)) for k in g.objects(ds, DCAT.keyword)}
    assert {("fr", "gouvernement ouvert"), ("ar", "آيت عميرة")} <= keywords
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE") in set(
        g.objects(ds, DCAT.theme)
    )
    places = {str(g.value(p, DCTERMS.identifier)) for p in g.objects(ds, DCTERMS.spatial)}
    assert {"09.163.07.01", "MA-09"} <= places
    card = g.value(ds, DCAT.contactPoint)
    assert g.value(card, VCARD.hasURL) is not None  # a public address, not a person's
    for dist in g.objects(ds, DCAT.distribution):
        assert g.value(dist, DCTERMS.license) is not None, dist
        checksum = g.value(dist, SPDX.checksum)
        if checksum is not None:
            assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    # Every version is linked, and its files download.
    versions = {str(g.value(v, DCAT.version)): v for v in g.objects(ds, DCTERMS.hasVersion)}
    assert set(versions) == {"1.0.0", second.version}
    first = versions["1.0.0"]
    urls = {str(g.value(d, DCTERMS.title)): str(g.value(d, DCAT.downloadURL))
            for d in g.objects(first, DCAT.distribution)}  # fmt: skip
    package = requests.get(urls["datapackage.json"], timeout=60)
    assert package.status_code == 200 and package.json()["version"] == "1.0.0"

    # The whole catalog, every page, as a harvester reads it; and the staff's check.
    assert violations(turtle(f"{ckan_portal.url}/catalog.ttl", ckan_portal.token)) == []
    checked = run_cli(
        "check-catalog", ckan_portal.url, "--json", env={"CKAN_API_TOKEN": ckan_portal.token}
    )
    assert checked.code == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    names = {d["name"] for d in checked.json()["datasets"]}
    assert DATASET in names
