"""``infitah_dcat_ap_3``: runs after ckanext-dcat's ``euro_dcat_ap_3`` and makes its graph
conform to the DCAT-AP 3 shapes (``range.ttl`` wants typed IRIs where CKAN stores
words) with what Infitah records: titles, descriptions and keywords tagged ``@fr`` and
``@ar``, the EU data theme, the member's place and region (ISO 3166-2:MA), a public
contact point, and every version of the dataset (``dct:hasVersion``).

It only adds to and retypes what ``euro_dcat_ap_3`` wrote; it never parses.
"""

from __future__ import annotations

import json
from typing import Any

from ckan.plugins import toolkit
from rdflib import Literal, Namespace, URIRef

from ckanext.dcat.profiles import DCAT, DCT, FOAF, RDF, SKOS, VCARD, RDFProfile

EU = "http://publications.europa.eu/resource/authority/"
DCAT_AP = Namespace("http://data.europa.eu/r5r/")
LANGS = ("fr", "ar")
# Licences whose holder only asks to be credited (ADMS licence type Attribution);
# ckanext-dcat says "unknown" for every licence.
ATTRIBUTION = {"odc-by", "cc-by", "cc-by-4.0", "odc-by-1.0"}
LANGUAGES = {"ar": "ARA", "fr": "FRA", "en": "ENG"}
FILE_TYPES = {"CSV": "CSV", "XLSX": "XLSX", "JSON": "JSON", "MARKDOWN": "TXT", "PNG": "PNG"}
MEDIA_TYPES = {
    "CSV": "text/csv",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "JSON": "application/json",
    "MARKDOWN": "text/markdown",
    "PNG": "image/png",
}
# Labels of the controlled vocabularies' terms used here (SHACL wants a skos:prefLabel).
LABELS = {
    EU + "data-theme/GOVE": {
        "en": "Government and public sector",
        "fr": "Gouvernement et secteur public",
    },
    "http://purl.org/adms/publishertype/LocalAuthority": {
        "en": "Local Authority",
        "fr": "Autorité locale",
    },
    "http://purl.org/adms/publishertype/RegionalAuthority": {
        "en": "Regional Authority",
        "fr": "Autorité régionale",
    },
    "http://purl.org/adms/publishertype/NationalAuthority": {
        "en": "National Authority",
        "fr": "Autorité nationale",
    },
    "http://purl.org/adms/licencetype/Attribution": {"en": "Attribution", "fr": "Attribution"},
    "http://purl.org/adms/publishertype/NonProfitOrganisation": {
        "en": "Non-Profit Organisation",
        "fr": "Organisation à but non lucratif",
    },
}


