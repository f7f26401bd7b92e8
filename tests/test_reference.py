"""The communes reference is rebuilt by code from the raw list, reproducibly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import InputError
from pipelines.members import load_communes
from pipelines.publishing import publish
from pipelines.reference import (
    COLUMNS,
    DEFAULT_SOURCE,
    build_arrondissements,
    build_communes,
    clean_code,
    clean_name,
    raw_counts,
    strip_invisible,
    strip_name_prefix,
    strip_name_suffix,
    write_reference,
)
from pipelines.resources import REFERENCE_DIR
from pipelines.synth import synthesise

from .conftest import DATA, run_cli

MESSY = DATA / "reference"
CODE = re.compile(r"^[0-9]{2}\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}$")
# NBSP, bidi controls, zero-width, BOM, tatweel, newline, or whitespace at either end.
DIRTY = re.compile(
    "[\u00a0\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u0640\n\r\t]|^\\s|\\s$|  "
)
AFFIXES = re.compile(
    r"^(?:Province|Pr[ée]fecture|Cercle|Centre)\s*:|\((?:Mun|Arrond)\.\)|"
    r"(?:محافظة|عمالة|إقليم|دائرة|مركز)[^:]{0,6}:"
)
CITIES = {
    "01.511.01.00": ("Tanger", "طنجة"),
    "03.231.01.00": ("Fès", "فاس"),
    "04.421.01.00": ("Rabat", "الرباط"),
    "04.441.01.00": ("Salé", "سلا"),
    "06.141.01.00": ("Casablanca", "الدار البيضاء"),
    "07.351.01.00": ("Marrakech", "مراكش"),
}


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return build_communes(DEFAULT_SOURCE)


@pytest.fixture(scope="module")
def arrondissements() -> pd.DataFrame:
    return build_arrondissements(DEFAULT_SOURCE)


def test_source_holds_what_its_readme_says_once_read_as_csv() -> None:
    assert raw_counts(DEFAULT_SOURCE) == {
        "arrondissement": 41,
        "centre": 149,
        "municipality": 215,
        "rural_commune": 1282,
    }
    # The README's "1,689 rows" are lines: two quoted Arabic names end with a newline.
    lines = (DEFAULT_SOURCE / "commune.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) - 1 == 1689 == sum(raw_counts(DEFAULT_SOURCE).values()) + 2


def test_counts_match_morocco(communes: pd.DataFrame) -> None:
    assert len(communes) == 1503
    assert communes["kind"].value_counts().to_dict() == {
        "rural_commune": 1282,
        "municipality": 215,
        "city_with_arrondissements": 6,
    }
    assert communes["code"].is_unique
    assert list(communes.columns) == COLUMNS
    assert communes["code"].is_monotonic_increasing


def test_arrondissements_belong_to_the_six_cities(
    communes: pd.DataFrame, arrondissements: pd.DataFrame
) -> None:
    assert len(arrondissements) == 41
    assert arrondissements["code"].is_unique
    assert set(arrondissements["city_code"]) == set(CITIES)
    assert arrondissements.groupby("city_code").size().to_dict() == {
        "01.511.01.00": 4,
        "03.231.01.00": 6,
        "04.421.01.00": 5,
        "04.441.01.00": 5,
        "06.141.01.00": 16,
        "07.351.01.00": 5,
    }
    assert not set(arrondissements["code"]) & set(communes["code"])


def test_codes_are_clean_text(communes: pd.DataFrame) -> None:
    assert communes["code"].map(lambda c: bool(CODE.match(c))).all()
    assert not communes["code"].str.endswith(".").any()
    assert (communes["code"].str[:6] == communes["province_code"]).all()
    assert (communes["code"].str[:2] == communes["region_code"]).all()
    assert ("MA-" + communes["region_code"] == communes["iso_3166_2"]).all()
    has_circle = communes["circle_code"] != ""
    assert (
        communes.loc[has_circle, "code"].str[:9] == communes.loc[has_circle, "circle_code"]
    ).all()


def test_only_rural_communes_have_a_cercle(communes: pd.DataFrame) -> None:
    rural = communes["kind"] == "rural_commune"
    assert (communes.loc[rural, "circle_code"] != "").all()
    # Named, except the five communes of the cercles the source calls "-" / "دائرة -".
    unnamed = communes.loc[rural & (communes["circle_name_ar"] == "")]
    assert sorted(unnamed["code"]) == ["01.511.81.05", "01.573.03.03", "01.573.03.05",
                                       "03.271.81.01", "03.271.81.03"]  # fmt: skip
    assert (unnamed["circle_name_fr"] == "").all()
    assert (communes.loc[~rural, ["circle_code", "circle_name_fr"]] == "").all().all()


def test_names_are_clean(communes: pd.DataFrame, arrondissements: pd.DataFrame) -> None:
    frames = [communes, arrondissements]
    for column in [c for frame in frames for c in frame.columns if "name" in c]:
        for frame in [f for f in frames if column in f.columns]:
            values = frame[column]
            assert not values.map(lambda v: bool(DIRTY.search(v))).any(), column
            assert not values.map(lambda v: bool(AFFIXES.search(v))).any(), column
    for column in ("name_fr", "name_ar", "province_name_fr", "province_name_ar"):
        assert (communes[column] != "").all(), column


def test_a_commune_whose_cercle_has_no_name_publishes(
    communes: pd.DataFrame, tmp_path: Path
) -> None:
    """Its reference row goes into its release: a cercle named "-" read as a formula by
    the egress guard, and the commune could never publish."""
    (folder,) = synthesise(1, tmp_path / "m", communes=communes[communes["code"] == "03.271.81.03"])
    outcome = publish(folder, str(tmp_path / "catalog"))
    assert outcome.report is None and (outcome.status, outcome.version) == ("published", "1.0.0")


def test_ait_amira(communes: pd.DataFrame) -> None:
    row = communes.set_index("code").loc["09.163.07.01"].to_dict()
    assert row == {
        "name_fr": "Ait Amira",
        "name_ar": "آيت عميرة",
        "kind": "rural_commune",
        "circle_code": "09.163.07",
        "circle_name_fr": "Biougra",
        "circle_name_ar": "بيوكرة",
        "province_code": "09.163",
        "province_name_fr": "Chtouka-Ait Baha",
        "province_name_ar": "شتوكة آيت باها",
        "province_kind": "province",
        "region_code": "09",
        "region_name_fr": "Souss-Massa",
        "region_name_ar": "سوس ماسة",
        "iso_3166_2": "MA-09",
    }


def test_region_names_are_the_official_ones(communes: pd.DataFrame) -> None:
    regions = communes.drop_duplicates("region_code").set_index("region_code")
    assert len(regions) == 12
    assert regions.loc["02", "region_name_ar"] == "الشرق"
    assert regions.loc["07", "region_name_ar"] == "مراكش آسفي"
    assert regions.loc["06", "region_name_fr"] == "Casablanca-Settat"
    assert not communes["region_name_ar"].str.contains("شرقي|الصافي|،").any()


def test_plainly_wrong_arabic_names_are_corrected(
    communes: pd.DataFrame, arrondissements: pd.DataFrame
) -> None:
    by_code = communes.set_index("code")
    assert by_code.loc["02.411.01.23", "province_name_ar"] == "وجدة أنجاد"
    assert by_code.loc["07.431.01.03", ["name_ar", "province_name_ar"]].tolist() == ["آسفي"] * 2
    assert by_code.loc["09.541.01.03", "name_ar"] == "الكردان"
    assert by_code.loc["04.501.05.03", "name_ar"] == "مرس الخير"
    assert arrondissements.set_index("code").loc["07.351.01.05", "name_ar"] == "جليز"
    names = pd.concat([communes["name_ar"], arrondissements["name_ar"]])
    assert not names.str.contains("شركة|السائدة|كراء").any()


def test_cities_with_arrondissements_get_a_derived_code(communes: pd.DataFrame) -> None:
    cities = communes[communes["kind"] == "city_with_arrondissements"].set_index("code")
    assert {c: (r["name_fr"], r["name_ar"]) for c, r in cities.iterrows()} == CITIES
    assert set(cities["province_kind"]) == {"prefecture"}
    # 00 is never a commune's number, so a derived code cannot meet a real one.
    raw = pd.read_csv(DEFAULT_SOURCE / "commune.csv", dtype=str, keep_default_na=False)
    assert not (raw["code"] == "00").any()


def test_regeneration_is_byte_identical_to_the_committed_files(tmp_path: Path) -> None:
    paths = write_reference(DEFAULT_SOURCE, tmp_path)
    assert [p.name for p in paths] == [
        "communes.csv", "collectivities.csv", "arrondissements.csv", "datapackage.json",
    ]  # fmt: skip
    for path in paths:
        data = path.read_bytes()
        assert data == (REFERENCE_DIR / path.name).read_bytes(), path.name
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data, path.name


def test_committed_reference_is_a_valid_data_package() -> None:
    import frictionless

    report = frictionless.Package(str(REFERENCE_DIR / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])
    assert report.tasks[0].stats["rows"] == 1503


def test_a_city_code_missing_from_the_communes_breaks_the_package(tmp_path: Path) -> None:
    import frictionless

    write_reference(DEFAULT_SOURCE, tmp_path)
    communes = (tmp_path / "communes.csv").read_text(encoding="utf-8")
    lines = [line for line in communes.split("\n") if not line.startswith("06.141.01.00,")]
    (tmp_path / "communes.csv").write_text("\n".join(lines), encoding="utf-8")
    report = frictionless.Package(str(tmp_path / "datapackage.json")).validate()
    assert not report.valid
    assert "foreign-key" in {error.type for task in report.tasks for error in task.errors}


def test_load_communes_keeps_codes_as_text() -> None:
    frame = load_communes()
    assert len(frame) == 1503
    assert all(isinstance(value, str) for value in frame.to_numpy().ravel())
    assert frame["code"].iloc[0] == "01.051.01.01"
    assert frame["region_code"].iloc[0] == "01"


@pytest.mark.parametrize(
    ("function", "raw", "clean"),
    [
        (strip_invisible, "\u202bوجدة\u202c\u200e\ufeff", "وجدة"),
        (strip_invisible, "\u2066Ait\u2069 \u061cAmira\u200f", "Ait Amira"),
        (strip_name_prefix, "Province: Al Hoceima", "Al Hoceima"),
        (strip_name_prefix, "Préfecture: Fès", "Fès"),
        (strip_name_prefix, "Cercle : Biougra", "Biougra"),
        (strip_name_prefix, "Centre: Fezouane", "Fezouane"),
        (strip_name_prefix, "المحافظة: الحسيمة", "الحسيمة"),
        (strip_name_prefix, "محافظة: إنزكان", "إنزكان"),
        (strip_name_prefix, "مركز الذي: أولاد زباير", "أولاد زباير"),
        (strip_name_suffix, "Al Hoceima (Mun.)", "Al Hoceima"),
        (strip_name_suffix, "Agdal (Arrond.)", "Agdal"),
        (clean_code, "09.163.07.01.", "09.163.07.01"),
        (clean_code, " 09.\u200e", "09"),
        (clean_name, "\u00a0\u00a0\u00a0مركز الذي: أولاد زباير", "أولاد زباير"),
        (clean_name, "Province: Chtouka- Ait Baha", "Chtouka-Ait Baha"),
        (clean_name, "El  Kelâa des  Sraghna ", "El Kelâa des Sraghna"),
        (clean_name, "مــنــود النكور", "منود النكور"),
        (clean_name, "الفداء مرس السلطان،", "الفداء مرس السلطان"),
        (clean_name, "ملقى الويدان\n", "ملقى الويدان"),
        (clean_name, "Cercle : -", ""),
        (clean_name, "دائرة -", ""),
        (clean_name, "Cercle : Daoura -el Hagounia", "Daoura-el Hagounia"),
    ],
)
def test_each_cleaning_step(function: object, raw: str, clean: str) -> None:
    assert callable(function)
    assert function(raw) == clean


def test_messy_fixture_is_cleaned() -> None:
    frame = build_communes(MESSY)
    assert frame.to_dict("records") == [
        {
            "code": "01.511.01.00", "name_fr": "Tanger", "name_ar": "طنجة",
            "kind": "city_with_arrondissements", "circle_code": "", "circle_name_fr": "",
            "circle_name_ar": "", "province_code": "01.511", "province_name_fr": "Tanger-Assilah",
            "province_name_ar": "طنجة-أصيلة", "province_kind": "prefecture", "region_code": "01",
            "region_name_fr": "Tanger-Tétouan-Al Hoceïma", "region_name_ar": "طنجة تطوان الحسيمة",
            "iso_3166_2": "MA-01",
        },
        {
            "code": "02.113.01.01", "name_fr": "Berkane", "name_ar": "بركان",
            "kind": "municipality", "circle_code": "", "circle_name_fr": "", "circle_name_ar": "",
            "province_code": "02.113", "province_name_fr": "Berkane", "province_name_ar": "بركان",
            "province_kind": "province", "region_code": "02", "region_name_fr": "L'Oriental",
            "region_name_ar": "الشرق", "iso_3166_2": "MA-02",
        },
        {
            "code": "02.113.03.05", "name_fr": "Fezouane", "name_ar": "فزوان",
            "kind": "rural_commune", "circle_code": "02.113.03", "circle_name_fr": "Aklim",
            "circle_name_ar": "أكليم", "province_code": "02.113", "province_name_fr": "Berkane",
            "province_name_ar": "بركان", "province_kind": "province", "region_code": "02",
            "region_name_fr": "L'Oriental", "region_name_ar": "الشرق", "iso_3166_2": "MA-02",
        },
        {
            "code": "02.113.03.07", "name_fr": "Madagh", "name_ar": "مداغ",
            "kind": "rural_commune", "circle_code": "02.113.03", "circle_name_fr": "Aklim",
            "circle_name_ar": "أكليم", "province_code": "02.113", "province_name_fr": "Berkane",
            "province_name_ar": "بركان", "province_kind": "province", "region_code": "02",
            "region_name_fr": "L'Oriental", "region_name_ar": "الشرق", "iso_3166_2": "MA-02",
        },
        {
            "code": "02.411.01.23", "name_fr": "Oujda", "name_ar": "وجدة",
            "kind": "municipality", "circle_code": "", "circle_name_fr": "", "circle_name_ar": "",
            "province_code": "02.411", "province_name_fr": "Oujda-Angad",
            "province_name_ar": "وجدة أنجاد", "province_kind": "prefecture", "region_code": "02",
            "region_name_fr": "L'Oriental", "region_name_ar": "الشرق", "iso_3166_2": "MA-02",
        },
        {
            "code": "09.163.07.01", "name_fr": "Ait Amira", "name_ar": "آيت عميرة",
            "kind": "rural_commune", "circle_code": "09.163.07", "circle_name_fr": "Biougra",
            "circle_name_ar": "بيوكرة", "province_code": "09.163",
            "province_name_fr": "Chtouka-Ait Baha", "province_name_ar": "شتوكة آيت باها",
            "province_kind": "province", "region_code": "09", "region_name_fr": "Souss-Massa",
            "region_name_ar": "سوس ماسة", "iso_3166_2": "MA-09",
        },
    ]  # fmt: skip
    arrondissements = build_arrondissements(MESSY)
    assert arrondissements[["code", "name_fr", "name_ar", "city_code"]].values.tolist() == [
        ["01.511.01.03", "Bni Makada", "بني مكادة", "01.511.01.00"],
        ["01.511.01.05", "Charf-Mghogha", "الشرف مغوغة", "01.511.01.00"],
    ]


def test_a_record_with_empty_flags_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(MESSY, source)
    commune = source / "commune.csv"
    text = commune.read_text(encoding="utf-8").replace(
        "Fezouane,فزوان\u200e,0,0,0", "Fezouane,فزوان,,,"
    )
    commune.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"flags: 02\.113\.03\.05$"):
        build_communes(source)


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere") as caught:
        build_communes(tmp_path / "nowhere")
    assert caught.value.path == str(tmp_path / "nowhere")
    result = run_cli("reference", "--source", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert result.code == 2
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "communes.csv").exists()


def test_missing_source_file_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(MESSY, source)
    (source / "circle.csv").unlink()
    with pytest.raises(InputError, match=r"circle\.csv"):
        build_communes(source)
    with pytest.raises(InputError, match="elsewhere"):
        load_communes(tmp_path / "elsewhere.csv")
