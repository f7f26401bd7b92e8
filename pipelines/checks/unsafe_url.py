"""A link in the data must be a web address (``https://`` or ``http://``).

Evidence and source links are published and clicked; ``javascript:`` runs code in the
reader's browser, ``file:`` opens their own disk, ``data:`` carries a page of its own.
Frictionless accepts all of these as URIs.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..i18n import N_
from . import Context, at, check


@check("unsafe-url", "error", N_("Link that is not a web address"),
       N_('The link in "{field_title}" starts with "{scheme}": only web addresses '
          "(https://...) are published."),
       N_("Give the address of the web page (https://...)."))  # fmt: skip
def unsafe_url(ctx: Context) -> Iterator[Finding]:
    return rule(ctx)


def rule(ctx: Context) -> Iterator[Finding]:
    for name, table in ctx.tables.items():
        schema = ctx.schema(name)
        for field_name in (f["name"] for f in schema.fields if f.get("format") == "uri"):
            for index, value in enumerate(table.column(field_name)):
                scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
                if value and scheme not in ("http", "https"):
                    yield at(table, index, field_name, "unsafe-url", scheme=f"{scheme}:")
