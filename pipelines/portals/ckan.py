"""Publishing to a CKAN portal (2.12) through ckanapi.

How versions live on CKAN (which overwrites an uploaded file in place):

* ``<dataset>-versions``: an archive dataset in the same organization; every version's
  files are uploaded there once, under ``<X.Y.Z>/<file>``, and never touched again.
  A table that did not change is not uploaded again: the new version points to the
  file of the version that introduced those bytes.
* ``<dataset>``: the dataset people find. One resource per table (ids stable across
  versions) whose URL points to the current version's file in the archive; CKAN's
  ``/dataset/<d>/resource/<id>/download`` link redirects there, so it never moves.
  Switching every resource to the new version and setting the version metadata is
  one ``package_patch``: "latest" never mixes two versions, and until that call the
  previous version stays current, so an interrupted publish is completed by a re-run.
* The DataStore is versioned like the files: each table's bytes are loaded once, typed
  from its Table Schema, into the archive resource that holds them, before the switch.
  Each current resource names its version's DataStore table in ``infitah_datastore_id``,
  set by the same ``package_revise`` as its URL: a reader who follows the dataset never
  gets one version's file with another's rows, at any point of an interrupted publish,
  and every version stays queryable.

Every CKAN error is mapped to Infitah's exceptions in ``_mapped`` (one place), and
transient failures (connection errors, timeouts, 5xx) are retried with backoff.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import ckanapi
import requests

from .. import dcat
from ..downloads import derived_names
from ..errors import (
    PortalAuthError,
    PortalConflict,
    PortalError,
    PortalNotFound,
    PortalUnavailable,
    PortalValidationError,
)
from ..i18n import N_, slashed, tr
from ..members import NETWORK_NAME
from ..release import Release, TableRelease, sha256
from ..versioning import Plan, Published, changelog_entry, is_version
from . import History, Owner, PublishedDataset, Written, string_map

ARCHIVE_SUFFIX = "-versions"
# The files of each version the dataset's ``infitah_versions`` names (for the history,
# and for ``version_file`` to find a file a version took from an earlier one).
LISTED = (".csv", ".json", ".xlsx")
STATES_PAGE = 1000  # CKAN's ckan.search.rows_max default
ORG_PAGE = 1000  # CKAN's ckan.group_and_organization_list_max default
SEARCH_PAGE = 100
LOG = logging.getLogger(__name__)
ALL_VERSIONS = N_("all versions")
FOR_EXCEL = N_("for Excel, with labels")
WORKBOOK = N_("workbook with a French and an Arabic sheet")
RETRIES = 5
BACKOFF = 0.5
TIMEOUT = 60
DATASTORE_BATCH = 5000
# A claim older than this belongs to a run that died: another run may take the version.
CLAIM_STALE_SECONDS = 600
DATASTORE_TYPES = {
    "string": "text",
    "integer": "int8",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "time": "time",
}
SHA256_ALGORITHM = str(dcat.SHA256)
_STATUS = re.compile(r"', (\d{3}), ")
# Looks at the portal after a failed write: what the write produced, or None.
Settled = Callable[[], Any]


# An organization's own fields, without what organization_show adds by default.
ORG_ONLY: dict[str, Any] = {
    "include_datasets": False,
    "include_dataset_count": False,
    "include_users": False,
    "include_followers": False,
    "include_groups": False,
    "include_tags": False,
}


class CkanPortal:
    def __init__(
        self, url: str, token: str | None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.sleep = sleep
        self.api = ckanapi.RemoteCKAN(self.url, apikey=token, user_agent="infitah")
        self._shown: _Recent = _Recent(SHOWN_AT_MOST)
        self._missing: set[str] = set()  # asked in this run and not found
        self._origins = {_origin(self.url)}  # where files are downloaded from (``_serves``)
        self._site_asked = False
        self._orgs: dict[str, dict[str, Any]] = {}
        # What this run's bulk read (``states``) listed: the prefix it asked for and every
        # dataset name under it (archives and unfinished ones too). A name under that
        # prefix and not listed is not asked for again (a first publish of the network
        # asked 3,000 times to hear "not found"); if the portal holds it after all (made
        # since, or hidden from search), creating it says so and it is read then.
        self._listed: tuple[str, frozenset[str]] | None = None
        self._org_names: frozenset[str] | None = None  # listed once, with ``_listed``

    # --- reading -------------------------------------------------------------------------

    def location(self, dataset: str) -> str:
        return f"{self.url}/dataset/{dataset}"

    def lock(self, dataset: str) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # write() compares and swaps instead

    def current(self, dataset: str) -> Published | None:
        package = self._last_seen(dataset)
        if package is None:
            return None
        extras = _extras(package)
        published = self._published(dataset, extras)
        if published is not None:
            self._versions(dataset, extras)  # read when writing: refused before, not midway
        return published

    def _published(self, dataset: str, extras: dict[str, str]) -> Published | None:
        """What the dataset's extras say is current. Its hashes are a shortcut (read as
        none when damaged); its version is not: an ``infitah_version`` edited into
        something else (in CKAN's form) cannot say what comes next, and that member's
        publication stops there, naming the dataset, before anything is written."""
        if "infitah_version" not in extras:
            return None  # created by an interrupted first publish: nothing is current yet
        version = extras["infitah_version"]
        if not is_version(version):
            raise self._damaged(dataset, "infitah_version", version)
        return Published(
            version,
            _json_object(extras.get("infitah_hashes", "{}")),
            extras.get("infitah_published_at", ""),
            self.location(dataset),
            extras.get("infitah_source", ""),
        )

    def _damaged(self, dataset: str, field: str, value: str) -> PortalError:
        """A record Infitah wrote and someone edited into what it cannot read (in CKAN's
        form): that member's publication stops, before anything is written, naming the
        dataset and the field."""
        return PortalError(
            f"{dataset}: {field} is damaged ({value[:40]!r})",
            key="portal-record-damaged",
            url=self.url,
            dataset=dataset,
            field=field,
            value=value[:40],
        )

    def _versions(self, dataset: str, extras: dict[str, str]) -> dict[str, dict[str, str]]:
        """``infitah_versions``: each version's files, by name, where they are. Unlike
        the hashes (a shortcut) it cannot be guessed again: without it, the files an
        earlier version kept and later ones took from it would be lost from the record."""
        text = extras.get("infitah_versions", "{}")
        try:
            versions = json.loads(text)
        except (ValueError, RecursionError):
            versions = None
        if not isinstance(versions, dict) or not all(
            is_version(v) and isinstance(files, dict)
            and all(isinstance(n, str) and isinstance(u, str) for n, u in files.items())
            for v, files in versions.items()
        ):  # fmt: skip
            raise self._damaged(dataset, "infitah_versions", text)
        return versions

    def states(self, prefix: str) -> dict[str, Published]:
        """``package_search`` with ``fl``: the name and the extras that say the version
        and source digest, a thousand datasets per call. Not the hashes: they were seven
        times the rest of the answer (2.8 MB at 1,503 members, against 0.4 MB), and made a
        no-op half again as long as a search of the names alone; a member that changed
        is read whole (``current``) before it is planned."""
        keys = ("infitah_version", "infitah_published_at", "infitah_source")
        out: dict[str, Published] = {}
        for name, extras in self._searched(prefix, keys):
            try:
                published = self._published(name, extras)
            except PortalError:
                continue  # left to that member's own read, which fails it alone
            if published is not None:
                out[name] = published
        return out

    def _searched(self, prefix: str, keys: tuple[str, ...]) -> Iterator[tuple[str, dict[str, str]]]:
        """Each dataset named ``prefix...`` (not the archives) with the extras ``keys``
        it has: ``package_search`` with ``fl``, a thousand datasets per call. Remembers
        every name listed (``_last_seen`` knows the others are missing)."""
        listed: set[str] = set()
        start = 0
        while True:
            page = self._call(
                "package_search",
                fq=f"name:{prefix}*",
                fl=["name", *(f"extras_{k}" for k in keys)],
                rows=STATES_PAGE,
                start=start,
                sort="name asc",
                include_private=True,
            )
            for found in page["results"]:
                name = str(found.get("name", ""))
                listed.add(name)
                if not name.startswith(prefix) or name.endswith(ARCHIVE_SUFFIX):
                    continue
                # CKAN answers the extras asked for by ``fl`` under their own names.
                yield name, {k: str(found.get(k, found.get(f"extras_{k}"))) for k in keys
                             if k in found or f"extras_{k}" in found}  # fmt: skip
            start += STATES_PAGE
            if start >= page["count"] or not page["results"]:
                self._listed = (prefix, frozenset(listed))
                return

    def manifest(self, dataset: str, version: str) -> dict[str, Any] | None:
        data = self.version_file(dataset, version, "manifest.json")
        if data is None:
            return None
        manifest: dict[str, Any] = json.loads(data)
        return manifest

    def version_file(self, dataset: str, version: str, name: str) -> bytes | None:
        """The archive's ``<version>/<name>``, or, for a file that version took from an
        earlier one (the same bytes, not sent again: ``_uploads``), the copy the
        dataset's ``infitah_versions`` names for it."""
        archive = self._last_seen(dataset + ARCHIVE_SUFFIX)
        resource = _by_name(archive, f"{version}/{name}") if archive else None
        if resource is not None:
            return self._download(resource["url"])
        versions = self._versions(dataset, _extras(self._last_seen(dataset) or {}))
        url = versions.get(version, {}).get(name)
        return self._download(url) if isinstance(url, str) else None

    # --- writing -------------------------------------------------------------------------

    def write(
        self,
        release: Release,
        plan: Plan,
        owner: Owner,
        published_at: str,
        files: dict[str, bytes],
    ) -> Written:
        # The dataset as ``current`` read it moments ago: the switch below compares and
        # swaps on it, and the archive's claim refuses a version someone else took.
        main = self._dataset(release, owner, archive=False)
        if _extras(main).get("infitah_version") != plan.previous_version:
            raise PortalConflict(
                f"{release.dataset} changed on the portal while publishing (now "
                f"{_extras(main).get('infitah_version')}, expected {plan.previous_version}); "
                "nothing was switched: run the publish again",
                dataset=release.dataset,
            )
        archive = self._dataset(release, owner, archive=True)
        files = {**files, "CHANGELOG.md": self._changelog(main, plan, published_at)}
        before = {r["id"] for r in archive.get("resources", [])}
        archive, archived = self._claim_and_archive(archive, release, plan, files)
        uploaded = {r["id"] for r in archive.get("resources", [])} - before
        urls = {name: resource["url"] for name, resource in archived.items()}
        self._load_datastore(archive, release, archived, uploaded)
        resources = latest_resources(main, release, archived, plan.version)
        versions = self._versions(release.dataset, _extras(main))
        versions[plan.version] = {n: u for n, u in urls.items() if n.endswith(LISTED)}
        extras = {
            **{k: v for k, v in _extras(main).items() if k not in DATASET_FIELDS},
            **_dataset_extras(release),
            "infitah_version": plan.version,
            "infitah_hashes": json.dumps(release.hashes(), sort_keys=True),
            "infitah_published_at": published_at,
            "infitah_source": release.source,
            "infitah_archive": archive["name"],
            "infitah_versions": json.dumps(versions, sort_keys=True),
        }
        entry = changelog_entry(plan, published_at)
        # One call switches every resource and the version, and only if nobody changed
        # the dataset since we read it (CKAN reads it FOR UPDATE and compares `match`).
        hashes = extras["infitah_hashes"]

        def switched() -> dict[str, Any] | None:
            now = self._read_now_or_none(release.dataset)
            state = _extras(now or {})
            done = (state.get("infitah_version"), state.get("infitah_hashes"))
            return {"package": now} if done == (plan.version, hashes) else None

        revised = self._call(
            "package_revise",
            settled=switched,
            match={"name": release.dataset, "metadata_modified": main["metadata_modified"]},
            filter=["-resources", "-extras"],
            update={
                **_dataset_fields(release, owner, self.location(release.dataset)),
                "version": plan.version,
                "version_notes": entry,
                "resources": resources,
                "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
            },
        )
        patched: dict[str, Any] = revised["package"]
        self._shown[release.dataset] = patched
        if any("id" not in r for r in resources):  # only new resources lack their views
            self._previews(patched, datastore=False)
        self._drop_unversioned_datastore(main)
        return Written(url=self.location(release.dataset), files=urls)

    def _claim_and_archive(
        self, archive: dict[str, Any], release: Release, plan: Plan, files: dict[str, bytes]
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Reserve ``plan.version`` in the archive and upload what this version adds to
        it, in one ``package_revise`` (CKAN checks ``match`` with the dataset read FOR
        UPDATE, so two runs never take the same version, and a refused run uploads
        nothing); the archive as it is then, and the archive resource holding each file.

        The archive's ``version`` is the last version claimed; a claim records which
        content it is for, so the run that made it (or a re-run with the same data) may
        resume it, reusing what it uploaded, and anyone else is refused until it is stale.
        """
        ours = sha256(json.dumps(release.hashes(), sort_keys=True).encode())
        claim = json.loads(_extras(archive).get("infitah_claim", "{}"))
        claimed = archive.get("version") or None
        resumed = claimed == plan.version and claim.get("content") == ours
        free = claimed in (None, plan.previous_version)
        stale = time.time() - float(claim.get("at", 0)) > CLAIM_STALE_SECONDS
        if not resumed and not free and not (claimed == plan.version and stale):
            raise PortalConflict(
                f"version {plan.version} of {release.dataset} is being published by another "
                f"run (claimed {time.strftime('%H:%M UTC', time.gmtime(claim.get('at', 0)))}); "
                "nothing was written: try again later",
                key="portal-busy",
                dataset=release.dataset,
            )
        uploads = _uploads(archive, release, plan.version, files)
        if resumed and not uploads:
            return archive, _archived_files(self.url, archive, release, plan.version, files)
        update: dict[str, Any] = {}
        if not resumed:
            extras = {
                **_extras(archive),
                "infitah_claim": json.dumps(
                    {"version": plan.version, "content": ours, "at": time.time()}
                ),
            }
            update = {
                "version": plan.version,
                "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
            }
        fields: dict[str, str] = {
            "match": json.dumps(
                {"name": archive["name"], "metadata_modified": archive["metadata_modified"]}
            ),
            "update": json.dumps(update),
        }
        if update:
            fields["filter"] = json.dumps(["-extras"])
        # Each file goes to its resource: a new one (counted from the end of the list
        # once CKAN has extended it), or an interrupted run's upload, never current.
        added = [u for u in uploads if u.replaces is None]
        if added:
            fields["update__resources__extend"] = json.dumps([u.fields for u in added])
        sent = {f"-{len(added) - i}": u for i, u in enumerate(added)}
        for u in uploads:
            if u.replaces is not None:
                fields[f"update__resources__{u.replaces}"] = json.dumps(u.fields)
                sent[u.replaces] = u

        def attempt() -> Any:
            return self.api.call_action(
                "package_revise",
                fields,
                files={
                    f"update__resources__{target}__upload": (u.filename, io.BytesIO(u.data))
                    for target, u in sent.items()
                },
                requests_kwargs={"timeout": TIMEOUT},
            )

        def settled() -> dict[str, Any] | None:
            now = self._read_now_or_none(archive["name"])
            if now is None or now.get("version") != plan.version:
                return None
            content = json.loads(_extras(now).get("infitah_claim", "{}")).get("content")
            if content != ours or _uploads(now, release, plan.version, files):
                return None
            return {"package": now}

        revised: dict[str, Any] = self._retrying("package_revise", attempt, settled)["package"]
        self._shown[archive["name"]] = revised
        return revised, _archived_files(self.url, revised, release, plan.version, files)

    def record_source(self, dataset: str, current: Published, source: str) -> None:
        """One ``package_revise`` of the extras, only if the dataset is still at
        ``current``: a run that lost the race leaves the digest to the next run."""
        main = self._read_now(dataset)
        extras = _extras(main)
        if extras.get("infitah_version") != current.version:
            return
        extras["infitah_source"] = source
        try:
            revised = self._call(
                "package_revise",
                match={"name": dataset, "metadata_modified": main["metadata_modified"]},
                filter=["-extras"],
                update={"extras": [{"key": k, "value": v} for k, v in sorted(extras.items())]},
            )
        except PortalConflict:
            return
        self._shown[dataset] = revised["package"]

    def repair(self, dataset: str, current: Published) -> None:
        """Nothing to complete: the DataStore is loaded before the switch, and the switch
        is one call, so a current version on CKAN is always whole."""

    # --- steps ---------------------------------------------------------------------------

    def _ensure_organization(self, owner: Owner) -> dict[str, Any]:
        """The member's organization (only its id, or its name, is used: CKAN takes
        either as a dataset's ``owner_org``), asked once per run; in a run that read
        every member's state in bulk, the organizations are listed once too."""
        if owner.name in self._orgs:
            return self._orgs[owner.name]
        if self._listed is not None and self._org_names is None:
            self._org_names = self._organization_names()
        if self._org_names is not None:
            if owner.name in self._org_names:
                return {"name": owner.name, "id": owner.name}
            # Not listed: created without asking first; if it is there after all (made
            # since, or not listed: a deleted one keeps its name), it is asked for below.
            with contextlib.suppress(PortalValidationError):
                return self._create_organization(owner)
        try:
            # Only its id: not its member count (a search), users or followers, which
            # made the answer six times slower on a portal of 1,500 organizations.
            org: dict[str, Any] = self._call("organization_show", None, id=owner.name, **ORG_ONLY)
            self._orgs[owner.name] = org
            return org
        except PortalNotFound:
            return self._create_organization(owner)

    def _create_organization(self, owner: Owner) -> dict[str, Any]:
        created: dict[str, Any] = self._call(
            "organization_create",
            settled=lambda: self._read_now_or_none(owner.name, "organization_show"),
            **organization_fields(owner),
        )
        self._orgs[owner.name] = created
        return created

    def _organization_names(self) -> frozenset[str]:
        """Every organization's name, up to a thousand per call (the portal may give
        fewer: its own most). A name missed here is only asked for alone."""
        names: list[str] = []
        while True:
            page = self._call("organization_list", limit=ORG_PAGE, offset=len(names))
            if not page:
                return frozenset(names)
            names += [str(n) for n in page]

    def _dataset(self, release: Release, owner: Owner, archive: bool) -> dict[str, Any]:
        """The member's dataset (or its archive) as this run last saw it (moments ago,
        reading the current version and its manifest), created (with its organization)
        when the portal has none. Not read again: the claim and the switch compare and
        swap on what was read, so a run that lost a race writes nothing."""
        name = release.dataset + (ARCHIVE_SUFFIX if archive else "")
        package = self._last_seen(name)
        if package is not None:
            return package
        org = self._ensure_organization(owner)
        try:
            created: dict[str, Any] = self._call(
                "package_create",
                settled=lambda: self._read_now_or_none(name),
                name=name,
                owner_org=org["id"],
                **_dataset_fields(release, None, self.location(name), archive=archive),
                extras=[{"key": k, "value": v}
                        for k, v in sorted(_dataset_extras(release).items())],
            )  # fmt: skip
        except PortalValidationError:
            # Not listed by this run's bulk read, yet there (made since, or not found by
            # search): read it, and go on from what it holds.
            found = self._read_now_or_none(name)
            if found is None:
                raise
            return found
        self._shown[name] = created
        self._missing.discard(name)
        return created

    def _load_datastore(
        self,
        archive: dict[str, Any],
        release: Release,
        archived: dict[str, dict[str, Any]],
        uploaded: set[str],
    ) -> None:
        """Load into the DataStore the tables of this version that it does not hold yet,
        each into the archive resource of its bytes, and record each load; all before the
        switch. A load that was interrupted is not recorded, is current nowhere, and is
        replaced whole. Then the previews of what was loaded or ``uploaded`` (ids)."""
        loaded: set[str] = set()
        recorded: dict[str, str] = {}
        for table in release.tables.values():
            resource = archived[table.filename]
            if _holds(resource, table):
                continue
            self._datastore(resource["id"], table, replace=bool(resource.get("datastore_active")))
            loaded.add(resource["id"])
            if table.rows > DATASTORE_BATCH:
                recorded[resource["id"]] = table.sha256
        if recorded:
            # One revision records every table loaded in several calls (a resource_patch
            # each would re-index the dataset each time); a re-run reloads what is not.
            updates: dict[str, Any] = {
                f"update__resources__{rid}": {"infitah_datastore_sha256": digest}
                for rid, digest in recorded.items()
            }
            archive = self._call("package_revise", match={"id": archive["id"]}, **updates)[
                "package"
            ]
        # As CKAN holds them now (the loads set ``datastore_active``, which table views need).
        fresh = [
            {**r, "datastore_active": True} if r["id"] in loaded else r
            for r in archive.get("resources", [])
            if r["id"] in loaded | uploaded
        ]
        if fresh:
            self._previews({**archive, "resources": fresh}, datastore=True)

    def _previews(self, package: dict[str, Any], datastore: bool) -> None:
        """The default views ``package``'s resources lack (the portal skips the kinds of
        view a resource has): table previews of DataStore tables, or text views (the
        README). A preview is presentation, not data: if the portal fails it after
        retries, the version is still published and the next publish makes it again."""
        try:
            self._call(
                "package_create_default_resource_views",
                package=package,
                create_datastore_views=datastore,
            )
        except PortalError as exc:
            LOG.warning("%s: previews not created (%s)", package.get("name"), exc.message)

    def _drop_unversioned_datastore(self, main: dict[str, Any]) -> None:
        """Before versioned DataStore tables, the current resources held their own, which
        a switch cannot move: once the switch is done, they go (their rows are in the
        archive's tables)."""
        for resource in main.get("resources", []):
            if resource.get("datastore_active"):
                with contextlib.suppress(PortalNotFound):
                    self._call("datastore_delete", resource_id=resource["id"], force=True)

    def _datastore(self, resource_id: str, table: TableRelease, replace: bool) -> None:
        if replace:
            with contextlib.suppress(PortalNotFound):
                self._call("datastore_delete", resource_id=resource_id, force=True)
        fields = [
            {
                "id": f["name"],
                "type": DATASTORE_TYPES.get(f.get("type", "string"), "text"),
                "info": _dictionary(f),
            }
            for f in table.schema["fields"]
        ]
        pk = table.schema.get("primaryKey")
        # Without a primary key a repeated insert would duplicate rows: one call then.
        first = table.records(0, DATASTORE_BATCH if pk else None)
        self._call(
            "datastore_create",
            settled=lambda: self._datastore_holds(resource_id, len(first)),
            resource_id=resource_id,
            force=True,
            fields=fields,
            records=first,
            **({"primary_key": pk} if pk else {}),
        )
        for start in range(len(first), table.rows, DATASTORE_BATCH):
            # An upsert on the primary key can be repeated after a lost answer.
            self._call(
                "datastore_upsert",
                resource_id=resource_id,
                force=True,
                method="upsert",
                records=table.records(start, start + DATASTORE_BATCH),
            )

    def _changelog(self, main: dict[str, Any], plan: Plan, published_at: str) -> bytes:
        previous = _by_name(main, "CHANGELOG.md")
        old = self._download(previous["url"]).decode() if previous else ""
        header = f"# {main['name']}: changes\n\n"
        return (
            header + changelog_entry(plan, published_at) + "\n" + old.removeprefix(header)
        ).encode()

    # --- reading what is published --------------------------------------------------------

    def datasets(self, prefix: str, files: bool = True) -> list[PublishedDataset]:
        """The resources' URLs point to the current version's files (the archive's are
        never listed); one ``package_search`` per page of results. The archives are left
        out by the query itself: each lists every version's files, and fetching them only
        to drop them doubled the pages read. Without ``files``, one search of a thousand
        names a page (``fl``): listing 1,503 members with their resources took 4 s."""
        if not files:
            keys = ("infitah_version", "infitah_published_at", "commune_code")
            return [
                PublishedDataset(
                    name,
                    extras["infitah_version"],
                    extras.get("infitah_published_at", ""),
                    extras.get("commune_code", ""),
                    {},
                )
                for name, extras in self._searched(prefix, keys)
                if "infitah_version" in extras
            ]
        out = []
        start = 0
        while True:
            page = self._call(
                "package_search",
                fq=f"name:{prefix}* -name:*{ARCHIVE_SUFFIX}",
                rows=SEARCH_PAGE,
                start=start,
                sort="name asc",
                include_private=True,
            )
            for package in page["results"]:
                found = _published_dataset(package)
                if found is not None and found.name.startswith(prefix):
                    out.append(found)
            start += SEARCH_PAGE
            if start >= page["count"] or not page["results"]:
                return sorted(out, key=lambda d: d.name)

    def dataset(self, name: str) -> PublishedDataset | None:
        return _published_dataset(self._last_seen(name) or {})

    def read(self, location: str) -> bytes:
        return self._download(location)

    def whoami(self) -> tuple[str, bool, list[str]]:
        """Who the token belongs to: the user's name, whether a sysadmin, and the
        organizations CKAN lets them publish in (its own authorization, asked, not
        guessed). A token CKAN does not know raises ``PortalNotFound``."""
        user = self._call("user_show")
        orgs = self._call("organization_list_for_user", permission="create_dataset")
        return str(user["name"]), bool(user.get("sysadmin")), [str(o["name"]) for o in orgs]

    def history(self, dataset: str) -> History | None:
        """From the dataset's own record: ``infitah_versions`` names every version's
        files in the archive; the changelog is the current CHANGELOG.md."""
        main = self._read_now_or_none(dataset)
        extras = _extras(main or {})
        if main is None or "infitah_version" not in extras:
            return None
        versions = self._versions(dataset, extras)
        ordered = sorted(versions.items(), key=lambda kv: tuple(int(p) for p in kv[0].split(".")))
        log = _by_name(main, "CHANGELOG.md")
        text = self._download(log["url"]).decode("utf-8", "replace") if log else ""
        return History([(v, dict(files)) for v, files in ordered], text)

    # --- calls ---------------------------------------------------------------------------

    def _serves(self, url: str) -> bool:
        """Whether ``url`` is on this portal: the address Infitah calls, or the one CKAN
        writes into its resources (``ckan.site_url``, asked once when they differ)."""
        if _origin(url) in self._origins:
            return True
        if self._site_asked:
            return False
        self._site_asked = True
        site = str(self._call("status_show").get("site_url") or "")
        if site:
            self._origins.add(_origin(site))
        return _origin(url) in self._origins

    def _read_now(self, name: str) -> dict[str, Any]:
        """The dataset as the portal holds it now (asked, not cached; remembered for
        ``_last_seen``); raises ``PortalNotFound``."""
        package: dict[str, Any] = self._call("package_show", id=name)
        self._shown[name] = package
        return package

    def _read_now_or_none(self, name: str, action: str = "package_show") -> dict[str, Any] | None:
        """The object as the portal holds it now (asked, not cached), or None."""
        try:
            found: dict[str, Any] = self._call(action, id=name)
        except PortalNotFound:
            return None
        if action == "package_show":
            self._shown[name] = found
            self._missing.discard(name)
        return found

    def _datastore_holds(self, resource_id: str, rows: int) -> bool | None:
        try:
            found = self._call("datastore_search", resource_id=resource_id, limit=0)
        except PortalNotFound:
            return None
        return True if found.get("total") == rows else None

    def _last_seen(self, name: str) -> dict[str, Any] | None:
        """The dataset as this run last saw it (asked once, then cached), or None."""
        if (shown := self._shown.get(name)) is not None:
            return shown
        if name in self._missing:
            return None
        if self._listed is not None:
            prefix, listed = self._listed
            if name.startswith(prefix) and name not in listed:
                return None
        found = self._read_now_or_none(name)
        if found is None:
            self._missing.add(name)
        return found

    def _call(self, action: str, settled: Settled | None = None, **data: Any) -> Any:
        return self._retrying(
            action,
            lambda: self.api.call_action(action, data, requests_kwargs={"timeout": TIMEOUT}),
            settled,
        )

    def _retrying(
        self, action: str, attempt: Callable[[], Any], settled: Settled | None = None
    ) -> Any:
        """Call, retrying transient failures with backoff.

        A write that failed in transit may still have been applied (the portal did the
        work, the answer was lost): retrying a create would then duplicate it, and
        retrying a compare-and-swap would conflict with ourselves. So before each retry
        of a write that is not idempotent, ``settled`` looks at the portal and returns
        what the write produced if it took effect (None if it did not).
        """
        delay = BACKOFF
        for number in range(1, RETRIES + 1):
            try:
                return attempt()
            except Exception as exc:
                error = _mapped(exc, action, self.url)
                if not isinstance(error, PortalUnavailable) or number == RETRIES:
                    raise error from None
                self.sleep(delay)
                delay *= 2
                if settled is not None:
                    done = settled()
                    if done is not None:
                        return done
        raise AssertionError("unreachable")

    def _download(self, url: str) -> bytes:
        """A file this portal serves. A resource's address is a field anyone who may edit
        the dataset can change: one pointing elsewhere is not fetched (the request would
        carry the token, and could reach what only this machine reaches)."""
        if not self._serves(url):
            raise PortalError(
                f"{self.url}: a resource points outside the portal ({url}); not read",
                key="portal-foreign-file",
                url=self.url,
                action="download",
                detail=url,
            )

        def attempt() -> bytes:
            headers = {"Authorization": self.token} if self.token else {}
            response = requests.get(url, headers=headers, timeout=TIMEOUT)
            if response.status_code == 404:
                raise ckanapi.NotFound(url)
            if response.status_code >= 400:
                raise HttpStatus(url, response.status_code)
            return response.content

        content: bytes = self._retrying("download", attempt)
        return content


# How many datasets a portal object remembers as it last saw them (``_last_seen``): a
# member's publication reads its dataset and archive and is done with them; a run over
# the whole network kept all 3,006 (77 KiB a member after its first version, measured:
# 115 MB at 1,503 members, and more as archives grow; the first publish's memory grew
# with the network).
SHOWN_AT_MOST = 256


class _Recent(collections.OrderedDict[str, dict[str, Any]]):
    """The datasets seen last, the oldest forgotten past ``limit`` (asked again if
    needed); safe across the threads of one run."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._lock = threading.Lock()

    def __setitem__(self, name: str, package: dict[str, Any]) -> None:
        with self._lock:
            super().__setitem__(name, package)
            self.move_to_end(name)
            while len(self) > self.limit:
                self.popitem(last=False)


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "") + f":{parts.port or ''}"


class HttpStatus(Exception):
    """An HTTP answer that is not a success, with its status as a number (our own
    downloads; ckanapi's actions carry theirs inside ``CKANAPIError``'s text)."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url}: HTTP {status}")
        self.status = status


def _mapped(exc: Exception, action: str, url: str) -> PortalError:
    """Every CKAN failure as one of Infitah's exceptions; ``PortalUnavailable`` ones are
    retried. The one place that knows ckanapi's exceptions (as ckanapi's own
    ``reverse_apicontroller_action`` knows CKAN's answers).

    Messages never include the API token (ckanapi's errors carry URLs and bodies only).
    """
    where = f"{url} ({action})"
    at = {"url": url, "action": action}
    error: PortalError
    if isinstance(exc, ckanapi.NotAuthorized):
        error = PortalAuthError(f"{where}: the portal refused the API token or its rights", **at)
    elif isinstance(exc, ckanapi.NotFound):
        error = PortalNotFound(f"{where}: not found", **at)
    elif isinstance(exc, ckanapi.ValidationError) and "match" in (exc.error_dict or {}):
        error = PortalConflict(
            f"{where}: someone else changed the dataset at the same time; nothing was switched",
            dataset=str((exc.error_dict or {}).get("name", "")) or url,
            **at,
        )
    elif isinstance(exc, ckanapi.ValidationError):
        detail = str(exc.error_dict)
        error = PortalValidationError(
            f"{where}: the portal rejected the data: {detail}", detail=detail, **at
        )
    elif isinstance(exc, ckanapi.SearchIndexError):
        error = PortalUnavailable(
            f"{where}: the portal's search index failed", detail="search index", **at
        )
    elif isinstance(exc, HttpStatus | ckanapi.CKANAPIError | ckanapi.ServerIncompatibleError):
        # ServerIncompatibleError: an answer not shaped like CKAN's (a gateway's error page)
        status = exc.status if isinstance(exc, HttpStatus) else _status_in(str(exc))
        kind = PortalUnavailable if status >= 500 or status in (0, 408, 429) else PortalError
        shown = str(status or "?")
        error = kind(
            f"{where}: the portal answered HTTP {shown}", status=shown, detail=f"HTTP {shown}", **at
        )
    elif isinstance(exc, requests.RequestException):
        name = type(exc).__name__
        error = PortalUnavailable(f"{where}: cannot reach the portal ({name})", detail=name, **at)
    elif isinstance(exc, PortalError):
        error = exc
    else:
        raise exc
    return error


def _status_in(text: str) -> int:
    """The status ckanapi puts in ``CKANAPIError``'s text (``repr([url, status, body])``)."""
    match = _STATUS.search(text)
    return int(match.group(1)) if match else 0


# --- metadata ------------------------------------------------------------------------------


def _dictionary(field: dict[str, Any]) -> dict[str, str]:
    """A column's entry in the DataStore's data dictionary: its French and Arabic titles,
    what it holds, and the meaning of its codes in both languages."""
    titles = [str(field.get(k)) for k in ("x-title-fr", "x-title-ar") if field.get(k)]
    notes = str(field.get("description", ""))
    labels = field.get("x-enum-labels") or field.get("x-list-of") or {}
    if labels:
        codes = "; ".join(
            f"{code}: {label.get('fr', code)} / {label.get('ar', code)}"
            for code, label in labels.items()
        )
        notes = f"{notes} {codes}".strip()
    return {"label": " / ".join(titles) or str(field.get("title", field["name"])), "notes": notes}


def _release_file(resource: dict[str, Any]) -> str:
    """The release file a resource holds: tables are named without their extension
    (the reverse of how ``_latest_resources`` names them)."""
    name = str(resource.get("name", ""))
    return f"{name}.csv" if resource.get("format") == "CSV" and "." not in name else name


def _published_dataset(package: dict[str, Any]) -> PublishedDataset | None:
    """The dataset's current version and its files, or None for an archive or a dataset
    with no version yet."""
    name = str(package.get("name", ""))
    extras = _extras(package)
    if not name or name.endswith(ARCHIVE_SUFFIX) or "infitah_version" not in extras:
        return None
    return PublishedDataset(
        name=name,
        version=extras["infitah_version"],
        published_at=extras.get("infitah_published_at", ""),
        commune_code=extras.get("commune_code", ""),
        files={_release_file(r): r["url"] for r in package.get("resources", []) if r.get("url")},
        hashes=_json_object(extras.get("infitah_hashes", "{}")),
    )


def _json_object(text: str) -> dict[str, str]:
    """An extra holding a JSON object of strings; anything else (edited by hand) is none."""
    try:
        return string_map(json.loads(text))
    except (ValueError, RecursionError):
        return {}


def _extras(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras", [])}


def _holds(resource: dict[str, Any], table: TableRelease) -> bool:
    """Whether the DataStore table of an archive resource holds ``table`` whole. A table
    loaded in one ``datastore_create`` (one transaction, after which CKAN sets
    ``datastore_active``) is whole if active, since the resource's bytes are the table's;
    a longer one only once its load was recorded, at its end."""
    if resource.get("infitah_datastore_sha256") == table.sha256:
        return True
    return (
        table.rows <= DATASTORE_BATCH
        and bool(resource.get("datastore_active"))
        and resource.get("infitah_sha256") == table.sha256
    )


@dataclass(frozen=True)
class _Upload:
    """A file of a version the archive does not hold yet: its archive resource's fields,
    and the id of the resource it replaces (an interrupted run's upload) if any."""

    filename: str
    data: bytes
    fields: dict[str, str]
    replaces: str | None


def _shared(release: Release) -> set[str]:
    """Files a version takes from an earlier one when their bytes are the same: the
    tables and the files made from them (a network's unchanged indicators are 70 MB of
    Excel files at 1,503 members, sent and stored again every night otherwise)."""
    return {n for t in release.tables.values() for n in (t.filename, *derived_names(t))}


def _first_copies(archive: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The archive's earliest resource holding each file name's bytes."""
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in archive.get("resources", []):
        if resource.get("url"):
            name = str(resource.get("name", "")).partition("/")[2]
            first.setdefault((name, str(resource.get("infitah_sha256"))), resource)
    return first


def _uploads(
    archive: dict[str, Any], release: Release, version: str, files: dict[str, bytes]
) -> list[_Upload]:
    """What of ``files`` the archive lacks: a table, or a file made from one, whose
    bytes some version already archived under its name is not sent again, nor a file an
    interrupted run uploaded whole."""
    held = _first_copies(archive)
    shared = _shared(release)
    out = []
    for name, data in files.items():
        digest = sha256(data)
        label = f"{version}/{name}"
        existing = _by_name(archive, label)
        if name in shared and (name, digest) in held:
            continue
        if existing is not None and existing.get("infitah_sha256") == digest:
            continue
        fields = {
            "name": label,
            "format": _format(name),
            "infitah_version": version,
            "infitah_sha256": digest,
            "hash": digest,
            "hash_algorithm": SHA256_ALGORITHM,
            "description": f"Version {version} of {name}; never modified.",
        }
        out.append(_Upload(name, data, fields, existing["id"] if existing else None))
    return out


def _archived_files(
    url: str, archive: dict[str, Any], release: Release, version: str, files: dict[str, bytes]
) -> dict[str, dict[str, Any]]:
    """The archive resource holding each of ``files``: for a table and the files made
    from it, the earliest copy of the same bytes (a table's DataStore table may already
    be loaded), else the version's own."""
    shared = _shared(release)
    first = _first_copies(archive)
    out: dict[str, dict[str, Any]] = {}
    for name, data in files.items():
        digest = sha256(data)
        own = _by_name(archive, f"{version}/{name}")
        found = first.get((name, digest)) if name in shared else None
        found = found or (own if own is not None and own.get("infitah_sha256") == digest else None)
        if found is None:
            raise PortalUnavailable(  # before the switch: the previous version stays
                f"{url}: {archive['name']} lacks {version}/{name} after the upload",
                url=url,
                action="package_revise",
                detail=f"{version}/{name} missing",
            )
        out[name] = found
    return out


def organization_fields(owner: Owner) -> dict[str, Any]:
    """The member's organization as created: its names in French and Arabic, its
    description, and what Infitah reads back (its code and kind) as extras."""
    return {
        "name": owner.name,
        "title": f"{owner.title.get('fr', owner.name)} — {owner.title.get('ar', '')}".strip(" —"),
        "description": "\n\n".join(owner.description.get(lang, "") for lang in ("fr", "ar")),
        "extras": [
            {"key": "title_ar", "value": owner.title.get("ar", "")},
            {"key": "title_fr", "value": owner.title.get("fr", "")},
            *({"key": k, "value": v} for k, v in sorted(owner.extras.items())),
        ],
    }


def latest_resources(
    main: dict[str, Any],
    release: Release,
    archived: dict[str, dict[str, Any]],
    version: str,
) -> list[dict[str, Any]]:
    """The dataset's resources once switched to ``version``: each file's archived copy,
    in the order a reader expects (tables, then the package's own files); resources the
    dataset already has keep their ids. (The benchmarks' floor sends the same.)"""
    existing = {r["name"]: r for r in main.get("resources", [])}
    order = [t.filename for t in release.tables.values()] + [
        "datapackage.json",
        "validation-report.json",
        "manifest.json",
        "CHANGELOG.md",
    ]
    order += [name for name in archived if name not in order and name != "CHANGES.md"]
    resources = []
    for name in order:
        label = name.removesuffix(".csv") if name.endswith(".csv") else name
        table = release.tables.get(label) if name.endswith(".csv") else None
        resource: dict[str, Any] = {
            "name": label,
            "url": archived[name]["url"],
            "format": _format(name),
            "infitah_version": version,
            "description": _resource_description(table, name),
        }
        if table is not None:
            resource["infitah_sha256"] = table.sha256
            resource["hash"] = table.sha256
            resource["hash_algorithm"] = SHA256_ALGORITHM
            resource["mimetype"] = "text/csv"
            # This version's rows, loaded into the archive resource before the switch.
            resource["infitah_datastore_id"] = archived[name]["id"]
        if label in existing:
            resource["id"] = existing[label]["id"]
        resources.append(resource)
    return resources


def _by_name(package: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    for resource in (package or {}).get("resources", []):
        if resource.get("name") == name:
            found: dict[str, Any] = resource
            return found
    return None


def _notes(release: Release) -> str:
    parts = [release.description.get("fr") or release.description.get("en", "")]
    if release.description.get("ar"):
        parts.append(release.description["ar"])
    illustrative = release.metadata.get("x-illustrative", {})
    if illustrative:
        parts.append(f"Illustrative rows: {illustrative.get('rule', '')}")
    sources = release.metadata.get("sources") or []
    if sources:
        # The portal shows notes as Markdown: a reader sees where the data comes from
        # (the first ones; every source is in the release's datapackage.json and README).
        lines = [f"- [{_md(s.get('title') or s['path'])}]({_md_url(s['path'])})" if s.get("path")
                 else f"- {_md(s.get('title', ''))}" for s in sources[:NOTE_SOURCES]]  # fmt: skip
        if len(sources) > NOTE_SOURCES:
            lines.append(f"- … {len(sources) - NOTE_SOURCES} more: see datapackage.json")
        heading = " / ".join(tr(lang, SOURCES_HEADING) for lang in ("fr", "ar"))
        parts.append(f"{heading}:\n" + "\n".join(lines))
    return "\n\n".join(p for p in parts if p)


NOTE_SOURCES = 20
SOURCES_HEADING = N_("Sources")


def _md_url(url: str) -> str:
    """A link target that cannot close the Markdown link early."""
    return (
        str(url)
        .replace(" ", "%20")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("<", "%3C")
        .replace(">", "%3E")
    )


def _md(text: str) -> str:
    """Text shown inside a Markdown link's brackets, inert."""
    return "".join("\\" + c if c in "[]()\\*_`<>#!|" else c for c in str(text))


def _licence_id(release: Release) -> str:
    licences = release.metadata.get("licenses") or [{}]
    name = str(licences[0].get("name", "odc-by")).lower()
    return {"odc-by-1.0": "odc-by", "cc-by-4.0": "cc-by"}.get(name, name)


# The fields of the portal's dataset schema (portal/ckanext-infitah's infitah_dataset.yaml)
# Infitah fills: set on every publish, never left as extras (a schema field and an extra
# of the same name are refused).
DATASET_FIELDS = (
    "title_fr", "title_ar", "notes_fr", "notes_ar", "keywords_fr", "keywords_ar", "theme",
    "language", "contact_name", "contact_email", "contact_url", "publisher_name",
    "publisher_type", "spatial_text", "spatial_code", "spatial_region_iso", "temporal_start",
    "temporal_end", "url",
)  # fmt: skip


def _dataset_fields(
    release: Release, owner: Owner | None, landing: str, archive: bool = False
) -> dict[str, str]:
    """What the dataset says of itself, in French and Arabic, as the portal's schema
    holds it and ckanext-dcat (with the ``infitah_dcat_ap_3`` profile) turns it into
    DCAT-AP 3: the same facts the catalog's DCAT gives (``dcat.py``)."""
    metadata = release.metadata
    commune = metadata.get("x-commune", {})
    temporal = metadata.get("x-temporal", {})
    publisher = metadata.get("x-publisher", {})
    words = dcat.keywords(metadata)
    reach = dcat.contact(metadata)
    names = owner.title if owner else {"fr": str(publisher.get("name", "")),
                                       "ar": str(publisher.get("name_ar", ""))}  # fmt: skip
    out = {
        "title": release.title.get("fr") or release.title.get("en", release.dataset),
        "notes": _notes(release),
        "license_id": _licence_id(release),
        "title_fr": release.title.get("fr", ""),
        "title_ar": release.title.get("ar", ""),
        "notes_fr": release.description.get("fr") or release.description.get("en", ""),
        "notes_ar": release.description.get("ar", ""),
        "keywords_fr": ", ".join(words["fr"]),
        "keywords_ar": ", ".join(words["ar"]),
        "theme": json.dumps([str(dcat.THEME_GOVE)]),
        "language": "ar,fr",
        "contact_name": " / ".join(n for n in (names.get("fr"), names.get("ar")) if n)
        or NETWORK_NAME,
        "contact_email": reach.get("email", ""),
        "contact_url": reach.get("url", ""),
        "publisher_name": names.get("fr", "") or NETWORK_NAME,
        "publisher_type": str(dcat.publisher_type(metadata)),
        "spatial_text": _spatial_text(commune),
        "spatial_code": str(commune.get("code", "")),
        "spatial_region_iso": dcat.region_iso(str(commune.get("region_code", ""))) or "",
        "temporal_start": str(temporal.get("start", "")),
        "temporal_end": str(temporal.get("end", "")),
        "url": landing,
    }
    if archive:  # every version's files: says so in each language
        for lang in ("fr", "ar"):
            out[f"title_{lang}"] = f"{out[f'title_{lang}']} — {tr(lang, ALL_VERSIONS)}"
        out["title"] = f"{out['title']} — {slashed(ALL_VERSIONS, ('fr', 'ar'))}"
        out["notes"] = f"Every published version's exact files, never modified.\n\n{out['notes']}"
    return out


def _spatial_text(place: dict[str, Any]) -> str:
    """``Aït Amira / أيت عميرة, Chtouka-Ait Baha, Souss-Massa``: the levels a member has
    (a region has no province above it, the national level neither)."""
    if not place:
        return ""
    names = f"{place.get('name_fr')} / {place.get('name_ar')}"
    above = [str(place.get(k) or "") for k in ("province_name_fr", "region_name_fr")]
    above = [a for a in dict.fromkeys(above) if a and a != place.get("name_fr")]
    return ", ".join([names, *above])


def _dataset_extras(release: Release) -> dict[str, str]:
    """What Infitah itself reads back (the member's code), kept as extras."""
    commune = release.metadata.get("x-commune", {})
    return {"commune_code": str(commune["code"])} if commune.get("code") else {}


def _format(name: str) -> str:
    formats = {"csv": "CSV", "json": "JSON", "md": "Markdown", "png": "PNG", "xlsx": "XLSX"}
    return formats.get(name.rsplit(".", 1)[-1], "")


def _resource_description(table: TableRelease | None, name: str) -> str:
    if table is None:
        return {
            "datapackage.json": "Data package descriptor (schemas, hashes) of this version.",
            "validation-report.json": "Validation report of this version.",
            "manifest.json": "Row index of this version (what the next version compares with).",
            "CHANGELOG.md": "What changed in every version.",
            "README.md": "What each column means (ar/fr/en), licence, source, version.",
        }.get(name, _derived_description(name))
    title = table.schema.get("title", table.name)
    return f"{title} ({table.rows} rows). {table.schema.get('description', '')}"


def _derived_description(name: str) -> str:
    if name.endswith(".xlsx"):
        return (
            f"{name.removesuffix('.xlsx')} as an Excel workbook: French and Arabic sheets / "
            f"{tr('fr', WORKBOOK)} / {tr('ar', WORKBOOK)}"
        )
    if name.endswith(".excel.csv"):
        return (
            f"{name.removesuffix('.excel.csv')} for Excel: UTF-8 with BOM, codes followed by "
            f"their French and Arabic labels / {tr('fr', FOR_EXCEL)} / {tr('ar', FOR_EXCEL)}"
        )
    return name
