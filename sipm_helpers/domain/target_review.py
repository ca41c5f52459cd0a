"""Review of a region's performance targets before the budget (Art. 7, 8, 10).

Checks, each finding with a severity (error, warning, info):

- the catalogue: every category of Art. 9 covered, weights summing to 100, the share of
  quantitative indicators;
- a required target missing (a quantitative indicator scored against a target, with no
  annual target of the region, the province or the centre) is an error; one inherited
  from the province or the centre is noted;
- each annual target benchmarked on plan or history against the last three years'
  actuals and their linear trend: easier than last year's actual, or far beyond the trend
  (norms — standards, policy, pass/fail floors — are not held to the region's history);
- the region's target against the province's and the centre's (less ambitious);
- the budgeted income and expenditure against last year's actual grown at the recent
  trend (Art. 7: targets and budget go together);
- the annual target against the overall multi-year target: is the path still reachable at
  the pace of the past years?
- the last provincial evaluation's recommendations (Art. 20: results inform next year's
  targets), noted beside the proposal: a target it asked to tighten (and whether the
  proposal does), a target it questions.

The verdict: return (any error), approve with changes (any warning), approve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.target_review import TargetReviewRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import annual_facts
from sipm_helpers.domain.follow_up import target_recommendations
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.provincial import province_members, province_view
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rules import RULES, needs_target

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class ReviewFinding:
    severity: str
    check: str  # catalogue | missing_target | inherited_target | history | upper_level | budget | overall_path | evaluation
    message: str  # in English, for the result file
    indicator: str | None = None
    values: dict = field(default_factory=dict)  # the figures the message rests on, for the report
    code: str = ""  # which wording the report uses: the check, or history_easier / history_far ...

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", self.check)


@dataclass(frozen=True)
class TargetReview:
    fund: str
    region: str
    province: str | None
    year: int
    findings: tuple[ReviewFinding, ...]
    table: pd.DataFrame  # per indicator: targets by level, last actuals, trend projection
    members: tuple[str, ...] = ()  # a province's review: the prefectures taken together

    @property
    def verdict(self) -> str:
        severities = {f.severity for f in self.findings}
        return (
            "return"
            if ERROR in severities
            else "approve_with_changes"
            if WARNING in severities
            else "approve"
        )

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in (ERROR, WARNING, INFO)}


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
    recommended: pd.DataFrame | None = None,
) -> TargetReview:
    """Review the targets of ``fund`` in ``region`` for budget ``year``. ``region`` may be
    a province whose prefectures pool the fund: its provincial targets are reviewed against
    the province's figures taken together (:func:`province_view`) and the centre's.
    ``recommended`` holds the last evaluation's target recommendations for the fund's
    regions (:func:`target_recommendations` of ``year`` − 1; None: made here)."""
    rules = ctx.target_review
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
    catalogue = ctx.catalogue(fund, province)
    cat = catalogue.frame()
    findings: list[ReviewFinding] = []

    quantitative = float((cat["kind"] == "quantitative").mean())
    findings.append(
        ReviewFinding(
            INFO,
            "catalogue",
            f"{len(cat)} indicators in {cat['category'].nunique()} categories, weights {cat['weight'].sum():g}, "
            f"{quantitative:.0%} quantitative",
            values={
                "indicators": len(cat),
                "categories": int(cat["category"].nunique()),
                "quantitative": quantitative,
            },
        )
    )
    if quantitative < rules.min_quantitative_share:
        findings.append(
            ReviewFinding(
                WARNING,
                "catalogue",
                f"only {quantitative:.0%} of the indicators are quantitative",
                values={"quantitative": quantitative},
                code="quantitative_low",
            )
        )

    t = ds.targets.loc[
        (ds.targets["fund"] == fund)
        & (ds.targets["period"] == "annual")
        & (ds.targets["start_year"] == year)
    ]
    by_level = {
        "region": t.loc[(t["level"] == "region") & (t["region_code"] == region)].set_index(
            "indicator"
        )["target"],
        "province": t.loc[(t["level"] == "province") & (t["region_code"] == province)].set_index(
            "indicator"
        )["target"],
        "central": t.loc[t["level"] == "central"].groupby("indicator")["target"].first(),
    }
    history = indicator_frame(
        ds, ctx, funds=[fund], regions=[region], years=range(year - rules.history_years, year)
    )
    actual = history.pivot_table(
        index="indicator", columns="year", values="actual", aggfunc="first"
    )

    table = cat[["indicator", "category", "kind", "rule", "direction", "unit", "weight"]].copy()
    mine = t.loc[(t["level"] == "region") & (t["region_code"] == region)].set_index("indicator")
    table["benchmark"] = table["indicator"].map(mine["benchmark"])
    for level, series in by_level.items():
        table[f"target_{level}"] = table["indicator"].map(series).astype(float)
    years = [y for y in range(year - rules.history_years, year) if y in actual.columns]
    for y in years:
        table[f"actual_{y}"] = table["indicator"].map(actual[y]).astype(float)
    values = (
        table[[f"actual_{y}" for y in years]].to_numpy(dtype=float)
        if years
        else np.empty((len(table), 0))
    )
    slope = np.full(len(table), np.nan)
    enough = (~np.isnan(values)).sum(axis=1) >= 2 if years else np.zeros(len(table), bool)
    for i in np.flatnonzero(enough):  # ≤ 23 indicators: a least-squares line each
        ok = ~np.isnan(values[i])
        slope[i] = np.polyfit(np.array(years, dtype=float)[ok], values[i][ok], 1)[0]
    last = (
        pd.DataFrame(values).ffill(axis=1).iloc[:, -1].to_numpy()
        if years
        else np.full(len(table), np.nan)
    )
    table["last_actual"] = last
    table["trend_slope"] = slope
    table["projection"] = last + np.nan_to_num(slope)

    for r in table.loc[needs_target(table["rule"]) & ~cat["reported"].to_numpy(bool)].itertuples():
        findings += _indicator_findings(r, rules, year)
    findings += _budget_findings(ds, ctx, fund, region, year)
    findings += _overall_findings(ds, rules, fund, region, year, table)
    if recommended is None or members:
        recommended = target_recommendations(ds, ctx, fund=fund, regions=[region], year=year - 1)
    recommended = recommended.loc[recommended["region_code"] == region]
    table = table.merge(
        recommended[["indicator", "recommendation", "target"]].rename(
            columns={"target": "evaluated_target"}
        ),
        on="indicator",
        how="left",
    )
    findings += _evaluation_findings(table, year)
    return TargetReview(fund, region, province, year, tuple(findings), table, members)


def _evaluation_findings(table: pd.DataFrame, year: int) -> list[ReviewFinding]:
    """The last provincial evaluation's recommendations beside the proposal, as notes for
    the reviewer (the evaluation advises; the verdict rests on the review's own checks): a
    target to tighten that the proposal leaves as easy as last year's, or tightens; a
    target questioned after years of misses, whose basis is to be given."""
    out = []
    for r in table.loc[table["recommendation"].notna()].itertuples():
        values = {"target": r.target_region, "previous": r.evaluated_target, "evaluated": year - 1}
        code = "evaluation_question"
        if r.recommendation == "tighten":
            tighter = _ambition(r.direction) * (r.target_region - r.evaluated_target) > 0
            code = "evaluation_tightened" if tighter else "evaluation_tighten"
        message = f"the provincial evaluation of {year - 1}: {r.recommendation} this target"
        out.append(ReviewFinding(INFO, "evaluation", message, r.indicator, values, code))
    return out


def _indicator_findings(r, rules: TargetReviewRules, year: int) -> list[ReviewFinding]:
    """One annual target's findings: missing or inherited, against the region's history
    and trend, against the province's and the centre's targets. ``r`` is a row of the
    review table."""
    findings: list[ReviewFinding] = []
    target = r.target_region
    if np.isnan(target):
        inherited = next(
            (lvl for lvl in ("province", "central") if not np.isnan(getattr(r, f"target_{lvl}"))),
            None,
        )
        if inherited is None:
            findings.append(
                ReviewFinding(ERROR, "missing_target", f"no annual target for {year}", r.indicator)
            )
            return findings
        findings.append(
            ReviewFinding(
                INFO,
                "inherited_target",
                f"no target of its own: the {inherited} target applies",
                r.indicator,
                {"level": inherited},
            )
        )
        return findings
    sign = _ambition(r.direction)
    slack = rules.tolerance(r.unit, r.last_actual if not np.isnan(r.last_actual) else target)
    # Targets set as a norm (a standard, a policy, a floor to pass) are not meant to
    # track the region's own history; plan and history targets are.
    tracks_history = not RULES[r.rule].norm and r.benchmark not in ("standard", "policy")
    if tracks_history and not np.isnan(r.last_actual) and sign * (target - r.last_actual) < -slack:
        findings.append(
            ReviewFinding(
                WARNING,
                "history",
                "target easier than last year's actual",
                r.indicator,
                {"target": target, "last_actual": r.last_actual},
                code="history_easier",
            )
        )
    elif tracks_history and not np.isnan(r.trend_slope):
        reach = max(rules.far_steps * abs(r.trend_slope), rules.far_share * abs(r.projection))
        if sign * (target - r.projection) > reach:
            findings.append(
                ReviewFinding(
                    WARNING,
                    "history",
                    "target far beyond the trend of the last years",
                    r.indicator,
                    {"target": target, "projection": r.projection},
                    code="history_far",
                )
            )
    for level in ("province", "central"):
        upper = getattr(r, f"target_{level}")
        if not np.isnan(upper) and sign * (target - upper) < -rules.tolerance(r.unit, upper):
            findings.append(
                ReviewFinding(
                    WARNING,
                    "upper_level",
                    f"less ambitious than the {level} target",
                    r.indicator,
                    {"target": target, "upper": upper, "level": level},
                )
            )
    return findings


def _budget_findings(
    ds: Dataset, ctx: Context, fund: str, region: str, year: int
) -> list[ReviewFinding]:
    facts = annual_facts(ds, ctx.registry, funds=[fund], regions=[region])
    rules = ctx.target_review
    out = []
    for kind in ("income", "expenditure"):
        executed = (
            facts.executed[kind].droplevel([0, 1])
            if kind in facts.executed
            else pd.Series(dtype=float)
        )
        past = executed.loc[
            [y for y in range(year - rules.history_years - 1, year) if y in executed.index]
        ]
        budget = (
            facts.budget[kind].droplevel([0, 1]).get(year, np.nan)
            if kind in facts.budget
            else np.nan
        )
        months = (
            facts.executed["months"].droplevel([0, 1])
            if "months" in facts.executed
            else pd.Series(dtype=float)
        )
        past = past.loc[[y for y in past.index if months.get(y) == 12]]  # complete years only
        if len(past) < 2 or np.isnan(budget):
            continue
        growth = float(np.exp(np.diff(np.log(past.to_numpy())).mean()) - 1)
        expected = float(past.iloc[-1] * (1 + growth))
        gap = budget / expected - 1
        if abs(gap) > rules.budget_tolerance:
            out.append(
                ReviewFinding(
                    WARNING,
                    "budget",
                    f"budgeted {kind} {gap:+.1%} off last year's actual grown at the recent trend",
                    None,
                    {"kind": kind, "budget": budget, "expected": expected, "gap": gap},
                )
            )
    return out


def _overall_findings(
    ds: Dataset,
    rules: TargetReviewRules,
    fund: str,
    region: str,
    year: int,
    table: pd.DataFrame,
) -> list[ReviewFinding]:
    t = ds.targets
    overall = t.loc[
        (t["fund"] == fund) & (t["region_code"] == region) & (t["level"] == "region") & (t["period"] == "overall")
        & (t["start_year"] <= year) & (t["end_year"] > year)
    ]  # fmt: skip
    out = []
    rows = table.set_index("indicator")
    for r in overall.itertuples():
        if r.indicator not in rows.index:
            continue
        ind = rows.loc[r.indicator]
        annual = ind["target_region"]
        if np.isnan(annual) or np.isnan(ind["trend_slope"]):
            continue
        sign = _ambition(ind["direction"])
        remaining = int(r.end_year) - year
        needed = sign * (r.target - annual) / remaining
        pace = max(sign * ind["trend_slope"], 0.0)
        if needed > rules.tolerance(ind["unit"], annual) / 2 and needed > rules.path_factor * pace:
            out.append(
                ReviewFinding(
                    WARNING,
                    "overall_path",
                    f"the overall target for {r.start_year}–{r.end_year} needs {needed:.4g} a year, the past pace is {pace:.4g}",
                    r.indicator,
                    {
                        "overall": r.target,
                        "annual": annual,
                        "needed": needed,
                        "pace": pace,
                        "end_year": int(r.end_year),
                    },
                )
            )
    return out


TARGET_REVIEW_SCHEMA = "sipm.target_review"
TARGET_REVIEW_VERSION = 1


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
        "verdict": review.verdict,
        "counts": review.counts(),
        "flags": [f"verdict_{review.verdict}"] if review.verdict != "approve" else [],
        "findings": [
            {
                "severity": f.severity,
                "check": f.check,
                "code": f.code,
                "indicator": f.indicator,
                "message": f.message,
                "values": {k: json_value(v) for k, v in f.values.items()},
            }
            for f in review.findings
        ],
    }
