"""Each rule called directly on a few rows built in memory: the finding's code, line,
field and parameters, with the near misses that must stay quiet next to each match.

These run in milliseconds, so ``make mutation`` (mutmut) can run them against every
mutant of the checks, the egress guard and the versioning rules; ``test_checks.py``
says the same things end to end, through files a steward saved.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines import checks, versioning
from pipelines.checks import REGISTRY, Context, parse_date, scan
from pipelines.checks.canonical_numbers import unusual
from pipelines.checks.formula_injection import is_formula_like
from pipelines.downloads import formula_safe
from pipelines.findings import Finding
from pipelines.guard import inspect
from pipelines.reading import TableData
from pipelines.release import Release, TableRelease, canonical_json
from pipelines.schemas import load

CODE = "09.163.07.01"
OTHER = "07.211.01.09"


def table(name: str, *rows: dict[str, str], first_line: int = 2) -> TableData:
    """A table with the schema's columns; cells not given are empty."""
    fields = load(name).field_names
    data = TableData.of_rows(name, fields, [[r.get(f, "") for f in fields] for r in rows])
    data.row_numbers = list(range(first_line, first_line + len(rows)))
    return data


def run(code: str, *tables: TableData, **context: Any) -> list[tuple[Any, ...]]:
    """The rule registered under ``code``, on these tables: (code, line, field, params)."""
    checks.registered()
    ctx = Context({t.name: t for t in tables}, **context)
    return [(f.code, f.row, f.field, dict(f.params)) for f in REGISTRY[code](ctx)]


def codes(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(c, row, field) for c, row, field, _ in found]


# --- the helpers every rule leans on ------------------------------------------------------


def test_parse_date_takes_iso_days_only() -> None:
    assert parse_date("2024-04-15").isoformat() == "2024-04-15"  # type: ignore[union-attr]
    for value in ("2024-4-15", "15/04/2024", "2024-02-30", "2024-04-155", "", "2024-04-1 "):
        assert parse_date(value) is None, value


def test_scan_finds_each_cell_once_and_never_across_cells() -> None:
    import re

    digits = re.compile(r"[0-9]{3}")
    assert scan(["a", "12", "3", "x123", "9999", ""], digits) == [3, 4]
    assert scan([], digits) == []
    assert scan(["123"], digits) == [0]
    # A boundary judged on the preceding character: after a letter, no match.
    assert scan(["a123", " 123", "123"], digits, not_after=str.isalpha) == [1, 2]


# --- one rule at a time -------------------------------------------------------------------


def test_date_order_flags_an_end_before_its_start_and_nothing_else() -> None:
    rows = table(
        "milestones",
        {"start_date": "2024-05-02", "due_date": "2024-05-01"},  # one day early
        {"start_date": "2024-05-01", "due_date": "2024-05-01"},  # same day: fine
        {"start_date": "2024-05-01", "due_date": "2024-05-02"},
        {"start_date": "2024-05-01", "due_date": "oops"},  # frictionless's business
        {"start_date": "2024-06-01", "completed_on": "2024-05-31"},
    )
    found = run("date-order", rows)
    assert codes(found) == [("date-order", 2, "due_date"), ("date-order", 6, "completed_on")]
    assert found[0][3] == {
        "value": "2024-05-01", "other_value": "2024-05-02", "other_field": "start_date"
    }  # fmt: skip


def test_arabic_script_wants_an_arabic_letter_where_there_are_letters() -> None:
    rows = table(
        "milestones",
        {"title_ar": "Publier"},
        {"title_ar": "نشر Publier"},
        {"title_ar": "2024 - 15"},  # no letters at all: nothing to say
        {"title_ar": ""},
        {"title_ar": "ﻻ"},  # a presentation form is Arabic too
        {"title_ar": "ÙØ´Ø±"},  # UTF-8 read as Latin-1
    )
    found = run("not-arabic-script", rows)
    assert codes(found) == [
        ("not-arabic-script", 2, "title_ar"), ("not-arabic-script", 7, "title_ar")
    ]  # fmt: skip
    assert found[0][3] == {"value": "Publier"}
    long = run("not-arabic-script", table("milestones", {"title_ar": "x" * 60}))
    assert long[0][3]["value"] == "x" * 40


@pytest.mark.parametrize(
    ("value", "kind", "flagged"),
    [
        ("1000", "integer", False), ("-3", "integer", False), ("0", "integer", False),
        ("05", "integer", True), ("+5", "integer", True), ("1_000", "integer", True),
        ("-0", "integer", True), ("1e3", "integer", True), ("Infinity", "number", True),
        ("nan", "number", True), ("0.5", "number", False), ("-0.5", "number", False),
        ("1.", "number", True), ("1.50", "number", False), ("-0", "number", True),
        ("12 000", "number", False),  # not a number at all: a type error, not ours
    ],
)  # fmt: skip
def test_canonical_numbers(value: str, kind: str, flagged: bool) -> None:
    from pipelines.checks.canonical_numbers import CANONICAL

    assert unusual(value, CANONICAL[kind]) is flagged


def test_non_canonical_numbers_are_located_in_row_then_column_order() -> None:
    rows = table(
        "workshops",
        {"round": "1", "working_groups": "03"},
        {"round": "+2", "working_groups": "3"},
        {"round": "", "working_groups": ""},
    )
    found = run("non-canonical-number", rows)
    assert codes(found) == [
        ("non-canonical-number", 2, "working_groups"), ("non-canonical-number", 3, "round")
    ]  # fmt: skip
    assert found[1][3] == {"value": "+2"}
    long = run("non-canonical-number", table("workshops", {"round": "+" + "1" * 50}))
    assert long[0][3] == {"value": "+" + "1" * 39}


def test_completion_needs_every_milestone_done_or_cancelled() -> None:
    commitments = table(
        "commitments",
        {"commitment_id": "c1", "completion": "complete"},
        {"commitment_id": "c2", "completion": "complete"},
        {"commitment_id": "c3", "completion": "substantial"},
    )
    milestones = table(
        "milestones",
        {"milestone_id": "m1", "commitment_id": "c1", "status": "complete"},
        {"milestone_id": "m2", "commitment_id": "c1", "status": "in_progress"},
        {"milestone_id": "m3", "commitment_id": "c1", "status": "not_started"},
        {"milestone_id": "m4", "commitment_id": "c2", "status": "cancelled"},
        {"milestone_id": "m5", "commitment_id": "c3", "status": "not_started"},
    )
    found = run("complete-with-open-milestones", commitments, milestones)
    assert found == [
        (
            "complete-with-open-milestones", 2, "completion",
            {"value": "c1", "count": 2, "milestones": "m2, m3"},
        )
    ]  # fmt: skip
    assert run("complete-with-open-milestones", commitments) == []


def test_completion_names_ten_open_milestones_and_counts_them_all() -> None:
    commitments = table("commitments", {"commitment_id": "c1", "completion": "complete"})
    open_ones = [{"milestone_id": f"m{i}", "commitment_id": "c1"} for i in range(12)]
    found = run("complete-with-open-milestones", commitments, table("milestones", *open_ones))
    assert found[0][3]["count"] == 12
    assert found[0][3]["milestones"] == ", ".join(f"m{i}" for i in range(10))


def test_control_characters_are_named_by_code_point() -> None:
    rows = table(
        "milestones",
        {"title_fr": "ok\tok"},  # tab, line feed, carriage return are text
        {"title_fr": "bell\x07"},
        {"title_fr": "line\nbreak\r"},
        {"title_fr": "del\x7f", "title_ar": "\x00"},
        {"title_fr": "\x1e"},
        {"title_fr": "\x08\x0e"},
    )
    found = run("control-character", rows)
    assert {code for code, *_ in found} == {"control-character"}
    assert [(row, field, p["char"]) for _, row, field, p in found] == [
        (3, "title_fr", "U+0007"),
        (5, "title_ar", "U+0000"),
        (5, "title_fr", "U+007F"),
        (6, "title_fr", "U+001E"),
        (7, "title_fr", "U+0008"),
    ]


