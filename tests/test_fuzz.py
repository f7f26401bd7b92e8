"""Structure-aware fuzzing of `validate` and a dry-run `publish`: member folders with
random bytes for a table, broken workbooks, descriptors of random shape, hostile file
names and hostile cells. Whatever comes in, the exit code is 0-3, no traceback or
internal error is printed, and nothing a dry run would publish carries a planted
personal datum (checked on the exact files, against the planted strings themselves).

`make test` runs a bounded, derandomized number of examples; `make fuzz` runs many more
(INFITAH_FUZZ_EXAMPLES)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipelines import bundle, publishing, versioning
from pipelines.cli import cli
from pipelines.validation import validate

from .conftest import AIT_AMIRA

EXAMPLES = int(os.environ.get("INFITAH_FUZZ_EXAMPLES", "40"))
TABLES = ["action_plans", "workshops", "workshop_participation", "commitments", "proposals",
          "milestones", "progress_updates"]  # fmt: skip
FIELDS = {"milestones": ["title_fr", "title_ar", "evidence_url", "due_date", "status"],
          "commitments": ["title_fr", "description_fr", "budget_mad", "lead_unit"],
          "workshop_participation": ["participants", "stakeholder_group"]}  # fmt: skip
PLANTED = ["0612345678", "fuzz.person@gmail.com", "AB123456", "MA64 0115 1900 0001 2050 0053 4921"]
HOSTILE = st.sampled_from([
    *PLANTED, "=HYPERLINK(\"x\")", "+1+1", "@SUM(A1)", "\tx", "\x1b[31m", "\x00", "\x07",
    "javascript:alert(1)", "file:///etc/passwd", "1e3", "Infinity", "-0", "05",
    "2024-4-15", "2024-13-45", "٠٦١٢٣٤٥٦٧٨", "\u202e", "x" * 5000, "",
])  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=12,
)  # fmt: skip
descriptor_keys = st.sampled_from(["resources", "licenses", "sources", "x-commune-code",
                                   "description", "x-description-ar", "name", "title"])  # fmt: skip
file_names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]),
    min_size=1, max_size=40,
).filter(lambda n: n not in (".", ".."))  # fmt: skip

mutation = st.one_of(
    st.tuples(st.just("bytes"), st.sampled_from(TABLES), st.binary(max_size=2048)),
    st.tuples(st.just("xlsx"), st.sampled_from(TABLES), st.floats(0.05, 0.95)),
    st.tuples(st.just("descriptor"), descriptor_keys, json_values),
    st.tuples(st.just("descriptor-whole"), json_values),
    st.tuples(st.just("name"), file_names, st.binary(max_size=64)),
    st.tuples(st.just("cell"), st.sampled_from(sorted(FIELDS)), st.integers(2, 4), HOSTILE),
)


def mutate(folder: Path, change: tuple[Any, ...]) -> None:
    kind = change[0]
    if kind == "bytes":
        (folder / f"{change[1]}.csv").write_bytes(change[2])
    elif kind == "xlsx":
        table, cut = change[1], change[2]
        if not (folder / f"{table}.csv").is_file():
            return
        wb = openpyxl.Workbook()
        sheet = wb.active
        assert sheet is not None
        text = (folder / f"{table}.csv").read_bytes().decode("utf-8", "replace")
        for line in text.splitlines():
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in line.split(",")])
        buffer = io.BytesIO()
        wb.save(buffer)
        data = buffer.getvalue()
        (folder / f"{table}.csv").unlink()
        (folder / f"{table}.xlsx").write_bytes(data[: max(1, int(len(data) * cut))])
    elif kind == "descriptor":
        path = folder / "datapackage.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data[change[1]] = change[2]
        path.write_text(json.dumps(data), encoding="utf-8")
    elif kind == "descriptor-whole":
        (folder / "datapackage.json").write_text(json.dumps(change[1]), encoding="utf-8")
    elif kind == "name":
        with contextlib.suppress(OSError):  # a name this file system refuses: none to fuzz
            (folder / change[1]).write_bytes(change[2])
    elif kind == "cell":
        table, line, value = change[1], change[2], change[3]
        path = folder / f"{table}.csv"
        if not path.is_file():
            return
        import csv

        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            rows = list(csv.reader(fh))
        field = FIELDS[table][line % len(FIELDS[table])]
        if line < len(rows) and field in rows[0]:
            rows[line][rows[0].index(field)] = value
            with path.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows)


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {result.exception!r}")
    return result.exit_code, result.output


# No shrinking: a failing folder is reported as generated (shrinking one takes minutes).
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(st.lists(mutation, min_size=1, max_size=4))
def test_any_member_folder_ends_in_0_to_3_and_leaks_nothing(changes: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(shutil.copytree(AIT_AMIRA, Path(tmp) / "member"))
        for change in changes:
            mutate(folder, change)
        for args in (
            ["validate", str(folder), "--json", "--lang", "fr"],
            ["publish", str(folder), "--dry-run", "--json", "--to", f"{tmp}/catalog"],
        ):
            code, output = run(args)
            assert code in (0, 1, 2, 3), (args[0], code, output[-800:])
            assert "Traceback" not in output and "internal error" not in output, output[-800:]
        assert not Path(tmp, "catalog").exists()  # a dry run writes nothing
        if code == 0:  # planned: what would be published holds none of the planted data
            release, _ = publishing.member_release(*validate(folder, whole=True))
            plan = versioning.plan(release, None, None)
            files = bundle.version_files(release, plan, "2026-12-02T00:00:00+00:00")
            for name, data in files.items():
                for planted in PLANTED:
                    assert planted.encode() not in data, (name, planted)
                assert zipfile.is_zipfile(io.BytesIO(data)) or b"\x1b" not in data, name
