"""The network view from a local catalog: 20 synthetic communes published, then combined."""

from __future__ import annotations

import csv
import gc
import json
import shutil
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pipelines.publishing import publish
from pipelines.synth import synthesise

from .conftest import run_cli
from .network_oracle import (
    ADDED,
    TABLES,
    assert_same_indicators,
    expected_indicators,
    keyed,
    published_indicators,
    rows,
    source_tables,
)

SEED = 2024
AS_OF = "2025-06-30"
# Synthetic communes: their rows are counted on purpose (the default is reported only).
COUNTED = ("reported", "synthetic")
COUNT = [arg for status in COUNTED for arg in ("--count", status)]
NETWORK = "remacto-network-programmes"


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".locks" not in p.parts
    }


def aggregate(catalog: Path, *extra: str) -> Any:
    """``infitah aggregate`` of a catalog into itself, as of AS_OF, counting synthetic rows."""
    return run_cli("aggregate", "--from", str(catalog), "--to", str(catalog), "--as-of", AS_OF,
                   *COUNT, *extra)  # fmt: skip


def publish_all(folders: list[Path], destination: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda f: publish(f, destination), folders))
    assert [o.status for o in outcomes] == ["published"] * len(folders), [
        (o.dataset, o.status) for o in outcomes
    ]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("network")
    folders = synthesise(20, root / "communes", seed=SEED)
    undated = next(u for u in map(forget_a_completion_date, folders) if u)
    catalog = root / "catalog"
    publish_all(folders, str(catalog))
    result = aggregate(catalog, "--json")
    assert result.code == 0, result.stderr
    return {"root": root, "folders": folders, "catalog": catalog, "body": result.json(),
            "undated": undated}  # fmt: skip


def forget_a_completion_date(folder: Path) -> tuple[Path, str] | None:
    """A due milestone marked complete, its date left empty (as stewards do): it must
    count as done, date unknown, never as late. Its folder and id (None if the folder
    has no such milestone)."""
    path = folder / "milestones.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    done = [r for r in table if r["status"] == "complete" and r["due_date"] <= AS_OF]
    if not done:
        return None
    row = done[0]
    row["completed_on"] = ""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return folder, row["milestone_id"]


def latest(network: dict[str, Any], file: str) -> bytes:
    path: Path = network["catalog"] / NETWORK / "latest" / file
    return path.read_bytes()


def test_outcome_says_what_was_combined(network: dict[str, Any]) -> None:
    body = network["body"]
    assert body["status"] == "published"
    assert (body["dataset"], body["version"], body["previous_version"]) == (NETWORK, "1.0.0", None)
    assert body["communes"] == 20
    assert body["as_of"] == AS_OF
    source = source_tables(network["folders"])
    assert {t: body["rows"][t] for t in TABLES} == {t: len(source[t]) for t in TABLES}


def test_network_tables_hold_exactly_the_union_of_the_communes_rows(
    network: dict[str, Any],
) -> None:
    source = source_tables(network["folders"])
    for table in TABLES:
        data = latest(network, f"{table}.csv")
        header = data.split(b"\n", 1)[0].decode().split(",")
        schema = json.loads((Path("schemas") / f"{table}.json").read_text(encoding="utf-8"))
        assert header == [f["name"] for f in schema["fields"]] + ADDED, table
        got = keyed(table, rows(data))
        want = keyed(table, source[table])
        assert len(got) == len(rows(data)), f"{table}: duplicate keys in the network table"
        assert set(got) == set(want), table
        assert got == want, table


def test_added_columns_come_from_the_reference(network: dict[str, Any]) -> None:
    plans = rows(latest(network, "action_plans.csv"))
    by_code = {r["commune_code"]: r for r in plans}
    assert len(by_code) == 20
    some = by_code[sorted(by_code)[0]]
    assert some["region_code"] == some["commune_code"][:2]
    assert some["province_code"] == some["commune_code"][:6]
    assert any(
        "\u0600" <= ch <= "\u06ff" for ch in some["commune_name_ar"] + some["region_name_ar"]
    )