def test_formula_like_text_is_flagged_by_its_first_character() -> None:
    assert [is_formula_like(v) for v in ("=1", "+", "-x", "@a", "\tx", "\rx")] == [True] * 6
    assert [is_formula_like(v) for v in ("", "a=1", " =1", "1-2")] == [False] * 4
    rows = table(
        "milestones",
        {"title_fr": "=HYPERLINK()"},
        {"title_fr": "a = b"},
        {"title_fr": "\tcmd", "title_ar": "@x"},
    )
    found = run("formula-injection", rows)
    assert [(row, field, p["symbol"]) for _, row, field, p in found] == [
        (2, "title_fr", "="), (4, "title_ar", "@"), (4, "title_fr", "⇥ (tab)")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ("- Publier le budget", False), ("-  نشر الميزانية", False), ("-\u00a0Former", False),
        ("– Publier", False), ("• Publier", False), ("-2+3", True), ("- 5", True),
        ("-A1", True), ("-cmd|' /C calc'!A0", True), ("- =1", True), ("-", True),
        ("- _x", True), ("=1", True), ("+ Publier", True), ("@Publier", True),
    ],
)  # fmt: skip
def test_a_list_bullet_is_text_and_a_dash_before_anything_else_a_formula(
    value: str, formula: bool
) -> None:
    assert is_formula_like(value) is formula
    assert [c for c, *_ in run("formula-injection", table("milestones", {"title_fr": value}))] == (
        ["formula-injection"] if formula else []
    )
    files = {"datapackage.json": descriptor("milestones"),
             "milestones.csv": csv_of("milestone_id,title_fr", f"m1,{value}")}  # fmt: skip
    assert bool(refusals(files)) is formula
    # The Excel downloads quote every start Excel would try, bullets included.
    quoted = value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert formula_safe(value) == ("'" + value if quoted else value)


def test_milestones_must_fall_inside_their_plan_cycle() -> None:
    plans = table(
        "action_plans", {"plan_id": "p1", "cycle_start": "2024-01-01", "cycle_end": "2025-12-31"}
    )
    commitments = table("commitments", {"commitment_id": "c1", "plan_id": "p1"},
                        {"commitment_id": "c2", "plan_id": "nowhere"})  # fmt: skip
    milestones = table(
        "milestones",
        {"commitment_id": "c1", "start_date": "2024-01-01", "due_date": "2025-12-31"},
        {"commitment_id": "c1", "start_date": "2023-12-31", "due_date": "2026-01-01"},
        {"commitment_id": "c1", "completed_on": "2026-01-01"},
        {"commitment_id": "c2", "start_date": "1999-01-01"},  # no cycle known: quiet
    )
    found = run("milestone-outside-cycle", plans, commitments, milestones)
    assert codes(found) == [
        ("milestone-outside-cycle", 3, "start_date"),
        ("milestone-outside-cycle", 3, "due_date"),
        ("milestone-outside-cycle", 4, "completed_on"),
    ]
    assert found[0][3] == {
        "value": "2023-12-31", "cycle_start": "2024-01-01", "cycle_end": "2025-12-31"
    }  # fmt: skip
    assert run("milestone-outside-cycle", plans, milestones) == []


def test_a_missing_translation_is_reported_once_per_column_with_its_count() -> None:
    rows = table(
        "milestones",
        {"title_fr": "Publier", "title_ar": ""},
        {"title_fr": "", "title_ar": ""},
        {"title_fr": "Former", "title_ar": ""},
        {"title_fr": "", "title_ar": "نشر"},
    )
    found = run("missing-translation", rows)
    assert found == [
        ("missing-translation", 2, "title_ar", {"count": 2, "other_field": "title_fr"}),
        ("missing-translation", 5, "title_fr", {"count": 1, "other_field": "title_ar"}),
    ]


@pytest.mark.parametrize(
    ("value", "scheme"),
    [("javascript:alert(1)", "javascript:"), ("FILE:///etc", "file:"), ("www.x.ma", ":"),
     (" data:x", "data:")],
)  # fmt: skip
def test_links_must_be_web_addresses(value: str, scheme: str) -> None:
    rows = table("milestones", {"evidence_url": "https://x.ma/a:b"}, {"evidence_url": value},
                 {"evidence_url": "HTTP://x.ma"}, {"evidence_url": ""})  # fmt: skip
    assert run("unsafe-url", rows) == [("unsafe-url", 3, "evidence_url", {"scheme": scheme})]


def test_commune_codes_are_known_and_the_folders_own() -> None:
    reference = frozenset({CODE, OTHER})
    rows = table(
        "action_plans",
        {"commune_code": "not a code"},  # the schema's pattern reports it
        {"commune_code": ""},
        {"commune_code": CODE},
        {"commune_code": OTHER},
        {"commune_code": "99.999.99.99"},
    )
    # A table built in memory without the code column (as the network's are) comes first.
    codeless = TableData.of_rows("workshops", ["workshop_id"], [["w1"]])
    found = run("unknown-commune", codeless, rows, commune_code=CODE, reference_codes=reference)
    assert found == [
        ("commune-mismatch", 5, "commune_code", {"value": OTHER, "expected": CODE}),
        ("unknown-commune", 6, "commune_code", {"value": "99.999.99.99", "folder_code": CODE}),
    ]
    # Without a folder code, the first plan's code is the folder's.
    found = run(
        "unknown-commune",
        table("action_plans", {"commune_code": CODE}, {"commune_code": OTHER}),
        reference_codes=reference,
    )
    assert codes(found) == [("commune-mismatch", 3, "commune_code")]
    # A folder code that is not in the reference is not suggested as a correction.
    found = run("unknown-commune", table("action_plans", {"commune_code": "99.999.99.99"}),
                commune_code="99.999.99.99", reference_codes=reference)  # fmt: skip
    assert found[0][3] == {"value": "99.999.99.99", "folder_code": ""}
    assert run("unknown-commune", table("action_plans"), reference_codes=reference) == []


def test_personal_data_is_looked_for_in_free_text_only() -> None:
    rows = table(
        "milestones",
        {"title_fr": "Appeler le 06 12 34 56 78", "milestone_id": "0612345678"},
        {"title_fr": "Budget 2024-2026 de 120000 dirhams"},
        {"title_ar": "راسلوا a.b@commune.ma"},
    )
    found = run("personal-data", rows)
    assert [(row, field) for _, row, field, _ in found] == [(2, "title_fr"), (4, "title_ar")]
    assert [p["kind"] for *_, p in found] == ["phone", "email"]
    # A phone inside a longer number is no phone; one in Persian digits is.
    rows = table("milestones", {"title_fr": "Marché n° 20612345678"},
                 {"title_ar": "اتصلوا ب ۰۶۱۲۳۴۵۶۷۸"})  # fmt: skip
    assert codes(run("personal-data", rows)) == [("personal-data", 3, "title_ar")]


# --- the egress guard ---------------------------------------------------------------------


def descriptor(*names: str) -> bytes:
    resources = [{"name": n, "schema": load(n).descriptor} for n in names]
    return canonical_json({"name": "x", "resources": resources})


def refusals(files: dict[str, bytes]) -> list[tuple[Any, ...]]:
    return [(f.file, f.row, f.field, f.params["kind"]) for f in inspect(files)]


