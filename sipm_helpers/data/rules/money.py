"""Rules of the budget and its monthly execution (Art. 4(2), 12): no negative flows, the
balance identity (start + income − expenditure = end) in the budget and month by month,
the opening balance carried from last December, no missing months, no wild month, and
nothing executed that was not budgeted (or budgeted and never executed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config import FundRegistry
from sipm_helpers.config.labels import said
from sipm_helpers.data.findings import WARNING
from sipm_helpers.data.rules import Checked, Rule
from sipm_helpers.data.rules.regions import applicable
from sipm_helpers.data.table import Table, groups, rows

OUTLIER_FACTOR = 10.0  # a month above this multiple of the item's median month is flagged
OUTLIER_FLOOR = 1000.0  # 10k yuan; smaller amounts are never called outliers
YEAR = ["region_code", "fund", "year"]
NEGATIVE_FLOW = said("validation_non_negative")


def kind_of(frame: pd.DataFrame, registry: FundRegistry) -> pd.Series:
    return frame["item"].map({c: i.kind for c, i in registry.line_items.items()})


def _flows(frame: pd.DataFrame, c: Checked) -> pd.Series:
    return kind_of(frame, c.ctx.registry).isin(["income", "expenditure"])


def _tolerance(c: Checked, amount) -> np.ndarray | pd.Series:
    s = c.ctx.standards
    return s.balance_tolerance_absolute + s.balance_tolerance_relative * np.abs(amount)


def _items(c: Checked) -> dict[str, tuple[str, ...]]:
    return {code: f.line_items for code, f in c.ctx.registry.funds.items()}


# --------------------------------------------------------------------------- budget


def negative_budget(column: str):
    def check(t: Table, c: Checked) -> pd.DataFrame:
        b = t.frame
        return rows(b, _flows(b, c) & (b[column] < 0).fillna(False), NEGATIVE_FLOW)

    return check


def budget_years(b: pd.DataFrame, c: Checked) -> pd.DataFrame:
    """Per region, fund and year: the budget's net flow and its opening and closing balance."""
    kind = kind_of(b, c.ctx.registry)
    amount = b["adjusted"].fillna(b["initial"]).astype("float64")
    signed = np.select([kind == "income", kind == "expenditure"], [amount, -amount], 0.0)
    g = b.assign(
        _net=signed,
        _start=amount.where(b["item"] == "balance_start"),
        _end=amount.where(b["item"] == "balance_end"),
    )
    return g.groupby(YEAR, dropna=True).agg(
        net=("_net", "sum"), start=("_start", "max"), end=("_end", "max")
    )


def budget_balance_missing(t: Table, c: Checked) -> pd.DataFrame:
    agg = budget_years(t.frame, c)
    parts = []
    for col, item in (("start", "balance_start"), ("end", "balance_end")):
        keys = agg.index[agg[col].isna()].to_frame(index=False)
        messages = (
            said(
                "validation_budget_balance_missing",
                item=item,
                region=r.region_code,
                fund=r.fund,
                year=r.year,
            )
            for r in keys.itertuples()
        )
        parts.append(groups(keys, messages))
    return pd.concat(parts, ignore_index=True)


