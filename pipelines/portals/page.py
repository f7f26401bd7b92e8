"""The catalog's page per dataset (``<dataset>/index.html``): the tables readable in a
browser, in French and Arabic, with every version and what changed in each.

A journalist who opens a member's folder reads its programme there without a spreadsheet:
the commitments with their titles, status and milestones, then every table. Rendered
from the current version's own files (its ``datapackage.json`` carries the schemas, so
codes get their labels) with Jinja2, autoescaped: every value comes from a steward.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..i18n import N_, tr

ROWS_SHOWN = 200
_ENV = Environment(
    loader=PackageLoader("pipelines.portals", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_SECTION = re.compile(r"^## (\S+) — .*$", re.M)

WORDS = {
    "home": N_("All datasets"),
    "version": N_("Current version"),
    "published": N_("published on"),
    "licence": N_("Licence"),
    "commitments": N_("Commitments and their milestones"),
    "milestones": N_("Milestones"),
    "due": N_("due"),
    "status": N_("Status"),
    "assessment": N_("Completion ({who})"),
    "tables": N_("Tables"),
    "download": N_("Download"),
    "more_rows": N_("First {shown} rows of {rows}: download the file for all of them."),
    "versions": N_("Versions"),
    "files": N_("files"),
    "changes": N_("What changed"),
    "dcat": N_("Metadata (DCAT-AP 3)"),
}


def render_dataset(info: dict[str, Any], home: Path) -> str:
    """The page of one dataset, from its ``dataset.json`` and its ``latest/`` files."""
    latest = home / "latest"
    descriptor = json.loads((latest / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["name"]: r["schema"] for r in descriptor.get("resources", [])}
    rows = {name: _rows(latest / f"{name}.csv") for name in schemas}
    labels = {name: _labels(schema) for name, schema in schemas.items()}
    changelog = home / "CHANGELOG.md"
    notes = _sections(changelog.read_text(encoding="utf-8") if changelog.is_file() else "")
    words = {lang: {k: tr(lang, v) for k, v in WORDS.items()} for lang in ("fr", "ar")}
    licence = (descriptor.get("licenses") or [{}])[0]
    return _ENV.get_template("dataset.html").render(
        info=info,
        words=words,
        licence=licence,
        commitments=_commitments(rows, labels),
        tables=[_table(name, schemas[name], rows[name], labels[name]) for name in schemas],
        versions=[
            {"version": v, "notes": notes.get(v, ""), "files": _version_files(home, v)}
            for v in reversed(info.get("versions", []))
        ],
        rows_shown=ROWS_SHOWN,
    )


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _labels(schema: dict[str, Any]) -> dict[str, dict[str, dict[str, str]]]:
    """Each coded column's labels: ``{field: {code: {"fr": ..., "ar": ...}}}``."""
    return {
        f["name"]: f.get("x-enum-labels") or f.get("x-list-of") or {}
        for f in schema.get("fields", [])
        if f.get("x-enum-labels") or f.get("x-list-of")
    }


def _label(labels: dict[str, dict[str, str]], code: str, lang: str) -> str:
    return ", ".join(labels.get(c, {}).get(lang, c) for c in code.split(",") if c) if code else ""


def _commitments(
    rows: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    milestones: dict[str, list[dict[str, str]]] = {}
    for m in rows.get("milestones", []):
        status = labels.get("milestones", {}).get("status", {})
        milestones.setdefault(m.get("commitment_id", ""), []).append(
            {
                **m,
                **{
                    f"status_{lang}": _label(status, m.get("status", ""), lang)
                    for lang in ("fr", "ar")
                },
            }
        )
    coded = labels.get("commitments", {})
    out = []
    for c in rows.get("commitments", []):
        out.append(
            {
                **c,
                **{
                    f"{field}_{lang}": _label(coded.get(field, {}), c.get(field, ""), lang)
                    for field in ("axis", "completion", "implementation_status", "assessed_by")
                    for lang in ("fr", "ar")
                },
                "milestones": milestones.get(c.get("commitment_id", ""), []),
            }
        )
    return out


def _table(
    name: str, schema: dict[str, Any], rows: list[dict[str, str]], labels: dict[str, Any]
) -> dict[str, Any]:
    fields = schema.get("fields", [])
    shown = [
        [
            _label(labels[f["name"]], row.get(f["name"], ""), "fr")
            if f["name"] in labels
            else row.get(f["name"], "")
            for f in fields
        ]
        for row in rows[:ROWS_SHOWN]
    ]
    return {
        "name": name,
        "title": {"fr": schema.get("x-title-fr") or name, "ar": schema.get("x-title-ar", "")},
        "columns": [
            {
                "name": f["name"],
                "fr": f.get("x-title-fr") or f["name"],
                "ar": f.get("x-title-ar", ""),
            }
            for f in fields
        ],
        "rows": shown,
        "count": len(rows),
    }


def _sections(changelog: str) -> dict[str, str]:
    """Each version's part of ``CHANGELOG.md``, without its heading."""
    marks = list(_SECTION.finditer(changelog))
    return {
        m.group(1): changelog[
            m.end() : marks[i + 1].start() if i + 1 < len(marks) else None
        ].strip()
        for i, m in enumerate(marks)
    }


def _version_files(home: Path, version: str) -> list[str]:
    folder = home / "versions" / version
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return [n for n in names if n.endswith((".csv", ".xlsx", ".json", ".md"))]