def csv_of(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_the_guard_reads_every_text_file_by_its_kind() -> None:
    files = {
        "datapackage.json": descriptor("milestones"),
        "milestones.csv": csv_of(
            "milestone_id,title_fr,evidence_url",
            "m1,=cmd,javascript:x",
            "0612345678,Appeler 06 12 34 56 78,https://x.ma",
        ),
        "milestones.excel.csv": csv_of("milestone_id;title_fr", "m1;'=cmd"),
        "README.md": b"# x\n\nok\nwrite to a.b@commune.ma\n",
        "notes.txt": b"line\x1bone",
        "chart.svg": b"<svg>06 12 34 56 78</svg>",  # not text we read, but its name is
        "odd\x07name.png": b"",
    }
    assert refusals(files) == [
        ("milestones.csv", 2, "title_fr", "formula"),
        ("milestones.csv", 2, "evidence_url", "unsafe-url"),
        ("milestones.csv", 3, "title_fr", "phone"),
        ("README.md", 4, None, "email"),
        ("notes.txt", 1, None, "control"),
        ("odd\x07name.png", None, None, "control"),
    ]


def test_the_guard_reads_json_keys_and_values_with_their_paths() -> None:
    document = {
        "name": "x",
        "description": "Contact 06 12 34 56 78",
        "sources": [{"title": "ok"}, {"title": "file:///etc/passwd"}],
        "0612345678": "a key is ours",
        "hash": "sha256:" + "0123456789abcdef" * 4,
    }
    files = {"other.json": canonical_json(document)}
    assert refusals(files) == [
        ("other.json", None, "description", "phone"),
        ("other.json", None, "sources[1].title", "unsafe-url"),
    ]
    assert refusals({"list.json": b'["\\u0007"]'}) == [("list.json", None, "[0]", "control")]
    assert refusals({"broken.json": b"{not json"}) == []


def test_the_guard_blanks_digests_but_not_long_numbers() -> None:
    digest = "ab" * 32
    assert refusals({"a.md": f"sha256:{digest} 0612345678\n".encode()}) == [
        ("a.md", 1, None, "phone")
    ]  # fmt: skip
    assert refusals({"b.md": f"{digest}\n".encode()}) == []
    assert refusals({"a.md": b"RIB 0612345678901234567890\n"}) == [
        ("a.md", 1, None, "bank-account")
    ]  # fmt: skip
    with_digits = "0612345678" + "ab" * 27  # a digest whose first digits look like a phone
    assert refusals({"a.md": f"sha256:{with_digits}\n".encode()}) == []


def test_codes_held_in_coded_columns_are_not_personal_data_elsewhere() -> None:
    files = {
        "datapackage.json": descriptor("milestones"),
        "milestones.csv": csv_of("milestone_id,title_fr", "0612345678,Publier"),
        "CHANGELOG.md": b"- milestones: 1 row changed (0612345678)\n",
    }
    assert refusals(files) == []
    unknown = {"CHANGELOG.md": b"- 1 row changed (0612345678)\n"}
    assert refusals(unknown) == [("CHANGELOG.md", 1, None, "phone")]


def test_the_header_of_a_table_is_checked_like_its_cells() -> None:
    files = {"t.csv": csv_of("a\x07,b", "1,2")}
    assert refusals(files) == [("t.csv", 1, None, "control")]


# --- versioning -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "counted"),
    [
        ("1.0.2", True), ("0.0.0", True), ("10.20.30", True), ("123456789.0.7", True),
        ("1.0", False), ("1.0.0.0", False), ("01.0.0", False), ("1.00.0", False),
        ("1.0.x", False), ("", False), (" 1.0.0", False), ("1.0.0\n", False),
        ("../../1.0.0", False), ("1234567890.0.0", False), ("١.٠.٠", False), (7, False),
        (None, False),
    ],
)  # fmt: skip
def test_only_a_version_of_three_plain_numbers_is_counted_on(value: object, counted: bool) -> None:
    """What a portal's record says is current, edited by hand, may be anything: only
    ``X.Y.Z`` in ASCII digits, without leading zeros, says what comes next (and names a
    folder inside the dataset's)."""
    assert versioning.is_version(value) is counted


def release(tables: dict[str, dict[str, str]], fields: dict[str, str] | None = None,
            required: tuple[str, ...] = (), title: str = "T") -> Release:  # fmt: skip
    """A release whose tables have these row ids and row hashes."""
    columns = fields or {"id": "string", "n": "integer"}
    schema = {
        "fields": [
            {"name": n, "type": t, **({"constraints": {"required": True}} if n in required else {})}
            for n, t in columns.items()
        ]
    }
    made = {
        name: TableRelease(name, canonical_json(rows), len(rows), schema, rows)
        for name, rows in tables.items()
    }
    return Release("d", {"fr": title}, {}, {}, made)


def planned(old: Release, new: Release) -> versioning.Plan:
    current = versioning.Published("1.4.2", old.hashes())
    return versioning.plan(new, current, old.manifest("1.4.2"), earlier_rows(old))


def earlier_rows(old: Release) -> versioning.EarlierRows:
    """The old version's rows as a portal gives them back (its CSV, read when asked)."""

    def read(name: str) -> tuple[list[str], dict[str, list[str]]] | None:
        table = old.tables.get(name)
        return None if table is None else (table.parsed[0], table.rows_by_key)

    return read


def test_first_version_and_unchanged() -> None:
    first = versioning.plan(release({"t": {"a": "1"}}), None, None)
    assert (first.status, first.version, first.previous_version) == ("new", "1.0.0", None)
    assert first.changes["t"].added == ["a"] and first.changes["t"].new_table
    same = release({"t": {"a": "1"}})
    unchanged = planned(same, release({"t": {"a": "1"}}))
    assert (unchanged.status, unchanged.version, unchanged.changes) == ("unchanged", "1.4.2", {})


@pytest.mark.parametrize(
    ("new", "version", "bump"),
    [
        (release({"t": {"a": "1", "b": "2"}}), "1.4.3", "patch"),  # b corrected
        (release({"t": {"a": "1", "b": "1", "c": "1"}}), "1.5.0", "minor"),  # c added
        (release({"t": {"a": "1"}}), "2.0.0", "major"),  # b deleted
        (release({"t": {"a": "1", "b": "1"}, "u": {}}), "1.5.0", "minor"),  # new table
        (release({}), "2.0.0", "major"),  # table dropped
        (release({"t": {"a": "1", "b": "1"}}, {"id": "string", "n": "integer", "x": "string"}),
         "1.5.0", "minor"),
        (release({"t": {"a": "1", "b": "1"}}, {"id": "string"}), "2.0.0", "major"),
        (release({"t": {"a": "1", "b": "1"}}, {"id": "string", "n": "number"}), "2.0.0", "major"),
        (release({"t": {"a": "1", "b": "1"}}, required=("n",)), "2.0.0", "major"),
        (release({"t": {"a": "1", "b": "1"}}, title="U"), "1.4.3", "patch"),  # metadata only
    ],
)  # fmt: skip
def test_the_version_says_how_much_changed(new: Release, version: str, bump: str) -> None:
    plan = planned(release({"t": {"a": "1", "b": "1"}}), new)
    assert (plan.status, plan.version, plan.previous_version, plan.bump) == (
        "new", version, "1.4.2", bump
    )  # fmt: skip


def test_the_changes_name_rows_and_fields() -> None:
    old = release({"t": {"a": "1", "b": "1", "c": "1"}, "gone": {"z": "1"}}, required=("id",))
    new = release(
        {"t": {"a": "1", "b": "2", "d": "1"}},
        {"id": "string", "n": "number", "x": "string"},
        required=("id", "n", "x"),
    )
    plan = planned(old, new)
    assert plan.changes_dict() == {
        "gone": {"rows_added": 0, "rows_removed": 1, "rows_changed": 0, "ids_removed": ["z"],
                 "dropped_table": True},
        "t": {"rows_added": 1, "rows_removed": 1, "rows_changed": 1, "ids_added": ["d"],
              "ids_removed": ["c"], "ids_changed": ["b"], "fields_added": ["x"],
              "fields_retyped": ["n"], "fields_now_required": ["n"]},
    }  # fmt: skip
    entry = versioning.changelog_entry(plan, "2026-12-04T10:00:00+00:00")
    assert entry.splitlines()[0] == "## 2.0.0 — 2026-12-04"
    assert (
        "- `t` (major): 1 row added (d); 1 row removed (c); 1 row changed (b); "
        "fields added: x; fields retyped: n; fields now required: n" in entry
    )
    assert "- `gone` (major): 1 row removed (z); table removed" in entry


