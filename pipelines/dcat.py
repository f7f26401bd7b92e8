"""What a published dataset says about itself in DCAT-AP 3, the vocabulary European and
many other open-data portals exchange (and ckanext-dcat's ``euro_dcat_ap_3`` profile).

The facts (keywords, theme, places, contact, licence, checksums) are worked out here
once, from what a portal records of a version (``dataset.json`` on the catalog, the same
fields on CKAN), so both portals describe a dataset alike: the catalog writes the graph
built here, and CKAN is given the same facts as fields that ckanext-dcat turns into RDF.

Every node is typed and named by an IRI (no blank node), because a catalog's graph is
the concatenation of its datasets' graphs: two documents' blank node labels could
collide, IRIs cannot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from .i18n import N_, tr
from .members import network

# DCAT 3 (rdflib's DCAT namespace is closed on DCAT 2 terms: no dcat:version)
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT_AP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
THEME_GOVE = URIRef(EU + "data-theme/GOVE")
COUNTRY_MA = URIRef(EU + "country/MAR")
LANGUAGES = {"ar": URIRef(EU + "language/ARA"), "fr": URIRef(EU + "language/FRA")}
PUBLIC = URIRef(EU + "access-right/PUBLIC")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
REGIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
NATIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/NationalAuthority")
NETWORK_TYPE = URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation")
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
STABLE = URIRef(EU + "planned-availability/STABLE")
THEMES = URIRef(EU + "data-theme")
# The English and French labels these vocabularies give their terms (SHACL wants one).
LABELS = {
    THEME_GOVE: {"en": "Government and public sector", "fr": "Gouvernement et secteur public"},
    LOCAL_AUTHORITY: {"en": "Local Authority", "fr": "Autorité locale"},
    REGIONAL_AUTHORITY: {"en": "Regional Authority", "fr": "Autorité régionale"},
    NATIONAL_AUTHORITY: {"en": "National Authority", "fr": "Autorité nationale"},
    NETWORK_TYPE: {"en": "Non-Profit Organisation", "fr": "Organisation à but non lucratif"},
    ATTRIBUTION: {"en": "Attribution", "fr": "Attribution"},
    STABLE: {"en": "stable", "fr": "stable"},
    THEMES: {"en": "Data theme", "fr": "Thème des données"},
}
SHA256 = SPDX.checksumAlgorithm_sha256
FILE_TYPES = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON", "md": "TXT", "png": "PNG"}
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "md": "text/markdown",
    "png": "image/png",
}
# The network's public platform: where a citizen reaches a member (a web form, not a
# person), unless the member's descriptor names its own public address (``x-contact``).
NETWORK_PLATFORM = "https://ctouvertes.collectivites-territoriales.gov.ma/"
LANGS = ("fr", "ar", "en")

KEYWORDS = (
    N_("open government"),
    N_("OGP Local"),
    N_("citizen participation"),
    N_("openness programme"),
    N_("commitments"),
)
CSV_FILE = N_("{table}: the table as CSV (UTF-8), exactly as validated")
XLSX_FILE = N_("{table}: Excel workbook with a French and an Arabic sheet")
DESCRIPTOR_FILE = N_("Data package descriptor: the tables' schemas, sizes and hashes")
CATALOG_TITLE = N_("Open data of the communes")
CATALOG_DESCRIPTION = N_("Open data of the communes' openness programmes (REMACTO).")
VERSION_TITLE = N_("{title} (version {version})")


def region_iso(region_code: str) -> str | None:
    """ISO 3166-2:MA code of a region of the 2015 division (``09`` -> ``MA-09``): the
    reference's region codes are those numbers. Provinces have ISO codes too, but they
    are letters with no rule from our codes, so none is guessed."""
    return f"MA-{region_code}" if region_code.isdigit() and 1 <= int(region_code) <= 12 else None


def publisher_type(metadata: Mapping[str, Any]) -> URIRef:
    """The ADMS publisher type of a member by its kind: a region's council is a regional
    authority, the national level a national one, communes, provinces and prefectures
    local ones; the network (no member) a non-profit organisation."""
    if not metadata.get("x-commune"):
        return NETWORK_TYPE
    kind = metadata.get("x-member-kind", "commune")
    return {"region": REGIONAL_AUTHORITY, "national": NATIONAL_AUTHORITY}.get(
        str(kind), LOCAL_AUTHORITY
    )


def keywords(metadata: Mapping[str, Any]) -> dict[str, list[str]]:
    """Keywords per language: the programme's words, then the member's place names."""
    out = {lang: [tr(lang, k) for k in KEYWORDS] for lang in ("fr", "ar")}
    commune = metadata.get("x-commune") or {}
    for lang in ("fr", "ar"):
        for key in ("name", "province_name", "region_name"):
            name = str(commune.get(f"{key}_{lang}", ""))
            if name and name not in out[lang]:
                out[lang].append(name)
    return out


def licence(metadata: Mapping[str, Any]) -> tuple[str, str]:
    """The licence's IRI and title (the descriptor's first licence)."""
    first = (metadata.get("licenses") or [{}])[0]
    path = str(first.get("path") or "https://opendatacommons.org/licenses/by/1-0/")
    return path, str(first.get("title") or first.get("name") or path)


def contact(metadata: Mapping[str, Any]) -> dict[str, str]:
    """A public way to reach the member: its descriptor's ``x-contact`` (``email``, ``url``)
    when given, else the network's platform."""
    given = metadata.get("x-contact") or {}
    out = {k: str(given[k]) for k in ("email", "url") if given.get(k)}
    return out or {"url": NETWORK_PLATFORM}


