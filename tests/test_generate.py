"""The synthetic data generator and the embedded demo_tables country (sipm_helpers.data.generate).

The checks here recompute everything from the tables with pandas, independently of the
domain layer: identities, coverage of the contract, and that every planted scenario of
``DEMO_SCENARIOS`` is really in the data.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sipm_helpers import paths
from sipm_helpers.config import load_registry, load_standards, load_table_specs, read_yaml
from sipm_helpers.config.catalogue import load_catalogue
from sipm_helpers.config.policy import load_policy
from sipm_helpers.data import generate as gen
from sipm_helpers.data.io import write_dataset
from sipm_helpers.data.validation import validate_path
from sipm_helpers.errors import ParameterError

KEYS = ["region_code", "fund", "year"]
REGISTRY = load_registry()
SPECS = load_table_specs()
KIND = {code: item.kind for code, item in REGISTRY.line_items.items()}
MEDICAL = ("employee_medical", "resident_medical")


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, pd.DataFrame]:
    return gen.demo_dataset()


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return gen.generate_dataset(2, (2, 3), (2023, 2025), last_month=6, seed=7)


@pytest.fixture(scope="module")
def national() -> dict[str, pd.DataFrame]:
    return gen.generate_dataset(31, (9, 13), (2021, 2026), last_month=10)


# --------------------------------------------------------------------------- helpers


def expected_pairs(tables: dict[str, pd.DataFrame]) -> set[tuple[str, str]]:
    """(region, fund) of every coordinating region, from regions and pooling."""
    regions, pooling = tables["regions"], tables["pooling"]
    prefectures = regions.loc[regions["level"] == "prefecture"]
    out = set()
    for row in pooling.itertuples():
        if row.pooling_level in ("province", "country"):  # country: the centre's own pool
            out.add((row.province_code, row.fund))
        else:
            kids = prefectures.loc[prefectures["parent_code"] == row.province_code, "region_code"]
            out |= {(code, row.fund) for code in kids}
    return out


def pairs_of(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["region_code"], frame["fund"], strict=True))


def flows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    e = tables["execution"]
    return e.loc[e["item"].map(KIND).isin(["income", "expenditure"])]


def executed(tables, s: gen.Scenario, what: str) -> float:
    """An item's, or all income's / expenditure's, executed total in the scenario's year."""
    f = flows(tables)
    f = f.loc[(f["region_code"] == s.region) & (f["fund"] == s.fund) & (f["year"] == s.year)]
    if what in ("income", "expenditure"):
        return float(f.loc[f["item"].map(KIND) == what, "amount"].sum())
    return float(f.loc[f["item"] == what, "amount"].sum())


def budgeted(tables, s: gen.Scenario, what: str) -> float:
    b = tables["budget"]
    b = b.loc[(b["region_code"] == s.region) & (b["fund"] == s.fund) & (b["year"] == s.year)]
    amount = b["adjusted"].fillna(b["initial"])
    if what in ("income", "expenditure"):
        return float(amount[b["item"].map(KIND) == what].sum())
    return float(amount[b["item"] == what].sum())


def stat(tables, s: gen.Scenario, name: str, *, stock: bool = False) -> float:
    st = tables["statistics"]
    st = st.loc[
        (st["region_code"] == s.region)
        & (st["fund"] == s.fund)
        & (st["year"] == s.year)
        & (st["stat"] == name)
    ]
    if stock:
        return float(st.loc[st["month"] == st["month"].max(), "value"].iloc[0])
    return float(st["value"].sum())


def target(tables, s: gen.Scenario, indicator: str) -> float:
    t = tables["targets"]
    row = t.loc[
        (t["region_code"] == s.region)
        & (t["fund"] == s.fund)
        & (t["indicator"] == indicator)
        & (t["period"] == "annual")
        & (t["start_year"] == s.year)
        & (t["level"] == "region")
    ]
    assert len(row) == 1
    return float(row["target"].iloc[0])


def months_covered(tables, year: int) -> pd.Series:
    """Balance at the end of December ÷ (the year's expenditure ÷ 12), per region and fund."""
    e = tables["execution"]
    e = e.loc[e["year"] == year]
    spent = e.loc[e["item"].map(KIND) == "expenditure"].groupby(KEYS[:2])["amount"].sum()
    end = e.loc[(e["item"] == "balance_end") & (e["month"] == 12)].set_index(KEYS[:2])["amount"]
    return end / (spent / 12)


def scenario(kind: str, year: int = gen.DEMO_EVALUATION_YEAR) -> gen.Scenario:
    """The first demo scenario of ``kind`` in ``year`` (the one planted alone in its
    fund-region)."""
    return next(s for s in gen.DEMO_SCENARIOS if s.kind == kind and s.year == year)


OPEN_YEAR = gen.DEMO_EVALUATION_YEAR + 1


def evaluated_year(tables) -> int:
    """The last year executed through December: the year a dataset's regions are
    evaluated on, the only one in which they fall short of their plans."""
    last = tables["execution"].groupby("year")["month"].max()
    return int(last[last == 12].index.max())


def scenarios_of(kind: str, year: int = gen.DEMO_EVALUATION_YEAR) -> list[gen.Scenario]:
    """Every demo scenario of ``kind`` in ``year``."""
    return [s for s in gen.DEMO_SCENARIOS if s.kind == kind and s.year == year]


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_tables_have_exactly_the_contract_columns(which, request):
    tables = request.getfixturevalue(which)
    assert tuple(tables) == gen.TABLE_NAMES
    for name, frame in tables.items():
        assert list(frame.columns) == list(SPECS[name].columns), name
        for col, spec in SPECS[name].columns.items():
            if spec.type == "text":
                assert pd.api.types.is_string_dtype(frame[col].dtype), (name, col)
            elif spec.type == "date":  # as the files hold them: YYYY-MM-DD
                text = frame[col].dropna()
                assert text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), (name, col)
            elif spec.type == "integer":
                assert frame[col].dtype == "int64", (name, col)
            else:
                assert pd.api.types.is_float_dtype(frame[col].dtype), (name, col)
            if not spec.nullable:
                assert not frame[col].isna().any(), (name, col)
        key = list(SPECS[name].key)
        assert not frame.duplicated(key).any(), name


def test_same_seed_same_data_other_seed_other_data(small):
    again = gen.generate_dataset(2, (2, 3), (2023, 2025), last_month=6, seed=7)
    for name in gen.TABLE_NAMES:
        pd.testing.assert_frame_equal(small[name], again[name])
    other = gen.generate_dataset(2, (2, 3), (2023, 2025), last_month=6, seed=8)
    assert not other["execution"]["amount"].equals(small["execution"]["amount"])


def test_demo_is_deterministic(demo_tables):
    again = gen.demo_dataset()
    for name in gen.TABLE_NAMES:
        pd.testing.assert_frame_equal(demo_tables[name], again[name])


