"""Rules of the region hierarchy and of who reports what: one country, provinces under it
and prefectures under them, and the centre's own pool (level ``central``) under the
country; pooling set per province, or at country level by the centre's pool for a fund
the registry lets it pool (Art. 23: the central state organs' pension fund); a fund
reported only for its own coordinating regions (Art. 5, 6); a code (line item, statistic,
indicator) used only with a fund it applies to."""

from __future__ import annotations

from collections.abc import Callable, Collection

import pandas as pd

from sipm_helpers.config.labels import said
from sipm_helpers.data.rules import Checked, Rule
from sipm_helpers.data.table import Table, groups, rows

EXPECTED_PARENT = {"province": "country", "prefecture": "province", "central": "country"}
POOLS = ("province", "central")  # the levels pooling is set for
COUNTRY = "country"  # the pooling level of the centre's pool
REPORTED_BY_REGIONS = (
    "budget", "execution", "statistics", "qualitative", "explanations", "monitoring_responses",
)  # fmt: skip


def expected_parent(level: str) -> str:
    return EXPECTED_PARENT.get(level, "nothing")


def _level_of(regions: pd.DataFrame) -> dict:
    return dict(zip(regions["region_code"], regions["level"], strict=False))


def one_country(t: Table, c: Checked) -> pd.DataFrame:
    count = int((t.frame["level"] == "country").sum())
    if count == 1:
        return groups(pd.DataFrame(), [])
    return groups(pd.DataFrame(index=[0]), [said("validation_one_country", count=count)])


