"""Publishing to the real local CKAN 2.12: what the portal holds afterwards."""

from __future__ import annotations

import contextlib
import csv
import http.server
import json
import threading
from pathlib import Path

import ckanapi
import pytest
import requests

from pipelines.aggregate import fetch, programmes
from pipelines.errors import PortalAuthError, PortalError, PortalUnavailable
from pipelines.portals import ckan as ckan_portal_module
from pipelines.portals.ckan import CkanPortal
from pipelines.publishing import publish

from .ckan_fixtures import Portal, ckan_portal  # noqa: F401  (fixture)
from .conftest import run_cli

pytestmark = pytest.mark.ckan

DATASET = "openness-programme-09-163-07-01"
ARCHIVE = DATASET + "-versions"


@pytest.fixture
def portal(ckan_portal: Portal) -> Portal:  # noqa: F811
    ckan_portal.purge(DATASET, ARCHIVE)
    return ckan_portal


def env(portal: Portal) -> dict[str, str]:
    return {"CKAN_API_TOKEN": portal.token}


def edit_csv(path: Path, column: str, row: int, value: str) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def resources(portal: Portal, name: str = DATASET) -> dict[str, dict[str, object]]:
    package = portal.api().action.package_show(id=name)
    return {r["name"]: r for r in package["resources"]}