def test_demo_country_shape(demo_tables):
    regions = demo_tables["regions"]
    assert regions.loc[regions["level"] == "country", "region_code"].tolist() == ["000000"]
    assert regions.loc[regions["level"] == "country", "parent_code"].isna().all()
    provinces = regions.loc[regions["level"] == "province"]
    assert provinces["region_code"].tolist() == ["910000", "920000", "930000"]
    assert (provinces["parent_code"] == "000000").all()
    prefectures = regions.loc[regions["level"] == "prefecture"]
    assert len(prefectures) == 15
    assert prefectures.groupby("parent_code").size().tolist() == [4, 5, 6]
    assert (prefectures["region_code"].str[:2] == prefectures["parent_code"].str[:2]).all()
    assert regions["region_code"].str.fullmatch(r"\d{6}").all()
    assert regions["name_zh"].is_unique and regions["name_en"].is_unique
    assert regions["name_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert set(demo_tables["pooling"]["fund"]) == set(REGISTRY.funds)
    assert len(expected_pairs(demo_tables)) == 58  # 57 in the provinces, the centre's pool


def test_demo_years_and_months(demo_tables):
    pairs = expected_pairs(demo_tables)
    budget = demo_tables["budget"]
    assert sorted(budget["year"].unique()) == list(range(2021, 2027))
    assert pairs_of(budget) == pairs
    for name in ("execution", "statistics"):
        frame = demo_tables[name]
        months = frame.groupby(KEYS)["month"].agg(["min", "max", "nunique"]).reset_index()
        assert len(months) == 58 * 6
        late = scenario("late_data", OPEN_YEAR)
        months = months.set_index(["region_code", "fund"])
        last = (months["year"] == 2026).to_numpy()
        reached = pd.Series(10, index=months.index[last])
        reached[(late.region, late.fund)] = late.month
        assert (months.loc[last, "max"] == reached).all()
        assert (months.loc[last, "nunique"] == reached).all()
        assert (months.loc[~last, "max"] == 12).all() and (months.loc[~last, "nunique"] == 12).all()
    assert sorted(demo_tables["qualitative"]["year"].unique()) == list(range(2021, 2026))
    assert set(demo_tables["explanations"]["year"]) <= set(range(2021, 2026))


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_data_only_for_coordinating_regions(which, request):
    tables = request.getfixturevalue(which)
    pairs = expected_pairs(tables)
    for name in ("budget", "execution", "statistics", "qualitative", "explanations"):
        assert pairs_of(tables[name]) <= pairs, name
    for name in ("budget", "execution", "statistics"):
        assert pairs_of(tables[name]) == pairs, name
    t = tables["targets"]
    assert pairs_of(t.loc[t["level"] == "region"]) == pairs
    levels = dict(zip(tables["regions"]["region_code"], tables["regions"]["level"], strict=True))
    assert set(t.loc[t["level"] == "province", "region_code"].map(levels)) == {"province"}
    assert set(t.loc[t["level"] == "central", "region_code"]) == {"000000"}


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_items_and_statistics_apply_to_their_fund(which, request):
    tables = request.getfixturevalue(which)
    for fund in REGISTRY.funds.values():
        b = tables["budget"].loc[tables["budget"]["fund"] == fund.code]
        assert set(b["item"]) == set(fund.line_items)
        assert (b.groupby(KEYS)["item"].count() == len(fund.line_items)).all()
        e = tables["execution"].loc[tables["execution"]["fund"] == fund.code]
        assert set(e["item"]) <= set(fund.line_items)
        s = tables["statistics"].loc[tables["statistics"]["fund"] == fund.code]
        assert set(s["stat"]) == set(fund.statistics)


# --------------------------------------------------------------------------- identities


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_monthly_balance_identity_and_carry_forward(which, request):
    tables = request.getfixturevalue(which)
    e = tables["execution"]
    kind = e["item"].map(KIND)
    assert (e.loc[kind.isin(["income", "expenditure"]), "amount"] > 0).all()
    assert (e.loc[e["item"] == "balance_start", "month"] == 1).all()
    net = np.select([kind == "income", kind == "expenditure"], [e["amount"], -e["amount"]], 0.0)
    monthly = (
        e.assign(net=net)
        .groupby([*KEYS, "month"])["net"]
        .sum()
        .to_frame()
        .join(e.loc[e["item"] == "balance_end"].set_index([*KEYS, "month"])["amount"].rename("end"))
        .reset_index()
        .sort_values([*KEYS, "month"])
    )
    starts = e.loc[e["item"] == "balance_start"].set_index(KEYS)["amount"]
    opening = monthly.set_index(KEYS).index.map(starts.to_dict()).to_numpy(dtype=float)
    previous = monthly.groupby(KEYS)["end"].shift(1).to_numpy()
    previous = np.where(monthly["month"] == 1, opening, previous)
    assert np.abs(previous + monthly["net"] - monthly["end"]).max() < 0.02
    december = monthly.loc[monthly["month"] == 12].set_index(KEYS)["end"]
    carried = december.rename(lambda y: y + 1, level="year")
    both = pd.concat([starts.rename("start"), carried.rename("prev")], axis=1, join="inner")
    assert len(both) > 0
    assert np.allclose(both["start"], both["prev"], atol=0.005)
    # Annually: December's balance = opening + the year's income − expenditure.
    annual = monthly.groupby(KEYS)["net"].sum()
    full = december.index
    assert np.allclose(starts[full] + annual[full], december, atol=0.05)


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_budget_balance_identity_and_executed_items_budgeted(which, request):
    tables = request.getfixturevalue(which)
    b = tables["budget"]
    kind = b["item"].map(KIND)
    for col in ("adjusted", "initial"):
        amount = b[col].fillna(b["initial"])
        assert (amount[kind.isin(["income", "expenditure"])] >= 0).all()
        signed = np.select([kind == "income", kind == "expenditure"], [amount, -amount], 0.0)
        g = b.assign(net=signed, amount=amount).groupby(KEYS)
        start = g.apply(lambda x: x.loc[x["item"] == "balance_start", "amount"].iloc[0])
        end = g.apply(lambda x: x.loc[x["item"] == "balance_end", "amount"].iloc[0])
        assert (start + g["net"].sum() - end).abs().max() < 1.0, col
    f = flows(tables)
    executed_keys = set(map(tuple, f[[*KEYS, "item"]].drop_duplicates().to_numpy().tolist()))
    budget_keys = set(map(tuple, b[[*KEYS, "item"]].to_numpy().tolist()))
    assert executed_keys <= budget_keys
    # Planned budgets are close to what happened: execution mostly within 5 % in the years
    # at plan; in the year evaluated regions that fell short of their plan budgeted their
    # premiums and benefits further off, so fewer are that close, most within 10 %.
    exe = f.groupby([*KEYS, f["item"].map(KIND).rename("kind")])["amount"].sum()
    plan = b.assign(kind=kind, amount=b["adjusted"].fillna(b["initial"]))
    plan = plan.loc[plan["kind"].isin(["income", "expenditure"])]
    plan = plan.groupby([*KEYS, "kind"])["amount"].sum()
    off = ((exe / plan).dropna() - 1).abs()
    years, evaluated = off.index.get_level_values("year"), evaluated_year(tables)
    close = (off[years < evaluated] < 0.05).mean()
    assert close > 0.9
    assert (off[years == evaluated] < 0.05).mean() < close
    assert (off[years == evaluated] < 0.1).mean() > 0.85


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_statistics_consistent_with_flows(which, request):
    tables = request.getfixturevalue(which)
    s = tables["statistics"]
    assert (s["value"] >= 0).all()
    wide = s.pivot_table(index=[*KEYS, "month"], columns="stat", values="value")
    assert (wide["benefits_paid_on_time"] <= wide["benefits_due"] + 1e-9).all()
    assert (wide["benefits_paid_on_time"] == wide["benefits_due"]).mean() > 0.95
    annual = s.pivot_table(index=KEYS, columns="stat", values="value", aggfunc="sum")
    f = flows(tables)
    premium = f.loc[f["item"] == "premium"].groupby(KEYS)["amount"].sum()
    collection = (premium / annual["premiums_assessed"]).dropna()
    assert collection.between(0.8, 1.0).all()
    at_plan = collection.index.get_level_values("year") != evaluated_year(tables)
    assert collection[at_plan].between(0.94, 0.995).mean() > 0.95
    assert collection[~at_plan].median() < collection[at_plan].median()  # some fell short
    benefits = f.loc[f["item"] == "benefits"].groupby(KEYS)["amount"].sum()
    assert np.allclose(benefits, annual["benefits_due"].reindex(benefits.index), rtol=1e-6)
    december = wide.xs(wide.index.get_level_values("month").max(), level="month")
    coverage = (december["insured"] / december["target_population"]).dropna()
    assert coverage.between(0.8, 1.02).all()
    assert (coverage <= 1.0).mean() > 0.97
    ratio = (annual["inpatient_fund_paid"] / annual["inpatient_policy_costs"]).dropna()
    funds = ratio.index.get_level_values("fund")
    assert ratio[funds == "employee_medical"].between(0.79, 0.87).all()
    assert ratio[funds == "resident_medical"].between(0.61, 0.71).all()
    dependency = (december["contributors"] / december["retirees"]).dropna()
    means = dependency.groupby(level="fund").mean()
    assert 2.1 < means["enterprise_pension"] < 2.9
    assert 1.6 < means["resident_pension"] < 2.4
    assert 1.5 < means["public_pension"] < 2.1
    person_stats = [c for c, st in REGISTRY.statistics.items() if st.unit != "10k_yuan"]
    persons = s.loc[s["stat"].isin(person_stats), "value"]
    assert (persons == persons.round()).all()


def annual_flows(tables) -> pd.DataFrame:
    """Executed flows per region, fund and year: items as columns, income, expenditure."""
    f = flows(tables)
    wide = f.pivot_table(index=KEYS, columns="item", values="amount", aggfunc="sum").fillna(0.0)
    kinds = pd.Series(KIND)
    wide["income"] = wide[[c for c in wide if KIND.get(c) == "income"]].sum(axis=1)
    wide["expenditure"] = wide[[c for c in wide if kinds.get(c) == "expenditure"]].sum(axis=1)
    return wide


@pytest.mark.parametrize("which", ["demo_tables", "small"])
def test_new_statistics_consistent_with_flows(which, request):
    tables = request.getfixturevalue(which)
    s = tables["statistics"]
    wide = s.pivot_table(index=[*KEYS, "month"], columns="stat", values="value")
    f = flows(tables)
    monthly = f.pivot_table(index=[*KEYS, "month"], columns="item", values="amount").fillna(0)
    # Audit findings: a few to a few dozen a year; no month rectifies more than it finds.
    audit = wide[["audit_findings", "audit_findings_rectified"]].dropna()
    assert (audit["audit_findings_rectified"] <= audit["audit_findings"]).all()
    full = s.loc[s.groupby(KEYS)["month"].transform("max") == 12]
    annual = full.pivot_table(index=KEYS, columns="stat", values="value", aggfunc="sum")
    found = annual["audit_findings"].dropna()
    assert found.between(0, 80).all() and 3 < found.median() < 30
    rate = (annual["audit_findings_rectified"] / found).dropna()
    assert rate.between(0.8, 1.0).all() and (rate == 1.0).mean() > 0.6
    # Prevention spending and skills subsidies are parts of other expenditure.
    for name in ("prevention_spending", "skills_subsidies"):
        part = wide[name].dropna()
        assert (part <= monthly["other_expenditure"].reindex(part.index) + 0.01).all(), name
    flows_year = annual_flows(tables).reindex(annual.index)
    prevention = (annual["prevention_spending"] / flows_year["premium"]).dropna()
    assert prevention.between(0.005, 0.03).all() and prevention.between(0.01, 0.025).mean() > 0.9
    skills = (annual["skills_subsidies"] / flows_year["expenditure"]).dropna()
    assert skills.between(0.04, 0.13).all()
    december = full.loc[full["month"] == 12].set_index(KEYS)
    reserve = december.loc[december["stat"] == "reserve_fund", "value"]
    ratio = (reserve / flows_year["expenditure"].reindex(reserve.index)).dropna()
    assert ratio.between(0.1, 0.3).all() and ratio.between(0.12, 0.25).mean() > 0.9


def test_demo_new_indicators_in_realistic_ranges(demo_tables):
    """Recomputed from the tables as the measures define them (2025, outcomes planted)."""
    a = annual_flows(demo_tables)
    s = demo_tables["statistics"]
    december = s.loc[s["month"] == 12].pivot_table(index=KEYS, columns="stat", values="value")
    funds = a.index.get_level_values("fund")
    other = (a["other_expenditure"] / a["expenditure"])[funds != "unemployment"]
    assert other[other.index.get_level_values("fund") != "work_injury"].between(0.002, 0.02).all()
    assert other.between(0.002, 0.045).all()
    e = demo_tables["execution"]
    bal = e.loc[e["item"].isin(["balance_start", "balance_end"])]
    start = bal.loc[bal["item"] == "balance_start"].set_index(KEYS)["amount"]
    end = bal.loc[(bal["item"] == "balance_end") & (bal["month"] == 12)].set_index(KEYS)["amount"]
    earned = a["interest"] + a.get("investment_income", 0.0)
    ret = (earned / ((start + end) / 2)).dropna()
    ret = ret[ret.index.get_level_values("year") == 2025]
    assert ret.between(0.012, 0.03).all() and ret.between(0.015, 0.026).mean() > 0.9
    # Subsidy by the end of September ÷ the year's (adjusted) budget.
    q3 = (
        e.loc[(e["item"] == "fiscal_subsidy") & (e["month"] <= 9) & (e["year"] == 2025)]
        .groupby(KEYS)["amount"]
        .sum()
    )
    b = demo_tables["budget"]
    b = b.loc[(b["item"] == "fiscal_subsidy") & (b["year"] == 2025)].set_index(KEYS)
    timeliness = q3 / b["adjusted"].fillna(b["initial"]).reindex(q3.index)
    short = scenario("subsidy_shortfall")
    key = (short.region, short.fund, short.year)
    assert timeliness[key] < 0.4
    assert timeliness.drop(key).between(0.44, 0.62).all()
    # Average pension, per retiree at year end: the year's dated adjustment (the employees'
    # pensions) or the residents' minimum raise, plus new retirees' higher pensions.
    pensions = funds.str.endswith("pension")
    per_head = (a["benefits"] / december["retirees"].reindex(a.index))[pensions]
    growth = per_head.groupby(level=[0, 1]).pct_change().dropna()
    policy = load_policy()
    name = {"resident_pension": "resident_pension_growth"}
    years = growth.index.get_level_values("year")
    adjustment = np.array(
        [
            policy.value(name.get(f, "pension_adjustment"), y)
            for f, y in zip(growth.index.get_level_values("fund"), years, strict=True)
        ]
    )
    assert (growth - adjustment).between(-0.005, 0.02).all()
    resident = growth.xs("resident_pension", level="fund")
    assert resident.xs(2025, level="year").between(0.08, 0.11).all()  # +20 yuan a month
    # Medical: expenditure grows no faster than income, except where planted.
    medical = a.loc[funds.isin(MEDICAL)]
    g = medical[["income", "expenditure"]].groupby(level=[0, 1]).pct_change()
    gap = (g["expenditure"] - g["income"]).xs(2025, level="year")
    low = scenario("low_reserve")
    assert gap[(low.region, low.fund)] > 0.02
    assert (gap.drop((low.region, low.fund)) <= 0).mean() > 0.9
    per_insured = medical["expenditure"] / december["insured"].reindex(medical.index)
    growth = per_insured.groupby(level=[0, 1]).pct_change().xs(2025, level="year")
    assert growth[(low.region, low.fund)] > 0.1  # the coverage drop planted with it
    assert growth.drop((low.region, low.fund)).between(0.02, 0.08).all()
    assert growth.between(0.03, 0.08).mean() > 0.8


def test_demo_magnitudes_and_seasonality(demo_tables):
    f = flows(demo_tables).assign(kind=lambda x: x["item"].map(KIND))
    y = f.loc[f["year"] == 2023]
    income = y.loc[y["kind"] == "income"].groupby("fund")["amount"].sum()
    share = income / income.sum()
    assert 0.45 < share["enterprise_pension"] < 0.65
    assert 0.2 < share[list(MEDICAL)].sum() < 0.4
    subsidy = y.loc[y["item"] == "fiscal_subsidy", "amount"].sum() / income.sum()
    assert 0.15 < subsidy < 0.35  # 24–28 % of fund income in 2017–2021 (DESIGN §7)
    # A few percent of the country (national income 2023: 111,499.69 hundred million yuan).
    assert 0.02 < income.sum() / 111_499.69e4 < 0.1
    complete = f.loc[f["year"] < 2026]
    subsidy = complete.loc[complete["item"] == "fiscal_subsidy"].groupby("month")["amount"].sum()
    subsidy = subsidy.reindex(range(1, 13), fill_value=0.0)
    # Tranches: about 55 % by the end of September, the rest in November–December.
    assert 0.45 < subsidy[range(1, 10)].sum() / subsidy.sum() < 0.6
    assert subsidy[[4, 5, 6]].sum() > 0 and subsidy.idxmax() == 12
    premium = (
        complete.loc[(complete["item"] == "premium") & (complete["fund"] == "enterprise_pension")]
        .groupby("month")["amount"]
        .sum()
    )
    assert premium.idxmax() == 12
    medical = (
        complete.loc[(complete["item"] == "benefits") & complete["fund"].isin(MEDICAL)]
        .groupby("month")["amount"]
        .sum()
    )
    assert medical.idxmax() == 12
    pensions = complete.loc[
        (complete["item"] == "benefits") & complete["fund"].str.endswith("pension")
    ]
    growth = pensions.groupby("year")["amount"].sum().pct_change().dropna()
    assert growth.between(0.045, 0.085).all()
    months = months_covered(demo_tables, 2025)
    medical_months = months[months.index.get_level_values("fund").isin(MEDICAL)]
    assert (medical_months.between(6, 9)).sum() >= len(medical_months) - 3


def test_targets_cover_every_quantitative_indicator(demo_tables):
    t = demo_tables["targets"]
    pairs = expected_pairs(demo_tables)
    regional = t.loc[(t["level"] == "region") & (t["period"] == "annual")]
    assert (regional["start_year"] == regional["end_year"]).all()
    for fund in REGISTRY.funds:
        quantitative = {i.code for i in load_catalogue(fund).indicators if i.kind == "quantitative"}
        mine = regional.loc[regional["fund"] == fund]
        assert set(mine["indicator"]) == quantitative, fund
        count = len([p for p in pairs if p[1] == fund]) * 6 * len(quantitative)
        dropped = sum(
            len(s.indicators)
            for s in gen.DEMO_SCENARIOS
            if s.kind == "target_missing" and s.fund == fund
        )
        assert len(mine) == count - dropped
        central = t.loc[(t["level"] == "central") & (t["fund"] == fund)]
        assert set(central["start_year"]) == set(range(2021, 2027))
        assert set(central["indicator"]) <= quantitative
    overall = t.loc[t["period"] == "overall"]
    assert set(zip(overall["start_year"], overall["end_year"], strict=True)) == {
        (2021, 2025),
        (2026, 2030),
    }
    assert set(overall["level"]) == {"region"}
    rates = t.loc[t["indicator"].isin(["coverage_rate", "premium_collection_rate"])]
    assert rates["target"].between(0.5, 1.0).all()
    insured = regional.loc[regional["indicator"] == "insured_persons", "target"]
    assert (insured > 10_000).all()
    months = t.loc[t["indicator"] == "months_covered", "target"]
    assert months.between(3, 24).all()


def test_most_targets_are_met(demo_tables):
    """Most regions are near target in the years at plan: coverage targets mostly
    achieved; in the year evaluated many regions fell short of their plan and miss them,
    not all."""
    t = demo_tables["targets"]
    t = t.loc[(t["level"] == "region") & (t["period"] == "annual")]
    t = t.rename(columns={"start_year": "year"}).set_index([*KEYS, "indicator"])["target"]
    s = demo_tables["statistics"]
    december = s.loc[s["month"] == 12].pivot_table(index=KEYS, columns="stat", values="value")
    coverage = december["insured"] / december["target_population"]
    goal = t.xs("coverage_rate", level="indicator").reindex(coverage.index)
    met = coverage >= goal - 0.005
    evaluated = met.index.get_level_values("year") == gen.DEMO_EVALUATION_YEAR
    assert met[~evaluated].mean() > 0.9
    assert 0.2 < met[evaluated].mean() < 0.8


def test_qualitative_grades(demo_tables):
    q = demo_tables["qualitative"]
    levels = load_standards().qualitative_levels
    assert set(q["grade"]) <= set(levels)
    assert (q["grade"] == "achieved").mean() > 0.8
    for grade, level in levels.items():
        share = q.loc[(q["grade"] == grade), "share"].dropna()
        assert share.between(level.min, level.max).all()
    for fund in REGISTRY.funds:
        qualitative = {i.code for i in load_catalogue(fund).indicators if i.kind == "qualitative"}
        mine = q.loc[q["fund"] == fund]
        assert set(mine["indicator"]) == qualitative
        n = len([p for p in expected_pairs(demo_tables) if p[1] == fund])
        assert len(mine) == n * 5 * len(qualitative)
    assert q["evidence"].dropna().str.contains(r"[\u4e00-\u9fff]").all()
    e = demo_tables["explanations"]
    assert e["reason"].str.contains(r"[\u4e00-\u9fff]").all()
    assert e["improvement_measure"].str.contains(r"[\u4e00-\u9fff]").all()


# --------------------------------------------------------------------------- shortfall


@pytest.fixture(scope="module")
def at_plan() -> dict[str, pd.DataFrame]:
    """The demo with every region keeping to its plan (no shortfall drawn above 0)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gen.shortfall, "SHORTFALL", replace(gen.SHORTFALL, mean=-100.0))
        return gen.demo_dataset()


def changed_rows(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``now`` that differ from those of ``before`` (the same rows in order)."""
    assert now.shape == before.shape and (now.columns == before.columns).all()
    same = (now == before) | (now.isna() & before.isna())
    return now.loc[~same.all(axis=1)]


def test_a_shortfall_changes_the_year_evaluated_only_where_it_shows(demo_tables, at_plan):
    """The shortfall's draws have a stream of their own: without them every flow, target
    and evaluator record is the same, and the demo differs only in 2025, only in what a
    shortfall leaves (premiums assessed, contribution base and population required to be
    insured; the premiums and benefits budgeted, and the balance budgeted with them;
    qualitative grades and the explanations of those below achieved), and nowhere in a
    fund-region with a scenario planted in 2025."""
    year = gen.DEMO_EVALUATION_YEAR
    for name in ("regions", "pooling", "execution", "targets", "review", "submissions"):
        pd.testing.assert_frame_equal(demo_tables[name], at_plan[name], check_exact=True)
    pd.testing.assert_frame_equal(demo_tables["rectification"], at_plan["rectification"])
    planted = {(s.region, s.fund) for s in gen.DEMO_SCENARIOS if s.year == year}
    shows = {
        "statistics": ("stat", {"premiums_assessed", "contribution_base", "target_population"}),
        "budget": ("item", {"premium", "benefits", "balance_end"}),
        "qualitative": ("indicator", None),
    }
    for name, (column, allowed) in shows.items():
        rows = changed_rows(demo_tables[name], at_plan[name])
        assert set(rows["year"]) == {year}, name
        assert allowed is None or set(rows[column]) == allowed, name
        hit = set(zip(rows["region_code"], rows["fund"], strict=True))
        assert not hit & planted and len(hit) > 0.6 * (58 - len(planted)), name
    e, before = demo_tables["explanations"], at_plan["explanations"]
    pd.testing.assert_frame_equal(
        e.loc[e["year"] != year].reset_index(drop=True),
        before.loc[before["year"] != year].reset_index(drop=True),
    )


def test_a_shortfall_lowers_rates_and_grades_within_its_cap(demo_tables, at_plan):
    """In 2025 collection and coverage fall by at most the cap's effect and grades below
    achieved are commoner; a year at plan keeps most grades achieved."""
    s, year = gen.SHORTFALL, gen.DEMO_EVALUATION_YEAR

    def rates(tables) -> pd.DataFrame:
        st = tables["statistics"]
        st = st.loc[st["year"] == year]
        annual = st.pivot_table(index=KEYS, columns="stat", values="value", aggfunc="sum")
        december = st.loc[st["month"] == 12].pivot_table(index=KEYS, columns="stat", values="value")
        f = flows(tables)
        premium = (
            f.loc[(f["item"] == "premium") & (f["year"] == year)].groupby(KEYS)["amount"].sum()
        )
        return pd.DataFrame(
            {
                "collection": premium / annual["premiums_assessed"],
                "coverage": december["insured"] / december["target_population"],
            }
        )

    drop = rates(at_plan) - rates(demo_tables)
    assert (drop["collection"].dropna().between(0, s.cap * s.collection + 0.002)).all()
    assert (drop["coverage"].between(-1e-4, s.cap * s.coverage + 0.002)).all()
    for column in drop:  # many fall short of their plan by more than a point, not all
        assert 0.4 < (drop[column].dropna() > 0.01).mean() < 0.9, column

    def achieved(tables) -> float:
        q = tables["qualitative"]
        return float((q.loc[q["year"] == year, "grade"] == "achieved").mean())

    assert achieved(demo_tables) < achieved(at_plan) - 0.15 and achieved(at_plan) > 0.85


# --------------------------------------------------------------------------- scenarios


def test_every_kind_is_planted_in_the_demo():
    evaluated = [s for s in gen.DEMO_SCENARIOS if s.year == gen.DEMO_EVALUATION_YEAR]
    open_year = [s for s in gen.DEMO_SCENARIOS if s.year == OPEN_YEAR]
    assert len(evaluated) + len(open_year) == len(gen.DEMO_SCENARIOS)
    kinds = [s.kind for s in evaluated]
    assert set(kinds) == set(
        gen.OUTCOME_KINDS + gen.WRINKLE_KINDS + gen.STRUCTURE_KINDS + gen.EVALUATION_KINDS
    )
    twice = ["coverage_drop", "expenditure_underexecution", "low_reserve"]
    assert sorted(kinds) == sorted([*set(kinds), "premium_shortfall", "premium_shortfall", *twice])
    # The open year: what monitoring and the target review find.
    assert sorted(s.kind for s in open_year) == sorted(
        [*gen.IN_YEAR_KINDS, *gen.TARGET_KINDS, "premium_shortfall", "subsidy_shortfall"]
    )
    # Two fund-regions gather several outcomes, Songping's residents' medical fund (a fair
    # grade) and Fengyuan's employees' medical fund (the poor one); their indicators differ.
    crowded = {
        (s.region, s.fund)
        for s in evaluated
        if sum((t.region, t.fund) == (s.region, s.fund) for t in evaluated) > 1
    }
    assert crowded == {("930400", "resident_medical"), ("920300", "employee_medical")}
    for pair in crowded:
        named = [i for s in evaluated if (s.region, s.fund) == pair for i in s.indicators]
        assert len(named) == len(set(named)), pair
    explained = [s.explained for s in evaluated if s.kind in gen.OUTCOME_KINDS]
    assert any(explained) and not all(explained)
    assert not any(s.explained for s in open_year)  # nothing to explain before the year ends


def test_premium_shortfall(demo_tables):
    s = scenario("premium_shortfall")
    rate = executed(demo_tables, s, "premium") / stat(demo_tables, s, "premiums_assessed")
    assert rate < 0.9 and rate < target(demo_tables, s, "premium_collection_rate") * 0.95


def test_expenditure_underexecution(demo_tables):
    s = scenario("expenditure_underexecution")
    rate = executed(demo_tables, s, "expenditure") / budgeted(demo_tables, s, "expenditure")
    assert 0.75 < rate < 0.85


def test_late_benefits(demo_tables):
    s = scenario("late_benefits")
    rate = stat(demo_tables, s, "benefits_paid_on_time") / stat(demo_tables, s, "benefits_due")
    assert 0.97 < rate < 0.99
    wide = demo_tables["statistics"].pivot_table(
        index=KEYS, columns="stat", values="value", aggfunc="sum"
    )
    late = wide["benefits_paid_on_time"] < wide["benefits_due"] - 0.5
    assert late[late].index.tolist() == [(s.region, s.fund, s.year)]


def test_low_reserves_are_the_only_ones_under_three_months(demo_tables):
    low = scenarios_of("low_reserve")
    months = months_covered(demo_tables, gen.DEMO_EVALUATION_YEAR)
    assert sorted(months[months < 3].index) == sorted((s.region, s.fund) for s in low)
    for s in low:
        assert executed(demo_tables, s, "income") < executed(demo_tables, s, "expenditure")


def test_excess_reserve_is_the_only_excessive_medical_fund(demo_tables):
    s = scenario("excess_reserve")
    months = months_covered(demo_tables, s.year)
    assert months[(s.region, s.fund)] > 20
    medical = months[months.index.get_level_values("fund").isin(MEDICAL)]
    assert medical[medical > 15].index.tolist() == [(s.region, s.fund)]


def test_subsidy_shortfall(demo_tables):
    s = scenario("subsidy_shortfall")
    arrival = executed(demo_tables, s, "fiscal_subsidy") / budgeted(
        demo_tables, s, "fiscal_subsidy"
    )
    assert 0.8 < arrival < 0.9
    e = demo_tables["execution"]
    by_september = e.loc[
        (e["region_code"] == s.region)
        & (e["fund"] == s.fund)
        & (e["year"] == s.year)
        & (e["item"] == "fiscal_subsidy")
        & (e["month"] <= 9),
        "amount",
    ].sum()
    assert by_september / budgeted(demo_tables, s, "fiscal_subsidy") < 0.4


def test_coverage_drop(demo_tables):
    s = scenario("coverage_drop")
    coverage = stat(demo_tables, s, "insured", stock=True) / stat(
        demo_tables, s, "target_population", stock=True
    )
    assert coverage < target(demo_tables, s, "coverage_rate") - 0.03


def month_totals(tables, s: gen.Scenario, item: str) -> pd.Series:
    """The scenario's fund-region: ``item`` by year and month."""
    e = tables["execution"]
    e = e.loc[(e["region_code"] == s.region) & (e["fund"] == s.fund) & (e["item"] == item)]
    return e.set_index(["year", "month"])["amount"]


def test_in_year_premium_shortfall(demo_tables):
    s = scenario("premium_shortfall", OPEN_YEAR)
    premium = month_totals(demo_tables, s, "premium")
    # July–October against January–June, this year and the years before.
    ratio = premium.loc[s.year].loc[7:10].sum() / premium.loc[s.year].loc[1:6].sum()
    before = [
        premium.loc[y].loc[7:10].sum() / premium.loc[y].loc[1:6].sum() for y in range(2021, 2026)
    ]
    assert ratio < 0.85 * min(before)


def test_in_year_subsidy_held_back(demo_tables):
    s = scenario("subsidy_shortfall", OPEN_YEAR)
    subsidy = month_totals(demo_tables, s, "fiscal_subsidy")
    assert (s.year, 9) not in subsidy.index  # the September tranche did not come
    assert all((y, 9) in subsidy.index for y in range(2021, 2026))
    assert subsidy.loc[s.year].sum() / budgeted(demo_tables, s, "fiscal_subsidy") < 0.5


def test_late_data(demo_tables):
    s = scenario("late_data", OPEN_YEAR)
    for name in ("execution", "statistics"):
        t = demo_tables[name]
        mine = t.loc[(t["region_code"] == s.region) & (t["fund"] == s.fund) & (t["year"] == s.year)]
        assert mine["month"].max() == s.month == 8, name
        others = t.loc[
            (t["fund"] == s.fund) & (t["year"] == s.year) & (t["region_code"] != s.region)
        ]
        assert others["month"].max() == 10


def test_target_missing_has_nothing_to_inherit(demo_tables):
    s = scenario("target_missing", OPEN_YEAR)
    t = demo_tables["targets"]
    (code,) = s.indicators
    rows = t.loc[(t["fund"] == s.fund) & (t["indicator"] == code) & (t["period"] == "annual")]
    this_year = rows.loc[rows["start_year"] == s.year]
    assert s.region not in set(this_year["region_code"])
    assert set(this_year["level"]) == {"region"}  # no province or centre target to inherit
    assert s.region in set(rows.loc[rows["start_year"] == s.year - 1, "region_code"])


def test_target_slack_sets_the_target_easier_than_the_plan(demo_tables):
    """Baixi's 2026 collection target: the plan's 95.2 % made 3 % easier, 95.2 × 0.97 =
    92.3 %, below its targets of the years before (95.0–95.4 %)."""
    s = scenario("target_slack", OPEN_YEAR)
    t = demo_tables["targets"]
    (code,) = s.indicators
    rows = t.loc[(t["fund"] == s.fund) & (t["indicator"] == code) & (t["region_code"] == s.region)
                 & (t["period"] == "annual")]  # fmt: skip
    target = rows.set_index("start_year")["target"]
    assert target[s.year] == pytest.approx(0.923)
    assert (target[s.year] < target.drop(s.year) - 0.02).all()


def test_open_year_targets_set_carefully_by_most_regions(demo_tables):
    t = demo_tables["targets"]
    audit = t.loc[
        (t["indicator"] == "audit_rectification_rate")
        & (t["level"] == "region")
        & (t["period"] == "annual")
    ]
    past, open_year = (
        audit.loc[audit["start_year"] < OPEN_YEAR],
        audit.loc[audit["start_year"] == OPEN_YEAR],
    )
    careful = open_year["benchmark"] == "policy"
    assert (open_year.loc[careful, "target"] == 1.0).all()
    assert 0.4 < careful.mean() < 0.8
    assert (past["benchmark"] == "plan").all() and (past["target"] < 1).mean() > 0.8


def test_central_guides_are_within_reach_of_most_regions(demo_tables):
    t = demo_tables["targets"]
    annual = t.loc[(t["period"] == "annual") & (t["start_year"] == OPEN_YEAR)]
    regional = annual.loc[annual["level"] == "region"].groupby(["fund", "indicator"])["target"]
    central = annual.loc[annual["level"] == "central"].set_index(["fund", "indicator"])["target"]
    for fund, code in [
        ("employee_medical", "premium_collection_rate"),
        ("resident_medical", "inpatient_reimbursement_ratio"),
    ]:
        values = regional.get_group((fund, code))
        guide = central[(fund, code)]
        assert 0.6 <= (values >= guide - 1e-9).mean() < 1.0, (fund, code)
        ind = load_catalogue(fund).indicator(code)
        assert guide <= gen._default_targets(ind, load_policy(), (OPEN_YEAR,))[0]


def test_outcome_explanations_as_planted(demo_tables):
    e = demo_tables["explanations"]
    keys = set(zip(e["region_code"], e["fund"], e["year"], e["indicator"], strict=True))
    for s in gen.DEMO_SCENARIOS:
        if s.kind not in gen.OUTCOME_KINDS:
            continue
        assert s.indicators
        given = {(s.region, s.fund, s.year, i) in keys for i in s.indicators}
        assert given == {s.explained}, s.kind


def test_missing_evidence(demo_tables):
    q = demo_tables["qualitative"]
    empty = q.loc[q["evidence"].isna(), [*KEYS, "indicator"]]
    planted = [
        [s.region, s.fund, s.year, s.indicators[0]] for s in scenarios_of("missing_evidence")
    ]
    assert sorted(empty.to_numpy().tolist()) == sorted(planted) and len(planted) == 1


def test_transfer_spike(demo_tables):
    s = scenario("transfer_spike")
    f = flows(demo_tables)
    item = f.loc[(f["region_code"] == s.region) & (f["fund"] == s.fund) & (f["item"] == s.item)]
    spike = item.loc[(item["year"] == s.year) & (item["month"] == s.month), "amount"].iloc[0]
    assert spike > 10 * item["amount"].median() and spike > 1000


def test_over_coverage(demo_tables):
    s = scenario("over_coverage")
    wide = demo_tables["statistics"].pivot_table(
        index=[*KEYS, "month"], columns="stat", values="value"
    )
    over = wide["insured"] > wide["target_population"]
    hit = over[over].index.droplevel("month").unique().tolist()
    assert hit == [(s.region, s.fund, s.year)]
    assert over.loc[(s.region, s.fund, s.year)].all()


def test_never_executed(demo_tables):
    s = scenario("never_executed")
    assert budgeted(demo_tables, s, s.item) > 0
    assert executed(demo_tables, s, s.item) == 0
    f = flows(demo_tables)
    other = f.loc[(f["region_code"] == s.region) & (f["fund"] == s.fund) & (f["item"] == s.item)]
    assert set(other["year"]) == set(range(2021, 2027)) - {s.year}


def test_empty_adjusted(demo_tables):
    s = scenario("empty_adjusted")
    b = demo_tables["budget"]
    empty = b.loc[b["adjusted"].isna(), [*KEYS, "item"]]
    assert empty.to_numpy().tolist() == [[s.region, s.fund, s.year, s.item]]


def test_validator_accepts_the_shipped_demo_and_sees_the_wrinkles():
    dataset, report = validate_path(paths.demo_data_dir())
    assert report.ok, report.to_text()
    seen = {(f.rule, f.region, f.fund, f.year) for f in report.warnings}
    expected = {
        "missing_evidence": "missing_evidence",
        "transfer_spike": "outlier",
        "over_coverage": "implausible_statistic",
        "never_executed": "never_executed",
    }
    for s in gen.DEMO_SCENARIOS:
        if s.kind in expected:
            assert (expected[s.kind], s.region, s.fund, s.year) in seen, s.kind
    assert dataset is not None and len(dataset.coordination) == 58


def test_generated_dataset_validates(small, tmp_path):
    _, report = validate_path(write_dataset(small, tmp_path / "small", "parquet"))
    assert report.ok, report.to_text()


def test_years_before_a_policy_value_have_no_target_of_it(tmp_path):
    """2020, before parameters/policy.yaml's first pension adjustment and contribution
    standard (2021): no target row of those indicators that year, and the data validate."""
    tables = gen.generate_dataset(2, (2, 2), (2020, 2022), last_month=12, seed=3)
    targets = tables["targets"]
    annual = targets.loc[targets["period"] == "annual"]
    early = annual.loc[annual["start_year"] == 2020, "indicator"]
    assert "average_benefit_growth" not in set(early) and len(early) > 0
    assert "average_benefit_growth" in set(annual.loc[annual["start_year"] == 2021, "indicator"])
    _, report = validate_path(write_dataset(tables, tmp_path / "early", "parquet"))
    assert report.ok, report.to_text()


# --------------------------------------------------------------------------- shipped files


def test_shipped_csv_files_equal_the_demo(demo_tables):
    folder = paths.demo_data_dir()
    assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(gen.TABLE_NAMES)
    for name, frame in demo_tables.items():
        shipped = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(shipped.columns) == list(frame.columns), name
        assert len(shipped) == len(frame), name
        for col, spec in SPECS[name].columns.items():
            if spec.type in ("text", "date"):
                want = frame[col].fillna("").astype(str).tolist()
                assert shipped[col].tolist() == want, (name, col)
            else:
                got = pd.to_numeric(shipped[col].replace("", np.nan)).to_numpy(dtype=float)
                want = frame[col].to_numpy(dtype=float, na_value=np.nan)
                assert np.allclose(got, want, rtol=0, atol=1e-6, equal_nan=True), (name, col)


def test_write_demo_writes_csv(tmp_path):
    out = gen.write_demo(tmp_path / "demo")
    regions = (out / "regions.csv").read_text(encoding="utf-8").splitlines()
    assert regions[1] == "000000,示范国,Demoland,country,"
    stats = (out / "statistics.csv").read_text(encoding="utf-8").splitlines()
    assert not stats[1].endswith(".0")  # persons as whole numbers


# --------------------------------------------------------------------------- scale and input


def test_national_scale(national):
    regions = national["regions"]
    provinces = (regions["level"] == "province").sum()
    prefectures = (regions["level"] == "prefecture").sum()
    assert provinces == 31 and 31 * 9 <= prefectures <= 31 * 13
    assert 300 <= provinces + prefectures <= 420  # ≈ 350 coordinating regions
    assert regions["region_code"].is_unique and regions["name_en"].is_unique
    e = national["execution"]
    assert e.loc[e["year"] == 2026, "month"].max() == 10
    assert len(pairs_of(e)) == 4 * provinces + 3 * prefectures
    assert set(national["budget"]["year"]) == set(range(2021, 2027))
    assert len(national["explanations"]) > 0


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="provinces"):
        gen.generate_dataset(0, 3, (2021, 2022))
    with pytest.raises(ValueError, match="regions per province"):
        gen.generate_dataset(2, (5, 3), (2021, 2022))
    with pytest.raises(ValueError, match="years"):
        gen.generate_dataset(2, 3, (2022, 2021))
    with pytest.raises(ValueError, match="last_month"):
        gen.generate_dataset(2, 3, (2021, 2022), last_month=13)