def _row_of_end(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per group of ``keys``: the table row of its (first) closing balance, a finding's row.
    Unique by group even when a closing balance is given twice (a duplicated row)."""
    ends = frame.loc[(frame["item"] == "balance_end").fillna(False).astype(bool)]
    row_of = ends.reset_index().set_index(keys)["index"]
    return row_of.loc[~row_of.index.duplicated(keep="first")]


def budget_balance_identity(t: Table, c: Checked) -> pd.DataFrame:
    b, agg = t.frame, budget_years(t.frame, c)
    residual = (agg["start"] + agg["net"] - agg["end"]).abs()
    broken = agg.loc[(residual > _tolerance(c, agg["end"])).fillna(False)]
    row_of = _row_of_end(b, YEAR)
    messages = (
        said(
            "validation_budget_balance_identity",
            end=a.end,
            start=a.start,
            net=a.net,
            expected=a.start + a.net,
            region=k[0],
            fund=k[1],
            year=k[2],
        )
        for k, a in zip(broken.index, broken.itertuples(), strict=True)
    )
    return groups(
        broken.index.to_frame(index=False),
        messages,
        row=[row_of.get(k, np.nan) for k in broken.index],
        value=[f"{v:.2f}" for v in broken["end"]],
    )


# --------------------------------------------------------------------------- execution


def negative_execution(t: Table, c: Checked) -> pd.DataFrame:
    e = t.frame
    return rows(e, _flows(e, c) & (e["amount"] < 0).fillna(False), NEGATIVE_FLOW)


def balance_start_month(t: Table, c: Checked) -> pd.DataFrame:
    e = t.frame
    late = (e["item"] == "balance_start").fillna(False) & (e["month"] != 1).fillna(False)
    return rows(e, late, said("validation_balance_start_month"))


def negative_balance(t: Table, c: Checked) -> pd.DataFrame:
    e = t.frame
    return rows(
        e,
        (e["item"] == "balance_end") & (e["amount"] < 0).fillna(False),
        lambda r: said("validation_negative_balance", year=r["year"], month=r["month"]),
    )


def execution_months(e: pd.DataFrame, c: Checked) -> pd.DataFrame:
    """Per region, fund, year and month: the net flow, the closing and opening balance, and
    whether a row of the month is unusable (its net is then unknown)."""
    kind = kind_of(e, c.ctx.registry)
    monthly = (
        e.assign(
            _net=np.select(
                [kind == "income", kind == "expenditure"], [e["amount"], -e["amount"]], 0.0
            ),
            _end=e["amount"].where(e["item"] == "balance_end"),
            _start=e["amount"].where(e["item"] == "balance_start"),
            _unknown=(e["amount"].isna() | kind.isna()).to_numpy(dtype=bool),
        )
        .groupby([*YEAR, "month"], dropna=True)
        .agg(
            net=("_net", "sum"),
            end=("_end", "max"),
            start=("_start", "max"),
            unknown=("_unknown", "max"),
        )
    )
    return monthly.reset_index().sort_values([*YEAR, "month"])


def balance_missing(t: Table, c: Checked) -> pd.DataFrame:
    monthly = execution_months(t.frame, c)
    no_end = monthly.loc[monthly["end"].isna()]
    ends = groups(
        no_end[YEAR],
        (
            said(
                "validation_balance_end_missing",
                region=r.region_code,
                fund=r.fund,
                year=r.year,
                month=r.month,
            )
            for r in no_end.itertuples()
        ),
    )
    starts = monthly.groupby(YEAR)["start"].max()
    first_month = monthly.groupby(YEAR)["month"].min()
    no_start = starts.index[starts.isna() & (first_month == 1)].to_frame(index=False)
    opening = groups(
        no_start,
        (
            said("validation_balance_start_missing", region=r.region_code, fund=r.fund, year=r.year)
            for r in no_start.itertuples()
        ),
    )
    return pd.concat([ends, opening], ignore_index=True)


def balance_identity(t: Table, c: Checked) -> pd.DataFrame:
    e, monthly = t.frame, execution_months(t.frame, c)
    starts = monthly.groupby(YEAR)["start"].max()
    prev_end = monthly.groupby(YEAR)["end"].shift(1)
    # After a missing month the previous row is not the previous month: a gap, not a break.
    follows = monthly.groupby(YEAR)["month"].shift(1) == monthly["month"] - 1
    prev_end = prev_end.where(follows.fillna(False).astype(bool))
    opening = (
        monthly[YEAR].merge(starts.rename("s").reset_index(), on=YEAR, how="left")["s"].to_numpy()
    )
    prev = np.where(
        monthly["month"].to_numpy() == 1,
        opening,
        prev_end.to_numpy(dtype="float64", na_value=np.nan),
    )
    expected = prev + monthly["net"].to_numpy()
    actual = monthly["end"].to_numpy(dtype="float64", na_value=np.nan)
    broken = np.abs(actual - expected) > _tolerance(c, actual)  # NaN: gaps reported apart
    broken &= ~monthly["unknown"].to_numpy(dtype=bool)
    hit = monthly.loc[broken]
    row_of = _row_of_end(e, [*YEAR, "month"])
    messages = (
        said(
            "validation_balance_identity",
            end=r.end,
            previous=p,
            net=r.net,
            expected=x,
            region=r.region_code,
            fund=r.fund,
            year=r.year,
            month=r.month,
        )
        for r, x, p in zip(hit.itertuples(), expected[broken], prev[broken], strict=True)
    )
    return groups(
        hit[YEAR],
        messages,
        row=[
            row_of.get((r.region_code, r.fund, r.year, r.month), np.nan) for r in hit.itertuples()
        ],
        value=[f"{v:.2f}" for v in hit["end"]],
    )


def carry_forward(t: Table, c: Checked) -> pd.DataFrame:
    """This year's opening balance is last December's closing balance."""
    monthly = execution_months(t.frame, c)
    starts = monthly.groupby(YEAR)["start"].max()
    dec = monthly.loc[monthly["month"] == 12].set_index(YEAR)["end"]
    prev_dec = dec.rename(lambda y: y + 1, level="year")
    joined = pd.concat([starts.rename("start"), prev_dec.rename("prev")], axis=1, join="inner")
    joined = joined.dropna()
    off = joined.loc[(joined["start"] - joined["prev"]).abs() > _tolerance(c, joined["prev"])]
    messages = (
        said(
            "validation_carry_forward",
            start=r.start,
            year=k[2],
            previous=r.prev,
            last_year=k[2] - 1,
            region=k[0],
            fund=k[1],
        )
        for k, r in zip(off.index, off.itertuples(), strict=True)
    )
    return groups(
        off.index.to_frame(index=False), messages, value=[f"{v:.2f}" for v in off["start"]]
    )


def missing_months(t: Table, c: Checked) -> pd.DataFrame:
    """A month missing before the last reported month of the year."""
    monthly = execution_months(t.frame, c)
    by = monthly.groupby(YEAR)["month"]
    last = by.max()
    short = last.index[by.nunique() < last]
    have = monthly.set_index(YEAR).loc[short].groupby(YEAR)["month"].agg(set) if len(short) else {}
    messages = (
        said(
            "validation_missing_months",
            months=", ".join(str(m) for m in range(1, int(last[k]) + 1) if m not in have[k]),
            region=k[0],
            fund=k[1],
            year=k[2],
        )
        for k in short
    )
    return groups(short.to_frame(index=False), messages)


def outlier(t: Table, c: Checked) -> pd.DataFrame:
    """A month far above the item's usual month."""
    e = t.frame
    flow_rows = e.loc[_flows(e, c) & (e["amount"] > 0)]
    median = flow_rows.groupby(["region_code", "fund", "item"])["amount"].transform("median")
    spike = (flow_rows["amount"] > OUTLIER_FACTOR * median) & (flow_rows["amount"] > OUTLIER_FLOOR)
    return rows(
        e,
        e.index.isin(flow_rows.index[spike.to_numpy(dtype=bool)]),
        lambda r: said(
            "validation_outlier",
            item=r["item"],
            year=r["year"],
            month=r["month"],
            factor=OUTLIER_FACTOR,
        ),
    )


ITEM_YEAR = [*YEAR, "item"]


def _keys(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[ITEM_YEAR].astype(object))


def _years(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[YEAR].astype(object))


def no_budget(t: Table, c: Checked) -> pd.DataFrame:
    """A region's fund executed in a year with no budget row at all: one finding for the
    year (a budget filed under a mistyped code, or not filed), not one per item."""
    e = t.frame.loc[_flows(t.frame, c)]
    missing = e.loc[~_years(e).isin(_years(c.tables["budget"].frame))]
    counts = missing.groupby(YEAR, sort=False).size()
    messages = (
        said("validation_no_budget", region=k[0], fund=k[1], year=k[2], rows=n)
        for k, n in counts.items()
    )
    return groups(counts.index.to_frame(index=False), messages)


def unbudgeted_item(t: Table, c: Checked) -> pd.DataFrame:
    """An item executed that its region's budget of the year leaves out (a year with no
    budget at all is no_budget's)."""
    e = t.frame
    flows = _flows(e, c)
    b = c.tables["budget"].frame
    budgeted = _keys(b)
    unbudgeted = flows.to_numpy() & ~_keys(e).isin(budgeted) & _years(e).isin(_years(b))
    return rows(
        e,
        unbudgeted,
        lambda r: said(
            "validation_unbudgeted_item",
            item=r["item"],
            region=r["region_code"],
            fund=r["fund"],
            year=r["year"],
        ),
    )


def never_executed(t: Table, c: Checked) -> pd.DataFrame:
    """Budgeted for a complete year (twelve months reported) and never executed."""
    b, e = t.frame, c.tables["execution"].frame
    complete = execution_months(e, c).groupby(YEAR)["month"].max().loc[lambda m: m == 12]
    positive = _flows(b, c) & (b["adjusted"].fillna(b["initial"]) > 0)
    in_complete = pd.MultiIndex.from_frame(b[YEAR].astype(object)).isin(
        complete.index.to_frame(index=False).astype(object).pipe(pd.MultiIndex.from_frame)
    )
    executed = _keys(e.loc[_flows(e, c)])
    idle = positive.to_numpy() & in_complete & ~_keys(b).isin(executed)
    return rows(
        b,
        idle,
        lambda r: said("validation_never_executed", item=r["item"], year=r["year"]),
    )


RULES = (
    Rule("budget.applicable", "budget", "not_applicable", "item", applicable("item", _items, "line_item", lambda c: c.ctx.registry.line_items)),
    Rule("budget.initial_negative", "budget", "non_negative", "initial", negative_budget("initial")),
    Rule("budget.adjusted_negative", "budget", "non_negative", "adjusted", negative_budget("adjusted")),
    Rule("budget.balance_missing", "budget", "budget_balance_missing", "item", budget_balance_missing),
    Rule("budget.balance_identity", "budget", "balance_identity", "adjusted", budget_balance_identity),
    Rule("execution.applicable", "execution", "not_applicable", "item", applicable("item", _items, "line_item", lambda c: c.ctx.registry.line_items)),
    Rule("execution.negative", "execution", "non_negative", "amount", negative_execution),
    Rule("execution.balance_start_month", "execution", "balance_start_month", "month", balance_start_month),
    Rule("execution.negative_balance", "execution", "negative_balance", "amount", negative_balance, WARNING),
    Rule("execution.balance_missing", "execution", "balance_missing", "item", balance_missing),
    Rule("execution.balance_identity", "execution", "balance_identity", "amount", balance_identity),
    Rule("execution.carry_forward", "execution", "carry_forward", "amount", carry_forward, WARNING),
    Rule("execution.missing_months", "execution", "missing_months", "month", missing_months, WARNING),
    Rule("execution.outlier", "execution", "outlier", "amount", outlier, WARNING),
    Rule("execution.no_budget", "execution", "no_budget", "year", no_budget, needs=("budget",)),
    Rule("execution.unbudgeted_item", "execution", "unbudgeted_item", "item", unbudgeted_item, needs=("budget",)),
    Rule("budget.never_executed", "budget", "never_executed", "item", never_executed, WARNING, needs=("execution",)),
)  # fmt: skip
