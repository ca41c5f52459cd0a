"""Rules of the performance targets (Art. 7, 8, 10), the grades of qualitative indicators
and the agencies' explanations (Art. 18): indicators of the fund's catalogue, periods
that make sense, each level's targets set by that level, grades within their band and
resting on evidence."""

from __future__ import annotations

import pandas as pd

from sipm_helpers.data.findings import WARNING
from sipm_helpers.data.rules import Checked, Rule
from sipm_helpers.data.rules.regions import applicable, coordinating_level
from sipm_helpers.data.table import Table, rows

# Who sets a target of each level, as the level of the region it belongs to.
TARGET_SETTER = {"central": ("country", "a central guiding target belongs to the country"),
                 "province": ("province", "a provincial target belongs to a province")}  # fmt: skip


def _indicators(c: Checked) -> dict[str, tuple[str, ...]]:
    return c.ctx.indicator_codes()


def _qualitative(c: Checked) -> dict[str, tuple[str, ...]]:
    return c.ctx.indicator_codes("qualitative")


def _every_indicator(c: Checked) -> set[str]:
    return {code for codes in c.ctx.indicator_codes().values() for code in codes}


def annual_spans_years(t: Table, c: Checked) -> pd.DataFrame:
    g = t.frame
    spans = (g["period"] == "annual") & (g["end_year"] != g["start_year"]).fillna(False)
    return rows(g, spans, "an annual target has end_year equal to start_year")


def ends_before_start(t: Table, c: Checked) -> pd.DataFrame:
    g = t.frame
    return rows(g, (g["end_year"] < g["start_year"]).fillna(False), "end_year is before start_year")


def target_level(level: str):
    region_level, message = TARGET_SETTER[level]

    def check(t: Table, c: Checked) -> pd.DataFrame:
        g = t.frame
        levels = dict(zip(c.regions["region_code"], c.regions["level"], strict=False))
        of = g["region_code"].map(levels)
        return rows(g, (g["level"] == level) & of.notna() & (of != region_level), message)

    return check


def regional_target_coordinating(t: Table, c: Checked) -> pd.DataFrame:
    """A region's own target belongs to one of the fund's coordinating regions."""
    regional = Table(t.name, t.frame.loc[t.frame["level"] == "region"], t.origin, t.row_offset)
    return coordinating_level(regional, c)


def share_in_band(t: Table, c: Checked) -> pd.DataFrame:
    q, levels = t.frame, c.ctx.standards.qualitative_levels
    lo = q["grade"].map({k: v.min for k, v in levels.items()})
    hi = q["grade"].map({k: v.max for k, v in levels.items()})
    outside = (
        q["share"].notna() & lo.notna() & ((q["share"] < lo) | (q["share"] > hi)).fillna(False)
    )
    return rows(
        q,
        outside,
        lambda r: (
            f"a grade of {r['grade']} earns between {levels[r['grade']].min:g} and "
            f"{levels[r['grade']].max:g} of the points"
        ),
    )


def missing_evidence(t: Table, c: Checked) -> pd.DataFrame:
    q = t.frame
    return rows(q, q["evidence"].isna(), "the grade gives no evidence: say what it rests on")


RULES = (
    Rule("targets.applicable", "targets", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
    Rule("targets.annual_period", "targets", "target_period", "end_year", annual_spans_years),
    Rule("targets.end_before_start", "targets", "target_period", "end_year", ends_before_start),
    Rule("targets.central_level", "targets", "target_level", "region_code", target_level("central")),
    Rule("targets.province_level", "targets", "target_level", "region_code", target_level("province")),
    Rule("targets.coordinating_level", "targets", "coordinating_level", "region_code", regional_target_coordinating),
    Rule("qualitative.applicable", "qualitative", "not_applicable", "indicator", applicable("indicator", _qualitative, "qualitative indicator", _every_indicator)),
    Rule("qualitative.share_in_band", "qualitative", "share_in_band", "share", share_in_band),
    Rule("qualitative.evidence", "qualitative", "missing_evidence", "evidence", missing_evidence, WARNING),
    Rule("explanations.applicable", "explanations", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
)  # fmt: skip
