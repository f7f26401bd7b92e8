"""Local accounts for the steward's counter on the embedded catalog, and sign-in throttling.

The embedded catalog has no users of its own, so the network's staff create one account
per steward (``infitah accounts add NAME --member CODE``): an account publishes only its
member. Passwords are stored as scrypt hashes (a memory-hard KDF from the standard
library) with a random salt each, compared in constant time; the file is written
atomically, readable by its owner only. On CKAN the portal's own users and API tokens
are used instead, and these accounts only name the network's staff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from . import members
from .errors import UsageError

ACCOUNTS_FILE = "accounts.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
MIN_PASSWORD = 10
# scrypt's cost: 2**15 blocks of 8 x 128 bytes = 32 MiB and ~0.1 s per check on one core.
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_MAXMEM = 64 * 1024 * 1024


@dataclass(frozen=True)
class Account:
    """Who signed in: the member they publish for (None for the network's staff only)."""

    name: str
    member: str | None
    staff: bool = False


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM)


def _path(home: Path) -> Path:
    return home / ACCOUNTS_FILE


def _load(home: Path) -> dict[str, dict[str, object]]:
    path = _path(home)
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def add(home: Path, name: str, password: str, member: str | None, staff: bool = False) -> Account:
    """Create or replace an account (replacing is how a forgotten password is reset)."""
    if not NAME.match(name):
        raise UsageError(f"bad account name {name!r}", key="account-name", value=name[:64])
    if len(password) < MIN_PASSWORD:
        raise UsageError("password too short", key="account-password", limit=str(MIN_PASSWORD))
    if member is None and not staff:
        raise UsageError("an account needs a member or --staff", key="account-member-missing")
    if member is not None and members.member(member) is None:
        raise UsageError(f"unknown member {member}", key="unknown-member", code=member)
    salt = secrets.token_bytes(16)
    entry: dict[str, object] = {
        "member": member,
        "staff": staff,
        "salt": salt.hex(),
        "hash": _hash(password, salt, **SCRYPT).hex(),
        **SCRYPT,
    }
    home.mkdir(parents=True, exist_ok=True)
    accounts = _load(home)
    accounts[name] = entry
    _write(_path(home), accounts)
    return Account(name, member, staff)


def _write(path: Path, accounts: dict[str, dict[str, object]]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(accounts, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


# A name that does not exist costs the same scrypt as one that does (no timing oracle).
_DUMMY_SALT = secrets.token_bytes(16)


def verify(home: Path, name: str, password: str) -> Account | None:
    """The account if the password is right, else None (whichever part was wrong)."""
    entry = _load(home).get(name)
    if not isinstance(entry, dict):
        _hash(password, _DUMMY_SALT, **SCRYPT)
        return None
    cost = {k: int(str(entry[k])) for k in ("n", "r", "p")}
    expected = bytes.fromhex(str(entry["hash"]))
    given = _hash(password, bytes.fromhex(str(entry["salt"])), **cost)
    if not hmac.compare_digest(expected, given):
        return None
    member = entry.get("member")
    return Account(name, str(member) if member else None, bool(entry.get("staff")))


class Throttle:
    """At most ``limit`` failed sign-ins per key (an account name, a client address) in
    ``window`` seconds; then refused until the oldest failure leaves the window. Kept in
    memory: a restarted counter forgets, which is acceptable for a slowing-down measure."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