def test_plan_periods():
    assert gen._plan_periods(2021, 2026) == [(2021, 2025), (2026, 2030)]
    assert gen._plan_periods(2018, 2020) == [(2016, 2020)]


def test_single_year_partial_dataset_has_no_complete_year():
    tables = gen.generate_dataset(1, 1, (2025, 2025), last_month=3, seed=1)
    assert len(tables["qualitative"]) == 0 and len(tables["explanations"]) == 0
    assert list(tables["qualitative"].columns) == list(SPECS["qualitative"].columns)
    assert tables["execution"]["month"].max() == 3


def test_evaluator_records_cover_every_report_and_keep_their_rules(demo_tables):
    """A report per coordinating region, fund and complete year, reaching the province in
    spring (a few in June); problems done only before the last complete year, with a date
    and evidence; adjusted grades only on qualitative indicators."""
    subs, rect = demo_tables["submissions"], demo_tables["rectification"]
    pairs = expected_pairs(demo_tables)
    assert len(subs) == len(pairs) * 5  # 2021–2025
    received = pd.to_datetime(subs["received"])
    assert (received.dt.year == subs["year"] + 1).all()
    late = received > pd.to_datetime((subs["year"] + 1).astype(str) + "-05-31")
    assert 0 < late.sum() < len(subs) * 0.15 and (received.dt.month[late] == 6).all()
    done = rect["status"] == "done"
    assert rect.loc[done, "closed"].notna().all() and rect.loc[done, "evidence"].notna().all()
    assert rect.loc[~done, "closed"].isna().all()
    assert (rect.loc[rect["year"] == 2025, "status"].isin(["open", "in_progress"])).all()
    assert set(rect.loc[rect["year"] < 2025, "status"]) == {"done", "overdue"}
    review = demo_tables["review"]
    assert len(review) and (review["finding"] == "adjusted_grade").all()
    qualitative = {
        i.code
        for f in REGISTRY.funds
        for i in load_catalogue(f).indicators
        if i.kind == "qualitative"
    }
    assert set(review["indicator"]) <= qualitative