def test_long_lists_of_ids_are_cut_where_people_read_them() -> None:
    old = release({"t": {}})
    new = release({"t": {f"r{i:02d}": "1" for i in range(25)}})
    plan = planned(old, new)
    shown = plan.changes_dict()["t"]
    assert shown["rows_added"] == 25 and len(shown["ids_added"]) == 20
    entry = versioning.changelog_entry(plan, "2026-12-04")
    assert "25 rows added (r00, " in entry and "r19 …)" in entry and "r20" not in entry
    first = versioning.changelog_entry(versioning.plan(new, None, None), "2026-12-04")
    assert first.startswith("## 1.0.0 — 2026-12-04\n\nFirst published version.\n")
    meta = planned(release({"t": {}}), release({"t": {}}, title="U"))
    assert "\n- metadata (titles, description, licence or sources) updated\n" in (
        versioning.changelog_entry(meta, "2026-12-04")
    )


@pytest.mark.parametrize(
    ("level", "expected"), [("major", "4.0.0"), ("minor", "3.10.0"), ("patch", "3.9.10")]
)
def test_bump(level: versioning.Bump, expected: str) -> None:
    assert versioning.bump("3.9.9", level) == expected


def test_findings_are_plain_values() -> None:
    # What the rules above compare is what a report carries.
    finding = Finding("date-order", "t", 2, "f", "t.csv", "B", {"value": "x"})
    assert (finding.code, finding.row, finding.column) == ("date-order", 2, "B")


# --- what mutation testing showed the tests above left unsaid -------------------------------


def test_a_check_is_registered_with_its_words_tables_and_folds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines import findings

    for name in ("REGISTRY", "WHOLE", "FOLDS"):
        monkeypatch.setattr(checks, name, {})
    monkeypatch.setattr(findings, "TEMPLATES", dict(findings.TEMPLATES))
    fold = object()

    @checks.check("rule-a", "warning", "Title A", "Message {kind}", "Hint A",
                  words={"kind": {"x": "an x"}}, whole=("t",), folds={"t": fold})  # fmt: skip
    @checks.check("rule-b", "error", "Title B", "Message B", "Hint B", whole=("u",))
    def rule(ctx: Context) -> list[Finding]:
        return []

    assert {"rule-a": rule, "rule-b": rule} == checks.REGISTRY
    assert {rule: frozenset({"t", "u"})} == checks.WHOLE
    assert {(rule, "t"): fold} == checks.FOLDS
    a, b = findings.TEMPLATES["rule-a"], findings.TEMPLATES["rule-b"]
    assert (a.code, a.severity, a.title, a.message, a.hint) == (
        "rule-a", "warning", "Title A", "Message {kind}", "Hint A"
    )  # fmt: skip
    assert a.words == {"kind": {"x": "an x"}}
    assert (b.severity, b.title, b.message, b.hint) == ("error", "Title B", "Message B", "Hint B")


def test_a_finding_names_the_table_file_and_column_letter() -> None:
    rows = table("milestones", {"start_date": "2024-05-02", "due_date": "2024-05-01"})
    checks.registered()
    (finding,) = REGISTRY["date-order"](Context({"milestones": rows}))
    column = "ABCDEFGHIJK"[load("milestones").field_names.index("due_date")]
    assert (finding.table, finding.file, finding.row, finding.field, finding.column) == (
        "milestones", "milestones.csv", 2, "due_date", column
    )  # fmt: skip


def test_a_check_may_look_up_tables_it_does_not_report_on() -> None:
    commitments = table("commitments", {"commitment_id": "c1", "completion": "complete"})
    milestones = table("milestones", {"milestone_id": "m1", "commitment_id": "c1"})
    ctx = Context({"milestones": milestones}, others={"commitments": commitments})
    assert ctx.table("commitments") is commitments and ctx.table("proposals") is None
    checks.registered()
    assert len(list(REGISTRY["complete-with-open-milestones"](ctx))) == 1


def test_the_open_milestones_fold_without_commitments_says_nothing() -> None:
    from pipelines.checks.completion import OpenMilestones

    fold = OpenMilestones(Context({}))
    fold.add(table("milestones", {"milestone_id": "m1", "commitment_id": "c1"}))
    assert list(fold.findings()) == []


def test_the_guard_takes_any_descriptor_and_skips_what_is_not_a_table_schema() -> None:
    odd = canonical_json({"resources": ["x", {"name": "t"}, {"name": "u", "schema": {"x": 1}}]})
    files = {"datapackage.json": odd, "t.csv": csv_of("a", "Appeler 06 12 34 56 78")}
    assert refusals(files) == [("t.csv", 2, "a", "phone")]
    assert refusals({"datapackage.json": b"[1]", "t.csv": csv_of("a", "1")}) == []


def test_the_guard_judges_formulas_only_in_the_text_columns_of_a_table() -> None:
    files = {
        "datapackage.json": descriptor("commitments"),
        "commitments.csv": csv_of("-budget,budget_mad,title_fr", "x,-5,ok", "y,5,-1 row"),
        "-notes.md": b"- a list item\n+ another\n",
        "changes.json": canonical_json({"note": "=not a formula here", "-k": "@x"}),
    }
    assert [(f, row, field, kind) for f, row, field, kind in refusals(files)] == [
        ("commitments.csv", 3, "title_fr", "formula")
    ]
    assert all(f.code == "egress-refused" for f in inspect(files))
    assert [dict(f.params) for f in inspect(files)] == [
        {"file": "commitments.csv", "kind": "formula"}
    ]


def test_a_carriage_return_kept_inside_a_cell_is_a_formula_start() -> None:
    files = {"datapackage.json": descriptor("milestones"),
             "milestones.csv": b'milestone_id,title_fr\nm1,"\rcmd"\n'}  # fmt: skip
    assert refusals(files) == [("milestones.csv", 2, "title_fr", "formula")]


def test_excel_copies_are_read_with_their_separator_labels_and_quoted_formulas() -> None:
    files = {
        "datapackage.json": descriptor("milestones"),
        "milestones.excel.csv": csv_of(
            "milestone_id (identifiant de l'étape);title_fr (titre en français)",
            "0612345678;Appeler 06 12 34 56 78",
            "m2;=1+1",
        ),
    }
    assert refusals(files) == [
        ("milestones.excel.csv", 2, "title_fr (titre en français)", "phone")
    ]  # fmt: skip
    assert refusals({"other.excel.csv": csv_of("title_fr", "=1+1")}) == []


def test_broken_bytes_empty_files_and_short_rows_never_stop_the_guard() -> None:
    files = {
        "README.md": b"\xff\xfe ok\n",
        "t.csv": b"a,b\n\xff,1\n1\n",
        "empty.csv": b"",
        "header.csv": csv_of("-a,b", "1,2"),
    }
    assert refusals(files) == []


def test_a_free_text_cell_is_not_taken_for_a_code() -> None:
    files = {
        "datapackage.json": descriptor("milestones"),
        "milestones.csv": csv_of("milestone_id,title_fr", "m1,0612345678"),
        "README.md": b"0612345678\n",
        "changes.json": canonical_json({"ids_changed": ["0612345678"]}),
    }
    assert refusals(files) == [
        ("milestones.csv", 2, "title_fr", "phone"),
        ("README.md", 1, None, "phone"),
        ("changes.json", None, "ids_changed[0]", "phone"),
    ]
    coded = {**files, "milestones.csv": csv_of("milestone_id,title_fr", "0612345678,ok")}
    assert refusals(coded) == []


def test_json_keys_are_checked_for_what_would_run() -> None:
    files = {"x.json": canonical_json({"javascript:alert(1)": 1, "a": {"b\x07": 2}})}
    assert refusals(files) == [
        ("x.json", None, "a.b\x07", "control"),
        ("x.json", None, "javascript:alert(1)", "unsafe-url"),
    ]


