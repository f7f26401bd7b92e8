"""Fetching a steward's shared-workbook link without letting the link reach inside.

A link typed in a web form is an attacker's way into the server's network (SSRF): to
the cloud's metadata address, the portal's admin port, a database on localhost. So a
link is fetched only over https, only from public addresses, every name resolved once
and the connection made to the address that was checked (a second resolution could
answer differently), every redirect checked again, within a time and a size limit. The
network's staff may allow named hosts (an intranet file server; tests' local server):
those may be private and plain http. Share links of the usual online spreadsheets are
turned into their download links.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

from .errors import UsageError
from .uploads import MAX_BYTES, safe_name

MAX_REDIRECTS = 5
TIMEOUT = 20.0
_GOOGLE = re.compile(r"^/spreadsheets/d/([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class LinkPolicy:
    """What the counter may fetch: ``allow`` lists hosts (``name`` or ``name:port``) the
    staff trust even when private or plain http."""

    allow: frozenset[str] = frozenset()
    timeout: float = TIMEOUT
    max_bytes: int = MAX_BYTES

    @classmethod
    def from_text(cls, text: str) -> LinkPolicy:
        return cls(frozenset(h.strip().lower() for h in text.split(",") if h.strip()))


def download_url(url: str) -> str:
    """The file behind a share link: Google Sheets' export as XLSX; OneDrive, SharePoint
    and Dropbox's direct download; any other link as it is."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host == "docs.google.com" and (m := _GOOGLE.match(parts.path)):
        return f"https://docs.google.com/spreadsheets/d/{m.group(1)}/export?format=xlsx"
    if host.endswith(("sharepoint.com", "onedrive.live.com", "1drv.ms")) and "download=1" not in (
        parts.query
    ):
        return url + ("&" if parts.query else "?") + "download=1"
    if host.endswith("dropbox.com"):
        return re.sub(r"([?&])dl=0", r"\1dl=1", url) if "dl=0" in url else url
    return url


def fetch(url: str, policy: LinkPolicy) -> tuple[str, bytes]:
    """The workbook at ``url``: its file name and bytes, or a UsageError saying why not."""
    deadline = time.monotonic() + policy.timeout
    target = download_url(url)
    for _ in range(MAX_REDIRECTS + 1):
        response, connection = _get(target, policy, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                target = urljoin(target, location)
                continue
            if response.status != 200:
                raise _refused("link-status", url, status=str(response.status))
            data = _read(response, policy, deadline, url)
            return _named(response, target, data, url), data
        finally:
            connection.close()
    raise _refused("link-redirects", url, limit=str(MAX_REDIRECTS))


def _refused(key: str, url: str, **params: str) -> UsageError:
    shown = url[:200]
    return UsageError(f"{shown}: {key}", key=key, url=shown, **params)


def _get(
    url: str, policy: LinkPolicy, deadline: float
) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _refused("link-bad", url) from None
    if not host or parts.username or parts.password or scheme not in ("https", "http"):
        raise _refused("link-bad", url)
    allowed = host in policy.allow or f"{host}:{port}" in policy.allow
    if scheme != "https" and not allowed:
        raise _refused("link-not-https", url)
    address = _address(host, port, allowed, url)
    remaining = max(deadline - time.monotonic(), 0.1)
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = _PinnedHTTPS(host, address, port, remaining)
    else:
        connection = _PinnedHTTP(host, address, port, remaining)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers={"User-Agent": "infitah-counter", "Host": host})
        return connection.getresponse(), connection
    except (OSError, http.client.HTTPException):
        connection.close()
        raise _refused("link-unreachable", url) from None


def _address(host: str, port: int, allowed: bool, url: str) -> str:
    """The one address the connection goes to: every address the name resolves to must
    be public (a name with one private address among public ones is refused)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refused("link-unreachable", url) from None
    addresses = [str(info[4][0]) for info in infos]
    if not allowed:
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%")[0])
            mapped = getattr(ip, "ipv4_mapped", None)
            if not ip.is_global or (mapped is not None and not mapped.is_global):
                raise _refused("link-private", url)
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, the certificate verified for the link's host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_name = host

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(sock, server_hostname=self._server_name)


def _read(
    response: http.client.HTTPResponse, policy: LinkPolicy, deadline: float, url: str
) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise _refused("link-too-large", url, limit=str(policy.max_bytes // (1024 * 1024)))
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > policy.max_bytes:
            raise _refused("link-too-large", url, limit=str(policy.max_bytes // (1024 * 1024)))
        if time.monotonic() > deadline:
            raise _refused("link-slow", url, seconds=str(int(policy.timeout)))
        chunks.append(chunk)
    return b"".join(chunks)


def _named(response: http.client.HTTPResponse, target: str, data: bytes, url: str) -> str:
    """A workbook's name: the server's (Content-Disposition), else the link's last part;
    the bytes decide whether it is a workbook at all."""
    message = Message()
    message["content-disposition"] = response.getheader("Content-Disposition") or ""
    given = message.get_filename() or urlsplit(target).path.rsplit("/", 1)[-1]
    name = safe_name(given)
    if data[:4] == b"PK\x03\x04":
        return name if name.lower().endswith(".xlsx") else "workbook.xlsx"
    if name.lower().endswith(".csv"):
        return name
    raise _refused("link-not-workbook", url)