# --------------------------------------------------------------------------- data files and kinds


def data_copy(tmp_path: Path, name: str, change=None) -> Path:
    """A copy of the generator's data file ``name`` in ``tmp_path``, changed by ``change``
    (a function of the loaded mapping) where given."""
    data = read_yaml(gen.common.DATA_DIR / name)
    if change is not None:
        change(data)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


LOADERS = {
    "fund_profiles.yaml": gen.load_profiles,
    "patterns.yaml": gen.load_patterns,
    "scenarios.yaml": gen.load_scenarios,
    "texts.yaml": gen.load_texts,
    "places.yaml": gen.load_places,
}


def test_every_kind_in_the_scenarios_file_is_registered_and_does_something():
    raw = read_yaml(gen.common.DATA_DIR / "scenarios.yaml")
    used = {s["kind"] for s in raw["demo"]} | set(raw["outcome_indicators"])
    assert used <= set(gen.KINDS), used - set(gen.KINDS)
    assert set(gen.KINDS) <= used  # the demo plants every registered kind
    by_category = [*gen.OUTCOME_KINDS, *gen.WRINKLE_KINDS, *gen.IN_YEAR_KINDS]
    by_category += [*gen.TARGET_KINDS, *gen.STRUCTURE_KINDS, *gen.EVALUATION_KINDS]
    assert sorted(by_category) == sorted(gen.KINDS)  # each kind in exactly one category
    hooks = [f.name for f in fields(gen.ScenarioKind) if f.name in gen.HOOKS]
    assert hooks == list(gen.HOOKS)
    for code, kind in gen.KINDS.items():
        assert kind.code == code and kind.category in gen.CATEGORIES
        assert any(getattr(kind, h) is not None for h in hooks), code
        # Outcomes, and only they, are graded not achieved and explained by the agency.
        outcome = kind.category == "outcome"
        assert (kind.not_achieved is not None) == outcome, code
        assert (kind.explanation is not None) == outcome, code
        assert (code in gen.OUTCOME_INDICATORS) == outcome, code
    assert gen.kind_of("late_data").last_month is not None
    with pytest.raises(KeyError, match="unknown scenario kind 'nope'; known: premium_shortfall"):
        gen.kind_of("nope")


