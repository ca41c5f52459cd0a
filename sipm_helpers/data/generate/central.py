"""The centre's own pool in the demo (Art. 23): its place and size from
``sipm_helpers/demo/central.yaml``, its one coordinating region, and which of the targets
drawn for it it keeps (its own: the national ones are drawn with the provinces, and it
has no province above it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sipm_helpers.config.loader import require_number
from sipm_helpers.data.generate import yamlfile as yf
from sipm_helpers.data.generate.common import COUNTRY_CODE, _rng
from sipm_helpers.data.generate.geography import _Geography, _Pairs
from sipm_helpers.errors import ParameterError

CENTRAL_FILE = "central.yaml"


@dataclass(frozen=True)
class Central:
    """The centre's pool: its code, names, the fund it pools, its size and its stream."""

    code: str
    zh: str
    en: str
    fund: str
    population_share: float
    wealth: float
    stream: str

    def seed(self, seed: int) -> int:
        """The seed of its own random stream, derived from the dataset's."""
        return int(_rng(seed, self.stream).integers(0, 2**31))

    def pairs(self, geo: _Geography) -> _Pairs:
        """Its one coordinating region, sized on the country's population."""
        population = np.array([geo.population.sum() * self.population_share])
        return _Pairs(
            (self.code,), np.array([0]), np.round(population, -3), np.array([self.wealth])
        )

    def region_row(self) -> tuple[str, str, str, str, str]:
        return (self.code, self.zh, self.en, "central", COUNTRY_CODE)

    def own_targets(self, targets: pd.DataFrame) -> pd.DataFrame:
        """The targets drawn for the pool that are its own (level region)."""
        return targets.loc[(targets["region_code"] == self.code) & (targets["level"] == "region")]


def load_central(path: str | Path | None = None) -> Central:
    """Read and check the centre's pool; ParameterError names the file and key."""
    path = yf.data_path(path, CENTRAL_FILE)
    raw = yf.read(path, ["code", "name", "fund", "population_share", "wealth", "stream"])
    code = yf.text(path, "code", raw["code"])
    if not (len(code) == 6 and code.isdigit()) or code == COUNTRY_CODE:
        raise ParameterError(
            path, "code", f"expected 6 digits other than {COUNTRY_CODE}, got {code!r}"
        )
    names = yf.texts(path, "name", raw["name"])
    if len(names) != 2:
        raise ParameterError(path, "name", f"expected [Chinese, English], got {raw['name']!r}")
    share = _positive(path, "population_share", raw["population_share"], most=1.0)
    wealth = _positive(path, "wealth", raw["wealth"])
    fund, stream = yf.text(path, "fund", raw["fund"]), yf.text(path, "stream", raw["stream"])
    return Central(code, names[0], names[1], fund, share, wealth, stream)


def _positive(path: Path, where: str, value: object, most: float = np.inf) -> float:
    number = require_number(path, where, value)
    if not 0 < number <= most:
        raise ParameterError(path, where, f"expected a number above 0 and at most {most}")
    return number
