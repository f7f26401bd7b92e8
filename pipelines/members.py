"""Who a member of the network is, and who the network is: one place for identities.

A commune is known by its code in the communes reference (``datasets/reference``);
everything else follows from that code alone, so names stay stable across versions and
renamings: its organization, its dataset, its titles. The network publishes under its
own organization and dataset. Nothing else in the package spells these names.
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
from .resources import COMMUNES_CSV

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


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(
            f"{path}: no such file; run `make reference`", path=str(path), key="no-such-path"
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@cache
def commune_codes() -> frozenset[str]:
    """Every commune code of the reference (what ``unknown-commune`` checks against)."""
    return frozenset(_communes()["code"])


def reference_rows(code: str) -> tuple[list[str], list[list[str]]]:
    """The communes reference's columns and the row of one commune (empty if unknown)."""
    frame = _communes()
    match = frame[frame["code"] == code]
    return [str(c) for c in frame.columns], match.astype(str).values.tolist()


def commune(code: str) -> dict[str, str] | None:
    """The reference row of one commune, or None for a code it does not know."""
    match = _communes()[_communes()["code"] == code]
    return None if match.empty else {str(k): str(v) for k, v in match.iloc[0].items()}


# --- names on the portals ------------------------------------------------------------------


def dataset_name(code: str) -> str:
    """Stable across versions and renamings: derived from the commune code only."""
    return f"{PROGRAMME_PREFIX}{code.replace('.', '-')}"


def organization_name(code: str) -> str:
    return f"commune-{code.replace('.', '-')}"


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


OWNER_TITLE = N_("Commune of {name}")
OWNER_DESCRIPTION = N_("{name}, province {province}, region {region} (code {code})")
NETWORK_DESCRIPTION = N_(
    "Moroccan network of open territorial communities: the data of its communes, combined."
)


def commune_owner(commune: Mapping[str, str]) -> Owner:
    """A commune's organization, from its row of the reference."""
    code = commune["code"]
    return Owner(
        name=organization_name(code),
        title=in_each(OWNER_TITLE, ("ar", "fr"), name=_names(commune, "name")),
        description=in_each(
            OWNER_DESCRIPTION,
            ("fr", "ar"),
            name=_names(commune, "name"),
            province=_names(commune, "province_name"),
            region=_names(commune, "region_name"),
            code=code,
        ),
        extras={"commune_code": code},
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
