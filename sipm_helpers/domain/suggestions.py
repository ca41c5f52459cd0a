"""Suggestions to each coordinating region (Art. 19: the province feeds its evaluation back
to the regions with suggestions for improvement), drawn from what the evaluation found:

- the region's **weakest indicators** (most points lost, targets missed, grades below
  achieved; a score short of its points by less than the rules' rounding noise is no
  weakness), a quantitative one worded by where its actual lies: above or below its
  target or band, in the indicator's own terms where its catalogue gives them
  (``advice``: an excessive reserve, an overspend), naming the side that set a measure
  taken as the larger of its parts;
- the **monitoring alerts** its year closed with (line items executed far from budget);
- its **sustainability** result (the balance projected to fall below the threshold);
- its **rectification items** still open or overdue.

Each kind of suggestion is one registered :class:`Kind`: the evidence it reads and the
rows it returns, one per suggestion, with the label template that words it and the
values the template needs (codes and numbers; the report puts them into words). The
registry's order is the order of priority within a region's list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.config.catalogue import SIDES
from sipm_helpers.domain.follow_up import OPEN, OVERDUE
from sipm_helpers.domain.measures import MEASURES, PART, PART_COLUMNS
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.scoring import SCORED

COLUMNS = ["region_code", "kind", "subject", "template", "severity", "values"]


@dataclass(frozen=True)
class Evidence:
    """What suggestions are drawn from, for one fund's regions in one year."""

    indicators: pd.DataFrame  # the evaluated indicator frame (Appraisal.indicators)
    alerts: pd.DataFrame  # the year-end alerts (monitoring.year_end_alerts)
    sustainability: Mapping[str, dict | None]  # each region's stage-03 sustainability result
    items: pd.DataFrame  # earlier rectification items with their state (follow_up.follow_up)
    year: int


@dataclass(frozen=True)
class Kind:
    """One kind of suggestion: ``find`` returns its rows (:data:`COLUMNS` but ``kind``)."""

    code: str
    find: Callable[[Evidence, AppraisalRules], pd.DataFrame]


def _rows(frame: pd.DataFrame, subject: str | None, template, severity, values) -> pd.DataFrame:
    """Suggestion rows from ``frame`` (one per row); ``template``, ``severity`` and
    ``values`` are Series or scalars aligned with it."""
    out = pd.DataFrame(index=frame.index)
    out["region_code"] = frame["region_code"]
    out["subject"] = frame[subject] if subject else None
    out["template"] = template
    out["severity"] = severity
    out["values"] = values
    return out


def _lost(e: pd.DataFrame, rules: AppraisalRules) -> pd.DataFrame:
    """Scored indicators that lost at least the rules' ``min_points_lost``, with the
    points lost (less is rounding noise: the score reads as full points)."""
    scored = e.loc[(e["status"] == SCORED) & e["points"].notna()]
    lost = scored["points"].astype(float) - scored["score"].astype(float)
    return scored.assign(lost=lost).loc[lost >= max(rules.min_points_lost, 1e-9)]


def _weakest(e: Evidence, rules: AppraisalRules, kind: str) -> pd.DataFrame:
    """The indicators of ``kind`` whose target was missed (a grade below achieved) that
    lost most points, ``weakest_indicators`` a region at most, most points lost first."""
    lost = _lost(e.indicators, rules)
    missed = ~lost["met"].astype("boolean").fillna(False).astype(bool)
    lost = lost.loc[(lost["kind"] == kind) & missed]
    lost = lost.sort_values(["region_code", "lost", "order"], ascending=[True, False, True])
    return lost.groupby("region_code").head(rules.weakest_indicators)


def _values(frame: pd.DataFrame, fields: list[str]) -> list[dict]:
    return [{k: json_value(v) for k, v in r.items()} for r in frame[fields].to_dict("records")]


def _weak_qualitative(e: Evidence, rules: AppraisalRules) -> pd.DataFrame:
    weak = _weakest(e, rules, "qualitative")
    values = _values(weak, ["indicator", "score", "points", "grade"])
    return _rows(weak, "indicator", "sug_weak_qualitative", weak["lost"], values)


