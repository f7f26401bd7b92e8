"""Real programmes as members publish them (issue 11): OGP's own commitment data
imported and published, IRM words as OGP writes them, dates as precise as the source,
the member's own status apart from an assessment, honest network figures."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipelines import dates
from tests.conftest import REPO, run_cli
from tests.network_oracle import (
    assert_same_indicators,
    expected_indicators,
    published_indicators,
)
from tests.test_checks import Rows, edit, found, only_errors, setter, validate, where

OGP_SHEET = REPO.parent / "shared" / "data" / "ogp-commitments" / "ogp-commitments.csv"
MEMBER = "09.163.07.01"

# OGP's words -> the schema's codes, written out here, not taken from the schema: the
# test is an oracle independent of the code it checks.
OGP_WORDS = {
    "ND": "not_determined", "NR": "not_reviewed", "NA": "not_applicable",
    "1": "yes", "0": "no", "Yes": "yes", "No": "no",
    "None": "none", "Minor": "minor", "Moderate": "moderate",
    "Transformative": "transformative", "Unclear": "unclear", "Modest": "modest",
    "Substantial": "substantial", "Not Started": "not_started", "Limited": "limited",
    "Complete": "complete", "Withdrawn": "withdrawn",
    "No notable results": "no_notable_results", "Significant": "significant",
    "Worsens": "worsened", "Did Not Change": "did_not_change", "Marginal": "marginal",
    "Major": "major", "Outstanding": "outstanding",
    "No early results to report yet": "no_early_results_yet", "": "",
}  # fmt: skip
IRM = {
    "Verifiable": "irm_verifiable",
    "OGP Value Access To Information": "irm_access_to_information",
    "OGP Value Civic Participation": "irm_civic_participation",
    "OGP Value Public Accountability": "irm_public_accountability",
    "OGP Value Technology": "irm_technology_innovation",
    "Potential Impact": "irm_potential_impact",
    "Potential for Results": "irm_potential_for_results",
    "Completion (Progress Report)": "irm_completion_midterm",
    "Completion (End Of Term)": "completion",
    "Early Results": "irm_early_results",
    "Did It Open Government (Overall)": "did_it_open_government",
}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    if not OGP_SHEET.is_file():
        pytest.fail(f"the shared OGP export is missing: {OGP_SHEET}")
    out = tmp_path_factory.mktemp("ogp") / "ogp-plans"
    result = run_cli("import-ogp", str(OGP_SHEET), "--member", MEMBER, "--out", str(out), "--json")
    assert result.code == 0, result.stderr
    return out, result.json()


# --- the importer, on OGP's real export ----------------------------------------------------


def test_every_row_of_ogps_sheet_imports(imported: tuple[Path, Any]) -> None:
    out, outcome = imported
    source = rows(OGP_SHEET)
    commitments = rows(out / "commitments.csv")
    assert [c["commitment_id"] for c in commitments] == [
        r["Commitment Unique Identifier"] for r in source
    ]
    assert [c["source_url"] for c in commitments] == [r["URL"] for r in source]
    assert outcome["commitments"] == 542
    plans = {r["Action Plan ID"] for r in source}
    assert {p["plan_id"] for p in rows(out / "action_plans.csv")} == plans
    assert {c["commune_code"] for c in commitments} == {MEMBER}


def test_irm_values_round_trip_exactly_and_nd_nr_stay_distinct(
    imported: tuple[Path, Any],
) -> None:
    out, _ = imported
    source = rows(OGP_SHEET)
    commitments = rows(out / "commitments.csv")
    for column, name in IRM.items():
        assert [c[name] for c in commitments] == [OGP_WORDS[r[column]] for r in source], name
    ends = [c["completion"] for c in commitments]
    assert ends.count("not_determined") == 62 and ends.count("not_reviewed") == 145
    assert all(c["assessed_by"] == "irm" for c in commitments if c["completion"])


def test_the_steward_is_told_what_to_add_never_given_invented_text(
    imported: tuple[Path, Any],
) -> None:
    out, outcome = imported
    missing = {m["field"]: m["rows"] for m in outcome["missing"]}
    assert missing["commitments.title_ar"] == 542
    assert missing["commitments.title_fr"] == 542
    assert missing["commitments.implementation_status"] == 542
    commitments = rows(out / "commitments.csv")
    assert all(c["title_ar"] == c["title_fr"] == "" for c in commitments)
    assert all(c["implementation_status"] == "" for c in commitments)
    # Officials' e-mails and phones in OGP's full texts are left out, and said.
    assert outcome["personal_data_removed"]
    text = run_cli("import-ogp", str(OGP_SHEET), "--member", MEMBER, "--out",
                   str(out.parent / "fr"), "--lang", "fr")  # fmt: skip
    assert "le titre arabe de 542 engagement(s)" in text.stdout


def test_the_import_validates_and_publishes_with_its_sources(
    imported: tuple[Path, Any], tmp_path: Path
) -> None:
    out, _ = imported
    checked = run_cli("validate", str(out), "--json")
    assert checked.code == 0, checked.stdout[-2000:]
    report = checked.json()
    assert report["errors"] == []
    assert {f["code"] for f in report["warnings"]} >= {"missing-translation"}

    catalog = tmp_path / "catalog"
    published = run_cli("publish", str(out), "--to", str(catalog), "--json")
    assert published.code == 0, published.stdout[-2000:] + published.stderr
    [version] = (catalog / "openness-programme-09-163-07-01" / "versions").iterdir()
    descriptor = json.loads((version / "datapackage.json").read_text(encoding="utf-8"))
    paths = {s.get("path") for s in descriptor["sources"]}
    assert "https://opengovpartnership.org/members/albania/commitments/al0002" in paths
    readme = (version / "README.md").read_text(encoding="utf-8")
    assert "opengovpartnership.org/members/albania/commitments/al0002" in readme
    checked_catalog = run_cli("check-catalog", str(catalog))
    assert checked_catalog.code == 0, checked_catalog.stdout


def test_a_file_that_is_not_ogps_sheet_is_refused_by_name(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,title\n1,x\n", encoding="utf-8")
    result = run_cli("import-ogp", str(wrong), "--member", MEMBER, "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "Commitment Unique Identifier" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


# --- IRM words, the member's own status -----------------------------------------------------


def test_irm_words_in_any_case_become_codes_with_one_warning(ait_amira: Path) -> None:
    def rate(rows: Rows) -> None:
        rows[0].update(completion="COMPLETE", assessed_by="IRM", irm_potential_impact="ND")
        rows[1].update(completion="Substantial", assessed_by="irm", irm_potential_impact="NR")
        rows[2].update(completion="Achevé", assessed_by="Société civile")

    edit(ait_amira, "commitments", rate)
    rep = validate(ait_amira)

    assert rep["valid"] is True, rep["errors"]
    warned = {f["field"]: f["message"] for f in found(rep, "label-normalised")}
    assert set(warned) == {"completion", "assessed_by", "irm_potential_impact"}
    assert warned["completion"].startswith("3 cells")
    assert warned["assessed_by"].startswith("2 cells")  # "irm" is the code itself
    assert '"ND"' in warned["irm_potential_impact"]


def test_an_external_rating_of_complete_is_recorded_without_milestone_detail(
    ait_amira: Path,
) -> None:
    edit(ait_amira, "commitments", setter(0, completion="complete", assessed_by="irm"))
    assert validate(ait_amira)["valid"] is True


def test_the_members_own_done_with_open_milestones_is_an_error(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(0, implementation_status="done"))

    rep = validate(ait_amira)

    [error] = rep["errors"]
    assert error["code"] == "complete-with-open-milestones"
    assert (error["table"], error["row"], error["field"]) == (
        "commitments", 2, "implementation_status",
    )  # fmt: skip


def test_a_rating_without_its_assessor_says_how_to_migrate(ait_amira: Path) -> None:
    edit(ait_amira, "commitments", setter(0, completion="limited"))

    rep = validate(ait_amira)

    assert rep["valid"] is True
    [warning] = found(rep, "assessor-missing")
    assert (warning["row"], warning["field"]) == (2, "completion")
    assert "implementation_status" in warning["hint"]


# --- dates as precise as the source ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("2025", "2025"),
        ("2025-09", "2025-09"),
        ("September 2025", "2025-09"),
        ("septembre 2025", "2025-09"),
        ("2e semestre 2025", "2025-S2"),
        ("second semester 2025", "2025-S2"),
        ("S2 2025", "2025-S2"),
        ("Q3 2025", "2025-Q3"),
        ("3e trimestre 2025", "2025-Q3"),
        ("15/09/2025", "2025-09-15"),
        ("2025/09/15", "2025-09-15"),
    ],
)
def test_a_due_date_as_precise_as_known_is_kept_at_its_precision(
    ait_amira: Path, tmp_path: Path, typed: str, kept: str
) -> None:
    edit(ait_amira, "milestones", setter(1, due_date=typed))

    rep = validate(ait_amira)

    assert rep["valid"] is True, rep["errors"]
    if typed != kept:
        [note] = found(rep, "date-normalised")
        assert where(note) == ("milestones", 3, "due_date", "G")
    published = run_cli("publish", str(ait_amira), "--to", str(tmp_path / "c"))
    assert published.code == 0, published.stdout
    [version] = (tmp_path / "c" / "openness-programme-09-163-07-01" / "versions").iterdir()
    due = [r["due_date"] for r in rows(version / "milestones.csv")]
    assert due[1] == kept


def test_a_numeric_date_that_reads_two_ways_is_one_error_with_both_readings(
    ait_amira: Path,
) -> None:
    edit(ait_amira, "milestones", setter(1, due_date="9/1/2025"))
    edit(ait_amira, "workshops", setter(0, date="4/5/2024"))

    rep = validate(ait_amira)

    assert only_errors(rep) == {"ambiguous-date"}
    errors = {(e["table"], e["field"]): e for e in rep["errors"]}
    assert set(errors) == {("milestones", "due_date"), ("workshops", "date")}
    message = errors["milestones", "due_date"]["message"]
    assert "2025-01-09" in message and "2025-09-01" in message


def test_reduced_dates_are_compared_as_the_intervals_they_mean(ait_amira: Path) -> None:
    # The cycle ends 2026-04-14: a milestone due "2026-04" overlaps it, "2026-05" does not.
    edit(ait_amira, "milestones", setter(1, due_date="2026-04"))
    assert validate(ait_amira)["valid"] is True
    edit(ait_amira, "milestones", setter(1, due_date="2026-S2"))
    assert only_errors(validate(ait_amira)) == {"milestone-outside-cycle"}
    # A year then a month of it is in order; a month before the year is not.
    edit(ait_amira, "milestones", setter(1, start_date="2025", due_date="2025-03"))
    assert validate(ait_amira)["valid"] is True
    edit(ait_amira, "milestones", setter(1, start_date="2025-06", due_date="2025-Q1"))
    assert only_errors(validate(ait_amira)) == {"date-order"}


def test_interval_ends() -> None:
    assert dates.interval("2024-02") == (dates.first_day("2024-02"), dates.last_day("2024-02"))
    assert str(dates.last_day("2024-02")) == "2024-02-29"
    assert str(dates.last_day("2022-S1")) == "2022-06-30"
    assert str(dates.first_day("2023-Q4")) == "2023-10-01"
    assert dates.interval("2023-02-29") is None


# --- honest figures --------------------------------------------------------------------------


def test_indicators_count_reported_rows_and_say_how_many_were_left_out() -> None:
    import datetime as dt

    import pandas as pd

    from pipelines import indicators

    geo = {
        "commune_code": "09.163.07.01", "commune_name_fr": "Aït Amira",
        "commune_name_ar": "أيت عميرة", "province_code": "09.163",
        "province_name_fr": "Chtouka", "province_name_ar": "اشتوكة",
        "region_code": "09", "region_name_fr": "Souss-Massa", "region_name_ar": "سوس ماسة",
    }  # fmt: skip

    def frame(table: str, *records: dict[str, str]) -> pd.DataFrame:
        names = [n for n in indicators.load(table).field_names if n not in geo]
        full = [{**{n: "" for n in names}, **geo, **r} for r in records]
        return pd.DataFrame(full, columns=[*names, *geo])

    c = [
        {"commitment_id": "c1", "axis": "environment", "data_status": "reported"},
        {"commitment_id": "c2", "axis": "environment", "data_status": "illustrative"},
        {"commitment_id": "c3", "axis": "communication", "data_status": "synthetic"},
    ]
    m = [
        {"milestone_id": "m1", "commitment_id": "c1", "due_date": "2025-09",
         "status": "complete", "completed_on": "2025-09-30", "data_status": "reported"},
        {"milestone_id": "m2", "commitment_id": "c2", "due_date": "2025-01-01",
         "status": "not_started", "data_status": "illustrative"},
    ]  # fmt: skip
    tables = {
        "commitments": frame("commitments", *c),
        "milestones": frame("milestones", *m),
        "proposals": frame("proposals"),
        "workshops": frame("workshops"),
        "workshop_participation": frame("workshop_participation"),
    }
    out = indicators.compute(tables, dt.date(2025, 12, 31))
    network = out[(out["level"] == "network") & (out["axis"] == "")].set_index("indicator")
    assert network.loc["commitments", ["value", "left_out"]].tolist() == ["1", "2"]
    assert network.loc["milestones_due", ["value", "left_out"]].tolist() == ["1", "1"]
    # Done on 30 September, due "2025-09": on time.
    assert network.loc["milestones_on_time_share", ["value", "left_out"]].tolist() == ["1", "1"]
    by_axis = out[(out["level"] == "network") & (out["indicator"] == "commitments")]
    pairs = zip(by_axis["value"], by_axis["left_out"], strict=True)
    counted = dict(zip(by_axis["axis"], pairs, strict=True))
    assert counted["communication"] == ("0", "1")


# --- every kind of member, and the network view -------------------------------------------


def member_copy(root: Path, code: str) -> Path:
    """The sample commune's programme, as if member ``code`` had published it."""
    folder = root / f"member-{code}"
    shutil.copytree(REPO / "datasets" / "ait-amira", folder)
    for path in [*folder.glob("*.csv"), folder / "datapackage.json"]:
        path.write_text(path.read_text(encoding="utf-8").replace(MEMBER, code), encoding="utf-8")
    return folder


