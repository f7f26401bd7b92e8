"""Where the package's own files are: the schemas, the communes reference, the catalogues.

They are read through the installed package (``importlib.resources``), never from the
working directory or the repository root, so a wheel installed anywhere finds the same
files a checkout does. In a checkout ``pipelines/data/`` links to ``schemas/`` and
``datasets/reference/`` at the top, which stay the project's visible contract.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("pipelines")))
DATA_DIR = PACKAGE_DIR / "data"
SCHEMAS_DIR = DATA_DIR / "schemas"
REFERENCE_DIR = DATA_DIR / "reference"
COMMUNES_CSV = REFERENCE_DIR / "communes.csv"
COLLECTIVITIES_CSV = REFERENCE_DIR / "collectivities.csv"
LOCALE_DIR = PACKAGE_DIR / "locale"
# The official DCAT-AP 3.0.1 SHACL shapes (CC-BY 4.0, European Union), unchanged.
DCAT_AP_DIR = DATA_DIR / "dcat-ap-3.0.1"
