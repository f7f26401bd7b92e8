"""The nightly aggregation on a network already published on the local CKAN (the one
``bench_network_ckan.py --keep DIR`` leaves): what a night costs when nothing changed and
when 1 % of members published a new version, at the size of that network.

Phases, each timed with its CKAN calls and peak memory (as in ``bench_network_ckan.py``):

1. ``settle``: 1 % of members changed, published, and the network aggregated (not a
   figure: it brings the network release up to this Infitah, whose manifest says what
   each table's files were made from);
2. ``aggregate no-op``: nothing changed;
3. ``publish 1 %`` then ``aggregate 1 %``: another 1 % of members changed (one cell each).

Not part of ``make test``:

    set -a; eval "$(make -s portal)"; set +a
    .venv/bin/python benchmarks/bench_network_ckan.py --members 200 --keep /tmp/net
    .venv/bin/python benchmarks/bench_aggregate_ckan.py --members-dir /tmp/net/members
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_network_ckan import change, portal, timed  # noqa: E402

from pipelines.aggregate import aggregate  # noqa: E402
from pipelines.publishing import publish_many  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members-dir", type=Path, required=True)
    parser.add_argument("--results", type=Path, help="JSON file written after each phase")
    args = parser.parse_args()
    url, token = portal()
    folders = sorted(p for p in args.members_dir.resolve().iterdir() if p.is_dir())
    results: dict[str, dict[str, Any]] = {}
    print(f"{len(folders)} members, already published", flush=True)

    def aggregated() -> Any:
        return aggregate(url, url, token, counted=("reported", "illustrative", "synthetic"))

    def phase(label: str, fn: Any) -> Any:
        return timed(label, fn, results, args.results)

    def settle() -> None:
        change(folders, 0.01, "settle")
        publish_many(folders, url, token)
        aggregated()

    phase("settle", settle)
    phase("aggregate no-op", aggregated)
    change(folders[::-1], 0.01, "night")
    phase("publish 1 %", lambda: publish_many(folders, url, token))
    outcome = phase("aggregate 1 %", aggregated)
    print(f"{'':>16}  {outcome.outcome.status} {outcome.outcome.version}", flush=True)
    print()
    print(f"aggregate no-op: {results['aggregate no-op']['seconds']:.2f} s; "
          f"after 1 %: {results['aggregate 1 %']['seconds']:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
