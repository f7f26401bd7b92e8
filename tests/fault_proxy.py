"""A fault-injecting HTTP proxy on 127.0.0.1, for tests and benchmarks only.

It stands between Infitah and the real local CKAN and, for a configured fraction of
requests, misbehaves the way networks and gateways do:

* ``drop``: closes the connection before the portal sees the request;
* ``drop-after``: forwards the request (the portal does the work), then closes the
  connection without answering: the client cannot know its write happened;
* ``delay``: forwards after a pause;
* ``500`` / ``502`` / ``503``: answers that status without forwarding;
* ``503-after``: forwards, then answers 503 instead of the portal's answer.

Which request gets which fault is drawn from ``random.Random(f"{seed}:{n}")`` for the
n-th request, so a run is deterministic per seed for a given order of requests. Every
decision is recorded in ``proxy.log`` (request number, method, path, fault).

    python tests/fault_proxy.py --upstream http://127.0.0.1:5050 --rate 0.2 --seed 1
"""

from __future__ import annotations

import argparse
import contextlib
import http
import http.client
import random
import socket
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar

KINDS = ("drop", "drop-after", "delay", "500", "502", "503", "503-after")
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
     "proxy-connection", "proxy-authenticate", "proxy-authorization"}
)  # fmt: skip


@dataclass(frozen=True)
class Decision:
    number: int
    method: str
    path: str
    fault: str | None


@dataclass
class FaultConfig:
    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    delay: tuple[float, float] = (0.2, 1.5)


@dataclass
class _State:
    config: FaultConfig
    upstream: urllib.parse.SplitResult
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0
    log: list[Decision] = field(default_factory=list)
    # Called once the portal has answered a request, before the client gets the answer:
    # where a test kills the client, the portal has done the work and nobody knows.
    on_forwarded: Callable[[Decision], None] | None = None

    def decide(self, method: str, path: str) -> tuple[Decision, random.Random]:
        with self.lock:
            number = self.count
            self.count += 1
            rng = random.Random(f"{self.config.seed}:{number}")
            fault = rng.choice(self.config.kinds) if rng.random() < self.config.rate else None
            decision = Decision(number, method, path, fault)
            self.log.append(decision)
        return decision, rng


class _Handler(BaseHTTPRequestHandler):
    state: ClassVar[_State]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # decisions are in proxy.log; stderr stays quiet

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        decision, rng = self.state.decide(self.command, self.path)
        fault = decision.fault
        if fault == "drop":
            return self._drop()
        if fault in ("500", "502", "503"):
            return self._answer(int(fault))
        if fault == "delay":
            low, high = self.state.config.delay
            time.sleep(rng.uniform(low, high))
        status, headers, content = self._forward(body)
        if self.state.on_forwarded is not None:
            self.state.on_forwarded(decision)
        if fault == "drop-after":
            return self._drop()
        if fault == "503-after":
            return self._answer(503)
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may be gone (killed by a test)
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        up = self.state.upstream
        conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port or 80, timeout=300)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = up.netloc
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _answer(self, status: int) -> None:
        """What a gateway in front of CKAN answers: an HTML page, not CKAN's JSON."""
        phrase = http.HTTPStatus(status).phrase
        content = f"<html><body><h1>{status} {phrase}</h1>injected</body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(content)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class FaultProxy:
    """``with FaultProxy(upstream, FaultConfig(rate=0.2, seed=1)) as proxy: proxy.url``."""

    def __init__(
        self,
        upstream: str,
        config: FaultConfig | None = None,
        port: int = 0,
        on_forwarded: Callable[[Decision], None] | None = None,
    ) -> None:
        self.state = _State(config or FaultConfig(), urllib.parse.urlsplit(upstream))
        self.state.on_forwarded = on_forwarded
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def config(self) -> FaultConfig:
        return self.state.config

    @property
    def log(self) -> list[Decision]:
        with self.state.lock:
            return list(self.state.log)

    def faults(self) -> Counter[str]:
        return Counter(d.fault for d in self.log if d.fault)

    def start(self) -> FaultProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    proxy = FaultProxy(args.upstream, FaultConfig(rate=args.rate, seed=args.seed), args.port)
    print(f"FAULT_PROXY_URL={proxy.url}", flush=True)
    try:
        proxy.server.serve_forever()
    except KeyboardInterrupt:
        proxy.server.server_close()


if __name__ == "__main__":
    main()
