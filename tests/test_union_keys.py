"""The network's keys judged with pandas give frictionless's errors exactly: the same
types, rows, notes and cells, in the same order, on random unions with repeated keys,
empty keys, missing targets and empty tables; a key pandas cannot judge as frictionless
would is left to frictionless."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import engine, union_keys
from pipelines.engine import Job

CODES = ["", "01.001", "01.002"]
IDS = ["", "a", "b", "c"]


def schemas(unique: bool) -> dict[str, dict[str, Any]]:
    """Shaped as the network's: every key starts with the member's commune code."""
    plans = {
        "fields": [
            {"name": "commune_code", "type": "string"},
            {"name": "plan_id", "type": "string"},
            {"name": "title", "type": "string",
             **({"constraints": {"unique": True}} if unique else {})},
        ],
        "primaryKey": ["commune_code", "plan_id"],
        "missingValues": [""],
    }  # fmt: skip
    commitments = {
        "fields": [
            {"name": "commune_code", "type": "string"},
            {"name": "commitment_id", "type": "string"},
            {"name": "plan_id", "type": "string"},
        ],
        "primaryKey": ["commune_code", "commitment_id"],
        "foreignKeys": [
            {"fields": ["commune_code", "plan_id"],
             "reference": {"resource": "plans", "fields": ["commune_code", "plan_id"]}},
        ],
        "missingValues": [""],
    }  # fmt: skip
    return {"plans": plans, "commitments": commitments}


cell = st.sampled_from


@st.composite
def unions(draw: st.DrawFn) -> list[Job]:
    unique = draw(st.booleans())
    described = schemas(unique)
    plans = draw(
        st.lists(st.tuples(cell(CODES), cell(IDS), cell(["", "T1", "T2", "T3"])), max_size=12)
    )
    commitments = draw(
        st.lists(st.tuples(cell(CODES), cell(["", "c1", "c2", "c3"]), cell(IDS)), max_size=12)
    )
    return [
        Job("plans", described["plans"], ["commune_code", "plan_id", "title"],
            [list(r) for r in plans]),
        Job("commitments", described["commitments"], ["commune_code", "commitment_id", "plan_id"],
            [list(r) for r in commitments]),
    ]  # fmt: skip


def by_frictionless(jobs: list[Job]) -> dict[str, list[engine.Error]]:
    """What ``engine.validate_union`` asked frictionless for: the keys' projections."""
    names = {j.name for j in jobs}
    return engine._whole([engine._keys_only(j) for j in jobs], names)


@settings(max_examples=300, deadline=None)
@given(unions())
def test_pandas_finds_the_key_errors_frictionless_finds(jobs: list[Job]) -> None:
    names = {j.name for j in jobs}
    assert union_keys.judged_here(jobs, names)
    assert union_keys.key_errors(jobs, names) == by_frictionless(jobs)


def test_a_repeat_names_the_previous_row_and_a_missing_target_its_values() -> None:
    plans = [["01.001", "a", "T1"], ["01.001", "a", "T2"], ["01.001", "a", "T1"], ["", "", ""]]
    commitments = [["01.001", "c1", "a"], ["01.002", "c2", "a"], ["01.002", "c3", ""]]
    described = schemas(unique=True)
    jobs = [
        Job("plans", described["plans"], ["commune_code", "plan_id", "title"], plans),
        Job("commitments", described["commitments"],
            ["commune_code", "commitment_id", "plan_id"], commitments),
    ]  # fmt: skip
    found = union_keys.key_errors(jobs, {"plans", "commitments"})
    assert found == by_frictionless(jobs)
    assert [(e.type, e.row_number, e.note) for e in found["plans"]] == [
        ("primary-key", 3, "the same as in the row at position 2"),
        ("unique-error", 4, "the same as in the row at position 2"),
        ("primary-key", 4, "the same as in the row at position 3"),
        ("primary-key", 5, 'cells composing the primary keys are all "None"'),
    ]
    dangling = found["commitments"]
    assert [(e.row_number, e.field_cells, e.reference_name) for e in dangling] == [
        (3, ("01.002", "a"), "plans"),
        (4, ("01.002", ""), "plans"),
    ]


def test_keys_that_are_not_plain_strings_are_left_to_frictionless() -> None:
    described = schemas(unique=False)
    typed = {**described["plans"], "fields": [dict(f) for f in described["plans"]["fields"]]}
    typed["fields"][1]["type"] = "integer"  # "01" and "1" are one key to frictionless
    jobs = [
        Job("plans", typed, ["commune_code", "plan_id", "title"], [["x", "01", ""]]),
        Job("commitments", described["commitments"],
            ["commune_code", "commitment_id", "plan_id"], []),
    ]  # fmt: skip
    assert not union_keys.judged_here(jobs, {"plans", "commitments"})
    dated = {**described["plans"], "missingValues": ["", "n/a"]}
    jobs[0] = Job("plans", dated, ["commune_code", "plan_id", "title"], [])
    assert not union_keys.judged_here(jobs, {"plans", "commitments"})
    # A table judged whole by frictionless whose foreign key points into the union.
    jobs[0] = Job("plans", described["plans"], ["commune_code", "plan_id", "title"], [])
    assert union_keys.judged_here(jobs, {"plans", "commitments"})
    assert not union_keys.judged_here(jobs, {"plans"})


def test_an_incremental_report_finds_what_a_whole_one_finds() -> None:
    """Through the report an aggregation makes: the union's keys and fresh cells, and a
    table judged whole (as the network's indicators are) with its keys from pandas,
    give the findings frictionless gives judging everything at once, in its order."""
    from pipelines.gathering import tables_report
    from pipelines.reading import TableData
    from pipelines.schemas import TableSchema

    described = schemas(unique=True)
    described["plans"]["fields"][2]["constraints"]["pattern"] = "T[0-9]"
    described["totals"] = {
        "fields": [{"name": "level", "type": "string"}, {"name": "code", "type": "string"},
                   {"name": "value", "type": "number", "constraints": {"minimum": 0}}],
        "primaryKey": ["level", "code"],
    }  # fmt: skip
    rows = {
        "plans": [["01.001", "a", "T1"], ["01.001", "a", "x"], ["01.002", "b", "T1"]],
        "commitments": [["01.001", "c1", "a"], ["01.002", "c1", "z"]],
        "totals": [["commune", "01.001", "1"], ["commune", "01.001", "-2"], ["", "", "x"]],
    }
    fields = {"plans": ["commune_code", "plan_id", "title"],
              "commitments": ["commune_code", "commitment_id", "plan_id"],
              "totals": ["level", "code", "value"]}  # fmt: skip
    data = {n: TableData.of_rows(n, fields[n], r) for n, r in rows.items()}
    tables = {n: TableSchema(n, d) for n, d in described.items()}
    fresh = {"plans": [(0, 3)], "commitments": [(0, 2)]}

    def found(spans: Any) -> list[tuple[Any, ...]]:
        report = tables_report(data, tables, "p", fresh=spans)
        return [(f.code, f.table, f.row, f.field) for f in report.findings]

    whole = found(None)
    assert found(fresh) == whole
    assert ("primary-key", "totals", 3, None) in whole
    assert ("primary-key", "totals", 4, None) in whole
    assert [f[:3] for f in whole if f[0] == "foreign-key"] == [("foreign-key", "commitments", 3)]
    assert ("constraint-error", "plans", 3, "title") in whole
