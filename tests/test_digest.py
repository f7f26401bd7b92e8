"""A member whose files, reference row and Infitah's rules are what its published version
was made from is not read, validated or built again; anything else is, and publishes
only what really changed."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipelines import digest
from pipelines.portals.catalog import CatalogPortal
from pipelines.publishing import gate, publish, publish_many, publish_validated

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401
from .conftest import AIT_AMIRA, Validated, run_cli, set_cells

DATASET = "openness-programme-09-163-07-01"


def snapshot(catalog: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(catalog)): p.read_bytes()
        for p in sorted(catalog.rglob("*"))
        if p.is_file() and ".locks" not in p.parts
    }


def test_unchanged_sources_are_not_even_read(
    ait_amira: Path, tmp_path: Path, validated: Validated
) -> None:
    catalog = tmp_path / "catalog"
    first = publish(ait_amira, str(catalog))
    assert first.status == "published"
    recorded = json.loads((catalog / DATASET / "dataset.json").read_text())["source_digest"]
    assert recorded == digest.source_digest(ait_amira, "09.163.07.01")
    before = snapshot(catalog)
    (again,) = publish_many([ait_amira], str(catalog))
    assert again.outcome is not None
    assert (again.outcome.status, again.outcome.version) == ("unchanged", "1.0.0")
    assert validated == [] and snapshot(catalog) == before


def test_other_bytes_or_other_rules_are_read_again_and_publish_only_real_changes(
    ait_amira: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validated: Validated
) -> None:
    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog)).status == "published"
    before = snapshot(catalog)

    def status() -> str:
        (result,) = publish_many([ait_amira], str(catalog))
        assert result.outcome is not None
        return result.outcome.status

    def rewritten() -> set[str]:
        after = snapshot(catalog)
        return {n for n in after.keys() | before.keys() if after.get(n) != before.get(n)}

    def recorded() -> str:
        return str(json.loads((catalog / DATASET / "dataset.json").read_text())["source_digest"])

    # The same rows written another way (CRLF line ends): read again, no new version;
    # only the note of what the version is made from changes, so the next run reads nothing.
    table = ait_amira / "milestones.csv"
    table.write_bytes(table.read_bytes().replace(b"\n", b"\r\n"))
    assert status() == "unchanged"
    assert validated == [ait_amira] and rewritten() == {f"{DATASET}/dataset.json"}
    assert recorded() == digest.source_digest(ait_amira, "09.163.07.01")
    assert status() == "unchanged" and validated == [ait_amira]
    # Another Infitah (code, schemas): read again once, then known.
    monkeypatch.setattr(digest, "rules_digest", lambda: "another infitah")
    assert status() == "unchanged"
    assert len(validated) == 2 and rewritten() == {f"{DATASET}/dataset.json"}
    assert status() == "unchanged" and len(validated) == 2
    assert json.loads((catalog / DATASET / "dataset.json").read_text())["version"] == "1.0.0"
    # A real change: a new version, recording the new digest.
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    assert status() == "published"
    info = json.loads((catalog / DATASET / "dataset.json").read_text())
    assert info["version"] == "1.0.1"
    assert info["source_digest"] == digest.source_digest(ait_amira, "09.163.07.01")


def test_a_version_published_without_a_digest_is_never_mistaken_for_an_older_one(
    ait_amira: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog)).status == "published"  # digest D1 recorded
    other = tmp_path / "other"
    shutil.copytree(ait_amira, other)
    set_cells(other, "commitments", {(2, "title_fr"): "Titre revu"})
    # Published by a path that records no digest: the record must say so, not keep D1.
    assert publish_validated(gate(other), str(catalog)).status == "published"
    assert json.loads((catalog / DATASET / "dataset.json").read_text())["source_digest"] == ""
    (back,) = publish_many([ait_amira], str(catalog))  # D1's files again: a change back
    assert back.outcome is not None
    assert (back.outcome.status, back.outcome.version) == ("published", "1.0.2")


def test_a_crash_after_the_commit_is_repaired_by_an_unchanged_run(
    ait_amira: Path, tmp_path: Path, validated: Validated
) -> None:
    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog)).status == "published"
    home = catalog / DATASET
    (catalog / "index.html").unlink()  # as if killed right after dataset.json was replaced
    (home / "latest").unlink()
    (result,) = publish_many([ait_amira], str(catalog))
    assert result.outcome is not None and result.outcome.status == "unchanged"
    assert validated == []
    assert (catalog / "index.html").is_file()
    assert (home / "latest" / "commitments.csv").is_file()


def test_links_and_unknown_members_take_the_full_path(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    shutil.copytree(AIT_AMIRA, folder)
    (folder / "notes.csv").symlink_to(folder / "milestones.csv")
    assert digest.source_digest(folder, "09.163.07.01") is None
    (folder / "notes.csv").unlink()
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["x-commune-code"] = "99.999.99.99"
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    assert digest.member_code(folder) is None


@pytest.mark.ckan
def test_ckan_records_the_digest_and_an_unchanged_member_is_not_read(
    ckan_portal: Portal,  # noqa: F811
    ait_amira: Path,
    validated: Validated,
) -> None:
    ckan_portal.purge(DATASET, DATASET + "-versions")
    assert publish(ait_amira, ckan_portal.url, token=ckan_portal.token).status == "published"
    shown = ckan_portal.api().action.package_show(id=DATASET)
    extras = {e["key"]: e["value"] for e in shown["extras"]}
    assert extras["infitah_source"] == digest.source_digest(ait_amira, "09.163.07.01")
    (again,) = publish_many([ait_amira], ckan_portal.url, ckan_portal.token)
    assert again.outcome is not None
    assert (again.outcome.status, again.outcome.version) == ("unchanged", "1.0.0")
    assert validated == []
    after = ckan_portal.api().action.package_show(id=DATASET)
    assert after["metadata_modified"] == shown["metadata_modified"]


@pytest.mark.ckan
def test_ckan_notes_a_new_digest_for_the_same_content_without_a_version(
    ckan_portal: Portal,  # noqa: F811
    ait_amira: Path,
    monkeypatch: pytest.MonkeyPatch,
    validated: Validated,
) -> None:
    ckan_portal.purge(DATASET, DATASET + "-versions")
    assert publish(ait_amira, ckan_portal.url, token=ckan_portal.token).status == "published"
    archived = ckan_portal.api().action.package_show(id=DATASET + "-versions")["resources"]
    monkeypatch.setattr(digest, "rules_digest", lambda: "an upgraded infitah")
    for expected_reads in (1, 1):  # read once after the upgrade, then known
        (again,) = publish_many([ait_amira], ckan_portal.url, ckan_portal.token)
        assert again.outcome is not None
        assert (again.outcome.status, again.outcome.version) == ("unchanged", "1.0.0")
        assert len(validated) == expected_reads
    shown = ckan_portal.api().action.package_show(id=DATASET)
    extras = {e["key"]: e["value"] for e in shown["extras"]}
    assert extras["infitah_source"] == digest.source_digest(ait_amira, "09.163.07.01")
    assert (shown["version"], extras["infitah_version"]) == ("1.0.0", "1.0.0")
    archive = ckan_portal.api().action.package_show(id=DATASET + "-versions")
    assert archive["version"] == "1.0.0" and archive["resources"] == archived


def test_an_unchanged_network_is_not_read_beyond_the_list_nor_written(
    ait_amira: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines import aggregate

    from .conftest import DATASETS

    catalog = tmp_path / "catalog"
    for folder in (ait_amira, DATASETS / "tamanar"):
        assert publish(folder, str(catalog)).status == "published"
    first = aggregate.aggregate(str(catalog), str(catalog))
    assert first.outcome.status == "published"
    before = snapshot(catalog)
    fetched: list[Any] = []
    real = aggregate.fetch
    monkeypatch.setattr(
        aggregate, "fetch", lambda r, d, *e: fetched.append(d.name) or real(r, d, *e)
    )
    again = aggregate.aggregate(str(catalog), str(catalog))
    assert (again.outcome.status, again.outcome.version) == ("unchanged", "1.0.0")
    assert fetched == [] and snapshot(catalog) == before
    # Other parameters are another network, rebuilt from the rows the last one holds.
    counted = aggregate.aggregate(str(catalog), str(catalog), counted=("reported", "illustrative"))
    assert fetched == [] and counted.outcome.status == "published"
    # A member's new version: that member alone is read, and the network rebuilt.
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    assert publish(ait_amira, str(catalog)).version == "1.0.1"
    rebuilt = aggregate.aggregate(str(catalog), str(catalog), counted=("reported", "illustrative"))
    assert rebuilt.outcome.status == "published" and fetched == [DATASET]


def test_a_changed_member_is_read_alone_and_the_network_is_what_a_full_read_builds(
    ait_amira: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines import aggregate
    from pipelines.synth import synthesise

    from .conftest import DATASETS

    catalog = tmp_path / "catalog"
    folders = [ait_amira, DATASETS / "tamanar", *synthesise(3, tmp_path / "synth", seed=5)]
    for folder in folders:
        assert publish(folder, str(catalog)).status == "published"
    counted = ("reported", "illustrative", "synthetic")
    assert aggregate.aggregate(str(catalog), str(catalog), counted=counted).outcome.version
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    assert publish(ait_amira, str(catalog)).version == "1.0.1"
    fetched: list[str] = []
    real = aggregate.fetch
    monkeypatch.setattr(
        aggregate, "fetch", lambda r, d, *e: fetched.append(d.name) or real(r, d, *e)
    )
    # Of the member read, only the table whose bytes changed is downloaded, and only its
    # rows are judged again: its other tables are the previous release's rows.
    read: list[str] = []
    real_read = CatalogPortal.read
    monkeypatch.setattr(CatalogPortal, "read", lambda p, f: read.append(f) or real_read(p, f))
    spans: list[Any] = []
    real_report = aggregate.tables_report
    monkeypatch.setattr(aggregate, "tables_report",
                        lambda *a, fresh=None, **k: spans.append(fresh) or real_report(
                            *a, fresh=fresh, **k))  # fmt: skip
    incremental = aggregate.aggregate(str(catalog), str(catalog), counted=counted)
    assert fetched == [DATASET] and incremental.outcome.status == "published"
    assert [Path(f).name for f in read if DATASET in f] == ["commitments.csv"]
    assert {t for t, runs in spans[-1].items() if runs} == {"commitments"}
    # The same network read whole, into another catalog: the same content, hash for hash.
    whole = tmp_path / "whole"
    full = aggregate.aggregate(str(catalog), str(whole), counted=counted)
    assert len(fetched) == 1 + len(folders)
    network = "remacto-network-programmes"
    hashes = [json.loads((c / network / "dataset.json").read_text())["hashes"]
              for c in (catalog, whole)]  # fmt: skip
    assert hashes[0] == hashes[1]
    assert incremental.rows == full.rows
    # Rows of the network's release that no longer write the member's bytes (altered
    # since) are not taken: that table is downloaded, and the network is right again.
    info = json.loads((catalog / network / "dataset.json").read_text("utf-8"))
    milestones = catalog / network / info["files"]["milestones.csv"]
    text = milestones.read_text("utf-8")
    assert "Élaborer le plan de travail détaillé" in text  # Aït Amira's first milestone
    milestones.write_text(text.replace("Élaborer le plan", "Élaborer un plan", 1), "utf-8")
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu encore"})
    assert publish(ait_amira, str(catalog)).version == "1.0.2"
    read.clear()
    again = aggregate.aggregate(str(catalog), str(catalog), counted=counted)
    assert again.outcome.status == "published"
    assert [Path(f).name for f in read if DATASET in f] == ["commitments.csv", "milestones.csv"]
    assert aggregate.aggregate(str(catalog), str(whole), counted=counted).outcome.version
    for table in ("milestones", "commitments"):
        latest = [(c / network / "latest" / f"{table}.csv").read_bytes() for c in (catalog, whole)]
        assert latest[0] == latest[1], table


def test_only_indicators_the_previous_release_did_not_hold_are_judged_again(
    ait_amira: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A published network release was valid: an indicator row it holds, under the same
    schema, has nothing to find. After one commitment changed, the rows judged are
    exactly the new release's rows the previous one did not hold; the release is the
    one a whole read builds. Under another indicators schema every row is judged."""
    from pipelines import aggregate, indicators
    from pipelines.synth import synthesise

    catalog = tmp_path / "catalog"
    for folder in [ait_amira, *synthesise(3, tmp_path / "synth", seed=5)]:
        assert publish(folder, str(catalog)).status == "published"
    counted = ("reported", "illustrative", "synthetic")
    network = catalog / "remacto-network-programmes"
    assert aggregate.aggregate(str(catalog), str(catalog), counted=counted).outcome.version
    before = set((network / "latest" / "indicators.csv").read_text("utf-8").splitlines())
    spans: list[Any] = []
    real = aggregate.tables_report
    monkeypatch.setattr(aggregate, "tables_report",
                        lambda *a, fresh=None, **k: spans.append(fresh) or real(
                            *a, fresh=fresh, **k))  # fmt: skip
    set_cells(ait_amira, "commitments", {(2, "ogp_access_to_information"): "false"})
    assert publish(ait_amira, str(catalog)).version == "1.0.1"
    assert aggregate.aggregate(str(catalog), str(catalog), counted=counted).outcome.version
    after = (network / "latest" / "indicators.csv").read_text("utf-8").splitlines()[1:]
    new = [i for i, line in enumerate(after) if line not in before]
    assert 0 < len(new) < len(after) / 10
    judged = [i for begin, end in spans[-1]["indicators"] for i in range(begin, end)]
    assert judged == new
    whole = tmp_path / "whole"
    assert aggregate.aggregate(str(catalog), str(whole), counted=counted).outcome.version
    hashes = [json.loads((c / network.name / "dataset.json").read_text())["hashes"]
              for c in (catalog, whole)]  # fmt: skip
    assert hashes[0] == hashes[1]
    # Rules of another day: the indicators' schema says more; every row is judged again.
    schema = indicators.schema()
    other = dataclasses.replace(schema, descriptor={**schema.descriptor, "description": "v2"})
    monkeypatch.setattr(indicators, "schema", lambda: other)
    set_cells(ait_amira, "commitments", {(2, "ogp_access_to_information"): "true"})
    assert publish(ait_amira, str(catalog)).version == "1.0.2"
    aggregate.aggregate(str(catalog), str(catalog), counted=counted, dry_run=True)
    assert "indicators" not in spans[-1]
    # Only the bytes the release names: a copy altered since tells nothing.
    monkeypatch.setattr(indicators, "schema", lambda: schema)
    aggregate.aggregate(str(catalog), str(catalog), counted=counted, dry_run=True)
    assert "indicators" in spans[-1]
    info = json.loads((network / "dataset.json").read_text("utf-8"))
    copy = network / info["files"]["indicators.csv"]
    copy.write_text(copy.read_text("utf-8").replace(",0,", ",1,", 1), "utf-8")
    aggregate.aggregate(str(catalog), str(catalog), counted=counted, dry_run=True)
    assert "indicators" not in spans[-1]