def test_a_manifest_without_what_newer_ones_hold_still_plans() -> None:
    new = release({"t": {"a": "1", "b": "1"}, "u": {"z": "1"}})
    current = versioning.Published("1.0.0", {"metadata": "old"})
    nothing = versioning.plan(new, current, None)  # the manifest could not be read
    assert nothing.changes_dict()["t"] == {
        "rows_added": 2, "rows_removed": 0, "rows_changed": 0, "ids_added": ["a", "b"],
        "new_table": True,
    }  # fmt: skip
    assert nothing.changes_dict()["metadata"] == {"changed": True}
    assert nothing.version == "1.1.0"
    sparse = {"tables": {"t": {}, "gone": {}}}
    plan = versioning.plan(new, current, sparse)
    assert plan.changes["t"].added == ["a", "b"]
    assert plan.changes["t"].fields_added == ["id", "n"]
    assert plan.changes["gone"].dropped_table and plan.changes["gone"].removed == []
    untyped = release({"t": {"a": "1"}}, {"id": ""})
    untyped.tables["t"].schema["fields"][0].pop("type")
    typed = {"tables": {"t": {"row_index": {"a": "1"}, "fields": {"id": "string"}}}}
    assert versioning.plan(untyped, current, typed).changes["t"].fields_retyped == []


def test_a_new_table_listed_first_does_not_hide_the_others() -> None:
    old = release({"t": {"a": "1"}})
    new = release({"a_new": {"x": "1"}, "t": {"a": "2"}})
    plan = planned(old, new)
    assert plan.changes["t"].changed == ["a"]
    entry = versioning.changelog_entry(plan, "2026-12-04")
    assert "- `a_new` (minor): 1 row added (x); new table" in entry
    assert "- `t` (patch): 1 row changed (a)" in entry


def test_a_table_without_changes_is_left_out_of_the_changelog_not_the_ones_after() -> None:
    old = release({"a": {"x": "1"}, "b": {"y": "1"}})
    entry = versioning.changelog_entry(
        planned(old, release({"a": {"x": "1"}, "b": {"y": "2"}})), "2026-12-04"
    )
    assert "`a`" not in entry
    assert "- `b` (patch): 1 row changed (y)" in entry
    wider = release({"b": {"y": "1"}}, {"id": "string", "n": "integer", "p": "string",
                                        "q": "string"})  # fmt: skip
    entry = versioning.changelog_entry(planned(release({"b": {"y": "1"}}), wider), "2026-12-04")
    assert "- `b` (minor): fields added: p, q" in entry


def test_twenty_ids_are_all_shown_without_an_ellipsis() -> None:
    plan = planned(release({"t": {}}), release({"t": {f"r{i:02d}": "1" for i in range(20)}}))
    entry = versioning.changelog_entry(plan, "2026-12-04")
    assert "r19)" in entry and "…" not in entry
    same = planned(release({"t": {"a": "1"}}), release({"t": {"a": "1"}}))
    assert same.previous_version == "1.4.2"


def test_a_schema_change_no_reader_sees_is_still_a_patch() -> None:
    new = release({"t": {"a": "1"}})
    current = versioning.Published("1.4.2", {**new.hashes(), "schema:t": "an older wording"})
    plan = versioning.plan(new, current, new.manifest("1.4.2"))
    assert (plan.status, plan.bump, plan.version) == ("new", None, "1.4.3")
    with pytest.raises(ValueError):
        versioning.bump("1.0.0", "PATCH")  # type: ignore[arg-type]


def test_run_all_runs_every_registered_rule_but_the_skipped() -> None:
    rows = table("milestones", {"start_date": "2024-05-02", "due_date": "2024-05-01",
                                "title_fr": "=x"})  # fmt: skip
    ctx = Context({"milestones": rows})
    assert {f.code for f in checks.run_all(ctx)} >= {"date-order", "formula-injection"}
    skipped = {f.code for f in checks.run_all(ctx, skip=[REGISTRY["date-order"]])}
    assert "date-order" not in skipped and "formula-injection" in skipped


def test_a_title_in_one_language_is_enough_and_none_is_an_error() -> None:
    rows = table(
        "commitments",
        {"title_fr": "Publier", "description_ar": "نشر"},
        {"title_ar": "نشر", "description_fr": "Publier"},
        {"description_fr": "Publier", "title_ar": " "},
        {"title_fr": "Publier"},
    )
    found = run("missing-both-languages", rows)
    assert found == [
        ("missing-both-languages", 4, "title_ar", {"other_field": "title_fr"}),
        ("missing-both-languages", 5, "description_ar", {"other_field": "description_fr"}),
    ]
    assert run("missing-both-languages", table("workshops", {})) == []


def test_a_complete_milestone_without_its_date_is_a_note() -> None:
    rows = table(
        "milestones",
        {"status": "complete", "completed_on": "2024-05-01"},
        {"status": "complete"},
        {"status": "in_progress"},
        {"status": "complete", "completed_on": " "},
    )
    assert run("complete-without-date", rows) == [
        ("complete-without-date", 3, "completed_on", {}),
        ("complete-without-date", 5, "completed_on", {}),
    ]
    assert run("complete-without-date", table("commitments")) == []


# --- real programmes: reduced dates, the member's own status, IRM ratings ------------------


def test_reduced_dates_are_the_intervals_they_mean() -> None:
    from pipelines.checks import last_date

    spans = {
        "2024": ("2024-01-01", "2024-12-31"),
        "2024-02": ("2024-02-01", "2024-02-29"),
        "2023-02": ("2023-02-01", "2023-02-28"),
        "2024-Q1": ("2024-01-01", "2024-03-31"),
        "2024-Q4": ("2024-10-01", "2024-12-31"),
        "2024-S1": ("2024-01-01", "2024-06-30"),
        "2024-S2": ("2024-07-01", "2024-12-31"),
        "2024-04-15": ("2024-04-15", "2024-04-15"),
    }
    for value, (first, last) in spans.items():
        assert str(parse_date(value)) == first and str(last_date(value)) == last, value
    for value in ("2024-S3", "2024-Q5", "2024-13", "2024-00", "24", "2024-S", "S2 2024"):
        assert parse_date(value) is None and last_date(value) is None, value


def test_date_order_compares_intervals() -> None:
    rows = table(
        "milestones",
        {"start_date": "2025", "due_date": "2025-03"},  # the year may mean its first months
        {"start_date": "2025-03", "due_date": "2025"},
        {"start_date": "2025-06", "due_date": "2025-Q1"},  # wholly before: wrong
        {"start_date": "2025-06-15", "due_date": "2025-06"},  # same month: fine
        {"start_date": "2025-07-01", "due_date": "2025-06"},
    )
    assert codes(run("date-order", rows)) == [
        ("date-order", 4, "due_date"),
        ("date-order", 6, "due_date"),
    ]


def test_a_reduced_date_is_outside_the_cycle_only_when_none_of_it_is_inside() -> None:
    plans = table("action_plans", {"plan_id": "p", "cycle_start": "2024-04-15",
                                    "cycle_end": "2026-04-14"})  # fmt: skip
    commitments = table("commitments", {"commitment_id": "c", "plan_id": "p"})
    milestones = table(
        "milestones",
        {"commitment_id": "c", "due_date": "2026-04"},  # overlaps the last days
        {"commitment_id": "c", "due_date": "2024"},  # overlaps the first days
        {"commitment_id": "c", "due_date": "2026-S2"},  # after the end
        {"commitment_id": "c", "due_date": "2024-Q1"},  # before the start
        {"commitment_id": "c", "due_date": "2026-04-14"},
        {"commitment_id": "c", "due_date": "2026-04-15"},
    )
    found = run("milestone-outside-cycle", plans, commitments, milestones)
    assert codes(found) == [
        ("milestone-outside-cycle", 4, "due_date"),
        ("milestone-outside-cycle", 5, "due_date"),
        ("milestone-outside-cycle", 7, "due_date"),
    ]
    assert found[0][3]["cycle_end"] == "2026-04-14"
    plans_by_year = table("action_plans", {"plan_id": "p", "cycle_start": "2024",
                                           "cycle_end": "2025"})  # fmt: skip
    inside = table("milestones", {"commitment_id": "c", "due_date": "2025-12-31"})
    assert run("milestone-outside-cycle", plans_by_year, commitments, inside) == []


