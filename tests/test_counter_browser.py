"""The steward's counter end to end, in headless Chromium (Playwright, Debian's chromium):
sign in, upload a broken copy of a sample commune, read the Arabic report, download the
annotated workbook, fix, read the plan, publish as a Prefect flow run, find the version
in the history; on the embedded catalog with a local account and on the real local CKAN
with a steward's own token. Also: CKAN users of one member trying another's, and the
staff's approval. Screenshots of the report go to docs/ (the README shows them)."""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from openpyxl import load_workbook
from starlette.testclient import TestClient

from pipelines import accounts
from pipelines.credentials import acting_as
from pipelines.errors import PortalError
from pipelines.publishing import publish
from pipelines.web.app import Config, create_app

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401
from .conftest import AIT_AMIRA, DATASETS, REPO, set_cells
from .test_catalog_page import FLAGS, chromium  # noqa: F401
from .test_counter import PASSWORD, csrf, folder_files, sign_in, upload

AMIRA = "09.163.07.01"
TAMANAR = "07.211.01.09"
DOCS = REPO / "docs"
NEW_TITLE = "Portail de la participation citoyenne (version revue)"
TERMINAL = ("published", "unchanged", "rejected", "invalid", "failed")


@pytest.fixture(scope="module")
def browser(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # noqa: F811
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("counter-chromium")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=FLAGS,
            accept_downloads=True, viewport={"width": 1200, "height": 900},
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


@contextlib.contextmanager
def serving(config: Config) -> Iterator[str]:
    """The counter on a free local port, in this process (uvicorn in a thread), as
    ``infitah serve`` runs it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def broken_copy(tmp: Path) -> Path:
    """Aït Amira with a corrected title (the change to publish) and a broken date."""
    folder = tmp / "ait-amira"
    shutil.copytree(AIT_AMIRA, folder)
    set_cells(folder, "commitments", {(2, "title_fr"): NEW_TITLE, (3, "start_date"): "2024-13-45"})
    return folder


def fixed(folder: Path) -> Path:
    original = (AIT_AMIRA / "commitments.csv").read_text(encoding="utf-8").splitlines()
    start = original[0].split(",").index("start_date")
    value = original[2].split(",")[start]
    set_cells(folder, "commitments", {(3, "start_date"): value})
    return folder


def wait_for_outcome(tab: Any, url: str) -> str:
    for _ in range(240):
        tab.goto(url)
        state = tab.get_attribute("#state", "data-state")
        if state in TERMINAL or state == "awaiting":
            return str(state)
        time.sleep(0.5)
    raise AssertionError(f"the run did not end: {tab.inner_text('main')}")


def screenshot(tab: Any, path: Path) -> None:
    """The page as the README shows it; rewritten only when it looks different (font
    smoothing and focus rings differ between runs; a changed page must show)."""
    from PIL import Image, ImageChops

    taken = tab.screenshot(full_page=True)
    if path.is_file():
        old = Image.open(path).convert("RGB")
        new = Image.open(io.BytesIO(taken)).convert("RGB")
        box = ImageChops.difference(old, new).getbbox() if old.size == new.size else (0, 0, 1, 1)
        area = 0 if box is None else (box[2] - box[0]) * (box[3] - box[1])
        if old.size == new.size and area < 0.01 * old.size[0] * old.size[1]:
            return
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(taken)


def walk_through(tab: Any, base: str, folder: Path, sign_in_with: dict[str, str]) -> dict[str, Any]:
    """What a steward does, in their browser; returns what the test checks after."""
    tab.goto(f"{base}/lang/ar?next=/signin")
    for name, value in sign_in_with.items():
        tab.fill(f"input[name={name}]", value)
    tab.click("form[action='/signin'] button")
    tab.wait_for_url(f"{base}/")
    tab.set_input_files("input[name=files]", [str(p) for p in sorted(folder.iterdir())])
    tab.click("#upload button[type=submit]")
    tab.wait_for_url(f"{base}/uploads/*")
    report_url = tab.url
    found: dict[str, Any] = {
        "dir": tab.eval_on_selector("html", "e => getComputedStyle(e).direction"),
        "summary": tab.inner_text("#summary"),
        "codes": tab.eval_on_selector_all(".finding", "els => els.map(e => e.dataset.code)"),
        "row": tab.inner_text(".kind.errors tbody tr"),
    }
    screenshot(tab, DOCS / "counter-report-ar.png")
    with tab.expect_download() as download:
        tab.click("#annotated")
    found["workbook"] = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    tab.goto(f"{base}/lang/fr?next={report_url.removeprefix(base)}")
    screenshot(tab, DOCS / "counter-report-fr.png")
    tab.goto(f"{base}/lang/en?next=/")
    tab.set_input_files("input[name=files]", [str(p) for p in sorted(fixed(folder).iterdir())])
    tab.click("#upload button[type=submit]")
    tab.wait_for_url(f"{base}/uploads/*")
    found["plan"] = tab.inner_text("#plan")
    tab.check("#publish input[name=confirm]")
    tab.click("#publish button")
    tab.wait_for_url("**/run")
    found["state"] = wait_for_outcome(tab, tab.url)
    found["run_page"] = tab.inner_text("main")
    found["flow_run"] = tab.inner_text("#flow-run") if tab.query_selector("#flow-run") else ""
    found["dataset"] = tab.get_attribute("#dataset", "href")
    tab.goto(f"{base}/")
    found["history"] = tab.inner_text("#history")
    found["links"] = tab.eval_on_selector_all("#history a", "els => els.map(e => e.href)")
    tab.click("form[action='/signout'] button")
    return found


def assert_the_steward_saw_it_all(found: dict[str, Any]) -> None:
    assert found["dir"] == "rtl"
    assert "غير صالحة" in found["summary"] or "✘" in found["summary"]
    assert "invalid-date" in found["codes"] or "type-error" in found["codes"], found["codes"]
    assert "commitments.csv" in found["row"] and "3" in found["row"]
    book = found["workbook"]
    assert book.sheetnames[0] == "المشكلات"
    marked = [c for ws in book.worksheets[1:] for row in ws.iter_rows() for c in row if c.comment]
    assert [(c.parent.title, c.coordinate, c.value) for c in marked][:1] == [
        ("commitments", marked[0].coordinate, "2024-13-45")
    ]
    assert "Next version: 1.0.1 (now 1.0.0)." in found["plan"]
    assert NEW_TITLE in found["plan"]
    assert found["state"] == "published", found["run_page"]
    assert "Version 1.0.1 is published." in found["run_page"]
    assert "1.0.1" in found["history"] and "1.0.0" in found["history"]
    assert any(link.endswith("commitments.csv") for link in found["links"])


def flow_run_named(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(run_id))


def test_a_steward_checks_fixes_and_publishes_on_the_catalog(
    browser: Any, prefect_harness: None, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    assert publish(AIT_AMIRA, str(catalog)).status == "published"
    home = tmp_path / "home"
    accounts.add(home, "amira", PASSWORD, AMIRA)
    config = Config(destination=str(catalog), home=home, uploads=tmp_path / "up", lang="ar")
    with serving(config) as base:
        found = walk_through(browser.new_page(), base, broken_copy(tmp_path),
                             {"account": "amira", "password": PASSWORD})  # fmt: skip
    assert_the_steward_saw_it_all(found)
    assert found["dataset"] == "/catalog/openness-programme-09-163-07-01/index.html"
    dataset = catalog / "openness-programme-09-163-07-01"
    assert (dataset / "versions" / "1.0.1" / "commitments.csv").is_file()
    assert NEW_TITLE in (dataset / "latest" / "commitments.csv").read_text(encoding="utf-8")
    run = flow_run_named(found["flow_run"])
    assert run.name.startswith("counter-") and run.state.is_completed()


# --- the real local CKAN: stewards are CKAN users with their own tokens ----------------


def ckan_steward(portal: Portal, organization: str) -> tuple[str, str]:
    """A CKAN user, editor of ``organization`` only, and an API token of theirs."""
    api = portal.api()
    name = f"steward-{secrets.token_hex(4)}"
    api.action.user_create(name=name, email=f"{name}@example.org",
                           password=secrets.token_urlsafe(16))  # fmt: skip
    api.action.organization_member_create(id=organization, username=name, role="editor")
    token = api.action.api_token_create(user=name, name="counter")["token"]
    return name, str(token)


@pytest.fixture
def two_members_on_ckan(ckan_portal: Portal) -> Iterator[Portal]:  # noqa: F811
    names = ("openness-programme-09-163-07-01", "openness-programme-07-211-01-09")
    ckan_portal.purge(*names, *(n + "-versions" for n in names))
    with acting_as(ckan_portal.token):
        for folder in (AIT_AMIRA, DATASETS / "tamanar"):
            assert publish(folder, ckan_portal.url).status == "published"
    yield ckan_portal


@pytest.mark.ckan
def test_a_steward_publishes_on_ckan_with_their_own_token(
    browser: Any, prefect_harness: None, two_members_on_ckan: Portal, tmp_path: Path
) -> None:
    portal = two_members_on_ckan
    name, token = ckan_steward(portal, "commune-09-163-07-01")
    config = Config(destination=portal.url, home=tmp_path / "home", uploads=tmp_path / "up")
    with serving(config) as base:
        found = walk_through(browser.new_page(), base, broken_copy(tmp_path), {"token": token})
    assert_the_steward_saw_it_all(found)
    assert found["dataset"] == f"{portal.url}/dataset/openness-programme-09-163-07-01"
    api = portal.api()
    shown = api.action.package_show(id="openness-programme-09-163-07-01")
    assert {e["key"]: e["value"] for e in shown["extras"]}["infitah_version"] == "1.0.1"
    # CKAN decided: the switch to 1.0.1 is the steward's own act, not the network's token.
    user = api.action.user_show(id=name)
    activity = api.action.package_activity_list(id=shown["id"], limit=1)[0]
    assert activity["user_id"] == user["id"]
    run = flow_run_named(found["flow_run"])
    assert run.state.is_completed()
    # The token was used, and is nowhere the run or the uploads keep.
    assert token not in json.dumps(run.parameters, default=str)
    kept = [p.read_bytes() for p in (tmp_path / "up").rglob("*") if p.is_file()]
    assert not any(token.encode() in data for data in kept)


@pytest.mark.ckan
def test_a_ckan_steward_of_one_member_cannot_reach_another(
    two_members_on_ckan: Portal, tmp_path: Path
) -> None:
    portal = two_members_on_ckan
    _, token_a = ckan_steward(portal, "commune-09-163-07-01")
    _, token_b = ckan_steward(portal, "commune-07-211-01-09")
    before = portal.api().action.package_show(id="openness-programme-09-163-07-01")
    config = Config(destination=portal.url, home=tmp_path / "home", uploads=tmp_path / "up",
                    lang="en")  # fmt: skip
    app = create_app(config)
    with TestClient(app) as a, TestClient(app) as b:
        page_a = a.post("/signin", data={"csrf": csrf(a.get("/signin").text), "token": token_a})
        page_b = b.post("/signin", data={"csrf": csrf(b.get("/signin").text), "token": token_b})
        csrf_a, csrf_b = csrf(page_a.text), csrf(page_b.text)
        assert "Aït Amira" in page_a.text or AMIRA in page_a.text
        assert AMIRA not in page_b.text
        mine = upload(a, csrf_a, folder_files(AIT_AMIRA))
        assert mine.status_code == 200
        # B through the page: A's member is not offered, and cannot be chosen by hand.
        assert b.post("/member", data={"csrf": csrf_b, "member": AMIRA}).status_code == 404
        # B crafting posts: A's upload, A's files.
        for path in ("", "/report.json", "/annotated.xlsx"):
            assert b.get(f"{mine.url}{path}").status_code == 404
        assert b.post(f"{mine.url}/publish",
                      data={"csrf": csrf_b, "confirm": "yes"}).status_code == 403  # fmt: skip
        refused = upload(b, csrf_b, folder_files(AIT_AMIRA))
        assert refused.status_code == 400 and AMIRA in refused.text
    # And were the counter's checks gone, CKAN itself refuses B's token on A's dataset.
    changed = tmp_path / "changed"
    shutil.copytree(AIT_AMIRA, changed)
    set_cells(changed, "commitments", {(2, "title_fr"): "Écrit par un autre membre"})
    with acting_as(token_b), pytest.raises(PortalError):
        publish(changed, portal.url)
    after = portal.api().action.package_show(id="openness-programme-09-163-07-01")
    assert after["metadata_modified"] == before["metadata_modified"]


# --- the network's approval ------------------------------------------------------------


def _approval_site(tmp_path: Path) -> Config:
    catalog = tmp_path / "catalog"
    assert publish(AIT_AMIRA, str(catalog)).status == "published"
    home = tmp_path / "home"
    accounts.add(home, "amira", PASSWORD, AMIRA)
    accounts.add(home, "network", PASSWORD, None, staff=True)
    return Config(destination=str(catalog), home=home, uploads=tmp_path / "up", lang="en",
                  approval=True)  # fmt: skip


def _publish_and_wait(steward: TestClient, folder: Path) -> str:
    token = sign_in(steward, "amira")
    page = upload(steward, token, folder_files(folder))
    assert "the network&#39;s staff will approve it first" in page.text
    run = steward.post(f"{page.url}/publish", data={"csrf": token, "confirm": "yes"})
    for _ in range(240):
        state = steward.get(f"{run.url}.json").json()["state"]
        if state != "starting" and state != "running":
            return str(run.url)
        time.sleep(0.5)
    raise AssertionError("the run never paused")


def _decide(staff: TestClient, decision: str, comment: str) -> None:
    token = sign_in(staff, "network")
    waiting = staff.get("/staff")
    ids = [m for m in waiting.text.split('name="run" value="')[1:]]
    assert len(ids) == 1, waiting.text
    staff.post("/staff", data={"csrf": csrf(waiting.text) or token, "run": ids[0].split('"')[0],
                               "decision": decision, "comment": comment})  # fmt: skip


def _final(steward: TestClient, run_url: str) -> str:
    for _ in range(240):
        state = str(steward.get(f"{run_url}.json").json()["state"])
        if state in TERMINAL:
            return state
        time.sleep(0.5)
    raise AssertionError("the run did not end")


def test_an_approved_publish_is_written_after_the_staff_approve(
    prefect_harness: None, tmp_path: Path
) -> None:
    config = _approval_site(tmp_path)
    folder = fixed(broken_copy(tmp_path))
    with TestClient(create_app(config)) as steward, TestClient(steward.app) as staff:
        run_url = _publish_and_wait(steward, folder)
        assert steward.get(f"{run_url}.json").json() == {"state": "awaiting", "prefect": "PAUSED"}
        latest = Path(config.destination) / "openness-programme-09-163-07-01" / "latest"
        assert NEW_TITLE not in (latest / "commitments.csv").read_text(encoding="utf-8")
        _decide(staff, "approve", "Vu, merci.")
        assert _final(steward, run_url) == "published"
        assert "Vu, merci." in steward.get(run_url).text
    assert NEW_TITLE in (latest / "commitments.csv").read_text(encoding="utf-8")


def test_a_rejected_publish_writes_nothing_and_says_why(
    prefect_harness: None, tmp_path: Path
) -> None:
    config = _approval_site(tmp_path)
    catalog = Path(config.destination)
    before = _files(catalog)
    folder = fixed(broken_copy(tmp_path))
    with TestClient(create_app(config)) as steward, TestClient(steward.app) as staff:
        run_url = _publish_and_wait(steward, folder)
        _decide(staff, "reject", "Le titre doit rester celui adopté par le conseil.")
        assert _final(steward, run_url) == "rejected"
        page = steward.get(run_url).text
    assert "Le titre doit rester celui adopté par le conseil." in page
    assert _files(catalog) == before


def _files(catalog: Path) -> dict[Path, bytes]:
    files = (p for p in catalog.rglob("*") if p.is_file() and ".locks" not in p.parts)
    return {p: p.read_bytes() for p in files}
