"""Who a member of the network is, and who the network is: one place for identities.

A member is a territorial collectivity of any level, known by its code in the reference
(``datasets/reference``): a commune (``09.163.07.01``, communes.csv), a province or
prefecture (``09.163``), a region (``09``) or the national level (``MA``, for the
national action plan), the last three in collectivities.csv. Everything else follows
from that code alone, so names stay stable across versions and renamings: its
organization, its dataset, its titles. The network publishes under its own organization
and dataset. Nothing else in the package spells these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .errors import InputError
from .i18n import N_, in_each, tr
from .resources import COLLECTIVITIES_CSV, COMMUNES_CSV

PROGRAMME_PREFIX = "openness-programme-"
COMMUNE_FIELD = "commune_code"

NETWORK_NAME = "REMACTO"
NETWORK_CODE = "remacto"  # the network's code in the indicators table
NETWORK_ORGANIZATION = "remacto"
NETWORK_DATASET = "remacto-network-programmes"
NETWORK_TITLE = N_("Moroccan network of open territorial communities")


@dataclass(frozen=True)
class Owner:
    """Who publishes: a member (or the network), as an organization on the portal."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    extras: dict[str, str]


def network() -> dict[str, Any]:
    """The network as publishers' metadata name it (``x-publisher.network``)."""
    return {"name": NETWORK_NAME, "title": in_each(NETWORK_TITLE)}


# --- the communes reference ----------------------------------------------------------------


def load_communes(path: Path | None = None) -> pd.DataFrame:
    """The communes reference, every column as text (codes keep their zeros).

    The one reader of ``communes.csv``: validation's code list, publishing's names and the
    network's provinces and regions all come from this frame.
    """
    if path is None:
        return _communes().copy()
    return _read(path)


@cache
def _communes() -> pd.DataFrame:
    return _read(COMMUNES_CSV)


@cache
def _members() -> pd.DataFrame:
    """Every collectivity that may be a member: communes, then those above them."""
    above = _read(COLLECTIVITIES_CSV) if COLLECTIVITIES_CSV.is_file() else None
    frame = _communes() if above is None else pd.concat([_communes(), above], ignore_index=True)
    return frame.set_index("code", drop=False)


def load_members() -> pd.DataFrame:
    """Every member's reference row (communes and the collectivities above them), with
    ``member_kind``: commune, province, prefecture, region or national."""
    frame = _members().reset_index(drop=True).copy()
    frame["member_kind"] = [kind_of({"kind": k}) for k in frame["kind"]]
    return frame


COMMUNE_KINDS = frozenset({"rural_commune", "municipality", "city_with_arrondissements"})
MEMBER_KINDS = ("commune", "province", "prefecture", "region", "national")


def kind_of(row: Mapping[str, str]) -> str:
    """``commune`` for any kind of commune, else the collectivity's own kind."""
    kind = str(row.get("kind", ""))
    return "commune" if kind in COMMUNE_KINDS else kind


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(
            f"{path}: no such file; run `make reference`", path=str(path), key="no-such-path"
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@cache
def commune_codes() -> frozenset[str]:
    """Every member code of the reference (what ``unknown-commune`` checks against)."""
    return frozenset(_members()["code"])


def reference_rows(code: str) -> tuple[list[str], list[list[str]]]:
    """The reference's columns and the row of one member (empty if unknown)."""
    columns, rows = _by_code()
    return list(columns), [list(row) for row in rows.get(code, ())]


def member(code: str) -> dict[str, str] | None:
    """The reference row of one member, or None for a code it does not know."""
    columns, rows = _by_code()
    found = rows.get(code)
    return dict(zip(columns, found[0], strict=True)) if found else None


@cache
def _by_code() -> tuple[tuple[str, ...], dict[str, list[tuple[str, ...]]]]:
    """The reference indexed once: a no-op run over the network asks for every member's
    row, and a pandas lookup per member cost more than the rest of its check."""
    frame = _members()
    columns = tuple(str(c) for c in frame.columns)
    at = columns.index("code")
    rows: dict[str, list[tuple[str, ...]]] = {}
    for row in frame.astype(str).itertuples(index=False, name=None):
        rows.setdefault(str(row[at]), []).append(tuple(row))
    return columns, rows


commune = member  # the name the commune-only code knew it by


# --- names on the portals ------------------------------------------------------------------


def dataset_name(code: str) -> str:
    """Stable across versions and renamings: derived from the member's code only
    (``openness-programme-09-163-07-01``, ``-09``, ``-ma``)."""
    return f"{PROGRAMME_PREFIX}{code.replace('.', '-').lower()}"


def organization_name(code: str, kind: str = "commune") -> str:
    """``commune-09-163-07-01``, ``province-09-163``, ``region-09``, ``national-ma``."""
    return f"{kind}-{code.replace('.', '-').lower()}"


# --- a member's folder ---------------------------------------------------------------------


class _Column(Protocol):
    rows: list[list[str]]

    def column(self, name: str) -> list[str]: ...


class _Folder(Protocol):
    """What a member's folder says about whose it is (``reading.PackageData``)."""

    @property
    def commune_code(self) -> str | None: ...

    @property
    def tables(self) -> Mapping[str, _Column]: ...


def code_of(folder: _Folder) -> str | None:
    """The member a folder belongs to: its descriptor's ``x-commune-code``, else the code
    its first action plan names."""
    if folder.commune_code:
        return folder.commune_code
    plans = folder.tables.get("action_plans")
    if plans is not None and plans.rows:
        return plans.column(COMMUNE_FIELD)[0] or None
    return None


OWNER_TITLES = {
    "commune": N_("Commune of {name}"),
    "province": N_("Province of {name}"),
    "prefecture": N_("Prefecture of {name}"),
    "region": N_("Region of {name}"),
    "national": N_("{name}: national level"),
}
OWNER_DESCRIPTIONS = {
    "commune": N_("{name}, province {province}, region {region} (code {code})"),
    "province": N_("{name}, region {region} (code {code})"),
    "prefecture": N_("{name}, region {region} (code {code})"),
    "region": N_("{name} (code {code})"),
    "national": N_("{name} (code {code})"),
}
NETWORK_DESCRIPTION = N_(
    "Moroccan network of open territorial communities: the data of its communes, combined."
)


def commune_owner(commune: Mapping[str, str]) -> Owner:
    """A member's organization, from its row of the reference: named for its kind."""
    code = commune["code"]
    kind = kind_of(commune)
    return Owner(
        name=organization_name(code, kind),
        title=in_each(OWNER_TITLES[kind], ("ar", "fr"), name=_names(commune, "name")),
        description=in_each(
            OWNER_DESCRIPTIONS[kind],
            ("fr", "ar"),
            name=_names(commune, "name"),
            province=_names(commune, "province_name"),
            region=_names(commune, "region_name"),
            code=code,
        ),
        extras={"commune_code": code, "member_kind": kind},
    )


def network_owner() -> Owner:
    return Owner(
        name=NETWORK_ORGANIZATION,
        title={"ar": tr("ar", NETWORK_TITLE), "fr": NETWORK_NAME},
        description=in_each(NETWORK_DESCRIPTION, ("fr", "ar")),
        extras={"network": NETWORK_NAME},
    )


def _names(row: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {"ar": row[f"{prefix}_ar"], "fr": row[f"{prefix}_fr"]}