def _concept(g: Graph, ref: URIRef) -> URIRef:
    g.add((ref, RDF.type, SKOS.Concept))
    for lang, label in LABELS[ref].items():
        g.add((ref, SKOS.prefLabel, Literal(label, lang=lang)))
    return ref


def _text(values: Mapping[str, str], langs: Iterable[str] = LANGS) -> list[Literal]:
    return [Literal(values[lang], lang=lang) for lang in langs if values.get(lang)]


class DatasetGraph:
    """The DCAT-AP 3 description of one dataset as a portal holds it (``dataset.json``).

    ``base`` is where the portal's files are served from (ending in ``/``): every IRI is
    the address of the thing itself, so a reader can follow ``dcat:downloadURL``.
    """

    def __init__(self, info: Mapping[str, Any], base: str, sizes: Mapping[str, int]) -> None:
        self.info = info
        self.base = base
        self.sizes = sizes
        self.name = str(info["name"])
        self.metadata: Mapping[str, Any] = info.get("metadata") or {}
        self.g = Graph()
        self.ref = self.iri(f"{self.name}/")

    def iri(self, path: str) -> URIRef:
        return URIRef(self.base + quote(path, safe="/#-._~"))

    def add(self, subject: URIRef, predicate: URIRef, *objects: Any) -> None:
        for obj in objects:
            self.g.add((subject, predicate, obj))

    def typed(self, ref: URIRef, *classes: URIRef) -> URIRef:
        self.add(ref, RDF.type, *classes)
        return ref

    def build(self) -> Graph:
        info, ds = self.info, self.ref
        title: dict[str, str] = dict(info.get("title") or {})
        description = {k: v for k, v in (info.get("description") or {}).items() if v}
        self.typed(ds, DCAT.Dataset)
        self.add(ds, DCTERMS.identifier, Literal(self.name))
        self.add(ds, DCTERMS.title, *_text(title))
        self.add(ds, DCTERMS.description, *_text(description or title))
        self.add(ds, DCAT.landingPage, self.typed(self.iri(f"{self.name}/index.html"),
                                                  FOAF.Document))  # fmt: skip
        context = self.context()
        for predicate, objects in context:
            self.add(ds, predicate, *objects)
        if info.get("published_at"):
            self.add(ds, DCTERMS.modified, Literal(info["published_at"], datatype=XSD.dateTime))
        for source in self.metadata.get("sources") or []:
            if str(source.get("path", "")).startswith(("https://", "http://")):
                page = self.typed(URIRef(source["path"]), FOAF.Document)
                self.add(ds, FOAF.page, page)
                if source.get("title"):
                    self.add(page, DCTERMS.title, Literal(str(source["title"])))
        for source in self.metadata.get("x-sources") or []:  # the network's members
            self.add(ds, DCTERMS.source, self.iri(f"{source['name']}/"))
        self.add(ds, DCAT.version, Literal(str(info["version"])))
        notes = info.get("version_notes")
        if notes:
            self.add(ds, ADMS.versionNotes, Literal(str(notes), lang="en"))
        for path in self.latest_files():
            self.add(ds, DCAT.distribution, self.distribution(path, self.info["latest"][path]))
        for version in info.get("versions") or []:
            ref = self.version(str(version), title, description)
            self.add(ds, DCTERMS.hasVersion, ref)
            for predicate, objects in context:
                self.add(ref, predicate, *objects)
        return self.g

    def context(self) -> list[tuple[URIRef, list[Any]]]:
        """What the dataset and each of its versions share: who, where, when, about what."""
        out: list[tuple[URIRef, list[Any]]] = [
            (
                DCAT.keyword,
                [
                    Literal(w, lang=lang)
                    for lang, words in keywords(self.metadata).items()
                    for w in words
                ],
            ),
            (DCAT.theme, [_concept(self.g, THEME_GOVE)]),
            (
                DCTERMS.language,
                [self.typed(r, DCTERMS.LinguisticSystem) for r in LANGUAGES.values()],
            ),
            (DCTERMS.accessRights, [self.typed(PUBLIC, DCTERMS.RightsStatement)]),
            (DCTERMS.publisher, [self.publisher()]),
            (DCAT.contactPoint, [self.contact_point()]),
            (DCTERMS.spatial, self.places()),
        ]
        temporal = self.metadata.get("x-temporal") or {}
        if temporal.get("start") and temporal.get("end"):
            period = self.typed(self.iri(f"{self.name}/#temporal"), DCTERMS.PeriodOfTime)
            self.add(period, DCAT.startDate, Literal(temporal["start"], datatype=XSD.date))
            self.add(period, DCAT.endDate, Literal(temporal["end"], datatype=XSD.date))
            out.append((DCTERMS.temporal, [period]))
        return out

    def latest_files(self) -> list[str]:
        """The current version's tables (CSV and XLSX) and its data package descriptor."""
        latest = self.info.get("latest") or {}
        tables = self.info.get("tables") or {}
        files = [f"{t}.{ext}" for t in tables for ext in ("csv", "xlsx")]
        return [f for f in [*files, "datapackage.json"] if f in latest]

    def publisher(self) -> URIRef:
        owner = self.info.get("owner") or {}
        agent = self.typed(self.iri(f"{self.name}/#publisher"), FOAF.Agent)
        self.add(agent, FOAF.name, *_text(owner.get("title") or {"fr": owner.get("name", "")}))
        self.add(agent, DCTERMS.identifier, Literal(str(owner.get("name", ""))))
        self.add(agent, DCTERMS.type, _concept(self.g, publisher_type(self.metadata)))
        return agent

    def contact_point(self) -> URIRef:
        owner = self.info.get("owner") or {}
        card = self.typed(self.iri(f"{self.name}/#contact"), VCARD.Kind, VCARD.Organization)
        self.add(card, VCARD.fn, *_text(owner.get("title") or {"fr": owner.get("name", "")}))
        reach = contact(self.metadata)
        if reach.get("email"):
            self.add(card, VCARD.hasEmail, URIRef(f"mailto:{reach['email']}"))
        if reach.get("url"):
            self.add(card, VCARD.hasURL, URIRef(reach["url"]))
        return card

    def places(self) -> list[URIRef]:
        """The member's place (named, with its code), its region's ISO 3166-2 code, and
        the country, each a ``dct:Location``."""
        places = [self.typed(COUNTRY_MA, DCTERMS.Location)]
        commune = self.metadata.get("x-commune") or {}
        if commune.get("code"):
            here = self.typed(self.iri(f"{self.name}/#spatial"), DCTERMS.Location)
            names = {lang: commune.get(f"name_{lang}", "") for lang in ("fr", "ar")}
            self.add(here, SKOS.prefLabel, *_text(names))
            self.add(here, DCTERMS.identifier, Literal(str(commune["code"])))
            places.append(here)
        iso = region_iso(str(commune.get("region_code", "")))
        if iso:
            region = self.typed(self.iri(f"{self.name}/#region"), DCTERMS.Location)
            names = {lang: commune.get(f"region_name_{lang}", "") for lang in ("fr", "ar")}
            self.add(region, SKOS.prefLabel, *_text(names))
            self.add(region, DCTERMS.identifier, Literal(iso))
            places.append(region)
        return places

    def distribution(self, name: str, path: str) -> URIRef:
        url = self.iri(f"{self.name}/{path}")
        ext = name.rsplit(".", 1)[-1]
        dist = self.typed(self.iri(f"{self.name}/{path}#distribution"), DCAT.Distribution)
        self.add(dist, DCTERMS.title, Literal(name))
        self.add(dist, DCTERMS.description, *self.describe(name))
        self.add(dist, DCAT_AP.availability, _concept(self.g, STABLE))
        self.add(dist, DCAT.accessURL, url)
        self.add(dist, DCAT.downloadURL, url)
        self.add(dist, DCTERMS.format, self.typed(URIRef(EU + "file-type/" + FILE_TYPES[ext]),
                                                  DCTERMS.MediaTypeOrExtent))  # fmt: skip
        media = URIRef("https://www.iana.org/assignments/media-types/" + MEDIA_TYPES[ext])
        self.add(dist, DCAT.mediaType, self.typed(media, DCTERMS.MediaType))
        iri, title = licence(self.metadata)
        self.add(dist, DCTERMS.license, self.typed(URIRef(iri), DCTERMS.LicenseDocument))
        self.add(URIRef(iri), DCTERMS.title, Literal(title))
        self.add(URIRef(iri), DCTERMS.type, _concept(self.g, ATTRIBUTION))
        if path in self.sizes:
            self.add(
                dist, DCAT.byteSize, Literal(self.sizes[path], datatype=XSD.nonNegativeInteger)
            )
        hashes = self.info.get("hashes")  # a record edited by hand may hold anything here
        digest = (hashes if isinstance(hashes, dict) else {}).get(
            f"table:{name.removesuffix('.csv')}"
        )
        if (
            name.endswith(".csv")
            and isinstance(digest, str)
            and digest
            and path.startswith("latest/")
        ):
            checksum = self.typed(self.iri(f"{self.name}/{path}#checksum"), SPDX.Checksum)
            self.add(checksum, SPDX.algorithm, SHA256)
            self.add(checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary))
            self.add(dist, SPDX.checksum, checksum)
        return dist

    def describe(self, name: str) -> list[Literal]:
        """What a file holds, in French, Arabic and English."""
        stem, ext = name.rsplit(".", 1)
        titles = ((self.info.get("tables") or {}).get(stem) or {}).get("title") or {}
        message = {"csv": CSV_FILE, "xlsx": XLSX_FILE}.get(ext, DESCRIPTOR_FILE)
        return [
            Literal(tr(lang, message).format(table=titles.get(lang) or stem), lang=lang)
            for lang in LANGS
        ]

    def version(
        self, version: str, title: Mapping[str, str], description: dict[str, str]
    ) -> URIRef:
        """An earlier or the current version, as a dataset of its own whose files never
        change (``dct:isVersionOf`` the dataset)."""
        ref = self.typed(self.iri(f"{self.name}/versions/{version}/"), DCAT.Dataset)
        titled = {k: tr(k, VERSION_TITLE).format(title=v, version=version)
                  for k, v in title.items() if v}  # fmt: skip
        self.add(ref, DCTERMS.title, *_text(titled))
        self.add(ref, DCTERMS.description, *_text(description or titled))
        self.add(ref, DCAT.version, Literal(version))
        self.add(ref, DCTERMS.isVersionOf, self.ref)
        tables = self.info.get("tables") or {}
        for table in tables:
            name = f"{table}.csv"
            self.add(ref, DCAT.distribution, self.distribution(name, f"versions/{version}/{name}"))
        return ref


