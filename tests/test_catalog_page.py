"""The catalog's index.html in a real headless Chromium, served over HTTP as a web host would.

Debian's chromium, driven by Playwright (never ``playwright install``: no browser is
downloaded). When chromium is missing the session installs it with apt-get if it runs as
root (as ``portal/portal.sh`` does for libpq-dev), so ``make test`` works on a fresh clone.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.aggregate import aggregate
from pipelines.publishing import publish

from .conftest import DATASETS

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NETWORK = "remacto-network-programmes"


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.geteuid() != 0:
            pytest.fail("chromium is missing: apt-get install chromium", pytrace=False)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env,
                       timeout=1500)  # fmt: skip
    return CHROMIUM


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    catalog = tmp_path_factory.mktemp("site") / "catalog"
    for name in ("ait-amira", "tamanar"):
        assert publish(DATASETS / name, str(catalog)).status == "published"
    assert aggregate(str(catalog), str(catalog)).outcome.status == "published"
    handler = functools.partial(QuietHandler, directory=str(catalog))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the module (Playwright's sync API runs one at a time)."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # empty --user-data-dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=FLAGS
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def page(browser: Any, site: str) -> Any:
    tab = browser.new_page()
    response = tab.goto(f"{site}/index.html", wait_until="load")
    assert response is not None and response.status == 200
    return tab


def test_the_page_lists_the_network_first_then_every_commune(page: Any) -> None:
    ids = page.eval_on_selector_all("section.ds", "els => els.map(e => e.id)")
    assert ids == [NETWORK, "openness-programme-07-211-01-09", "openness-programme-09-163-07-01"]
    network = page.locator(f"section#{NETWORK}")
    text = network.inner_text()
    assert "version 1.0.0" in text
    for table in ("Engagements", "Jalons", "Indicateurs"):
        assert table in text
    hrefs = network.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for file in ("indicators.csv", "indicators.excel.csv", "README.md", "milestones.excel.csv"):
        assert f"{NETWORK}/latest/{file}" in hrefs, file
    commune = page.locator("section#openness-programme-09-163-07-01")
    links = commune.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "openness-programme-09-163-07-01/latest/commitments.excel.csv" in links
    assert "openness-programme-09-163-07-01/latest/README.md" in links


def test_every_link_resolves_to_a_file(page: Any) -> None:
    hrefs = sorted(set(page.eval_on_selector_all("a", "els => els.map(e => e.href)")))
    assert len(hrefs) > 60
    for href in hrefs:
        with urllib.request.urlopen(href, timeout=10) as response:
            assert response.status == 200, href
            assert response.read(1) or href.endswith("/"), href


def test_arabic_is_present_and_renders_right_to_left(page: Any) -> None:
    blocks = page.eval_on_selector_all(
        "[lang=ar]",
        "els => els.map(e => [e.innerText, getComputedStyle(e).direction, e.getAttribute('dir')])",
    )
    assert len(blocks) > 20
    for text, direction, attribute in blocks:
        if not text.strip():
            continue
        assert any("\u0600" <= ch <= "\u06ff" for ch in text), text
        assert (direction, attribute) == ("rtl", "rtl"), text
    texts = [b[0] for b in blocks]
    assert "برامج انفتاح جماعات الشبكة المغربية للجماعات الترابية المنفتحة" in texts
    assert "الالتزامات حسب المحور" in texts  # a chart's Arabic title beside its image
    french = page.eval_on_selector("h1", "e => getComputedStyle(e).direction")
    assert french == "ltr"


def test_charts_load(page: Any) -> None:
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])"
    )
    assert [src.rsplit("/", 1)[-1] for src, _, _ in images] == [
        "chart-commitments-by-axis.png", "chart-completion.png",
        "chart-milestones-by-region.png", "chart-participation.png",
    ]  # fmt: skip
    for src, complete, width in images:
        assert complete and width > 0, src


AIT_AMIRA = "openness-programme-09-163-07-01"


@pytest.fixture(scope="module")
def dataset_page(browser: Any, site: str) -> Any:
    """A member's own page, reached from the index as a reader would."""
    tab = browser.new_page()
    tab.goto(f"{site}/index.html", wait_until="load")
    tab.locator(f"section#{AIT_AMIRA} h2[lang=ar] a").click()
    tab.wait_for_load_state("load")
    assert tab.url == f"{site}/{AIT_AMIRA}/index.html"
    return tab


def test_a_dataset_page_shows_its_commitments_and_milestones_in_both_languages(
    dataset_page: Any,
) -> None:
    page = dataset_page
    assert (
        page.locator("#title-fr").inner_text() == "Programme d'ouverture de la commune de Ait Amira"
    )
    title_ar = page.locator("#title-ar")
    assert title_ar.inner_text() == "برنامج انفتاح جماعة آيت عميرة"
    assert title_ar.evaluate("e => getComputedStyle(e).direction") == "rtl"
    commitment = page.locator("article#ait-amira-c1")
    text = commitment.inner_text()
    assert "Publier les données de gestion des déchets" in text
    assert "نشر معطيات تدبير النفايات" in text
    statuses = commitment.locator(".status").all_inner_texts()
    assert statuses == ["Non démarré", "لم ينطلق"]  # the code's labels, not the code
    milestones = commitment.locator("table.milestones tr").all_inner_texts()
    assert len(milestones) == 1 + 2 and "2024-12-31" in milestones[1]
    assert page.locator("#licence").inner_text() == "Open Data Commons Attribution License 1.0"


def test_a_dataset_page_shows_every_table_and_its_versions(dataset_page: Any) -> None:
    page = dataset_page
    tables = page.eval_on_selector_all("section.table", "els => els.map(e => e.id)")
    assert tables[:3] == ["table-action_plans", "table-workshops", "table-workshop_participation"]
    rows = page.locator("section#table-milestones table tr").count()
    assert rows == 1 + 6
    version = page.locator("article#v1\\.0\\.0").inner_text()
    assert "First published version." in version
    hrefs = sorted(set(page.eval_on_selector_all("a", "els => els.map(e => e.href)")))
    assert any(h.endswith(f"{AIT_AMIRA}/versions/1.0.0/datapackage.json") for h in hrefs)
    for href in hrefs:
        if href.startswith("http://127.0.0.1"):
            with urllib.request.urlopen(href, timeout=10) as response:
                assert response.status == 200, href
