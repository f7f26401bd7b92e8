"""Infitah's CKAN plugin: its templates (the dataset page in French and Arabic, with every
version) and their helpers.

The dataset schema (``infitah_dataset.yaml``) is read by ckanext-scheming and the DCAT
profile by ckanext-dcat through entry points. The page's fixed words come from this
extension's own gettext catalogues (``i18n/``), in a language the template names:
the page shows French and Arabic at once, whatever language the portal is shown in.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import ckan.plugins as p
from babel.messages.pofile import read_po
from ckan.plugins import toolkit

I18N = Path(__file__).parent / "i18n"
DOMAIN = "ckanext-infitah"


class InfitahPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITemplateHelpers)

    def update_config(self, config: Any) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_helpers(self) -> dict[str, Any]:
        return {
            "infitah_tr": infitah_tr,
            "infitah_versions": infitah_versions,
            "infitah_table_view": infitah_table_view,
        }


@functools.cache
def _catalogue(lang: str) -> dict[str, str]:
    path = I18N / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id and m.string}


def infitah_tr(lang: str, message: str) -> str:
    """``message`` (English) in ``lang``, or as it is when the catalogue lacks it."""
    return _catalogue(lang).get(message, message)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


def infitah_versions(pkg: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every published version, newest first, with its data package and tables (the
    archive's files, which never change): Infitah records them in ``infitah_versions``."""
    extras = {e.get("key"): e.get("value") for e in pkg.get("extras", [])}
    try:
        versions = json.loads(extras.get("infitah_versions") or "{}")
    except ValueError:
        return []
    out = []
    for version in sorted(versions, key=_key, reverse=True):
        files = versions[version]
        names = sorted(files, key=lambda n: (n != "datapackage.json", n))
        out.append((version, [(n, files[n]) for n in names if n.endswith((".csv", ".json"))]))
    return out


def infitah_table_view(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The table preview of the version a current resource is at: the one of the archive
    resource its rows were loaded into (``infitah_datastore_id``, set in the same call as
    the resource's URL), so the page never shows one version's file with another's rows."""
    table_id = resource.get("infitah_datastore_id")
    if not table_id:
        return None
    try:
        table = toolkit.get_action("resource_show")({}, {"id": table_id})
        views = toolkit.get_action("resource_view_list")({}, {"id": table_id})
        package = toolkit.get_action("package_show")({}, {"id": table["package_id"]})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return None
    view = next((v for v in views if v.get("view_type") == "datatables_view"), None)
    return {"resource": table, "package": package, "view": view} if view else None
