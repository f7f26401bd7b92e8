"""The contract: Frictionless Table Schemas in ``schemas/``, one file per table.

This module only reads them and answers questions the rest of the pipeline asks
(titles in a language, enum labels, which fields hold Arabic text...), so the
knowledge stays in the JSON files where stewards' tools and frictionless also read it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import UsageError
from .i18n import Lang
from .resources import SCHEMAS_DIR


def as_names(value: str | list[str]) -> list[str]:
    """A Table Schema's reference to fields (``primaryKey``, a foreign key's ``fields``
    and its reference's): one name or a list of them."""
    return [value] if isinstance(value, str) else list(value)


# The order in which a steward fills the tables, and in which they are validated and
# published: every table comes after the tables it refers to.
TABLES: tuple[str, ...] = (
    "action_plans",
    "workshops",
    "workshop_participation",
    "commitments",
    "proposals",
    "milestones",
    "progress_updates",
)
REQUIRED_TABLES: frozenset[str] = frozenset({"action_plans"})
REFERENCE_TABLE = "communes"
COMMUNE_FIELD = "commune_code"


@dataclass(frozen=True)
class TableSchema:
    """A table's schema descriptor plus the answers derived from it."""

    name: str
    descriptor: dict[str, Any]

    @property
    def fields(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = self.descriptor["fields"]
        return fields

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field(self, name: str) -> dict[str, Any]:
        for f in self.fields:
            if f["name"] == name:
                return f
        raise KeyError(name)

    def title(self, lang: Lang) -> str:
        if lang == "en":
            return str(self.descriptor.get("title", self.name))
        return str(self.descriptor.get(f"x-title-{lang}", self.descriptor.get("title", self.name)))

    def field_titles(self, lang: Lang) -> dict[str, str]:
        key = "title" if lang == "en" else f"x-title-{lang}"
        return {f["name"]: str(f.get(key) or f.get("title") or f["name"]) for f in self.fields}

    def required(self, field_name: str) -> bool:
        return bool(self.field(field_name).get("constraints", {}).get("required"))

    @property
    def primary_key(self) -> list[str]:
        return as_names(self.descriptor.get("primaryKey", []))

    @property
    def foreign_keys(self) -> list[dict[str, Any]]:
        fks: list[dict[str, Any]] = self.descriptor.get("foreignKeys", [])
        return fks

    @property
    def date_order(self) -> list[tuple[str, str]]:
        return [(a, b) for a, b in self.descriptor.get("x-date-order", [])]

    @property
    def required_one_of(self) -> list[tuple[str, ...]]:
        """Groups of fields of which a row must fill at least one: a title in Arabic or in
        French, since real sources often have only one language."""
        return [tuple(group) for group in self.descriptor.get("x-required-one-of", [])]

    @property
    def text_fields(self) -> list[str]:
        return [f["name"] for f in self.fields if f.get("type", "string") == "string"]

    @property
    def free_text_fields(self) -> list[str]:
        """String fields without an enum or pattern: where people write prose."""
        out = []
        for f in self.fields:
            cons = f.get("constraints", {})
            if f.get("type", "string") == "string" and "enum" not in cons and "pattern" not in cons:
                out.append(f["name"])
        return out

    @property
    def arabic_fields(self) -> list[str]:
        return [f["name"] for f in self.fields if f.get("x-script") == "arabic"]

    @property
    def digit_fields(self) -> list[str]:
        """Fields where Eastern Arabic digits mean numbers and are turned into 0-9."""
        return [
            f["name"]
            for f in self.fields
            if f.get("type", "string") != "string" or "pattern" in f.get("constraints", {})
        ]

    @property
    def translation_pairs(self) -> list[tuple[str, str]]:
        names = set(self.field_names)
        return [
            (n, n[:-3] + "_fr")
            for n in self.field_names
            if n.endswith("_ar") and n[:-3] + "_fr" in names
        ]

    def enum_labels(self, field_name: str) -> dict[str, dict[str, str]]:
        f = self.field(field_name)
        labels: dict[str, dict[str, str]] = f.get("x-enum-labels") or f.get("x-list-of") or {}
        return labels

    @property
    def sheet_names(self) -> set[str]:
        """The sheet names that mean this table: its name and its titles in every
        language (``Jalons``, ``المراحل``), normalised as headers are."""
        return {
            normalise_header(str(self.descriptor[key]))
            for key in ("name", "title", "x-title-ar", "x-title-fr")
            if self.descriptor.get(key)
        }

    def header_aliases(self) -> dict[str, str]:
        """Every header a steward may use for a field (name, or a title in any language)."""
        aliases: dict[str, str] = {}
        for f in self.fields:
            for key in ("name", "title", "x-title-ar", "x-title-fr"):
                if f.get(key):
                    aliases[normalise_header(str(f[key]))] = f["name"]
        return aliases

    def frictionless_descriptor(self, keep_foreign_keys_to: frozenset[str]) -> dict[str, Any]:
        """The schema as frictionless takes it, with only the foreign keys checkable here."""
        descriptor = copy.deepcopy(self.descriptor)
        descriptor.pop("name", None)
        descriptor["foreignKeys"] = [
            fk
            for fk in descriptor.get("foreignKeys", [])
            if fk["reference"].get("resource", "") in keep_foreign_keys_to
        ]
        for f in descriptor["fields"]:
            if f.get("x-date") == "reduced":
                # The published schema keeps the pattern for other validators; here the
                # ``invalid-date`` check says what a date may look like, in words.
                f.get("constraints", {}).pop("pattern", None)
        return descriptor

    @property
    def reduced_dates(self) -> list[str]:
        """Fields that keep a date at its source's precision (``dates.py``)."""
        return [f["name"] for f in self.fields if f.get("x-date") == "reduced"]


def normalise_header(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


@cache
def load(name: str, schemas_dir: Path = SCHEMAS_DIR) -> TableSchema:
    path = schemas_dir / f"{name}.json"
    if not path.is_file():
        known = ", ".join(t for t in all_tables(schemas_dir) if t != REFERENCE_TABLE)
        raise UsageError(
            f"unknown table {name!r}; known tables: {known}",
            key="unknown-table",
            table=name,
            tables=known,
        )
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return TableSchema(name=name, descriptor=descriptor)


def all_tables(schemas_dir: Path = SCHEMAS_DIR) -> list[str]:
    return [p.stem for p in sorted(schemas_dir.glob("*.json"))]


def commune_tables() -> list[TableSchema]:
    return [load(name) for name in TABLES]
