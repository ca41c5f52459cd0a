"""Validation of a dataset: schemas per table, then the rules across tables.

Every finding names the file (and sheet), the row, the column, the value and the rule;
all findings are gathered before anything is reported. Errors make a dataset unusable,
warnings are data wrinkles an evaluator should know about.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sipm_helpers.config import FundRegistry, TableSpec
from sipm_helpers.config.context import Context, load_context
from sipm_helpers.data.dataset import TABLES, Dataset
from sipm_helpers.data.findings import ERROR, WARNING, Finding, ValidationReport
from sipm_helpers.data.io import RawDataset, read_raw
from sipm_helpers.data.schemas import DTYPES, build_schema, coerce_table, schema_findings
from sipm_helpers.errors import DataError
from sipm_helpers.paths import demo_data_dir

OUTLIER_FACTOR = 10.0  # a month above this multiple of the item's median month is flagged
OUTLIER_FLOOR = 1000.0  # 10k yuan; smaller amounts are never called outliers


@dataclass
class Table:
    """A typed table with where its rows came from."""

    name: str
    frame: pd.DataFrame
    origin: str
    row_offset: int  # add to the 0-based index to get the row a person sees

    def findings(
        self,
        mask: pd.Series | np.ndarray,
        column: str | None,
        rule: str,
        message: str | Callable[[pd.Series], str],
        severity: str = ERROR,
    ) -> list[Finding]:
        """One finding per row selected by ``mask``; ``message`` may depend on the row."""
        rows = self.frame.loc[np.asarray(mask, dtype=bool)]
        out = []
        for index, row in rows.iterrows():  # only the offending rows: few by construction
            value = None if column is None or pd.isna(row[column]) else str(row[column])
            text = message(row) if callable(message) else message
            out.append(
                Finding(
                    severity,
                    self.name,
                    self.origin,
                    int(index) + self.row_offset,
                    column,
                    value,
                    rule,
                    text,
                    **_concerns(row),
                )
            )
        return out


def _concerns(row: pd.Series) -> dict:
    """region, fund and year of a row, where the table has them."""
    out = {}
    for field_name, column in (("region", "region_code"), ("fund", "fund"), ("year", "year")):
        if column in row and not pd.isna(row[column]):
            out[field_name] = int(row[column]) if field_name == "year" else str(row[column])
    return out


def _key(key: tuple) -> dict:
    """region, fund and year of a (region_code, fund, year, ...) key."""
    return {"region": str(key[0]), "fund": str(key[1]), "year": int(key[2])}


def _references(ctx: Context, regions: pd.DataFrame | None) -> dict[str, set[str]]:
    indicators = {code for codes in ctx.indicator_codes().values() for code in codes}
    codes = set() if regions is None else set(regions["region_code"].dropna().astype(str))
    return {
        "@funds": set(ctx.registry.funds),
        "@line_items": set(ctx.registry.line_items),
        "@statistics": set(ctx.registry.statistics),
        "@indicators": indicators,
        "@regions": codes,
    }


def _schema_pass(raw: RawDataset, ctx: Context, report: ValidationReport) -> dict[str, Table]:
    """Presence of tables and columns, types, then the pandera schema of each table."""
    tables: dict[str, Table] = {}
    typed_regions = None
    for name in TABLES:  # regions first: the others refer to its codes
        spec = ctx.specs[name]
        if name not in raw.tables:
            if spec.required:
                expected = f"sheet {name!r}" if raw.format == "xlsx" else f"{name}.{raw.format}"
                report.extend(
                    [
                        Finding(
                            ERROR,
                            name,
                            str(raw.source),
                            None,
                            None,
                            None,
                            "missing_table",
                            f"the required table {name} is missing (expected {expected})",
                        )
                    ]
                )
            continue
        frame, origin = raw.tables[name], raw.origins[name]
        offset = raw.header_rows[name] + (1 if raw.format != "parquet" else 0)
        if not (pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique):
            frame = frame.reset_index(drop=True)  # read_raw's index is the row position already
        missing = [c for c in spec.columns if c not in frame.columns]
        for col in missing:
            report.extend(
                [
                    Finding(
                        ERROR,
                        name,
                        origin,
                        None,
                        col,
                        None,
                        "missing_column",
                        f"required column {col} is missing (columns found: {', '.join(map(str, frame.columns))})",
                    )
                ]
            )
        for col in frame.columns:
            if col not in spec.columns:
                report.extend(
                    [
                        Finding(
                            WARNING,
                            name,
                            origin,
                            None,
                            str(col),
                            None,
                            "unknown_column",
                            f"column {col} is not part of table {name} and is ignored",
                        )
                    ]
                )
        if missing:
            continue
        typed, type_findings = coerce_table(frame, spec, origin, offset)
        report.extend(type_findings)
        bad = pd.DataFrame(False, index=typed.index, columns=typed.columns)
        for f in type_findings:
            bad.at[f.row - offset, f.column] = True
        refs = _references(ctx, typed_regions if name != "regions" else None)
        schema = build_schema(spec, refs)
        if name == "regions":
            schema = schema.remove_columns([])  # regions refer to nothing
        report.extend(schema_findings(typed, schema, spec, origin, offset, bad))
        dup = typed.duplicated(list(spec.key), keep="first") & typed[list(spec.key)].notna().all(
            axis=1
        )
        table = Table(name, typed, origin, offset)
        report.extend(
            table.findings(
                dup,
                None,
                "duplicate_key",
                lambda r, key=spec.key: (
                    "duplicate key "
                    + ", ".join(f"{k}={r[k]}" for k in key)
                    + " (an earlier row has the same key)"
                ),
            )
        )
        tables[name] = table
        if name == "regions":
            typed_regions = typed
    return tables


def _hierarchy(t: Table) -> list[Finding]:
    regions = t.frame
    out: list[Finding] = []
    countries = regions["level"] == "country"
    if countries.sum() != 1:
        out.append(
            Finding(
                ERROR,
                "regions",
                t.origin,
                None,
                "level",
                None,
                "one_country",
                f"the hierarchy needs exactly one region of level country, found {int(countries.sum())}",
            )
        )
    level_of = dict(zip(regions["region_code"], regions["level"], strict=False))
    parent_level = regions["parent_code"].map(level_of)
    has_parent = regions["parent_code"].notna()
    out += t.findings(
        has_parent & parent_level.isna(),
        "parent_code",
        "parent_exists",
        "the parent region is not in the table",
    )
    expected = regions["level"].map({"province": "country", "prefecture": "province"})
    wrong = has_parent & parent_level.notna() & (parent_level != expected)
    out += t.findings(
        wrong,
        "parent_code",
        "parent_level",
        lambda r: (
            f"a {r['level']} must belong to a {expected_parent(r['level'])}, "
            f"but {r['parent_code']} is a {level_of.get(r['parent_code'])}"
        ),
    )
    out += t.findings(
        (regions["level"] != "country") & ~has_parent,
        "parent_code",
        "parent_exists",
        lambda r: f"a {r['level']} needs a parent region",
    )
    out += t.findings(
        (regions["level"] == "country") & has_parent,
        "parent_code",
        "parent_level",
        "the country has no parent region",
    )
    return out


def expected_parent(level: str) -> str:
    return {"province": "country", "prefecture": "province"}.get(level, "nothing")


def coordination_table(
    regions: pd.DataFrame, pooling: pd.DataFrame | None, registry: FundRegistry
) -> pd.DataFrame:
    """Each fund's coordinating regions: the province where the fund is pooled at province
    level, each of its prefectures where pooled at prefecture level (Art. 6).

    Returns columns region_code, fund, province_code, pooling_level.
    """
    provinces = regions.loc[regions["level"] == "province", "region_code"].astype(str)
    grid = pd.MultiIndex.from_product(
        [provinces, list(registry.funds)], names=["province_code", "fund"]
    ).to_frame(index=False)
    grid["pooling_level"] = grid["fund"].map(
        {c: f.default_pooling for c, f in registry.funds.items()}
    )
    if pooling is not None and len(pooling):
        chosen = pooling.set_index(["province_code", "fund"])["pooling_level"]
        override = pd.Series(list(zip(grid["province_code"], grid["fund"], strict=False))).map(
            chosen.to_dict()
        )
        grid["pooling_level"] = override.fillna(grid["pooling_level"]).astype(str).to_numpy()
    prefectures = regions.loc[
        regions["level"] == "prefecture", ["region_code", "parent_code"]
    ].rename(columns={"parent_code": "province_code"})
    by_province = grid.loc[grid["pooling_level"] == "province"].assign(
        region_code=lambda g: g["province_code"]
    )
    by_prefecture = grid.loc[grid["pooling_level"] == "prefecture"].merge(
        prefectures, on="province_code"
    )
    out = pd.concat([by_province, by_prefecture], ignore_index=True)[
        ["region_code", "fund", "province_code", "pooling_level"]
    ]
    for col in out.columns:
        out[col] = out[col].astype("string")
    return out.sort_values(["fund", "region_code"], ignore_index=True)


def _pair_key(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    return frame[a].astype("string") + "\x1f" + frame[b].astype("string")


def _coordinating_level(
    t: Table, coordination: pd.DataFrame, regions: pd.DataFrame
) -> list[Finding]:
    """A fund is reported only for its own coordinating regions."""
    frame = t.frame
    # Unknown region or fund codes are reported by the schema (allowed values), not again here.
    valid = frame["region_code"].isin(regions["region_code"]) & frame["fund"].isin(
        coordination["fund"]
    )
    known = set(_pair_key(coordination, "region_code", "fund"))
    wrong = valid & ~_pair_key(frame, "region_code", "fund").isin(known)
    if not wrong.any():
        return []
    level = dict(zip(regions["region_code"], regions["level"], strict=False))
    pooled = coordination.groupby(["province_code", "fund"])["pooling_level"].first().to_dict()
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=False))

    def message(row: pd.Series) -> str:
        code, fund = row["region_code"], row["fund"]
        lvl = level.get(code)
        province = code if lvl == "province" else parent.get(code)
        how = pooled.get((province, fund))
        if lvl == "country":
            return (
                f"{fund} is not reported at country level: report it for its coordinating regions"
            )
        if how == "province":
            return f"{fund} is pooled at province level in {province}: report it for {province}, not for {code}"
        if how == "prefecture":
            return f"{fund} is pooled at prefecture level in {province}: report it for each prefecture, not for {code}"
        return f"{code} is not a coordinating region of {fund}"

    return t.findings(wrong, "region_code", "coordinating_level", message)


def _applicable(
    t: Table,
    column: str,
    allowed: dict[str, tuple[str, ...]],
    what: str,
    known: Collection[str] | None = None,
) -> list[Finding]:
    """Codes of ``column`` that exist (in ``known``; default: any fund's ``allowed``) but do
    not apply to the row's fund. Unknown codes are left to the schema's allowed values."""
    frame = t.frame
    pairs = {f"{fund}\x1f{code}" for fund, codes in allowed.items() for code in codes}
    known = {c for codes in allowed.values() for c in codes} if known is None else known
    valid = frame["fund"].isin(list(allowed)) & frame[column].isin(list(known))
    wrong = valid & ~_pair_key(frame, "fund", column).isin(pairs)
    return t.findings(
        wrong,
        column,
        "not_applicable",
        lambda r: f"{what} {r[column]} does not apply to fund {r['fund']}",
    )


def _kind(frame: pd.DataFrame, registry: FundRegistry) -> pd.Series:
    return frame["item"].map({c: i.kind for c, i in registry.line_items.items()})


def _budget_rules(t: Table, ctx: Context) -> list[Finding]:
    b = t.frame
    kind = _kind(b, ctx.registry)
    flows = kind.isin(["income", "expenditure"])
    out = []
    for col in ("initial", "adjusted"):
        out += t.findings(
            flows & (b[col] < 0).fillna(False),
            col,
            "non_negative",
            "income and expenditure cannot be negative",
        )
    amount = b["adjusted"].fillna(b["initial"]).astype("float64")
    signed = np.select([kind == "income", kind == "expenditure"], [amount, -amount], 0.0)
    keys = ["region_code", "fund", "year"]
    g = b.assign(
        _net=signed,
        _start=amount.where(b["item"] == "balance_start"),
        _end=amount.where(b["item"] == "balance_end"),
    )
    agg = g.groupby(keys, dropna=True).agg(
        net=("_net", "sum"), start=("_start", "max"), end=("_end", "max")
    )
    tol = ctx.standards
    for col, item in (("start", "balance_start"), ("end", "balance_end")):
        for key in agg.index[agg[col].isna()]:
            out.append(
                Finding(
                    ERROR,
                    "budget",
                    t.origin,
                    None,
                    "item",
                    None,
                    "budget_balance_missing",
                    f"no {item} budgeted for region {key[0]}, fund {key[1]}, year {key[2]}",
                    **_key(key),
                )
            )
    residual = (agg["start"] + agg["net"] - agg["end"]).abs()
    limit = tol.balance_tolerance_absolute + tol.balance_tolerance_relative * agg["end"].abs()
    broken = agg.index[(residual > limit).fillna(False)]
    if len(broken):
        row_of = b.loc[b["item"] == "balance_end"].reset_index().set_index(keys)["index"]
        for key in broken:
            a = agg.loc[key]
            out.append(
                Finding(
                    ERROR,
                    "budget",
                    t.origin,
                    int(row_of.get(key, -t.row_offset)) + t.row_offset,
                    "adjusted",
                    f"{a['end']:.2f}",
                    "balance_identity",
                    f"budgeted year-end balance {a['end']:,.2f} ≠ start {a['start']:,.2f} + income − expenditure "
                    f"{a['net']:,.2f} = {a['start'] + a['net']:,.2f} (region {key[0]}, fund {key[1]}, year {key[2]})",
                    **_key(key),
                )
            )
    return out


def _execution_rules(t: Table, budget: Table | None, ctx: Context) -> list[Finding]:
    e = t.frame
    kind = _kind(e, ctx.registry)
    flows = kind.isin(["income", "expenditure"])
    out = t.findings(
        flows & (e["amount"] < 0).fillna(False),
        "amount",
        "non_negative",
        "income and expenditure cannot be negative",
    )
    out += t.findings(
        (e["item"] == "balance_start") & (e["month"] != 1).fillna(False),
        "month",
        "balance_start_month",
        "balance_start is reported in month 1 only",
    )
    out += t.findings(
        (e["item"] == "balance_end") & (e["amount"] < 0).fillna(False),
        "amount",
        "negative_balance",
        lambda r: f"the fund's balance is negative at the end of {r['year']}-{r['month']:02d}",
        WARNING,
    )
    keys = ["region_code", "fund", "year"]
    monthly = (
        e.assign(
            _net=np.select(
                [kind == "income", kind == "expenditure"], [e["amount"], -e["amount"]], 0.0
            ),
            _end=e["amount"].where(e["item"] == "balance_end"),
            _start=e["amount"].where(e["item"] == "balance_start"),
            # a row whose amount or item is unusable (already reported): the month's net is unknown
            _unknown=(e["amount"].isna() | kind.isna()).to_numpy(dtype=bool),
        )
        .groupby([*keys, "month"], dropna=True)
        .agg(
            net=("_net", "sum"),
            end=("_end", "max"),
            start=("_start", "max"),
            unknown=("_unknown", "max"),
        )
    )
    monthly = monthly.reset_index().sort_values([*keys, "month"])
    row_of = e.loc[e["item"] == "balance_end"].reset_index().set_index([*keys, "month"])["index"]
    missing_end = monthly["end"].isna()
    for r in monthly.loc[missing_end].itertuples():
        out.append(
            Finding(
                ERROR,
                "execution",
                t.origin,
                None,
                "item",
                None,
                "balance_missing",
                f"no balance_end reported for region {r.region_code}, fund {r.fund}, {r.year}-{r.month:02d}",
                **_key((r.region_code, r.fund, r.year)),
            )
        )
    starts = monthly.groupby(keys)["start"].max()
    first_month = monthly.groupby(keys)["month"].min()
    for key in starts.index[starts.isna() & (first_month == 1)]:
        out.append(
            Finding(
                ERROR,
                "execution",
                t.origin,
                None,
                "item",
                None,
                "balance_missing",
                f"no balance_start reported in month 1 for region {key[0]}, fund {key[1]}, year {key[2]}",
                **_key(key),
            )
        )
    prev_end = monthly.groupby(keys)["end"].shift(1)
    # After a missing month the previous row is not the previous month: a gap, not a break.
    follows = monthly.groupby(keys)["month"].shift(1) == monthly["month"] - 1
    prev_end = prev_end.where(follows.fillna(False).astype(bool))
    opening = (
        monthly[keys].merge(starts.rename("s").reset_index(), on=keys, how="left")["s"].to_numpy()
    )
    prev = np.where(
        monthly["month"].to_numpy() == 1,
        opening,
        prev_end.to_numpy(dtype="float64", na_value=np.nan),
    )
    expected = prev + monthly["net"].to_numpy()
    actual = monthly["end"].to_numpy(dtype="float64", na_value=np.nan)
    limit = (
        ctx.standards.balance_tolerance_absolute
        + ctx.standards.balance_tolerance_relative * np.abs(actual)
    )
    broken = np.abs(actual - expected) > limit  # NaN compares False: gaps are reported separately
    broken &= ~monthly["unknown"].to_numpy(dtype=bool)
    for r, exp_value, prev_value in zip(
        monthly.loc[broken].itertuples(), expected[broken], prev[broken], strict=True
    ):
        row = row_of.get((r.region_code, r.fund, r.year, r.month))
        out.append(
            Finding(
                ERROR,
                "execution",
                t.origin,
                None if row is None else int(row) + t.row_offset,
                "amount",
                f"{r.end:.2f}",
                "balance_identity",
                f"balance_end {r.end:,.2f} ≠ previous balance {prev_value:,.2f} + income − expenditure "
                f"{r.net:,.2f} = {exp_value:,.2f} (region {r.region_code}, fund {r.fund}, {r.year}-{r.month:02d})",
                **_key((r.region_code, r.fund, r.year)),
            )
        )
    # Carry-forward: this year's opening balance is last December's closing balance.
    dec = monthly.loc[monthly["month"] == 12].set_index(keys)["end"]
    prev_dec = dec.rename(lambda y: y + 1, level="year")
    joined = pd.concat(
        [starts.rename("start"), prev_dec.rename("prev")], axis=1, join="inner"
    ).dropna()
    limit = (
        ctx.standards.balance_tolerance_absolute
        + ctx.standards.balance_tolerance_relative * joined["prev"].abs()
    )
    for key, r in joined.loc[(joined["start"] - joined["prev"]).abs() > limit].iterrows():
        out.append(
            Finding(
                WARNING,
                "execution",
                t.origin,
                None,
                "amount",
                f"{r['start']:.2f}",
                "carry_forward",
                f"opening balance {r['start']:,.2f} of {key[2]} differs from the closing balance "
                f"{r['prev']:,.2f} of {key[2] - 1} (region {key[0]}, fund {key[1]})",
                **_key(key),
            )
        )
    # Gaps: a month missing before the last reported month of the year.
    counts = monthly.groupby(keys)["month"].agg(["count", "max"])
    for key, r in counts.loc[counts["count"] < counts["max"]].iterrows():
        have = set(
            monthly.loc[
                (monthly["region_code"] == key[0])
                & (monthly["fund"] == key[1])
                & (monthly["year"] == key[2]),
                "month",
            ]
        )
        gaps = ", ".join(str(m) for m in range(1, int(r["max"]) + 1) if m not in have)
        out.append(
            Finding(
                WARNING,
                "execution",
                t.origin,
                None,
                "month",
                None,
                "missing_months",
                f"month(s) {gaps} missing for region {key[0]}, fund {key[1]}, year {key[2]}",
                **_key(key),
            )
        )
    # Outliers: a month far above the item's usual month.
    flow_rows = e.loc[flows & (e["amount"] > 0)]
    median = flow_rows.groupby(["region_code", "fund", "item"])["amount"].transform("median")
    spike = (flow_rows["amount"] > OUTLIER_FACTOR * median) & (flow_rows["amount"] > OUTLIER_FLOOR)
    out += t.findings(
        e.index.isin(flow_rows.index[spike.to_numpy(dtype=bool)]),
        "amount",
        "outlier",
        lambda r: (
            f"{r['item']} in {r['year']}-{r['month']:02d} is more than {OUTLIER_FACTOR:g}× its usual month: check it"
        ),
        WARNING,
    )
    if budget is not None:
        bkeys = ["region_code", "fund", "year", "item"]
        budgeted = set(map(tuple, budget.frame[bkeys].astype(object).itertuples(index=False)))
        exec_keys = e.loc[flows, bkeys].astype(object)
        unbudgeted = pd.Series(
            [tuple(k) not in budgeted for k in exec_keys.itertuples(index=False)],
            index=exec_keys.index,
            dtype=bool,
        )
        out += t.findings(
            e.index.isin(unbudgeted.index[unbudgeted.to_numpy()]),
            "item",
            "unbudgeted_item",
            lambda r: (
                f"{r['item']} is executed but not budgeted for region {r['region_code']}, fund {r['fund']}, year {r['year']}"
            ),
        )
        complete = counts.loc[counts["max"] == 12].reset_index()[keys]
        b = budget.frame
        bflows = b.loc[
            _kind(b, ctx.registry).isin(["income", "expenditure"])
            & (b["adjusted"].fillna(b["initial"]) > 0)
        ]
        bflows = bflows.reset_index().merge(complete, on=keys)
        executed = set(
            map(tuple, e.loc[flows, bkeys].drop_duplicates().astype(object).itertuples(index=False))
        )
        for r in bflows.itertuples():
            if (r.region_code, r.fund, r.year, r.item) not in executed:
                out.append(
                    Finding(
                        WARNING,
                        "budget",
                        budget.origin,
                        int(r.index) + budget.row_offset,
                        "item",
                        r.item,
                        "never_executed",
                        f"{r.item} is budgeted for {r.year} but nothing was executed all year",
                        **_key((r.region_code, r.fund, r.year)),
                    )
                )
    return out


def _statistics_rules(t: Table) -> list[Finding]:
    s = t.frame
    keys = ["region_code", "fund", "year", "month"]
    wide = s.pivot_table(index=keys, columns="stat", values="value", aggfunc="first", observed=True)
    out = []
    row_of = s.reset_index().set_index([*keys, "stat"])["index"]
    for over, under, message in (
        (
            "insured",
            "target_population",
            "insured persons exceed the population required to be insured (coverage above 100 %)",
        ),
        ("benefits_paid_on_time", "benefits_due", "benefits paid on time exceed the benefits due"),
    ):
        if over in wide and under in wide:
            hit = wide.index[(wide[over] > wide[under] * 1.0000001).fillna(False)]
            for key in hit:
                row = row_of.get((*key, over))
                out.append(
                    Finding(
                        WARNING,
                        "statistics",
                        t.origin,
                        None if row is None else int(row) + t.row_offset,
                        "value",
                        f"{wide.at[key, over]:,.0f}",
                        "implausible_statistic",
                        f"{message} (region {key[0]}, fund {key[1]}, {key[2]}-{key[3]:02d})",
                        **_key(key),
                    )
                )
    return out


# The pooled fund's figures (statistics) and the whole fund's they are part of: a month's
# balance at its end, its income and its expenditure. The personal accounts are the rest.
POOLED_PARTS = {
    "pooled_fund_balance": "balance",
    "pooled_fund_income": "income",
    "pooled_fund_expenditure": "expenditure",
}


def _pooled_rules(t: Table, execution: Table | None, ctx: Context) -> list[Finding]:
    """The pooled fund is part of the fund: its balance, income and expenditure in a month
    cannot exceed the whole fund's (the personal accounts would be negative)."""
    s = t.frame.loc[t.frame["stat"].isin(list(POOLED_PARTS))]
    if s.empty or execution is None:
        return []
    e = execution.frame
    kind = _kind(e, ctx.registry).where(e["item"] != "balance_end", "balance")
    keys = ["region_code", "fund", "year", "month"]
    whole = (
        e.assign(_part=kind)
        .loc[lambda x: x["_part"].isin(["balance", "income", "expenditure"])]
        .groupby([*keys, "_part"], observed=True)["amount"]
        .sum()
    )
    part = pd.MultiIndex.from_arrays([*(s[k] for k in keys), s["stat"].map(POOLED_PARTS)])
    total = whole.reindex(part).to_numpy(dtype="float64", na_value=np.nan)
    tolerance = ctx.standards.balance_tolerance_absolute
    above = s["value"].to_numpy(dtype="float64") > np.maximum(total, 0.0) + tolerance
    flagged = pd.Series(False, index=t.frame.index)
    flagged.loc[s.index[above & ~np.isnan(total)]] = True
    whole_of = dict(zip(s.index, total, strict=True))
    return t.findings(
        flagged,
        "value",
        "pooled_above_fund",
        lambda r: (
            f"the pooled fund's {POOLED_PARTS[r['stat']]} ({r['value']:,.2f}) exceeds the "
            f"fund's ({whole_of[r.name]:,.2f}) in {r['year']}-{r['month']:02d}: the personal "
            "accounts cannot be negative"
        ),
    )


def _target_rules(
    t: Table, ctx: Context, coordination: pd.DataFrame, regions: pd.DataFrame
) -> list[Finding]:
    g = t.frame
    allowed = ctx.indicator_codes()
    out = _applicable(t, "indicator", allowed, "indicator")
    out += t.findings(
        (g["period"] == "annual") & (g["end_year"] != g["start_year"]).fillna(False),
        "end_year",
        "target_period",
        "an annual target has end_year equal to start_year",
    )
    out += t.findings(
        (g["end_year"] < g["start_year"]).fillna(False),
        "end_year",
        "target_period",
        "end_year is before start_year",
    )
    level = g["region_code"].map(dict(zip(regions["region_code"], regions["level"], strict=False)))
    out += t.findings(
        (g["level"] == "central") & level.notna() & (level != "country"),
        "region_code",
        "target_level",
        "a central guiding target belongs to the country",
    )
    out += t.findings(
        (g["level"] == "province") & level.notna() & (level != "province"),
        "region_code",
        "target_level",
        "a provincial target belongs to a province",
    )
    regional = Table(t.name, g.loc[g["level"] == "region"], t.origin, t.row_offset)
    out += _coordinating_level(regional, coordination, regions)
    return out


def _qualitative_rules(t: Table, ctx: Context) -> list[Finding]:
    q = t.frame
    allowed = ctx.indicator_codes("qualitative")
    every = {code for codes in ctx.indicator_codes().values() for code in codes}
    out = _applicable(t, "indicator", allowed, "qualitative indicator", every)
    levels = ctx.standards.qualitative_levels
    lo = q["grade"].map({k: v.min for k, v in levels.items()})
    hi = q["grade"].map({k: v.max for k, v in levels.items()})
    outside = (
        q["share"].notna() & lo.notna() & ((q["share"] < lo) | (q["share"] > hi)).fillna(False)
    )
    out += t.findings(
        outside,
        "share",
        "share_in_band",
        lambda r: (
            f"a grade of {r['grade']} earns between {levels[r['grade']].min:g} and {levels[r['grade']].max:g} of the points"
        ),
    )
    out += t.findings(
        q["evidence"].isna(),
        "evidence",
        "missing_evidence",
        "the grade gives no evidence: say what it rests on",
        WARNING,
    )
    return out


def validate_raw(
    raw: RawDataset, ctx: Context | None = None
) -> tuple[Dataset | None, ValidationReport]:
    """Validate tables as read; return the typed dataset (None when there are errors) and the report."""
    ctx = ctx or load_context()
    report = ValidationReport(str(raw.source))
    tables = _schema_pass(raw, ctx, report)
    if "regions" not in tables or (
        report.errors and any(f.table == "regions" for f in report.errors)
    ):
        return None, report
    regions = tables["regions"].frame
    report.extend(_hierarchy(tables["regions"]))
    pooling = tables.get("pooling")
    if pooling is not None:
        levels = dict(zip(regions["region_code"], regions["level"], strict=False))
        report.extend(
            pooling.findings(
                pooling.frame["province_code"].map(levels).fillna("province") != "province",
                "province_code",
                "pooling_province",
                "pooling is set per province: this is not a province",
            )
        )
    coordination = coordination_table(
        regions, None if pooling is None else pooling.frame, ctx.registry
    )
    applicable_items = {c: f.line_items for c, f in ctx.registry.funds.items()}
    applicable_stats = {c: f.statistics for c, f in ctx.registry.funds.items()}
    for name in ("budget", "execution", "statistics", "qualitative", "explanations"):
        if name in tables:
            report.extend(_coordinating_level(tables[name], coordination, regions))
    if "budget" in tables:
        report.extend(
            _applicable(
                tables["budget"], "item", applicable_items, "line item", ctx.registry.line_items
            )
        )
        report.extend(_budget_rules(tables["budget"], ctx))
    if "execution" in tables:
        report.extend(
            _applicable(
                tables["execution"], "item", applicable_items, "line item", ctx.registry.line_items
            )
        )
        report.extend(_execution_rules(tables["execution"], tables.get("budget"), ctx))
    if "statistics" in tables:
        report.extend(
            _applicable(
                tables["statistics"], "stat", applicable_stats, "statistic", ctx.registry.statistics
            )
        )
        report.extend(_statistics_rules(tables["statistics"]))
        report.extend(_pooled_rules(tables["statistics"], tables.get("execution"), ctx))
    if "targets" in tables:
        report.extend(_target_rules(tables["targets"], ctx, coordination, regions))
    if "qualitative" in tables:
        report.extend(_qualitative_rules(tables["qualitative"], ctx))
    if "explanations" in tables:
        allowed = ctx.indicator_codes()
        report.extend(_applicable(tables["explanations"], "indicator", allowed, "indicator"))
    if not report.ok:
        return None, report
    frames = {
        name: _finalize(tables[name].frame if name in tables else _empty(ctx.specs[name]))
        for name in TABLES
    }
    return Dataset(
        source=str(raw.source), coordination=coordination, report=report, **frames
    ), report


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[s.type]) for c, s in spec.columns.items()})


def _finalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Numpy dtypes for speed where no value is missing: int64 for whole numbers, float64 for money."""
    out = frame.reset_index(drop=True)  # row positions were for messages; blank rows are gone
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.Int64Dtype) and not out[col].isna().any():
            out[col] = out[col].astype("int64")
        elif isinstance(dtype, pd.Float64Dtype):
            out[col] = out[col].astype("float64")
    return out


def validate_path(
    path: str | Path, ctx: Context | None = None
) -> tuple[Dataset | None, ValidationReport]:
    """Read and validate the dataset at ``path`` (CSV folder, Parquet folder or .xlsx)."""
    ctx = ctx or load_context()
    raw = read_raw(path, list(TABLES))
    return validate_raw(raw, ctx)


def load_dataset(path: str | Path | None = None, ctx: Context | None = None) -> Dataset:
    """Load and validate a dataset (default: the embedded demo); raise DataError on errors."""
    dataset, report = validate_path(path or demo_data_dir(), ctx)
    if dataset is None:
        raise DataError(report)
    return dataset