def test_only_the_members_own_claim_of_completion_needs_closed_milestones() -> None:
    commitments = table(
        "commitments",
        {"commitment_id": "c1", "implementation_status": "done"},
        {"commitment_id": "c2", "completion": "complete", "assessed_by": "irm"},
        {"commitment_id": "c3", "completion": "complete", "assessed_by": "civil_society"},
        {"commitment_id": "c4", "completion": "complete", "assessed_by": "self_assessment"},
        {"commitment_id": "c5", "completion": "complete"},
        {"commitment_id": "c6", "implementation_status": "in_progress", "completion": "limited"},
    )
    milestones = table(
        "milestones",
        *({"milestone_id": f"m{i}", "commitment_id": f"c{i}", "status": "in_progress"}
          for i in range(1, 7)),
    )  # fmt: skip
    found = run("complete-with-open-milestones", commitments, milestones)
    assert codes(found) == [
        ("complete-with-open-milestones", 2, "implementation_status"),
        ("complete-with-open-milestones", 5, "completion"),
        ("complete-with-open-milestones", 6, "completion"),
    ]


def test_a_rating_without_its_assessor_is_one_note_per_column() -> None:
    rows = table(
        "commitments",
        {"completion": "limited"},
        {"completion": "complete", "assessed_by": "irm"},
        {"completion": "substantial", "did_it_open_government": "major"},
        {"irm_verifiable": "yes", "assessed_by": "irm"},
        {"implementation_status": "done"},
    )
    assert run("assessor-missing", rows) == [
        ("assessor-missing", 2, "completion", {"count": 2}),
        ("assessor-missing", 4, "did_it_open_government", {"count": 1}),
    ]
    assert run("assessor-missing", table("milestones", {})) == []


def test_a_reduced_date_field_holding_no_date_is_an_error() -> None:
    rows = table(
        "milestones",
        {"due_date": "2024-02-30"},
        {"due_date": "2024-S2"},
        {"due_date": "demain"},
        {"due_date": "9/1/2018"},  # two readings: reported when read, not twice
        {"due_date": ""},
        {"due_date": "2024", "completed_on": "2024-13"},
    )
    assert run("invalid-date", rows) == [
        ("invalid-date", 2, "due_date", {"value": "2024-02-30"}),
        ("invalid-date", 4, "due_date", {"value": "demain"}),
        ("invalid-date", 7, "completed_on", {"value": "2024-13"}),
    ]
    assert run("invalid-date", table("workshops", {"date": "demain"})) == []


def test_english_stands_in_for_the_missing_side_of_a_translation() -> None:
    rows = table(
        "commitments",
        {"title_en": "Open data"},
        {"title_en": "Open budget", "title_fr": "Budget ouvert"},
        {"title_ar": "نشر"},
    )
    found = run("missing-translation", rows)
    assert found == [
        ("missing-translation", 2, "title_ar", {"count": 2, "other_field": "title_en"}),
        ("missing-translation", 2, "title_fr", {"count": 2, "other_field": "title_en"}),
    ]
    french = run("missing-translation", table("commitments", {"title_fr": "x", "title_en": "y"}))
    assert french == [
        ("missing-translation", 2, "title_ar", {"count": 1, "other_field": "title_fr"})
    ]
    both = run("missing-both-languages", table("commitments", {"description_en": "x"}))
    assert both == [("missing-both-languages", 2, "title_ar", {"other_field": "title_fr"})]


# --- versions: field by field, in three languages ---------------------------------------


def csv_release(
    rows: list[list[str]], title: str = "T", sources: list[Any] | None = None
) -> Release:
    """A release of one table ``t`` (columns id, a, b) with real CSV bytes."""
    import csv as csv_module
    import io

    from pipelines.release import row_index

    schema = {"fields": [{"name": n, "type": "string"} for n in ("id", "a", "b")],
              "primaryKey": ["id"]}  # fmt: skip
    buffer = io.StringIO(newline="")
    csv_module.writer(buffer, lineterminator="\n").writerows([["id", "a", "b"], *rows])
    data = buffer.getvalue().encode()
    made = TableRelease("t", data, len(rows), schema, row_index(rows, ["id", "a", "b"], ["id"]))
    metadata = {"sources": sources or [], "x-data-status": {"reported": len(rows)}}
    return Release("d", {"fr": title}, {}, metadata, {"t": made})


def test_changed_rows_are_told_field_by_field_in_three_languages() -> None:
    old = csv_release([["r1", "limited", "x"], ["r2", "", "y"], ["r3", "a", "b"]])
    new = csv_release([["r1", "substantial", "x"], ["r2", "`x` " + "y" * 70, "y"],
                       ["r3", "a", "b"], ["r4", "n", "n"]])  # fmt: skip
    plan = planned(old, new)
    change = plan.changes["t"]
    assert change.field_changes == [
        ("r1", "a", "limited", "substantial"),
        ("r2", "a", "", "`x` " + "y" * 70),
    ]
    assert plan.changes_dict()["t"]["fields_changed"][0] == {
        "id": "r1", "field": "a", "old": "limited", "new": "substantial",
    }  # fmt: skip
    entry = versioning.changelog_entry(plan, "2026-12-05")
    assert entry.count("  - r1 a: `limited` → `substantial`") == 3
    assert "  - r2 a: (empty) → `'x' " + "y" * 56 + "…`" in entry
    assert "(vide)" in entry and "(فارغ)" in entry
    assert "### En français" in entry and "### بالعربية" in entry
    assert "1 ligne ajoutée (r4)" in entry and "2 lignes modifiées (r1, r2)" in entry
    # Row counts by data status moved: no "metadata updated" for that.
    assert not plan.about_changed and plan.metadata_changed
    assert "metadata" not in entry and "notes on the data" not in entry


def test_metadata_updated_only_for_titles_descriptions_licence_or_sources() -> None:
    rows = [["r1", "a", "b"]]
    retitled = planned(csv_release(rows), csv_release(rows, title="U"))
    assert retitled.about_changed
    assert "\n- metadata (titles, description, licence or sources) updated\n" in (
        versioning.changelog_entry(retitled, "2026-12-05")
    )
    sourced = planned(csv_release(rows), csv_release(rows, sources=[{"path": "https://x.ma"}]))
    assert sourced.about_changed
    other = csv_release(rows)
    other.metadata["x-facts"] = {"reported": ["a fact"]}
    noted = planned(csv_release(rows), other)
    assert noted.metadata_changed and not noted.about_changed
    entry = versioning.changelog_entry(noted, "2026-12-05")
    assert "- notes on the data updated (facts, coverage)" in entry
    assert "metadata (titles" not in entry
    # A manifest from before "about" was kept: any metadata change is news.
    old = csv_release(rows)
    manifest = old.manifest("1.4.2")
    del manifest["about"]
    legacy = versioning.plan(other, versioning.Published("1.4.2", old.hashes()), manifest)
    assert legacy.about_changed
    assert versioning.plan(csv_release(rows), None, None).changes["t"].field_changes == []


def test_the_guard_never_glues_digits_across_a_blanked_code() -> None:
    """The manifest keeps each row's text; judged without the codes the tables hold, a
    year that is a code ("2016", an assessment year) once left two dates of OGP's text
    glued into "06/01/ 28/02/ 56", a phone number. Found importing OGP's real sheet."""
    import json

    schema = {"fields": [{"name": "year", "type": "string",
                          "constraints": {"pattern": "^[0-9]{4}$"}},
                         {"name": "text", "type": "string"}]}  # fmt: skip
    text = "Foros 06/01/2016 28/02/2016 56 beta"
    files = {
        "datapackage.json": json.dumps({"resources": [{"name": "c", "schema": schema}]}).encode(),
        "c.csv": f"year,text\n2016,{text}\n".encode(),
        "manifest.json": json.dumps({"values": {"c1": ["2016", text]}}).encode(),
    }
    assert inspect(files) == []
    files["manifest.json"] = json.dumps({"values": {"c1": ["2016", "tél. 0612345678"]}}).encode()
    assert [f.file for f in inspect(files)] == ["manifest.json"]  # a phone is still one


