"""The embedded local catalog: a folder that behaves like a portal, no server needed.

Layout (same semantics as on CKAN)::

    catalog/index.json                       every dataset, its versions and files
    catalog/index.html                       the same, for people
    catalog/catalog.ttl, catalog.jsonld      the same in DCAT-AP 3 (``dcat.py``)
    catalog/<dataset>/dataset.ttl, .jsonld   its part of them (derived from dataset.json)
    catalog/<dataset>/dataset.json           current version and hashes (the commit point)
    catalog/<dataset>/versions/<X.Y.Z>/      immutable: exact bytes of that version
    catalog/<dataset>/latest                 a link to the current version's folder
    catalog/<dataset>/CHANGELOG.md           every version, newest first
    catalog/<dataset>/index.html             the dataset's page

A version folder is written under a temporary name and renamed into place; then
``dataset.json`` is replaced: that rename is the commit. Everything else (``latest``,
the changelog, the pages, the index and the DCAT) is derived from ``dataset.json``
afterwards, each step whole on its own, and repaired by the next run if a crash came
between. Interrupted before the commit, the previous version stays current; after it,
``latest`` shows the previous version or the new one, whole, until the re-run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import dcat
from ..errors import InputError, PortalConflict, PortalError
from ..release import Release, pretty_json, sha256
from ..versioning import Plan, Published, changelog_entry, is_version
from . import History, Owner, PublishedDataset, Written, string_map
from .html import render_index
from .page import render_dataset

DATASET_FILE = "dataset.json"
PAGE_FILE = "index.html"  # the dataset's page (page.py), its DCAT landing page
CHANGELOG_FILE = "CHANGELOG.md"
# Where the catalog folder is served (its DCAT names every file by this address); by
# default the folder itself, as a file: URL.
CATALOG_URL_ENV = "INFITAH_CATALOG_URL"


class CatalogPortal:
    def __init__(self, root: Path) -> None:
        self.root = root

    def location(self, dataset: str) -> str:
        return str(self.root / dataset)

    @contextlib.contextmanager
    def lock(self, dataset: str) -> Iterator[None]:
        """One publisher per dataset at a time; a second one is refused, not queued."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with (locks / f"{dataset}.lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise PortalConflict(
                    f"{dataset} is being published by another run; nothing was written",
                    key="portal-busy",
                    dataset=dataset,
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def current(self, dataset: str) -> Published | None:
        info = self._info(dataset)
        return None if info is None else _published(info, self.root / dataset / DATASET_FILE)

    def manifest(self, dataset: str, version: str) -> dict[str, Any] | None:
        path = self.root / dataset / "versions" / version / "manifest.json"
        if not path.is_file():
            return None
        manifest: dict[str, Any] = _load(path)
        return manifest

    def version_file(self, dataset: str, version: str, name: str) -> bytes | None:
        path = self.root / dataset / "versions" / version / name
        if path.is_symlink() or not path.is_file():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def write(
        self,
        release: Release,
        plan: Plan,
        owner: Owner,
        published_at: str,
        files: dict[str, bytes],
    ) -> Written:
        try:
            return self._write(release, plan, owner, published_at, files)
        except OSError as exc:
            raise PortalError(
                f"cannot write the catalog at {self.root}: {exc}",
                key="catalog-unwritable",
                path=str(self.root),
                detail=str(exc),
            ) from exc

    def _write(
        self,
        release: Release,
        plan: Plan,
        owner: Owner,
        published_at: str,
        files: dict[str, bytes],
    ) -> Written:
        home = self.root / release.dataset
        versions = home / "versions"
        _step()
        versions.mkdir(parents=True, exist_ok=True)
        _clean(home)
        final = versions / plan.version
        if not _same_files(final, files):
            staging = versions / f".tmp-{uuid.uuid4().hex}"
            _write_files(staging, files)
            if final.exists():  # left by an interrupted run that never became current
                _step()
                shutil.rmtree(final)
            _step()
            os.replace(staging, final)
        info = {
            "name": release.dataset,
            "title": release.title,
            "description": release.description,
            "owner": {"name": owner.name, "title": owner.title, **owner.extras},
            "version": plan.version,
            "hashes": release.hashes(),
            "source_digest": release.source,
            "published_at": published_at,
            "versions": [*self._versions(release.dataset, exclude=plan.version), plan.version],
            "files": {name: f"versions/{plan.version}/{name}" for name in files},
            "latest": {name: f"latest/{name}" for name in files},
            "tables": {
                t.name: {"title": _titles(t.schema), "rows": t.rows}
                for t in release.tables.values()
            },
            "metadata": release.metadata,
            "version_notes": changelog_entry(plan, published_at),
        }
        # The commit point: from here this version is the current one, and what follows
        # is derived from dataset.json, so a re-run after a crash repairs it.
        _atomic_write(home / DATASET_FILE, pretty_json(info))
        self._derive(home, info)
        return Written(
            url=str(final),
            files={name: str(final / name) for name in files},
        )

    def record_source(self, dataset: str, current: Published, source: str) -> None:
        """Rewrite ``dataset.json`` with the new digest (called under the dataset's lock).
        Nothing derived from it shows the digest (the index leaves it out), so nothing
        else is written, and the file keeps its time: what compares times with it to
        know it is up to date (``repair``, the DCAT fragments) stays right."""
        path = self.root / dataset / DATASET_FILE
        info = _load(path)
        if info.get("version") != current.version:
            return
        info["source_digest"] = source
        committed = path.stat()
        _atomic_write(path, pretty_json(info))
        os.utime(path, ns=(committed.st_atime_ns, committed.st_mtime_ns))

    def repair(self, dataset: str, current: Published) -> None:
        """Bring back in line what derives from ``dataset.json`` (``latest``, the
        changelog, the dataset's page, the catalog's index) if a run died before it did,
        and clear what it left half-made. Costs a few ``stat`` calls when all is well."""
        home = self.root / dataset
        info = self._info(dataset)
        if info is None:
            return
        committed = (home / DATASET_FILE).stat().st_mtime_ns
        derived = [home / PAGE_FILE, home / CHANGELOG_FILE] + [
            self.root / name
            for name in ("index.json", "index.html", "catalog.ttl", "catalog.jsonld")
        ]
        stale = _read_version(home / "latest") != info["version"] or any(
            not p.is_file() or p.stat().st_mtime_ns < committed for p in derived
        )
        if stale or _leftovers(home):
            _clean(home)
            self._derive(home, info)

    def _derive(self, home: Path, info: dict[str, Any]) -> None:
        """Everything made from a dataset's ``dataset.json``, in an order where each step
        is whole on its own: ``latest`` (a link swapped in one rename), the changelog (the
        versions' own entries, newest first), the page, then the catalog's index."""
        _point_latest(home, str(info["version"]))
        entries = [
            (home / "versions" / str(v) / "CHANGES.md") for v in reversed(info.get("versions", []))
        ]
        changelog = f"# {info['name']}: changes\n\n" + "\n".join(
            e.read_text(encoding="utf-8") for e in entries if e.is_file()
        )
        _atomic_write(home / CHANGELOG_FILE, changelog.encode())
        _atomic_write(home / PAGE_FILE, render_dataset(info, home).encode())
        self.reindex()

    def datasets(self, prefix: str, files: bool = True) -> list[PublishedDataset]:
        """Each ``dataset.json`` names its version's immutable files, so a publish running
        meanwhile cannot mix two versions into what is read (``files`` or not: they are
        in the same small file)."""
        if not self.root.is_dir():
            raise InputError(
                f"{self.root}: no such folder", path=str(self.root), key="no-such-path"
            )
        found = (
            _published_dataset(path) for path in sorted(self.root.glob(f"{prefix}*/{DATASET_FILE}"))
        )
        return [d for d in found if d is not None and d.name.startswith(prefix)]

    def dataset(self, name: str) -> PublishedDataset | None:
        path = self.root / name / DATASET_FILE
        if name != Path(name).name or name.startswith("."):
            return None  # a name, never a path out of the catalog
        return _published_dataset(path) if path.is_file() else None

    def read(self, location: str) -> bytes:
        return Path(location).read_bytes()

    def states(self, prefix: str) -> dict[str, Published]:
        out = {}
        for path in sorted(self.root.glob(f"{prefix}*/{DATASET_FILE}")):
            try:
                info = _load(path)
                if str(info.get("name", "")).startswith(prefix) and info.get("version"):
                    out[str(info["name"])] = _published(info, path)
            except PortalError:
                continue  # a damaged record is left to its member's own read, which fails alone
        return out

    def history(self, dataset: str) -> History | None:
        info = self._info(dataset)
        if info is None:
            return None
        home = self.root / dataset
        versions = []
        for version in info.get("versions", []):
            folder = home / "versions" / str(version)
            files = (
                sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
            )
            versions.append((str(version), {n: f"{dataset}/versions/{version}/{n}" for n in files}))
        changelog = home / CHANGELOG_FILE
        text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
        return History(versions, text)

    def _info(self, dataset: str) -> dict[str, Any] | None:
        path = self.root / dataset / DATASET_FILE
        if not path.is_file():
            return None
        info: dict[str, Any] = _load(path)
        return info

    def _versions(self, dataset: str, exclude: str) -> list[str]:
        info = self._info(dataset)
        return [v for v in (info or {}).get("versions", []) if v != exclude]

    def reindex(self) -> None:
        """Rebuild index.json and index.html from every dataset.json.

        Rebuilt from the datasets' own files (never patched), so concurrent publishers
        of different datasets cannot lose each other's entry. Every publish pays for the
        whole index, so it is kept cheap: files unchanged since this process last read
        them are not parsed again, and index.json is compact (it is for programs; each
        dataset.json stays indented for people).
        """
        _clean_root(self.root)
        paths = sorted(self.root.glob(f"*/{DATASET_FILE}"))
        datasets = [_dataset_entry(path) for path in paths]
        # The source digest is the publisher's bookkeeping, not something to read.
        listed = [{k: v for k, v in d.items() if k != "source_digest"} for d in datasets]
        index = json.dumps({"datasets": listed}, ensure_ascii=False, separators=(",", ":"))
        _atomic_write(self.root / "index.json", (index + "\n").encode())
        _atomic_write(self.root / "index.html", render_index(datasets).encode())
        base = self.base_url()
        fragments = [
            _fragment(path, info, base) for path, info in zip(paths, datasets, strict=True)
        ]
        modified = max((str(d.get("published_at", "")) for d in datasets), default="") or None
        turtle, jsonld = dcat.catalog_documents(
            base, [str(d["name"]) for d in datasets], modified, fragments
        )
        _atomic_write(self.root / "catalog.ttl", turtle)
        _atomic_write(self.root / "catalog.jsonld", jsonld)

    def base_url(self) -> str:
        """The address the catalog's DCAT names its files by (ends with ``/``)."""
        url = os.environ.get(CATALOG_URL_ENV, "").strip() or self.root.resolve().as_uri()
        return url.rstrip("/") + "/"


# dataset.json files as parsed, by path, with the file identity they were parsed at
# (a replaced file has a new inode): a process that publishes many communes re-reads
# only the ones that changed.
_ENTRIES: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def _published(info: dict[str, Any], path: Path) -> Published:
    """What ``dataset.json`` says is current. Its hashes are a shortcut (without them the
    data is compared the long way); its version is not: without one, the record is
    damaged, a portal failure that names the file."""
    version = info.get("version")
    if not is_version(version):
        detail = "no version" if version in (None, "") else f"version {str(version)[:40]!r}"
        raise PortalError(f"{path}: {detail}", key="catalog-corrupt", path=str(path), detail=detail)
    return Published(
        version,
        string_map(info.get("hashes")),
        info.get("published_at", ""),
        "",
        str(info.get("source_digest", "")),
    )


def _dataset_entry(path: Path) -> dict[str, Any]:
    stat = path.stat()
    identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _ENTRIES.get(path)
    if cached is not None and cached[0] == identity:
        return cached[1]
    info: dict[str, Any] = _load(path)
    _ENTRIES[path] = (identity, info)
    return info


def _fragment(path: Path, info: dict[str, Any], base: str) -> tuple[bytes, bytes]:
    """A dataset's DCAT (``dataset.ttl``, ``dataset.jsonld``), made again only when its
    ``dataset.json`` or the catalog's address changed since it was written: a reindex
    of many datasets reads their fragments, it does not rebuild them."""
    home = path.parent
    ttl, jsonld = home / "dataset.ttl", home / "dataset.jsonld"
    stamp = f"# infitah: {base} {path.stat().st_mtime_ns}\n".encode()
    if ttl.is_file() and jsonld.is_file():
        turtle = ttl.read_bytes()
        if turtle.startswith(stamp):
            return turtle, jsonld.read_bytes()
    sizes = {
        rel: (home / rel).stat().st_size
        for rel in {**info.get("files", {}), **info.get("latest", {})}.values()
        if (home / rel).is_file()
    }
    turtle, nodes = dcat.fragment(info, base, sizes)
    _atomic_write(jsonld, nodes)
    _atomic_write(ttl, stamp + turtle)
    return stamp + turtle, nodes


def _published_dataset(path: Path) -> PublishedDataset | None:
    """The version a ``dataset.json`` says is current, with its files; None before one."""
    info = _load(path)
    if not info.get("name") or not info.get("version"):
        return None
    home = path.parent
    return PublishedDataset(
        name=str(info["name"]),
        version=info["version"],
        published_at=info.get("published_at", ""),
        commune_code=str(info.get("metadata", {}).get("x-commune-code", "")),
        files={name: str(home / rel) for name, rel in info["files"].items()},
        hashes=string_map(info.get("hashes")),
    )


def _load(path: Path) -> dict[str, Any]:
    """A JSON object the catalog wrote; a damaged one (edited by hand, a disk error) is a
    portal failure that names the file, never an internal error."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PortalError(
            f"{path}: damaged ({exc})", key="catalog-corrupt", path=str(path), detail=str(exc)[:200]
        ) from exc
    if not isinstance(value, dict):
        raise PortalError(
            f"{path}: not a JSON object",
            key="catalog-corrupt",
            path=str(path),
            detail="not an object",
        )
    return value


def _titles(schema: dict[str, Any]) -> dict[str, str]:
    return {
        "en": str(schema.get("title", "")),
        "fr": str(schema.get("x-title-fr", "")),
        "ar": str(schema.get("x-title-ar", "")),
    }


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    _step()
    folder.mkdir(parents=True)
    for name, data in files.items():
        _step()
        (folder / name).write_bytes(data)


def _same_files(folder: Path, files: dict[str, bytes]) -> bool:
    """A version folder already holding these tables (its dates may differ)."""
    if not folder.is_dir():
        return False
    for name, data in files.items():
        if name.endswith(".csv"):
            path = folder / name
            if not path.is_file() or sha256(path.read_bytes()) != sha256(data):
                return False
    return {p.name for p in folder.iterdir()} == set(files)


def _read_version(latest: Path) -> str | None:
    """The version ``latest`` shows: the folder its link points to (catalogs written
    before latest was a link hold a ``.version`` marker)."""
    if latest.is_symlink():
        return Path(os.readlink(latest)).name
    marker = latest / ".version"
    return marker.read_text(encoding="utf-8").strip() if marker.is_file() else None


def _point_latest(home: Path, version: str) -> None:
    """``latest`` -> ``versions/<version>``: a relative link, swapped by one rename, so
    a reader (or a crash) sees the whole previous version or the whole new one, never a
    mix and never nothing. A ``latest`` folder of an older catalog is replaced once."""
    latest = home / "latest"
    target = f"versions/{version}"
    if latest.is_symlink() and os.readlink(latest) == target:
        return
    link = home / f".latest-{uuid.uuid4().hex}"
    _step()
    link.symlink_to(target, target_is_directory=True)
    if latest.is_dir() and not latest.is_symlink():  # the copy older catalogs kept
        old = home / f".old-{uuid.uuid4().hex}"
        _step()
        os.replace(latest, old)
        _step()
        os.replace(link, latest)
        _step()
        shutil.rmtree(old, ignore_errors=True)
        return
    _step()
    os.replace(link, latest)


_LEFTOVER = (".tmp-", ".latest-", ".old-")


def _leftovers(home: Path) -> list[Path]:
    """What an interrupted run left half-made: staging folders, links, temporary files."""
    places = [home, home / "versions"]
    return [
        p
        for place in places
        if place.is_dir()
        for p in place.iterdir()
        if p.name.startswith(_LEFTOVER) or (p.name.startswith(".") and ".partial-" in p.name)
    ]


def _clean_root(root: Path) -> None:
    """Remove the catalog-wide files (index, pages, DCAT) that a dead run left half
    written. Publishers of other datasets write these too, at the same time, so only a
    file whose writer (the pid in its name) is no longer alive is removed."""
    for path in root.glob(".*.partial-*"):
        pid = path.name.rsplit(".partial-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _step()
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean(home: Path) -> None:
    """Remove what interrupted runs left (the caller holds the dataset's lock, so none
    of it belongs to a run still going)."""
    for path in _leftovers(home):
        _step()
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# Tests only: ``INFITAH_CRASH_AT=N`` kills this process (SIGKILL, as a power cut or the
# OOM killer would) just before its Nth change to the catalog's files, so the tests can
# stop a publish at every step and check what a reader sees (tests/test_catalog_crash.py).
CRASH_ENV = "INFITAH_CRASH_AT"
_STEPS = [0]


def _step() -> None:
    at = os.environ.get(CRASH_ENV)
    if not at:
        return
    _STEPS[0] += 1
    if _STEPS[0] == int(at):
        os.kill(os.getpid(), signal.SIGKILL)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write beside ``path`` then rename: a reader sees the old bytes or the new ones."""
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}-{uuid.uuid4().hex}")
    _step()
    tmp.write_bytes(data)
    _step()
    os.replace(tmp, path)
