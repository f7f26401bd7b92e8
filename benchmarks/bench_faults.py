"""What faults cost: publishing through the fault proxy at 0 % and at 20 % faults.

Both runs go through ``tests/fault_proxy.py`` in front of the same local CKAN (so the
proxy's own cost is in both), with Infitah's real retry delays; the figure to read is
the ratio 20 % / 0 %. Every run ends with the portal checked directly
(``tests/portal_state.py``): a fast run that left a mess would not count.

    .venv/bin/python benchmarks/bench_faults.py [--communes 10] [--rate 0.2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_publish import portal, purge  # noqa: E402

from pipelines.errors import PortalError  # noqa: E402
from pipelines.publishing import publish  # noqa: E402
from pipelines.synth import synthesise  # noqa: E402
from tests.fault_proxy import FaultConfig, FaultProxy  # noqa: E402
from tests.portal_state import assert_consistent  # noqa: E402
from tests.source_oracle import snapshot  # noqa: E402
from tests.test_faults import dataset_of  # noqa: E402


def run(folders: list[Path], upstream: str, token: str, rate: float, seed: int) -> dict[str, float]:
    import ckanapi

    api = ckanapi.RemoteCKAN(upstream, apikey=token)
    names = [dataset_of(f) for f in folders]
    purge(api, names)
    reruns = 0
    with FaultProxy(upstream, FaultConfig(rate=rate, seed=seed)) as proxy:
        start = time.perf_counter()
        for folder in folders:
            while True:
                try:
                    assert publish(folder, proxy.url, token=token).status == "published"
                    break
                except PortalError:
                    reruns += 1
        seconds = time.perf_counter() - start
        requests_made, faults = len(proxy.log), sum(proxy.faults().values())
    for folder, name in zip(folders, names, strict=True):
        assert_consistent(api, name, "1.0.0", {"1.0.0": snapshot(folder)})
    purge(api, names)
    return {"seconds": seconds, "requests": requests_made, "faults": faults, "reruns": reruns}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    url, token = portal()
    with tempfile.TemporaryDirectory() as tmp:
        folders = synthesise(args.communes, Path(tmp), seed=args.seed)
        clean = run(folders, url, token, 0.0, args.seed)
        faulty = run(folders, url, token, args.rate, args.seed)
    ratio = faulty["seconds"] / clean["seconds"]
    print(json.dumps({"communes": args.communes, "rate": args.rate, "clean": clean,
                      "faulty": faulty, "faulty_vs_clean": round(ratio, 2)}))  # fmt: skip
    print(
        f"{args.communes} communes: {clean['seconds']:.1f}s at 0 % faults, "
        f"{faulty['seconds']:.1f}s at {args.rate:.0%} ({faulty['faults']:.0f} faults in "
        f"{faulty['requests']:.0f} requests, {faulty['reruns']:.0f} re-runs) = {ratio:.2f}x; "
        "portal consistent after both"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