def test_an_unknown_kind_is_refused_naming_it_and_the_known_ones(tmp_path):
    def rename(data):
        (spike,) = [s for s in data["demo"] if s["kind"] == "transfer_spike"]
        spike["kind"] = "transfer_spikes"

    path = data_copy(tmp_path, "scenarios.yaml", rename)
    known = ", ".join(gen.KINDS)
    with pytest.raises(ParameterError) as caught:
        gen.load_scenarios(path)
    assert str(caught.value) == (
        f"{path}: demo[11].kind: unknown scenario kind 'transfer_spikes'; known: {known}"
    )
    with pytest.raises(ValueError, match="unknown scenario kind 'x'; known: premium_shortfall"):
        gen.Scenario("x", "910000", "unemployment", 2025, "what")
    # An outcome's indicators under a kind that is no outcome, or an outcome left out.
    path = data_copy(
        tmp_path / "b",
        "scenarios.yaml",
        lambda d: d["outcome_indicators"].update(late_data=["insured_persons"]),
    )
    with pytest.raises(ParameterError, match=r"outcome_indicators.late_data: .* not an outcome"):
        gen.load_scenarios(path)
    path = data_copy(
        tmp_path / "c", "scenarios.yaml", lambda d: d["outcome_indicators"].pop("coverage_drop")
    )
    with pytest.raises(
        ParameterError, match=r"outcome_indicators: missing key\(s\): coverage_drop"
    ):
        gen.load_scenarios(path)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "fund_profiles.yaml",
            lambda d: d["funds"]["work_injury"].pop("months"),
            r"funds\.work_injury: missing key\(s\): months",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["defaults"].pop("drift"),
            r"defaults: missing key\(s\): drift",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["funds"]["unemployment"].update(monhts=[14.0, 22.0]),
            r"funds\.unemployment: unknown key\(s\): monhts",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["funds"]["unemployment"].update(growth="0.03"),
            r"funds\.unemployment\.growth: expected a number, got '0\.03'",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["funds"]["unemployment"].update(coverage=[0.98, 0.92]),
            r"funds\.unemployment\.coverage: expected \[low, high\]",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["funds"]["work_injury"].update(benefit_pattern="injury"),
            r"funds\.work_injury\.benefit_pattern: unknown pattern \(patterns\.yaml\) 'injury'; "
            r"known: flat, employee_premium",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["shortfall"].pop("cap"),
            r"shortfall: missing key\(s\): cap",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["shortfall"].update(coverage=-0.03),
            r"shortfall\.coverage: must not be negative, got -0\.03",
        ),
        (
            "fund_profiles.yaml",
            lambda d: d["group_profiles"].update(medical="medical"),
            r"group_profiles\.medical: unknown fund profile 'medical'",
        ),
        (
            "patterns.yaml",
            lambda d: d.pop("default_noise"),
            r"missing key\(s\): default_noise",
        ),
        (
            "patterns.yaml",
            lambda d: d["monthly"]["quarterly"].pop(),
            r"monthly\.quarterly: expected 12 numbers, got 11",
        ),
        (
            "patterns.yaml",
            lambda d: d["monthly"].pop("audit_findings"),
            r"monthly\.audit_findings: missing: the generator uses it",
        ),
        (
            "scenarios.yaml",
            lambda d: d["demo"][14].pop("fund"),
            r"demo\[14\]: missing key\(s\): fund",
        ),
        (
            "scenarios.yaml",
            lambda d: d["demo"][0].update(region=930000),
            r"demo\[0\]\.region: expected a text, got 930000",
        ),
        (
            "texts.yaml",
            lambda d: d["evidence_fallback"].pop("partly"),
            r"evidence_fallback: missing key\(s\): partly",
        ),
        (
            "texts.yaml",
            lambda d: d["explanations"]["satisfaction"].pop("measure"),
            r"explanations\.satisfaction: missing key\(s\): measure",
        ),
        (
            "places.yaml",
            lambda d: d["generated"].pop("country"),
            r"generated: missing key\(s\): country",
        ),
        (
            "places.yaml",
            lambda d: d["generated"]["tails"].append(["津", "jiang"]),
            r"generated\.tails: pinyin given twice: jiang",
        ),
    ],
)
def test_a_wrong_or_missing_key_names_the_file_and_the_key(tmp_path, name, change, message):
    path = data_copy(tmp_path, name, change)
    with pytest.raises(ParameterError, match=re.escape(str(path)) + ": " + message):
        LOADERS[name](path)
    assert LOADERS[name](data_copy(tmp_path / "unchanged", name))  # the copy itself loads


