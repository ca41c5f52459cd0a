"""What the rectification ledger (the ``rectification`` table) says of each region's fund in
a year: its audit and inspection items due, those closed by their deadline, those still
open past their deadline at the year's end, and those open at all (Art. 14, 20 of Caishe
[2022] No. 65: problems found are rectified in time).

An item is **due** in a year when its deadline falls in or before the year and it was not
closed before the year began; it is **on time** when it was closed by its deadline;
**overdue** at the year's end when its deadline has passed and it is not closed by then;
**open** at the year's end when it was found by then and is not closed by then. The rate
of a year is on time over due. Pure table arithmetic: validation and the provincial
evaluation read the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

KEYS = ["region_code", "fund", "year"]
# The statistics that report audit and inspection findings and those rectified in a month.
FOUND, RECTIFIED = "audit_findings", "audit_findings_rectified"
STATES = ["due", "on_time", "overdue", "open"]


def item_states(
    rectification: pd.DataFrame, years: Iterable[int], sources: Iterable[str]
) -> pd.DataFrame:
    """One row per item of ``sources`` and year of ``years`` the item bears on: item_id,
    region_code, fund, year (the year looked at), found (the year found), deadline,
    closed, and the booleans due, on_time, overdue and open."""
    r = rectification.loc[rectification["source"].isin(list(sources))]
    r = r[["item_id", "region_code", "fund", "year", "deadline", "status", "closed"]]
    wanted = pd.DataFrame({"_year": sorted({int(y) for y in years})}, dtype="int64")
    x = r.rename(columns={"year": "found"}).merge(wanted, how="cross")
    start = pd.to_datetime(x["_year"].astype(str) + "-01-01")
    end = pd.to_datetime(x["_year"].astype(str) + "-12-31")
    deadline, closed = pd.to_datetime(x["deadline"]), pd.to_datetime(x["closed"])
    # A blank status is not done, a blank year found bears on no year (validation says so).
    done = (x["status"] == "done").fillna(False).to_numpy(dtype=bool) & closed.notna().to_numpy()
    closed_by_end = done & (closed <= end).fillna(False).to_numpy(dtype=bool)
    closed_before = done & (closed < start).fillna(False).to_numpy(dtype=bool)
    passed = (deadline <= end).fillna(False).to_numpy(dtype=bool)
    found = (x["found"] <= x["_year"]).fillna(False).to_numpy(dtype=bool)
    out = x.drop(columns=["status", "year"], errors="ignore").rename(columns={"_year": "year"})
    out["due"] = found & passed & ~closed_before
    out["on_time"] = out["due"] & done & (closed <= deadline).fillna(False).to_numpy(dtype=bool)
    out["overdue"] = found & passed & ~closed_by_end
    out["open"] = found & ~closed_by_end
    keep = out[STATES].any(axis=1)
    return out.loc[keep].reset_index(drop=True)


def ledger_rates(
    rectification: pd.DataFrame, years: Iterable[int], sources: Iterable[str]
) -> pd.DataFrame:
    """Per region, fund and year with an item that bears on it: due, on_time, overdue and
    open counts, the rate (on time over due; NaN without an item due) and the earliest
    deadline of the items overdue (``overdue_since``, NaT without one)."""
    s = item_states(rectification, years, sources)
    if s.empty:
        return pd.DataFrame(columns=[*KEYS, *STATES, "rate", "overdue_since"])
    late = s["deadline"].where(s["overdue"])
    g = s.assign(_late=pd.to_datetime(late)).groupby(KEYS, sort=True)
    out = g[STATES].sum().astype(int)
    out["overdue_since"] = g["_late"].min()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["due"] > 0, out["on_time"] / out["due"].clip(lower=1), np.nan)
    return out.reset_index()[[*KEYS, *STATES, "rate", "overdue_since"]]


def reported_rates(statistics: pd.DataFrame) -> pd.DataFrame:
    """Per region, fund and year, the rate the statistics report: the year's findings
    rectified over findings (1.0 in a year without findings, as the indicator scores it),
    with both sums (``found``, ``rectified``)."""
    s = statistics.loc[statistics["stat"].isin([FOUND, RECTIFIED])]
    wide = s.pivot_table(index=KEYS, columns="stat", values="value", aggfunc="sum", observed=True)
    wide = wide.reindex(columns=[FOUND, RECTIFIED]).astype("float64")
    found, rectified = wide[FOUND].to_numpy(), wide[RECTIFIED].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(found > 0, rectified / np.where(found > 0, found, 1.0), np.nan)
    rate = np.where((found == 0) & ~np.isnan(rectified), 1.0, rate)
    out = pd.DataFrame({"found": found, "rectified": rectified, "reported": rate}, index=wide.index)
    return out.reset_index()


def claims_beyond_ledger(rates: pd.DataFrame, tolerance: float) -> np.ndarray:
    """Per row of ``rates`` (the ledger's counts and ``rate`` beside the ``reported`` one),
    whether the reported rate claims more than the ledger bears out: items due, and the
    reported rate above the ledger's by more than ``tolerance``. Only such a claim is a
    contradiction: a ledger that lists fewer findings than the statistics count is no
    evidence of more rectified than reported."""
    beyond = (rates["reported"] - rates["rate"]) > tolerance + 1e-9
    return ((rates["due"] > 0) & beyond.fillna(False)).to_numpy(dtype=bool)
