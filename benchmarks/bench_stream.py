"""Streaming validation: peak memory must not grow with the number of rows.

Generates milestones tables of 500,000 and 5,000,000 rows on the fly (a generator
writes them; nothing holds them), then runs `infitah validate FILE --table milestones`
in a fresh child process per size and reads that child's peak resident memory
(``os.wait4``'s ru_maxrss). Flat memory means a 5M / 500k ratio close to 1: what grows
is the 8-byte key hash per row, not the rows.

    .venv/bin/python benchmarks/bench_stream.py [--rows 500000 5000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_validate import TABLE, generate  # noqa: E402


def measure(path: Path) -> dict[str, float]:
    """Peak RSS (MiB) and seconds of one `infitah validate --table` child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "validate", str(path), "--table", TABLE,
             "--json"],
            cwd=REPO, stdout=out, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        report = json.loads(out.read())
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"validate exited {code}: {report['errors'][:3]}")
    assert report["stats"]["by_table"][TABLE].get("streamed"), "not the streaming path"
    return {"peak_mib": usage.ru_maxrss / 1024, "seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[500_000, 5_000_000])
    args = parser.parse_args()
    results = {}
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{TABLE}.csv"
            generate(path, rows)
            size = path.stat().st_size
            figures = measure(path)
        figures.update(rows=rows, mib_on_disk=round(size / 2**20, 1))
        figures["rows_per_second"] = round(rows / figures["seconds"])
        results[rows] = figures
        print(
            f"{rows:>10,} rows ({figures['mib_on_disk']} MiB): peak {figures['peak_mib']:.0f} MiB, "
            f"{figures['seconds']:.1f} s, {figures['rows_per_second']:,} rows/s",
            flush=True,
        )
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        ratio = large["peak_mib"] / small["peak_mib"]
        print(f"peak memory {sizes[-1]:,} / {sizes[0]:,} rows = {ratio:.2f} (flat = 1)")
    print(json.dumps(list(results.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
