"""The steward's counter over HTTP (Starlette's test client): what a steward, and an
attacker, get from each page on the embedded catalog. The browser walk-through, CKAN
sign-in and approval are in test_counter_browser.py."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from pipelines import accounts
from pipelines.validation import validate
from pipelines.web.app import Config, create_app

from .conftest import AIT_AMIRA, set_cells
from .test_hostile import REFUSED

AMIRA = "09.163.07.01"
TAMANAR = "07.211.01.09"
PASSWORD = "correct horse battery"


@pytest.fixture
def site(tmp_path: Path) -> Config:
    home = tmp_path / "home"
    accounts.add(home, "amira", PASSWORD, AMIRA)
    accounts.add(home, "tamanar", PASSWORD, TAMANAR)
    return Config(destination=str(tmp_path / "catalog"), home=home,
                  uploads=tmp_path / "uploads", lang="en")  # fmt: skip


@pytest.fixture
def client(site: Config) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as c:
        yield c


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def sign_in(client: TestClient, name: str = "amira", password: str = PASSWORD) -> str:
    token = csrf(client.get("/signin").text)
    page = client.post("/signin", data={"csrf": token, "account": name, "password": password})
    assert page.status_code == 200 and str(page.url).endswith("/"), page.text[:300]
    return csrf(page.text)


def folder_files(folder: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [
        ("files", (p.name, p.read_bytes()))
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.is_symlink()
    ]


def upload(client: TestClient, token: str, files: list[Any], **data: str) -> Any:
    return client.post("/upload", data={"csrf": token, **data}, files=files)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_broken_upload_reports_what_the_cli_reports(client: TestClient, ait_amira: Path) -> None:
    token = sign_in(client)
    set_cells(ait_amira, "commitments", {(3, "start_date"): "2024-13-45"})
    page = upload(client, token, folder_files(ait_amira))
    assert page.status_code == 200 and "/uploads/" in str(page.url)
    shown = client.get(f"{page.url}/report.json").json()
    expected = validate(ait_amira).report.to_dict("en")
    assert shown["errors"] == expected["errors"] and shown["warnings"] == expected["warnings"]
    assert shown["errors"], "the broken date must be an error"
    words = text_of(page.text)
    first = shown["errors"][0]
    assert first["code"] in words and "commitments.csv" in words
    assert f" {first['row']} " in words and f" {first['column']} " in words


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_every_hostile_file_of_the_corpus_gets_the_cli_findings_and_no_markup(
    client: TestClient, ait_amira: Path, name: str
) -> None:
    """The hostile-input corpus (tests/test_hostile.py), sent as a browser sends files:
    each regular file's bytes (a link or a FIFO cannot be uploaded, only bytes can)."""
    token = sign_in(client)
    REFUSED[name].breaks(ait_amira)
    sent = folder_files(ait_amira)
    page = upload(client, token, sent)
    if page.status_code == 400:  # refused whole, with words, before validation
        assert "alert" in page.text
        return
    assert page.status_code == 200, page.text[:500]
    shown = client.get(f"{page.url}/report.json").json()
    mirror = ait_amira.parent / "mirror"
    mirror.mkdir()
    for _, (file, data) in sent:
        (mirror / file).write_bytes(data)
    if not (mirror / "datapackage.json").exists():
        (mirror / "datapackage.json").write_text(json.dumps({"x-commune-code": AMIRA}))
    expected = validate(mirror).report.to_dict("en")
    assert [e["code"] for e in shown["errors"]] == [e["code"] for e in expected["errors"]]
    assert "<script" not in page.text.lower().replace('<script src="/static/counter.js"', "")


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_markup_in_cells_and_file_names_is_shown_as_text(
    client: TestClient, ait_amira: Path
) -> None:
    token = sign_in(client)
    set_cells(ait_amira, "commitments", {(2, "title_fr"): XSS, (3, "start_date"): XSS})
    files = folder_files(ait_amira)
    files.append(("files", (f"{XSS}.csv", b"a,b\n1,2\n")))
    page = upload(client, token, files)
    body = page.text
    assert "<img" not in body and "onerror=alert" not in body.replace("onerror=alert(2)&gt;", "")
    assert body.count("<script") == 1  # the counter's own, from /static only
    assert "&lt;script&gt;" in body or "&#34;&gt;&lt;script&gt;" in body
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_annotated_workbook_marks_the_cells(client: TestClient, ait_amira: Path) -> None:
    token = sign_in(client, "amira")
    set_cells(ait_amira, "commitments", {(3, "start_date"): "2024-13-45"})
    page = upload(client, token, folder_files(ait_amira))
    report = client.get(f"{page.url}/report.json").json()
    (error,) = [e for e in report["errors"] if e["table"] == "commitments"]
    client.cookies.set("infitah_lang", "fr")
    workbook = client.get(f"{page.url}/annotated.xlsx")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames[0] == "Problèmes"
    cell = book["commitments"][f"{error['column']}{error['row']}"]
    assert cell.value == "2024-13-45"
    assert cell.comment is not None and "2024-13-45" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("F8B4B4")
    problems = book["Problèmes"]
    assert problems["B2"].value == error["code"]
    assert problems["F2"].hyperlink.location == f"'commitments'!{error['column']}{error['row']}"


