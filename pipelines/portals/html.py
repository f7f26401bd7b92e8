"""The catalog's index.html: what a journalist opening the folder sees first.

Plain HTML with no script and no external asset, so it opens from a file or any
static web server; Arabic blocks are marked right-to-left.
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,'Noto Sans Arabic','Segoe UI',sans-serif;margin:2rem;max-width:70rem}
.ds{border:1px solid #ccc;border-radius:.5rem;padding:1rem;margin:1rem 0}
[dir=rtl]{text-align:right;font-size:1.1em}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee}
.meta{color:#555}
"""


def render_index(datasets: list[dict[str, Any]]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        "<title>Infitah — données ouvertes des communes / المعطيات المفتوحة للجماعات</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Infitah</h1>",
        '<p dir="rtl" lang="ar">المعطيات المفتوحة لبرامج انفتاح الجماعات الترابية</p>',
        "<p>Données ouvertes des programmes d'ouverture des communes (REMACTO).</p>",
    ]
    for ds in datasets:
        parts.append(_dataset(ds))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _dataset(ds: dict[str, Any]) -> str:
    name = escape(ds["name"])
    title = ds.get("title", {})
    links = "".join(
        f'<li><a href="{escape(name)}/{escape(path)}">{escape(file)}</a></li>'
        for file, path in ds.get("latest", {}).items()
    )
    versions = " · ".join(
        f'<a href="{name}/versions/{escape(v)}/">{escape(v)}</a>'
        for v in reversed(ds.get("versions", []))
    )
    return (
        f'<section class="ds" id="{name}">'
        f'<h2 lang="fr">{escape(title.get("fr", name))}</h2>'
        f'<h2 dir="rtl" lang="ar">{escape(title.get("ar", ""))}</h2>'
        f'<p class="meta">version <strong>{escape(ds.get("version", ""))}</strong> — '
        f"{escape(ds.get('published_at', '')[:10])} — "
        f'<a href="{name}/CHANGELOG.md">changements / التغييرات</a></p>'
        f"<p>Fichiers (dernière version) / الملفات:</p><ul>{links}</ul>"
        f"<p>Versions: {versions}</p></section>"
    )
