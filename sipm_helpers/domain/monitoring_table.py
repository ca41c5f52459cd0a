"""The performance-target execution monitoring table (绩效目标执行监控表), the form in which
the Ministry of Finance asks for monitoring results (Measures for the Operation Monitoring
of the Budget Performance of Central Departments, Caiyu [2019] No. 136, and its table;
Caishe [2022] No. 65, Art. 11–14 for social insurance funds).

One row per annual target: its value to date, its expected year-end value, the likelihood
of completing it, the cause of any deviation by category, the corrective measure, the
responsible unit and the deadline. Filled where the data say (the outlook of
:func:`~sipm_helpers.domain.monitoring.indicator_outlook`; the reasons and measures the
agency gave in the ``explanations`` table; the owner and deadline of the problem in the
``rectification`` ledger), and left empty (None) for the agency to fill where they do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config.monitoring import MonitoringRules
from sipm_helpers.data.dataset import Dataset

TABLE_COLUMNS = [
    "indicator", "rule", "direction", "unit", "reads", "target", "band_lower", "band_upper",
    "to_date", "year_end", "basis", "likelihood", "cause_category", "cause", "measure",
    "owner", "deadline",
]  # fmt: skip


def _region_rows(table: pd.DataFrame | None, fund: str, region: str, year: int) -> pd.DataFrame:
    """The rows of an optional table for one region's fund and year (empty without it)."""
    if table is None or table.empty:
        return pd.DataFrame(columns=["indicator"])
    keep = (table["fund"] == fund) & (table["region_code"] == region) & (table["year"] == year)
    return table.loc[keep]


def monitoring_table(
    outlook: pd.DataFrame,
    ds: Dataset,
    rules: MonitoringRules,
    *,
    fund: str,
    region: str,
    year: int,
) -> pd.DataFrame:
    """The monitoring table of one region's fund from its targets' ``outlook``. The
    likelihood of completion follows the outlook's light (rules.likelihood); the cause's
    category is left to the agency (one of rules.cause_categories); the cause and measure
    come from the year's explanations, the owner and deadline from the problem still open
    in the rectification ledger for that target (the earliest deadline). Columns:
    :data:`TABLE_COLUMNS`."""
    out = outlook.copy()
    out["year_end"] = np.where(out["basis"] == "year_end", np.nan, out["value"])
    out["likelihood"] = out["light"].map(rules.likelihood).astype(object)
    out["likelihood"] = out["likelihood"].where(out["likelihood"].notna(), None)
    out["cause_category"] = None
    said = _region_rows(ds.explanations, fund, region, year)
    said = said.reindex(columns=["indicator", "reason", "improvement_measure"])
    out = out.merge(said.drop_duplicates("indicator"), on="indicator", how="left")
    ledger = _region_rows(ds.rectification, fund, region, year)
    ledger = ledger.reindex(columns=["indicator", "owner", "deadline", "status"])
    ledger = ledger.loc[ledger["status"] != "done"].sort_values("deadline")
    out = out.merge(
        ledger.drop_duplicates("indicator")[["indicator", "owner", "deadline"]],
        on="indicator",
        how="left",
    )
    out = out.rename(columns={"reason": "cause", "improvement_measure": "measure"})
    out["deadline"] = pd.to_datetime(out["deadline"]).dt.strftime("%Y-%m-%d")
    for column in ("cause", "measure", "owner", "deadline"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out[TABLE_COLUMNS].reset_index(drop=True)
