"""What changed since the last published version, and the version number that says so.

Semantic versioning as in Frictionless's data package version pattern: a change that
breaks consumers (a field removed or retyped, a field made required, rows deleted) is
major; added rows or fields are minor; corrections of existing rows and metadata are a
patch. Decided from hashes and the previous version's row index, never by downloading
the data to compare.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

from .i18n import N_, Lang, Np_, fill, tr, trn
from .release import Release, TableRelease

Bump = Literal["major", "minor", "patch"]
# A table's rows in the version before (its header, and each row by key), read only for
# tables whose rows changed; None when they cannot be read.
EarlierRows = Callable[[str], tuple[list[str], dict[str, list[str]]] | None]
FIRST_VERSION = "1.0.0"
SHOWN_IDS = 20
_VERSION = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})")


def is_version(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a version this module can count on from (``1.0.2``). A
    portal's record edited by hand may hold anything; what comes next is only known
    from a version of this form."""
    return isinstance(value, str) and _VERSION.fullmatch(value) is not None


@dataclass(frozen=True)
class Published:
    """What a portal says about the dataset's current version (from its metadata)."""

    version: str
    hashes: dict[str, str]
    published_at: str = ""
    url: str = ""
    # What the version was made from (``digest.source_digest``), "" when not recorded.
    source: str = ""


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
    # (row id, field, old value, new value) of the changed rows, when the previous
    # version's rows can be read (its CSV, or a format-1 manifest's copy of them).
    field_changes: list[tuple[str, str, str, str]] = field(default_factory=list)

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
        if self.field_changes:
            out["fields_changed"] = [
                {"id": i, "field": f, "old": old, "new": new}
                for i, f, old, new in self.field_changes[:SHOWN_IDS]
            ]
        return out


@dataclass
class Plan:
    """The decision: unchanged, or the next version with its changes."""

    status: Literal["unchanged", "new"]
    version: str
    previous_version: str | None
    changes: dict[str, TableChange]
    metadata_changed: bool = False
    # Titles, descriptions, licence or sources: what "metadata updated" means to readers.
    about_changed: bool = False

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


def plan(
    release: Release,
    current: Published | None,
    manifest: dict[str, Any] | None,
    earlier: EarlierRows | None = None,
) -> Plan:
    """Compare with the current version; ``manifest`` is only needed when hashes differ,
    ``earlier`` only to say field by field what changed in changed rows."""
    if current is None:
        changes = {
            n: TableChange(added=list(t.row_index), new_table=True)
            for n, t in release.tables.items()
        }
        return Plan("new", FIRST_VERSION, None, changes)
    if current.hashes == release.hashes():
        return Plan("unchanged", current.version, current.version, {})
    changes = diff(release, manifest or {}, earlier)
    result = Plan("new", current.version, current.version, changes)
    result.metadata_changed = current.hashes.get("metadata") != release.hashes()["metadata"]
    # A manifest from before "about" was kept cannot tell: any metadata change counts.
    about = (manifest or {}).get("about")
    result.about_changed = result.metadata_changed and about != release.about_sha256()
    result.version = bump(current.version, result.bump or "patch")
    return result


def diff(
    release: Release, manifest: dict[str, Any], earlier: EarlierRows | None = None
) -> dict[str, TableChange]:
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
        if change.changed:
            rows = _earlier_rows(name, old, earlier)
            change.field_changes = _field_changes(change.changed, rows, table) if rows else []
        changes[name] = change
    for name in before:
        if name not in release.tables:
            changes[name] = TableChange(
                removed=list(before[name].get("row_index", {})), dropped_table=True
            )
    return changes


def _earlier_rows(
    name: str, old: dict[str, Any], earlier: EarlierRows | None
) -> tuple[list[str], dict[str, list[str]]] | None:
    """A format-1 manifest kept the rows itself; a later one is read through ``earlier``."""
    header, values = old.get("header"), old.get("values")
    if isinstance(header, list) and isinstance(values, dict):
        return header, values
    return earlier(name) if earlier is not None and "values" not in old else None


