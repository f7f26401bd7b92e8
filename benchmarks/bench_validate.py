"""Validation throughput: `infitah validate --table` against `frictionless validate`.

Both validate the same generated table against the same Table Schema, in the same run
on the same machine; the figure that matters is the ratio (ours / frictionless), not
the seconds. Infitah does more (decoding guard, normalisation, our checks).

The fair figure gives both sides one process (frictionless validates on one core):
it must stay within 10 % of frictionless, and the script exits 1 when it does not.
The figure with every core (Infitah spreads row chunks over worker processes) is
printed beside it, for information: it is not a comparison of the same means.

    .venv/bin/python benchmarks/bench_validate.py [--rows 200000] [--repeat 3]

With ``--members N`` it measures the other shape instead: N synthetic members (seven
small tables each, linked by foreign keys), each validated whole as publishing does,
one process, against frictionless validating the same package with the same schemas.
Infitah is timed three times: member by member, keys judged apart from cells
(``engine.SPLIT_KEYS``, the default, keys by pandas); member by member, frictionless
once over the package (the path before it); and members validated together as a
many-member publish's worker tasks take them (``validate_many``, the cells of each
table opened once for the batch). The gains are ratios of the same run.
Informational: it exits 0.

    .venv/bin/python benchmarks/bench_validate.py --members 50
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
LIMIT = 1.10
CORES = len(os.sched_getaffinity(0))

import frictionless  # noqa: E402

from pipelines import engine  # noqa: E402
from pipelines.publishing import VALIDATED_TOGETHER  # noqa: E402
from pipelines.schemas import TABLES, load  # noqa: E402
from pipelines.synth import synthesise  # noqa: E402
from pipelines.validation import Validated, validate, validate_many  # noqa: E402

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
    parser.add_argument("--members", type=int, help="many small members instead of one table")
    args = parser.parse_args()
    if args.members:
        return members(args.members, args.repeat)
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
        # The worker count is pinned on both runs: left to itself, validation uses a
        # second core only when the lagging load average says it is idle, and the
        # ratio would measure the load, not the code.
        os.environ["INFITAH_WORKERS"] = "1"
        fair, fair_ok = timed(run_infitah, args.repeat)
        os.environ["INFITAH_WORKERS"] = str(CORES)
        spread, spread_ok = timed(run_infitah, args.repeat)
    result = {
        "rows": args.rows,
        "frictionless_seconds": round(base, 3),
        "infitah_one_process_seconds": round(fair, 3),
        "ratio": round(fair / base, 3),
        "infitah_every_core_seconds": round(spread, 3),
        "cores": CORES,
        "ratio_every_core": round(spread / base, 3),
        "all_valid": base_ok and fair_ok and spread_ok,
    }
    print(json.dumps(result))
    print(
        f"validate {args.rows} rows, one process each: infitah {fair:.2f}s / frictionless "
        f"{base:.2f}s = {fair / base:.3f} (limit {LIMIT:.2f}); with {CORES} cores: "
        f"{spread:.2f}s = {spread / base:.3f}"
    )
    return 0 if fair / base <= LIMIT and result["all_valid"] else 1


def members(n: int, repeat: int) -> int:
    os.environ["INFITAH_WORKERS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        folders = sorted(synthesise(n, Path(tmp), seed=1503))

        def package(folder: Path) -> frictionless.Package:
            present = frozenset(p.stem for p in folder.glob("*.csv"))
            resources = [
                frictionless.Resource(
                    name=name,
                    path=f"{name}.csv",
                    basepath=str(folder),
                    schema=frictionless.Schema.from_descriptor(
                        load(name).frictionless_descriptor(keep_foreign_keys_to=present)
                    ),
                )
                for name in TABLES
                if name in present
            ]
            return frictionless.Package(resources=resources, basepath=str(folder))

        def run_frictionless() -> bool:
            return all(package(f).validate().valid for f in folders)

        def run_infitah(split: bool) -> Callable[[], bool]:
            def run() -> bool:
                engine.SPLIT_KEYS = split
                return all(validate(f, whole=True).report.valid for f in folders)

            return run

        def run_together() -> bool:
            engine.SPLIT_KEYS = True
            size = VALIDATED_TOGETHER
            batches = [folders[i : i + size] for i in range(0, len(folders), size)]
            results = [r for batch in batches for r in validate_many(batch)]
            return all(isinstance(r, Validated) and r.report.valid for r in results)

        validate(folders[0], whole=True)  # reference data and schemas loaded once, untimed
        base, base_ok = timed(run_frictionless, repeat)
        split, split_ok = timed(run_infitah(True), repeat)
        whole, whole_ok = timed(run_infitah(False), repeat)
        together, together_ok = timed(run_together, repeat)
    result = {
        "members": n,
        "frictionless_seconds": round(base, 3),
        "infitah_seconds": round(split, 3),
        "infitah_whole_seconds": round(whole, 3),
        "infitah_together_seconds": round(together, 3),
        "together": VALIDATED_TOGETHER,
        "ratio": round(split / base, 3),
        "ratio_whole": round(whole / base, 3),
        "ratio_together": round(together / base, 3),
        "all_valid": base_ok and split_ok and whole_ok and together_ok,
    }
    print(json.dumps(result))
    print(
        f"validate {n} members, one process: infitah {split / n * 1000:.0f} ms each / "
        f"frictionless {base / n * 1000:.0f} ms = {split / base:.3f}; keys not apart "
        f"{whole / n * 1000:.0f} ms = {whole / base:.3f}; {VALIDATED_TOGETHER} at a time "
        f"(a many-member publish's tasks) {together / n * 1000:.0f} ms = {together / base:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