def test_field_changes_survive_old_manifests_and_new_columns() -> None:
    old = csv_release([["r1", "a", "b"], ["r2", "a", "b"]])
    manifest = old.manifest("1.4.2")
    # A previous version that had one column fewer: only the shared fields compare.
    manifest["tables"]["t"]["header"] = ["id", "a"]
    manifest["tables"]["t"]["values"] = {"r2": ["r2", "z"]}  # r1's row unknown
    new = csv_release([["r1", "c", "b"], ["r2", "y", "b"]])
    current = versioning.Published("1.4.2", old.hashes())
    plan = versioning.plan(new, current, manifest)
    assert plan.changes["t"].changed == ["r1", "r2"]
    assert plan.changes["t"].field_changes == [("r2", "a", "z", "y")]
    del manifest["tables"]["t"]["header"]
    assert versioning.plan(new, current, manifest).changes["t"].field_changes == []


def test_old_rows_are_read_only_for_tables_whose_rows_changed() -> None:
    """A format-2 manifest keeps hashes only: the version before is read (its CSV,
    a download) for a table whose rows changed, never for one that only grew, nor when
    a format-1 manifest still holds the rows."""
    old = csv_release([["r1", "a", "b"], ["r2", "a", "b"]])
    manifest = old.manifest("1.4.2")
    assert manifest["format"] == 2 and manifest["tables"]["t"]["primary_key"] == ["id"]
    assert not {"values", "header"} & set(manifest["tables"]["t"])
    asked: list[str] = []

    def read(name: str) -> tuple[list[str], dict[str, list[str]]] | None:
        asked.append(name)
        return earlier_rows(old)(name)

    current = versioning.Published("1.4.2", old.hashes())
    grown = csv_release([["r1", "a", "b"], ["r2", "a", "b"], ["r3", "a", "b"]])
    assert versioning.plan(grown, current, manifest, read).changes["t"].added == ["r3"]
    assert asked == []
    changed = csv_release([["r1", "a", "b"], ["r2", "z", "b"]])
    plan = versioning.plan(changed, current, manifest, read)
    assert plan.changes["t"].field_changes == [("r2", "a", "a", "z")] and asked == ["t"]
    # Unreadable: the rows that changed are still told, not how.
    unreadable = versioning.plan(changed, current, manifest, lambda name: None)
    assert unreadable.changes["t"].changed == ["r2"]
    assert unreadable.changes["t"].field_changes == []
    # A format-1 manifest kept the rows: they are used, nothing is read.
    manifest["tables"]["t"] |= {"header": ["id", "a", "b"], "values": {"r2": ["r2", "y", "b"]}}
    legacy = versioning.plan(changed, current, manifest, read)
    assert legacy.changes["t"].field_changes == [("r2", "a", "y", "z")] and asked == ["t"]


def test_the_changelog_shows_fifty_field_changes_then_counts_the_rest() -> None:
    rows = [[f"r{i:02d}", "old", "b"] for i in range(51)]
    old, new = csv_release(rows), csv_release([[r[0], "new", "b"] for r in rows])
    entry = versioning.changelog_entry(planned(old, new), "2026-12-05")
    english = entry.split("\n### ")[0]
    assert english.count(": `old` → `new`") == 50
    assert "  - … and 1 more changes\n" in english
    assert "  - … et 1 autres modifications" in entry
    fifty = versioning.changelog_entry(planned(csv_release(rows[:50]), csv_release(
        [[r[0], "new", "b"] for r in rows[:50]])), "2026-12-05")  # fmt: skip
    assert "more changes" not in fifty


def test_a_changelog_entry_is_laid_out_for_readers() -> None:
    old = csv_release([["r1", "x" * 60, "b"]])
    new = csv_release([["r1", "y" * 61, "b"]])
    entry = versioning.changelog_entry(planned(old, new), "2026-12-05T10:00:00+00:00")
    assert entry.startswith(
        "## 1.4.3 — 2026-12-05\n\n- `t` (patch): 1 row changed (r1)\n"
        f"  - r1 a: `{'x' * 60}` → `{'y' * 60}…`\n\n### En français\n\n- `t` (correctif) : "
    )
    assert entry.endswith(f"  - r1 a: `{'x' * 60}` → `{'y' * 60}…`\n")
    assert "\n\n### بالعربية\n\n- `t` (تصحيحية): " in entry


def test_an_invalid_date_is_quoted_short() -> None:
    value = "2024-" + "x" * 60
    found = run("invalid-date", table("milestones", {"due_date": value}))
    assert found == [("invalid-date", 2, "due_date", {"value": value[:40]})]


def coded_package(*tables: str) -> bytes:
    import json

    schema = {"fields": [{"name": "code", "type": "string",
                          "constraints": {"pattern": "^[a-z0-9-]+$"}},
                         {"name": "note", "type": "string"}]}  # fmt: skip
    return json.dumps({"resources": [{"name": t, "schema": schema} for t in tables]}).encode()


def test_a_vouched_tables_identifiers_still_excuse_their_mentions() -> None:
    """A table read by name only (passed by this guard in the version before) still
    gives its identifiers, from its CSV, or from its Excel copy when the CSV is not
    among the files (the copy is made from the table: read with it, it adds nothing);
    every table's count."""
    excel_header = "\ufeffnote (Note);code (Identifiant du jalon)"
    files = {
        "datapackage.json": coded_package("a", "m"),
        "a.csv": b"code,note\nc050811521-1-a1,x\n",
        "m.csv": b"note,code\ny,c050811521-1-m1\nshort row\n",
        "m.excel.csv": f"{excel_header}\ny;c050811521-1-m1\n".encode(),
        "CHANGES.md": b"- c050811521-1-a1 and c050811521-1-m1 changed\n",
        "0-kept.md": b"0612345678\n",  # vouched: not read, and the files after it are
        "README.md": b"call 0612345678\n",
    }
    files["e.csv"] = b""  # an empty table, vouched too
    vouched = {"m.csv", "m.excel.csv", "0-kept.md", "e.csv"}
    assert refusals_of(files, vouched) == [("README.md", 1, None, "phone")]
    files["README.md"] = b"ok\n"
    assert refusals_of(files, vouched) == []
    alone = {name: data for name, data in files.items() if name != "m.csv"}
    assert refusals_of(alone, vouched) == []  # the Excel copy's identifiers
    alone["m.excel.csv"] = f"{excel_header}\ny;other\n".encode()
    assert refusals_of(alone, vouched) == [("CHANGES.md", 1, None, "phone")]  # the id is gone
    files["m.excel.csv"] = f"{excel_header}\ny;c050811521-2-m1\n".encode()
    files["CHANGES.md"] = b"- c050811521-2-m1 changed\n"  # only in a copy read with its table
    assert refusals_of(files, vouched) == [("CHANGES.md", 1, None, "phone")]
    files["06 12 34 56 78.md"] = b"ok\n"  # a name is read whole, as the steward's text
    assert ("06 12 34 56 78.md", None, None, "phone") in refusals_of(files, vouched)


