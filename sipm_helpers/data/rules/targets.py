"""Rules of the performance targets (Art. 7, 8, 10), the grades of qualitative indicators
and the agencies' explanations (Art. 18): indicators of the fund's catalogue, periods
that make sense, each level's targets set by that level, a target that is a national
policy standard set at the standard's value, grades within their band and resting on
evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config.labels import Named, said
from sipm_helpers.data.findings import WARNING
from sipm_helpers.data.rules import Checked, Rule
from sipm_helpers.data.rules.regions import applicable, coordinating_level, pair_key
from sipm_helpers.data.table import Table, rows

# Who sets a target of each level, as the level of the region it belongs to.
TARGET_SETTER = {"central": ("country", "validation_target_level_central"),
                 "province": ("province", "validation_target_level_province")}  # fmt: skip


def _indicators(c: Checked) -> dict[str, tuple[str, ...]]:
    return c.ctx.indicator_codes()


def _qualitative(c: Checked) -> dict[str, tuple[str, ...]]:
    return c.ctx.indicator_codes("qualitative")


def _every_indicator(c: Checked) -> set[str]:
    return {code for codes in c.ctx.indicator_codes().values() for code in codes}


def annual_spans_years(t: Table, c: Checked) -> pd.DataFrame:
    g = t.frame
    spans = (g["period"] == "annual").fillna(False) & (g["end_year"] != g["start_year"]).fillna(
        False
    )
    return rows(g, spans, said("validation_target_period_annual"))


def ends_before_start(t: Table, c: Checked) -> pd.DataFrame:
    g = t.frame
    return rows(
        g, (g["end_year"] < g["start_year"]).fillna(False), said("validation_target_period_order")
    )


def target_level(level: str):
    region_level, key = TARGET_SETTER[level]

    def check(t: Table, c: Checked) -> pd.DataFrame:
        g = t.frame
        levels = dict(zip(c.regions["region_code"], c.regions["level"], strict=False))
        of = g["region_code"].map(levels)
        wrong = (g["level"] == level).fillna(False) & of.notna() & (of != region_level)
        return rows(g, wrong.fillna(False), said(key))

    return check


def regional_target_coordinating(t: Table, c: Checked) -> pd.DataFrame:
    """A region's own target belongs to one of the fund's coordinating regions."""
    mine = (t.frame["level"] == "region").fillna(False).astype(bool)
    regional = Table(t.name, t.frame.loc[mine], t.origin, t.row_offset)
    return coordinating_level(regional, c)


# A target typed from the standard differs from it by rounding at most (relative).
POLICY_RTOL = 1e-6


def _policy_targets(c: Checked) -> pd.DataFrame:
    """Per catalogue (province "" for a fund's own, Art. 24 otherwise), fund and indicator
    whose default target follows a national standard (a policy parameter of kind
    standard): the parameter and the offset."""
    catalogues = [("", cat) for cat in c.ctx.catalogues.values()]
    catalogues += list(c.ctx.province_catalogues.items())
    policy = c.ctx.policy.parameters
    found = [
        (province if isinstance(province, str) else province[0], cat.fund, ind.code,
         ind.target_policy, ind.default_target or 0.0)
        for province, cat in catalogues
        for ind in cat.indicators
        if ind.target_policy and policy[ind.target_policy].standard
    ]  # fmt: skip
    return pd.DataFrame(found, columns=["province", "fund", "indicator", "policy", "plus"])


def _catalogue_province(g: pd.DataFrame, c: Checked) -> pd.Series:
    """The province whose own catalogue applies to each target row ("" : the fund's)."""
    r = c.regions.set_index("region_code")
    # A blank or unknown region has no level: the fund's own catalogue (its code is refused).
    level = g["region_code"].map(r["level"]).astype(object).fillna("")
    parent = g["region_code"].map(r["parent_code"])
    province = pd.Series(
        np.where(
            level == "province", g["region_code"], np.where(level == "prefecture", parent, "")
        ),
        index=g.index,
    ).fillna("")
    own = {f"{p}\x1f{f}" for p, f in c.ctx.province_catalogues}
    return province.where(pair_key(g.assign(_p=province), "_p", "fund").isin(own), "")


def contradicts_policy(t: Table, c: Checked) -> pd.DataFrame:
    """A target of an indicator whose target the catalogue takes from a national standard
    (policy.yaml, kind standard: the residents' contribution standard, a pension
    adjustment) that differs from the value in force in its (end) year: the standard is
    the nation's, not the row's to change. Names both values and the standard's source."""
    g = t.frame.assign(province=_catalogue_province(t.frame, c))
    keys = ["province", "fund", "indicator"]
    follows = _policy_targets(c).set_index(keys)
    at = pd.MultiIndex.from_frame(g[keys].astype(str))
    g = g.assign(
        policy=follows["policy"].reindex(at).to_numpy(),
        plus=follows["plus"].reindex(at).to_numpy(),
    )
    expected = np.full(len(g), np.nan)
    years = g["end_year"].fillna(g["start_year"]).to_numpy(dtype="float64")
    for name in g["policy"].dropna().unique():
        mine = (g["policy"] == name).to_numpy() & ~np.isnan(years)
        values = c.ctx.policy.values(str(name), years[mine].astype("int64"))
        expected[mine] = values + g["plus"].to_numpy(dtype="float64")[mine]
    g["expected"] = expected
    target = g["target"].astype("float64")
    off = ~np.isclose(target, expected, rtol=POLICY_RTOL, atol=0.0) & ~np.isnan(expected)
    return rows(g, off & target.notna(), lambda r: _policy_message(r, c))


def _policy_message(r: pd.Series, c: Checked):
    year = int(r["end_year"] if pd.notna(r["end_year"]) else r["start_year"])
    parameter = c.ctx.policy.parameter(str(r["policy"]))
    source = parameter.in_force(year)
    return said(
        "validation_target_policy",
        target=r["target"],
        indicator=r["indicator"],
        year=year,
        expected=r["expected"],
        parameter=parameter.name,
        source=Named(source.source.en, source.source.zh)
        if source
        else said("validation_no_value_yet"),
    )


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
        lambda r: said(
            "validation_share_in_band",
            grade=r["grade"],
            low=levels[r["grade"]].min,
            high=levels[r["grade"]].max,
        ),
    )


def missing_evidence(t: Table, c: Checked) -> pd.DataFrame:
    q = t.frame
    return rows(q, q["evidence"].isna(), said("validation_grade_without_evidence"))


RULES = (
    Rule("targets.applicable", "targets", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
    Rule("targets.annual_period", "targets", "target_period", "end_year", annual_spans_years),
    Rule("targets.end_before_start", "targets", "target_period", "end_year", ends_before_start),
    Rule("targets.central_level", "targets", "target_level", "region_code", target_level("central")),
    Rule("targets.province_level", "targets", "target_level", "region_code", target_level("province")),
    Rule("targets.coordinating_level", "targets", "coordinating_level", "region_code", regional_target_coordinating),
    Rule("targets.policy_value", "targets", "target_policy", "target", contradicts_policy, WARNING),
    Rule("qualitative.applicable", "qualitative", "not_applicable", "indicator", applicable("indicator", _qualitative, "qualitative_indicator", _every_indicator)),
    Rule("qualitative.share_in_band", "qualitative", "share_in_band", "share", share_in_band),
    Rule("qualitative.evidence", "qualitative", "missing_evidence", "evidence", missing_evidence, WARNING),
    Rule("explanations.applicable", "explanations", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
    Rule("monitoring_responses.applicable", "monitoring_responses", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
)  # fmt: skip