def test_the_rows_read_anew_are_judged_in_an_incremental_network_as_in_a_whole_one(
    ait_amira: Path, tmp_path: Path
) -> None:
    """Rows reused from the previous network release are not judged again, but a member
    read anew is: a cell altered on the portal after its publication is refused, at the
    row of the network's table a whole read names, and nothing is written."""
    from pipelines import aggregate
    from pipelines.synth import synthesise

    catalog = tmp_path / "catalog"
    folders = [*synthesise(2, tmp_path / "synth", seed=5), ait_amira]
    for folder in folders:
        assert publish(folder, str(catalog)).status == "published"
    counted = ("reported", "illustrative", "synthetic")
    first = aggregate.aggregate(str(catalog), str(catalog), counted=counted)
    assert first.outcome.status == "published"
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    assert publish(ait_amira, str(catalog)).version == "1.0.1"
    info = json.loads((catalog / DATASET / "dataset.json").read_text("utf-8"))
    path = catalog / DATASET / info["files"]["commitments.csv"]
    lines = path.read_text("utf-8").split("\n")
    header, cells = lines[0].split(","), lines[1].split(",")
    cells[header.index("budget_mad")] = "beaucoup"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), "utf-8")
    network = catalog / "remacto-network-programmes" / "dataset.json"
    before = network.read_bytes()

    def errors(destination: Path) -> list[tuple[Any, ...]]:
        result = aggregate.aggregate(str(catalog), str(destination), counted=counted)
        assert result.outcome.status == "invalid" and result.outcome.report is not None
        return [(f.code, f.table, f.field, f.row) for f in result.outcome.report.errors]

    incremental = errors(catalog)
    assert network.read_bytes() == before
    whole = errors(tmp_path / "whole")
    assert incremental == whole and len(whole) == 1
    (code, table, field_, row) = whole[0]
    assert (code, table, field_) == ("type-error", "commitments", "budget_mad") and row > 2


