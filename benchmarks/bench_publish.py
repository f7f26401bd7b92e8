"""Publishing many communes to the local CKAN: Infitah against a plain ckanapi script.

The baseline makes the calls any script needs to put the same data on CKAN (organization,
dataset, one upload per table, DataStore load) and nothing else: no validation, no
versions, no archive, no retries. Infitah's first publish is compared with it, and the
no-op republish (unchanged data: reads only) with Infitah's first publish. All in one run,
on the same portal; the ratios are what to read.

    set -a; eval "$(make -s portal)"; set +a
    .venv/bin/python benchmarks/bench_publish.py [--communes 20]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


import ckanapi  # noqa: E402

from pipelines.members import dataset_name  # noqa: E402
from pipelines.portals.ckan import DATASTORE_TYPES  # noqa: E402
from pipelines.publishing import member_release, publish  # noqa: E402
from pipelines.synth import synthesise  # noqa: E402
from pipelines.validation import validate  # noqa: E402


def portal() -> tuple[str, str]:
    if os.environ.get("CKAN_URL") and os.environ.get("CKAN_API_TOKEN"):
        return os.environ["CKAN_URL"], os.environ["CKAN_API_TOKEN"]
    out = subprocess.run(
        ["bash", str(REPO / "portal" / "portal.sh"), "up"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(line.split("=", 1) for line in out.strip().splitlines())
    return values["CKAN_URL"], values["CKAN_API_TOKEN"]


def purge(api: ckanapi.RemoteCKAN, names: list[str]) -> None:
    for name in names:
        for suffix in ("", "-versions"):
            with contextlib.suppress(ckanapi.NotFound):
                api.action.dataset_purge(id=name + suffix)


def baseline(api: ckanapi.RemoteCKAN, folders: list[Path]) -> float:
    """The necessary calls, from already-built bytes (so only the portal work is timed)."""
    prepared = []
    for folder in folders:
        package, report = validate(folder, whole=True)
        prepared.append(member_release(package, report))
    start = time.perf_counter()
    for release, owner in prepared:
        try:
            org = api.action.organization_show(id=owner.name)
        except ckanapi.NotFound:
            org = api.action.organization_create(name=owner.name, title=owner.title["fr"])
        dataset = api.action.package_create(
            name=release.dataset, title=release.title["fr"], owner_org=org["id"]
        )
        for table in release.tables.values():
            resource = api.call_action(
                "resource_create",
                {"package_id": dataset["id"], "name": table.name, "format": "CSV"},
                files={"upload": (table.filename, io.BytesIO(table.csv))},
            )
            api.action.datastore_create(
                resource_id=resource["id"],
                force=True,
                fields=[
                    {"id": f["name"], "type": DATASTORE_TYPES.get(f.get("type", "string"), "text")}
                    for f in table.schema["fields"]
                ],
                records=table.records(),
            )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url, token = portal()
    api = ckanapi.RemoteCKAN(url, apikey=token)
    with tempfile.TemporaryDirectory() as tmp:
        folders = synthesise(args.communes, Path(tmp), seed=args.seed)
        names = [dataset_name(json.loads((f / "datapackage.json").read_text())["x-commune-code"])
                 for f in folders]  # fmt: skip
        purge(api, names)
        base = baseline(api, folders)
        purge(api, names)
        start = time.perf_counter()
        for folder in folders:
            assert publish(folder, url, token=token).status == "published"
        first = time.perf_counter() - start
        start = time.perf_counter()
        for folder in folders:
            assert publish(folder, url, token=token).status == "unchanged"
        noop = time.perf_counter() - start
        purge(api, names)
    result = {
        "communes": args.communes,
        "baseline_seconds": round(base, 2),
        "infitah_first_publish_seconds": round(first, 2),
        "infitah_noop_republish_seconds": round(noop, 2),
        "first_publish_vs_baseline": round(first / base, 2),
        "noop_vs_first_publish": round(noop / first, 3),
    }
    print(json.dumps(result))
    print(
        f"{args.communes} communes: infitah {first:.1f}s vs plain ckanapi {base:.1f}s "
        f"= {first / base:.2f}x (validation, archive, versions included); "
        f"no-op republish {noop:.1f}s = {noop / first:.3f} of a first publish"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
