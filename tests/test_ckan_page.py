"""The CKAN dataset page as a reader sees it, in Debian's Chromium against the real
local CKAN: both titles (Arabic right-to-left), the licence, the current version and
the earlier ones that download, and a table preview with rows."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from pipelines.publishing import publish

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import AIT_AMIRA, set_cells
from .test_catalog_page import browser, chromium  # noqa: F401  (fixtures)

DATASET = "openness-programme-09-163-07-01"
NEW_TITLE = "Élaborer le plan de travail détaillé, version revue"


@pytest.fixture(scope="module")
def published(ckan_portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> str:  # noqa: F811
    """Ait Amira published, then updated (a milestone renamed): two versions."""
    import shutil

    folder = shutil.copytree(AIT_AMIRA, tmp_path_factory.mktemp("page") / "ait-amira")
    ckan_portal.purge(DATASET, f"{DATASET}-versions")
    assert publish(folder, ckan_portal.url, token=ckan_portal.token).status == "published"
    set_cells(folder, "milestones", {(2, "title_fr"): NEW_TITLE})
    second = publish(folder, ckan_portal.url, token=ckan_portal.token)
    assert second.status == "published" and second.version
    return second.version


@pytest.mark.ckan
def test_the_dataset_page_shows_both_titles_licence_and_every_version(
    browser: Any,  # noqa: F811
    published: str,
    ckan_portal: Portal,  # noqa: F811
) -> None:
    page = browser.new_page()
    response = page.goto(f"{ckan_portal.url}/dataset/{DATASET}", wait_until="load")
    assert response is not None and response.status == 200
    assert page.locator("#title-fr").inner_text() == (
        "Programme d'ouverture de la commune de Ait Amira"
    )
    arabic = page.locator("#title-ar")
    assert arabic.inner_text() == "برنامج انفتاح جماعة آيت عميرة"
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert "Open Data Commons Attribution License" in page.locator("#licence").inner_text()
    current = page.locator("#current-version").inner_text()
    assert f"Version en vigueur : {published}" in current and "النسخة الحالية" in current
    earlier = page.locator("li.earlier-version[data-version='1.0.0'] a", has_text="datapackage")
    href = earlier.get_attribute("href")
    assert href is not None
    old = requests.get(href, timeout=60)
    assert old.status_code == 200 and old.json()["version"] == "1.0.0"
    milestones = requests.get(
        page.locator(
            "li.earlier-version[data-version='1.0.0'] a", has_text="milestones.csv"
        ).first.get_attribute("href")
        or "",
        timeout=60,
    ).text
    assert NEW_TITLE not in milestones  # the earlier version's own bytes
    page.close()


@pytest.mark.ckan
def test_a_table_resource_shows_a_preview_with_rows(
    browser: Any,  # noqa: F811
    published: str,
    ckan_portal: Portal,  # noqa: F811
) -> None:
    package = ckan_portal.api().action.package_show(id=DATASET)
    (resource,) = [r for r in package["resources"] if r["name"] == "milestones"]
    page = browser.new_page()
    page.goto(f"{ckan_portal.url}/dataset/{DATASET}/resource/{resource['id']}", wait_until="load")
    # The preview is the current version's DataStore table, the one the resource names.
    preview = page.locator("#infitah-table-preview")
    assert preview.get_attribute("data-version") == published
    frame = page.locator("#infitah-table-preview iframe").get_attribute("src") or ""
    assert resource["infitah_datastore_id"] in frame
    rows = page.frame_locator("#infitah-table-preview iframe").locator("table tbody tr")
    rows.first.wait_for(timeout=30_000)
    assert rows.count() == 6
    assert NEW_TITLE in rows.all_inner_texts()[0]  # the current version's rows
    page.close()