def parent_missing(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    has_parent = r["parent_code"].notna()
    unknown = has_parent & r["parent_code"].map(_level_of(r)).isna()
    return rows(r, unknown, said("validation_parent_unknown"))


def parent_of_wrong_level(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    level_of = _level_of(r)
    parent_level = r["parent_code"].map(level_of)
    wrong = parent_level.notna() & (parent_level != r["level"].map(EXPECTED_PARENT))
    return rows(
        r,
        r["parent_code"].notna() & wrong,
        lambda x: said(
            "validation_parent_level",
            level=x["level"],
            expected=expected_parent(x["level"]),
            parent=x["parent_code"],
            parent_level=level_of.get(x["parent_code"]),
        ),
    )


def parent_needed(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    orphan = (r["level"] != "country") & r["parent_code"].isna()
    return rows(r, orphan, lambda x: said("validation_parent_needed", level=x["level"]))


def country_has_no_parent(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    return rows(
        r,
        (r["level"] == "country") & r["parent_code"].notna(),
        said("validation_country_parent"),
    )


def pooling_in_a_province(t: Table, c: Checked) -> pd.DataFrame:
    p = t.frame
    level = p["province_code"].map(_level_of(c.regions)).fillna("province")
    return rows(p, ~level.isin(POOLS), said("validation_pooling_province"))


def country_pooling_by_the_centre(t: Table, c: Checked) -> pd.DataFrame:
    """The centre's pool pools at country level, and only it does (unknown codes are the
    schema's)."""
    p = t.frame
    level = p["province_code"].map(_level_of(c.regions))
    central, at_country = level == "central", p["pooling_level"] == COUNTRY
    elsewhere = rows(
        p, at_country & level.notna() & ~central, said("validation_pooling_country_not_central")
    )
    other_level = rows(
        p,
        central & p["pooling_level"].notna() & ~at_country,
        lambda r: said("validation_pooling_central_level", level=r["pooling_level"]),
    )
    return pd.concat([elsewhere, other_level])


def country_pooling_allowed(t: Table, c: Checked) -> pd.DataFrame:
    """Only a fund the registry lets the centre pool (``country_pooling``) is pooled at
    country level; unknown fund codes are left to the schema."""
    p, funds = t.frame, c.ctx.registry.funds
    allowed = [code for code, fund in funds.items() if fund.country_pooling]
    wrong = (p["pooling_level"] == COUNTRY) & p["fund"].isin(list(funds)) & ~p["fund"].isin(allowed)
    return rows(
        p,
        wrong,
        lambda r: said(
            "validation_pooling_country_fund", fund=r["fund"], allowed=", ".join(allowed)
        ),
    )


def central_pools_a_fund(t: Table, c: Checked) -> pd.DataFrame:
    """A region of level ``central`` pools some fund at country level (else it is no pool)."""
    r = t.frame
    pooled = set(c.coordination.loc[c.coordination["pooling_level"] == COUNTRY, "region_code"])
    idle = (r["level"] == "central") & ~r["region_code"].isin(pooled)
    return rows(r, idle, said("validation_central_pools_nothing"))


def pair_key(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    return frame[a].astype("string") + "\x1f" + frame[b].astype("string")


def coordinating_level(t: Table, c: Checked) -> pd.DataFrame:
    """A fund is reported only for its own coordinating regions. Unknown region or fund
    codes are reported by the schema (allowed values), not again here."""
    frame, coordination, regions = t.frame, c.coordination, c.regions
    valid = frame["region_code"].isin(regions["region_code"]) & frame["fund"].isin(
        coordination["fund"]
    )
    known = set(pair_key(coordination, "region_code", "fund"))
    wrong = valid & ~pair_key(frame, "region_code", "fund").isin(known)
    level = _level_of(regions)
    pooled = coordination.groupby(["province_code", "fund"])["pooling_level"].first().to_dict()
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=False))

    def message(row: pd.Series):
        code, fund = row["region_code"], row["fund"]
        lvl = level.get(code)
        province = code if lvl == "province" else parent.get(code)
        how = pooled.get((province, fund))
        if lvl == "country":
            return said("validation_coordinating_country", fund=fund)
        if lvl == "central":
            return said("validation_coordinating_central", fund=fund, code=code)
        if how in ("province", "prefecture"):
            key = f"validation_coordinating_{how}"
            return said(key, fund=fund, province=province, code=code)
        return said("validation_coordinating_level", fund=fund, code=code)

    return rows(frame, wrong, message)


def applicable(
    column: str,
    allowed: Callable[[Checked], dict[str, tuple[str, ...]]],
    what: str,
    known: Callable[[Checked], Collection[str]] | None = None,
) -> Callable[[Table, Checked], pd.DataFrame]:
    """The check that codes of ``column`` which exist (in ``known``; default: any fund's
    ``allowed``) apply to the row's fund. Unknown codes are left to the schema. ``what``
    the codes are: line_item, statistic, indicator or qualitative_indicator (its finding's
    label is validation_not_applicable_<what>)."""

    def check(t: Table, c: Checked) -> pd.DataFrame:
        frame, codes = t.frame, allowed(c)
        pairs = {f"{fund}\x1f{code}" for fund, listed in codes.items() for code in listed}
        every = {x for listed in codes.values() for x in listed} if known is None else known(c)
        valid = frame["fund"].isin(list(codes)) & frame[column].isin(list(every))
        wrong = valid & ~pair_key(frame, "fund", column).isin(pairs)
        key = f"validation_not_applicable_{what}"
        return rows(frame, wrong, lambda r: said(key, code=r[column], fund=r["fund"]))

    return check


RULES = (
    Rule("regions.one_country", "regions", "one_country", "level", one_country),
    Rule("regions.parent_missing", "regions", "parent_exists", "parent_code", parent_missing),
    Rule("regions.parent_level", "regions", "parent_level", "parent_code", parent_of_wrong_level),
    Rule("regions.parent_needed", "regions", "parent_exists", "parent_code", parent_needed),
    Rule("regions.country_parent", "regions", "parent_level", "parent_code", country_has_no_parent),
    Rule("regions.central_pools", "regions", "pooling_country", "level", central_pools_a_fund),
    Rule("pooling.province", "pooling", "pooling_province", "province_code", pooling_in_a_province),
    Rule(
        "pooling.country_centre",
        "pooling",
        "pooling_country",
        "pooling_level",
        country_pooling_by_the_centre,
    ),
    Rule("pooling.country_fund", "pooling", "pooling_country", "fund", country_pooling_allowed),
    *(
        Rule(
            f"{name}.coordinating_level",
            name,
            "coordinating_level",
            "region_code",
            coordinating_level,
        )
        for name in REPORTED_BY_REGIONS
    ),
)
