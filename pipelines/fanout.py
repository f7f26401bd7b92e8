"""What became of each commune when a folder is published as one deployment run per commune.

The parent only sees its children's final states (and the artifacts they attached), not
their return values: results are not shared between machines. So a commune's outcome is
read from its flow run's state, and invalid data is told apart from a crash by the
dedicated exception the child raises (``InvalidCommune``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prefect.client.schemas.objects import FlowRun

Result = Literal["done", "invalid", "failed", "crashed", "cancelled", "timed-out", "not-run"]
RESULTS: tuple[Result, ...] = ("done", "invalid", "failed", "crashed", "cancelled", "timed-out",
                               "not-run")  # fmt: skip
BATCH_ARTIFACT = "publish-batch"  # each batch run's table: member, result, detail
INVALID_MARK = "InvalidCommune: "
OK: tuple[Result, ...] = ("done",)


@dataclass(frozen=True)
class CommuneRun:
    commune: str
    result: Result
    detail: str
    flow_run: str = ""

    @property
    def failed(self) -> bool:
        return self.result not in OK


class CommunesFailed(Exception):
    """Ends the parent run Failed while every other commune still ran to its end."""


def commune_run(
    commune: str,
    flow_run: FlowRun | None,
    outcome: str | None = None,
    error: BaseException | None = None,
) -> CommuneRun:
    """``outcome`` is the child's publish artifact description ("<dataset>: published 1.2.0");
    ``error`` what stopped the parent from creating or following the child run."""
    if error is not None:
        return CommuneRun(commune, "not-run", _one_line(f"{type(error).__name__}: {error}"))
    if flow_run is None:
        return CommuneRun(commune, "not-run", "no flow run was created")
    name = flow_run.name
    state = flow_run.state
    if state is None or not state.is_final():
        where = state.name if state is not None else "not scheduled"
        return CommuneRun(commune, "timed-out", f"still {where} when the parent gave up", name)
    message = state.message or state.name or state.type.value
    if state.is_completed():
        return CommuneRun(commune, "done", outcome or "completed", name)
    if state.is_failed() and INVALID_MARK in message:
        why = message.split(INVALID_MARK, 1)[1].removeprefix(f"{commune}: ")
        return CommuneRun(commune, "invalid", why, name)
    if state.is_crashed():
        return CommuneRun(commune, "crashed", message, name)
    if state.is_cancelled():
        return CommuneRun(commune, "cancelled", message, name)
    return CommuneRun(commune, "failed", message, name)


def batch_runs(
    members: list[str],
    flow_run: FlowRun | None,
    rows: list[dict[str, str]] | None,
    error: BaseException | None = None,
) -> list[CommuneRun]:
    """Each member of a batch: its row of the batch's table when the batch got as far as
    writing it; otherwise the batch's own fate (not run, crashed...) for every member."""
    if rows is not None and flow_run is not None:
        by_member = {row.get("member"): row for row in rows}
        out = []
        for member in members:
            row = by_member.get(member)
            result = row.get("result") if row else None
            if row is None or result not in RESULTS:
                out.append(CommuneRun(member, "not-run", "missing from the batch's outcomes",
                                      flow_run.name))  # fmt: skip
                continue
            out.append(CommuneRun(member, result, row.get("detail", ""), flow_run.name))
        return out
    fate = commune_run(members[0] if members else "", flow_run, None, error)
    return [CommuneRun(m, fate.result, fate.detail, fate.flow_run) for m in members]


def failure_message(runs: list[CommuneRun]) -> str:
    failed = [r for r in runs if r.failed]
    listed = "; ".join(f"{r.commune} ({r.result}: {_one_line(r.detail)})" for r in failed)
    return f"{len(failed)} of {len(runs)} communes failed: {listed}"


def summary_markdown(runs: list[CommuneRun], folder: str, destination: str) -> str:
    failed = [r for r in runs if r.failed]
    lines = [
        f"# publish-all: {len(runs) - len(failed)} of {len(runs)} communes done",
        "",
        f"- from: `{folder}`",
        f"- to: {destination}",
    ]
    if failed:
        lines += ["", "## Failed", "", "| commune | result | why | flow run |", "|---|---|---|---|"]
        lines += [
            f"| {r.commune} | {r.result} | {_cell(r.detail)} | {r.flow_run} |" for r in failed
        ]
    done = [r for r in runs if not r.failed]
    if done:
        lines += ["", "## Done", "", "| commune | outcome | flow run |", "|---|---|---|"]
        lines += [f"| {r.commune} | {_cell(r.detail)} | {r.flow_run} |" for r in done]
    if not runs:
        lines += ["", "No commune folder (with a datapackage.json) was found."]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")
