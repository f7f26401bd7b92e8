"""The package installs anywhere: a wheel carries its schemas, reference and catalogues.

Built with pip, installed into a fresh virtualenv outside the repository, and run from a
folder that is not the checkout: nothing may be read from the repository's root. The
fresh environment borrows the project's installed dependencies (a path in a .pth file)
so that the test needs no download beyond the build backend, but ``pipelines`` itself
comes only from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import AIT_AMIRA

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only the wheel of this checkout installed."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("infitah-*.whl")
    env = base / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "borrowed-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return env


def run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(env / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PREFECT_HOME": str(cwd / ".prefect")},
        timeout=600,
    )


def test_validate_from_the_installed_wheel_outside_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    where = run(
        installed, "python", "-c", "import pipelines; print(pipelines.__file__)", cwd=tmp_path
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(installed)), where.stdout  # not the checkout

    folder = shutil.copytree(AIT_AMIRA, tmp_path / "ait-amira")
    result = run(installed, "infitah", "validate", str(folder), "--lang", "ar", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ المعطيات صالحة." in result.stdout
    assert "7 جداول" in result.stdout

    planned = run(
        installed, "infitah", "publish", str(folder), "--dry-run", "--json",
        "--to", str(tmp_path / "catalog"), cwd=tmp_path,
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["status"] == "planned"

    # A real publish renders the dataset's page and DCAT, and check-catalog judges them
    # with the shapes: all from the package's own files (templates, shapes).
    catalog = tmp_path / "catalog"
    published = run(
        installed, "infitah", "publish", str(folder), "--to", str(catalog), cwd=tmp_path
    )
    assert published.returncode == 0, published.stderr
    assert (catalog / "openness-programme-09-163-07-01" / "index.html").is_file()
    checked = run(installed, "infitah", "check-catalog", str(catalog), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_installed_package_holds_real_files_not_links(installed: Path) -> None:
    site = next((installed / "lib").glob("python3*/site-packages"))
    package = site / "pipelines"
    for relative in (
        "data/schemas/milestones.json",
        "data/reference/communes.csv",
        "locale/ar/LC_MESSAGES/infitah.mo",
        "locale/fr/LC_MESSAGES/infitah.mo",
        "data/dcat-ap-3.0.1/shapes.ttl",
        "portals/templates/dataset.html",
    ):
        path = package / relative
        assert path.is_file() and not path.is_symlink(), relative
    assert (package / "data/schemas/milestones.json").read_bytes() == (
        ROOT / "schemas/milestones.json"
    ).read_bytes()