def _field_changes(
    changed: list[str], earlier: tuple[list[str], dict[str, list[str]]], table: TableRelease
) -> list[tuple[str, str, str, str]]:
    """Field by field, the changed rows' old and new values (fields both versions have)."""
    old_header, old_values = earlier
    if not old_header:
        return []
    new_header, new_rows = table.parsed[0], table.rows_by_key
    out = []
    for key in changed:
        before, after = old_values.get(key), new_rows.get(key)
        if before is None or after is None:
            continue
        was = dict(zip(old_header, before, strict=False))
        for name, value in zip(new_header, after, strict=False):
            if name in was and was[name] != value:
                out.append((key, name, was[name], value))
    return out


def bump(version: str, level: Bump) -> str:
    major, minor, patch = (int(p) for p in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"no such version bump: {level!r}")  # a bug, never the steward's data


WORDS: dict[str, Any] = {
    "first": N_("First published version."),
    "added": Np_("{count} row added ({ids})", "{count} rows added ({ids})"),
    "removed": Np_("{count} row removed ({ids})", "{count} rows removed ({ids})"),
    "changed": Np_("{count} row changed ({ids})", "{count} rows changed ({ids})"),
    "fields_added": N_("fields added: {fields}"),
    "fields_removed": N_("fields removed: {fields}"),
    "fields_retyped": N_("fields retyped: {fields}"),
    "fields_now_required": N_("fields now required: {fields}"),
    "new_table": N_("new table"),
    "dropped_table": N_("table removed"),
    "metadata": N_("metadata (titles, description, licence or sources) updated"),
    "notes": N_("notes on the data updated (facts, coverage)"),
    "more": N_("… and {count} more changes"),
    "empty": N_("(empty)"),
    "heading": N_("In English"),
    "line": N_("`{table}` ({level}): {parts}"),
    "major": N_("major"),
    "minor": N_("minor"),
    "patch": N_("patch"),
}
SHOWN_FIELD_CHANGES = 50
CHANGELOG_LANGS: tuple[Lang, ...] = ("en", "fr", "ar")


def changelog_entry(p: Plan, published_at: str) -> str:
    """A markdown section for CHANGELOG.md: what a journalist reads to see what changed,
    in English, then French, then Arabic; the rows' ids, field names and values are
    the data's own and the same in each."""
    lines = [f"## {p.version} — {published_at[:10]}", ""]
    for lang in CHANGELOG_LANGS:
        if lang != "en":
            lines += ["", f"### {tr(lang, str(WORDS['heading']))}", ""]
        lines += _entry_lines(p, lang)
    return "\n".join(lines) + "\n"


def _entry_lines(p: Plan, lang: Lang) -> list[str]:
    def say(key: str, **values: Any) -> str:
        return fill(tr(lang, str(WORDS[key])), values)

    if p.previous_version is None:
        return [say("first")]
    lines = []
    for name, change in sorted(p.changes.items()):
        if not change.bump:
            continue
        parts = []
        for key in ("added", "removed", "changed"):
            ids = getattr(change, key)
            if ids:
                shown = ", ".join(ids[:SHOWN_IDS]) + (" …" if len(ids) > SHOWN_IDS else "")
                one, many = WORDS[key]
                parts.append(
                    fill(trn(lang, one, many, len(ids)), {"count": len(ids), "ids": shown})
                )
        for key in ("fields_added", "fields_removed", "fields_retyped", "fields_now_required"):
            if getattr(change, key):
                parts.append(say(key, fields=", ".join(getattr(change, key))))
        for key in ("new_table", "dropped_table"):
            if getattr(change, key):
                parts.append(say(key))
        lines.append("- " + say("line", table=name, level=say(change.bump), parts="; ".join(parts)))
        empty = say("empty")
        for key, field_name, old, new in change.field_changes[:SHOWN_FIELD_CHANGES]:
            lines.append(f"  - {key} {field_name}: {_shown(old, empty)} → {_shown(new, empty)}")
        if len(change.field_changes) > SHOWN_FIELD_CHANGES:
            lines.append(
                "  - " + say("more", count=len(change.field_changes) - SHOWN_FIELD_CHANGES)
            )
    if p.about_changed:
        lines.append("- " + say("metadata"))
    elif p.metadata_changed and not any(c.bump for c in p.changes.values()):
        lines.append("- " + say("notes"))
    return lines


def _shown(value: str, empty: str) -> str:
    """A value as a Markdown code span: inert (no link, no markup), on one line, short."""
    if not value:
        return empty
    text = " ".join(value.split())
    text = text[:60] + "…" if len(text) > 60 else text
    return "`" + text.replace("`", "'") + "`"
