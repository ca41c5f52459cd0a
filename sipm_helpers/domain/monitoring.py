"""Operation monitoring during the budget year (Art. 11–14): the target comparison method.

For every region, fund and line item at once:

- the **expected share** of the annual amount executed by a month, from the seasonal
  profile of past complete years (the mean cumulative share, month by month), falling
  back to the calendar share (month ÷ 12) where there is no history;
- **progress**: executed to date against the annual budget, against the calendar and
  against the seasonal expectation;
- a **year-end forecast** with a prediction interval: each past year says how much of its
  total was still to come after this month (total ÷ executed to date); the log of that
  multiplier is treated as normal with unknown variance, so the interval is Student's t
  with n − 1 degrees of freedom (scipy.stats.t), and so is the probability that the
  year-end total falls short of the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from sipm_helpers.config import FundRegistry
from sipm_helpers.config.context import RESERVE_INDICATOR, Context
from sipm_helpers.config.monitoring import MonitoringRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.monitoring_balance import SeasonalBalance, coverage_path, seasonal_balance
from sipm_helpers.domain.monitoring_table import monitoring_table
from sipm_helpers.domain.monitoring_tranches import tranche_schedule, tranches
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rules import RULES
from sipm_helpers.domain.scoring import score_indicators

ITEM_KEYS = ["region_code", "fund", "item"]
TOTALS = ("income", "expenditure")  # the totals, items of their own in the frames below
MIN_HISTORY = 2  # past years needed before a spread can be estimated


def monthly_flows(ds: Dataset, registry: FundRegistry) -> pd.DataFrame:
    """Monthly income and expenditure per line item, with the income and expenditure totals
    as items of their own: region_code, fund, item, year, month, amount."""
    kind = ds.execution["item"].map({c: i.kind for c, i in registry.line_items.items()})
    flows = ds.execution.loc[
        kind.isin(["income", "expenditure"]), [*ITEM_KEYS, "year", "month", "amount"]
    ]
    totals = (
        flows.assign(item=kind[flows.index].to_numpy())
        .groupby([*ITEM_KEYS, "year", "month"], as_index=False, observed=True)["amount"]
        .sum()
    )
    return pd.concat([flows, totals], ignore_index=True)


def cumulative_shares(flows: pd.DataFrame) -> pd.DataFrame:
    """For complete years (the region reports its fund through December): the share of the
    year's total executed by the end of each month; a month without a row counts as zero
    (a subsidy that arrives in lumps). Columns: region_code, fund, item, year, month,
    executed, total, share."""
    last = flows.groupby(["region_code", "fund", "year"])["month"].transform("max")
    full = flows.loc[last == 12]
    wide = full.pivot_table(
        index=[*ITEM_KEYS, "year"], columns="month", values="amount", aggfunc="sum", fill_value=0.0
    )
    wide = wide.reindex(columns=range(1, 13), fill_value=0.0)
    cumulative = wide.cumsum(axis=1)
    total = cumulative[12]
    shares = cumulative.div(total.where(total > 0), axis=0)
    out = cumulative.stack().rename("executed").to_frame()
    out["share"] = shares.stack()
    out = out.reset_index()
    out["total"] = out.set_index([*ITEM_KEYS, "year"]).index.map(total).to_numpy()
    return out[[*ITEM_KEYS, "year", "month", "executed", "total", "share"]]


def expected_shares(flows: pd.DataFrame, year: int) -> pd.DataFrame:
    """The seasonal profile from the complete years before ``year``: mean cumulative share
    per region, fund, item and month, with the number of years it rests on."""
    shares = cumulative_shares(flows.loc[flows["year"] < year])
    return (
        shares.dropna(subset=["share"])
        .groupby([*ITEM_KEYS, "month"], as_index=False, observed=True)
        .agg(expected_share=("share", "mean"), history_years=("share", "size"))
    )


def progress(
    ds: Dataset,
    registry: FundRegistry,
    year: int,
    month: int,
    *,
    confidence: float = 0.9,
    lumpy_months: int = 0,
) -> pd.DataFrame:
    """Execution to the end of ``month`` of ``year`` for every region, fund and line item
    (and the income and expenditure totals), against budget, calendar and season, with the
    year-end forecast, its ``confidence`` interval and the probability of falling short of
    the budget. Items paid in at most ``lumpy_months`` months of every past year are
    forecast from their schedule instead (:func:`by_schedule`).
    """
    flows = monthly_flows(ds, registry)
    now = flows.loc[(flows["year"] == year) & (flows["month"] <= month)]
    executed = (
        now.groupby(ITEM_KEYS, as_index=False, observed=True)["amount"]
        .sum()
        .rename(columns={"amount": "executed"})
    )

    budget = ds.budget.loc[ds.budget["year"] == year].assign(
        budget=lambda b: b["adjusted"].fillna(b["initial"])
    )
    kind = budget["item"].map({c: i.kind for c, i in registry.line_items.items()})
    budget = budget.loc[kind.isin(["income", "expenditure"])]
    totals = (
        budget.assign(item=kind[budget.index].to_numpy())
        .groupby(ITEM_KEYS, as_index=False, observed=True)["budget"]
        .sum()
    )
    budget = pd.concat([budget[[*ITEM_KEYS, "budget"]], totals], ignore_index=True)

    out = budget.merge(executed, on=ITEM_KEYS, how="outer")
    out["executed"] = out["executed"].fillna(0.0)
    profile = expected_shares(flows, year)
    profile = profile.loc[profile["month"] == month].drop(columns="month")
    out = out.merge(profile, on=ITEM_KEYS, how="left")
    out["history_years"] = out["history_years"].fillna(0).astype(int)
    out["calendar_share"] = month / 12
    out["seasonal"] = out["expected_share"].notna()
    out["expected_share"] = out["expected_share"].fillna(out["calendar_share"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["execution_rate"] = out["executed"] / out["budget"].where(out["budget"] > 0)
        out["expected_executed"] = out["budget"] * out["expected_share"]
        out["pace"] = out["executed"] / out["expected_executed"].where(out["expected_executed"] > 0)
    out = out.merge(
        forecast_year_end(flows, year, month, out, confidence), on=ITEM_KEYS, how="left"
    )
    before = out["forecast"].copy()
    out = by_schedule(out, flows, now, year, month, lumpy_months)
    out = carry_to_totals(out, before, {c: i.kind for c, i in registry.line_items.items()})
    out.insert(3, "year", year)
    out.insert(4, "month", month)
    return out.sort_values(ITEM_KEYS, ignore_index=True)


def by_schedule(
    out: pd.DataFrame,
    flows: pd.DataFrame,
    now: pd.DataFrame,
    year: int,
    month: int,
    lumpy_months: int,
) -> pd.DataFrame:
    """``out`` with ``lumpy`` and ``tranche_month`` (the first scheduled tranche not received
    by ``month``, 0 if none), and the lumpy items' forecast from their schedule (what has
    arrived ÷ the share its tranches stood for in past years; a missing tranche late, not
    lost), without an interval or probability: past years' multipliers do not apply
    (:mod:`~sipm_helpers.domain.monitoring_tranches`)."""
    past = cumulative_shares(flows.loc[flows["year"] < year])
    schedule = tranche_schedule(past, lumpy_months)
    found = tranches(schedule, now, month).reset_index()
    out = out.merge(found[[*ITEM_KEYS, "received_share", "tranche_month"]], on=ITEM_KEYS,
                    how="left")  # fmt: skip
    lumpy = out["tranche_month"].notna().to_numpy()
    out["lumpy"] = lumpy
    out["tranche_month"] = out["tranche_month"].fillna(0).astype(int)
    received = out["received_share"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scheduled = np.where(received > 0, out["executed"] / received, np.nan)
    out["forecast"] = np.where(lumpy, scheduled, out["forecast"])
    unknown = ["forecast_low", "forecast_high", "p_below_budget", "log_mean", "log_scale"]
    out.loc[lumpy, unknown] = np.nan
    return out.drop(columns="received_share")


def carry_to_totals(out: pd.DataFrame, before: pd.Series, kinds: dict[str, str]) -> pd.DataFrame:
    """The income and expenditure totals' forecasts changed by as much as their lumpy items'
    schedule changed theirs (from ``before``): the totals' distributions are scaled by the
    same factor (forecast, interval, log mean) and their probability of falling short of
    the budget taken again, so that a late tranche is late in the totals too."""
    delta = (out["forecast"] - before).where(out["lumpy"], 0.0).fillna(0.0)
    keys = [out["region_code"], out["fund"], out["item"].map(kinds)]
    shift = delta.groupby(keys).sum()
    totals = out["item"].isin(TOTALS)
    where = pd.MultiIndex.from_arrays([out["region_code"], out["fund"], out["item"]])
    add = np.where(totals, shift.reindex(where).fillna(0.0).to_numpy(), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(add != 0, (out["forecast"] + add) / out["forecast"], 1.0)
    out = out.copy()
    for column in ("forecast", "forecast_low", "forecast_high"):
        out[column] = out[column] * ratio
    out["log_mean"] = out["log_mean"] + np.log(ratio)
    p = probability_below(out, out["budget"])
    out["p_below_budget"] = np.where(add != 0, p, out["p_below_budget"])
    return out


def forecast_year_end(
    flows: pd.DataFrame, year: int, month: int, current: pd.DataFrame, confidence: float
) -> pd.DataFrame:
    """Year-end forecast per region, fund and item from past years' multipliers (total ÷
    executed by ``month``). ``current`` has the item keys, executed, budget and
    expected_share; returns forecast, forecast_low/high (the ``confidence`` prediction
    interval), p_below_budget and forecast_years."""
    past = cumulative_shares(flows.loc[flows["year"] < year])
    past = past.loc[(past["month"] == month) & (past["executed"] > 0) & (past["total"] > 0)]
    past = past.assign(log_multiplier=np.log(past["total"] / past["executed"]))
    spread = (
        past.groupby(ITEM_KEYS, observed=True)["log_multiplier"]
        .agg(["mean", "std", "count"])
        .reset_index()
    )
    f = current[[*ITEM_KEYS, "executed", "budget", "expected_share"]].merge(
        spread, on=ITEM_KEYS, how="left"
    )
    n = f["count"].fillna(0).to_numpy()
    executed = f["executed"].to_numpy(dtype=float)
    # Without history the calendar/seasonal share gives the point forecast and no interval.
    mean = np.where(
        n > 0,
        f["mean"].to_numpy(dtype=float),
        -np.log(np.clip(f["expected_share"].to_numpy(dtype=float), 1e-9, None)),
    )
    sd = f["std"].to_numpy(dtype=float)
    usable = (n >= MIN_HISTORY) & (executed > 0) & np.isfinite(sd)
    dof = np.maximum(n - 1, 1)
    scale = sd * np.sqrt(1 + 1 / np.maximum(n, 1))  # prediction, not just the mean
    t = stats.t.ppf(0.5 + confidence / 2, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        point = executed * np.exp(mean)
        low = np.where(usable, executed * np.exp(mean - t * scale), np.nan)
        high = np.where(usable, executed * np.exp(mean + t * scale), np.nan)
        budget = f["budget"].to_numpy(dtype=float)
        z = (np.log(budget / executed) - mean) / scale
        p_short = np.where(usable & (budget > 0), stats.t.cdf(z, dof), np.nan)
    return pd.DataFrame(
        {
            **{k: f[k] for k in ITEM_KEYS},
            "forecast": np.where(executed > 0, point, np.nan),
            "forecast_low": low,
            "forecast_high": high,
            "p_below_budget": p_short,
            "forecast_years": n.astype(int),
            # the forecast distribution: log(total ÷ executed) ~ mean + scale · t(dof)
            "log_mean": np.where(usable, mean, np.nan),
            "log_scale": np.where(usable, scale, np.nan),
            "dof": dof,
        }
    )


GREEN, AMBER, RED = "green", "amber", "red"
_RANK = {RED: 2, AMBER: 1, GREEN: 0}


def probability_below(frame: pd.DataFrame, amount: pd.Series | np.ndarray) -> np.ndarray:
    """P(year-end total < ``amount``) under each row's forecast distribution (NaN without one)."""
    executed = frame["executed"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (
            np.log(np.asarray(amount, dtype=float) / executed)
            - frame["log_mean"].to_numpy(dtype=float)
        ) / frame["log_scale"].to_numpy(dtype=float)
        return stats.t.cdf(z, frame["dof"].to_numpy(dtype=float))


def risk_light(p_bad: np.ndarray, rules: MonitoringRules) -> np.ndarray:
    """Green, amber or red by the probability of a material miss, at the rules' thresholds."""
    return np.select([p_bad >= rules.risk_red, p_bad >= rules.risk_amber], [RED, AMBER], GREEN)


def at_stake_share(frame: pd.DataFrame, kind: pd.Series) -> np.ndarray:
    """Per row of a :func:`progress` frame, the amount at stake ÷ the fund's budgeted total of
    the item's kind (total income or total expenditure, from the frame's own total rows) in
    the same region: the larger of the forecast's gap to the budget and the gap to the
    seasonal pace. NaN where the frame has no budgeted total to compare with."""
    gap = np.fmax(
        (frame["forecast"] - frame["budget"]).abs().to_numpy(dtype=float),
        (frame["executed"] - frame["expected_executed"]).abs().to_numpy(dtype=float),
    )
    keys = ["region_code", "fund", "item"]
    totals = frame.loc[frame["item"].isin(TOTALS), [*keys, "budget"]].set_index(keys)["budget"]
    where = pd.MultiIndex.from_arrays([frame["region_code"], frame["fund"], kind])
    total = totals.reindex(where).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return gap / np.where(total > 0, total, np.nan)


def traffic_lights(
    frame: pd.DataFrame, registry: FundRegistry, rules: MonitoringRules
) -> pd.DataFrame:
    """Add ``light`` (green, amber, red) and ``reason`` to a :func:`progress` frame.

    Pace is judged against the seasonal expectation (income behind it, expenditure behind or
    ahead of it), and the forecast by the probability ``p_miss`` that income falls short of
    its budget, or expenditure overruns it, by more than the rules' tolerance. The worse of
    the two decides. A light whose amount at stake (:func:`at_stake_share`) is under the
    rules' materiality turns green with reason 'immaterial'. Items without a budget are left
    grey (light NA) unless something was executed against no budget: red (compliance,
    Art. 13), whatever the amount.
    """
    kind = frame["item"].map({c: i.kind for c, i in registry.line_items.items()})
    kind = kind.fillna(frame["item"])  # the income and expenditure totals name their kind
    income = (kind == "income").to_numpy()
    pace = frame["pace"].to_numpy(dtype=float)
    r = rules
    budget = frame["budget"].to_numpy(dtype=float)
    # A material miss: income short of budget, or expenditure over it, by more than the tolerance.
    p_bad = np.where(
        income,
        probability_below(frame, budget * (1 - r.risk_tolerance)),
        1 - probability_below(frame, budget * (1 + r.risk_tolerance)),
    )
    pace_light = np.select(
        [
            income & (pace < r.income_red_below),
            income & (pace < r.income_amber_below),
            ~income & ((pace < r.expenditure_red_below) | (pace > r.expenditure_red_above)),
            ~income & ((pace < r.expenditure_amber_below) | (pace > r.expenditure_amber_above)),
        ],
        [2, 1, 2, 1],
        0,
    )
    risk_light = np.select([p_bad >= r.risk_red, p_bad >= r.risk_amber], [2, 1], 0)  # NaN: no light
    level = np.maximum(pace_light, risk_light)
    executed = frame["executed"].to_numpy(dtype=float)
    unbudgeted = ~(budget > 0) & (executed > 0)
    no_budget = ~(budget > 0) & ~(executed > 0)
    names = np.array([GREEN, AMBER, RED], dtype=object)
    out = frame.copy()
    out["light"] = np.where(unbudgeted, RED, np.where(no_budget, None, names[level]))
    reason = np.select(
        [
            unbudgeted,
            no_budget,
            pace_light >= risk_light,
        ],
        [
            "unbudgeted",
            "no_budget",
            np.where(
                income,
                "income_pace",
                np.where(pace < 1, "expenditure_pace_low", "expenditure_pace_high"),
            ),
        ],
        np.where(income, "income_forecast", "expenditure_forecast"),
    )
    out["reason"] = np.where(
        level == 0, np.where(unbudgeted | no_budget, reason, "on_track"), reason
    )
    out["p_miss"] = p_bad
    out["at_stake"] = at_stake_share(frame, kind)
    immaterial = (level > 0) & ~unbudgeted & (out["at_stake"].to_numpy() < r.materiality)
    out.loc[immaterial, "light"] = GREEN
    out.loc[immaterial, "reason"] = "immaterial"
    if "tranche_month" in out.columns:  # a lumpy item behind for want of a tranche
        late = out["light"].isin([RED, AMBER]) & (out["tranche_month"] > 0) & ~unbudgeted
        out.loc[late, "reason"] = "tranche_missing"
    out["focus"] = out["item"].isin(rules.focus_items)
    return out


def alerts(lights: pd.DataFrame) -> pd.DataFrame:
    """The amber and red lights as alerts (immaterial ones are green already), Art. 12's
    focus items first, most severe first within them, each with an empty
    ``corrective_action`` for the region to fill in (Art. 14)."""
    hit = lights.loc[lights["light"].isin([RED, AMBER])].copy()
    hit["corrective_action"] = ""
    return rank_alerts(hit.sort_values(ITEM_KEYS))


def rank_alerts(found: pd.DataFrame) -> pd.DataFrame:
    """``found`` in the order of the report: focus first, then red before amber, in the
    order given otherwise."""
    order = found.assign(_rank=found["light"].map(_RANK), _focus=found["focus"].astype(bool))
    order = order.sort_values(["_focus", "_rank"], ascending=False, kind="stable")
    return order.drop(columns=["_rank", "_focus"]).reset_index(drop=True)


MONITORING_SCHEMA = "sipm.monitoring"
# 2: the balance judged against its season; items' p_miss (the light's probability) and
# at_stake (materiality), the reason 'immaterial'; alerts' kind (item, fund, target), the
# targets whose outlook is red and a forecast deficit as alerts; items' lumpy and
# tranche_month, the reason 'tranche_missing'; the Ministry's monitoring table ('table')
# 3: amber outlooks of scored targets are alerts ('target_at_risk'); targets only reported,
# or projected over years, raise none
MONITORING_VERSION = 3


@dataclass(frozen=True)
class Monitoring:
    """One region's fund monitored to the end of a month of the budget year.

    ``data_month`` is the last month the region's data reach, at most ``month``; when the
    data are late the figures are to the end of ``data_month`` and a red alert says so."""

    fund: str
    region: str
    province: str | None
    year: int
    month: int
    data_month: int
    items: pd.DataFrame  # progress with lights, one row per line item and the two totals
    alerts: pd.DataFrame
    paths: pd.DataFrame  # month, item, executed (cumulative), expected_share
    balance_end: float
    season: SeasonalBalance  # months covered now and projected to the year end
    floor: float  # the reserve band's floor of months covered (NaN without one)
    indicators: pd.DataFrame  # the annual targets' outlook (indicator_outlook)
    table: pd.DataFrame  # the Ministry's monitoring table (monitoring_table.monitoring_table)
    checks: pd.DataFrame  # Art. 13's timeliness, compliance and effectiveness (art13_checks)

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def data_period(self) -> str:
        return f"{self.year}-{self.data_month:02d}"

    @property
    def months_covered(self) -> float:
        return self.season.months_covered

    @property
    def months_late(self) -> int:
        return self.month - self.data_month

    def counts(self) -> dict[str, int]:
        """Line items by light, plus the alerts that are not a line item's (late data, the
        balance, a forecast deficit, targets off course) if there are any."""
        lights = pd.concat(
            [self.items["light"], self.alerts.loc[self.alerts["kind"] != "item", "light"]]
        )
        return {light: int((lights == light).sum()) for light in (RED, AMBER, GREEN)}

    def flags(self) -> list[str]:
        c = self.counts()
        return [f for f, n in (("red_alerts", c[RED]), ("amber_alerts", c[AMBER])) if n]

    def to_result(self) -> dict:
        """The machine-readable result (JSON-serializable, versioned)."""
        cols = [
            "item",
            "budget",
            "executed",
            "execution_rate",
            "expected_share",
            "pace",
            "forecast",
        ]
        cols += ["forecast_low", "forecast_high", "p_below_budget", "p_miss", "at_stake"]
        cols += ["lumpy", "tranche_month"]
        cols += ["light", "reason"]
        rows = [
            {k: json_value(v) for k, v in r.items()} for r in self.items[cols].to_dict("records")
        ]
        return {
            "schema": MONITORING_SCHEMA,
            "version": MONITORING_VERSION,
            "stage": "monitoring",
            "fund": self.fund,
            "region": self.region,
            "province": self.province,
            "year": self.year,
            "month": self.month,
            "period": self.period,
            "data_month": self.data_month,
            "months_late": self.months_late,
            "counts": self.counts(),
            "flags": self.flags(),
            "balance_end": json_value(self.balance_end),
            "months_covered": json_value(self.months_covered),
            "months_covered_year_end": json_value(self.season.year_end),
            "balance_history_years": self.season.history_years,
            "items": rows,
            "alerts": [
                {
                    "item": r.item,
                    "kind": r.kind,
                    "light": r.light,
                    "reason": r.reason,
                    "corrective_action": r.corrective_action,
                }
                for r in self.alerts.itertuples()
            ],
            "indicators": [
                {k: json_value(v) for k, v in r.items()}
                for r in self.indicators[
                    [
                        "indicator",
                        "target",
                        "value",
                        "value_low",
                        "value_high",
                        "basis",
                        "p_miss",
                        "light",
                    ]
                ].to_dict("records")
            ],
            "table": [
                {k: json_value(v) for k, v in r.items()}
                for r in self.table.drop(columns=["rule", "direction", "reads"]).to_dict("records")
            ],
            "checks": [
                {"aspect": r.aspect, "check": r.check, "light": json_value(r.light)}
                for r in self.checks.itertuples()
            ],
        }


def known_to(ds: Dataset, year: int, month: int) -> Dataset:
    """``ds`` as it stood at the end of ``month`` of ``year``: execution and statistics of
    the months executed so far (none later), so that a target's value to date is the
    months' to date, not the whole year's where the data run on."""
    kept = {}
    for name in ("execution", "statistics"):
        frame = getattr(ds, name)
        done = (frame["year"] < year) | ((frame["year"] == year) & (frame["month"] <= month))
        kept[name] = frame.loc[done]
    return replace(ds, **kept)


def reported_month(ds: Dataset, *, fund: str, region: str, year: int) -> int:
    """The last month of ``year`` the region's execution data of ``fund`` reach (0: none)."""
    e = ds.execution
    months = e.loc[
        (e["fund"] == fund) & (e["region_code"] == region) & (e["year"] == year), "month"
    ]
    return int(months.max()) if len(months) else 0


def monitor(
    ds: Dataset,
    ctx: Context,
    rules: MonitoringRules,
    *,
    fund: str,
    region: str,
    year: int,
    month: int,
    confidence: float = 0.9,
) -> Monitoring:
    """Monitor ``fund`` in ``region`` to the end of ``month`` of ``year`` (Art. 11–14).

    Data that stop before ``month`` are late (timeliness, Art. 13): the figures are to the
    last month reported, and a red alert says how late; with no month of the year at all
    there are no figures, only the alert. Raises ValueError when the region does not
    coordinate the fund."""
    coord = ds.coordination
    row = coord.loc[(coord["fund"] == fund) & (coord["region_code"] == region)]
    if row.empty:
        raise ValueError(f"{region} is not a coordinating region of {fund}")
    province = str(row.iloc[0]["province_code"])
    as_of = min(month, reported_month(ds, fund=fund, region=region, year=year))
    sub = Dataset(
        **{
            **ds.__dict__,
            "execution": ds.execution.loc[
                (ds.execution["fund"] == fund) & (ds.execution["region_code"] == region)
            ],
            "budget": ds.budget.loc[
                (ds.budget["fund"] == fund) & (ds.budget["region_code"] == region)
            ],
        }
    )
    computed_to = max(as_of, 1)  # with nothing reported, the shapes of month 1, left empty
    now = progress(sub, ctx.registry, year, computed_to, confidence=confidence,
                   lumpy_months=rules.lumpy_max_months)  # fmt: skip
    items = traffic_lights(now, ctx.registry, rules)
    items = items.loc[((items["budget"].fillna(0) > 0) | (items["executed"] > 0)) & (as_of > 0)]
    f = ctx.registry.fund(fund)
    order = {
        item: i
        for i, item in enumerate((*f.income_items, "income", *f.expenditure_items, "expenditure"))
    }
    items = items.sort_values(
        "item", key=lambda s: s.map(order).fillna(len(order)), ignore_index=True
    )
    flows = monthly_flows(sub, ctx.registry)
    this_year = flows.loc[(flows["year"] == year) & (flows["month"] <= as_of)]
    executed = (
        this_year.pivot_table(
            index="month", columns="item", values="amount", aggfunc="sum", fill_value=0.0
        )
        .reindex(range(1, as_of + 1), fill_value=0.0)
        .cumsum()
        .stack()
        .rename("executed")
        .reset_index()
    )
    expected = expected_shares(flows, year)[["item", "month", "expected_share"]]
    paths = expected.merge(executed, on=["item", "month"], how="outer").sort_values(
        ["item", "month"], ignore_index=True
    )
    mine = sub.execution.loc[(sub.execution["year"] == year) & (sub.execution["month"] == as_of)]
    ends = mine.loc[mine["item"] == "balance_end", "amount"]
    balance = float(ends.iloc[0]) if len(ends) else float("nan")
    path = coverage_path(ds, ctx.registry, fund=fund, region=region)
    season = seasonal_balance(path, year, as_of)
    band = ctx.reserve_band(fund, province)
    floor = band.lower if band is not None and band.lower is not None else float("nan")
    outlook = indicator_outlook(
        known_to(ds, year, as_of), ctx, rules, items, fund=fund, region=region, year=year,
        season=season,
    )  # fmt: skip
    if as_of == 0:  # nothing reported: no outlook either
        outlook = outlook.iloc[:0]
    table = monitoring_table(outlook, ds, rules, fund=fund, region=region, year=year,
                             month=month)  # fmt: skip
    raised = fund_alerts(items, outlook, rules, late=as_of < month, balance=balance, floor=floor,
                         season=season)  # fmt: skip
    found = alerts(items).assign(kind="item")
    if raised:
        extra = pd.DataFrame(raised, columns=["item", "light", "reason", "kind"]).assign(
            region_code=region, fund=fund, focus=True, corrective_action=""
        )
        found = rank_alerts(pd.concat([extra, found], ignore_index=True))
    return Monitoring(
        fund=fund,
        region=region,
        province=province,
        year=year,
        month=month,
        data_month=as_of,
        items=items,
        alerts=found,
        paths=paths,
        balance_end=balance,
        season=season,
        floor=floor,
        indicators=outlook,
        table=table,
        checks=art13_checks(items, outlook, rules, month, as_of, balance, season, floor),
    )


def fund_alerts(
    items: pd.DataFrame,
    outlook: pd.DataFrame,
    rules: MonitoringRules,
    *,
    late: bool,
    balance: float,
    season: SeasonalBalance,
    floor: float,
) -> list[tuple[str, str, str, str]]:
    """The alerts that are not a line item's light, as (item, light, reason, kind): late
    data (Art. 13, timeliness), the balance against its season, a forecast deficit (Art. 12,
    the fund's balance of income and expenditure) and every scored annual target whose
    outlook is red (off course) or amber (at risk) (Art. 12, the completion of performance
    targets); indicators only reported, and those projected over years, raise none. Kind
    'fund' or 'target'; a target alert's item is the indicator's code. The balance and
    deficit alerts speak for the reserve and surplus targets (red when those are)."""
    found = []
    if late:
        found.append(("data", RED, "data_late", "fund"))
    targets = alerted_targets(outlook, rules)
    if balance < 0 or season.judged < floor:  # it speaks for the reserve target
        reserve_red = targets.get(RESERVE_INDICATOR) == RED
        low = (RED if reserve_red else AMBER, "balance_low")
        found.append(("balance_end", *((RED, "negative_balance") if balance < 0 else low), "fund"))
        targets.pop(RESERVE_INDICATOR, None)
    deficit = deficit_alert(items, outlook, rules, balance)
    if deficit is not None:  # it speaks for the surplus target
        found.append(deficit)
        targets.pop(rules.surplus_indicator, None)
    reasons = {RED: "target_off_course", AMBER: "target_at_risk"}
    found += [(code, light, reasons[light], "target") for code, light in targets.items()]
    return found


def alerted_targets(outlook: pd.DataFrame, rules: MonitoringRules) -> dict[str, str]:
    """indicator → light of each scored annual target whose outlook is red or amber, reds
    first: a target only reported (context, not the agency's performance) or projected over
    years (the rules' long_range) is not an alert on the year's execution."""
    scored = ~outlook["reported"].fillna(False).astype(bool)
    in_year = ~outlook["indicator"].isin(rules.long_range)
    lit = outlook.loc[scored & in_year & outlook["light"].isin([RED, AMBER])]
    lit = lit.sort_values("light", key=lambda s: s.map({RED: 0, AMBER: 1}), kind="stable")
    return dict(zip(lit["indicator"], lit["light"], strict=True))


def deficit_alert(
    items: pd.DataFrame, outlook: pd.DataFrame, rules: MonitoringRules, balance: float
) -> tuple[str, str, str, str] | None:
    """A forecast deficit for the year (forecast income below forecast expenditure) worse
    than the budget planned by at least the rules' materiality of the expenditure budget:
    red when the forecast year-end balance is negative or the surplus target's outlook is
    red, else amber. None without one, or without the two totals' forecasts."""
    by = items.set_index("item")
    if not set(TOTALS) <= set(by.index):
        return None
    inc, exp = by.loc["income"], by.loc["expenditure"]
    result = float(inc["forecast"]) - float(exp["forecast"])
    planned = float(np.nan_to_num(inc["budget"])) - float(np.nan_to_num(exp["budget"]))
    gap = (planned - result) / exp["budget"] if exp["budget"] > 0 else np.nan
    if not (result < 0 and gap >= rules.materiality):
        return None
    year_end = balance + result - (float(inc["executed"]) - float(exp["executed"]))
    surplus = outlook.loc[outlook["indicator"] == rules.surplus_indicator, "light"]
    if year_end < 0:
        return ("current_balance", RED, "forecast_exhausted", "fund")
    return ("current_balance", RED if (surplus == RED).any() else AMBER, "forecast_deficit", "fund")


ART13_ASPECTS = ("timeliness", "compliance", "effectiveness")


def art13_checks(
    items: pd.DataFrame,
    outlook: pd.DataFrame,
    rules: MonitoringRules,
    month: int,
    data_month: int,
    balance: float,
    season: SeasonalBalance,
    floor: float,
) -> pd.DataFrame:
    """The monitoring contents of Art. 13 as checks with a light each: timeliness (data
    reported to the period; fiscal subsidy and benefits on their seasonal schedule),
    compliance (expenditure within its budget, nothing executed without a budget, no
    negative balance, the balance's months covered projected to the year end by its season
    within the reserve band) and effectiveness (the annual targets on course). Columns: aspect,
    check, light (None where the check does not apply), and the figures it rests on."""
    rows: list[dict] = [
        {
            "aspect": "timeliness",
            "check": "data_reported",
            "light": GREEN if data_month >= month else RED,
            "data_month": data_month,
            "month": month,
            "late": month - data_month,
        }
    ]
    by_item = items.set_index("item")
    for item, check in (
        ("fiscal_subsidy", "subsidy_on_schedule"),
        ("benefits", "benefits_on_schedule"),
    ):
        if item in by_item.index and by_item.at[item, "budget"] > 0:
            r = by_item.loc[item]
            rows.append(
                {
                    "aspect": "timeliness",
                    "check": check,
                    "light": r["light"] if r["reason"] != "expenditure_pace_high" else GREEN,
                    "executed": r["executed"],
                    "expected": r["expected_executed"],
                    "pace": r["pace"],
                }
            )
    if "expenditure" in by_item.index:
        r = by_item.loc[["expenditure"]]
        budget = float(r["budget"].iloc[0])
        spent = float(r["executed"].iloc[0])
        p_over = float(1 - probability_below(r, budget * (1 + rules.risk_tolerance))[0])
        light = RED if spent > budget else str(risk_light(np.array([p_over]), rules)[0])
        rows.append(
            {
                "aspect": "compliance",
                "check": "within_budget",
                "light": light if budget > 0 else None,
                "executed": spent,
                "budget": budget,
                "p_over": p_over,
            }
        )
    line_items = ~items["item"].isin(["income", "expenditure"])  # not the totals
    unbudgeted = items.loc[line_items & (items["reason"] == "unbudgeted"), "item"].tolist()
    rows.append(
        {
            "aspect": "compliance",
            "check": "no_unbudgeted",
            "light": (RED if unbudgeted else GREEN) if data_month else None,
            "count": len(unbudgeted),
        }
    )
    rows.append(
        {
            "aspect": "compliance",
            "check": "balance",
            "light": None
            if np.isnan(balance)
            else RED
            if balance < 0
            else AMBER
            if season.judged < floor
            else GREEN,
            "balance": balance,
            "months": season.months_covered,
            "year_end": season.year_end,
            "history_years": season.history_years,
            "floor": floor,
        }
    )
    lights = outlook["light"]
    red, amber = int((lights == RED).sum()), int((lights == AMBER).sum())
    rows.append(
        {
            "aspect": "effectiveness",
            "check": "targets_on_course",
            "light": (RED if red else AMBER if amber else GREEN) if len(outlook) else None,
            "count": int(lights.notna().sum()),
            "red": red,
            "amber": amber,
        }
    )
    return pd.DataFrame(rows)


def indicator_outlook(
    ds: Dataset,
    ctx: Context,
    rules: MonitoringRules,
    items: pd.DataFrame,
    *,
    fund: str,
    region: str,
    year: int,
    season: SeasonalBalance | None = None,
) -> pd.DataFrame:
    """Is each annual target on course (Art. 13, effectiveness)?

    Budget-execution indicators take the line item's year-end forecast ÷ budget, with the
    probability that the year ends outside the target (from the forecast distribution);
    the current-year surplus takes the income and expenditure forecasts; indicators that
    compare part of a year with a whole one are left to the year end (basis 'year_end', no
    light); the others take their value to date (ratios of flows over the same months, and
    stocks, carry over to the year end). Returns indicator, rule, target, band_lower,
    band_upper, value (the year-end outlook), value_low and value_high (its prediction
    interval, where a forecast gives one), basis, p_miss, met and light. With a
    ``season`` that rests on past years, the months covered are carried to the year end by
    its factor (basis 'season', as the balance check does): the band is a year-end norm.
    A value to date within the rules' forecast tolerance of its target is green (on course),
    as a forecast within it is.
    """
    frame = indicator_frame(ds, ctx, funds=[fund], regions=[region], years=[year])
    frame = frame.loc[frame["kind"] == "quantitative"].copy()
    by_item = items.set_index("item")
    value = frame["actual"].to_numpy(dtype=float).copy()
    to_date = value.copy()  # the value to date, where it means something before the year end
    low, high = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    p_miss = np.full(len(frame), np.nan)
    basis = np.array(["to_date"] * len(frame), dtype=object)
    for i, (code, rule, target, lo, hi) in enumerate(
        frame[["indicator", "rule", "target", "band_lower", "band_upper"]].itertuples(index=False)
    ):
        if code in rules.year_end_only:
            value[i], to_date[i], basis[i] = np.nan, np.nan, "year_end"
            continue
        if code == RESERVE_INDICATOR and season is not None and season.history_years:
            value[i], to_date[i], basis[i] = season.year_end, season.months_covered, "season"
            continue
        if code == rules.surplus_indicator and {"income", "expenditure"} <= set(by_item.index):
            income, spent = (float(by_item.at[k, "forecast"]) for k in ("income", "expenditure"))
            value[i], basis[i] = (income - spent) / spent if spent > 0 else np.nan, "forecast"
            got, paid = (float(by_item.at[k, "executed"]) for k in ("income", "expenditure"))
            to_date[i] = (got - paid) / paid if paid > 0 else np.nan
            continue
        item = rules.forecast_items.get(code)
        if item is None or item not in by_item.index or not by_item.at[item, "budget"] > 0:
            continue
        row = by_item.loc[[item]]
        budget = float(row["budget"].iloc[0])
        value[i] = float(row["forecast"].iloc[0]) / budget
        to_date[i] = float(row["executed"].iloc[0]) / budget
        low[i] = float(row["forecast_low"].iloc[0]) / budget
        high[i] = float(row["forecast_high"].iloc[0]) / budget
        basis[i] = "forecast"
        if RULES[rule].needs_band:
            below = probability_below(row, budget * lo)[0] if not np.isnan(lo) else 0.0
            above = 1 - probability_below(row, budget * hi)[0] if not np.isnan(hi) else 0.0
            p_miss[i] = below + above
        elif not np.isnan(target):
            p_miss[i] = probability_below(row, budget * target)[0]
    out = frame[
        [
            "indicator",
            "rule",
            "direction",
            "unit",
            "target",
            "band_lower",
            "band_upper",
            "reads",
            "explain_threshold",
            "reported",
        ]
    ].copy()
    out["value"], out["basis"], out["p_miss"] = value, basis, p_miss
    out["to_date"] = to_date
    out["value_low"], out["value_high"] = low, high  # the forecast's interval ÷ the budget
    scored = score_indicators(
        frame.assign(actual=value, weight=1.0).drop(columns=["points"]), ctx.standards
    )
    out["met"] = scored["met"].to_numpy()
    shortfall = scored["shortfall"].to_numpy(dtype=float)
    missed = shortfall > scored["explain_threshold"].to_numpy(dtype=float)
    # within the forecasts' tolerance of its target a value is on course, as a forecast is;
    # a pass-or-fail target (no deficit) has no tolerance
    tolerated = (np.nan_to_num(shortfall) <= rules.risk_tolerance) & (out["rule"] != "pass_fail")
    on_course = out["met"].fillna(True).to_numpy(bool) | tolerated.to_numpy(bool)
    light = np.where(
        ~np.isnan(p_miss),
        risk_light(p_miss, rules),
        np.where(
            pd.isna(out["met"]),
            None,
            np.where(on_course, GREEN, np.where(missed, RED, AMBER)),
        ),
    )
    out["light"] = light
    return out.reset_index(drop=True)


def year_end_alerts(
    ds: Dataset, ctx: Context, *, fund: str, regions: list[str], year: int
) -> pd.DataFrame:
    """The amber and red lights of ``fund``'s line items in ``regions`` once ``year`` has
    closed (its December execution against the budget), all regions at once: what the
    year's monitoring ended with (Art. 12). Columns as :func:`alerts`."""
    keep_e = (ds.execution["fund"] == fund) & ds.execution["region_code"].isin(regions)
    keep_b = (ds.budget["fund"] == fund) & ds.budget["region_code"].isin(regions)
    sub = Dataset(**{**ds.__dict__, "execution": ds.execution.loc[keep_e],
                     "budget": ds.budget.loc[keep_b]})  # fmt: skip
    # The year has closed: no forecast, and a tranche not received is a shortfall, not late.
    items = traffic_lights(progress(sub, ctx.registry, year, 12), ctx.registry, ctx.monitoring)
    return alerts(items.loc[~items["item"].isin(["income", "expenditure"])])
