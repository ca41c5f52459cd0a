"""What the working papers of a provincial evaluation (绩效评价工作底稿) hold, from the
same results the report reads: every region's every indicator with what its score rests
on (the points it puts at stake, the self-assessed score, the evaluator's finding), and
the annual facts the measures read, so that a reviewer can recompute each figure of the
report (Art. 17–19 of Caishe [2022] No. 65: an entrusted evaluator keeps its papers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config import FundRegistry
from sipm_helpers.config.context import Context
from sipm_helpers.config.standards import ScoringStandards
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import Appraisal
from sipm_helpers.domain.facts import AnnualFacts, annual_facts
from sipm_helpers.domain.measures import years_read
from sipm_helpers.domain.scoring import at_stake, evidence

FINDING_COLUMNS = ["finding", "basis", "comment", "detail", "self_value", "evaluated_value"]
# The tables of the annual facts, in the order the papers show them (AnnualFacts' fields).
FACT_TABLES = ("executed", "executed_q3", "budget", "budget_initial", "statistics")


def self_scores(mine: pd.DataFrame) -> pd.DataFrame:
    """Per region and indicator, the score its self-evaluation gave (``mine``:
    :func:`sipm_helpers.domain.appraisal.self_assessed`): region_code, indicator, self_score."""
    rows = [
        (region, indicator, score)
        for region, scores in zip(mine["region_code"], mine["self_scores"], strict=True)
        for indicator, score in scores.items()
    ]
    out = pd.DataFrame(rows, columns=["region_code", "indicator", "self_score"])
    return out.astype({"region_code": "string", "self_score": "float64"})


def score_rows(a: Appraisal, mine: pd.DataFrame, standards: ScoringStandards) -> pd.DataFrame:
    """The evaluated indicator frame of every region scored, by region and the catalogue's
    order, with what the totals add up (``at_stake``, ``assessed``, ``earned``), the
    share a qualitative grade earned (``share_applied``: the one given, else its level's
    default; NaN without evidence), the score the region gave itself (``self_score``) and
    the finding that changed the row (:data:`FINDING_COLUMNS`, empty where none did)."""
    e = a.indicators
    if e.empty:
        added = ["at_stake", "assessed", "earned", "share_applied", "self_score"]
        return e.reindex(columns=[*e.columns, *added, *FINDING_COLUMNS])
    stakes = at_stake(e).rename(columns={"points": "at_stake"})
    stakes["share_applied"] = evidence(e, standards).share
    out = pd.concat([e, stakes], axis=1).astype({"region_code": "string"})
    out = out.merge(self_scores(mine), on=["region_code", "indicator"], how="left")
    moved = a.moved[["region_code", "indicator", *FINDING_COLUMNS]]
    out = out.merge(moved.astype({"region_code": "string"}), on=["region_code", "indicator"],
                    how="left")  # fmt: skip
    return out.sort_values(["region_code", "order"], ignore_index=True)


def data_years(ctx: Context, a: Appraisal) -> list[int]:
    """The years of annual facts the evaluated measures read: the year evaluated and as
    many before it as the catalogue's measures look back (growth: the year before)."""
    functions = a.indicators["function"].dropna().unique() if len(a.indicators) else []
    return list(range(a.year - years_read(functions), a.year + 1))


def _long(frame: pd.DataFrame, table: str, years: list[int]) -> pd.DataFrame:
    """One annual-facts table as rows region_code, year, table, item, value."""
    if frame.empty:
        return pd.DataFrame(columns=["region_code", "year", "table", "item", "value"])
    chosen = frame.loc[frame.index.get_level_values("year").isin(years)]
    long = chosen.rename_axis(columns="item").stack(future_stack=True).rename("value")
    long = long.reset_index().dropna(subset=["value"])
    return long.assign(table=table)[["region_code", "year", "table", "item", "value"]]


def item_order(registry: FundRegistry) -> list[str]:
    """The items of the annual facts in the order of a fund's accounts: income items and
    their total, expenditure items and theirs, the balances, the months reported, then
    the statistics as the registry lists them."""
    kinds = {kind: [c for c, i in registry.line_items.items() if i.kind == kind]
             for kind in ("income", "expenditure", "balance")}  # fmt: skip
    return [*kinds["income"], "income", *kinds["expenditure"], "expenditure",
            *kinds["balance"], "months", *registry.statistics]  # fmt: skip


def annual_data(ds: Dataset, ctx: Context, a: Appraisal) -> pd.DataFrame:
    """The annual facts of the regions scored, in the years the measures read
    (:func:`data_years`), as the evaluation aggregated them from the monthly tables:
    region_code, year, table (:data:`FACT_TABLES`), item (a line item, a total, the
    months reported or a statistic) and value, to six decimals (summing months leaves float
    noise: twelve 0.3s add up to 3.599999999999999); the fund's own rows only."""
    regions = a.indicators["region_code"].astype(str).unique().tolist() if len(a.indicators) else []
    if not regions:
        return _long(pd.DataFrame(), "", [])
    facts: AnnualFacts = annual_facts(
        ds, ctx.registry, funds=[a.fund], regions=regions, years=[a.year]
    )
    years = data_years(ctx, a)
    parts = [_long(getattr(facts, table), table, years) for table in FACT_TABLES]
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype("float64").round(6)
    items = {item: i for i, item in enumerate(item_order(ctx.registry))}
    out = out.assign(
        _table=out["table"].map({t: i for i, t in enumerate(FACT_TABLES)}).to_numpy(np.int64),
        _item=out["item"].map(items).fillna(len(items)).to_numpy(np.int64),
    )
    keys = ["region_code", "year", "_table", "_item"]
    return out.sort_values(keys, kind="stable", ignore_index=True).drop(columns=keys[2:])