def test_a_milestone_done_without_a_date_is_never_late(network: dict[str, Any]) -> None:
    got = published_indicators(latest(network, "indicators.csv"))
    folder, _ = network["undated"]
    code = folder.name.removeprefix("synthetic-").replace("-", ".")
    assert got[("commune", code, "milestones_done_date_unknown", "")] == 1
    assert got[("network", "remacto", "milestones_done_date_unknown", "")] == 1
    due = got[("commune", code, "milestones_due", "")] or 0
    on_time = got[("commune", code, "milestones_done_on_time", "")] or 0
    assert got[("commune", code, "milestones_on_time_share", "")] == on_time / (due - 1)


def test_indicators_equal_an_independent_computation(network: dict[str, Any]) -> None:
    got = published_indicators(latest(network, "indicators.csv"))
    want = expected_indicators(network["folders"], AS_OF, counted=COUNTED)
    assert_same_indicators(got, want)
    assert got[("network", "remacto", "communes", "")] == 20


def test_network_package_is_described_and_validated(network: dict[str, Any]) -> None:
    package = json.loads(latest(network, "datapackage.json"))
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {*TABLES, "indicators"}
    milestones = resources["milestones"]["schema"]
    assert milestones["primaryKey"] == ["commune_code", "milestone_id"]
    assert {"fields": ["commune_code", "commitment_id"],
            "reference": {"resource": "commitments", "fields": ["commune_code", "commitment_id"]},
            } in milestones["foreignKeys"]  # fmt: skip
    added = {f["name"]: f for f in milestones["fields"]}["region_name_ar"]
    assert added["x-title-ar"] == "الجهة"
    assert package["x-as-of"] == AS_OF
    assert len(package["x-sources"]) == 20
    report = json.loads(latest(network, "validation-report.json"))
    assert report["valid"] is True and report["stats"]["tables"] == 8


def test_charts_are_files_of_the_version(network: dict[str, Any]) -> None:
    info = json.loads((network["catalog"] / NETWORK / "dataset.json").read_text("utf-8"))
    charts = [c["path"] for c in info["metadata"]["x-charts"]]
    assert len(charts) == 4
    for chart in charts:
        data = (network["catalog"] / NETWORK / info["files"][chart]).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 2000


def test_aggregating_again_changes_nothing(network: dict[str, Any]) -> None:
    before = snapshot(network["catalog"])
    result = aggregate(network["catalog"], "--lang", "fr")
    assert result.code == 0, result.stderr
    assert "Aucun changement" in result.stdout and "1.0.0" in result.stdout
    assert "20 membres combinés" in result.stdout
    assert snapshot(network["catalog"]) == before


def test_a_new_commune_is_a_minor_version_and_its_rows_are_added(
    network: dict[str, Any], tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(network["catalog"], catalog)
    known = {f.name for f in network["folders"]}
    extra = next(f for f in synthesise(30, tmp_path / "more", seed=SEED + 1) if f.name not in known)
    assert publish(extra, str(catalog)).status == "published"
    result = aggregate(catalog, "--json")
    assert result.code == 0, result.stderr
    body = result.json()
    assert (body["status"], body["version"], body["communes"]) == ("published", "1.1.0", 21)
    assert body["changes"]["action_plans"]["rows_added"] == 1
    assert body["changes"]["action_plans"]["rows_removed"] == 0


def test_tampered_published_data_is_refused_and_nothing_is_written(
    network: dict[str, Any], tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(network["catalog"], catalog)
    shutil.rmtree(catalog / NETWORK)
    commune = sorted(catalog.glob("openness-programme-*/dataset.json"))[0].parent
    info = json.loads((commune / "dataset.json").read_text("utf-8"))
    path = commune / info["files"]["commitments.csv"]
    lines = path.read_text("utf-8").split("\n")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("budget_mad")] = "beaucoup"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), "utf-8")
    result = run_cli("aggregate", "--from", str(catalog), "--to", str(catalog), "--json")
    assert result.code == 1, result.stderr
    body = result.json()
    assert body["status"] == "invalid"
    errors = body["report"]["errors"]
    assert [(e["code"], e["table"], e["field"], e["row"]) for e in errors] == [
        ("type-error", "commitments", "budget_mad", 2)
    ]
    assert not (catalog / NETWORK).exists()