def test_a_typed_formula_stays_text_in_the_annotated_workbook(
    client: TestClient, ait_amira: Path
) -> None:
    token = sign_in(client)
    set_cells(ait_amira, "commitments", {(2, "title_fr"): '=HYPERLINK("http://x.example","y")'})
    page = upload(client, token, folder_files(ait_amira))
    book = load_workbook(io.BytesIO(client.get(f"{page.url}/annotated.xlsx").content))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_the_plan_shows_field_level_changes_before_anything_is_written(
    client: TestClient, site: Config, ait_amira: Path
) -> None:
    from pipelines.publishing import publish

    assert publish(AIT_AMIRA, site.destination).status == "published"
    token = sign_in(client)
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Un titre corrigé"})
    before = sorted(Path(site.destination).rglob("*"))
    page = upload(client, token, folder_files(ait_amira))
    words = text_of(page.text)
    assert "Next version: 1.0.1 (now 1.0.0)." in words
    assert "Patch: values were corrected" in words
    assert "Un titre corrigé" in words
    assert sorted(Path(site.destination).rglob("*")) == before  # nothing written


def test_a_steward_sees_and_publishes_only_their_member(
    client: TestClient, site: Config, ait_amira: Path
) -> None:
    token = sign_in(client, "amira")
    mine = upload(client, token, folder_files(ait_amira))
    assert mine.status_code == 200
    other = TestClient(client.app)
    token_b = sign_in(other, "tamanar")
    for path in ("", "/report.json", "/annotated.xlsx", "/run"):
        assert other.get(f"{mine.url}{path}").status_code == 404
    crafted = other.post(f"{mine.url}/publish", data={"csrf": token_b, "confirm": "yes"})
    assert crafted.status_code == 403
    assert other.post("/member", data={"csrf": token_b, "member": AMIRA}).status_code == 404
    # Tamanar's steward sending Aït Amira's descriptor: refused, naming both members.
    refused = upload(other, token_b, folder_files(ait_amira))
    assert refused.status_code == 400
    assert AMIRA in refused.text and TAMANAR in refused.text
    assert not Path(site.destination).exists() or not any(Path(site.destination).iterdir())


def test_forms_without_this_sessions_csrf_token_are_refused(
    client: TestClient, site: Config, ait_amira: Path
) -> None:
    token = sign_in(client)
    assert upload(client, "forged", folder_files(ait_amira)).status_code == 403
    assert client.post("/upload", files=folder_files(ait_amira)).status_code == 403
    assert not any(site.uploads.iterdir())
    assert upload(client, token, folder_files(ait_amira)).status_code == 200


def test_the_session_cookie_is_http_only_signed_and_holds_nothing_but_an_id(
    client: TestClient,
) -> None:
    page = client.get("/signin")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    value = client.cookies["infitah_session"]
    sid, _, signature = value.rpartition(".")
    assert len(signature) == 64 and "amira" not in value
    client.cookies.set("infitah_session", f"{sid}.{'0' * 64}")
    assert client.get("/").status_code == 200 and "/signin" in str(client.get("/").url)


