"""Review of a region's performance targets before the budget (Art. 7–10).

The review judges the targets as the Ministry of Finance's rules on budget performance
targets do (Caiyu [2015] No. 88: completeness, relevance, appropriateness and feasibility,
完整性、相关性、适当性、可行性), on what was known on the review date
(:mod:`sipm_helpers.domain.vintage`: the budget year's initial budget, the previous
year's expected execution, the last provincial evaluation reported):

- **completeness**: the indicator system (every category of Art. 9, weights summing to
  100); a target missing (a quantitative indicator scored against a target, with no annual
  target of the region, the province or the centre); one inherited is noted;
- **relevance**: the share of quantified indicators; the region's target against the
  province's and the centre's; an overall target weaker than the annual target and the
  last actual (Art. 8: annual targets are the steps to the overall one); the last
  provincial evaluation's recommendations noted beside the proposal (Art. 20);
- **appropriateness**: each annual target set on plan or history against the better of
  the last actual and the trend (direction-aware; the trend capped at the indicator's
  bounds; a structurally declining indicator against its trend alone; one the policy
  keeps "around" a level against a band about it), or far beyond the trend; the budgeted
  income and expenditure against last year's expected actual grown at the recent trend
  (Art. 7: targets and budget go together);
- **feasibility**: the budget's balance running out within the year, or staying positive
  only on income far above its trend; a norm of the balance (months covered, the surplus)
  that the budget or the trend cannot reach; the overall target out of reach at the pace
  of the past years.

Each finding weighs its indicator's points times a factor of its kind, or points of its
own (parameters/target_review.yaml), and the verdict follows their sum: return, approve
with changes or approve at the rules' thresholds. A finding that weighs a return on its
own is an error, one that weighs anything a warning, a note information.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.target_review import TargetReviewRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import POOLED, AnnualFacts
from sipm_helpers.domain.follow_up import target_recommendations
from sipm_helpers.domain.indicators import apply_policy, indicator_frame
from sipm_helpers.domain.measures import MEASURES
from sipm_helpers.domain.provincial import province_members, province_view
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rules import RULES, needs_target
from sipm_helpers.domain.vintage import Vintage, as_known, expected_facts, vintage
from sipm_helpers.errors import ParameterError

ERROR, WARNING, INFO = "error", "warning", "info"
COMPLETENESS, RELEVANCE = "completeness", "relevance"
APPROPRIATENESS, FEASIBILITY = "appropriateness", "feasibility"
DIMENSIONS = (COMPLETENESS, RELEVANCE, APPROPRIATENESS, FEASIBILITY)
# How a kind of finding is weighed: its indicator's points times a factor, points of its
# own (about the budget or the indicator system), or not at all (a note).
BY_INDICATOR, FIXED, NOTE = "by_indicator", "fixed", "note"


@dataclass(frozen=True)
class Kind:
    """A kind of finding: the check that makes it (the report names it), the dimension of
    the review it belongs to, and how it is weighed."""

    code: str
    check: str
    dimension: str
    weighed: str


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        k.code: k
        for k in (
            Kind("catalogue", "catalogue", COMPLETENESS, NOTE),
            Kind("missing_target", "missing_target", COMPLETENESS, BY_INDICATOR),
            Kind("inherited_target", "inherited_target", COMPLETENESS, NOTE),
            Kind("quantitative_low", "catalogue", RELEVANCE, FIXED),
            Kind("upper_level", "upper_level", RELEVANCE, BY_INDICATOR),
            Kind("overall_weaker", "overall_path", RELEVANCE, BY_INDICATOR),
            Kind("evaluation_tighten", "evaluation", RELEVANCE, NOTE),
            Kind("evaluation_tightened", "evaluation", RELEVANCE, NOTE),
            Kind("evaluation_question", "evaluation", RELEVANCE, NOTE),
            Kind("history_easier", "history", APPROPRIATENESS, BY_INDICATOR),
            Kind("history_below_trend", "history", APPROPRIATENESS, BY_INDICATOR),
            Kind("history_far", "history", APPROPRIATENESS, BY_INDICATOR),
            Kind("around_policy", "policy_level", APPROPRIATENESS, BY_INDICATOR),
            Kind("budget", "budget", APPROPRIATENESS, FIXED),
            Kind("budget_depleted", "budget", FEASIBILITY, FIXED),
            Kind("income_needed", "budget", FEASIBILITY, FIXED),
            Kind("norm_infeasible", "norm", FEASIBILITY, BY_INDICATOR),
            Kind("overall_path", "overall_path", FEASIBILITY, BY_INDICATOR),
        )
    }
)


def check_weighing(rules: TargetReviewRules) -> None:
    """The rules weigh every kind of finding that is weighed, in the way it is weighed, and
    name no other (ParameterError naming target_review.yaml and the key otherwise)."""
    for how in (BY_INDICATOR, FIXED):
        wanted = {k.code for k in KINDS.values() if k.weighed == how}
        given = set(rules.weighing[how])
        if wanted - given:
            missing = ", ".join(sorted(wanted - given))
            raise ParameterError(rules.source, f"weighing.{how}", f"missing kind(s): {missing}")
        if given - wanted:
            unknown = ", ".join(sorted(given - wanted))
            raise ParameterError(
                rules.source,
                f"weighing.{how}",
                f"unknown kind(s): {unknown}; known: {', '.join(sorted(wanted))}",
            )


@dataclass(frozen=True)
class ReviewFinding:
    severity: str
    check: str  # the check that made it (the report names it)
    message: str  # in English, for the result file
    indicator: str | None = None
    values: dict = field(default_factory=dict)  # the figures the message rests on, for the report
    code: str = ""  # the kind of finding (KINDS): which wording the report uses
    dimension: str = COMPLETENESS
    points: float = 0.0  # what it weighs in the verdict

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", self.check)


def _found(code: str, message: str, indicator: str | None = None, **values) -> ReviewFinding:
    """A finding of kind ``code``, not yet weighed."""
    kind = KINDS[code]
    return ReviewFinding(INFO, kind.check, message, indicator, values, code, kind.dimension)


@dataclass(frozen=True)
class TargetReview:
    fund: str
    region: str
    province: str | None
    year: int
    findings: tuple[ReviewFinding, ...]
    table: pd.DataFrame  # per indicator: targets by level, last actuals, trend projection
    vintage: Vintage  # what the review rests on
    thresholds: tuple[float, float]  # weighed points to return, to approve with changes
    members: tuple[str, ...] = ()  # a province's review: the prefectures taken together

    @property
    def score(self) -> float:
        """The weighed points of every finding."""
        return float(sum(f.points for f in self.findings))

    @property
    def verdict(self) -> str:
        back, changes = self.thresholds
        score = round(self.score, 9)
        return (
            "return" if score >= back else "approve_with_changes" if score >= changes else "approve"
        )

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in (ERROR, WARNING, INFO)}

    def by_dimension(self) -> dict[str, float]:
        """The weighed points of each dimension of the review."""
        return {
            d: float(sum(f.points for f in self.findings if f.dimension == d)) for d in DIMENSIONS
        }


def _ambition(direction: str | None) -> int:
    """+1 where more is better, −1 where less is better."""
    return -1 if direction == "lower" else 1


def review_targets(
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    region: str,
    year: int,
    review_date: datetime.date | None = None,
    recommended: pd.DataFrame | None = None,
) -> TargetReview:
    """Review the targets of ``fund`` in ``region`` for budget ``year`` on ``review_date``
    (None: the rules' date in the year before), on what the data dated before it allow.
    ``region`` may be a province whose prefectures pool the fund: its provincial targets
    are reviewed against the province's figures taken together (:func:`province_view`) and
    the centre's. ``recommended`` holds the target recommendations of the last provincial
    evaluation reported by the review date, for the fund's regions
    (:func:`target_recommendations` of the vintage's ``evaluation_year``; None: made here)."""
    rules = ctx.target_review
    check_weighing(rules)
    v = vintage(year, review_date or rules.review_date(year), ctx.appraisal)
    members = tuple(province_members(ds, fund, region))
    if members:
        counted = ctx.catalogue(fund, region).frame()
        counted = counted.loc[counted["unit"].isin(rules.count_units), "indicator"]
        ds = province_view(ds, fund, region, additive=counted)
    coord = ds.coordination
    row = coord.loc[(coord["fund"] == fund) & (coord["region_code"] == region)]
    if row.empty:
        raise ValueError(f"{region} is not a coordinating region of {fund}, nor its province")
    province = str(row.iloc[0]["province_code"])
    known = as_known(ds, v)
    facts = expected_facts(known, ctx.registry, v, funds=[fund], regions=[region])
    table = _table(known, ctx, facts, fund, region, province, v)
    trend = _trend(facts, year, rules)
    findings = _catalogue_findings(table, rules)
    rows = table.loc[needs_target(table["rule"]) & ~table["reported"].to_numpy(bool)]
    for r in rows.itertuples():
        findings += _indicator_findings(r, rules, year)
    findings += _budget_findings(facts, trend, rules, year)
    findings += _feasibility_findings(facts, trend, rules, year)
    findings += _norm_findings(facts, ctx, table, trend, year)
    findings += _overall_findings(known, rules, fund, region, year, table)
    if recommended is None or members:
        recommended = target_recommendations(
            known, ctx, fund=fund, regions=[region], year=v.evaluation_year
        )
    recommended = recommended.loc[recommended["region_code"] == region]
    table = table.merge(
        recommended[["indicator", "recommendation", "target"]].rename(
            columns={"target": "evaluated_target"}
        ),
        on="indicator",
        how="left",
    )
    findings += _evaluation_findings(table, v.evaluation_year)
    weighed = _weighed(findings, table, rules)
    thresholds = (rules.return_at, rules.changes_at)
    return TargetReview(fund, region, province, year, weighed, table, v, thresholds, members)


def _weighed(
    findings: list[ReviewFinding], table: pd.DataFrame, rules: TargetReviewRules
) -> tuple[ReviewFinding, ...]:
    """Each finding with its points and severity (error: a return on its own; warning: any
    points). A finding about an indicator weighs its points × its kind's factor, and all of
    an indicator's findings together at most its points (the heaviest first); a finding
    about the budget or the indicator system its kind's points; a note nothing."""
    weight = table.set_index("indicator")["weight"].to_dict()
    left = dict(weight)
    points = [0.0] * len(findings)
    order = sorted(range(len(findings)), key=lambda i: -_raw_points(findings[i], weight, rules))
    for i in order:
        f = findings[i]
        raw = _raw_points(f, weight, rules)
        if KINDS[f.code].weighed == BY_INDICATOR:
            raw = min(raw, left.get(f.indicator, 0.0))
            left[f.indicator] = left.get(f.indicator, 0.0) - raw
        points[i] = raw
    return tuple(
        replace(f, points=p, severity=ERROR if p >= rules.return_at else WARNING if p > 0 else INFO)
        for f, p in zip(findings, points, strict=True)
    )


def _raw_points(f: ReviewFinding, weight: Mapping[str, float], rules: TargetReviewRules) -> float:
    how = KINDS[f.code].weighed
    if how == BY_INDICATOR:
        return rules.weighing[how][f.code] * float(weight.get(f.indicator, 0.0))
    return rules.weighing[how][f.code] if how == FIXED else 0.0


# --------------------------------------------------------------------------- the table

TABLE_COLUMNS = ["indicator", "category", "kind", "rule", "function", "direction", "unit",
                 "weight", "reported", "default_target", "band_lower", "band_upper",
                 "bound_lower", "bound_upper", "controlled", "structural", "around",
                 "on_budget"]  # fmt: skip


def _trend_slopes(values: np.ndarray, years: list[int]) -> np.ndarray:
    """Per row, the least-squares slope of ``values`` (rows × years, NaN where missing)
    over ``years``; NaN with fewer than two values."""
    ok = ~np.isnan(values)
    n = ok.sum(axis=1)
    x = np.broadcast_to(np.asarray(years, dtype=float), values.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = np.where(ok, x - (np.where(ok, x, 0.0).sum(axis=1) / n)[:, None], 0.0)
        dy = np.where(ok, values - (np.where(ok, values, 0.0).sum(axis=1) / n)[:, None], 0.0)
        slope = (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)
    return np.where(n >= 2, slope, np.nan)


def _table(
    known: Dataset,
    ctx: Context,
    facts: AnnualFacts,
    fund: str,
    region: str,
    province: str,
    v: Vintage,
) -> pd.DataFrame:
    """Per indicator of the catalogue: its targets by level, the actuals of the history
    years (the last one expected where the review date falls within it), the last actual,
    the trend's slope, the trend projected one year on (capped at the indicator's bounds)
    and ``best``, the better of the last actual and the projection (the projection alone
    for an indicator that declines for structural reasons)."""
    year, rules = v.year, ctx.target_review
    cat = ctx.catalogue(fund, province).frame()
    table = apply_policy(cat.assign(year=year), ctx.policy)[TABLE_COLUMNS]
    t = known.targets
    t = t.loc[(t["fund"] == fund) & (t["period"] == "annual") & (t["start_year"] == year)]
    mine = t.loc[(t["level"] == "region") & (t["region_code"] == region)].set_index("indicator")
    by_level = {
        "region": mine["target"],
        "province": t.loc[(t["level"] == "province") & (t["region_code"] == province)].set_index(
            "indicator"
        )["target"],
        "central": t.loc[t["level"] == "central"].groupby("indicator")["target"].first(),
    }
    table["benchmark"] = table["indicator"].map(mine["benchmark"])
    for level, series in by_level.items():
        table[f"target_{level}"] = table["indicator"].map(series).astype(float)
    history = indicator_frame(
        known, ctx, funds=[fund], regions=[region], years=v.history(rules.history_years),
        facts=facts,
    )  # fmt: skip
    actual = history.pivot_table(
        index="indicator", columns="year", values="actual", aggfunc="first"
    )
    years = [y for y in v.history(rules.history_years) if y in actual.columns]
    for y in years:
        table[f"actual_{y}"] = table["indicator"].map(actual[y]).astype(float)
    lower = table["bound_lower"].fillna(-np.inf).to_numpy(dtype=float)[:, None]
    upper = table["bound_upper"].fillna(np.inf).to_numpy(dtype=float)[:, None]
    values = np.clip(table[[f"actual_{y}" for y in years]].to_numpy(dtype=float), lower, upper)
    table[[f"actual_{y}" for y in years]] = values  # an expected year's ratio may stray past them
    last = (
        pd.DataFrame(values).ffill(axis=1).iloc[:, -1].to_numpy()
        if years
        else np.full(len(table), np.nan)
    )
    slope = _trend_slopes(values, years)
    projection = np.clip(last + np.nan_to_num(slope), lower[:, 0], upper[:, 0])
    sign = np.where(table["direction"] == "lower", -1.0, 1.0)
    better = np.where(sign * (projection - last) > 0, projection, last)
    table["last_actual"] = last
    table["trend_slope"] = slope
    table["projection"] = projection
    best = np.where(table["structural"].to_numpy(bool), projection, better)
    table["best"] = np.where(_tracks_history(table), best, np.nan)
    return table


def _tracks_history(table: pd.DataFrame) -> np.ndarray:
    """Per row of the review table, whether its target is held to the region's history: a
    target scored against (not a band), set on plan or history (not a standard or a
    policy), not a floor to pass, not a level the policy keeps it around."""
    norm = table["rule"].map(lambda code: RULES[code].norm).astype(bool)
    return (
        needs_target(table["rule"])
        & ~norm
        & ~table["benchmark"].isin(["standard", "policy"])
        & table["around"].isna()
    ).to_numpy(bool)


# --------------------------------------------------------------------------- completeness


def _catalogue_findings(table: pd.DataFrame, rules: TargetReviewRules) -> list[ReviewFinding]:
    """The indicator system noted (its size, categories and share of quantitative
    indicators), and a finding where too few are quantitative."""
    cat = table.loc[~table["reported"].to_numpy(bool)]
    quantitative = float((cat["kind"] == "quantitative").mean())
    out = [
        _found(
            "catalogue",
            f"{len(cat)} indicators in {cat['category'].nunique()} categories, weights "
            f"{cat['weight'].sum():g}, {quantitative:.0%} quantitative",
            indicators=len(cat),
            categories=int(cat["category"].nunique()),
            quantitative=quantitative,
        )
    ]
    if quantitative < rules.min_quantitative_share:
        message = f"only {quantitative:.0%} of the indicators are quantitative"
        out.append(_found("quantitative_low", message, quantitative=quantitative))
    return out


def _indicator_findings(r, rules: TargetReviewRules, year: int) -> list[ReviewFinding]:
    """One annual target's findings: missing or inherited; against the level the policy
    keeps it around; against its history and trend; against the province's and the
    centre's targets. ``r`` is a row of the review table."""
    target = r.target_region
    if np.isnan(target):
        inherited = next(
            (lvl for lvl in ("province", "central") if not np.isnan(getattr(r, f"target_{lvl}"))),
            None,
        )
        if inherited is None:
            return [_found("missing_target", f"no annual target for {year}", r.indicator)]
        message = f"no target of its own: the {inherited} target applies"
        return [_found("inherited_target", message, r.indicator, level=inherited)]
    if not np.isnan(r.around):  # the policy's level, not the region's history, is the measure
        centre = r.default_target
        if np.isnan(centre) or abs(target - centre) <= r.around + 1e-12:
            return []
        message = f"target {target:g} is more than {r.around:g} from the policy level {centre:g}"
        return [_found("around_policy", message, r.indicator, target=target, centre=centre,
                       around=r.around)]  # fmt: skip
    # Targets set as a norm (a standard, a policy, a floor to pass) are not meant to
    # track the region's own history (their ``best`` is NaN); plan and history targets are.
    out = _history_findings(r, rules)
    sign = _ambition(r.direction)
    for level in ("province", "central"):
        upper = getattr(r, f"target_{level}")
        if not np.isnan(upper) and sign * (target - upper) < -rules.tolerance(upper):
            message = f"less ambitious than the {level} target"
            out.append(_found("upper_level", message, r.indicator, target=target, upper=upper,
                              level=level))  # fmt: skip
    return out


def _history_findings(r, rules: TargetReviewRules) -> list[ReviewFinding]:
    """A target below the better of last year's actual and the trend (below the trend,
    for an indicator that declines for structural reasons; never for one the agency does
    not control), or far beyond the trend."""
    target, best, sign = r.target_region, r.best, _ambition(r.direction)
    if np.isnan(best):
        return []
    figures = {"target": target, "benchmark": best, "last_actual": r.last_actual,
               "projection": r.projection, "trend": not np.isnan(r.trend_slope)}  # fmt: skip
    if r.controlled and sign * (target - best) < -rules.tolerance(best):
        if r.structural:
            message = "target below the trend of the last years"
            return [_found("history_below_trend", message, r.indicator, **figures)]
        message = "target easier than the better of last year's actual and the trend"
        return [_found("history_easier", message, r.indicator, **figures)]
    if np.isnan(r.trend_slope):
        return []
    reach = max(rules.far_steps * abs(r.trend_slope), rules.far_share * abs(r.projection))
    if sign * (target - r.projection) > reach:
        message = "target far beyond the trend of the last years"
        return [_found("history_far", message, r.indicator, **figures)]
    return []


# --------------------------------------------------------------------------- the budget


def _series(frame: pd.DataFrame, column: str) -> pd.Series:
    """One column of a one-region facts frame, by year (empty where absent)."""
    if column not in frame or frame.empty:
        return pd.Series(dtype=float)
    return frame[column].droplevel([0, 1]).astype(float)


def _trend(facts: AnnualFacts, year: int, rules: TargetReviewRules) -> dict[str, float]:
    """Income and expenditure of ``year`` at their recent trend: the last year's (expected)
    actual grown at the mean yearly growth of the complete years of the history window
    (NaN with fewer than two)."""
    months = _series(facts.executed, "months")
    out = {}
    for kind in ("income", "expenditure"):
        past = _series(facts.executed, kind)
        window = [y for y in range(year - rules.history_years - 1, year) if months.get(y) == 12]
        past = past.reindex(window).dropna()
        if len(past) < 2 or (past <= 0).any():
            out[kind] = np.nan
            continue
        growth = float(np.exp(np.diff(np.log(past.to_numpy())).mean()) - 1)
        out[kind] = float(past.iloc[-1] * (1 + growth))
    return out


def _budget_findings(
    facts: AnnualFacts, trend: dict[str, float], rules: TargetReviewRules, year: int
) -> list[ReviewFinding]:
    """The budget's income and expenditure against their trend (appropriateness)."""
    out = []
    for kind, expected in trend.items():
        budget = _series(facts.budget, kind).get(year, np.nan)
        if np.isnan(budget) or np.isnan(expected):
            continue
        gap = budget / expected - 1
        if abs(gap) > rules.budget_tolerance:
            message = f"budgeted {kind} {gap:+.1%} off last year's actual grown at the recent trend"
            out.append(_found("budget", message, kind=kind, budget=budget, expected=expected,
                              gap=gap))  # fmt: skip
    return out


def _opening(facts: AnnualFacts, year: int) -> float:
    """The balance the budget year opens with: the budget's own, else the (expected)
    balance at the end of the year before."""
    opening = _series(facts.budget, "balance_start").get(year, np.nan)
    if np.isnan(opening):
        opening = _series(facts.executed, "balance_end").get(year - 1, np.nan)
    return float(opening)


def _feasibility_findings(
    facts: AnnualFacts, trend: dict[str, float], rules: TargetReviewRules, year: int
) -> list[ReviewFinding]:
    """The budget's balance running out within the year, or positive at the year end only
    on income more than the rules' uplift above its trend (at the budget's expenditure)."""
    income = _series(facts.budget, "income").get(year, np.nan)
    spent = _series(facts.budget, "expenditure").get(year, np.nan)
    opening = _opening(facts, year)
    if np.isnan(income) or np.isnan(spent) or np.isnan(opening):
        return []
    end = opening + income - spent
    if end < 0:
        message = f"the budget's balance runs out within the year ({end:,.1f} at its end)"
        return [_found("budget_depleted", message, opening=opening, income=income,
                       expenditure=spent, end=end)]  # fmt: skip
    at_trend = trend["income"]
    if np.isnan(at_trend) or at_trend <= 0:
        return []
    trend_end = opening + at_trend - spent
    uplift = (spent - opening) / at_trend - 1
    if trend_end < 0 and uplift > rules.income_uplift:
        message = (
            f"the balance ends the year positive only on income {income / at_trend - 1:+.1%} "
            f"off its trend; at the trend it ends at {trend_end:,.1f}"
        )
        return [_found("income_needed", message, income=income, trend=at_trend,
                       gap=income / at_trend - 1, trend_end=trend_end, uplift=uplift)]  # fmt: skip
    return []


def _scenario(
    facts: AnnualFacts, year: int, flows: dict[str, float], opening: float
) -> AnnualFacts:
    """One-row annual facts of ``year`` with ``flows`` (income and expenditure, and any
    line items) opening at ``opening``: the year end a budget or a trend implies. Where
    the year before reports the pooled fund apart, its share of income and expenditure and
    its balance carry on."""
    index = facts.executed.index[:1].droplevel("year")
    key = pd.MultiIndex.from_tuples([(*index[0], year)], names=["region_code", "fund", "year"])
    end = opening + flows["income"] - flows["expenditure"]
    executed = pd.DataFrame([{**flows, "balance_start": opening, "balance_end": end,
                              "months": 12}], index=key)  # fmt: skip
    stats = pd.DataFrame(index=key)
    before = (*index[0], year - 1)
    s, e = facts.statistics, facts.executed
    if set(POOLED.values()) <= set(s.columns) and before in s.index and before in e.index:
        share = {k: s.at[before, POOLED[k]] / e.at[before, k] for k in ("income", "expenditure")}
        pooled = {k: flows[k] * share[k] for k in share}
        stats[POOLED["income"]], stats[POOLED["expenditure"]] = (
            pooled["income"],
            pooled["expenditure"],
        )
        stats[POOLED["balance_end"]] = (
            s.at[before, POOLED["balance_end"]] + pooled["income"] - pooled["expenditure"]
        )
    empty = executed.iloc[:0]
    return AnnualFacts(executed, empty, empty, empty, stats)


def _norm_findings(
    facts: AnnualFacts, ctx: Context, table: pd.DataFrame, trend: dict[str, float], year: int
) -> list[ReviewFinding]:
    """Each norm of the fund's balance (the catalogue's ``on_budget``: months covered, the
    surplus) measured on the year end the initial budget implies and on the one the trend
    implies, against its target (the region's, the province's, the centre's, the
    catalogue's, or the band's bound): a finding where either falls short."""
    rows = table.loc[table["on_budget"].to_numpy(bool) & ~table["reported"].to_numpy(bool)]
    budget = facts.budget.loc[facts.budget.index.get_level_values("year") == year]
    opening = _opening(facts, year)
    if rows.empty or budget.empty or np.isnan(opening) or facts.executed.empty:
        return []
    flows = budget.iloc[0].dropna().drop(["balance_start", "balance_end"], errors="ignore")
    scenarios = {"budget": _scenario(facts, year, flows.to_dict(), opening)}
    if not np.isnan(trend["income"]) and not np.isnan(trend["expenditure"]):
        scenarios["trend"] = _scenario(facts, year, trend, opening)
    out = []
    for r in rows.itertuples():
        sign = _ambition(r.direction)
        bound = r.band_upper if sign < 0 else r.band_lower
        levels = (r.target_region, r.target_province, r.target_central, r.default_target, bound)
        target = next((float(x) for x in levels if not np.isnan(x)), np.nan)
        if np.isnan(target) or not r.function:
            continue
        reached = {
            name: float(MEASURES[r.function](f, ctx).iloc[0]) if len(f.executed) else np.nan
            for name, f in scenarios.items()
        }
        short = [
            n
            for n, x in reached.items()
            if sign * (x - target) < -ctx.target_review.tolerance(target)
        ]
        if short:
            message = f"the target {target:g} is out of reach on the {' and the '.join(short)}"
            out.append(_found("norm_infeasible", message, r.indicator, target=target,
                              budget=reached["budget"], trend=reached.get("trend", np.nan)))  # fmt: skip
    return out


# --------------------------------------------------------------------------- overall targets


def _overall_findings(
    ds: Dataset,
    rules: TargetReviewRules,
    fund: str,
    region: str,
    year: int,
    table: pd.DataFrame,
) -> list[ReviewFinding]:
    """Each overall (multi-year) target of the region running through ``year``: weaker than
    the annual target and the last actual (relevance, Art. 8), or needing more a year than
    the rules' multiple of the past pace (feasibility)."""
    t = ds.targets
    overall = t.loc[
        (t["fund"] == fund) & (t["region_code"] == region) & (t["level"] == "region") & (t["period"] == "overall")
        & (t["start_year"] <= year) & (t["end_year"] >= year)
    ]  # fmt: skip
    out = []
    rows = table.set_index("indicator")
    for r in overall.itertuples():
        if r.indicator not in rows.index:
            continue
        ind = rows.loc[r.indicator]
        annual, last = ind["target_region"], ind["last_actual"]
        if np.isnan(annual) or not np.isnan(ind["around"]) or ind["structural"]:
            continue
        sign = _ambition(ind["direction"])
        figures = {"overall": r.target, "annual": annual, "last_actual": last,
                   "start_year": int(r.start_year), "end_year": int(r.end_year)}  # fmt: skip
        below_last = np.isnan(last) or sign * (r.target - last) < -rules.tolerance(last)
        if sign * (r.target - annual) < 0 and below_last:
            message = (
                f"the overall target for {r.start_year}–{r.end_year} is weaker than the annual "
                "target and the last actual"
            )
            out.append(_found("overall_weaker", message, r.indicator, **figures))
            continue
        remaining = int(r.end_year) - year
        if remaining <= 0 or np.isnan(ind["trend_slope"]):
            continue
        needed = sign * (r.target - annual) / remaining
        pace = max(sign * ind["trend_slope"], 0.0)
        if needed > rules.tolerance(annual) and needed > rules.path_factor * pace:
            out.append(
                _found(
                    "overall_path",
                    f"the overall target for {r.start_year}–{r.end_year} needs {needed:.4g} a "
                    f"year, the past pace is {pace:.4g}",
                    r.indicator,
                    overall=r.target, annual=annual, needed=needed, pace=pace,
                    end_year=int(r.end_year),
                )
            )  # fmt: skip
    return out


def _evaluation_findings(table: pd.DataFrame, evaluated: int) -> list[ReviewFinding]:
    """The recommendations of the provincial evaluation of ``evaluated`` beside the
    proposal, as notes for the reviewer (the evaluation advises; the verdict rests on the
    review's own checks): a target to tighten that the proposal leaves as easy as the
    evaluated year's, or tightens; a target questioned after years of misses, whose basis
    is to be given."""
    out = []  # a target not proposed is a finding of its own (missing), not a note
    proposed = table["recommendation"].notna() & table["target_region"].notna()
    for r in table.loc[proposed].itertuples():
        code = "evaluation_question"
        if r.recommendation == "tighten":
            tighter = _ambition(r.direction) * (r.target_region - r.evaluated_target) > 0
            code = "evaluation_tightened" if tighter else "evaluation_tighten"
        message = f"the provincial evaluation of {evaluated}: {r.recommendation} this target"
        out.append(_found(code, message, r.indicator, target=r.target_region,
                          previous=r.evaluated_target, evaluated=evaluated))  # fmt: skip
    return out


TARGET_REVIEW_SCHEMA = "sipm.target_review"
TARGET_REVIEW_VERSION = 2


def target_review_result(review: TargetReview) -> dict:
    """The machine-readable result (JSON-serializable, versioned)."""
    return {
        "schema": TARGET_REVIEW_SCHEMA,
        "version": TARGET_REVIEW_VERSION,
        "stage": "target_review",
        "fund": review.fund,
        "region": review.region,
        "province": review.province,
        "year": review.year,
        "provincial": bool(review.members),
        "members": list(review.members),
        "vintage": review.vintage.as_dict(),
        "verdict": review.verdict,
        "score": json_value(review.score),
        "thresholds": dict(zip(("return", "approve_with_changes"), review.thresholds, strict=True)),
        "dimensions": {d: json_value(p) for d, p in review.by_dimension().items()},
        "counts": review.counts(),
        "flags": [f"verdict_{review.verdict}"] if review.verdict != "approve" else [],
        "findings": [
            {
                "severity": f.severity,
                "dimension": f.dimension,
                "check": f.check,
                "code": f.code,
                "indicator": f.indicator,
                "points": json_value(f.points),
                "message": f.message,
                "values": {k: json_value(v) for k, v in f.values.items()},
            }
            for f in review.findings
        ],
    }
