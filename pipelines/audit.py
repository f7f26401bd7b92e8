"""``infitah check-catalog``: judge a whole catalog with other people's validators.

Every current release is validated by Frictionless (its library, as ``frictionless
validate`` does), and the catalog's DCAT by the official DCAT-AP 3 shapes (pySHACL).
The network's staff run it after a nightly publish; CI runs it after the demo. What
fails is told per dataset, so the one member whose release broke is named.
"""

from __future__ import annotations

import logging
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frictionless
import requests
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from . import conformance
from .dcat import DCAT
from .errors import InputError, PortalError, PortalUnavailable
from .portals import is_url, open_portal
from .portals.ckan import ARCHIVE_SUFFIX

CATALOG = "(catalog)"
# rdflib logs a traceback for each literal it cannot read (a checksum that is not hex):
# the shapes report those as violations, so the log would only frighten the reader.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)
# ckanext-dcat serves the catalog a page at a time; a portal with more pages than this
# is cut short, and says so.
MAX_PAGES = 200


@dataclass
class DatasetCheck:
    """What failed for one dataset: Frictionless errors of its current release, DCAT-AP
    violations of its nodes (and how many recommendations it misses)."""

    name: str
    version: str = ""
    frictionless: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    warnings: int = 0

    @property
    def ok(self) -> bool:
        return not self.frictionless and not self.violations


@dataclass
class CatalogCheck:
    destination: str
    datasets: list[DatasetCheck]

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.datasets)

    @property
    def violations(self) -> int:
        return sum(len(d.violations) for d in self.datasets)

    @property
    def warnings(self) -> int:
        return sum(d.warnings for d in self.datasets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "destination": self.destination,
            "ok": self.ok,
            "violations": self.violations,
            "warnings": self.warnings,
            "datasets": [
                {
                    "name": d.name,
                    "version": d.version,
                    "ok": d.ok,
                    "frictionless": d.frictionless,
                    "dcat_violations": d.violations,
                    "dcat_warnings": d.warnings,
                }
                for d in self.datasets
            ],
        }


def check_catalog(destination: str, token: str | None = None) -> CatalogCheck:
    """Frictionless on every current release, DCAT-AP 3 on the catalog's DCAT."""
    if not is_url(destination) and not (Path(destination) / "index.json").is_file():
        raise InputError(
            f"{destination}: not a catalog (no index.json)",
            path=destination,
            key="not-a-catalog",
        )
    portal = open_portal(destination, token)
    checks: dict[str, DatasetCheck] = {}
    with tempfile.TemporaryDirectory(prefix="infitah-check-") as tmp:
        for published in portal.datasets(""):
            check = checks[published.name] = DatasetCheck(published.name, published.version)
            folder = Path(tmp) / published.name
            folder.mkdir()
            for name, location in published.files.items():
                if name.endswith((".csv", ".json")):
                    (folder / name).write_bytes(portal.read(location))
            check.frictionless = package_errors(folder / "datapackage.json")
    graph = _dcat_graph(destination, token)
    result = conformance.check(graph)
    owners = _owners(graph, set(checks))
    catalog = DatasetCheck(CATALOG)
    if not set(graph.subjects(RDF.type, DCAT.Catalog)):
        catalog.violations.append("no dcat:Catalog: the catalog publishes no DCAT")
    for problem in result.violations:
        owner = checks.get(owners(problem.focus), catalog)
        owner.violations.append(_said(problem))
    for problem in result.warnings:
        checks.get(owners(problem.focus), catalog).warnings += 1
    return CatalogCheck(destination, [catalog, *sorted(checks.values(), key=lambda d: d.name)])


def package_errors(descriptor: Path) -> list[str]:
    """Frictionless's own verdict on a data package (as ``frictionless validate``)."""
    if not descriptor.is_file():
        return [f"{descriptor.name}: missing"]
    report = frictionless.Package(str(descriptor)).validate()
    out = [f"{e.type}: {e.note}" for e in report.errors]
    for task in report.tasks:
        out += [f"{task.name}: {e.type}: {e.note}" for e in task.errors]
    return out


def _said(problem: conformance.Problem) -> str:
    path = problem.path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return f"<{problem.focus}> {path}: {problem.message}"


def _dcat_graph(destination: str, token: str | None) -> Graph:
    graph = Graph()
    if not is_url(destination):
        path = Path(destination) / "catalog.ttl"
        if path.is_file():
            graph.parse(path, format="turtle")
        return graph
    headers = {"Authorization": token} if token else {}
    for page in range(1, MAX_PAGES + 1):
        url = f"{destination.rstrip('/')}/catalog.ttl?page={page}"
        try:
            response = requests.get(url, headers=headers, timeout=120)
        except requests.RequestException as exc:
            raise PortalUnavailable(
                f"{url}: cannot reach the portal ({type(exc).__name__})", url=url, action="dcat"
            ) from exc
        if response.status_code == 404 and page > 1:
            break
        if response.status_code >= 400:
            raise PortalError(
                f"{url}: the portal answered HTTP {response.status_code}",
                url=url,
                action="dcat",
                status=str(response.status_code),
                detail=f"HTTP {response.status_code}",
            )
        before = len(set(graph.subjects(RDF.type, DCAT.Dataset)))
        # Turtle is UTF-8 by definition; CKAN's content type names no charset, so
        # ``response.text`` would read it as Latin-1.
        graph.parse(data=response.content.decode("utf-8"), format="turtle")
        if len(set(graph.subjects(RDF.type, DCAT.Dataset))) == before:
            break
    return graph


def _owners(graph: Graph, known: set[str]) -> Any:
    """Which dataset a node belongs to: the dataset whose IRI is the longest prefix of
    the node's (its distributions, versions, contact...), named by ``dct:identifier``
    (the catalog) or by the name its landing page ends with (CKAN names datasets by
    id); a CKAN archive of versions belongs to its dataset."""
    names: dict[str, str] = {}
    for ref in set(graph.subjects(RDF.type, DCAT.Dataset)):
        if graph.value(None, DCTERMS.hasVersion, ref) is not None:
            continue  # a version: its parent dataset owns it
        landing = str(graph.value(ref, DCAT.landingPage) or "").rstrip("/").rsplit("/", 1)[-1]
        candidates = [str(graph.value(ref, DCTERMS.identifier) or ""), landing]
        candidates.append(landing.removesuffix(ARCHIVE_SUFFIX))
        names[str(ref)] = next((c for c in candidates if c in known), landing)
    ordered = sorted(names, key=len, reverse=True)
    by_node: dict[str, str] = defaultdict(str)

    def owner(focus: str) -> str:
        if focus not in by_node:
            by_node[focus] = next((names[i] for i in ordered if focus.startswith(i)), "")
        return by_node[focus]

    return owner