def test_a_vouched_table_teaches_its_identifiers_however_its_text_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table passed in the version before is read for its identifiers only, by
    pandas' parser (its coded columns only): what it teaches is what reading it cell by
    cell teaches. Our own tables (a cell over two lines, a byte-order mark, quotes,
    empty cells, codes of digits or "NA", an undecodable byte, an Excel copy with its
    titled header) take the parser; a repeated column, a later row longer than its
    header or an empty file fall back to reading cell by cell."""
    from pipelines import guard
    from pipelines.schemas import TableSchema

    schema = TableSchema("m", {"fields": [
        {"name": "code", "type": "string", "constraints": {"pattern": "^[a-z0-9-]+$"}},
        {"name": "ref", "type": "string", "constraints": {"pattern": "^[0-9]+$"}},
        {"name": "title_fr", "type": "string"}]})  # fmt: skip
    coded = guard._coded(schema)
    assert coded == {"code", "ref"}
    ours = {
        b"code,ref,title_fr\nc-1,0012,Titre\nc-2,NA,x\n": (False, {"c-1", "c-2", "0012", "NA"}),
        b'\xef\xbb\xbfcode,title_fr\n"c-1","deux\nlignes, et ""guillemets"""\n,vide\nc-2,x\n': (
            False, {"c-1", "c-2"}),
        b"code,title_fr\nc-1,Titre,en trop\nc-2\n": (False, {"c-1", "c-2"}),
        b"title_fr,code\nTitre\n": (False, set()),
        b"code,title_fr\r\nc-1,Titre\r\nc-\xff,x\r\n": (False, {"c-1", "c-\ufffd"}),
        "\ufeffcode (Identifiant du jalon);title_fr (Titre)\r\n'=c-3;a,b\r\nc-4;x\r\n".encode(): (
            True, {"'=c-3", "c-4"}),
        "\ufefftitle_fr (Titre);ref (Référence)\r\na,b;0012\r\nx;0013\r\n".encode(): (
            True, {"0012", "0013"}),
        b"title_fr,ref\nx,0012\ny,13\n": (False, {"0012", "13"}),
    }  # fmt: skip
    awkward = {
        b"code,title_fr,code\nc-1,Titre,c-2\n": (False, {"c-1", "c-2"}),
        b"code,title_fr\nc-1,Titre\nc-2,Titre,en trop\n": (False, {"c-1", "c-2"}),
        b'code,title_fr\nc-1,x\n"c-2,y\n': (False, {"c-1", "c-2,y\n"}),
        b"title_fr;code;code\r\nx;c-1;c-2\r\n": (True, {"c-1", "c-2"}),
        b"": (False, set()),
    }
    for text, (excel, expected) in ours.items():
        assert guard._codes_by_cell(text, coded, excel) == expected, text
    for text, (excel, expected) in awkward.items():
        assert guard._codes_by_cell(text, coded, excel) == expected, text
        assert guard._codes(text, schema, excel) == expected, text
    assert guard._codes(b"code,title_fr\nc-1,x\n", None, excel=False) == set()
    assert guard._coded_in_header(b"code,ref,code,title_fr\nx\n", coded, excel=False) == 3

    def by_cell(*args: Any) -> set[str]:
        raise AssertionError("read cell by cell")

    monkeypatch.setattr(guard, "_codes_by_cell", by_cell)
    for text, (excel, expected) in ours.items():
        assert guard._codes(text, schema, excel) == expected, text


def test_a_kept_tables_row_index_is_read_with_its_table_only() -> None:
    """The manifest's row index of a table kept from the version before (vouched) is
    what the manifest the guard passed then carried: not read again. Another table's,
    or the same table's when it is not kept, is read whole; so is the rest."""
    manifest = {"note": "\x1b", "tables": {
        "m": {"rows": "\x1b", "row_index": {"c-1\x1b": "0123456789abcdef"}},
        "n": {"rows": 1, "row_index": {"n-1\x1b": "0123456789abcdef"}},
        "o": "\x1b",
    }}  # fmt: skip
    files = {"manifest.json": json.dumps(manifest).encode()}
    everything = [
        ("manifest.json", None, "note", "control"),
        ("manifest.json", None, "tables.m.rows", "control"),
        ("manifest.json", None, "tables.m.row_index.c-1\x1b", "control"),
        ("manifest.json", None, "tables.n.row_index.n-1\x1b", "control"),
        ("manifest.json", None, "tables.o", "control"),
    ]
    assert refusals_of(files, set()) == everything
    assert refusals_of(files, {"m.csv"}) == everything[:2] + everything[3:]
    assert refusals_of(files, {"m.excel.csv", "n.xlsx", "o.csv"}) == everything
    other = {"other.json": files["manifest.json"]}  # only the manifest has a row index
    assert len(refusals_of(other, {"m.csv"})) == len(everything)
    flat = {"manifest.json": json.dumps({"tables": ["m"], "x": "\x1b"}).encode()}
    assert len(refusals_of(flat, {"m.csv"})) == 1


PHONE_TEXT = "06 12 34 56 78"


def test_read_in_two_parts_it_finds_what_one_reading_finds() -> None:
    """``publishing`` lets the guard read a version while its large workbooks are made,
    then the manifest that records their hashes: what the tables taught (their ids
    excuse a changelog or a manifest naming them) serves the later part, and the
    findings are those, in the order, of one reading of every file."""
    from pipelines import guard

    schema = {"fields": [{"name": "milestone_id", "type": "string",
                          "constraints": {"pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"}},
                         {"name": "title_fr", "type": "string"}]}  # fmt: skip
    files = {
        "datapackage.json": json.dumps({"resources": [{"name": "m", "schema": schema}],
                                        "description": f"Contact {PHONE_TEXT}"}).encode(),
        "m.csv": f"milestone_id,title_fr\nc050811521-1-m1,Appeler le {PHONE_TEXT}\n".encode(),
        "CHANGES.md": b"- 1 row changed (c050811521-1-m1)\n",
        "manifest.json": json.dumps({"changed": ["c050811521-1-m1"],
                                     "note": "javascript:alert(1)",
                                     "contact": PHONE_TEXT}).encode(),
        "m.xlsx": b"PK",
    }  # fmt: skip
    whole = inspect(files)
    assert [(f.file, f.field) for f in whole] == [
        ("m.csv", "title_fr"), ("datapackage.json", "description"),
        ("manifest.json", "note"), ("manifest.json", "contact"),
    ]  # fmt: skip
    inspection = guard.Inspection()
    inspection.read({n: d for n, d in files.items() if n not in ("manifest.json", "m.xlsx")})
    assert inspection.unread(files).keys() == {"manifest.json", "m.xlsx"}
    inspection.read(inspection.unread(files))
    assert inspection.findings() == whole
    # A table that comes late (whatever made the files) has everything read again.
    late = guard.Inspection()
    late.read({"manifest.json": files["manifest.json"], "CHANGES.md": files["CHANGES.md"]})
    late.read({n: d for n, d in files.items() if n not in ("manifest.json", "CHANGES.md")})
    assert late.findings() == whole


def refusals_of(files: dict[str, bytes], vouched: set[str]) -> list[tuple[Any, ...]]:
    return [(f.file, f.row, f.field, f.params["kind"]) for f in inspect(files, vouched)]


def test_an_identifier_excuses_a_text_from_the_personal_data_check_only() -> None:
    files = {
        "datapackage.json": coded_package("m"),
        "m.csv": b"code,note\njavascript,x\nc050811521-1-m1,y\n",
        "CHANGES.md": b"- see javascript:alert(1)\n- c050811521-1-m1\x1b changed\n",
    }
    assert refusals(files) == [
        ("CHANGES.md", 1, None, "unsafe-url"), ("CHANGES.md", 2, None, "control")
    ]  # fmt: skip


def test_the_manifests_row_hashes_are_ours_and_its_values_are_not() -> None:
    import json

    key = "commune|08.201.03.03|completion_not_started|"
    manifest = {"tables": {"t": {"row_index": {key: "0049576561159714"}, "values": {key: ["x"]}}}}
    assert refusals({"manifest.json": json.dumps(manifest).encode()}) == []
    assert refusals({"other.json": json.dumps(manifest).encode()}) == [
        ("other.json", None, f"tables.t.row_index.{key}", "phone")
    ]  # fmt: skip
    manifest["tables"]["t"]["values"][key] = ["0049576561159714"]
    assert refusals({"manifest.json": json.dumps(manifest).encode()}) == [
        ("manifest.json", None, f"tables.t.values.{key}[0]", "phone")
    ]  # fmt: skip


def test_the_guard_judges_each_text_once_however_often_it_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A network release repeats its values (a cell in its table, its Excel copy and the
    manifest): judging each once made the guard read it twice as fast."""
    from pipelines import guard

    judged: list[str] = []
    real = guard._kinds
    monkeypatch.setattr(guard, "_kinds", lambda text, *a: judged.append(text) or real(text, *a))
    files = {
        "datapackage.json": coded_package("m"),
        "m.csv": b"code,note\n" + b"c1,same note\n" * 50,
        "README.md": b"same line\n" * 20 + b"call 0612345678\n" * 3,
    }
    found = refusals(files)
    assert found == [("README.md", n, None, "phone") for n in (21, 22, 23)]
    for text in ("c1", "same note", "same line", "call 0612345678"):
        assert judged.count(text) == 1, text