def _parts(weak: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The parts of each row's measure (NaN where it has none) and the label of the
    largest (None where it has none)."""
    parts = weak.reindex(columns=list(PART_COLUMNS)).astype("float64")
    values = parts.fillna(-np.inf).to_numpy()
    labels = np.array([c.removeprefix(PART) for c in PART_COLUMNS], dtype=object)
    largest = labels[values.argmax(axis=1)] if values.size else np.array([], dtype=object)
    known = parts.notna().any(axis=1)
    return parts, pd.Series(largest, index=weak.index, dtype=object).where(known, None)


def _template(weak: pd.DataFrame, largest: pd.Series) -> pd.Series:
    """sug_weak_<advice> for the side the actual lies on (above or below what it should
    be: the target, or the band's bound missed), sug_weak_<side> where the catalogue
    gives no advice for it, or where the advice names the parts of a measure whose parts
    are not known (an actual the evaluator adjusted)."""
    side = pd.Series(
        np.where(weak["actual"].astype(float) > weak["reference"].astype(float), "above", "below"),
        index=weak.index,
    )
    advice = weak.reindex(columns=[f"advice_{s}" for s in SIDES])
    chosen = pd.Series(
        np.where(side == "above", advice["advice_above"], advice["advice_below"]),
        index=weak.index,
    )
    with_parts = {name for name, m in MEASURES.items() if m.parts}
    has_parts = weak.reindex(columns=["function"])["function"].isin(with_parts)
    usable = chosen.notna() & (~has_parts | largest.notna())
    return "sug_weak_" + chosen.where(usable, side).astype(str)


def _weak_quantitative(e: Evidence, rules: AppraisalRules) -> pd.DataFrame:
    """The weakest quantitative indicators, each worded by where its actual lies, with
    what words its expectation (target, band, how the rule reads it) and its parts."""
    weak = _weakest(e, rules, "quantitative")
    parts, largest = _parts(weak)
    shown = ["indicator", "score", "points", "actual", "target", "unit", "reads"]
    shown += ["band_lower", "band_upper"]
    values = _values(weak.reindex(columns=shown), shown)
    for value, (_, row), part in zip(values, parts.iterrows(), largest, strict=True):
        if part is not None:  # a handful of rows: one region's weakest indicators
            value |= {c: json_value(v) for c, v in row.items()} | {"part": part}
    return _rows(weak, "indicator", _template(weak, largest), weak["lost"], values)


def _alerts(e: Evidence, rules: AppraisalRules) -> pd.DataFrame:
    """Line items the year closed on a red or amber light, worded by the light's reason;
    a region's items with the same reason make one suggestion naming them all (its
    template ``…_many``), the most severe light for its severity."""
    a = e.alerts.assign(
        template="sug_alert_" + e.alerts["reason"].astype(str),
        severity=np.where(e.alerts["light"] == "red", 2.0, 1.0),
        rate=[json_value(r) for r in e.alerts["execution_rate"]],
    )
    shared = a.groupby(["region_code", "template"])["item"].transform("size") > 1
    one = a.loc[~shared]
    values = [{"item": r.item, "rate": r.rate, "year": e.year} for r in one.itertuples()]
    rows = [_rows(one, "item", one["template"], one["severity"], values)]
    for (_, template), g in a.loc[shared].groupby(["region_code", "template"], sort=False):
        items = [{"item": r.item, "rate": r.rate} for r in g.itertuples()]
        merged = g.iloc[:1].assign(severity=g["severity"].max())
        value = {"items": items, "year": e.year}
        rows.append(_rows(merged, "item", f"{template}_many", merged["severity"], [value]))
    return pd.concat(rows)


def _sustainability(e: Evidence, rules: AppraisalRules) -> pd.DataFrame:
    """A region whose balance is projected to fall below the threshold within the test."""
    failing = {
        region: s
        for region, s in e.sustainability.items()
        if s is not None and s.get("solvency_pass") == 0
    }
    frame = pd.DataFrame({"region_code": list(failing)}, dtype=object)
    values = [
        {
            "fail_year": s.get("solvency_fail_year"),
            "threshold": s.get("threshold"),
            "growth": s.get("balancing_premium_growth"),
        }
        for s in failing.values()
    ]
    has_growth = [v["growth"] is not None for v in values]
    template = np.where(has_growth, "sug_sustainability_premium", "sug_sustainability")
    return _rows(frame, None, template, 1.0, values)


def _rectification(e: Evidence, rules: AppraisalRules) -> pd.DataFrame:
    """Earlier rectification items not closed, one suggestion per region."""
    items = e.items
    pending = items.loc[items["state"].isin([OPEN, OVERDUE])] if len(items) else items
    if pending.empty:
        return pd.DataFrame(columns=[c for c in COLUMNS if c != "kind"])
    g = pending.assign(overdue=pending["state"] == OVERDUE).groupby("region_code")
    summary = g.agg(
        count=("item_id", "size"), overdue=("overdue", "sum"), first=("deadline", "min")
    ).reset_index()
    values = [
        {"count": int(r.count), "overdue": int(r.overdue), "deadline": r.first.date().isoformat()}
        for r in summary.itertuples()
    ]
    template = np.where(summary["overdue"] > 0, "sug_items_overdue", "sug_items_open")
    return _rows(summary, None, template, summary["overdue"] + summary["count"], values)


def _register(*kinds: Kind) -> Mapping[str, Kind]:
    return MappingProxyType({k.code: k for k in kinds})


KINDS: Mapping[str, Kind] = _register(
    Kind("sustainability", _sustainability),
    Kind("rectification", _rectification),
    Kind("weak_quantitative", _weak_quantitative),
    Kind("budget_alert", _alerts),
    Kind("weak_qualitative", _weak_qualitative),
)


def suggest(evidence: Evidence, rules: AppraisalRules) -> pd.DataFrame:
    """Every region's suggestions in order of priority (the registry's order, then the
    most severe first), ``suggestions_per_region`` a region at most."""
    parts = [
        kind.find(evidence, rules).assign(kind=code, priority=i)
        for i, (code, kind) in enumerate(KINDS.items())
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["severity"] = out["severity"].astype(float)
    out = out.sort_values(
        ["region_code", "priority", "severity"], ascending=[True, True, False], kind="stable"
    )
    out = out.groupby("region_code").head(rules.suggestions_per_region)
    return out[COLUMNS].reset_index(drop=True)
