"""Validation throughput: `infitah validate --table` against `frictionless validate`.

Both validate the same generated table against the same Table Schema, in the same run
on the same machine; the figure that matters is the ratio (ours / frictionless), not
the seconds. Infitah does more (decoding guard, normalisation, our checks), and must
stay within 10 % of frictionless.

    .venv/bin/python benchmarks/bench_validate.py [--rows 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# Validation uses a second core only when the 1-minute load average says it is idle;
# that average lags, so a repeat right after a busy run would validate in one process
# and the ratio would measure the load, not the code. Every core, unless told otherwise.
os.environ.setdefault("INFITAH_WORKERS", str(len(os.sched_getaffinity(0))))

import frictionless  # noqa: E402

from pipelines.schemas import load  # noqa: E402
from pipelines.validation import validate  # noqa: E402

TABLE = "milestones"


def generate(path: Path, rows: int) -> None:
    """A realistic milestones table: Arabic and French text, dates, enums."""
    fields = load(TABLE).field_names
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        for i in range(rows):
            c = i // 4
            writer.writerow(
                {
                    "milestone_id": f"m-{i}",
                    "commitment_id": f"c-{c}",
                    "commune_code": "09.163.07.01",
                    "title_ar": f"نشر المعطيات المفتوحة للجماعة رقم {i % 97}",
                    "title_fr": f"Publier les données ouvertes de la commune, lot {i % 97}",
                    "start_date": f"2024-{1 + i % 12:02d}-01",
                    "due_date": f"2025-{1 + i % 12:02d}-28",
                    "status": ("not_started", "in_progress", "complete")[i % 3],
                    "completed_on": f"2025-{1 + i % 12:02d}-15" if i % 3 == 2 else "",
                    "evidence_url": f"https://commune.example.ma/preuves/{i}" if i % 5 == 0 else "",
                    "data_status": "synthetic",
                }.values()
            )


def frictionless_schema() -> frictionless.Schema:
    descriptor = dict(load(TABLE).descriptor)
    descriptor.pop("name", None)
    descriptor["foreignKeys"] = []
    return frictionless.Schema.from_descriptor(descriptor)


def timed(fn: Callable[[], bool], repeat: int) -> tuple[float, bool]:
    times, ok = [], True
    for _ in range(repeat):
        start = time.perf_counter()
        ok = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{TABLE}.csv"
        generate(path, args.rows)
        schema = frictionless_schema()

        def run_frictionless() -> bool:
            resource = frictionless.Resource(path=path.name, basepath=tmp, schema=schema)
            return bool(resource.validate().valid)

        def run_infitah() -> bool:
            return validate(path, TABLE).report.valid

        base, base_ok = timed(run_frictionless, args.repeat)
        ours, ours_ok = timed(run_infitah, args.repeat)
    result = {
        "rows": args.rows,
        "frictionless_seconds": round(base, 3),
        "infitah_seconds": round(ours, 3),
        "ratio": round(ours / base, 3),
        "both_valid": base_ok and ours_ok,
    }
    print(json.dumps(result))
    print(
        f"validate {args.rows} rows: infitah {ours:.2f}s / frictionless {base:.2f}s "
        f"= {ours / base:.3f} (limit 1.10)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
