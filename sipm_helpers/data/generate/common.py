"""What every stage of the generator shares: the calendar and demo constants, seeded random
generators, monthly patterns, text columns and the five-year plan periods."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from sipm_helpers.data.dataset import TABLES
from sipm_helpers.paths import PACKAGE_DIR

DEMO_SEED = 65  # Caishe [2022] No. 65
DEMO_YEARS = (2021, 2026)
DEMO_LAST_MONTH = 10
DEMO_EVALUATION_YEAR = 2025
BASE_YEAR = 2023  # the year the national magnitudes come from
PLAN_ANCHOR = 2021  # five-year plans: 2021–2025 (14th), 2026–2030 (15th)
PLAN_LENGTH = 5
MONTHS = 12
COUNTRY_CODE = "000000"
TABLE_NAMES = TABLES  # the contract: parameters/tables.yaml, in this order

# The generator's data files: sipm_helpers/demo/*.yaml, beside evaluation_records.yaml.
DATA_DIR = PACKAGE_DIR / "demo"


def _rng(seed: int, *labels: str) -> np.random.Generator:
    """An independent generator for (seed, labels): stable across runs and Python versions."""
    return np.random.default_rng([seed, *(zlib.crc32(label.encode()) for label in labels)])


def _pattern(values: Sequence[float]) -> np.ndarray:
    """A monthly pattern scaled to sum to 12 (so annual × pattern ÷ 12 is a month)."""
    arr = np.asarray(values, dtype="float64")
    return arr * (MONTHS / arr.sum())


def _text(values: Sequence[str], index: np.ndarray) -> pd.Series:
    """Text column: ``values`` taken at ``index`` (built in Arrow: fast for millions of rows)."""
    taken = pa.array(list(values), type=pa.string()).take(pa.array(np.asarray(index)))
    return pd.Series(taken, dtype="str")


def _plan_periods(first: int, last: int) -> list[tuple[int, int]]:
    """The five-year plan periods (2021–2025, 2026–2030, …) that overlap [first, last]."""
    k0 = (first - PLAN_ANCHOR) // PLAN_LENGTH
    k1 = (last - PLAN_ANCHOR) // PLAN_LENGTH
    return [
        (PLAN_ANCHOR + k * PLAN_LENGTH, PLAN_ANCHOR + (k + 1) * PLAN_LENGTH - 1)
        for k in range(k0, k1 + 1)
    ]
