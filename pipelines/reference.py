"""The communes reference, rebuilt by code from a raw, messy list of divisions.

The source (``../shared/data/morocco-admin-divisions``) is a copy of a public repository
with no licence and no stated provenance: trailing dots in ids, trailing and no-break
spaces, bidi marks, prefixes such as ``Province: `` or ``(Mun.)`` inside names, and a
few wrong Arabic names. Every fix is a small named step here, never a hand edit, so the
output can be regenerated (``make reference``) and checked against official lists later.

Communes: 1,282 rural communes + 215 municipalities + the 6 cities divided into
arrondissements (Casablanca, Fès, Marrakech, Rabat, Salé, Tanger) = 1,503. The raw
list has the cities only through their 41 arrondissements; they get a derived code
``<province>.01.00`` (cercle 01 is where the list puts urban communes; 00 is never a
commune's number), flagged in the descriptor as not official. Centres are parts of
communes, not communes, and are left out.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .errors import InputError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "morocco-admin-divisions"
REFERENCE_DIR = REPO_ROOT / "datasets" / "reference"
SCHEMA = REPO_ROOT / "schemas" / "communes.json"
FILES = ("region.csv", "province.csv", "circle.csv", "commune.csv")

COLUMNS = [
    "code", "name_fr", "name_ar", "kind", "circle_code", "circle_name_fr", "circle_name_ar",
    "province_code", "province_name_fr", "province_name_ar", "province_kind",
    "region_code", "region_name_fr", "region_name_ar", "iso_3166_2",
]  # fmt: skip

# Official region names since the 2015 regionalisation, where the raw list differs
# (e.g. the Oriental given as شرقي, Marrakech-Safi as مراكش الصافي).
REGION_NAMES = {
    "01": ("Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة"),
    "02": ("L'Oriental", "الشرق"),
    "03": ("Fès-Meknès", "فاس مكناس"),
    "04": ("Rabat-Salé-Kénitra", "الرباط سلا القنيطرة"),
    "05": ("Béni Mellal-Khénifra", "بني ملال خنيفرة"),
    "06": ("Casablanca-Settat", "الدار البيضاء سطات"),
    "07": ("Marrakech-Safi", "مراكش آسفي"),
    "08": ("Drâa-Tafilalet", "درعة تافيلالت"),
    "09": ("Souss-Massa", "سوس ماسة"),
    "10": ("Guelmim-Oued Noun", "كلميم واد نون"),
    "11": ("Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء"),
    "12": ("Dakhla-Oued Ed-Dahab", "الداخلة وادي الذهب"),
}
# The six cities with arrondissements, by prefecture (the list names only prefectures).
CITIES = {
    "01.511": ("Tanger", "طنجة"),
    "03.231": ("Fès", "فاس"),
    "04.421": ("Rabat", "الرباط"),
    "04.441": ("Salé", "سلا"),
    "06.141": ("Casablanca", "الدار البيضاء"),
    "07.351": ("Marrakech", "مراكش"),
}
CITY_SUFFIX = ".01.00"

_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u200b]")
_SPACES = re.compile("[\u00a0\u202f\u2007\\s]+")
_PREFIX = re.compile(r"^\s*(?:Province|Préfecture|Prefecture|Cercle|Centre)\s*:\s*", re.I)
_PREFIX_AR = re.compile(r"^\s*(?:ال)?(?:محافظة|عمالة|إقليم|دائرة)\s*:\s*")
_HYPHEN = re.compile(r"\s*-\s*")
_SUFFIX = re.compile(r"\s*\((?:Mun\.|Arrond\.)\)\s*$")


def strip_invisible(text: str) -> str:
    """Bidi marks and zero-width characters: invisible, yet they break comparisons."""
    return _INVISIBLE.sub("", text)


def collapse_spaces(text: str) -> str:
    """No-break spaces, newlines inside names and runs of spaces become one space."""
    return _SPACES.sub(" ", text).strip()


def strip_name_affixes(text: str) -> str:
    """``Province: X``, ``المحافظة: X``, ``X (Mun.)``: the kind belongs in its own column."""
    return _SUFFIX.sub("", _PREFIX_AR.sub("", _PREFIX.sub("", text)))


def tidy_hyphens(text: str) -> str:
    """``Chtouka- Ait Baha`` -> ``Chtouka-Ait Baha``: spacing around hyphens varies at random."""
    return _HYPHEN.sub("-", text)


def clean_name(text: str) -> str:
    cleaned = collapse_spaces(strip_name_affixes(strip_invisible(text)))
    return unicodedata.normalize("NFC", tidy_hyphens(cleaned))


def clean_code(code: str) -> str:
    """``09.163.07.01.`` -> ``09.163.07.01``."""
    return strip_invisible(code).strip().rstrip(".")


def _read(source: Path, name: str) -> pd.DataFrame:
    path = source / name
    if not path.is_file():
        raise InputError(f"{path}: missing (source of the communes reference)", path=str(path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for column in frame.columns:
        if column.startswith("name") or column in ("name", "name_ar"):
            frame[column] = frame[column].map(clean_name)
        elif column.endswith("id") or column == "code":
            frame[column] = frame[column].map(clean_code)
    return frame


def _frames(source: Path) -> tuple[pd.DataFrame, ...]:
    if not source.is_dir():
        raise InputError(
            f"{source}: no such folder (raw administrative divisions)", path=str(source)
        )
    return tuple(_read(source, f) for f in FILES)


def build_communes(source: Path = DEFAULT_SOURCE) -> pd.DataFrame:
    """The 1,503 communes, every column text ('' when unknown), sorted by code."""
    _, provinces, circles, raw = _frames(source)
    communes = raw[(raw["is_centre"] != "1") & (raw["is_arrondissment"] != "1")].copy()
    communes["kind"] = communes["is_municipal"].map({"1": "municipality"}).fillna("rural_commune")
    # The raw "code" is the commune's number within its cercle; "id" is the full code.
    communes = communes.drop(columns="code").rename(columns={"id": "code", "name": "name_fr"})
    communes["circle_code"] = communes["circle_id"]
    cities = _cities(raw)
    table = pd.concat([communes, cities], ignore_index=True)
    table["province_code"] = table["code"].str[:6]
    table["region_code"] = table["code"].str[:2]
    # Urban communes sit in a pseudo-cercle (01) that circle.csv does not list.
    known = set(circles["id"])
    table.loc[~table["circle_code"].isin(known), "circle_code"] = ""
    circle = circles.set_index("id")
    table["circle_name_fr"] = table["circle_code"].map(circle["name"]).fillna("")
    table["circle_name_ar"] = table["circle_code"].map(circle["name_ar"]).fillna("")
    province = provinces.set_index("id")
    table["province_name_fr"] = table["province_code"].map(province["name"])
    table["province_name_ar"] = table["province_code"].map(province["name_ar"])
    table["province_kind"] = table["province_code"].map(_province_kinds(source))
    table["region_name_fr"] = table["region_code"].map(lambda c: REGION_NAMES[c][0])
    table["region_name_ar"] = table["region_code"].map(lambda c: REGION_NAMES[c][1])
    table["iso_3166_2"] = "MA-" + table["region_code"]
    return table[COLUMNS].fillna("").sort_values("code").reset_index(drop=True)


def _province_kinds(source: Path) -> pd.Series:
    """Read before the prefix is stripped: ``Préfecture:`` or ``Province:``."""
    raw = pd.read_csv(source / "province.csv", dtype=str, keep_default_na=False)
    kinds = (
        raw["name"].str.contains("fecture", case=False).map({True: "prefecture", False: "province"})
    )
    return pd.Series(kinds.values, index=raw["id"].map(clean_code))


def _cities(raw: pd.DataFrame) -> pd.DataFrame:
    arrondissements = raw[raw["is_arrondissment"] == "1"]
    rows = []
    for province in sorted(set(arrondissements["province_id"])):
        name_fr, name_ar = CITIES[province]
        rows.append(
            {"code": province + CITY_SUFFIX, "name_fr": name_fr, "name_ar": name_ar,
             "kind": "city_with_arrondissements", "circle_code": ""}
        )  # fmt: skip
    return pd.DataFrame(rows)


def build_arrondissements(source: Path = DEFAULT_SOURCE) -> pd.DataFrame:
    raw = _frames(source)[3]
    arr = raw[raw["is_arrondissment"] == "1"].drop(columns="code")
    arr = arr.rename(columns={"id": "code", "name": "name_fr"})
    arr = arr.assign(
        city_code=arr["province_id"] + CITY_SUFFIX,
        city_name_fr=arr["province_id"].map(lambda p: CITIES[p][0]),
        city_name_ar=arr["province_id"].map(lambda p: CITIES[p][1]),
        province_code=arr["province_id"],
        region_code=arr["region_id"],
    )
    columns = ["code", "name_fr", "name_ar", "city_code", "city_name_fr", "city_name_ar",
               "province_code", "region_code"]  # fmt: skip
    return arr[columns].sort_values("code").reset_index(drop=True)


def write_reference(source: Path = DEFAULT_SOURCE, out_dir: Path = REFERENCE_DIR) -> list[Path]:
    """Write communes.csv, arrondissements.csv and datapackage.json, byte for byte stable."""
    communes = build_communes(source)
    arrondissements = build_arrondissements(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in (("communes", communes), ("arrondissements", arrondissements)):
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    descriptor = _descriptor(len(communes), len(arrondissements))
    path = out_dir / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [*paths, path]


def load_communes(path: Path | None = None) -> pd.DataFrame:
    """The committed communes reference, every column as text."""
    path = path or REFERENCE_DIR / "communes.csv"
    if not path.is_file():
        raise InputError(f"{path}: missing; run `make reference`", path=str(path))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _descriptor(communes: int, arrondissements: int) -> dict[str, object]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema.pop("name", None)
    return {
        "name": "morocco-communes-reference",
        "title": "Communes of Morocco (reference list)",
        "x-title-ar": "لائحة الجماعات الترابية بالمغرب (مرجع)",
        "x-title-fr": "Communes du Maroc (liste de référence)",
        "description": (
            f"{communes} communes (rural communes, municipalities and the six cities divided "
            f"into arrondissements) and {arrondissements} arrondissements, with cercle, "
            "province or prefecture and region, cleaned by code from a raw public list. "
            "CAVEAT: the source has no licence file and no stated provenance; treat this as "
            "a seed to check against the official HCP / Ministry of Interior lists."
        ),
        "version": "1.0.0",
        "sources": [
            {
                "title": "aldukhn/Tayssir, resources/Data/location/CSV/ (commit ca47863, "
                "2020-03-27), copied byte for byte into shared/data/morocco-admin-divisions",
                "path": "https://github.com/aldukhn/Tayssir/tree/ca47863/resources/Data/location/CSV",
            }
        ],
        "licenses": [],
        "x-licence-note": "Unknown: the source states no licence. Do not assume one.",
        "x-cleaning": [
            "trailing dots removed from every code",
            "bidi control marks, zero-width characters removed; no-break spaces, newlines and "
            "runs of spaces inside names collapsed to one space; NFC",
            "prefixes 'Province: ', 'Préfecture: ', 'Cercle : ', 'Centre: ', 'المحافظة: ' and "
            "suffixes '(Mun.)', '(Arrond.)' moved out of names (kinds have their own columns)",
            "region names set to the official post-2015 names (e.g. the Oriental was شرقي)",
            "centres (parts of communes) left out; arrondissements in arrondissements.csv",
            "the six cities with arrondissements added with a DERIVED code "
            "<province>.01.00 (not an official code)",
            "cercle left empty for urban communes (the list puts them in a pseudo-cercle 01 "
            "that it does not describe)",
        ],
        "x-regenerate": "make reference  (infitah reference --source "
        "../shared/data/morocco-admin-divisions --out datasets/reference)",
        "resources": [
            {"name": "communes", "path": "communes.csv", "format": "csv", "schema": schema},
            {"name": "arrondissements", "path": "arrondissements.csv", "format": "csv"},
        ],
    }
