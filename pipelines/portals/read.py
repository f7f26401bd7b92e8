"""Reading what is published: the current version of datasets, from either home.

The network view harvests every commune's programme as the public sees it, so it reads
only what a portal serves as current: on CKAN the resources' URLs (they point to the
current version's files), in the local catalog the files ``dataset.json`` lists for its
version (immutable, so a publish running meanwhile cannot mix two versions). Listing is
one call per page of search results; each table is then one download.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import InputError
from .catalog import DATASET_FILE

SEARCH_PAGE = 100


@dataclass(frozen=True)
class PublishedDataset:
    """One dataset's current version and where each of its files is."""

    name: str
    version: str
    published_at: str
    commune_code: str
    files: dict[str, str]


class Reader(Protocol):
    def datasets(self, prefix: str) -> list[PublishedDataset]:
        """Every dataset whose name starts with ``prefix`` and has a current version."""
        ...

    def read(self, location: str) -> bytes:
        """The bytes of one file listed in ``PublishedDataset.files``."""
        ...


def open_reader(source: str, token: str | None = None) -> Reader:
    """A CKAN URL or a catalog folder."""
    if source.startswith(("http://", "https://")):
        return CkanReader(source, token)
    return CatalogReader(Path(source))


class CatalogReader:
    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise InputError(f"{root}: no such folder", path=str(root), key="no-such-path")
        self.root = root

    def datasets(self, prefix: str) -> list[PublishedDataset]:
        out = []
        for path in sorted(self.root.glob(f"{prefix}*/{DATASET_FILE}")):
            info = json.loads(path.read_text(encoding="utf-8"))
            if not str(info.get("name", "")).startswith(prefix) or not info.get("version"):
                continue
            home = path.parent
            out.append(
                PublishedDataset(
                    name=info["name"],
                    version=info["version"],
                    published_at=info.get("published_at", ""),
                    commune_code=str(info.get("metadata", {}).get("x-commune-code", "")),
                    files={name: str(home / rel) for name, rel in info["files"].items()},
                )
            )
        return out

    def read(self, location: str) -> bytes:
        return Path(location).read_bytes()


class CkanReader:
    """Through the publishing adapter's calls, so errors and retries are mapped once."""

    def __init__(self, url: str, token: str | None) -> None:
        from .ckan import CkanPortal

        self.portal = CkanPortal(url, token)

    def datasets(self, prefix: str) -> list[PublishedDataset]:
        from .ckan import ARCHIVE_SUFFIX, _extras

        out = []
        start = 0
        while True:
            page = self.portal._call(
                "package_search",
                fq=f"name:{prefix}*",
                rows=SEARCH_PAGE,
                start=start,
                sort="name asc",
                include_private=True,
            )
            for package in page["results"]:
                name = package["name"]
                extras = _extras(package)
                if (
                    not name.startswith(prefix)
                    or name.endswith(ARCHIVE_SUFFIX)
                    or "infitah_version" not in extras
                ):
                    continue
                out.append(
                    PublishedDataset(
                        name=name,
                        version=extras["infitah_version"],
                        published_at=extras.get("infitah_published_at", ""),
                        commune_code=extras.get("commune_code", ""),
                        files={
                            _filename(r): r["url"]
                            for r in package.get("resources", [])
                            if r.get("url")
                        },
                    )
                )
            start += SEARCH_PAGE
            if start >= page["count"] or not page["results"]:
                return sorted(out, key=lambda d: d.name)

    def read(self, location: str) -> bytes:
        return self.portal._download(location)


def _filename(resource: dict[str, object]) -> str:
    """The release file a resource holds: tables are named without their extension."""
    name = str(resource.get("name", ""))
    return f"{name}.csv" if resource.get("format") == "CSV" and "." not in name else name