def test_usage_errors_exit_2_in_the_users_language(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("aggregate", "--from", str(empty), "--lang", "fr")
    assert result.code == 2
    assert "Aucun programme de commune publié" in result.stderr
    result = run_cli("aggregate", "--from", str(tmp_path / "nowhere"), "--lang", "ar")
    assert result.code == 2 and "غير موجود" in result.stderr
    result = run_cli("aggregate", "--from", str(empty), "--as-of", "30/06/2025")
    assert result.code == 2 and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_prefect_flow_publishes_the_same_bytes(
    network: dict[str, Any], tmp_path: Path, prefect_harness: None
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from pipelines.flows.aggregate import aggregate_flow

    destination = tmp_path / "flow-catalog"
    state = aggregate_flow(
        str(network["catalog"]),
        destination=str(destination),
        as_of=AS_OF,
        count=list(COUNTED),
        return_state=True,
    )
    assert state.is_completed(), state
    result = state.result()
    assert (result["status"], result["version"], result["communes"]) == ("published", "1.0.0", 20)
    for table in (*TABLES, "indicators"):
        flow_bytes = (destination / NETWORK / "latest" / f"{table}.csv").read_bytes()
        assert flow_bytes == latest(network, f"{table}.csv"), table
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    assert artifact.key == "aggregate-network"
    assert f"# {NETWORK}: published" in str(artifact.data)
    assert "| indicators |" in str(artifact.data)


def test_the_flow_reads_only_changed_members_and_builds_what_the_library_builds(
    network: dict[str, Any], tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow and ``infitah aggregate`` share one sequence: after two members changed,
    both read only them, judge only their rows' cells (the others were judged when the
    previous network release was built), and publish the same tables as a whole read."""
    from pipelines import aggregate as library
    from pipelines.flows import aggregate as flow_module
    from pipelines.flows.aggregate import aggregate_flow

    catalog = tmp_path / "catalog"
    shutil.copytree(network["catalog"], catalog)
    folders = [tmp_path / f.name for f in network["folders"][3:15:10]]
    for original, folder in zip(network["folders"][3:15:10], folders, strict=True):
        shutil.copytree(original, folder)
        path = folder / "commitments.csv"
        rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        rows[1][rows[0].index("title_fr")] += " (revu)"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        assert publish(folder, str(catalog)).status == "published"
    fetched: list[str] = []
    judged: list[Any] = []
    real_fetch, real_report = library.fetch, library.tables_report
    monkeypatch.setattr(
        library, "fetch", lambda r, d, *e: fetched.append(d.name) or real_fetch(r, d, *e)
    )
    monkeypatch.setattr(library, "tables_report",
                        lambda *a, fresh=None, **k: judged.append(fresh) or real_report(
                            *a, fresh=fresh, **k))  # fmt: skip
    # What was read (the previous release's tables, taken for the members that did not
    # change) is let go before the release is published, as the library does: Prefect
    # keeps every task's result until the flow ends.
    read: list[weakref.ref[Any]] = []
    alive_when_publishing: list[int] = []
    real_reusable, real_publish = library.reusable, flow_module.publish_network

    def reusable(*args: Any) -> Any:
        reuse = real_reusable(*args)
        read.extend(weakref.ref(frame) for frame in reuse.tables.values())
        return reuse

    def publish_network(*args: Any) -> Any:
        gc.collect()
        alive_when_publishing.append(sum(ref() is not None for ref in read))
        return real_publish(*args)

    monkeypatch.setattr(library, "reusable", reusable)
    monkeypatch.setattr(flow_module, "publish_network", publish_network)
    state = aggregate_flow(str(catalog), destination=str(catalog), as_of=AS_OF,
                           count=list(COUNTED), return_state=True)  # fmt: skip
    assert state.is_completed(), state
    assert state.result()["status"] == "published"
    assert len(fetched) == 2
    assert len(read) >= len(library.TABLES) and alive_when_publishing == [0]
    assert judged[0] is not None and sum(e - b for b, e in judged[0]["commitments"]) > 0
    whole = tmp_path / "whole"
    full = run_cli("aggregate", "--from", str(catalog), "--to", str(whole), "--as-of", AS_OF,
                   *COUNT, "--json")  # fmt: skip
    assert full.code == 0, full.stderr
    for table in (*TABLES, "indicators"):
        flow_bytes = (catalog / NETWORK / "latest" / f"{table}.csv").read_bytes()
        assert flow_bytes == (whole / NETWORK / "latest" / f"{table}.csv").read_bytes(), table
