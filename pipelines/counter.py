"""The steward's counter, as library calls: who may publish for which member, what an
upload says, what publishing it would change, and what is published already.

The web pages (``web/``) only parse requests and call these, like the CLI does; the
publish itself is the one sequence (``publishing``), run as a Prefect flow. On CKAN the
portal decides who may publish where (the steward's own API token and its
organizations); on the embedded catalog a local account names its member.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from . import members
from .credentials import acting_as
from .errors import UsageError
from .portals import History, is_url, open_portal
from .publishing import Outcome, gate, publish_validated
from .report import Report
from .uploads import Upload


@dataclass(frozen=True)
class Steward:
    """Who signed in and the members they may publish for (``any_member``: a CKAN
    sysadmin, who may publish for any member and picks it by code)."""

    name: str
    members: tuple[str, ...]
    any_member: bool = False
    staff: bool = False

    def may_publish(self, code: str) -> bool:
        return members.member(code) is not None and (self.any_member or code in self.members)


@cache
def _by_organization() -> dict[str, str]:
    frame = members.load_members()
    return {
        members.organization_name(code, kind): code
        for code, kind in zip(frame["code"], frame["member_kind"], strict=True)
    }


def ckan_steward(url: str, token: str) -> Steward:
    """The CKAN user behind ``token`` and the members whose organizations CKAN lets them
    publish in; a token CKAN does not know raises ``PortalNotFound``."""
    from .portals.ckan import CkanPortal

    name, sysadmin, organizations = CkanPortal(url, token).whoami()
    codes = tuple(sorted(c for o in organizations if (c := _by_organization().get(o))))
    return Steward(name, codes, any_member=sysadmin, staff=sysadmin)


@dataclass(frozen=True)
class Examination:
    """An upload's report and, when valid, the dry-run plan against what is published."""

    report: Report
    outcome: Outcome | None


def examine(upload: Upload, destination: str, token: str | None) -> Examination:
    """Validate the upload exactly as ``infitah publish`` would, and plan the publish
    without writing. Files that name another member than the upload's are refused."""
    validated = gate(upload.folder)
    code = members.code_of(validated.package)
    if code is not None and code != upload.member:
        raise UsageError(
            f"files of {code} uploaded for {upload.member}",
            key="upload-other-member",
            code=code,
            member=upload.member,
        )
    if not validated.report.valid:
        return Examination(validated.report, None)
    with acting_as(token):
        outcome = publish_validated(validated, destination, token, dry_run=True)
    return Examination(validated.report, outcome)


def history(destination: str, member: str, token: str | None) -> History | None:
    """The member's published versions and changelog (None before the first)."""
    with acting_as(token):
        portal = open_portal(destination, token)
        return portal.history(members.dataset_name(member))


def file_url(destination: str, location: str) -> str:
    """Where a person downloads a file of ``History``: CKAN's URL as it is; a catalog
    path under the counter's own ``/catalog/`` route."""
    return location if is_url(destination) else f"/catalog/{location}"
