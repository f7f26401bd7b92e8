"""Server-side sessions: the browser holds only a random id, signed; everything else
(who signed in, their CKAN token, the CSRF token) stays in this process's memory.

A signed cookie that carried the session itself (Starlette's SessionMiddleware) would put
the steward's CKAN token in the browser, readable by anyone with the cookie jar; here a
stolen cookie dies with the session, and a restart signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from ..counter import Steward

COOKIE = "infitah_session"
TTL = 8 * 3600


@dataclass
class Session:
    id: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    steward: Steward | None = None
    member: str | None = None
    token: str | None = field(default=None, repr=False)  # never printed, never logged
    seen: float = field(default_factory=time.monotonic)

    def csrf_ok(self, given: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), given.encode())


class Sessions:
    def __init__(self, secret: bytes, ttl: float = TTL) -> None:
        self._secret = secret
        self._ttl = ttl
        self._store: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _sign(self, sid: str) -> str:
        return hmac.new(self._secret, sid.encode(), hashlib.sha256).hexdigest()

    def cookie(self, session: Session) -> str:
        return f"{session.id}.{self._sign(session.id)}"

    def get(self, cookie: str | None) -> Session | None:
        if not cookie or "." not in cookie:
            return None
        sid, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(sid).encode()):
            return None
        now = time.monotonic()
        with self._lock:
            session = self._store.get(sid)
            if session is None or now - session.seen > self._ttl:
                self._store.pop(sid, None)
                return None
            session.seen = now
            return session

    def new(self) -> Session:
        session = Session(secrets.token_urlsafe(32))
        with self._lock:
            self._expire()
            self._store[session.id] = session
        return session

    def drop(self, session: Session) -> None:
        with self._lock:
            self._store.pop(session.id, None)

    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s for s, v in self._store.items() if now - v.seen > self._ttl]:
            del self._store[sid]
