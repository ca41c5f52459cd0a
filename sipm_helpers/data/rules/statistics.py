"""Rules of the monthly statistics: figures that cannot exceed what they are part of (the
insured within the population required to be insured, benefits paid on time within those
due, a satisfaction survey's valid responses within those surveyed and its satisfied
within the valid, each indicator's part within its whole, the pooled fund within the whole
fund)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config.labels import said
from sipm_helpers.data.findings import ERROR, WARNING
from sipm_helpers.data.ledger import (
    KEYS,
    RECTIFIED,
    claims_beyond_ledger,
    ledger_rates,
    reported_rates,
)
from sipm_helpers.data.rules import Checked, Rule
from sipm_helpers.data.rules.money import kind_of
from sipm_helpers.data.rules.regions import applicable
from sipm_helpers.data.table import Table, groups, rows

MONTH = ["region_code", "fund", "year", "month"]
# A statistic that cannot exceed another one of the same month, and the label saying what
# it means if it does.
BOUNDED = (
    ("insured", "target_population", "validation_insured_above_population"),
    ("benefits_paid_on_time", "benefits_due", "validation_paid_above_due"),
    ("cross_province_settled", "cross_province_cases", "validation_settled_above_cases"),
    (
        "maternity_allowance_paid_on_time",
        "maternity_allowance_due",
        "validation_maternity_paid_above_due",
    ),
    ("drg_dip_fund_paid", "inpatient_fund_paid", "validation_drg_dip_above_inpatient"),
    ("misused_funds_recovered", "misused_funds_found", "validation_recovered_above_found"),
    ("hardship_assisted", "hardship_entitled", "validation_assisted_above_entitled"),
    ("recipients_certified", "retirees", "validation_certified_above_recipients"),
    ("higher_grade_contributors", "contributors", "validation_higher_grade_above_contributors"),
    ("paid_on_behalf", "on_behalf_entitled", "validation_on_behalf_above_entitled"),
    (
        "retention_refunds_on_time",
        "retention_refunds_approved",
        "validation_refunds_on_time_above_approved",
    ),
    (
        "capacity_appraisals_on_time",
        "capacity_appraisals",
        "validation_appraisals_on_time_above_all",
    ),
)
# The counts of a satisfaction survey, each part of the one before: more valid responses
# than people surveyed, or more satisfied than valid responses, is no survey (an error).
SURVEY_BOUNDED = (
    ("survey_valid", "survey_surveyed", "validation_valid_above_surveyed"),
    ("survey_satisfied", "survey_valid", "validation_satisfied_above_valid"),
)
# The pooled fund's figures (statistics) and the whole fund's they are part of: a month's
# balance at its end, its income and its expenditure. The personal accounts are the rest.
POOLED_PARTS = {
    "pooled_fund_balance": "balance",
    "pooled_fund_income": "income",
    "pooled_fund_expenditure": "expenditure",
}


def _above(t: Table, bounded: tuple[tuple[str, str, str], ...]) -> pd.DataFrame:
    """The rows of a statistic that exceeds, in the same month, the one it is part of
    (``bounded``: part, whole and the label saying what it means)."""
    s = t.frame
    wide = s.pivot_table(
        index=MONTH, columns="stat", values="value", aggfunc="first", observed=True
    )
    row_of = s.reset_index().set_index([*MONTH, "stat"])["index"]
    parts = []
    for over, under, key in bounded:
        if over not in wide or under not in wide:
            continue
        hit = wide.index[(wide[over] > wide[under] * 1.0000001).fillna(False)]
        parts.append(
            groups(
                hit.to_frame(index=False)[MONTH[:3]],
                (said(key, region=k[0], fund=k[1], year=k[2], month=k[3]) for k in hit),
                row=[row_of.get((*k, over), np.nan) for k in hit],
                value=[f"{wide.at[k, over]:,.0f}" for k in hit],
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else groups(pd.DataFrame(), [])


def implausible_statistic(t: Table, c: Checked) -> pd.DataFrame:
    """A figure above the one it cannot exceed, where either may be an estimate (a warning)."""
    return _above(t, BOUNDED)


def survey_counts(t: Table, c: Checked) -> pd.DataFrame:
    """A satisfaction survey with more valid responses than people surveyed, or more
    satisfied than valid responses (an error: the rate would pass 100 % or rest on
    responses nobody gave)."""
    return _above(t, SURVEY_BOUNDED)


def pooled_above_fund(t: Table, c: Checked) -> pd.DataFrame:
    """The pooled fund is part of the fund: its balance, income and expenditure in a month
    cannot exceed the whole fund's (the personal accounts would be negative)."""
    s = t.frame.loc[t.frame["stat"].isin(list(POOLED_PARTS))]
    e = c.tables["execution"].frame
    kind = kind_of(e, c.ctx.registry).where(e["item"] != "balance_end", "balance")
    whole = (
        e.assign(_part=kind)
        .loc[lambda x: x["_part"].isin(["balance", "income", "expenditure"])]
        .groupby([*MONTH, "_part"], observed=True)["amount"]
        .sum()
    )
    part = pd.MultiIndex.from_arrays([*(s[k] for k in MONTH), s["stat"].map(POOLED_PARTS)])
    total = whole.reindex(part).to_numpy(dtype="float64", na_value=np.nan)
    tolerance = c.ctx.standards.balance_tolerance_absolute
    above = s["value"].to_numpy(dtype="float64") > np.maximum(total, 0.0) + tolerance
    flagged = t.frame.index.isin(s.index[above & ~np.isnan(total)])
    whole_of = dict(zip(s.index, total, strict=True))
    return rows(
        t.frame,
        flagged,
        lambda r: said(
            "validation_pooled_above_fund",
            part=said(f"validation_part_{POOLED_PARTS[r['stat']]}"),
            value=r["value"],
            whole=whole_of[r.name],
            year=r["year"],
            month=r["month"],
        ),
    )


