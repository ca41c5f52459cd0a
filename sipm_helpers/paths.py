"""Where the project's files live: parameters, notebooks, the embedded demo data, outputs,
and the suffixes of the files a stage writes beside its result."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

# Files a stage writes beside its structured result, by suffix: the self-evaluation's
# scoring form, the provincial evaluation's new rectification items and its working papers.
SCORING_FORM = ".xlsx"
RECTIFICATION_ITEMS = ".rectification.csv"
WORKING_PAPERS = ".papers.xlsx"


def parameters_dir() -> Path:
    """The parameters folder: ``$SIPM_PARAMETERS`` if set, else the project's ``parameters/``."""
    return Path(os.environ.get("SIPM_PARAMETERS", PROJECT_DIR / "parameters"))


def notebooks_dir() -> Path:
    """The folder of the stage notebooks."""
    return PROJECT_DIR / "notebooks"


def demo_data_dir() -> Path:
    """The embedded demo country, shipped inside the package as CSV files."""
    return PACKAGE_DIR / "demo_data"


def outputs_dir() -> Path:
    """The default root of everything runs write."""
    return PROJECT_DIR / "outputs"
