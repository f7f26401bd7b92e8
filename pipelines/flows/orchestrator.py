"""Is Prefect's server there before the first flow?"""

from __future__ import annotations

import re

from ..errors import OrchestratorUnavailable

# What the steward reads of Prefect's own error: its first line (a failed temporary
# server adds its whole output), and not more than this.
DETAIL_CHARS = 200
# A server's address may carry a user and password (``http://user:secret@host``): they
# are never shown, in the address or in Prefect's words about it.
_USERINFO = re.compile(r"(?<=//)[^/@\s]+@")


def ensure_reachable() -> None:
    """Asks Prefect's server for its health once, before any flow runs.

    A server that cannot be reached (PREFECT_API_URL pointing nowhere) or a temporary
    one that does not start in time surfaces otherwise as a RuntimeError or an httpx
    error from inside the first flow call, which the CLI could only report as an
    internal error. Asked here, it is a service failure with a message in the user's
    language (exit 3), before anything was read or written. With no PREFECT_API_URL this
    starts Prefect's temporary server, the one the flows then use.
    """
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    url = _USERINFO.sub("", PREFECT_API_URL.value() or "")
    problem: BaseException | None
    try:
        with get_client(sync_client=True) as client:
            problem = client.api_healthcheck()
    except Exception as exc:  # Prefect raises RuntimeError, httpx errors, ...
        problem = exc
    if problem is not None:
        said = _USERINFO.sub("", str(problem)).strip().splitlines()
        detail = (said or [type(problem).__name__])[0]
        raise OrchestratorUnavailable(
            f"Prefect server {url or '(temporary)'} unavailable: {detail}",
            key=None if url else "orchestrator-did-not-start",
            url=url,
            detail=detail[:DETAIL_CHARS],
        )
