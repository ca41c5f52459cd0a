"""Sustainability and actuarial balance (Art. 2 and 4): where each fund is heading.

For every coordinating region and fund at once:

- **growth** of income and expenditure, fitted on the complete years of the data by least
  squares on the logarithm (a constant growth rate, with the standard errors of the fit),
  or fixed from ``parameters/sustainability.yaml``: by choice, or as the fallback where
  the history is too short, not positive, or too noisy to fit, and then said so;
- a **projection** over the horizon with its prediction interval: analytic (Student's t,
  scipy) for income and expenditure; for the accumulated balance and the months of
  expenditure it covers, from simulated paths that draw the trend's parameters from their
  sampling distribution and each year's scatter about it; a fixed-growth projection is
  bounded by growth ± the parameters' spread instead;
- the first year the balance covers fewer months than the fund's floor, and the year it is
  exhausted, each with its interval ("not within the horizon" is NaN);
- the short-range **solvency test** after the US Social Security Trustees' test of
  financial adequacy: the balance covers the threshold in every year of the test period,
  or, starting below it, reaches it within the recovery years and stays there; with the
  number of the test's years that fail, which the indicator of the fund's sustainability
  is scored from (the central path and verdict are one :class:`Outlook`, which the full
  projection builds on, so the indicator and the report cannot disagree);
- the **balancing answers**: the constant premium growth (scipy's brentq) and the extra
  fiscal subsidy a year (exact: the months covered are linear in it) that make the test
  pass;
- for pension funds the **pay-as-you-go cost rate** (expenditure ÷ contribution base)
  against the contribution rate, and the **dependency ratio**'s trend;
- a **sensitivity** table: income and expenditure growth each moved by ± a point.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import elementwise

from sipm_helpers.config.context import Context
from sipm_helpers.config.sustainability import SustainabilityRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import AnnualFacts, annual_facts, reserve_basis
from sipm_helpers.domain.results import json_value

KEYS = ["region_code", "fund"]
MONTHS = 12
CHUNK = 256  # groups simulated at once (memory: simulations × CHUNK × horizon)
PREMIUM_BRACKET = (-0.99, 3.0)  # premium growth rates the balancing search spans
SIDES = ("income", "expenditure")


# --------------------------------------------------------------------------- history


def history_frame(
    ds: Dataset,
    ctx: Context,
    *,
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    last_year: int | None = None,
    facts: AnnualFacts | None = None,
) -> pd.DataFrame:
    """The complete years (twelve months reported) up to ``last_year`` of every region and
    fund: income, expenditure, premium, balance_end, months_covered (the pooled fund's
    where it is reported apart from the personal accounts, with ``pooled``; a history whose
    last year is the pooled fund's keeps only the pooled fund's years), and where the
    statistics give them contribution_base, contributors, insured and retirees. ``facts``,
    where given, are the selection's annual facts already aggregated (all its years)."""
    facts = facts or annual_facts(ds, ctx.registry, funds=funds, regions=regions)
    e = facts.executed
    basis = reserve_basis(facts)  # the pooled fund where reported apart from personal accounts
    complete = basis.loc[basis["months"] == MONTHS]
    if last_year is not None:
        complete = complete.loc[complete.index.get_level_values("year") <= last_year]
    out = pd.DataFrame(index=complete.index)
    for column in ("income", "expenditure", "balance_end"):
        out[column] = complete[column].astype(float)
    premium = e["premium"].reindex(out.index).fillna(0.0) if "premium" in e else 0.0
    # the pooled fund's share of the premium: its share of the income
    total = e["income"].reindex(out.index)
    out["premium"] = premium * (complete["income"] / total.where(total > 0)).fillna(1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["months_covered"] = out["balance_end"] / (out["expenditure"] / MONTHS)
    out["pooled"] = complete["pooled"].astype(bool)
    st = facts.statistics.reindex(out.index)
    for column in ("contribution_base", "contributors", "insured", "retirees"):
        out[column] = st.get(column, np.nan)
    out = out.reset_index().sort_values([*KEYS, "year"], ignore_index=True)
    # One basis per history: where the last year is the pooled fund's, so are the years fitted.
    last = out.groupby(KEYS, sort=False)["pooled"].transform("last")
    return out.loc[out["pooled"] == last].reset_index(drop=True)


def system_dependency(frame: pd.DataFrame) -> pd.Series:
    """The system dependency ratio (制度抚养比): insured persons still working (the insured
    less the retirees) per retiree; NaN without retirees."""
    retirees = frame["retirees"].where(frame["retirees"] > 0)
    return (frame["insured"] - retirees) / retirees


def fit_log_linear(
    history: pd.DataFrame, column: str, keys: Sequence[str] = tuple(KEYS)
) -> pd.DataFrame:
    """Per region and fund (or per ``keys``), least squares of log(``column``) on the year: ``growth`` (the
    annual rate, exp(slope) − 1), ``slope``, ``level`` (the fitted log at the mean year
    ``x_mean``), ``sxx``, ``resid_sd`` (n − 2 degrees of freedom), ``n`` and ``positive``
    (every value above zero: a log can be taken)."""
    keys = list(keys)
    h = history[[*keys, "year", column]].copy()
    value = h[column].to_numpy(dtype=float)
    h["positive"] = value > 0
    h["x"] = h["year"].astype(float)
    h["y"] = np.log(np.where(value > 0, value, np.nan))
    positive = h.groupby(keys, sort=True)["positive"].all()
    h = h.dropna(subset=["y"])  # only years with a log enter the fit
    g = h.groupby(keys, sort=True)
    n = g["y"].count().reindex(positive.index, fill_value=0)
    dx = h["x"] - g["x"].transform("mean")
    dy = h["y"] - g["y"].transform("mean")
    sums = (
        pd.DataFrame({"sxx": dx * dx, "sxy": dx * dy, "syy": dy * dy, **{k: h[k] for k in keys}})
        .groupby(keys, sort=True)
        .sum()
        .reindex(positive.index)
    )
    x_mean = g["x"].mean().reindex(positive.index)
    y_mean = g["y"].mean().reindex(positive.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = sums["sxy"] / sums["sxx"].where(sums["sxx"] > 0)
        sse = (sums["syy"] - slope * sums["sxy"]).clip(lower=0)
        resid_sd = np.sqrt(sse / (n - 2).where(n > 2))
    return pd.DataFrame(
        {
            "n": n,
            "slope": slope,
            "growth": np.expm1(slope),
            "level": y_mean,
            "x_mean": x_mean,
            "sxx": sums["sxx"],
            "resid_sd": resid_sd,
            "positive": positive,
        }
    ).reset_index()


def log_trend(fit: pd.DataFrame, years: np.ndarray) -> np.ndarray:
    """[G, H] the fitted log of a value in ``years`` (one row of years, or a row broadcast,
    per row of ``fit``)."""
    x = years - fit["x_mean"].to_numpy(dtype=float)[:, None]
    return (
        fit["level"].to_numpy(dtype=float)[:, None]
        + fit["slope"].to_numpy(dtype=float)[:, None] * x
    )


def log_linear_interval(
    fit: pd.DataFrame, years: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[G, H] the fitted log of a value in ``years`` (:func:`log_trend`) and the bounds of
    its ``confidence`` prediction interval: Student's t with n − 2 degrees of freedom and
    the standard error of a new observation, s·√(1 + 1/n + (x − x̄)²/Sxx)."""
    n = fit["n"].to_numpy(dtype=float)[:, None]
    x = years - fit["x_mean"].to_numpy(dtype=float)[:, None]
    mid = log_trend(fit, years)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = fit["resid_sd"].to_numpy(dtype=float)[:, None] * np.sqrt(
            1 + 1 / n + x**2 / fit["sxx"].to_numpy(dtype=float)[:, None]
        )
        t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 2, 1))
    return mid, mid - t * se, mid + t * se


def linear_trend(history: pd.DataFrame, value: pd.Series) -> pd.Series:
    """Per region and fund, the least-squares change of ``value`` per year (NaN with fewer
    than two years)."""
    h = history[[*KEYS, "year"]].assign(v=value.to_numpy(dtype=float)).dropna(subset=["v"])
    x = h["year"].astype(float)
    xm = h.groupby(KEYS)["year"].transform("mean")
    vm = h.groupby(KEYS)["v"].transform("mean")
    parts = pd.DataFrame(
        {"sxy": (x - xm) * (h["v"] - vm), "sxx": (x - xm) ** 2, **{k: h[k] for k in KEYS}}
    )
    sums = parts.groupby(KEYS).sum()
    return (sums["sxy"] / sums["sxx"].where(sums["sxx"] > 0)).rename("trend")


# --------------------------------------------------------------------------- path arithmetic


def balance_paths(balance0: np.ndarray, income: np.ndarray, expenditure: np.ndarray) -> np.ndarray:
    """[..., H] year-end balances: the opening balance plus the running net flow."""
    return balance0[..., None] + np.cumsum(income - expenditure, axis=-1)


def months_paths(balance: np.ndarray, expenditure: np.ndarray) -> np.ndarray:
    """Months of expenditure the balance covers (NaN without expenditure)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expenditure > 0, balance / (expenditure / MONTHS), np.nan)


def first_year(mask: np.ndarray, years: np.ndarray) -> np.ndarray:
    """[...] the first of ``years`` where ``mask`` ([..., H]) holds; NaN where it never does."""
    at = np.argmax(mask, axis=-1)[..., None]
    year = np.take_along_axis(np.broadcast_to(years, mask.shape), at, axis=-1)[..., 0]
    return np.where(mask.any(axis=-1), year, np.nan)


def required_years(
    months0: np.ndarray, threshold: np.ndarray, rules: SustainabilityRules
) -> np.ndarray:
    """[G, H] the projection years the solvency test holds to the threshold: every year of
    the test period, or, for a fund starting below the threshold, from the end of the
    recovery period on."""
    h = np.arange(1, rules.horizon + 1)[None, :]
    start = np.where(months0 >= threshold, 1, max(rules.recovery_years, 1))[:, None]
    return (h >= start) & (h <= rules.test_years)


def short_years(
    months: np.ndarray, months0: np.ndarray, threshold: np.ndarray, rules: SustainabilityRules
) -> np.ndarray:
    """[G, H] the years the short-range test holds to the threshold in which the months
    covered fall short of it: the test's failing years."""
    return required_years(months0, threshold, rules) & ~(months >= threshold[:, None])


def solvency(
    months: np.ndarray,
    months0: np.ndarray,
    threshold: np.ndarray,
    rules: SustainabilityRules,
    years: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(passes, first failing year) of the short-range test for [G, H] months paths."""
    short = short_years(months, months0, threshold, rules)
    applies = ~np.isnan(threshold)
    fail_year = first_year(short, years)
    return np.where(applies, np.isnan(fail_year), np.nan), np.where(applies, fail_year, np.nan)


def balancing_subsidy(
    balance: np.ndarray, expenditure: np.ndarray, required: np.ndarray, threshold: np.ndarray
) -> np.ndarray:
    """[G] the constant extra subsidy a year that lifts the months covered to the threshold
    in every required year. The balance in year h gains h × the subsidy, so the months are
    linear in it and the answer is exact: max over h of (threshold × E_h / 12 − B_h) / h."""
    h = np.arange(1, balance.shape[-1] + 1)[None, :]
    need = (threshold[:, None] * expenditure / MONTHS - balance) / h
    need = np.where(required, need, -np.inf)
    return np.where(np.isnan(threshold), np.nan, np.maximum(need.max(axis=-1), 0.0))


def balancing_premium_growth(
    balance0: np.ndarray,
    other_income: np.ndarray,
    premium0: np.ndarray,
    expenditure: np.ndarray,
    required: np.ndarray,
    threshold: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """[G] the constant premium growth rate that makes the months covered reach the
    threshold in every required year, the other income ([G, H]) as projected; and each
    one's status: 'solved', 'not_needed' (the test passes even with premiums all but gone),
    'unreachable' (no rate in the bracket is enough) or 'not_applicable' (no threshold, no
    premium). The tightest year's margin rises with the rate, so the root is bracketed and
    every group is solved at once by scipy's elementwise Chandrupatla root finder."""
    h = np.arange(1, expenditure.shape[1] + 1)

    def margin(g: np.ndarray, at: np.ndarray) -> np.ndarray:
        at = at.astype(int)
        income = other_income[at] + premium0[at, None] * (1 + g[..., None]) ** h
        balance = balance0[at, None] + np.cumsum(income - expenditure[at], axis=-1)
        months = months_paths(balance, expenditure[at])
        gap = np.where(required[at], months - threshold[at, None], np.inf)
        return np.nanmin(gap, axis=-1)

    G = len(balance0)
    rate = np.full(G, np.nan)
    status = np.full(G, "not_applicable", dtype=object)
    applies = ~np.isnan(threshold) & required.any(axis=1) & (premium0 > 0)
    at = np.flatnonzero(applies).astype(float)
    if not len(at):
        return rate, status
    lo, hi = PREMIUM_BRACKET
    at_lo, at_hi = margin(np.full(len(at), lo), at), margin(np.full(len(at), hi), at)
    idx = at.astype(int)
    status[idx] = np.where(at_lo >= 0, "not_needed", np.where(at_hi < 0, "unreachable", "solved"))
    solve = (at_lo < 0) & (at_hi >= 0)
    if solve.any():
        found = elementwise.find_root(
            margin,
            (np.full(solve.sum(), lo), np.full(solve.sum(), hi)),
            args=(at[solve],),
            tolerances={"xatol": 1e-9, "xrtol": 0.0},
        )
        rate[idx[solve]] = found.x
    return rate, status


# --------------------------------------------------------------------------- projection


@dataclass(frozen=True)
class Projection:
    """The sustainability of every region and fund projected from ``last_year``.

    ``summary``: one row per region and fund. ``paths``: per region, fund and year, the
    history and the projection (income, expenditure, balance, months covered, with the
    interval's bounds: ``_low``/``_high`` at the rules' confidence, ``_q25``/``_q75`` the
    inner half). ``sensitivity``: per region and fund, the base case and growth moved by ±
    the rules' step."""

    summary: pd.DataFrame
    paths: pd.DataFrame
    sensitivity: pd.DataFrame
    rules: SustainabilityRules

    def of(self, fund: str, region: str) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
        """One region's summary row, paths and sensitivity."""
        pick = lambda f: f.loc[(f["fund"] == fund) & (f["region_code"] == region)]  # noqa: E731
        row = pick(self.summary)
        if row.empty:
            raise ValueError(f"no projection of {fund} in {region}")
        return (
            row.iloc[0],
            pick(self.paths).reset_index(drop=True),
            pick(self.sensitivity).reset_index(drop=True),
        )


def _threshold(
    ctx: Context, rules: SustainabilityRules, fund: str, province: str
) -> tuple[float, float]:
    """(floor, upper) of the months covered: the rules' threshold, else the catalogue band."""
    band = ctx.reserve_band(fund, province)
    lower = np.nan if band is None or band.lower is None else band.lower
    upper = np.nan if band is None or band.upper is None else band.upper
    return float(rules.threshold_months.get(fund, lower)), float(upper)


@dataclass(frozen=True)
class Outlook:
    """The central projection of every region and fund (of a selection) from its last
    complete year up to ``until``, and the short-range test's verdict on it: what
    :func:`project` adds its intervals, balancing answers and sensitivity to, and what the
    indicator of the fund's sustainability is scored from (:func:`solvency_outlooks`), so
    that the two cannot disagree. Arrays run over ``groups`` ([G], or [G, H] over the
    projection ``years``); ``low``, ``high``, ``rate`` and ``rate_se`` are per side."""

    rules: SustainabilityRules
    until: int | None
    method: str
    hist: pd.DataFrame
    last: pd.DataFrame  # each group's last complete year, indexed by region and fund
    years: np.ndarray
    threshold: np.ndarray
    upper: np.ndarray
    fits: dict[str, pd.DataFrame]
    reason: np.ndarray
    central: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    rate: dict[str, np.ndarray]
    rate_se: dict[str, np.ndarray]
    balance: np.ndarray
    months: np.ndarray
    passes: np.ndarray  # 1.0 passes, 0.0 fails, NaN without a threshold
    fail_year: np.ndarray
    years_short: np.ndarray  # the test's failing years (NaN without a threshold)

    @property
    def groups(self) -> pd.Index:
        return self.last.index

    def verdict(self) -> pd.DataFrame:
        """Per region and fund: the year projected from (``last_year``), solvency_pass,
        solvency_fail_year and years_short."""
        return pd.DataFrame(
            {
                "region_code": self.groups.get_level_values(0),
                "fund": self.groups.get_level_values(1),
                "last_year": self.last["year"].to_numpy(dtype=int),
                "solvency_pass": self.passes,
                "solvency_fail_year": self.fail_year,
                "years_short": self.years_short,
            }
        )


def central_outlook(
    ds: Dataset,
    ctx: Context,
    rules: SustainabilityRules,
    *,
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    last_year: int | None = None,
    growth: str | None = None,
    facts: AnnualFacts | None = None,
) -> Outlook:
    """The central projection of every region and fund (or those asked for) from its last
    complete year up to ``last_year`` and its short-range test; ``growth`` ('fit' or
    'fixed') overrides the rules' choice; ``facts`` are the selection's annual facts
    (every year) where already aggregated. ValueError without a complete year."""
    method = growth or rules.growth
    if method not in ("fit", "fixed"):
        raise ValueError(f"growth must be 'fit' or 'fixed', not {method!r}")
    hist = history_frame(ds, ctx, funds=funds, regions=regions, last_year=last_year, facts=facts)
    if hist.empty:
        raise ValueError("no complete year to project from")
    return _outlook(ds, ctx, rules, hist, last_year, method)


def _outlook(
    ds: Dataset,
    ctx: Context,
    rules: SustainabilityRules,
    hist: pd.DataFrame,
    until: int | None,
    method: str,
) -> Outlook:
    """The central paths projected from ``hist`` (not empty) and the test's verdict."""
    last, years = _last_years(hist, rules.horizon)
    groups, funds_of = last.index, [f for _, f in last.index]
    threshold, upper = _month_bounds(ds, ctx, rules, groups, funds_of)
    fits = {side: fit_log_linear(hist, side).set_index(KEYS).reindex(groups) for side in SIDES}
    reason = _fixed_reason(fits, method, rules)
    fixed = _fixed_growth(ctx, rules, funds_of)
    central, low, high, rate, rate_se = _flow_paths(fits, reason == "", last, years, rules, fixed)
    months0 = last["months_covered"].to_numpy(dtype=float)
    balance0 = last["balance_end"].to_numpy(dtype=float)
    balance = balance_paths(balance0, central["income"], central["expenditure"])
    months = months_paths(balance, central["expenditure"])
    passes, fail_year = solvency(months, months0, threshold, rules, years)
    short = short_years(months, months0, threshold, rules).sum(axis=1)
    return Outlook(
        rules, until, method, hist, last, years, threshold, upper, fits, reason, central, low,
        high, rate, rate_se, balance, months, passes, fail_year,
        np.where(np.isnan(threshold), np.nan, short),
    )  # fmt: skip


def solvency_outlooks(
    ds: Dataset,
    ctx: Context,
    *,
    years: Iterable[int],
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    facts: AnnualFacts | None = None,
) -> dict[int, Outlook]:
    """Per year asked, the :func:`central_outlook` up to it of every region and fund of the
    selection by the parameters' rules (what the self-evaluation of that year projects),
    all regions at once; a year with no complete year up to it has none. ``facts`` are
    the selection's annual facts of every year (the projection fits its whole history)."""
    facts = facts or annual_facts(ds, ctx.registry, funds=funds, regions=regions)
    rules, out = ctx.sustainability, {}
    for year in sorted({int(y) for y in years}):
        hist = history_frame(ds, ctx, last_year=year, facts=facts)
        if not hist.empty:
            out[year] = _outlook(ds, ctx, rules, hist, year, rules.growth)
    return out


def project(
    ds: Dataset,
    ctx: Context,
    rules: SustainabilityRules,
    *,
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    last_year: int | None = None,
    growth: str | None = None,
    facts: AnnualFacts | None = None,
    outlook: Outlook | None = None,
) -> Projection:
    """Project every region and fund (or those asked for) from its last complete year up to
    ``last_year``; ``growth`` ('fit' or 'fixed') overrides the rules' choice; ``facts``
    are the selection's annual facts where already aggregated; ``outlook`` is the same
    selection's :func:`central_outlook` up to ``last_year`` where already made (the
    scoring of its sustainability made it), which the projection then builds on."""
    asked = (rules, last_year, growth or rules.growth)
    if outlook is not None and (outlook.rules, outlook.until, outlook.method) != asked:
        raise ValueError(
            f"the outlook given projects up to {outlook.until} by {outlook.method!r} (or by "
            f"other rules), not up to {last_year} by {asked[2]!r}"
        )
    o = outlook or central_outlook(
        ds, ctx, rules, funds=funds, regions=regions, last_year=last_year, growth=growth,
        facts=facts,
    )  # fmt: skip
    fitted, last, years = o.reason == "", o.last, o.years
    balance0 = last["balance_end"].to_numpy(dtype=float)
    months0 = last["months_covered"].to_numpy(dtype=float)
    band, depletion, floor, p_pass = _balance_band(
        last, o.fits, fitted, years, o.threshold, rules, o.low, o.high
    )
    premium_growth = _premium_growth(o.hist, o.groups, fitted, o.rate["income"])
    funds_of = [f for _, f in o.groups]
    summary = pd.DataFrame(
        {
            **_start_columns(last, o.fits, o.reason, o.rate, o.rate_se),
            **_outlook_columns(o.balance, o.months, years, o.threshold, o.upper, floor, depletion),
            **_solvency_answers(o, rules, premium_growth, p_pass),
            **_pension_figures(ctx, rules, o.hist, last, o.groups, funds_of),
        }
    )
    paths = _paths_frame(
        o.hist, o.groups, years, o.central, o.low, o.high, o.balance, o.months, band
    )
    premium0 = last["premium"].to_numpy(dtype=float)
    sensitivity = _sensitivity(
        o.groups, years, balance0, months0, o.central, premium0, premium_growth, o.threshold,
        rules,
    )  # fmt: skip
    return Projection(summary, paths, sensitivity, rules)


def _last_years(hist: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Each region and fund's last complete year (indexed by region and fund) and its
    [G, H] projection years."""
    last = hist.groupby(KEYS, sort=True).tail(1).set_index(KEYS)
    T = last["year"].to_numpy(dtype=int)
    return last, np.arange(1, horizon + 1)[None, :] + T[:, None]


def _month_bounds(
    ds: Dataset, ctx: Context, rules: SustainabilityRules, groups: pd.Index, funds_of: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """[G] each group's floor (threshold) and upper bound of the months covered."""
    coord = ds.coordination.set_index(KEYS)["province_code"]
    provinces = [str(coord.get((r, f), "")) for r, f in groups]
    # The bounds depend on the fund and province only: each pair is looked up once.
    once = {k: _threshold(ctx, rules, *k) for k in set(zip(funds_of, provinces, strict=True))}
    bounds = [once[k] for k in zip(funds_of, provinces, strict=True)]
    threshold = np.array([b[0] for b in bounds], dtype=float)
    upper = np.array([b[1] for b in bounds], dtype=float)
    return threshold, upper


def _fixed_reason(
    fits: dict[str, pd.DataFrame], method: str, rules: SustainabilityRules
) -> np.ndarray:
    """[G] why a group's growth is fixed rather than fitted: 'chosen', or the first side's
    reason not to trust its fit; '' where both sides' fits are used."""
    reason = np.full(len(fits["income"]), "", dtype=object)
    if method == "fixed":
        reason[:] = "chosen"
        return reason
    for side in SIDES:
        reason = np.where(reason == "", _unfit_reason(fits[side], rules), reason)
    return reason


def _unfit_reason(f: pd.DataFrame, rules: SustainabilityRules) -> np.ndarray:
    """[G] why one side's fit cannot be used ('not_positive', 'short_history', 'noisy'),
    '' where it can."""
    return np.select(
        [
            ~f["positive"].to_numpy(dtype=bool),
            f["n"].to_numpy() < rules.min_years,
            # negated so that a NaN residual spread (fewer than three years) counts as noisy
            ~(f["resid_sd"].to_numpy(dtype=float) <= rules.max_residual_sd),
        ],
        ["not_positive", "short_history", "noisy"],
        "",
    )


def _fixed_growth(ctx: Context, rules: SustainabilityRules, funds_of: list[str]) -> np.ndarray:
    """[G, 2] the rules' fixed income and expenditure growth for each group's fund group."""
    group_of = np.array([ctx.registry.fund(f).group for f in funds_of])
    return np.array([rules.fixed_growth[g] for g in group_of], dtype=float).reshape(
        len(funds_of), 2
    )


def _flow_paths(
    fits: dict[str, pd.DataFrame],
    fitted: np.ndarray,
    last: pd.DataFrame,
    years: np.ndarray,
    rules: SustainabilityRules,
    fixed: np.ndarray,
) -> tuple[dict, dict, dict, dict, dict]:
    """Per side (income, expenditure): the [G, H] central paths, their interval's low and
    high bounds, and the [G] growth rates and their standard errors."""
    parts = {
        side: _side_paths(
            fits[side], fitted, last[side].to_numpy(dtype=float), fixed[:, k], years, rules
        )
        for k, side in enumerate(SIDES)
    }
    return tuple({side: parts[side][i] for side in SIDES} for i in range(5))


def _side_paths(
    f: pd.DataFrame,
    fitted: np.ndarray,
    base: np.ndarray,
    g_fixed: np.ndarray,
    years: np.ndarray,
    rules: SustainabilityRules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One side's [G, H] central path, low and high bounds (the fit's analytic interval
    where fitted, the fixed growth ± the rules' spread from ``base`` elsewhere) and its [G]
    growth rate and standard error."""
    steps, spread = np.arange(1, years.shape[1] + 1)[None, :], rules.fixed_spread
    slope, sd, sxx = (f[col].to_numpy(dtype=float) for col in ("slope", "resid_sd", "sxx"))
    log_mid, log_low, log_high = log_linear_interval(f, years, rules.confidence)
    on_fit, start, g = fitted[:, None], base[:, None], g_fixed[:, None]
    central = np.where(on_fit, np.exp(log_mid), start * (1 + g) ** steps)
    low = np.where(on_fit, np.exp(log_low), start * (1 + g - spread) ** steps)
    high = np.where(on_fit, np.exp(log_high), start * (1 + g + spread) ** steps)
    rate = np.where(fitted, np.expm1(slope), g_fixed)
    se = np.where(fitted, sd / np.sqrt(sxx), np.nan)
    return central, low, high, rate, se


def _balance_band(
    last: pd.DataFrame,
    fits: dict[str, pd.DataFrame],
    fitted: np.ndarray,
    years: np.ndarray,
    threshold: np.ndarray,
    rules: SustainabilityRules,
    low: dict[str, np.ndarray],
    high: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """The balance's and months' interval paths by column name ([G, H] each), the depletion
    and floor years' intervals ([G, 2] each) and the share of simulated paths passing
    ([G]): simulated for fitted groups, growth ± spread for fixed ones (no share)."""
    balance0 = last["balance_end"].to_numpy(dtype=float)
    months0 = last["months_covered"].to_numpy(dtype=float)
    keys = group_keys(last.index)
    band, depletion, floor, p_pass = _simulated_band(
        fits, fitted, years, balance0, months0, threshold, rules, keys
    )
    spread, spread_depletion, spread_floor = _spread_band(balance0, low, high, threshold, years)
    rows = ~fitted
    for name, path in spread.items():
        band[name][rows] = path[rows]
    depletion[rows], floor[rows] = spread_depletion[rows], spread_floor[rows]
    return band, depletion, floor, p_pass


def _simulated_band(
    fits: dict[str, pd.DataFrame],
    fitted: np.ndarray,
    years: np.ndarray,
    balance0: np.ndarray,
    months0: np.ndarray,
    threshold: np.ndarray,
    rules: SustainabilityRules,
    keys: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """:func:`simulate_balance`'s quantile paths by column name, depletion and floor years'
    intervals and share passing, laid out for every group (NaN where not fitted)."""
    G, H = years.shape
    names = ("low", "q25", "q75", "high")  # the order of simulate_balance's quantiles
    band = {f"{v}_{k}": np.full((G, H), np.nan) for v in ("balance", "months") for k in names}
    depletion, floor, p_pass = np.full((G, 2), np.nan), np.full((G, 2), np.nan), np.full(G, np.nan)
    sims = simulate_balance(fits, fitted, years, balance0, months0, threshold, rules, keys)
    for idx, bal_q, mon_q, dep, flo, passes in sims:
        for j, name in enumerate(names):
            band[f"balance_{name}"][idx] = bal_q[j]
            band[f"months_{name}"][idx] = mon_q[j]
        depletion[idx], floor[idx], p_pass[idx] = dep, flo, passes
    return band, depletion, floor, p_pass


def _spread_band(
    balance0: np.ndarray,
    low: dict[str, np.ndarray],
    high: dict[str, np.ndarray],
    threshold: np.ndarray,
    years: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Every group's growth ± spread bounds: the balance's and months' low and high paths
    by column name, and the depletion and floor years' [G, 2] intervals."""
    # The worst case pairs the lowest income with the highest expenditure, the best the reverse.
    worst = balance_paths(balance0, low["income"], high["expenditure"])
    best = balance_paths(balance0, high["income"], low["expenditure"])
    months_worst = months_paths(worst, high["expenditure"])
    months_best = months_paths(best, low["expenditure"])
    paths = {
        "balance_low": worst,
        "balance_high": best,
        "months_low": months_worst,
        "months_high": months_best,
    }
    depletion = np.stack([first_year(worst < 0, years), first_year(best < 0, years)], axis=1)
    floor = np.stack(
        [
            first_year(months_worst < threshold[:, None], years),
            first_year(months_best < threshold[:, None], years),
        ],
        axis=1,
    )
    return paths, depletion, floor


def _premium_growth(
    hist: pd.DataFrame, groups: pd.Index, fitted: np.ndarray, income_growth: np.ndarray
) -> np.ndarray:
    """[G] the premium's projected growth: its own fitted growth where the group is fitted
    and its premiums are all positive, else the income's growth."""
    premium_fit = fit_log_linear(hist, "premium").set_index(KEYS).reindex(groups)
    return np.where(
        fitted & premium_fit["positive"].to_numpy(dtype=bool),
        premium_fit["growth"],
        income_growth,
    )


def _start_columns(
    last: pd.DataFrame,
    fits: dict[str, pd.DataFrame],
    reason: np.ndarray,
    rate: dict[str, np.ndarray],
    rate_se: dict[str, np.ndarray],
) -> dict[str, np.ndarray | pd.Index]:
    """The summary's columns on what the projection starts from: the groups, their last
    complete year, the growth basis and rates, and the last year's figures."""
    groups = last.index
    return {
        "region_code": groups.get_level_values(0),
        "fund": groups.get_level_values(1),
        "last_year": last["year"].to_numpy(dtype=int),
        "history_years": fits["income"]["n"].fillna(0).to_numpy(dtype=int),
        "basis": np.where(reason == "", "fit", "fixed"),
        "reason": reason,
        "income_growth": rate["income"],
        "income_growth_se": rate_se["income"],
        "expenditure_growth": rate["expenditure"],
        "expenditure_growth_se": rate_se["expenditure"],
        "income_last": last["income"].to_numpy(dtype=float),
        "expenditure_last": last["expenditure"].to_numpy(dtype=float),
        "balance_last": last["balance_end"].to_numpy(dtype=float),
        "months_last": last["months_covered"].to_numpy(dtype=float),
        "pooled": last["pooled"].to_numpy(dtype=bool),
    }


def _outlook_columns(
    balance: np.ndarray,
    months: np.ndarray,
    years: np.ndarray,
    threshold: np.ndarray,
    upper: np.ndarray,
    floor: np.ndarray,
    depletion: np.ndarray,
) -> dict[str, np.ndarray]:
    """The summary's columns on where the central path leads: the months' bounds, the
    balance and months at the horizon, the fewest months, and the floor and depletion
    years with their intervals."""
    # NaN ranks as inf so that nanmin never meets an all-NaN row; such a row gets NaN back
    months_min = np.nanmin(np.where(np.isnan(months), np.inf, months), axis=1)
    return {
        "threshold": threshold,
        "band_upper": upper,
        "balance_end": balance[:, -1],
        "months_end": months[:, -1],
        "months_min": np.where(months_min == np.inf, np.nan, months_min),
        "floor_year": first_year(months < threshold[:, None], years),
        "floor_year_low": floor[:, 0],
        "floor_year_high": floor[:, 1],
        "depletion_year": first_year(balance < 0, years),
        "depletion_year_low": depletion[:, 0],
        "depletion_year_high": depletion[:, 1],
    }


def _solvency_answers(
    o: Outlook, rules: SustainabilityRules, premium_growth: np.ndarray, p_pass: np.ndarray
) -> dict[str, np.ndarray]:
    """The summary's columns on the short-range test: the outlook's verdict on the central
    path (whether it passes, its first failing year and how many of the test's years fail),
    the share of simulated paths passing, and the balancing premium growth (with its
    status) and subsidy."""
    balance0 = o.last["balance_end"].to_numpy(dtype=float)
    months0 = o.last["months_covered"].to_numpy(dtype=float)
    premium0 = o.last["premium"].to_numpy(dtype=float)
    required = required_years(months0, o.threshold, rules)
    balancing, status = _premium_answers(
        balance0, o.central, premium0, premium_growth, required, o.threshold
    )
    return {
        "solvency_pass": o.passes,
        "solvency_fail_year": o.fail_year,
        "years_short": o.years_short,
        "p_pass": p_pass,
        "premium_growth": premium_growth,
        "balancing_premium_growth": balancing,
        "balancing_status": status,
        "balancing_subsidy": balancing_subsidy(
            o.balance, o.central["expenditure"], required, o.threshold
        ),
    }


def _pension_figures(
    ctx: Context,
    rules: SustainabilityRules,
    hist: pd.DataFrame,
    last: pd.DataFrame,
    groups: pd.Index,
    funds_of: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per region and fund: the pay-as-you-go cost rate (expenditure ÷ contribution base)
    and the statutory contribution rate in force in the last complete year
    (parameters/policy.yaml), the system dependency ratio and its yearly trend."""
    base = last["contribution_base"].to_numpy(dtype=float)
    spent = last["expenditure"].to_numpy(dtype=float)
    rate = [
        ctx.policy.value(rules.contribution_rate[f], y) if f in rules.contribution_rate else np.nan
        for f, y in zip(funds_of, last["year"], strict=True)
    ]
    trend = linear_trend(hist, system_dependency(hist)).reindex(groups)
    return {
        "cost_rate": np.where(base > 0, spent / np.where(base > 0, base, 1), np.nan),
        "contribution_rate": np.array(rate, dtype=float),
        "dependency_ratio": system_dependency(last).to_numpy(dtype=float),
        "dependency_trend": trend.to_numpy(dtype=float),
    }


def _premium_answers(balance0, central, premium0, premium_growth, required, threshold):
    """Balancing premium growth per group. The premium is projected at its own growth and
    the rest of the projected income is the other income; the answer is the premium growth
    that, with that other income, passes the test (at the projected premium growth the
    income is the projection's)."""
    h = np.arange(1, central["income"].shape[1] + 1)
    premium = premium0[:, None] * (1 + premium_growth[:, None]) ** h
    other = np.maximum(central["income"] - np.nan_to_num(premium), 0.0)
    return balancing_premium_growth(
        balance0, other, premium0, central["expenditure"], required, threshold
    )


def group_keys(groups: pd.MultiIndex) -> np.ndarray:
    """A stable number per (region, fund): the key of the group's own random stream."""
    return np.array([zlib.crc32(f"{r}\x1f{f}".encode()) for r, f in groups], dtype=np.uint64)


def _group_draws(streams: list[np.random.Generator], f: pd.DataFrame, S: int, H: int) -> dict:
    """Each group's draws from its own stream, stacked along the group axis: the residual
    scale's chi-square, the level's and slope's standard normals ([S, n]) and each year's
    scatter ([S, n, H])."""
    dof = f["n"].to_numpy(dtype=float) - 2
    return {
        "chi": np.stack([g.chisquare(d, S) for g, d in zip(streams, dof, strict=True)], axis=1),
        "level": np.stack([g.standard_normal(S) for g in streams], axis=1),
        "slope": np.stack([g.standard_normal(S) for g in streams], axis=1),
        "noise": np.stack([g.standard_normal((S, H)) for g in streams], axis=1),
    }


def simulate_balance(fits, fitted, years, balance0, months0, threshold, rules, keys=None):
    """Simulated paths for the fitted groups, a chunk at a time. Each draw takes the
    residual scale from its chi-square distribution, the level and slope from their normal
    sampling distributions given it, and each year's scatter about the trend: the balance's
    and months' quantiles, the depletion and floor years' interval, the share passing.
    Each group draws from its own stream (the rules' seed and the group's ``keys`` entry,
    its position when none are given), so its interval is the same whichever other groups
    are projected with it."""
    S, conf = rules.simulations, rules.confidence
    qs = [(1 - conf) / 2, 0.25, 0.75, (1 + conf) / 2]
    keys = np.arange(len(fitted)) if keys is None else keys
    out = []
    idx = np.flatnonzero(fitted)
    for start in range(0, len(idx), CHUNK):
        rows = idx[start : start + CHUNK]
        streams = [np.random.default_rng([rules.seed, int(k)]) for k in keys[rows]]
        drawn = {}
        for side in SIDES:
            f = fits[side].iloc[rows]
            z = _group_draws(streams, f, S, years.shape[1])
            n = f["n"].to_numpy(dtype=float)
            sd = f["resid_sd"].to_numpy(dtype=float) * np.sqrt((n - 2) / z["chi"])
            level = f["level"].to_numpy(dtype=float) + z["level"] * sd / np.sqrt(n)
            slope = f["slope"].to_numpy(dtype=float) + z["slope"] * sd / np.sqrt(
                f["sxx"].to_numpy(dtype=float)
            )
            x = years[rows] - f["x_mean"].to_numpy(dtype=float)[:, None]
            noise = z["noise"] * sd[..., None]
            drawn[side] = np.exp(level[..., None] + slope[..., None] * x[None] + noise)
        bal = balance_paths(balance0[rows][None, :], drawn["income"], drawn["expenditure"])
        mon = months_paths(bal, drawn["expenditure"])
        thr = threshold[rows]
        dep = first_year(bal < 0, years[rows][None])
        flo = first_year(mon < thr[None, :, None], years[rows][None])
        short = required_years(months0[rows], thr, rules)[None] & ~(mon >= thr[None, :, None])
        passes = (~short.any(axis=-1)).mean(axis=0)
        lo, hi = (1 - conf) / 2, (1 + conf) / 2
        out.append(
            (
                rows,
                _quantiles(bal, qs),
                _quantiles(mon, qs),
                _year_interval(dep, lo, hi),
                _year_interval(flo, lo, hi),
                np.where(np.isnan(thr), np.nan, passes),
            )
        )
    return out


def _quantiles(draws: np.ndarray, qs: list[float]) -> np.ndarray:
    """[Q, G, H] quantiles over the draws ([S, G, H]); each group's draws are made
    contiguous first, as partitioning along the outer axis is slower."""
    return np.quantile(np.ascontiguousarray(np.moveaxis(draws, 0, -1)), qs, axis=-1)


def _year_interval(first: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """[G, 2] the ``lo`` and ``hi`` quantiles of simulated first years (NaN: never, which
    ranks after every year); a bound that falls on 'never' is NaN."""
    ranked = np.where(np.isnan(first), np.inf, first)
    q = np.quantile(ranked, [lo, hi], axis=0, method="inverted_cdf").T
    return np.where(np.isinf(q), np.nan, q)


def _paths_frame(hist, groups, years, central, low, high, balance, months, band) -> pd.DataFrame:
    H = years.shape[1]
    projected = pd.DataFrame(
        {
            "region_code": np.repeat(groups.get_level_values(0), H),
            "fund": np.repeat(groups.get_level_values(1), H),
            "year": years.ravel(),
            "kind": "projection",
            "income": central["income"].ravel(),
            "income_low": low["income"].ravel(),
            "income_high": high["income"].ravel(),
            "expenditure": central["expenditure"].ravel(),
            "expenditure_low": low["expenditure"].ravel(),
            "expenditure_high": high["expenditure"].ravel(),
            "balance": balance.ravel(),
            "months_covered": months.ravel(),
            **{k: v.ravel() for k, v in band.items()},
        }
    )
    past = hist.rename(columns={"balance_end": "balance"})[
        [*KEYS, "year", "income", "expenditure", "balance", "months_covered"]
    ].assign(kind="history")
    with np.errstate(divide="ignore", invalid="ignore"):
        past["cost_rate"] = hist["expenditure"] / hist["contribution_base"].where(
            hist["contribution_base"] > 0
        )
        past["dependency_ratio"] = hist["contributors"] / hist["retirees"].where(
            hist["retirees"] > 0
        )
    out = pd.concat([past, projected], ignore_index=True)
    return out.sort_values([*KEYS, "year"], ignore_index=True)


def _sensitivity(
    groups, years, balance0, months0, central, premium0, premium_growth, threshold, rules
):
    """Depletion year, solvency and balancing answers with income or expenditure growth
    moved by ± the step, every region and fund at once."""
    step = rules.sensitivity_step
    steps = np.arange(1, years.shape[1] + 1)[None, :]
    cases = [("base", 0.0, 0.0), ("income_up", step, 0.0), ("income_down", -step, 0.0)]
    cases += [("expenditure_up", 0.0, step), ("expenditure_down", 0.0, -step)]
    frames = []
    for name, di, de in cases:
        moved = {
            "income": central["income"] * (1 + di) ** steps,
            "expenditure": central["expenditure"] * (1 + de) ** steps,
        }
        balance = balance_paths(balance0, moved["income"], moved["expenditure"])
        months = months_paths(balance, moved["expenditure"])
        passes, fail_year = solvency(months, months0, threshold, rules, years)
        required = required_years(months0, threshold, rules)
        rate, status = _premium_answers(
            balance0, moved, premium0, premium_growth, required, threshold
        )
        frames.append(
            pd.DataFrame(
                {
                    "region_code": groups.get_level_values(0),
                    "fund": groups.get_level_values(1),
                    "case": name,
                    "income_shift": di,
                    "expenditure_shift": de,
                    "depletion_year": first_year(balance < 0, years),
                    "solvency_pass": passes,
                    "solvency_fail_year": fail_year,
                    "balancing_premium_growth": rate,
                    "balancing_status": status,
                    "balancing_subsidy": balancing_subsidy(
                        balance, moved["expenditure"], required, threshold
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(
        [*KEYS], kind="stable", ignore_index=True
    )


def compare_regions(
    projection: Projection, *, fund: str, province: str | None, ds: Dataset
) -> pd.DataFrame:
    """The regions of ``province`` (every region when None) for ``fund``: failing the
    solvency test first, sorted by the year of failure, then the rest by the fewest months
    covered over the horizon."""
    s = projection.summary.loc[projection.summary["fund"] == fund]
    if province is not None:
        coord = ds.coordination
        mine = coord.loc[
            (coord["fund"] == fund) & (coord["province_code"] == province), "region_code"
        ]
        s = s.loc[s["region_code"].isin(set(mine))]
    fails = s["solvency_pass"] == 0
    return (
        s.assign(_fails=~fails, _year=s["solvency_fail_year"].fillna(np.inf))
        .sort_values(["_fails", "_year", "months_min"], ignore_index=True)
        .drop(columns=["_fails", "_year"])
    )


RESULT_FIELDS = (
    "last_year", "basis", "reason", "income_growth", "income_growth_se", "expenditure_growth",
    "expenditure_growth_se", "balance_last", "months_last", "pooled", "threshold", "balance_end",
    "months_end", "months_min", "floor_year", "depletion_year", "depletion_year_low",
    "depletion_year_high", "solvency_pass", "solvency_fail_year", "years_short", "p_pass",
    "premium_growth", "balancing_premium_growth", "balancing_status", "balancing_subsidy",
    "cost_rate", "contribution_rate", "dependency_ratio", "dependency_trend",
)  # fmt: skip


def sustainability_result(projection: Projection, fund: str, region: str) -> dict:
    """One region's projection for the structured result: the summary's figures, the
    projected path and the sensitivity cases (JSON-serializable)."""
    row, paths, sensitivity = projection.of(fund, region)
    ahead = paths.loc[
        paths["kind"] == "projection",
        [
            "year",
            "income",
            "expenditure",
            "balance",
            "balance_low",
            "balance_high",
            "months_covered",
        ],
    ]
    cases = sensitivity.drop(columns=KEYS)
    return {
        "horizon": projection.rules.horizon,
        "confidence": projection.rules.confidence,
        **{k: json_value(row[k]) for k in RESULT_FIELDS},
        "projection": [{k: json_value(v) for k, v in r.items()} for r in ahead.to_dict("records")],
        "sensitivity": [{k: json_value(v) for k, v in r.items()} for r in cases.to_dict("records")],
    }