def test_profiles_from_yaml_are_what_the_generator_uses(tmp_path):
    loaded = gen.load_profiles()
    assert loaded.funds == gen.PROFILES and list(loaded.funds) == list(REGISTRY.funds)
    for fund in REGISTRY.funds.values():
        assert gen.fund_profile(fund) is gen.PROFILES[fund.code]
    # National 2023 expenditure (hundred million yuan, MoF final accounts) ÷ 1.41 billion
    # inhabitants, as fund_profiles.yaml says.
    published = {
        "enterprise_pension": 54_900,
        "public_pension": 9_200,
        "resident_pension": 4_600,
        "employee_medical": 17_700,
        "resident_medical": 10_400,
        "work_injury": 1_100,
        "unemployment": 1_400,
    }
    for code, national in published.items():
        per_inhabitant = national * 1e8 / 1.41e9 / 1e4
        assert gen.PROFILES[code].expenditure_per_capita == pytest.approx(per_inhabitant, rel=0.01)
    assert gen.PROFILES["employee_medical"].inpatient_ratio[0] < 0.846
    assert gen.PROFILES["resident_medical"].inpatient_ratio[1] > 0.681
    # Defaults apply where a fund gives none; a pattern is named and read from patterns.yaml.
    assert gen.PROFILES["work_injury"].dependency is None
    assert gen.PROFILES["work_injury"].drift == 0.012
    assert (
        gen.PROFILES["resident_medical"].premium_pattern
        == (gen.PATTERNS.monthly["resident_medical_premium"])
    )
    july, august = gen.PATTERNS.monthly["pension_benefits"][6:8]
    assert july == 1 + 7 * 0.03 and august == 1 + 0.03  # the increase back-paid in July
    # What the file says is what is loaded: change one value, only it changes.
    path = data_copy(
        tmp_path,
        "fund_profiles.yaml",
        lambda d: d["funds"]["unemployment"].update(expenditure_per_capita=0.0123),
    )
    changed = gen.load_profiles(path).funds
    assert changed["unemployment"] == replace(
        gen.PROFILES["unemployment"], expenditure_per_capita=0.0123
    )
    assert {c: p for c, p in changed.items() if c != "unemployment"} == {
        c: p for c, p in gen.PROFILES.items() if c != "unemployment"
    }


