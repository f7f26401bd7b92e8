"""Publishing: validation as a hard gate, then only what changed, as a new version.

The sequence is the same for every portal: validate; build the release (canonical
bytes and hashes); read the portal's current version from its metadata; decide
unchanged / next version; write. Unchanged data makes no write call at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import versioning
from .errors import InputError
from .findings import Lang
from .portals import Owner, Portal, open_portal
from .reading import PackageData
from .release import Release, build
from .report import Report
from .validation import check_package

Status = Literal["published", "unchanged", "planned", "invalid"]
DEFAULT_DESTINATION = "catalog"
LICENCE = {"id": "odc-by", "title": "Open Data Commons Attribution License 1.0",
           "path": "https://opendatacommons.org/licenses/by/1-0/"}  # fmt: skip
NETWORK = {
    "name": "REMACTO",
    "title": {
        "ar": "الشبكة المغربية للجماعات الترابية المنفتحة",
        "fr": "Réseau marocain des collectivités territoriales ouvertes",
        "en": "Moroccan network of open territorial communities",
    },
}


@dataclass
class Outcome:
    """What happened, in the shape `infitah publish --json` prints."""

    status: Status
    dataset: str | None
    version: str | None = None
    previous_version: str | None = None
    url: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    report: Report | None = None

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "dataset": self.dataset,
            "version": self.version,
            "previous_version": self.previous_version,
            "url": self.url,
            "changes": self.changes,
        }
        if self.status == "invalid" and self.report is not None:
            out["report"] = self.report.to_dict(lang)
        return out


def publish(
    path: Path,
    destination: str = DEFAULT_DESTINATION,
    token: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Outcome:
    package, report = check_package(path)
    if not report.valid:
        return Outcome("invalid", _dataset_name_or_none(package), report=report)
    release, owner = commune_release(package, report)
    portal = open_portal(destination, token)
    return publish_release(portal, release, owner, dry_run=dry_run, now=now)


def publish_release(
    portal: Portal,
    release: Release,
    owner: Owner,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Outcome:
    """Publish an already validated release (a commune's or the network's)."""
    if dry_run:
        return _publish_locked(portal, release, owner, dry_run, now)
    with portal.lock(release.dataset):
        return _publish_locked(portal, release, owner, dry_run, now)


def _publish_locked(
    portal: Portal, release: Release, owner: Owner, dry_run: bool, now: dt.datetime | None
) -> Outcome:
    current = portal.current(release.dataset)
    manifest = None
    if current is not None and current.hashes != release.hashes():
        manifest = portal.manifest(release.dataset, current.version)
    plan = versioning.plan(release, current, manifest)
    if plan.status == "unchanged" and current is not None:
        if not dry_run:
            portal.repair(release, current)
        status: Status = "planned" if dry_run else "unchanged"
        return Outcome(
            status, release.dataset, plan.version, plan.previous_version, _where(portal, release)
        )
    if dry_run:
        return Outcome(
            "planned",
            release.dataset,
            plan.version,
            plan.previous_version,
            _where(portal, release),
            plan.changes_dict(),
        )
    published_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    written = portal.write(release, plan, owner, published_at)
    return Outcome(
        "published",
        release.dataset,
        plan.version,
        plan.previous_version,
        written.url,
        plan.changes_dict(),
    )


def _where(portal: Portal, release: Release) -> str:
    return portal.location(release.dataset)


# --- what a commune's release says about itself -------------------------------------------


def commune_code(package: PackageData) -> str | None:
    if package.commune_code:
        return package.commune_code
    plans = package.tables.get("action_plans")
    if plans is not None and plans.rows:
        return plans.column("commune_code")[0] or None
    return None


def dataset_name(code: str) -> str:
    """Stable across versions and renamings: derived from the commune code only."""
    return f"openness-programme-{code.replace('.', '-')}"


def organization_name(code: str) -> str:
    return f"commune-{code.replace('.', '-')}"


def _dataset_name_or_none(package: PackageData) -> str | None:
    code = commune_code(package)
    return dataset_name(code) if code else None


def commune_release(package: PackageData, report: Report) -> tuple[Release, Owner]:
    from .reference import load_communes

    code = commune_code(package)
    if code is None:
        raise InputError(f"{package.path}: no commune code", path=str(package.path))
    communes = load_communes()
    match = communes[communes["code"] == code]
    if match.empty:  # validation reports unknown-commune, so this is a programming error
        raise InputError(f"{package.path}: unknown commune {code}", path=str(package.path))
    commune = match.iloc[0].to_dict()
    descriptor = package.descriptor
    title = {
        "ar": f"برنامج انفتاح جماعة {commune['name_ar']}",
        "fr": f"Programme d'ouverture de la commune de {commune['name_fr']}",
        "en": f"Openness programme of the commune of {commune['name_fr']}",
    }
    description = {
        "en": str(descriptor.get("description", "")),
        "fr": str(descriptor.get("x-description-fr", "")),
        "ar": str(descriptor.get("x-description-ar", "")),
    }
    plans = package.tables.get("action_plans")
    cycles = (
        sorted(zip(plans.column("cycle_start"), plans.column("cycle_end"), strict=True))
        if plans
        else []
    )
    metadata = {
        "x-commune-code": code,
        "x-commune": {
            "code": code,
            "name_fr": commune["name_fr"],
            "name_ar": commune["name_ar"],
            "province_code": commune["province_code"],
            "province_name_fr": commune["province_name_fr"],
            "province_name_ar": commune["province_name_ar"],
            "region_code": commune["region_code"],
            "region_name_fr": commune["region_name_fr"],
            "region_name_ar": commune["region_name_ar"],
        },
        "licenses": descriptor.get("licenses") or [LICENCE],
        "sources": descriptor.get("sources", []),
        "x-publisher": {
            "name": commune["name_fr"],
            "name_ar": commune["name_ar"],
            "network": NETWORK,
        },
        "x-temporal": {"start": cycles[0][0], "end": cycles[-1][1]} if cycles else {},
        "x-illustrative": descriptor.get("x-illustrative", {}),
        "x-facts": descriptor.get("x-facts", {}),
    }
    release = build(
        package,
        dataset=dataset_name(code),
        title=title,
        description=description,
        metadata=metadata,
        report=report.to_dict("en"),
    )
    owner = Owner(
        name=organization_name(code),
        title={"ar": f"جماعة {commune['name_ar']}", "fr": f"Commune de {commune['name_fr']}"},
        description={
            "fr": f"{commune['name_fr']}, province {commune['province_name_fr']}, "
            f"région {commune['region_name_fr']} (code {code})",
            "ar": f"جماعة {commune['name_ar']}، إقليم {commune['province_name_ar']}، "
            f"جهة {commune['region_name_ar']} (الرمز {code})",
        },
        extras={"commune_code": code},
    )
    return release, owner
