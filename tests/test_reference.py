"""The communes reference is rebuilt by code from the raw list, reproducibly."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import InputError
from pipelines.reference import (
    DEFAULT_SOURCE,
    REFERENCE_DIR,
    build_communes,
    load_communes,
    write_reference,
)

from .conftest import DATA, run_cli

MESSY = DATA / "reference"
CODE = re.compile(r"^[0-9]{2}\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}$")
DIRTY = re.compile("[\u00a0\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\n]|^ | $")


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return build_communes(DEFAULT_SOURCE)


def test_counts_match_morocco(communes: pd.DataFrame) -> None:
    assert len(communes) == 1503
    assert communes["kind"].value_counts().to_dict() == {
        "rural_commune": 1282,
        "municipality": 215,
        "city_with_arrondissements": 6,
    }
    assert communes["code"].is_unique


def test_codes_are_clean_text(communes: pd.DataFrame) -> None:
    assert communes["code"].map(lambda c: bool(CODE.match(c))).all()
    assert communes["province_code"].str.match(r"^\d{2}\.\d{3}$").all()


def test_names_are_clean(communes: pd.DataFrame) -> None:
    for column in [c for c in communes.columns if "name" in c]:
        values = communes[column]
        assert not values.map(lambda v: bool(DIRTY.search(v))).any(), column
        assert not values.str.contains(r"\((?:Mun|Arrond)\.\)|Province:|Préfecture:").any()
        assert not values.str.contains("المحافظة:").any()


def test_ait_amira(communes: pd.DataFrame) -> None:
    row = communes.set_index("code").loc["09.163.07.01"]
    assert row["name_fr"] == "Ait Amira"
    assert row["name_ar"] == "آيت عميرة"
    assert row["province_name_fr"] == "Chtouka-Ait Baha"
    assert row["region_name_fr"] == "Souss-Massa"
    assert row["iso_3166_2"] == "MA-09"
    assert row["kind"] == "rural_commune"


def test_region_names_are_the_official_ones(communes: pd.DataFrame) -> None:
    oriental = communes[communes["region_code"] == "02"]["region_name_ar"].unique()
    assert list(oriental) == ["الشرق"]


def test_cities_with_arrondissements_get_a_derived_code(communes: pd.DataFrame) -> None:
    cities = communes[communes["kind"] == "city_with_arrondissements"]
    assert sorted(cities["name_fr"]) == [
        "Casablanca",
        "Fès",
        "Marrakech",
        "Rabat",
        "Salé",
        "Tanger",
    ]
    assert cities["code"].str.endswith(".01.00").all()


def test_regeneration_is_byte_identical_to_the_committed_files(tmp_path: Path) -> None:
    write_reference(DEFAULT_SOURCE, tmp_path)
    for name in ("communes.csv", "arrondissements.csv", "datapackage.json"):
        assert (tmp_path / name).read_bytes() == (REFERENCE_DIR / name).read_bytes(), name


def test_committed_reference_is_a_valid_data_package() -> None:
    import frictionless

    report = frictionless.Package(str(REFERENCE_DIR / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])
    assert len(load_communes()) == 1503


def test_messy_fixture_is_cleaned(tmp_path: Path) -> None:
    frame = build_communes(MESSY).set_index("code")
    assert list(frame.index) == ["01.511.01.00", "02.113.01.01", "02.113.03.05", "09.163.07.01"]
    assert frame.loc["09.163.07.01", "name_fr"] == "Ait Amira"
    assert frame.loc["09.163.07.01", "name_ar"] == "آيت عميرة"
    assert frame.loc["09.163.07.01", "province_name_fr"] == "Chtouka-Ait Baha"
    assert frame.loc["09.163.07.01", "province_name_ar"] == "شتوكة آيت باها"
    assert frame.loc["02.113.01.01", "name_ar"] == "بركان"
    assert frame.loc["02.113.01.01", "kind"] == "municipality"
    assert frame.loc["02.113.01.01", "circle_code"] == ""
    assert frame.loc["02.113.03.05", "name_ar"] == "فزوان"
    assert frame.loc["02.113.03.05", "circle_name_fr"] == "Aklim"
    assert frame.loc["02.113.03.05", "province_name_ar"] == "بركان"
    assert frame.loc["01.511.01.00", "province_kind"] == "prefecture"
    assert frame.loc["02.113.03.05", "province_kind"] == "province"


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere"):
        build_communes(tmp_path / "nowhere")
    result = run_cli("reference", "--source", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert result.code == 2
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.stderr