def rate_against_ledger(t: Table, c: Checked) -> pd.DataFrame:
    """The audit-rectification rate a year's statistics report, where the rectification
    ledger holds audit and inspection items due that year, exceeds the ledger's rate (items
    closed by their deadline over items due) by more than the tolerance
    (parameters/ledger.yaml; Art. 18: data authentic), in a year reported to December: a
    claim the ledger does not bear out, which the provincial evaluation scores at the
    ledger's rate. A lower reported rate is no contradiction: the statistics may count
    findings the ledger does not list."""
    rules, s = c.ctx.ledger, t.frame
    reported = reported_rates(s)
    ledger = ledger_rates(c.tables["rectification"].frame, reported["year"].unique(), rules.sources)
    closed = s.groupby(KEYS, observed=True)["month"].max().eq(12)  # a year still open: no rate yet
    both = reported.merge(ledger, on=KEYS)
    both = both.loc[closed.reindex(pd.MultiIndex.from_frame(both[KEYS])).fillna(False).to_numpy()]
    off = both.loc[claims_beyond_ledger(both, rules.rate_tolerance)]
    first = s.loc[s["stat"] == RECTIFIED].reset_index().groupby(KEYS, observed=True)["index"].min()
    return groups(
        off[KEYS],
        (
            said(
                "validation_contradicts_ledger",
                year=x.year,
                rectified=x.rectified,
                found=x.found,
                reported=x.reported,
                on_time=x.on_time,
                due=x.due,
                rate=x.rate,
            )
            for x in off.itertuples()
        ),
        row=[first.get((x.region_code, x.fund, x.year), np.nan) for x in off.itertuples()],
        value=[f"{x.reported:.4f}" for x in off.itertuples()],
    )


def _stats(c: Checked) -> dict[str, tuple[str, ...]]:
    return {code: f.statistics for code, f in c.ctx.registry.funds.items()}


RULES = (
    Rule(
        "statistics.applicable",
        "statistics",
        "not_applicable",
        "stat",
        applicable("stat", _stats, "statistic", lambda c: c.ctx.registry.statistics),
    ),
    Rule(
        "statistics.implausible",
        "statistics",
        "implausible_statistic",
        "value",
        implausible_statistic,
        WARNING,
    ),
    Rule(
        "statistics.survey_counts",
        "statistics",
        "survey_counts",
        "value",
        survey_counts,
        ERROR,
    ),
    Rule(
        "statistics.pooled_above_fund",
        "statistics",
        "pooled_above_fund",
        "value",
        pooled_above_fund,
        needs=("execution",),
    ),
    Rule(
        "statistics.ledger_rate",
        "statistics",
        "contradicts_ledger",
        "value",
        rate_against_ledger,
        WARNING,
        needs=("rectification",),
    ),
)
