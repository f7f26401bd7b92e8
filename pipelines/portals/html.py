"""The catalog's index.html: what a journalist opening the folder sees first.

Plain HTML with no script and no external asset, so it opens from a file or any
static web server; Arabic blocks are marked right-to-left.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..i18n import N_, Np_, tr, trn
from ..members import PROGRAMME_PREFIX

OPEN_DATA = N_("Open data of the communes")
TABLE = N_("Table")
ROWS = N_("rows")
FILES = N_("files")
GUIDE = N_("columns, licence, source")
CHANGES = N_("changes")
OTHERS = N_("Other files (latest version)")
INTRO = N_("Open data of the communes' openness programmes (REMACTO).")

STYLE = """
body{font-family:system-ui,'Noto Sans Arabic','Segoe UI',sans-serif;margin:2rem;max-width:70rem}
.ds{border:1px solid #ccc;border-radius:.5rem;padding:1rem;margin:1rem 0}
[dir=rtl]{text-align:right;font-size:1.1em}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee}
.meta{color:#555}
.warn{background:#fff3cd;border-left:4px solid #b58100;padding:.4rem .6rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption .ar{display:block}
"""


def render_index(datasets: list[dict[str, Any]]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>Infitah — {tr('fr', OPEN_DATA)} / {tr('ar', OPEN_DATA)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Infitah</h1>",
        f'<p dir="rtl" lang="ar">{escape(tr("ar", INTRO))}</p>',
        f"<p>{escape(tr('fr', INTRO))}</p>",
    ]
    # The network's dataset first: it is where a journalist starts.
    for ds in sorted(datasets, key=lambda d: str(d["name"]).startswith(PROGRAMME_PREFIX)):
        parts.append(_dataset(ds))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _dataset(ds: dict[str, Any]) -> str:
    name = escape(ds["name"])
    title = ds.get("title", {})
    latest: dict[str, str] = dict(ds.get("latest", {}))
    shown: set[str] = set()

    def link(file: str, text: str) -> str:
        shown.add(file)
        return f'<a href="{name}/{escape(latest[file])}">{escape(text)}</a>'

    rows = []
    for table, info in ds.get("tables", {}).items():
        names = info.get("title", {})
        files = [(f"{table}.csv", "CSV"), (f"{table}.excel.csv", "Excel CSV"),
                 (f"{table}.xlsx", "XLSX")]  # fmt: skip
        links = " · ".join(link(f, text) for f, text in files if f in latest)
        rows.append(
            f'<tr><td lang="fr">{escape(names.get("fr") or table)}</td>'
            f'<td dir="rtl" lang="ar">{escape(names.get("ar", ""))}</td>'
            f"<td>{info.get('rows', '')}</td><td>{links}</td></tr>"
        )
    table = (
        f'<table><tr><th lang="fr">{tr("fr", TABLE)}</th>'
        f'<th dir="rtl" lang="ar">{tr("ar", TABLE)}</th>'
        f"<th>{tr('fr', ROWS)}</th><th>{tr('fr', FILES)}</th></tr>{''.join(rows)}</table>"
        if rows
        else ""
    )
    readme = (
        f"<p>{link('README.md', 'README')} — {tr('fr', GUIDE)} / "
        f'<span dir="rtl" lang="ar">{tr("ar", GUIDE)}</span></p>'
        if "README.md" in latest
        else ""
    )
    figures = "".join(
        _figure(name, latest, chart, shown)
        for chart in ds.get("metadata", {}).get("x-charts", [])
        if chart.get("path") in latest
    )
    others = "".join(f"<li>{link(file, file)}</li>" for file in list(latest) if file not in shown)
    versions = " · ".join(
        f'<a href="{name}/versions/{escape(v)}/">{escape(v)}</a>'
        for v in reversed(ds.get("versions", []))
    )
    page = f"{name}/index.html"  # the dataset's own page (page.py)
    return (
        f'<section class="ds" id="{name}">'
        f'<h2 lang="fr"><a href="{page}">{escape(title.get("fr", name))}</a></h2>'
        f'<h2 dir="rtl" lang="ar"><a href="{page}">{escape(title.get("ar", ""))}</a></h2>'
        f'<p class="meta">version <strong>{escape(ds.get("version", ""))}</strong> — '
        f"{escape(ds.get('published_at', '')[:10])} — "
        f'<a href="{name}/CHANGELOG.md">{tr("fr", CHANGES)} / {tr("ar", CHANGES)}</a></p>'
        f"{_not_facts(ds)}{table}{readme}{figures}"
        f"<p>{tr('fr', OTHERS)} / {tr('ar', OTHERS)}:</p><ul>{others}</ul>"
        f"<p>Versions: {versions}</p></section>"
    )


def _not_facts(ds: dict[str, Any]) -> str:
    """A warning above the data when part of it is placeholder or test data."""
    counts = ds.get("metadata", {}).get("x-data-status", {})
    invented = sum(n for status, n in counts.items() if status != "reported")
    if not invented:
        return ""
    total = sum(counts.values())
    warnings = (
        (attributes, trn(lang, *NOT_FACTS, invented))
        for lang, attributes in (("fr", ' lang="fr"'), ("ar", ' dir="rtl" lang="ar"'))
    )
    return "".join(
        f'<p class="warn"{attributes}>⚠ {escape(text.format(n=invented, total=total))}</p>'
        for attributes, text in warnings
    )


NOT_FACTS = Np_(
    "{n} row of {total} is illustrative or synthetic: not a fact (column data_status).",
    "{n} rows of {total} are illustrative or synthetic: not facts (column data_status).",
)


def _figure(name: str, latest: dict[str, str], chart: dict[str, Any], shown: set[str]) -> str:
    """A chart with its title in French and English, and in Arabic right-to-left beside it
    (the image itself holds no Arabic: see charts.py)."""
    path = chart["path"]
    shown.add(path)
    title = chart.get("title", {})
    alt = f"{title.get('fr', path)} / {title.get('en', '')}"
    return (
        f'<figure><img src="{name}/{escape(latest[path])}" alt="{escape(alt)}">'
        f'<figcaption><span lang="fr">{escape(title.get("fr", ""))}</span> — '
        f'<span lang="en">{escape(title.get("en", ""))}</span>'
        f'<span class="ar" dir="rtl" lang="ar">{escape(title.get("ar", ""))}</span>'
        "</figcaption></figure>"
    )
