"""The communes reference, rebuilt by code from a raw, messy list of divisions.

The source (``../shared/data/morocco-admin-divisions``) is a copy of a public repository
with no licence and no stated provenance: trailing dots in ids, trailing and no-break
spaces, bidi marks, tatweel, prefixes such as ``Province: `` or ``(Mun.)`` inside names,
and a few machine-translated Arabic names. Every fix is a small named step here, never a
hand edit, so the output can be regenerated (``make reference``) and re-checked against
official lists later.

Communes: 1,282 rural communes + 215 municipalities + the 6 cities divided into
arrondissements (Tanger, Fès, Rabat, Salé, Casablanca, Marrakech) = 1,503. The raw list
has these cities only through their 41 arrondissements; each gets a DERIVED code, the
cercle shared by its arrondissements followed by ``00`` (``06.141.01.00`` for Casablanca):
no commune is numbered 00, so it cannot collide, and it sorts just before its
arrondissements. It is flagged in the descriptor as not official. Centres (149) are
localities inside communes, not communes, and are left out.

Why 1,687 and not the 1,689 "rows" the source README counts: two Arabic names
(``02.533.09.11`` Melg El Ouidane, ``03.131.03.09`` Enjil) end with a newline inside a
quoted field, so the file has 1,689 *lines* but 1,687 *records*. Read line by line, those
two records become four broken rows with empty flags; a CSV parser reads them whole and
every record then has clean 0/1 flags.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .errors import InputError
from .resources import DATA_DIR, REFERENCE_DIR, SCHEMAS_DIR

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE: Path = REPO_ROOT.parent / "shared" / "data" / "morocco-admin-divisions"
SCHEMA = SCHEMAS_DIR / "communes.json"
FILES = ("region.csv", "province.csv", "circle.csv", "commune.csv")

COLUMNS = [
    "code", "name_fr", "name_ar", "kind", "circle_code", "circle_name_fr", "circle_name_ar",
    "province_code", "province_name_fr", "province_name_ar", "province_kind",
    "region_code", "region_name_fr", "region_name_ar", "iso_3166_2",
]  # fmt: skip
ARRONDISSEMENT_COLUMNS = [
    "code", "name_fr", "name_ar", "city_code", "city_name_fr", "city_name_ar",
    "province_code", "region_code",
]  # fmt: skip

# Official region names since the 2015 regionalisation (decree 2.15.40), plainly wrong
# Arabic names with their corrections (applied only while the source still holds the
# wrong value, so a corrected source is never overwritten), and the six cities with
# arrondissements by their prefecture: data, in ``data/reference-cleaning.json``. The
# raw list mixes old and new region names, word orders and mistranslations.
CLEANING = json.loads((DATA_DIR / "reference-cleaning.json").read_text(encoding="utf-8"))
REGION_NAMES: dict[str, tuple[str, str]] = {
    k: (v[0], v[1]) for k, v in CLEANING["region_names"].items()
}
ARABIC_FIXES: dict[str, tuple[str, str]] = {
    k: (v[0], v[1]) for k, v in CLEANING["arabic_fixes"].items()
}
CITIES: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in CLEANING["cities"].items()}
CITY_NUMBER = "00"

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff\u00ad]")
_ARABIC_DECORATION = re.compile("[\u0640\u064b-\u0652]")  # tatweel, harakat
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_PREFIX_FR = re.compile(r"^(?:Province|Pr[ée]fecture|Cercle|Centre)\s*:\s*", re.I)
_PREFIX_AR = re.compile(
    "^(?:{article})?(?:{kinds})(?:\\s*{relative})?\\s*:\\s*".format(
        article=CLEANING["arabic_prefix"]["article"],
        kinds="|".join(CLEANING["arabic_prefix"]["kinds"]),
        relative=CLEANING["arabic_prefix"]["relative"],
    )
)
_SUFFIX = re.compile(r"\s*\((?:Mun|Arrond)\.\)$")
_HYPHEN = re.compile(r"\s*-\s*")
_EDGE_PUNCTUATION = re.compile("^[\\s,\u060c]+|[\\s,\u060c]+$")  # comma, Arabic comma
# A name that is no name: "Cercle : -" and its Arabic, the word "circle" and a dash.
_NO_NAME = re.compile("(?:\u062f\u0627\u0626\u0631\u0629)?[\\W_]*")


def strip_invisible(text: str) -> str:
    """Remove bidi marks, zero-width characters and BOMs: invisible, yet they make two
    equal-looking names compare different."""
    return _INVISIBLE.sub("", text)


def collapse_spaces(text: str) -> str:
    """Turn no-break spaces, newlines inside names and runs of spaces into one space, and
    trim: ``"ملقى الويدان\\n"`` and ``"El  Hajeb "`` are typing accidents, not names."""
    return _SPACES.sub(" ", text).strip()


def strip_name_prefix(text: str) -> str:
    """Drop ``Province: ``, ``Préfecture: ``, ``Cercle : ``, ``Centre: ``, ``المحافظة: ``,
    ``دائرة: ``, ``مركز الذي: ``: the kind of a division belongs in its own column."""
    return _PREFIX_AR.sub("", _PREFIX_FR.sub("", text))


def strip_name_suffix(text: str) -> str:
    """Drop ``(Mun.)`` and ``(Arrond.)``: again a kind, kept in ``kind`` instead."""
    return _SUFFIX.sub("", text)


def strip_arabic_decoration(text: str) -> str:
    """Remove tatweel (``مــنــود``) and the odd vowel mark: 1 name in 60 carries them,
    the rest of the list is unvocalised, and they defeat search and matching."""
    return _ARABIC_DECORATION.sub("", text)


def tidy_hyphens(text: str) -> str:
    """``Chtouka- Ait Baha`` -> ``Chtouka-Ait Baha``: spacing around hyphens is random."""
    return _HYPHEN.sub("-", text)


def strip_edge_punctuation(text: str) -> str:
    """Drop stray commas at either end (``الفداء مرس السلطان،``): leftovers of a list."""
    return _EDGE_PUNCTUATION.sub("", text)


def clean_name(text: str) -> str:
    """Every name step in order, then NFC, so equal names are equal strings."""
    text = collapse_spaces(strip_invisible(text))
    text = strip_name_suffix(strip_name_prefix(text))
    text = strip_edge_punctuation(tidy_hyphens(strip_arabic_decoration(text)))
    return blank_placeholder(unicodedata.normalize("NFC", collapse_spaces(text)))


def blank_placeholder(text: str) -> str:
    """``-``, or the Arabic word for "circle" and ``-`` (five cercles): the source's way
    of saying it has no name.
    Left as such, a published cell would read ``-`` (and a spreadsheet takes a leading
    ``-`` for a formula); empty is what it means."""
    return "" if _NO_NAME.fullmatch(text) else text


def clean_code(code: str) -> str:
    """``09.163.07.01.`` -> ``09.163.07.01``: the trailing dot is an export artefact, and
    codes stay text (``09`` as a number would lose its zero)."""
    return collapse_spaces(strip_invisible(code)).rstrip(".")


def province_kind(raw_name: str) -> str:
    """``prefecture`` or ``province``, read from the prefix before it is stripped: the
    prefix is the only place the list says which it is."""
    name = collapse_spaces(strip_invisible(raw_name))
    return "prefecture" if re.match(r"^Pr[ée]fecture\b", name, re.I) else "province"


def fix_arabic_name(code: str, name_ar: str) -> str:
    """The correct Arabic name when ``name_ar`` is a known wrong one (``ARABIC_FIXES``)."""
    wrong, right = ARABIC_FIXES.get(code, ("", ""))
    return right if wrong and name_ar == wrong else name_ar


def _read(source: Path, name: str) -> pd.DataFrame:
    """One raw file, all text, names and codes cleaned, the raw name kept in ``raw_name``."""
    path = source / name
    if not path.is_file():
        raise InputError(
            f"{path}: no such file (source of the communes reference)",
            path=str(path),
            key="no-such-path",
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame["raw_name"] = frame["name"]
    for column in ("name", "name_ar"):
        frame[column] = frame[column].map(clean_name)
    for column in [c for c in frame.columns if c == "id" or c.endswith("_id")]:
        frame[column] = frame[column].map(clean_code)
    pairs = zip(frame["id"], frame["name_ar"], strict=True)
    frame["name_ar"] = [fix_arabic_name(code, name) for code, name in pairs]
    return frame


def _frames(source: Path) -> dict[str, pd.DataFrame]:
    """The four raw tables by stem; a missing folder or file is an ``InputError``."""
    if not source.is_dir():
        raise InputError(
            f"{source}: no such folder (raw administrative divisions)",
            path=str(source),
            key="no-such-path",
        )
    return {name.removesuffix(".csv"): _read(source, name) for name in FILES}


def commune_kinds(raw: pd.DataFrame) -> pd.Series:
    """Kind of each commune.csv record from its three 0/1 flags.

    A record whose flags are not 0/1, or that sets more than one, is refused rather than
    guessed: a silently misfiled row would change the count of communes.
    """
    flags = raw[["is_municipal", "is_arrondissment", "is_centre"]]
    bad = ~flags.isin(["0", "1"]).all(axis=1) | (flags == "1").sum(axis=1).gt(1)
    if bad.any():
        ids = ", ".join(raw.loc[bad, "id"])
        raise InputError(f"commune.csv: records with missing or conflicting flags: {ids}")
    kinds = pd.Series("rural_commune", index=raw.index)
    kinds[flags["is_municipal"] == "1"] = "municipality"
    kinds[flags["is_arrondissment"] == "1"] = "arrondissement"
    kinds[flags["is_centre"] == "1"] = "centre"
    return kinds


def raw_counts(source: Path = DEFAULT_SOURCE) -> dict[str, int]:
    """Records of commune.csv by kind, to check the source against what it claims."""
    raw = _frames(source)["commune"]
    return {str(k): int(v) for k, v in commune_kinds(raw).value_counts().sort_index().items()}


def _cities(arrondissements: pd.DataFrame) -> pd.DataFrame:
    """One row per city with arrondissements, coded ``<cercle of its arrondissements>.00``.

    The cercle must be shared by all the city's arrondissements, and the prefecture must
    be one of the six known cities; anything else means the source changed shape.
    """
    rows = []
    for province, group in arrondissements.groupby("province_id", sort=True):
        circles = sorted(set(group["circle_id"]))
        if province not in CITIES or len(circles) != 1:
            raise InputError(
                f"commune.csv: arrondissements of {province} in cercles {circles}: "
                f"expected one cercle of a known city ({', '.join(CITIES)})"
            )
        name_fr, name_ar = CITIES[str(province)]
        rows.append(
            {"id": f"{circles[0]}.{CITY_NUMBER}", "name": name_fr, "name_ar": name_ar,
             "kind": "city_with_arrondissements", "circle_id": "", "province_id": province}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["id", "name", "name_ar", "kind", "circle_id", "province_id"])


def _lookup(frame: pd.DataFrame, column: str) -> dict[str, str]:
    """``id -> column`` of a cleaned raw table."""
    return dict(zip(frame["id"], frame[column], strict=True))


def build_communes(source: Path = DEFAULT_SOURCE) -> pd.DataFrame:
    """The 1,503 communes, every column text ('' when unknown), sorted by code."""
    frames = _frames(source)
    raw = frames["commune"].assign(kind=lambda f: commune_kinds(f))
    communes = raw[raw["kind"].isin(["rural_commune", "municipality"])]
    cities = _cities(raw[raw["kind"] == "arrondissement"])
    # The raw ``code`` is only the number within the cercle; ``id`` is the full code.
    table = pd.concat([communes, cities], ignore_index=True).drop(columns="code")
    table = table.rename(columns={"id": "code", "name": "name_fr"})
    circles, provinces = frames["circle"], frames["province"]
    # Urban communes sit in a pseudo-cercle ``<province>.01`` that circle.csv does not
    # describe: it is not a cercle, so it is left empty rather than invented.
    known = set(circles["id"])
    table["circle_code"] = table["circle_id"].where(table["circle_id"].isin(known), "")
    table["circle_name_fr"] = table["circle_code"].map(_lookup(circles, "name"))
    table["circle_name_ar"] = table["circle_code"].map(_lookup(circles, "name_ar"))
    table["province_code"] = table["code"].str[:6]
    unknown = set(table["province_code"]) - set(provinces["id"])
    if unknown:
        raise InputError(f"province.csv: no province {', '.join(sorted(unknown))}")
    table["province_name_fr"] = table["province_code"].map(_lookup(provinces, "name"))
    table["province_name_ar"] = table["province_code"].map(_lookup(provinces, "name_ar"))
    kinds = dict(zip(provinces["id"], provinces["raw_name"].map(province_kind), strict=True))
    table["province_kind"] = table["province_code"].map(kinds)
    table["region_code"] = table["code"].str[:2]
    unknown = set(table["region_code"]) - set(REGION_NAMES)
    if unknown:
        raise InputError(f"region codes not among Morocco's 12 regions: {sorted(unknown)}")
    table["region_name_fr"] = table["region_code"].map(lambda c: REGION_NAMES[c][0])
    table["region_name_ar"] = table["region_code"].map(lambda c: REGION_NAMES[c][1])
    table["iso_3166_2"] = "MA-" + table["region_code"]
    table = table[COLUMNS].fillna("").astype(str)
    return table.sort_values("code", kind="stable").reset_index(drop=True)


NATIONAL_CODE = "MA"


def build_collectivities(communes: pd.DataFrame) -> pd.DataFrame:
    """The members above communes, in the communes' columns: the national level ``MA``,
    the 12 regions (``09``) and the 75 provinces and prefectures (``09.163``), each
    with what is above it. REMACTO's members are collectivities of every level
    (Constitution, art. 135), and a national action plan sits beside local ones."""
    national = {"code": NATIONAL_CODE, "name_fr": CLEANING["national"][0],
                "name_ar": CLEANING["national"][1], "kind": "national",
                "iso_3166_2": NATIONAL_CODE}  # fmt: skip
    regions = [
        {"code": code, "name_fr": fr, "name_ar": ar, "kind": "region", "region_code": code,
         "region_name_fr": fr, "region_name_ar": ar, "iso_3166_2": f"MA-{code}"}
        for code, (fr, ar) in sorted(REGION_NAMES.items())
    ]  # fmt: skip
    columns = ["province_code", "province_name_fr", "province_name_ar", "province_kind",
               "region_code", "region_name_fr", "region_name_ar", "iso_3166_2"]  # fmt: skip
    provinces = communes[columns].drop_duplicates("province_code")
    provinces = provinces.assign(
        code=provinces["province_code"],
        name_fr=provinces["province_name_fr"],
        name_ar=provinces["province_name_ar"],
        kind=provinces["province_kind"],
    )
    table = pd.concat([pd.DataFrame([national, *regions]), provinces], ignore_index=True)
    table = table.reindex(columns=COLUMNS).fillna("").astype(str)
    return table.sort_values("code", kind="stable").reset_index(drop=True)


def build_arrondissements(source: Path = DEFAULT_SOURCE) -> pd.DataFrame:
    """The 41 arrondissements with their city's derived code: they are not communes, but
    stewards of the six cities know their arrondissement first."""
    raw = _frames(source)["commune"]
    arr = raw[commune_kinds(raw) == "arrondissement"]
    arr = arr.drop(columns="code").rename(columns={"id": "code", "name": "name_fr"})
    arr = arr.assign(
        city_code=arr["circle_id"] + "." + CITY_NUMBER,
        city_name_fr=arr["province_id"].map(lambda p: CITIES[p][0]),
        city_name_ar=arr["province_id"].map(lambda p: CITIES[p][1]),
        province_code=arr["province_id"],
        region_code=arr["region_id"],
    )
    return arr[ARRONDISSEMENT_COLUMNS].sort_values("code").reset_index(drop=True)


def write_reference(source: Path = DEFAULT_SOURCE, out_dir: Path = REFERENCE_DIR) -> list[Path]:
    """Write communes.csv, collectivities.csv (the members above communes),
    arrondissements.csv and datapackage.json, byte for byte stable
    (UTF-8 without BOM, ``\\n`` line ends, sorted rows), so a rebuild shows no diff."""
    communes = build_communes(source)
    collectivities = build_collectivities(communes)
    arrondissements = build_arrondissements(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    frames = (
        ("communes", communes),
        ("collectivities", collectivities),
        ("arrondissements", arrondissements),
    )
    for name, frame in frames:
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    descriptor = _descriptor(len(communes), len(arrondissements))
    path = out_dir / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [*paths, path]


CAVEAT = (
    "The source has no licence file and no stated provenance: treat this list as a seed "
    "to be checked against the official HCP / Ministry of Interior lists."
)


def _arrondissements_schema() -> dict[str, object]:
    """Inline schema of arrondissements.csv, with a foreign key to the communes."""
    code = r"^[0-9]{2}\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}$"
    text = [
        ("name_fr", "Name (French)"),
        ("name_ar", "Name (Arabic)"),
        ("city_name_fr", "City (French)"),
        ("city_name_ar", "City (Arabic)"),
        ("province_code", "Prefecture code"),
        ("region_code", "Region code"),
    ]
    fields: list[dict[str, object]] = [
        {"name": "code", "type": "string", "title": "Arrondissement code",
         "constraints": {"required": True, "unique": True, "pattern": code}},
        {"name": "city_code", "type": "string", "title": "City code (derived, see communes)",
         "constraints": {"required": True, "pattern": code}},
    ]  # fmt: skip
    fields += [{"name": n, "type": "string", "title": t} for n, t in text]
    order = {name: i for i, name in enumerate(ARRONDISSEMENT_COLUMNS)}
    fields.sort(key=lambda f: order[str(f["name"])])
    return {
        "fields": fields,
        "primaryKey": ["code"],
        "foreignKeys": [
            {"fields": ["city_code"], "reference": {"resource": "communes", "fields": ["code"]}}
        ],
        "missingValues": [""],
    }


def _descriptor(communes: int, arrondissements: int) -> dict[str, object]:
    """The data package descriptor, with the communes schema inlined: frictionless 5
    refuses a schema path that climbs out of the package folder."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for key in ("name", "title", "x-title-ar", "x-title-fr", "description"):
        schema.pop(key, None)
    return {
        "name": "morocco-communes-reference",
        "title": "Communes of Morocco (reference list)",
        "x-title-ar": CLEANING["title_ar"],
        "x-title-fr": CLEANING["title_fr"],
        "description": (
            f"{communes} communes (rural communes, municipalities and the six cities divided "
            f"into arrondissements) and {arrondissements} arrondissements, with cercle, "
            "province or prefecture and region, cleaned by code from a raw public list. "
            f"CAVEAT: {CAVEAT} The six cities' codes are derived, not official."
        ),
        "x-description-ar": CLEANING["description_ar"].format(
            communes=communes, arrondissements=arrondissements
        ),
        "x-description-fr": CLEANING["description_fr"].format(
            communes=communes, arrondissements=arrondissements
        ),
        "version": "1.1.0",
        "sources": [
            {
                "title": "aldukhn/Tayssir, folder resources/Data/location/CSV/ "
                "(commit ca47863, 2020-03-27), copied byte for byte into "
                "shared/data/morocco-admin-divisions",
                "path": "https://github.com/aldukhn/Tayssir/tree/ca47863/resources/Data/location/CSV",
                "x-caveat": CAVEAT,
            }
        ],
        "licenses": [],
        "x-licence-note": (
            "Unknown: the source has no licence file and states none, so no licence is "
            "claimed here. Do not assume one; replace with the official lists' terms."
        ),
        "x-cleaning": [
            "codes: trailing dots removed; kept as text",
            "commune.csv read as CSV, not by lines: 2 Arabic names end with a newline inside "
            "quotes (1,689 lines = 1,687 records); records with missing or conflicting "
            "0/1 flags are refused (none in this source)",
            "names: bidi controls (U+200E/F, U+202A-E, U+2066-9, U+061C), zero-width "
            "characters and BOM removed; no-break spaces, newlines and runs of spaces "
            "collapsed to one space; trimmed; spaces around hyphens removed; tatweel and "
            "vowel marks removed; stray edge commas removed; NFC",
            CLEANING["cleaning_prefixes"],
            CLEANING["cleaning_regions"],
            "Arabic names corrected where plainly wrong, only while the source holds the "
            "wrong value: "
            + "; ".join(f"{c}: {w} -> {r}" for c, (w, r) in sorted(ARABIC_FIXES.items())),
            "centres (149 localities inside communes) left out; the 41 arrondissements go "
            "to arrondissements.csv",
            "the six cities with arrondissements added with a DERIVED code: the cercle "
            "shared by their arrondissements + '.00' (e.g. Casablanca 06.141.01.00); no "
            "commune is numbered 00, so it cannot collide; not an official code",
            "circle_code left empty for municipalities and the six cities: the source puts "
            "them in a pseudo-cercle <province>.01 that circle.csv does not describe",
            "names the source gives as a placeholder ('Cercle : -' and its Arabic: five "
            "cercles) left empty",
        ],
        "x-regenerate": "make reference  (runs: infitah reference --source "
        "../shared/data/morocco-admin-divisions --out datasets/reference)",
        "resources": [
            {
                "name": "communes",
                "path": "communes.csv",
                "format": "csv",
                "encoding": "utf-8",
                "mediatype": "text/csv",
                "schema": schema,
            },
            {
                "name": "collectivities",
                "path": "collectivities.csv",
                "format": "csv",
                "encoding": "utf-8",
                "mediatype": "text/csv",
                "description": (
                    "The members above communes: the 12 regions, the 75 provinces and "
                    "prefectures, and the national level MA, in the communes' columns."
                ),
                "schema": schema,
            },
            {
                "name": "arrondissements",
                "path": "arrondissements.csv",
                "format": "csv",
                "encoding": "utf-8",
                "mediatype": "text/csv",
                "schema": _arrondissements_schema(),
            },
        ],
    }
