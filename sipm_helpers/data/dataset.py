"""The validated dataset: typed tables plus who coordinates which fund (Art. 5, 6)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sipm_helpers.data.findings import ValidationReport

TABLES = (
    "regions",
    "pooling",
    "budget",
    "execution",
    "statistics",
    "targets",
    "qualitative",
    "explanations",
    "monitoring_responses",
    "review",
    "submissions",
    "rectification",
)


@dataclass(frozen=True)
class Dataset:
    """Validated tables of one dataset. Codes are text, years and months int64, money float64
    in 10,000 yuan. ``coordination`` lists each fund's coordinating regions: region_code,
    fund, province_code, pooling_level."""

    source: str
    regions: pd.DataFrame
    pooling: pd.DataFrame
    budget: pd.DataFrame
    execution: pd.DataFrame
    statistics: pd.DataFrame
    targets: pd.DataFrame
    qualitative: pd.DataFrame
    explanations: pd.DataFrame
    review: pd.DataFrame
    submissions: pd.DataFrame
    rectification: pd.DataFrame
    monitoring_responses: pd.DataFrame
    coordination: pd.DataFrame
    report: ValidationReport

    def region_name(self, code: str, lang: str = "en") -> str:
        """The region's name in ``lang`` (its ``name_<lang>`` column; English for a
        language the data do not name regions in); the code itself if unknown."""
        match = self.regions.loc[self.regions["region_code"] == code]
        if match.empty:
            return code
        column = f"name_{lang}" if f"name_{lang}" in self.regions.columns else "name_en"
        return str(match.iloc[0][column])