def test_first_publish_creates_everything(portal: Portal, ait_amira: Path) -> None:
    result = run_cli("publish", str(ait_amira), "--to", portal.url, "--json", env=env(portal))
    assert result.code == 0, result.stderr
    body = result.json()
    assert (body["status"], body["version"], body["previous_version"]) == (
        "published",
        "1.0.0",
        None,
    )
    assert body["url"] == f"{portal.url}/dataset/{DATASET}"
    api = portal.api()
    org = api.action.organization_show(id="commune-09-163-07-01")
    assert "آيت عميرة" in org["title"]
    package = api.action.package_show(id=DATASET)
    assert package["version"] == "1.0.0"
    assert package["owner_org"] == org["id"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["infitah_version"] == "1.0.0"
    # The portal's dataset schema (portal/ckanext-infitah) holds what DCAT-AP needs as
    # fields of their own, not extras.
    assert package["temporal_start"] == "2024-04-15"
    assert package["title_ar"].startswith("برنامج انفتاح")
    assert package["spatial_region_iso"] == "MA-09"
    assert "title_ar" not in extras and "temporal_start" not in extras
    latest = resources(portal)
    assert list(latest)[:7] == [
        "action_plans", "workshops", "workshop_participation", "commitments", "proposals",
        "milestones", "progress_updates",
    ]  # fmt: skip
    for table in ("action_plans", "milestones", "commitments"):
        downloaded = requests.get(str(latest[table]["url"]), timeout=30).content
        assert downloaded == (ait_amira / f"{table}.csv").read_bytes()
        # The current version's rows: the DataStore table the resource names (the
        # archive resource of these bytes), never a table of the resource's own.
        assert not latest[table].get("datastore_active")
        search = api.action.datastore_search(
            resource_id=latest[table]["infitah_datastore_id"], limit=1000
        )
        with (ait_amira / f"{table}.csv").open(encoding="utf-8") as fh:
            assert search["total"] == sum(1 for _ in csv.DictReader(fh))
    types = {
        f["id"]: f["type"]
        for f in api.action.datastore_search(
            resource_id=latest["commitments"]["infitah_datastore_id"]
        )["fields"]
    }
    # A date kept at its source's precision (2024, 2024-S2) is text; a day is a date.
    assert (types["budget_mad"], types["implementation_status_on"],
            types["ogp_civic_participation"], types["start_date"]) == (
        "numeric", "date", "bool", "text"
    )  # fmt: skip
    stable = requests.get(
        f"{portal.url}/dataset/{DATASET}/resource/{latest['milestones']['id']}/download",
        timeout=30,
    )
    assert stable.content == (ait_amira / "milestones.csv").read_bytes()
    dcat = requests.get(f"{portal.url}/dataset/{DATASET}.ttl", timeout=30).text
    assert 'dcat:version "1.0.0"' in dcat
    assert "dcat:startDate" in dcat and "09.163.07.01" in dcat


def test_republishing_unchanged_data_makes_no_write(portal: Portal, ait_amira: Path) -> None:
    publish(ait_amira, portal.url, token=portal.token)
    api = portal.api()
    before = api.action.package_show(id=DATASET)
    activities = len(api.action.package_activity_list(id=DATASET, limit=100))
    second = run_cli("publish", str(ait_amira), "--to", portal.url, "--json", env=env(portal))
    assert second.code == 0
    assert second.json()["status"] == "unchanged"
    after = api.action.package_show(id=DATASET)
    assert after["metadata_modified"] == before["metadata_modified"]
    assert after["version"] == "1.0.0"
    assert len(api.action.package_activity_list(id=DATASET, limit=100)) == activities


def test_a_changed_row_gives_a_new_version_and_old_bytes_stay(
    portal: Portal, ait_amira: Path
) -> None:
    publish(ait_amira, portal.url, token=portal.token)
    old_bytes = (ait_amira / "milestones.csv").read_bytes()
    untouched = resources(portal)["commitments"]["url"]
    edit_csv(ait_amira / "milestones.csv", "status", 1, "in_progress")
    outcome = publish(ait_amira, portal.url, token=portal.token)
    assert (outcome.status, outcome.version, outcome.previous_version) == (
        "published", "1.0.1", "1.0.0"
    )  # fmt: skip
    assert outcome.changes["milestones"]["ids_changed"] == ["ait-amira-c1-m1"]
    latest = resources(portal)
    new_bytes = requests.get(str(latest["milestones"]["url"]), timeout=30).content
    assert new_bytes == (ait_amira / "milestones.csv").read_bytes() != old_bytes
    # Only the changed table was uploaded again; the other keeps its archived file.
    assert latest["commitments"]["url"] == untouched
    archive = resources(portal, ARCHIVE)
    assert (
        requests.get(str(archive["1.0.0/milestones.csv"]["url"]), timeout=30).content == old_bytes
    )
    assert "1.0.1/commitments.csv" not in archive
    changelog = requests.get(str(latest["CHANGELOG.md"]["url"]), timeout=30).content.decode()
    assert changelog.index("## 1.0.1") < changelog.index("## 1.0.0")
    assert "1 row changed (ait-amira-c1-m1)" in changelog
    assert "  - ait-amira-c1-m1 status: `not_started` → `in_progress`" in changelog
    rows = portal.api().action.datastore_search(
        resource_id=latest["milestones"]["infitah_datastore_id"],
        filters={"milestone_id": "ait-amira-c1-m1"},
    )["records"]
    assert rows[0]["status"] == "in_progress"
    # The earlier version's rows stay queryable, in the earlier version's table.
    assert latest["commitments"]["infitah_datastore_id"] == archive["1.0.0/commitments.csv"]["id"]
    old_rows = portal.api().action.datastore_search(
        resource_id=archive["1.0.0/milestones.csv"]["id"],
        filters={"milestone_id": "ait-amira-c1-m1"},
    )["records"]
    assert old_rows[0]["status"] != "in_progress"


def test_a_table_unchanged_for_a_version_still_tells_its_old_values_and_is_sent_once(
    portal: Portal, ait_amira: Path
) -> None:
    """1.0.1 changes milestones only: it takes commitments and its Excel CSV from 1.0.0
    (not sent again; a small table's workbook is made anew, dated, see
    ``test_kept_downloads``); 1.0.2 changes commitments, and its changes name the old
    and new text, read from the copy 1.0.1 took."""
    publish(ait_amira, portal.url, token=portal.token)
    edit_csv(ait_amira / "milestones.csv", "status", 1, "in_progress")
    assert publish(ait_amira, portal.url, token=portal.token).version == "1.0.1"
    archive = resources(portal, ARCHIVE)
    for name in ("commitments.csv", "commitments.excel.csv"):
        assert f"1.0.1/{name}" not in archive, name  # the 1.0.0 copy serves both
    for name in ("milestones.csv", "milestones.excel.csv", "milestones.xlsx"):
        assert f"1.0.1/{name}" in archive, name
    kept = archive["1.0.0/commitments.excel.csv"]["url"]
    assert resources(portal)["commitments.excel"]["url"] == kept
    old = next(csv.DictReader((ait_amira / "commitments.csv").open(encoding="utf-8")))
    edit_csv(ait_amira / "commitments.csv", "title_fr", 1, "Publier le budget en ligne")
    outcome = publish(ait_amira, portal.url, token=portal.token)
    assert (outcome.version, outcome.changes["commitments"]["ids_changed"]) == (
        "1.0.2", [old["commitment_id"]]
    )  # fmt: skip
    log = requests.get(str(resources(portal)["CHANGELOG.md"]["url"]), timeout=30).content.decode()
    new = "Publier le budget en ligne"
    assert f"  - {old['commitment_id']} title_fr: `{old['title_fr']}` → `{new}`" in log
    history = CkanPortal(portal.url, portal.token).history(DATASET)
    assert history is not None
    listed = dict(history.versions)
    assert listed["1.0.1"]["commitments.excel.csv"] == kept
    assert listed["1.0.1"]["milestones.xlsx"] == archive["1.0.1/milestones.xlsx"]["url"]


class Elsewhere:
    """A server that is not the portal, recording what reaches it (a resource's address
    changed to point at it, as anyone who may edit the dataset can)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, dict(self.headers)))
                body = b"commitment_id,title_fr\nx,planted\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_resource_pointing_elsewhere_is_never_fetched_nor_sent_the_token(
    portal: Portal, ait_amira: Path
) -> None:
    publish(ait_amira, portal.url, token=portal.token)
    elsewhere = Elsewhere()
    try:
        api = portal.api()
        for name in ("CHANGELOG.md", "commitments"):
            api.action.resource_patch(id=resources(portal)[name]["id"], url_type="",
                                      url=f"{elsewhere.url}/{name}")  # fmt: skip
        # Publishing reads the current changelog to add to it: refused, nothing written.
        edit_csv(ait_amira / "milestones.csv", "status", 1, "in_progress")
        result = run_cli("publish", str(ait_amira), "--to", portal.url, "--lang", "fr",
                         env=env(portal))  # fmt: skip
        said = result.stdout + result.stderr
        assert result.code == 3, said
        assert f"({elsewhere.url}/CHANGELOG.md)" in said
        assert "n'a pas été lu" in said and "Traceback" not in said
        assert resources(portal)["milestones"]["infitah_version"] == "1.0.0"
        # The network's aggregation reads each member's tables where its dataset says.
        reader, datasets = programmes(portal.url, portal.token)
        ours = next(d for d in datasets if d.name == DATASET)
        with pytest.raises(PortalError) as refused:
            fetch(reader, ours)
        assert refused.value.key == "portal-foreign-file"
        assert elsewhere.seen == []
    finally:
        elsewhere.close()


def test_a_portal_object_remembers_only_the_datasets_it_saw_last(
    portal: Portal, ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run over the whole network kept every dataset it read (its memory grew with the
    network); it now forgets the oldest, and asks again for what it still needs: with
    room for one dataset, a first publish, an update and a no-op all come out right."""
    monkeypatch.setattr(ckan_portal_module, "SHOWN_AT_MOST", 1)
    assert publish(ait_amira, portal.url, token=portal.token).version == "1.0.0"
    edit_csv(ait_amira / "milestones.csv", "status", 1, "in_progress")
    updated = publish(ait_amira, portal.url, token=portal.token)
    assert (updated.version, updated.changes["milestones"]["ids_changed"]) == (
        "1.0.1", ["ait-amira-c1-m1"]
    )  # fmt: skip
    assert publish(ait_amira, portal.url, token=portal.token).status == "unchanged"
    seen = CkanPortal(portal.url, portal.token)
    for name in (DATASET, ARCHIVE, DATASET):
        assert seen._last_seen(name) is not None
    assert list(seen._shown) == [DATASET]


def test_invalid_data_and_dry_run_change_nothing(portal: Portal, ait_amira: Path) -> None:
    publish(ait_amira, portal.url, token=portal.token)
    before = portal.api().action.package_show(id=DATASET)
    edit_csv(ait_amira / "milestones.csv", "title_fr", 2, "Appelez le 0612345678")
    invalid = run_cli("publish", str(ait_amira), "--to", portal.url, "--json", env=env(portal))
    assert invalid.code == 1
    assert invalid.json()["status"] == "invalid"
    assert [e["code"] for e in invalid.json()["report"]["errors"]] == ["personal-data"]
    edit_csv(ait_amira / "milestones.csv", "title_fr", 2, "Publier le premier jeu")
    dry = run_cli(
        "publish", str(ait_amira), "--to", portal.url, "--dry-run", "--json", env=env(portal)
    )
    assert dry.code == 0
    assert (dry.json()["status"], dry.json()["version"]) == ("planned", "1.0.1")
    after = portal.api().action.package_show(id=DATASET)
    assert after["metadata_modified"] == before["metadata_modified"]
    assert len(after["resources"]) == len(before["resources"])


def test_interrupted_publish_leaves_the_previous_version_and_rerun_completes(
    portal: Portal, ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(ait_amira, portal.url, token=portal.token)
    edit_csv(ait_amira / "commitments.csv", "completion", 1, "limited")

    def die(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies after uploading, before the switch

    monkeypatch.setattr(ckan_portal_module, "latest_resources", die)
    with pytest.raises(KeyboardInterrupt):
        publish(ait_amira, portal.url, token=portal.token)
    package = portal.api().action.package_show(id=DATASET)
    assert package["version"] == "1.0.0"
    assert {r.get("infitah_version") for r in package["resources"]} == {"1.0.0"}
    monkeypatch.undo()
    again = publish(ait_amira, portal.url, token=portal.token)
    assert (again.status, again.version) == ("published", "1.0.1")
    package = portal.api().action.package_show(id=DATASET)
    assert {r.get("infitah_version") for r in package["resources"]} == {"1.0.1"}
    archive = list(resources(portal, ARCHIVE))
    assert len(archive) == len(set(archive))


def test_token_never_appears_in_output_or_published_files(portal: Portal, ait_amira: Path) -> None:
    outputs = []
    for args in (["--json"], ["--dry-run"], []):
        result = run_cli("publish", str(ait_amira), "--to", portal.url, *args, env=env(portal))
        outputs += [result.stdout, result.stderr]
    edit_csv(ait_amira / "milestones.csv", "status", 1, "in_progress")
    result = run_cli("publish", str(ait_amira), "--to", portal.url, env=env(portal))
    outputs += [result.stdout, result.stderr]
    for resource in resources(portal).values():
        outputs.append(requests.get(str(resource["url"]), timeout=30).text)
    outputs.append(json.dumps(portal.api().action.package_show(id=DATASET)))
    assert all(portal.token not in text for text in outputs)


def test_a_wrong_token_fails_at_once_with_exit_3(portal: Portal, ait_amira: Path) -> None:
    result = run_cli(
        "publish", str(ait_amira), "--to", portal.url, env={"CKAN_API_TOKEN": "not-a-token"}
    )
    assert result.code == 3
    assert "token" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(PortalAuthError):
        publish(ait_amira, portal.url, token="not-a-token")


def test_transient_failures_are_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    closed = CkanPortal("http://127.0.0.1:9", token=None, sleep=waits.append)
    with pytest.raises(PortalUnavailable, match="cannot reach"):
        closed.current(DATASET)
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert len(waits) + 1 == ckan_portal_module.RETRIES


def test_tables_have_a_preview_and_a_data_dictionary_in_french_and_arabic(
    portal: Portal, ait_amira: Path
) -> None:
    publish(ait_amira, portal.url, token=portal.token)
    api = portal.api()
    latest = resources(portal)
    for table in ("milestones", "commitments", "communes"):
        views = api.action.resource_view_list(id=latest[table]["infitah_datastore_id"])
        assert "datatables_view" in {v["view_type"] for v in views}, table
    readme = api.action.resource_view_list(id=latest["README.md"]["id"])
    assert "text_view" in {v["view_type"] for v in readme}
    fields = {
        f["id"]: f.get("info", {})
        for f in api.action.datastore_search(
            resource_id=latest["milestones"]["infitah_datastore_id"], limit=0
        )["fields"]
    }
    assert fields["due_date"]["label"] == "Échéance / الأجل"
    assert "complete: Achevé / منجز" in fields["status"]["notes"]


def test_a_region_publishes_as_itself_on_ckan(portal: Portal, tmp_path: Path) -> None:
    """A region is a member like a commune: its own organization, title and place."""
    import shutil

    folder = tmp_path / "souss-massa"
    shutil.copytree(Path(__file__).resolve().parent.parent / "datasets" / "ait-amira", folder)
    for path in [*folder.glob("*.csv"), folder / "datapackage.json"]:
        text = path.read_text(encoding="utf-8").replace("09.163.07.01", "09")
        path.write_text(text, encoding="utf-8")
    portal.purge("openness-programme-09", "openness-programme-09-versions")
    result = run_cli("publish", str(folder), "--to", portal.url, "--json", env=env(portal))
    assert result.code == 0, result.stdout[-1500:] + result.stderr
    api = portal.api()
    package = api.action.package_show(id="openness-programme-09")
    assert package["organization"]["name"] == "region-09"
    assert package["title_fr"] == "Programme d'ouverture de la Région de Souss-Massa"
    assert package["spatial_code"] == "09"
    assert package["spatial_text"] == "Souss-Massa / سوس ماسة"
    assert package["publisher_type"].endswith("/RegionalAuthority")


def test_a_run_over_many_members_asks_nothing_its_bulk_read_answered(
    portal: Portal, ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run over many members reads every member's state, and the organizations, in
    bulk: a member its bulk read did not list is created without asking for it first
    (a first publish of the network asked 3,000 times to hear "not found"). A dataset
    the listing missed (made since, or hidden from search) is read when creating it says
    it is there, and the run goes on from what it holds; an organization the listing
    missed is asked for alone."""
    from pipelines.publishing import publish_many

    with contextlib.suppress(ckanapi.NotFound):  # a new member: no organization yet
        portal.api().action.organization_purge(id="commune-09-163-07-01")
    calls: list[str] = []
    real_call = CkanPortal._call

    def counted(self: CkanPortal, action: str, *args: object, **data: object) -> object:
        calls.append(action)
        return real_call(self, action, *args, **data)

    monkeypatch.setattr(CkanPortal, "_call", counted)
    [first] = publish_many([ait_amira], portal.url, portal.token)
    assert first.outcome is not None and first.outcome.status == "published", first.error
    assert "package_show" not in calls and "organization_show" not in calls, calls
    assert calls.count("organization_list") >= 1 and calls.count("package_create") == 2
    assert calls.count("organization_create") == 1
    org = portal.api().action.organization_show(id="commune-09-163-07-01")
    assert portal.api().action.package_show(id=DATASET)["owner_org"] == org["id"]

    # The listing misses everything: the datasets exist, the organization is asked for.
    real_states = CkanPortal.states

    def blind(self: CkanPortal, prefix: str) -> object:
        found = real_states(self, prefix)
        self._listed = (prefix, frozenset())
        self._org_names = frozenset()
        return found

    monkeypatch.setattr(CkanPortal, "states", blind)
    edit_csv(ait_amira / "commitments.csv", "title_fr", 1, "Publier les données (révisé)")
    calls.clear()
    [second] = publish_many([ait_amira], portal.url, portal.token)
    assert second.outcome is not None, second.error
    assert (second.outcome.status, second.outcome.previous_version) == ("published", "1.0.0")
    assert "organization_show" in calls and "package_show" in calls
    assert "organization_create" in calls and "package_create" in calls  # refused: there
    assert portal.api().action.package_show(id=DATASET)["version"] == second.outcome.version


def test_a_record_whose_hashes_were_edited_by_hand_is_published_again(
    portal: Portal, ait_amira: Path
) -> None:
    """A dataset whose ``infitah_hashes`` extra was edited into something that is not a
    JSON object of strings (by hand, in CKAN's form) is read as holding no hashes, one
    dataset at a time or in the bulk read of many: the next run publishes the steward's
    change as the next version, never with an internal error."""
    from pipelines.publishing import publish_many

    def damage(value: str) -> None:
        package = api.action.package_show(id=DATASET)
        extras = [{**e, "value": value} if e["key"] == "infitah_hashes" else e
                  for e in package["extras"]]  # fmt: skip
        api.action.package_patch(id=DATASET, extras=extras)

    publish(ait_amira, portal.url, token=portal.token)
    api = portal.api()
    damage("{damaged")
    edit_csv(ait_amira / "commitments.csv", "title_fr", 1, "Publier les données (révisé)")
    result = run_cli("publish", str(ait_amira), "--to", portal.url, "--json", env=env(portal))
    assert result.code == 0, result.stderr
    assert (result.json()["status"], result.json()["version"]) == ("published", "1.0.1")
    damage('{"table:commitments": [1]}')
    edit_csv(ait_amira / "commitments.csv", "title_fr", 1, "Publier les données (revu)")
    [many] = publish_many([ait_amira], portal.url, portal.token)
    assert many.outcome is not None, many.error
    assert (many.outcome.status, many.outcome.version) == ("published", "1.0.2")
    extras = {e["key"]: e["value"] for e in api.action.package_show(id=DATASET)["extras"]}
    assert isinstance(json.loads(extras["infitah_hashes"])["table:commitments"], str)


def test_a_record_whose_version_was_edited_by_hand_stops_that_member_alone(
    portal: Portal, ait_amira: Path, tmp_path: Path
) -> None:
    """An ``infitah_version`` extra edited into something that is not a version (in
    CKAN's form) cannot say what comes next: that member's publication stops with exit 3
    and words saying which dataset and what to do, one member at a time or in a run of
    many (where the others publish), and nothing of it is written. Put back, the next
    publish goes on from it."""
    from pipelines.publishing import publish_many

    api = portal.api()

    def edit(value: str) -> None:
        package = api.action.package_show(id=DATASET)
        extras = [{**e, "value": value} if e["key"] == "infitah_version" else e
                  for e in package["extras"]]  # fmt: skip
        api.action.package_patch(id=DATASET, extras=extras)

    def archived() -> list[str]:
        return sorted(r["name"] for r in api.action.package_show(id=ARCHIVE)["resources"])

    publish(ait_amira, portal.url, token=portal.token)
    files = archived()
    edit("latest")
    edit_csv(ait_amira / "commitments.csv", "title_fr", 1, "Publier les données (révisé)")
    result = run_cli("publish", str(ait_amira), "--to", portal.url, "--lang", "fr",
                     env=env(portal))  # fmt: skip
    assert result.code == 3, result.stderr
    assert f"{DATASET}" in result.stderr and "« latest »" in result.stderr
    assert "champ infitah_version" in result.stderr and "Traceback" not in result.stderr
    assert archived() == files
    # In a run of many, the bulk read leaves the damaged record to its member's own read:
    # that member fails alone (the run does not end with the error).
    edit("../1.0.0")
    [many] = publish_many([ait_amira], portal.url, portal.token)
    assert many.outcome is None and many.error is not None
    assert many.error.key == "portal-record-damaged" and many.error.exit_code == 3
    assert archived() == files
    edit("1.0.0")
    # The record of each version's files, damaged the same way, stops it the same way.
    package = api.action.package_show(id=DATASET)
    extras = [{**e, "value": '{"1.0.0": "damaged"}'} if e["key"] == "infitah_versions" else e
              for e in package["extras"]]  # fmt: skip
    api.action.package_patch(id=DATASET, extras=extras)
    damaged = run_cli("publish", str(ait_amira), "--to", portal.url, env=env(portal))
    assert damaged.code == 3 and "infitah_versions" in damaged.stderr, damaged.stderr
    assert archived() == files
    api.action.package_patch(id=DATASET, extras=package["extras"])
    again = run_cli("publish", str(ait_amira), "--to", portal.url, "--json", env=env(portal))
    assert again.code == 0, again.stderr
    assert (again.json()["status"], again.json()["version"]) == ("published", "1.0.1")


def test_a_table_longer_than_a_datastore_batch_is_loaded_whole_in_batches(
    portal: Portal, ait_amira: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table of more rows than one DataStore call carries is loaded batch by batch
    (each built when sent, not every row's record at once): the preview holds every
    row of the CSV, each once, with its typed values."""
    monkeypatch.setattr(ckan_portal_module, "DATASTORE_BATCH", 2)
    publish(ait_amira, portal.url, token=portal.token)
    api = portal.api()
    latest = resources(portal)
    for table in ("milestones", "commitments"):
        with (ait_amira / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) > 2, table
        found = api.action.datastore_search(
            resource_id=latest[table]["infitah_datastore_id"], limit=1000
        )
        assert found["total"] == len(rows), table
        key = "milestone_id" if table == "milestones" else "commitment_id"
        assert sorted(r[key] for r in found["records"]) == sorted(r[key] for r in rows)
