"""Publishing an upload as a Prefect flow run, and following it.

Through the ``publish-commune`` deployment when the Prefect server knows it (a worker
takes the run; it reads the upload from the shared uploads folder and uses its own
CKAN token, the counter having asked CKAN that the steward may publish there); else as
an in-process flow run in a thread, under the steward's own token (``acting_as``). Either
way the network sees the run, its report and plan in the Prefect UI, and the run writes
its outcome beside the upload, which the page reads.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from .. import uploads
from ..credentials import acting_as
from ..errors import InfitahError
from ..i18n import Lang
from ..uploads import Upload

DEPLOYMENT = "publish/publish-commune"
RUN_FILE = "run.json"


def run_name(upload: Upload) -> str:
    return f"counter-{upload.id}"


@dataclass(frozen=True)
class RunState:
    """What the page says: ``state`` is Prefect's (PAUSED, COMPLETED...) or None before
    the run exists; ``outcome`` what the run recorded; ``error`` a failed run's words."""

    started: bool
    state: str | None
    flow_run_id: str | None
    outcome: dict[str, Any] | None
    error: str | None


class Runs:
    def __init__(self, destination: str, approval: bool) -> None:
        self.destination = destination
        self.approval = approval
        self._errors: dict[str, InfitahError | str] = {}
        self._lock = threading.Lock()

    def start(self, upload: Upload, token: str | None, lang: Lang) -> None:
        """Start the publish once: a second click finds the run already started."""
        marker = upload.root / RUN_FILE
        with self._lock:
            if marker.exists():
                return
            marker.write_text(json.dumps({"started": time.time()}), encoding="utf-8")
        parameters = {
            "upload": upload.id,
            "destination": self.destination,
            "lang": lang,
            "approval": self.approval,
        }
        try:
            if _deployment_known():
                from prefect.deployments import run_deployment

                run_deployment(DEPLOYMENT, parameters=parameters, timeout=0,
                               flow_run_name=run_name(upload))  # fmt: skip
                return
            thread = threading.Thread(
                target=self._in_process, args=(upload, token, parameters), daemon=True
            )
            thread.start()
        except BaseException:
            marker.unlink(missing_ok=True)  # not started: the steward may try again
            raise

    def _in_process(self, upload: Upload, token: str | None, parameters: dict[str, Any]) -> None:
        from ..flows.publish import publish_flow

        flow = publish_flow.with_options(flow_run_name=run_name(upload))
        try:
            with acting_as(token):
                flow(**parameters)
        except InfitahError as exc:
            self._errors[upload.id] = exc
        except Exception as exc:  # the run's own state says Failed; the page says so
            self._errors[upload.id] = type(exc).__name__

    def state(self, upload: Upload, lang: Lang) -> RunState:
        started = (upload.root / RUN_FILE).exists()
        outcome = uploads.recorded(upload)
        run = _flow_run(run_name(upload)) if started else None
        error = self._errors.get(upload.id)
        words = error.render(lang) if isinstance(error, InfitahError) else error
        return RunState(
            started,
            run.state.type.value if run is not None and run.state is not None else None,
            str(run.id) if run is not None else None,
            outcome,
            words,
        )


def _deployment_known() -> bool:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return False
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(DEPLOYMENT)
    except ObjectNotFound:
        return False
    return True


def _flow_run(name: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        found = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])), limit=1
        )
    return found[0] if found else None


def paused() -> list[Any]:
    """Publishes waiting for the network's staff (Prefect's PAUSED runs of ``publish``)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        return list(
            client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["publish"])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                ),
                limit=200,
            )
        )


def decide(flow_run_id: str, approve: bool, comment: str) -> None:
    """Resume a paused publish with the staff's decision (as the Prefect UI's form does)."""
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(UUID(flow_run_id), run_input={"approve": approve, "comment": comment[:2000]})
