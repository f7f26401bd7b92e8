"""Judging DCAT with the official DCAT-AP 3 shapes (pySHACL), not with our own rules.

``shapes.ttl`` (mandatory properties) and ``range.ttl`` (classes and datatypes) make
violations; ``shapes_recommended.ttl`` only warns. Nothing is fetched: the shapes ship
with the package and their remote imports are not followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from pyshacl import validate as shacl_validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from .resources import DCAT_AP_DIR

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Problem:
    """One SHACL result: the node, the property path and the shape's own message."""

    focus: str
    path: str
    message: str
    value: str = ""


@dataclass(frozen=True)
class Conformance:
    violations: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations


@cache
def _shapes(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.parse(DCAT_AP_DIR / name, format="turtle")
    return g


def check(data: Graph) -> Conformance:
    """Violations of the mandatory and range shapes, warnings of the recommended ones."""
    return Conformance(
        violations=_results(data, _shapes("shapes.ttl", "range.ttl"), SH.Violation),
        warnings=_results(data, _shapes("shapes_recommended.ttl"), None),
    )


def _results(data: Graph, shapes: Graph, severity: object | None) -> list[Problem]:
    _, report, _ = shacl_validate(
        data, shacl_graph=shapes, allow_warnings=True, advanced=True, do_owl_imports=False
    )
    assert isinstance(report, Graph)
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if severity is not None and report.value(result, SH.resultSeverity) != severity:
            continue
        out.append(
            Problem(
                focus=str(report.value(result, SH.focusNode)),
                path=str(report.value(result, SH.resultPath) or ""),
                message=str(report.value(result, SH.resultMessage) or ""),
                value=str(report.value(result, SH.value) or ""),
            )
        )
    return sorted(out, key=lambda p: (p.focus, p.path, p.message))