def dataset_graph(info: Mapping[str, Any], base: str, sizes: Mapping[str, int]) -> Graph:
    return DatasetGraph(info, base, sizes).build()


def catalog_graph(base: str, datasets: Iterable[str], modified: str | None) -> Graph:
    """The catalog itself: who publishes it, and which datasets it lists (their own
    graphs are written beside it)."""
    g = Graph()
    ref = URIRef(base)
    g.add((ref, RDF.type, DCAT.Catalog))
    for lang in ("fr", "ar"):
        g.add((ref, DCTERMS.title, Literal(tr(lang, CATALOG_TITLE), lang=lang)))
        g.add((ref, DCTERMS.description, Literal(tr(lang, CATALOG_DESCRIPTION), lang=lang)))
    agent = URIRef(base + "#network")
    g.add((agent, RDF.type, FOAF.Agent))
    for lang, name in network()["title"].items():
        g.add((agent, FOAF.name, Literal(name, lang=lang)))
    g.add((ref, DCTERMS.publisher, agent))
    agent_type = _concept(g, NETWORK_TYPE)
    g.add((agent, DCTERMS.type, agent_type))
    g.add((ref, DCAT.themeTaxonomy, THEMES))
    g.add((THEMES, RDF.type, SKOS.ConceptScheme))
    for lang, label in LABELS[THEMES].items():
        g.add((THEMES, DCTERMS.title, Literal(label, lang=lang)))
    g.add((ref, DCTERMS.spatial, COUNTRY_MA))
    licence_iri = URIRef(licence({})[0])
    g.add((ref, DCTERMS.license, licence_iri))
    g.add((licence_iri, RDF.type, DCTERMS.LicenseDocument))
    g.add((COUNTRY_MA, RDF.type, DCTERMS.Location))
    homepage = URIRef(base + "index.html")
    g.add((homepage, RDF.type, FOAF.Document))
    g.add((ref, FOAF.homepage, homepage))
    for lang_ref in LANGUAGES.values():
        g.add((ref, DCTERMS.language, lang_ref))
        g.add((lang_ref, RDF.type, DCTERMS.LinguisticSystem))
    if modified:
        g.add((ref, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for name in datasets:
        g.add((ref, DCAT.dataset, URIRef(base + quote(name) + "/")))
    return g


def bind(g: Graph) -> Graph:
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("skos", SKOS),
                       ("adms", ADMS), ("spdx", SPDX), ("vcard", VCARD)):  # fmt: skip
        g.bind(prefix, ns)
    return g


def fragment(info: Mapping[str, Any], base: str, sizes: Mapping[str, int]) -> tuple[bytes, bytes]:
    """One dataset's graph as Turtle and as expanded JSON-LD (a list of nodes), in forms
    that concatenate: Turtle documents may repeat their prefixes, JSON-LD node lists join
    into one list, and neither has blank nodes to collide."""
    g = bind(dataset_graph(info, base, sizes))
    return g.serialize(format="turtle").encode(), g.serialize(format="json-ld").encode()


def catalog_documents(base: str, names: list[str], modified: str | None,
                      fragments: Iterable[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:  # fmt: skip
    """``catalog.ttl`` and ``catalog.jsonld``: the catalog's own graph, then every
    dataset's fragment as it is (nothing is parsed again)."""
    head = bind(catalog_graph(base, names, modified))
    turtle = [head.serialize(format="turtle").encode()]
    nodes = [head.serialize(format="json-ld").encode().strip()[1:-1]]
    for ttl, jsonld in fragments:
        turtle.append(ttl)
        inner = jsonld.strip()[1:-1].strip()
        if inner:
            nodes.append(inner)
    return b"\n".join(turtle), b"[" + b",\n".join(n.strip() for n in nodes) + b"]\n"