def test_a_region_a_province_and_the_national_level_publish_as_themselves(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "catalog"
    folders = [REPO / "datasets" / "ait-amira"]
    folders += [member_copy(tmp_path, code) for code in ("09", "09.163", "MA")]
    for folder in folders:
        result = run_cli("publish", str(folder), "--to", str(catalog), "--json")
        assert result.code == 0, result.stdout[-1500:]
    expected = {
        "openness-programme-09": ("region-09", "Programme d'ouverture de la Région de Souss-Massa",
                                  "MA-09"),
        "openness-programme-09-163": ("province-09-163",
                                      "Programme d'ouverture de la Province de Chtouka-Ait Baha",
                                      "MA-09"),
        "openness-programme-ma": ("national-ma", "Plan d'action national pour un gouvernement "
                                  "ouvert : Royaume du Maroc", None),
    }  # fmt: skip
    for dataset, (organization, title, iso) in expected.items():
        info = json.loads((catalog / dataset / "dataset.json").read_text(encoding="utf-8"))
        assert info["owner"]["name"] == organization
        package = json.loads((catalog / dataset / "latest" / "datapackage.json").read_text())
        assert package["x-title-fr"] == title
        turtle = (catalog / dataset / "dataset.ttl").read_text(encoding="utf-8")
        assert (f'"{iso}"' in turtle) if iso else ('"MA"' in turtle)
    assert run_cli("check-catalog", str(catalog)).code == 0

    aggregated = run_cli("aggregate", "--from", str(catalog), "--to", str(catalog),
                         "--as-of", "2025-12-31", "--json")  # fmt: skip
    assert aggregated.code == 0, aggregated.stderr
    data = (catalog / "remacto-network-programmes" / "latest" / "indicators.csv").read_bytes()
    got = published_indicators(data)
    network = {k[2]: v for k, v in got.items() if k[:2] == ("network", "remacto") and not k[3]}
    assert (network["communes"], network["members_region"], network["members_province"],
            network["members_national"]) == (1, 1, 1, 1)  # fmt: skip
    assert ("member", "09", "commitments", "") in got
    assert not any(k[0] == "province" and k[1] == "" for k in got)
    # Only reported rows count; the illustrative commitments are said to be left out.
    assert_same_indicators(got, expected_indicators(folders, "2025-12-31"))
    assert_same_indicators(
        published_indicators(data, left_out=True),
        expected_indicators(folders, "2025-12-31", left_out=True),
    )
    assert network["commitments"] == 0
    assert (
        published_indicators(data, left_out=True)[("network", "remacto", "commitments", "")] == 12
    )


HEADER = ("Commitment Unique Identifier,Action Plan ID,Country/Locality,Commitment Title,"
          "Start Date,End Date,Lead Institution,Supporting Institution(s),URL")  # fmt: skip


@pytest.mark.parametrize(
    ("content", "args", "said"),
    [
        (HEADER + '\nX1,AP_X,C,"' + "a" * 1_100_000 + '",,,,,\n', [], "ligne 2"),
        (HEADER + "\nX1,AP_X,C,T,,,,,\n", ["--plan", "AP_NONE"], "AP_NONE"),
        (HEADER + "\n", [], "ne contient aucun engagement"),
        (HEADER + "\nX1,AP_X,C,T,,,,,\n", ["--member", "99.999"], "99.999"),
        ("\xff\xfe not text".encode("latin-1").decode("latin-1"), [], "Impossible de lire"),
    ],
)
def test_what_is_not_an_ogp_sheet_is_refused_and_nothing_is_written(
    tmp_path: Path, content: str, args: list[str], said: str
) -> None:
    source = tmp_path / "sheet.csv"
    source.write_bytes(content.encode("latin-1" if "\xff" in content else "utf-8"))
    out = tmp_path / "out"
    member = [] if "--member" in args else ["--member", MEMBER]
    result = run_cli("import-ogp", str(source), *member, *args, "--out", str(out), "--lang", "fr")
    assert result.code == 2, result.stderr
    assert said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_an_import_never_overwrites_a_folder(tmp_path: Path) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text(HEADER + "\nX1,AP_X,C,T,,,,,\n", encoding="utf-8")
    out = tmp_path / "member"
    out.mkdir()
    (out / "commitments.csv").write_text("steward's own work\n", encoding="utf-8")
    result = run_cli("import-ogp", str(source), "--member", MEMBER, "--out", str(out))
    assert result.code == 2 and "not empty" in result.stderr
    assert (out / "commitments.csv").read_text(encoding="utf-8") == "steward's own work\n"
