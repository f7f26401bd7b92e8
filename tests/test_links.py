"""A shared-workbook link: fetched over https from public addresses only, every redirect
checked again, within a size limit; the staff's allow-list opens a named host (here a
local server, as the issue asks). A careful attacker's links first."""

from __future__ import annotations

import http.server
import io
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from starlette.testclient import TestClient

from pipelines import accounts
from pipelines.errors import UsageError
from pipelines.links import LinkPolicy, download_url, fetch
from pipelines.validation import validate
from pipelines.web.app import Config, create_app

from .conftest import AIT_AMIRA
from .test_counter import AMIRA, PASSWORD, sign_in, upload


def workbook_of(folder: Path) -> bytes:
    """The member's tables as one workbook, a sheet per table (as the template has)."""
    import csv

    book = Workbook()
    book.remove(book.active)
    for path in sorted(folder.glob("*.csv")):
        ws = book.create_sheet(path.stem)
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WORKBOOK = workbook_of(AIT_AMIRA)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/programme": (200, {"Content-Disposition": 'attachment; filename="programme.xlsx"'},
                           WORKBOOK),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b""),
            "/to-metadata-https": (302, {"Location": "https://169.254.169.254/latest"}, b""),
            "/to-self": (302, {"Location": "/programme"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/page": (200, {"Content-Type": "text/html"}, b"<html>hello</html>"),
            "/huge": (200, {"Content-Length": str(10**10)}, b""),
        }  # fmt: skip
        status, headers, body = routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def refused(url: str, policy: LinkPolicy | None = None) -> str:
    with pytest.raises(UsageError) as caught:
        fetch(url, policy or LinkPolicy())
    return str(caught.value.key)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://127.0.0.1/x.xlsx", "link-private"),
        ("https://localhost/x.xlsx", "link-private"),
        ("https://[::1]/x.xlsx", "link-private"),
        ("https://169.254.169.254/latest/meta-data", "link-private"),
        ("https://10.1.2.3/x.xlsx", "link-private"),
        ("https://192.168.0.1/x.xlsx", "link-private"),
        ("https://[::ffff:127.0.0.1]/x.xlsx", "link-private"),
        ("https://0.0.0.0/x.xlsx", "link-private"),
        ("http://example.org/x.xlsx", "link-not-https"),
        ("file:///etc/passwd", "link-bad"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "link-bad"),
        ("https://user:secret@example.org/x.xlsx", "link-bad"),
        ("https://example.org:99999/x.xlsx", "link-bad"),
    ],
)
def test_links_to_inside_or_in_the_clear_are_refused(url: str, key: str) -> None:
    assert refused(url) == key


def test_a_name_resolving_to_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in ("93.184.215.14", "127.0.0.1")]  # fmt: skip

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert refused("https://sheets.example.org/x.xlsx") == "link-private"


def test_an_allowed_local_host_is_fetched_and_redirects_are_checked_again(server: str) -> None:
    allowed = LinkPolicy.from_text(server)
    name, data = fetch(f"http://{server}/programme", allowed)
    assert (name, data) == ("programme.xlsx", WORKBOOK)
    assert fetch(f"http://{server}/to-self", allowed)[1] == WORKBOOK
    assert refused(f"http://{server}/to-metadata", allowed) == "link-not-https"
    assert refused(f"http://{server}/to-metadata-https", allowed) == "link-private"
    assert refused(f"http://{server}/loop", allowed) == "link-redirects"
    assert refused(f"http://{server}/page", allowed) == "link-not-workbook"
    assert refused(f"http://{server}/huge", allowed) == "link-too-large"
    assert refused(f"http://{server}/missing", allowed) == "link-status"
    assert refused(f"http://{server}/programme") == "link-not-https"  # not allowed: refused


def test_share_links_become_download_links() -> None:
    sheet = "https://docs.google.com/spreadsheets/d/1AbC_d-9/edit?usp=sharing"
    assert download_url(sheet) == (
        "https://docs.google.com/spreadsheets/d/1AbC_d-9/export?format=xlsx"
    )
    one = "https://contoso.sharepoint.com/:x:/g/personal/f/EaBc?e=xyz"
    assert download_url(one) == one + "&download=1"
    box = "https://www.dropbox.com/s/abc/programme.xlsx?dl=0"
    assert download_url(box) == "https://www.dropbox.com/s/abc/programme.xlsx?dl=1"
    other = "https://example.org/programme.xlsx"
    assert download_url(other) == other


def test_a_steward_pastes_a_link_and_gets_the_workbooks_report(server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    accounts.add(home, "amira", PASSWORD, AMIRA)
    config = Config(destination=str(tmp_path / "catalog"), home=home, uploads=tmp_path / "up",
                    lang="en", links=LinkPolicy.from_text(server))  # fmt: skip
    with TestClient(create_app(config)) as client:
        token = sign_in(client)
        page = upload(client, token, [], link=f"http://{server}/programme")
        assert page.status_code == 200, page.text[:400]
        shown = client.get(f"{page.url}/report.json").json()
        private = upload(client, token, [], link="https://127.0.0.1:5050/api/3/action/status_show")
        assert private.status_code == 400
        assert "private or local address" in re.sub(r"\s+", " ", private.text)
    local = tmp_path / "local"
    local.mkdir()
    (local / "programme.xlsx").write_bytes(WORKBOOK)
    (local / "datapackage.json").write_text(f'{{"x-commune-code": "{AMIRA}"}}')
    expected = validate(local).report.to_dict("en")
    assert shown["errors"] == expected["errors"] and shown["warnings"] == expected["warnings"]
    assert shown["valid"] == expected["valid"]