def test_data_files_agree_with_the_registry_and_the_catalogues():
    data = gen.load_scenarios()
    assert data.demo == gen.DEMO_SCENARIOS and len(data.demo) == 26
    assert data.outcome_indicators == gen.OUTCOME_INDICATORS
    demo_regions = {code for code, _, _ in gen.DEMO_GEOGRAPHY} | {
        f"{code[:2]}{k + 1:02d}00"
        for code, _, prefs in gen.DEMO_GEOGRAPHY
        for k in range(len(prefs))
    }
    indicators = {f: {i.code for i in load_catalogue(f).indicators} for f in REGISTRY.funds}
    every = set().union(*indicators.values())
    for s in gen.DEMO_SCENARIOS:
        assert s.region in demo_regions and s.fund in REGISTRY.funds, s
        # (one names an indicator its fund's catalogue lacks: 930400's resident medical
        # premium shortfall names premium_collection_rate, which has no effect there)
        assert set(s.indicators) <= every, s
        assert s.item is None or s.item in REGISTRY.funds[s.fund].line_items, s
    for kind, codes in gen.OUTCOME_INDICATORS.items():
        assert set(codes) <= every, kind
    assert set(gen.PATTERNS.items) | set(gen.PATTERNS.noise) <= set(REGISTRY.line_items)
    assert set(gen.TEXTS.evidence) | set(gen.TEXTS.explanations) <= every
    places = gen.load_places()
    assert [len(prefs) for _, _, prefs in places.demo_provinces] == [4, 5, 6]
    assert places.demo_provinces == gen.DEMO_GEOGRAPHY


def test_a_scenario_naming_an_indicator_outside_its_fund_is_refused():
    from dataclasses import replace

    from sipm_helpers.data.generate.build import _build
    from sipm_helpers.data.generate.geography import _demo_geography

    wrong = replace(scenario("premium_shortfall"), fund="resident_medical",
                    indicators=("premium_collection_rate",))  # fmt: skip
    with pytest.raises(ValueError, match="names premium_collection_rate, not in the resident"):
        _build(_demo_geography(gen.DEMO_SEED), (2024, 2025), 12, 1, [wrong])