class InfitahDCATAP3Profile(RDFProfile):
    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        g = self.g
        value = self._value(dataset_dict)
        for field, predicate in (("title", DCT.title), ("notes", DCT.description)):
            tagged = {lang: value(f"{field}_{lang}") for lang in LANGS}
            if any(tagged.values()):
                g.remove((dataset_ref, predicate, None))
                for lang, text in tagged.items():
                    if text:
                        g.add((dataset_ref, predicate, Literal(text, lang=lang)))
        if (dataset_ref, DCT.description, None) not in g:  # mandatory: the title says most
            for title in list(g.objects(dataset_ref, DCT.title)):
                g.add((dataset_ref, DCT.description, title))
        for lang in LANGS:
            for word in (value(f"keywords_{lang}") or "").split(","):
                if word.strip():
                    g.add((dataset_ref, DCAT.keyword, Literal(word.strip(), lang=lang)))
        self._languages(dataset_ref)
        for theme in list(g.objects(dataset_ref, DCAT.theme)):
            self._concept(theme)
        for card in list(g.objects(dataset_ref, DCAT.contactPoint)):
            g.add((card, RDF.type, VCARD.Kind))
            if value("contact_url"):
                g.add((card, VCARD.hasURL, URIRef(value("contact_url"))))
        for agent in list(g.objects(dataset_ref, DCT.publisher)):
            if value("publisher_type"):
                g.add((agent, DCT.type, self._concept(URIRef(value("publisher_type")))))
        self._places(dataset_ref, value)
        licence = URIRef(value("license_url")) if value("license_url") else None
        self._licence_id = value("license_id").lower()
        for distribution in list(g.objects(dataset_ref, DCAT.distribution)):
            self._distribution(distribution, licence)
        self._versions(dataset_dict, dataset_ref, value)

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: URIRef) -> None:
        g = self.g
        config = toolkit.config
        for lang in LANGS:
            description = config.get(f"infitah.catalog_description_{lang}")
            if description:
                g.add((catalog_ref, DCT.description, Literal(description, lang=lang)))
        names = {lang: config.get(f"infitah.publisher_{lang}") for lang in LANGS}
        if any(names.values()):
            agent = URIRef(str(catalog_ref).rstrip("/") + "/#publisher")
            g.add((agent, RDF.type, FOAF.Agent))
            for lang, name in names.items():
                if name:
                    g.add((agent, FOAF.name, Literal(name, lang=lang)))
            kind = "http://purl.org/adms/publishertype/NonProfitOrganisation"
            g.add((agent, DCT.type, self._concept(URIRef(kind))))
            g.add((catalog_ref, DCT.publisher, agent))
        for page in g.objects(catalog_ref, FOAF.homepage):
            g.add((page, RDF.type, FOAF.Document))
        self._languages(catalog_ref)
        country = URIRef(EU + "country/MAR")
        g.add((country, RDF.type, DCT.Location))
        g.add((catalog_ref, DCT.spatial, country))
        themes = URIRef(EU + "data-theme")
        g.add((themes, RDF.type, SKOS.ConceptScheme))
        g.add((themes, DCT.title, Literal("Data theme", lang="en")))
        g.add((catalog_ref, DCAT.themeTaxonomy, themes))
        licence = config.get("infitah.catalog_licence")
        if licence:  # the licence of the catalog's own metadata
            g.add((catalog_ref, DCT.license, URIRef(licence)))
            g.add((URIRef(licence), RDF.type, DCT.LicenseDocument))

    # --- helpers -------------------------------------------------------------------------

    def _value(self, dataset_dict: dict[str, Any]) -> Any:
        def value(key: str) -> str:
            return str(self._get_dataset_value(dataset_dict, key) or "").strip()

        return value

    def _concept(self, ref: Any) -> Any:
        self.g.add((ref, RDF.type, SKOS.Concept))
        for lang, label in LABELS.get(str(ref), {}).items():
            self.g.add((ref, SKOS.prefLabel, Literal(label, lang=lang)))
        return ref

    def _languages(self, subject: URIRef) -> None:
        """Language codes (``ar``) as the EU's language IRIs."""
        g = self.g
        for code in list(g.objects(subject, DCT.language)):
            if isinstance(code, Literal):
                g.remove((subject, DCT.language, code))
                for part in str(code).replace(";", ",").split(","):
                    iso = LANGUAGES.get(part.strip().lower())
                    if iso:
                        ref = URIRef(EU + "language/" + iso)
                        g.add((subject, DCT.language, ref))
                        g.add((ref, RDF.type, DCT.LinguisticSystem))

    def _places(self, dataset_ref: URIRef, value: Any) -> None:
        g = self.g
        for place in list(g.objects(dataset_ref, DCT.spatial)):
            if value("spatial_code"):
                g.add((place, DCT.identifier, Literal(value("spatial_code"))))
        if value("spatial_region_iso"):
            region = URIRef(str(dataset_ref) + "#region")
            g.add((region, RDF.type, DCT.Location))
            g.add((region, DCT.identifier, Literal(value("spatial_region_iso"))))
            g.add((dataset_ref, DCT.spatial, region))
        country = URIRef(EU + "country/MAR")
        g.add((country, RDF.type, DCT.Location))
        g.add((dataset_ref, DCT.spatial, country))

    def _distribution(self, distribution: Any, licence: URIRef | None) -> None:
        """Formats and media types as the EU's and IANA's IRIs; the licence as a typed
        document (CKAN gives its id when the licence has no URL of its own)."""
        g = self.g
        for given in list(g.objects(distribution, DCT.license)):
            if isinstance(given, Literal):
                g.remove((distribution, DCT.license, given))
                if licence is None:
                    continue
                given = licence
                g.add((distribution, DCT.license, given))
            g.add((given, RDF.type, DCT.LicenseDocument))
            if self._licence_id in ATTRIBUTION:
                g.remove((given, DCT.type, None))
                g.add((given, DCT.type, URIRef("http://purl.org/adms/licencetype/Attribution")))
            for kind in list(g.objects(given, DCT.type)):
                self._concept(kind)
        for word in list(g.objects(distribution, DCT["format"])):
            if isinstance(word, Literal) and str(word).upper() in FILE_TYPES:
                g.remove((distribution, DCT["format"], word))
                ref = URIRef(EU + "file-type/" + FILE_TYPES[str(word).upper()])
                g.add((distribution, DCT["format"], ref))
                g.add((ref, RDF.type, DCT.MediaTypeOrExtent))
        for word in list(g.objects(distribution, DCAT.mediaType)):
            if isinstance(word, Literal):
                g.remove((distribution, DCAT.mediaType, word))
                media = str(word) if "/" in str(word) else MEDIA_TYPES.get(str(word).upper())
                if media:
                    ref = URIRef("https://www.iana.org/assignments/media-types/" + media)
                    g.add((distribution, DCAT.mediaType, ref))
                    g.add((ref, RDF.type, DCT.MediaType))
        if (distribution, DCAT_AP.availability, None) not in g:
            g.add((distribution, DCAT_AP.availability, self._stable()))

    def _stable(self) -> URIRef:
        """The EU's planned availability "stable": a version's files never change."""
        stable = URIRef(EU + "planned-availability/STABLE")
        self.g.add((stable, RDF.type, SKOS.Concept))
        self.g.add((stable, SKOS.prefLabel, Literal("stable", lang="en")))
        return stable

    def _versions(self, dataset_dict: dict[str, Any], dataset_ref: URIRef, value: Any) -> None:
        """Every published version as a dataset of its own whose files never change
        (``infitah_versions``: each version's files in the archive dataset)."""
        g = self.g
        try:
            versions = json.loads(value("infitah_versions") or "{}")
        except ValueError:
            return
        titles = list(g.objects(dataset_ref, DCT.title))
        licences = {
            licence
            for dist in g.objects(dataset_ref, DCAT.distribution)
            for licence in g.objects(dist, DCT.license)
        }
        shared = [
            (p, o)
            for p in (DCT.publisher, DCAT.contactPoint, DCAT.keyword, DCAT.theme,
                      DCT.temporal, DCT.spatial, DCT.language, DCT.accessRights)
            for o in g.objects(dataset_ref, p)
        ]  # fmt: skip
        for version, files in sorted(versions.items()):
            ref = URIRef(f"{dataset_ref}/version/{version}")
            g.add((ref, RDF.type, DCAT.Dataset))
            for predicate, value in shared:  # the same who, where, when and about what
                g.add((ref, predicate, value))
            g.add((dataset_ref, DCT.hasVersion, ref))
            g.add((ref, DCT.isVersionOf, dataset_ref))
            g.add((ref, DCAT.version, Literal(version)))
            for title in titles:
                text = Literal(f"{title} ({version})", lang=title.language)
                g.add((ref, DCT.title, text))
                g.add((ref, DCT.description, text))
            for name, url in sorted(files.items()):
                dist = URIRef(f"{ref}/{name}")
                g.add((dist, RDF.type, DCAT.Distribution))
                g.add((ref, DCAT.distribution, dist))
                g.add((dist, DCT.title, Literal(name)))
                g.add((dist, DCT.description, Literal(f"{name}, version {version}", lang="en")))
                g.add((dist, DCAT_AP.availability, self._stable()))
                g.add((dist, DCAT.accessURL, URIRef(url)))
                g.add((dist, DCAT.downloadURL, URIRef(url)))
                for licence in licences:
                    g.add((dist, DCT.license, licence))
                kind = FILE_TYPES.get(name.rsplit(".", 1)[-1].upper())
                if kind:
                    g.add((dist, DCT["format"], URIRef(EU + "file-type/" + kind)))
                    g.add((URIRef(EU + "file-type/" + kind), RDF.type, DCT.MediaTypeOrExtent))
