"""The portal's API token, found at run time on the machine that runs the flow.

Deployments and flow parameters are stored by the Prefect server and shown in its UI, so
the token never travels as a parameter: a worker reads it from its own environment, or
from a Prefect Secret block that the server keeps encrypted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .portals import is_url

TOKEN_ENV = "CKAN_API_TOKEN"
TOKEN_BLOCK = "ckan-api-token"
_ACTING: ContextVar[str | None] = ContextVar("infitah_acting_token", default=None)


@contextmanager
def acting_as(token: str | None) -> Iterator[None]:
    """Within, ``portal_token`` answers the signed-in steward's own token (the counter's
    publish runs in-process), so the portal's own authorization decides every write they
    make; the token stays in memory, never in a parameter, a log or a file."""
    mark = _ACTING.set(token)
    try:
        yield
    finally:
        _ACTING.reset(mark)


def portal_token(destination: str) -> str | None:
    """The token for ``destination``: the environment first (a worker's own credentials
    win), then the ``ckan-api-token`` Secret block where a Prefect API is configured;
    None for a folder or when neither exists (CKAN then answers as to an anonymous user).

    Every entry (CLI, flows, the network's aggregation) asks this one function, so no
    flow ever needs a token as a parameter.
    """
    if not is_url(destination):
        return None
    if token := _ACTING.get():
        return token
    if token := os.environ.get(TOKEN_ENV):
        return token
    if not _prefect_api_configured():
        return None  # a plain CLI run: no server to ask, and none to start for it
    return secret_block(TOKEN_BLOCK)


def _prefect_api_configured() -> bool:
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def secret_block(name: str) -> str | None:
    """A Secret block's value, or None if no block has that name."""
    from prefect.blocks.system import Secret

    try:
        # _sync: a plain value even when called from inside an async flow.
        secret = Secret.load(name, _sync=True)  # type: ignore[call-arg]
    except ValueError:  # Prefect's way of saying "no block document named ..."
        return None
    assert isinstance(secret, Secret)
    value = secret.get()
    return str(value) if value else None
