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
What the agency filled in comes back in the ``monitoring_responses`` table (`sipm
template`, `sipm validate`): its entries for the month monitored (or the last month it
answered before) come first.
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


AGENCY_COLUMNS = ["cause_category", "cause", "measure", "owner", "deadline"]


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
    month: int = 12,
) -> pd.DataFrame:
    """The monitoring table of one region's fund from its targets' ``outlook``, monitored
    to ``month``. The likelihood of completion follows the outlook's light
    (rules.likelihood); the cause's category is left to the agency (one of
    rules.cause_categories); the cause and measure come from the year's explanations, the
    owner and deadline from the problem still open in the rectification ledger for that
    target (the earliest deadline). The agency's own entries (:func:`agency_entries`) take
    precedence wherever it filled a cell. Columns: :data:`TABLE_COLUMNS`."""
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
    out = _with_agency(out, agency_entries(ds, fund=fund, region=region, year=year, month=month))
    for column in AGENCY_COLUMNS:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out[TABLE_COLUMNS].reset_index(drop=True)


def agency_entries(ds: Dataset, *, fund: str, region: str, year: int, month: int) -> pd.DataFrame:
    """Per indicator, the agency's entries in ``monitoring_responses`` for one region's fund
    and year: those of ``month``, or of the last month before it the agency answered
    (the measure stands until it answers again). Columns: indicator and
    :data:`AGENCY_COLUMNS` (deadline as YYYY-MM-DD text)."""
    table = getattr(ds, "monitoring_responses", None)
    rows = _region_rows(table, fund, region, year)
    rows = rows.reindex(columns=["indicator", "month", *AGENCY_COLUMNS])
    rows = (
        rows.loc[rows["month"] <= month]
        .sort_values("month")
        .drop_duplicates("indicator", keep="last")
    )
    rows["deadline"] = pd.to_datetime(rows["deadline"]).dt.strftime("%Y-%m-%d")
    return rows.drop(columns="month").reset_index(drop=True)


def _with_agency(out: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """``out`` with each cell the agency filled in ``entries`` in place of what the data
    say (a cell it left empty keeps the data's)."""
    if entries.empty:
        return out
    theirs = out[["indicator"]].merge(entries, on="indicator", how="left")
    for column in AGENCY_COLUMNS:
        filled = theirs[column].notna().to_numpy()
        out[column] = out[column].astype(object).where(~filled, theirs[column].to_numpy())
    return out
