"""Where releases go: one interface, two homes (a CKAN portal, or the local catalog).

Publishing talks to a Portal only through these calls, so the versioning rules are
the same wherever data is published, and a portal's own errors stay inside its module.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import UsageError
from ..members import Owner
from ..release import Release
from ..versioning import Plan, Published


@dataclass(frozen=True)
class PublishedDataset:
    """One dataset's current version and where each of its files is (``Portal.read``)."""

    name: str
    version: str
    published_at: str
    commune_code: str
    files: dict[str, str]
    # What the version holds (``Release.hashes``: ``table:<name>`` is its CSV's sha256),
    # where the listing gives it.
    hashes: dict[str, str] = field(default_factory=dict)


def string_map(value: Any) -> dict[str, str]:
    """A record's mapping of strings (a version's hashes) as a portal kept it; anything
    else (a record edited by hand) is none: what it serves is then read the long way."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


@dataclass(frozen=True)
class Written:
    """Where the published version can be found."""

    url: str
    files: dict[str, str]


@dataclass(frozen=True)
class History:
    """Every published version of a dataset (oldest first), each with its files (name ->
    URL or catalog path), and the dataset's changelog (markdown, newest first)."""

    versions: list[tuple[str, dict[str, str]]]
    changelog: str


class Portal(Protocol):
    def current(self, dataset: str) -> Published | None:
        """The dataset's published version and hashes, from metadata only (no download)."""
        ...

    def manifest(self, dataset: str, version: str) -> dict[str, Any] | None:
        """The row index kept with a version, to say which rows changed."""
        ...

    def version_file(self, dataset: str, version: str, name: str) -> bytes | None:
        """One file of an archived version, None when the version has no such file."""
        ...

    def write(
        self,
        release: Release,
        plan: Plan,
        owner: Owner,
        published_at: str,
        files: dict[str, bytes],
    ) -> Written:
        """Publish ``plan.version`` as exactly ``files`` (``bundle.version_files``, which
        the egress guard has read); the last step makes it current, so a failure before
        it leaves the previous version current and a re-run completes the work."""
        ...

    def repair(self, dataset: str, current: Published) -> None:
        """Make 'latest' match the current version if an interrupted run left it behind."""
        ...

    def record_source(self, dataset: str, current: Published, source: str) -> None:
        """Note that ``current`` is also what ``source`` makes (the same content, judged
        again by another Infitah or schema): no new version, no new file, so the next run
        finds the digest and reads nothing."""
        ...

    def location(self, dataset: str) -> str:
        """A URL or path for people."""
        ...

    def lock(self, dataset: str) -> AbstractContextManager[None]:
        """Held from reading the current version to writing the next one, where the portal
        can lock; CKAN has no lock, so its ``write`` compares and swaps instead."""
        ...

    def datasets(self, prefix: str, files: bool = True) -> list[PublishedDataset]:
        """Every dataset whose name starts with ``prefix`` and has a current version, as
        the public sees it (one call per page of results, not one per dataset). Without
        ``files`` their ``files`` may be left empty, for a lighter listing: ``dataset``
        then says where one's are."""
        ...

    def dataset(self, name: str) -> PublishedDataset | None:
        """One dataset's current version and its files, or None before its first."""
        ...

    def read(self, location: str) -> bytes:
        """The bytes of one file listed in ``PublishedDataset.files``."""
        ...

    def states(self, prefix: str) -> dict[str, Published]:
        """The current version of every dataset whose name starts with ``prefix``, in bulk
        (one search per page of results, only the fields needed; never one call per
        dataset): what a run over many members compares with. Its version, time and
        source digest; the hashes may be left out (a member whose sources changed is
        read whole before it is planned, ``current``)."""
        ...

    def history(self, dataset: str) -> History | None:
        """The dataset's versions and changelog, as the public sees them; None before its
        first version."""
        ...


def is_url(destination: str) -> bool:
    """A CKAN portal's address, as opposed to a catalog folder."""
    return destination.strip().lower().startswith(("http://", "https://"))


_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?(/.*)?$", re.I)


def destination(text: str) -> str:
    """Where to publish or read, parsed rather than guessed: a CKAN URL (``http`` or
    ``https``, any case, spaces trimmed) or a catalog folder that is a folder or can
    become one. Anything else (empty, as an unset ``$CKAN_URL`` gives; another scheme;
    a host name without its scheme; a file) is a usage error that says what was read,
    never a folder quietly created under that name."""
    value = text.strip()
    if not value:
        raise UsageError("no destination given", key="destination-empty")
    if is_url(value):
        scheme, rest = value.split("://", 1)
        return f"{scheme.lower()}://{rest}"
    shown = value[:200]
    if "://" in value:
        raise UsageError(f"{shown}: not an http(s) URL", key="destination-scheme", value=shown)
    path = Path(value)
    if not path.exists() and _HOST.match(value) and "/" not in value.split(":", 1)[0]:
        raise UsageError(f"{shown}: a host without https://", key="destination-host", value=shown)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{shown}: not a folder", key="destination-file", value=shown)
    return value


def open_portal(destination_text: str, token: str | None = None) -> Portal:
    """The portal at ``destination_text``: a CKAN URL, or a folder for the embedded
    catalog. The one place that tells them apart (publishing, aggregation and
    credentials ask ``is_url``)."""
    where = destination(destination_text)
    if is_url(where):
        from .ckan import CkanPortal

        return CkanPortal(where, token)
    from .catalog import CatalogPortal

    return CatalogPortal(Path(where))
