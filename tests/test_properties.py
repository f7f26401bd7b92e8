"""Properties over generated tables: whatever the cells hold, reading and validation
keep their promises (no exception, real lines, the same rows whatever the file's
encoding or separator, and no formula-like text let through).

Hypothesis runs derandomized (the same examples on every machine), so CI is stable.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.errors import InputError
from pipelines.reading import read_table
from pipelines.schemas import load
from pipelines.validation import validate

SCHEMA = load("milestones")
# Arabic letters and punctuation, Latin with accents, Western and Eastern digits, bidi
# marks, no-break spaces, separators, quotes, line breaks and Excel's formula starts.
ALPHABET = (
    "ابتثجحخدذرسشصضعغفقكلمنهوية ءأإآ،؛؟"
    "abcXYZéàçÉ"
    "0123456789٠١٢٣٤٥٦٧٨٩۰۴"
    "\u200e\u200f\u202b\u202c\u202e\u2067\u2069\u00a0"
    ",;\t\"' \n\r=+-@.:/_"
)
cell = st.text(alphabet=ALPHABET, max_size=12)
# What Excel runs as a formula (OWASP's list), written here, not imported from the
# check under test: an oracle that moved with the code would prove nothing.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_bullet(value: str) -> bool:
    """A list bullet, which is text: a dash, at least one space, then a letter."""
    rest = value[1:]
    after = rest.lstrip(" \u00a0")
    return value.startswith("-") and len(after) < len(rest) and after[:1].isalpha()


table_rows = st.lists(
    st.lists(cell, min_size=len(SCHEMA.field_names), max_size=len(SCHEMA.field_names)),
    max_size=6,
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1256"])
delimiters = st.sampled_from([",", ";", "\t"])


def write(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> str:
    """The file as a spreadsheet would save it; cp1256 only when it can say every cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(SCHEMA.field_names)
    writer.writerows(rows)
    text = buffer.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path.write_bytes(data)
    return text


def physical_lines(text: str) -> int:
    return len(io.StringIO(text, newline="").readlines())


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=table_rows,
    first=st.tuples(encodings, delimiters),
    second=st.tuples(encodings, delimiters),
)
def test_generated_tables_keep_reading_and_validation_promises(
    tmp_path: Path,
    rows: list[list[str]],
    first: tuple[str, str],
    second: tuple[str, str],
) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    text = write(one, rows, *first)
    write(two, rows, *second)

    try:
        report = validate(one, "milestones").report
    except InputError:
        return  # a usage error is an allowed outcome; any other exception fails
    lines = physical_lines(text)
    for finding in report.findings:
        assert finding.row is None or 1 <= finding.row <= lines, finding

    a, b = read_table(one, SCHEMA), read_table(two, SCHEMA)
    assert (a.rows, a.row_numbers) == (b.rows, b.row_numbers)
    assert len(a.rows) <= len(rows)

    if not a.structurally_valid:
        return
    flagged = {(f.row, f.field) for f in report.findings if f.code == "formula-injection"}
    for line, row in zip(a.row_numbers, a.rows, strict=True):
        for name, value in zip(SCHEMA.field_names, row, strict=True):
            if name in SCHEMA.text_fields and (line, name) not in flagged:
                safe = not value or value[0] not in FORMULA_STARTS or is_bullet(value)
                assert safe, (line, name, value)