def test_failed_sign_ins_are_rate_limited(client: TestClient) -> None:
    token = csrf(client.get("/signin").text)
    codes = [
        client.post(
            "/signin", data={"csrf": token, "account": "amira", "password": "nope"}
        ).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    right = client.post("/signin", data={"csrf": token, "account": "amira", "password": PASSWORD})
    assert right.status_code == 429  # even the right password waits: the key is throttled


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_zip_is_expanded_flat_and_its_traps_refused(
    client: TestClient, site: Config, ait_amira: Path
) -> None:
    token = sign_in(client)
    entries = {f"../../evil/{p.name}": p.read_bytes() for p in ait_amira.iterdir()}
    page = upload(client, token, [("files", ("programme.zip", _zip(entries)))])
    assert page.status_code == 200
    (stored,) = [p for p in site.uploads.iterdir() if p.is_dir()]
    assert sorted(p.name for p in (stored / "files").iterdir()) == sorted(
        p.name for p in ait_amira.iterdir()
    )
    assert not (site.uploads.parent / "evil").exists()
    bomb = _zip({"commitments.csv": b"0" * (300 * 1024 * 1024)})
    refused = upload(client, token, [("files", ("bomb.zip", bomb))])
    assert refused.status_code == 400 and "200 MB" in refused.text
    many = _zip({f"t{i}.csv": b"a\n" for i in range(41)})
    assert upload(client, token, [("files", ("many.zip", many))]).status_code == 400
    odd = upload(client, token, [("files", ("notes.exe", b"MZ"))])
    assert odd.status_code == 400 and "notes.exe" in odd.text


def test_pages_follow_the_chosen_language_and_arabic_is_right_to_left(
    client: TestClient,
) -> None:
    switched = client.get("/lang/ar?next=/signin")
    assert switched.status_code == 200
    assert '<html lang="ar" dir="rtl">' in switched.text and "تسجيل الدخول" in switched.text
    assert '<html lang="ar" dir="rtl">' in client.get("/signin").text  # remembered
    away = client.get("/lang/fr?next=//evil.example/", follow_redirects=False)
    assert away.headers["location"] == "/"


def test_the_uploads_are_swept_after_their_time(site: Config, ait_amira: Path) -> None:
    import os

    from pipelines import uploads

    kept = uploads.store(site.uploads, AMIRA, [("commitments.csv", b"x")], now=1.0)
    assert uploads.sweep(site.uploads, keep=3600, now=1.0 + 10) == 0
    os.utime(kept.root, (1.0, 1.0))
    assert uploads.sweep(site.uploads, keep=3600) == 1
    assert not kept.root.exists()


def test_the_staff_page_is_for_the_staff_only(client: TestClient) -> None:
    sign_in(client, "amira")
    page = client.get("/staff")
    assert page.status_code == 403 and "network's staff" in page.text.replace("&#39;", "'")


def test_accounts_are_added_from_the_command_line_with_words_not_tracebacks(
    cli: Any, tmp_path: Path
) -> None:
    import subprocess
    import sys

    def add(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "accounts", "add", *args,
             "--home", str(tmp_path), "--password-stdin", "--lang", "fr"],
            input=password + "\n", capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    done = add("amira", "--member", AMIRA, password=PASSWORD)
    assert done.returncode == 0 and "amira" in done.stdout
    stored = (tmp_path / "accounts.json").read_text()
    assert PASSWORD not in stored and '"n": 32768' in stored
    assert oct((tmp_path / "accounts.json").stat().st_mode & 0o777) == "0o600"
    assert accounts.verify(tmp_path, "amira", PASSWORD) is not None
    assert accounts.verify(tmp_path, "amira", PASSWORD + "!") is None
    short = add("tamanar", "--member", TAMANAR, password="court")
    assert short.returncode == 2 and "trop court" in short.stderr
    assert "Traceback" not in short.stderr
    unknown = add("x1", "--member", "99.999", password=PASSWORD)
    assert unknown.returncode == 2 and "99.999" in unknown.stderr


def test_infitah_serve_answers_on_the_port_it_is_given(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "serve", "--port", str(port), "--to",
         str(tmp_path / "catalog"), "--home", str(tmp_path), "--uploads", str(tmp_path / "up")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=2) as r:
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(proc.stderr.read() if proc.stderr else "no answer")
        assert 'name="password"' in page and "csrf" in page
    finally:
        proc.terminate()
        proc.wait(10)
