"""A night on a network already published on the local CKAN (the one
``bench_network_ckan.py --keep DIR`` leaves): publishing every member, then the network's
aggregation, when nothing changed and when 1 % of members changed, at that network's
size, with this checkout's code.

Phases, each timed with its CKAN calls and peak memory (as in ``bench_network_ckan.py``):

1. ``settle``: 1 % of members changed, published, and the network aggregated (not a
   figure: it brings every digest and the network release up to this checkout, whose
   manifest says what each table's files were made from);
2. ``sweep``: a ``package_search`` sweep of the members' datasets (the no-op's floor);
3. ``publish no-op`` and ``aggregate no-op``: nothing changed;
4. ``publish 1 %`` then ``aggregate 1 %``: another 1 % of members changed (one cell each).

Not part of ``make test``:

    set -a; eval "$(make -s portal)"; set +a
    .venv/bin/python benchmarks/bench_network_ckan.py --members 200 --keep /tmp/net
    .venv/bin/python benchmarks/bench_nightly_ckan.py --members-dir /tmp/net/members
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import ckanapi  # noqa: E402
from bench_network_ckan import change, portal, said, sweep, timed  # noqa: E402

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
        result = aggregate(url, url, token, counted=("reported", "illustrative", "synthetic"))
        said(result.outcome)
        return result

    def phase(label: str, fn: Any) -> Any:
        return timed(label, fn, results, args.results)

    def settle() -> None:
        change(folders, 0.01, "settle")
        publish_many(folders, url, token)
        aggregated()

    def everyone() -> Any:
        return publish_many(folders, url, token)

    phase("settle", settle)
    api = ckanapi.RemoteCKAN(url, apikey=token)
    phase("sweep", lambda: sweep(api))
    phase("publish no-op", everyone)
    phase("aggregate no-op", aggregated)
    change(folders[::-1], 0.01, "night")
    phase("publish 1 %", everyone)
    outcome = phase("aggregate 1 %", aggregated)
    print(f"{'':>16}  {outcome.outcome.status} {outcome.outcome.version}", flush=True)
    r = {k: v["seconds"] for k, v in results.items()}
    print()
    print(f"publish no-op / package_search sweep: {r['publish no-op'] / r['sweep']:.2f} "
          f"({r['publish no-op']:.2f} s / {r['sweep']:.2f} s)")  # fmt: skip
    print(f"aggregate no-op: {results['aggregate no-op']['seconds']:.2f} s; "
          f"after 1 %: {results['aggregate 1 %']['seconds']:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
