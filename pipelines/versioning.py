"""What changed since the last published version, and the version number that says so.

Semantic versioning as in Frictionless's data package version pattern: a change that
breaks consumers (a field removed or retyped, a field made required, rows deleted) is
major; added rows or fields are minor; corrections of existing rows and metadata are a
patch. Decided from hashes and the previous version's row index, never by downloading
the data to compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .release import Release

Bump = Literal["major", "minor", "patch"]
FIRST_VERSION = "1.0.0"
SHOWN_IDS = 20


@dataclass(frozen=True)
class Published:
    """What a portal says about the dataset's current version (from its metadata)."""

    version: str
    hashes: dict[str, str]
    published_at: str = ""
    url: str = ""


@dataclass
class TableChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_retyped: list[str] = field(default_factory=list)
    fields_now_required: list[str] = field(default_factory=list)
    new_table: bool = False
    dropped_table: bool = False

    @property
    def bump(self) -> Bump | None:
        if (
            self.removed
            or self.fields_removed
            or self.fields_retyped
            or self.fields_now_required
            or self.dropped_table
        ):
            return "major"
        if self.added or self.fields_added or self.new_table:
            return "minor"
        if self.changed:
            return "patch"
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rows_added": len(self.added),
            "rows_removed": len(self.removed),
            "rows_changed": len(self.changed),
        }
        for key in ("added", "removed", "changed"):
            ids = getattr(self, key)
            if ids:
                out[f"ids_{key}"] = ids[:SHOWN_IDS]
        for key in ("fields_added", "fields_removed", "fields_retyped", "fields_now_required"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.new_table:
            out["new_table"] = True
        if self.dropped_table:
            out["dropped_table"] = True
        return out


@dataclass
class Plan:
    """The decision: unchanged, or the next version with its changes."""

    status: Literal["unchanged", "new"]
    version: str
    previous_version: str | None
    changes: dict[str, TableChange]
    metadata_changed: bool = False

    @property
    def bump(self) -> Bump | None:
        bumps = {c.bump for c in self.changes.values() if c.bump}
        levels: tuple[Bump, ...] = ("major", "minor", "patch")
        for level in levels:
            if level in bumps:
                return level
        return "patch" if self.metadata_changed else None

    def changes_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            name: c.to_dict() for name, c in sorted(self.changes.items()) if c.bump
        }
        if self.metadata_changed:
            out["metadata"] = {"changed": True}
        return out


def plan(release: Release, current: Published | None, manifest: dict[str, Any] | None) -> Plan:
    """Compare with the current version; ``manifest`` is only needed when hashes differ."""
    if current is None:
        changes = {
            n: TableChange(added=list(t.row_index), new_table=True)
            for n, t in release.tables.items()
        }
        return Plan("new", FIRST_VERSION, None, changes)
    if current.hashes == release.hashes():
        return Plan("unchanged", current.version, current.version, {})
    changes = diff(release, manifest or {})
    result = Plan("new", current.version, current.version, changes)
    result.metadata_changed = current.hashes.get("metadata") != release.hashes()["metadata"]
    result.version = bump(current.version, result.bump or "patch")
    return result


def diff(release: Release, manifest: dict[str, Any]) -> dict[str, TableChange]:
    before: dict[str, Any] = manifest.get("tables", {})
    changes: dict[str, TableChange] = {}
    for name, table in release.tables.items():
        old = before.get(name)
        if old is None:
            changes[name] = TableChange(added=list(table.row_index), new_table=True)
            continue
        old_rows: dict[str, str] = old.get("row_index", {})
        new_rows = table.row_index
        change = TableChange(
            added=[k for k in new_rows if k not in old_rows],
            removed=[k for k in old_rows if k not in new_rows],
            changed=[k for k, h in new_rows.items() if k in old_rows and old_rows[k] != h],
        )
        old_fields: dict[str, str] = old.get("fields", {})
        new_fields = {f["name"]: f.get("type", "string") for f in table.schema["fields"]}
        change.fields_added = [f for f in new_fields if f not in old_fields]
        change.fields_removed = [f for f in old_fields if f not in new_fields]
        change.fields_retyped = [
            f for f in new_fields if f in old_fields and old_fields[f] != new_fields[f]
        ]
        required_before = set(old.get("required", []))
        change.fields_now_required = sorted(
            f["name"]
            for f in table.schema["fields"]
            if f.get("constraints", {}).get("required")
            and f["name"] not in required_before
            and f["name"] in old_fields
        )
        changes[name] = change
    for name in before:
        if name not in release.tables:
            changes[name] = TableChange(
                removed=list(before[name].get("row_index", {})), dropped_table=True
            )
    return changes


def bump(version: str, level: Bump) -> str:
    major, minor, patch = (int(p) for p in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"no such version bump: {level!r}")  # a bug, never the steward's data


def changelog_entry(p: Plan, published_at: str) -> str:
    """A markdown section for CHANGELOG.md: what a journalist reads to see what changed."""
    lines = [f"## {p.version} — {published_at[:10]}", ""]
    if p.previous_version is None:
        lines.append("First published version.")
    for name, change in sorted(p.changes.items()):
        if not change.bump or p.previous_version is None:
            continue
        parts = []
        for key, label in (("added", "added"), ("removed", "removed"), ("changed", "changed")):
            ids = getattr(change, key)
            if ids:
                shown = ", ".join(ids[:SHOWN_IDS]) + (" …" if len(ids) > SHOWN_IDS else "")
                parts.append(f"{len(ids)} row(s) {label} ({shown})")
        for key in ("fields_added", "fields_removed", "fields_retyped", "fields_now_required"):
            if getattr(change, key):
                parts.append(f"{key.replace('_', ' ')}: {', '.join(getattr(change, key))}")
        if change.new_table:
            parts.append("new table")
        if change.dropped_table:
            parts.append("table removed")
        lines.append(f"- `{name}` ({change.bump}): " + "; ".join(parts))
    if p.metadata_changed:
        lines.append("- metadata (titles, description, licence or sources) updated")
    return "\n".join(lines) + "\n"
