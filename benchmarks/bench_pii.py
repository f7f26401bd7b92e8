"""Personal-data matching on long cells: time per cell, before and after, in one run.

"Before" is the matcher Infitah used until 2026-12-02 (its patterns are kept here,
word for word, as the baseline): its e-mail pattern backtracks, so its time grows with
the square of the cell's length. "After" is ``pipelines.pii.kind_of``. Both read the
same cells: a long run of word characters holding ``@`` (what made three
200,000-character cells take 677 s), many ``@``, long digit runs, separators.
The old matcher is not timed at 400,000 characters where it already took over 0.1 s at
20,000 (it would take minutes); the new one always is. Ratios are before / after.

    .venv/bin/python benchmarks/bench_pii.py
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.pii import kind_of

OLD_PHONE = re.compile(r"(?:\+\s?212|00\s?212|0)[\s.-]?(?:\(0\))?[5-8](?:[ .-]?\d){8}(?!\d)")
OLD_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
OLD_CIN = re.compile(r"[A-Z]{1,2}\d{5,6}(?![A-Za-z0-9])")


def old_kind_of(text: str) -> str | None:
    if "@" in text and OLD_EMAIL.search(text):
        return "email"
    if OLD_PHONE.search(text):
        return "phone"
    return "national-id" if OLD_CIN.search(text) else None


CELLS: dict[str, Callable[[int], str]] = {
    "word run with @": lambda n: ("a" * (n // 3) + "@" + "b." * (n // 3))[:n],
    "many @": lambda n: ("ab@" * n)[:n],
    "digit runs": lambda n: ("0612 " * n)[:n],
    "separators": lambda n: "-" * (n - 1) + "1",
}


def seconds(match: Callable[[str], str | None], cell: str) -> float:
    started = time.perf_counter()
    match(cell)
    return time.perf_counter() - started


def main() -> int:
    print(f"{'cell':<18}{'chars':>9}{'before s':>11}{'after s':>10}{'ratio':>9}")
    worst_after = 0.0
    for name, make in CELLS.items():
        slow = False
        for size in (5_000, 10_000, 20_000, 400_000):
            cell = make(size)
            before = None if size > 20_000 and slow else seconds(old_kind_of, cell)
            slow = slow or (before or 0) > 0.1
            after = seconds(kind_of, cell)
            worst_after = max(worst_after, after)
            ratio = f"{before / after:9.2f}" if before is not None and after else f"{'-':>9}"
            shown = f"{before:11.3f}" if before is not None else f"{'(minutes)':>11}"
            print(f"{name:<18}{size:>9}{shown}{after:10.3f}{ratio}")
    print(f"slowest 400,000-character cell after: {worst_after:.3f} s (goal: well under 1 s)")
    return 0 if worst_after < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