def test_a_member_record_with_damaged_hashes_is_read_the_long_way(
    ait_amira: Path, tmp_path: Path
) -> None:
    """A member's record whose hashes are not a mapping (edited by hand) takes nothing
    from the network's previous release: the aggregation reads that member's tables
    and publishes the network's next version, and the catalog describes that member
    (its DCAT) and publishes it again, never with an internal error."""
    from pipelines import aggregate

    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog)).status == "published"
    assert aggregate.aggregate(str(catalog), str(catalog)).outcome.version == "1.0.0"
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu"})
    assert publish(ait_amira, str(catalog)).version == "1.0.1"
    record = catalog / DATASET / "dataset.json"
    info = json.loads(record.read_text("utf-8"))
    record.write_text(json.dumps({**info, "hashes": "x"}), "utf-8")
    again = aggregate.aggregate(str(catalog), str(catalog))
    assert (again.outcome.status, again.outcome.version) == ("published", "1.0.1")
    network = catalog / aggregate.NETWORK_DATASET / "latest" / "commitments.csv"
    assert "Titre revu" in network.read_text("utf-8")
    set_cells(ait_amira, "commitments", {(2, "title_fr"): "Titre revu deux fois"})
    result = run_cli("publish", str(ait_amira), "--to", str(catalog), "--json")
    assert result.code == 0, result.stderr
    assert (result.json()["status"], result.json()["version"]) == ("published", "1.0.2")
