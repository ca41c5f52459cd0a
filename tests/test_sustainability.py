"""Sustainability projections (sipm_helpers.domain.sustainability) against closed forms,
substitution, simulated coverage, the degenerate cases and published national figures."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from builders import MED_FUND, annual_dataset

from sipm_helpers.config.sustainability import load_sustainability_rules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain import sustainability as sus
from sipm_helpers.errors import ParameterError

RULES = load_sustainability_rules()
MED = MED_FUND


def geometric(first: float, growth: float, years: int) -> list[float]:
    return [first * (1 + growth) ** k for k in range(years)]


def project_one(ds, ctx, rules=RULES, region="110100", **kw):
    proj = sus.project(ds, ctx, rules, funds=[MED], regions=[region], **kw)
    return proj, *proj.of(MED, region)


# --------------------------------------------------------------------------- closed forms


def test_constant_growth_matches_the_closed_form(tiny, ctx):
    # Five exact years: income 1,000 growing 3 %, expenditure 1,100 growing 6 %.
    income, spent = geometric(1000, 0.03, 5), geometric(1100, 0.06, 5)
    ds = annual_dataset(tiny, {"110100": (3000.0, income, spent)})
    _, row, paths, _ = project_one(ds, ctx)
    assert row["basis"] == "fit" and row["reason"] == ""
    assert row["income_growth"] == pytest.approx(0.03, abs=1e-9)
    assert row["expenditure_growth"] == pytest.approx(0.06, abs=1e-9)
    b0 = 3000 + sum(income) - sum(spent)
    assert row["balance_last"] == pytest.approx(b0)
    # By hand: B_h = B_0 + Σ_k≤h (I_0·1.03^k − E_0·1.06^k), I_0 and E_0 of 2023.
    i0, e0 = income[-1], spent[-1]
    h = np.arange(1, 11)
    by_hand = b0 + i0 * 1.03 * (1.03**h - 1) / 0.03 - e0 * 1.06 * (1.06**h - 1) / 0.06
    projected = paths.loc[paths["kind"] == "projection"]
    assert projected["year"].tolist() == list(range(2024, 2034))
    assert projected["balance"].to_numpy() == pytest.approx(by_hand, rel=1e-9)
    months = by_hand / (e0 * 1.06**h / 12)
    assert projected["months_covered"].to_numpy() == pytest.approx(months, rel=1e-9)
    assert row["depletion_year"] == 2023 + h[by_hand < 0][0]
    assert row["floor_year"] == 2023 + h[months < 6][0]
    # An exact fit has no scatter: the interval closes on the path.
    assert projected["balance_low"].to_numpy() == pytest.approx(by_hand, rel=1e-6)
    assert projected["balance_high"].to_numpy() == pytest.approx(by_hand, rel=1e-6)
    assert row["depletion_year_low"] == row["depletion_year_high"] == row["depletion_year"]


def test_the_projection_builds_on_its_central_outlook(tiny, ctx):
    # The constant-growth fund of the closed form above: below 6 months from its floor
    # year on, so its central outlook fails and counts the failing years.
    ds = annual_dataset(
        tiny, {"110100": (3000.0, geometric(1000, 0.03, 5), geometric(1100, 0.06, 5))}
    )
    outlook = sus.central_outlook(ds, ctx, RULES, funds=[MED], last_year=2023)
    verdict = outlook.verdict().set_index("region_code").loc["110100"]
    built = sus.project(ds, ctx, RULES, funds=[MED], last_year=2023, outlook=outlook)
    alone = sus.project(ds, ctx, RULES, funds=[MED], last_year=2023)
    pd.testing.assert_frame_equal(built.summary, alone.summary)
    row = alone.summary.set_index("region_code").loc["110100"]
    assert verdict["solvency_pass"] == row["solvency_pass"] == 0
    assert verdict["solvency_fail_year"] == row["solvency_fail_year"] == row["floor_year"]
    # every year from the floor year to 2033 is short (the balance only falls)
    assert verdict["years_short"] == row["years_short"] == 2033 - row["floor_year"] + 1
    assert set(sus.solvency_outlooks(ds, ctx, years=[2018, 2023], funds=[MED])) == {2023}
    with pytest.raises(ValueError, match="the outlook given projects up to 2023"):
        sus.project(ds, ctx, RULES, funds=[MED], last_year=2022, outlook=outlook)


def test_a_fund_that_never_depletes(tiny, ctx):
    ds = annual_dataset(
        tiny, {"110100": (800.0, geometric(1000, 0.06, 5), geometric(950, 0.05, 5))}
    )
    _, row, paths, _ = project_one(ds, ctx)
    assert np.isnan(row["depletion_year"]) and np.isnan(row["floor_year"])
    assert row["solvency_pass"] == 1 and np.isnan(row["solvency_fail_year"])
    assert row["balancing_subsidy"] == 0
    assert (paths.loc[paths["kind"] == "projection", "balance"].diff().dropna() > 0).all()


# --------------------------------------------------------------------------- the test


def test_solvency_test_rules():
    years = np.arange(2026, 2036)[None, :].repeat(4, axis=0)
    threshold = np.full(4, 6.0)
    months = np.array(
        [
            [7, 7, 7, 7, 7, 7, 7, 7, 7, 7],  # above throughout: pass
            [7, 7, 5, 7, 7, 7, 7, 7, 7, 7],  # dips in the third year: fails in 2028
            [4, 4, 5, 6, 6, 7, 7, 7, 7, 7],  # starts below, reaches it in year 4: pass
            [4, 4, 4, 5, 5, 5, 6, 6, 6, 6],  # starts below, not there by year 5: fails in 2030
        ],
        dtype=float,
    )
    months0 = np.array([7.0, 7.0, 4.0, 4.0])
    passes, fail = sus.solvency(months, months0, threshold, RULES, years)
    assert passes.tolist() == [1, 0, 1, 0]
    assert np.isnan(fail[0]) and fail[1] == 2028 and np.isnan(fail[2]) and fail[3] == 2030
    # The failing years: the third year; years 5 and 6 of the fourth (held from year 5 on).
    assert sus.short_years(months, months0, threshold, RULES).sum(axis=1).tolist() == [0, 1, 0, 2]
    # Without a threshold the test does not apply.
    passes, fail = sus.solvency(months[:1], months0[:1], np.array([np.nan]), RULES, years[:1])
    assert np.isnan(passes[0]) and np.isnan(fail[0])


# --------------------------------------------------------------------------- the indicator

# Five exact years 2019–2023: income 1,000 growing 5 %, expenditure 1,000 growing 6 %, an
# opening balance of 1,800. By hand (see the test below) the reserve falls below the
# employees' medical fund's floor of 6 months in 2030 and stays below: 4 years short.
DECLINING = {"110100": (1800.0, geometric(1000, 0.05, 5), geometric(1000, 0.06, 5))}


def test_fund_sustainability_counts_the_years_the_projection_falls_below_the_floor(tiny, ctx):
    from sipm_helpers.domain.indicators import indicator_frame

    income, spent = DECLINING["110100"][1:]
    ds = annual_dataset(tiny, DECLINING)
    h = np.arange(1, 11)
    balance = 1800 + sum(income) - sum(spent)  # 1,688.54 at the end of 2023
    balance += np.cumsum(income[-1] * 1.05**h - spent[-1] * 1.06**h)
    months = balance / (spent[-1] * 1.06**h / 12)
    # 2024–2029: 14.59, 13.10, 11.59, 10.05, 8.50, 6.94; 2030–2033: 5.36, 3.76, 2.16, 0.55
    assert (months < 6).tolist() == [False] * 6 + [True] * 4
    frame = indicator_frame(ds, ctx, funds=[MED], years=[2023]).set_index("indicator")
    row = frame.loc["fund_sustainability"]
    assert row["category"] == "benefit" and row["points"] == 5
    # 4 years short of the band's 0, nothing left at 5: 5 × (5 − 4) ÷ 5 = 1 point
    assert row["actual"] == 4 and row["score"] == pytest.approx(1.0)
    assert not row["met"] and row["needs_explanation"]
    _, summary, _, _ = project_one(ds, ctx, last_year=2023)
    assert summary["solvency_pass"] == 0 and summary["solvency_fail_year"] == 2030
    assert summary["years_short"] == 4


def test_fund_sustainability_of_each_year_is_that_years_projection(tiny, ctx):
    """History years are scored on the projection from their own year, which is what the
    self-evaluation of that year reported; a fund that passes keeps its 5 points."""
    from sipm_helpers.domain.indicators import indicator_frame

    ds = annual_dataset(tiny, {**DECLINING, "110200": (800.0, *DECLINING["110100"][1:])})
    frame = indicator_frame(ds, ctx, funds=[MED], years=[2022, 2023])
    rows = frame.loc[frame["indicator"] == "fund_sustainability"]
    got = rows.set_index(["region_code", "year"])["actual"]
    for year in (2022, 2023):
        summary = sus.project(ds, ctx, RULES, funds=[MED], last_year=year).summary
        for region, short in summary.set_index("region_code")["years_short"].items():
            assert got[(region, year)] == short, (region, year)
    assert got[("110100", 2023)] == 4 and got[("110200", 2023)] > got[("110100", 2023)]
    assert 2021 not in rows["year"].tolist()  # only the years asked for are scored
    passing = annual_dataset(
        tiny, {"110100": (800.0, geometric(1000, 0.06, 5), geometric(950, 0.05, 5))}
    )
    row = indicator_frame(passing, ctx, funds=[MED], years=[2023]).set_index("indicator")
    assert row.loc["fund_sustainability", "actual"] == 0
    assert row.loc["fund_sustainability", "score"] == 5 and row.loc["fund_sustainability", "met"]


def test_the_projection_builds_on_the_outlook_its_sustainability_was_scored_from(tiny, ctx):
    from sipm_helpers.domain.evaluation import score_fund
    from sipm_helpers.domain.measures import MEASURES

    ds = annual_dataset(tiny, DECLINING)
    scores = score_fund(ds, ctx, fund=MED, year=2023)
    built = sus.project(
        ds, ctx, RULES, funds=[MED], last_year=2023, facts=scores.facts,
        outlook=scores.outlooks[2023],
    )  # fmt: skip
    alone = sus.project(ds, ctx, RULES, funds=[MED], last_year=2023)
    pd.testing.assert_frame_equal(built.summary, alone.summary)
    pd.testing.assert_frame_equal(built.paths, alone.paths)
    scored = scores.scored.set_index("indicator").loc["fund_sustainability", "actual"]
    assert scored == built.summary["years_short"].iloc[0] == 4
    with pytest.raises(ValueError, match="the outlook given projects up to 2023"):
        sus.project(ds, ctx, RULES, funds=[MED], last_year=2022, outlook=scores.outlooks[2023])
    with pytest.raises(ValueError, match="solvency_years_short needs the outlooks"):
        MEASURES["solvency_years_short"](scores.facts, ctx)


# --------------------------------------------------------------------------- balancing


def test_balancing_answers_substituted_back(tiny, ctx):
    income, spent = geometric(1000, 0.03, 5), geometric(1100, 0.06, 5)
    ds = annual_dataset(tiny, {"110100": (3000.0, income, spent)}, premium_share=0.8)
    _, row, paths, _ = project_one(ds, ctx)
    assert row["solvency_pass"] == 0 and row["balancing_status"] == "solved"
    projected = paths.loc[paths["kind"] == "projection"]
    e = projected["expenditure"].to_numpy()
    b = projected["balance"].to_numpy()
    required = sus.required_years(
        np.array([row["months_last"]]), np.array([row["threshold"]]), RULES
    )[0]
    h = np.arange(1, 11)

    # The subsidy: with it, the tightest required year sits exactly on the threshold.
    s = row["balancing_subsidy"]
    months = (b + s * h) / (e / 12)
    assert months[required].min() == pytest.approx(6.0, abs=1e-9)
    assert ((b + 0.99 * s * h) / (e / 12))[required].min() < 6.0

    # The premium growth: income = other income + the premium grown at the rate found.
    g, premium0 = row["balancing_premium_growth"], 0.8 * income[-1]
    other = projected["income"].to_numpy() - premium0 * (1 + row["premium_growth"]) ** h

    def tightest(rate):
        bal = row["balance_last"] + np.cumsum(other + premium0 * (1 + rate) ** h - e)
        return (bal / (e / 12))[required].min()

    assert tightest(g) == pytest.approx(6.0, abs=1e-5)
    assert tightest(g - 0.001) < 6.0 < tightest(g + 0.001)
    assert g > row["premium_growth"]  # it takes faster premium growth than projected


def test_balancing_premium_growth_edge_cases():
    e = np.full((4, 10), 1200.0)
    required = np.ones((4, 10), dtype=bool)
    rate, status = sus.balancing_premium_growth(
        np.array([1e9, 0.0, 0.0, 0.0]),  # a huge reserve; then three empty ones
        np.zeros((4, 10)),
        np.array([100.0, 1e-3, 100.0, 1200.0]),  # a tiny premium cannot close the gap
        e,
        required,
        np.array([6.0, 6.0, np.nan, 6.0]),  # no threshold: no test to pass
    )
    assert status.tolist() == ["not_needed", "unreachable", "not_applicable", "solved"]
    assert np.isnan(rate[:3]).all()
    # The last one: premiums of 1,200 a year, growing at g, against 1,200 of expenditure;
    # the first year needs 6 months in reserve: 1,200 (1 + g) − 1,200 = 600, g = 0.5.
    assert rate[3] == pytest.approx(0.5, abs=1e-7)


# --------------------------------------------------------------------------- coverage


def simulated_histories(reps: int, growth: float, sd: float, seed: int) -> pd.DataFrame:
    """``reps`` regions of five years and ten more: log value = log 100 + growth·t + noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(15)
    logs = np.log(100) + np.log1p(growth) * t + rng.normal(0, sd, (reps, 15))
    return pd.DataFrame(
        {
            "region_code": np.repeat([f"r{i:04d}" for i in range(reps)], 15),
            "fund": "f",
            "year": np.tile(2016 + t, reps),
            "value": np.exp(logs).ravel(),
        }
    )


def test_prediction_interval_covers_at_its_nominal_rate():
    data = simulated_histories(3000, 0.05, 0.04, seed=1)
    past, future = data.loc[data["year"] <= 2020], data.loc[data["year"] > 2020]
    fit = sus.fit_log_linear(past, "value")
    assert fit["growth"].median() == pytest.approx(0.05, abs=0.005)
    years = np.tile(np.arange(2021, 2031), (len(fit), 1))
    _, low, high = sus.log_linear_interval(fit, years, 0.9)
    truth = np.log(future["value"].to_numpy()).reshape(len(fit), 10)
    inside = (truth >= low) & (truth <= high)
    for h in (0, 4, 9):  # one, five and ten years out
        assert 0.87 <= inside[:, h].mean() <= 0.93, h


def test_balance_interval_covers_simulated_futures():
    reps = 600
    inc = simulated_histories(reps, 0.05, 0.03, seed=2)
    exp = simulated_histories(reps, 0.06, 0.03, seed=3)
    past = inc.loc[inc["year"] <= 2020].rename(columns={"value": "income"})
    past["expenditure"] = exp.loc[exp["year"] <= 2020, "value"].to_numpy()
    fits = {side: sus.fit_log_linear(past, side) for side in sus.SIDES}
    years = np.tile(np.arange(2021, 2031), (reps, 1))
    balance0 = np.full(reps, 60.0)
    rules = replace(RULES, simulations=2000)
    chunks = sus.simulate_balance(
        fits,
        np.ones(reps, dtype=bool),
        years,
        balance0,
        np.full(reps, 7.0),
        np.full(reps, 6.0),
        rules,
    )
    low, high = np.full((reps, 10), np.nan), np.full((reps, 10), np.nan)
    for rows, balance_q, *_ in chunks:  # the groups come in chunks
        low[rows], high[rows] = balance_q[0], balance_q[3]
    net = (
        inc.loc[inc["year"] > 2020, "value"].to_numpy()
        - exp.loc[exp["year"] > 2020, "value"].to_numpy()
    )
    truth = balance0[:, None] + np.cumsum(net.reshape(reps, 10), axis=1)
    inside = (truth >= low) & (truth <= high)
    # The balance nets two independent Student-t forecasts (income, expenditure); like
    # Behrens–Fisher intervals, the result is a little conservative: about 95 % for 90 %.
    for h in (0, 2, 9):
        assert 0.88 <= inside[:, h].mean() <= 0.97, h


# --------------------------------------------------------------------------- degenerate cases


def test_a_single_year_falls_back_to_fixed_growth(tiny, ctx):
    ds = annual_dataset(tiny, {"110100": (600.0, [1000.0], [900.0])}, first_year=2025)
    _, row, paths, _ = project_one(ds, ctx)
    assert (row["basis"], row["reason"], row["history_years"]) == ("fixed", "short_history", 1)
    income_growth, spent_growth = RULES.fixed_growth["medical"]
    projected = paths.loc[paths["kind"] == "projection"]
    h = np.arange(1, 11)
    assert projected["income"].to_numpy() == pytest.approx(1000 * (1 + income_growth) ** h)
    assert projected["expenditure"].to_numpy() == pytest.approx(900 * (1 + spent_growth) ** h)
    # The interval: income one point slower and expenditure one faster, and the reverse.
    worst = 700 + np.cumsum(
        1000 * (1 + income_growth - 0.01) ** h - 900 * (1 + spent_growth + 0.01) ** h
    )
    assert projected["balance_low"].to_numpy() == pytest.approx(worst)
    assert projected["balance_q25"].isna().all()  # no inner band without a fit


def test_non_positive_history_is_not_fitted(tiny, ctx):
    income = [1000.0, 0.0, 1100.0, 1150.0, 1200.0]
    ds = annual_dataset(tiny, {"110100": (900.0, income, geometric(900, 0.04, 5))})
    _, row, _, _ = project_one(ds, ctx)
    assert (row["basis"], row["reason"]) == ("fixed", "not_positive")


def test_noisy_history_is_not_fitted(tiny, ctx):
    income = [1000.0, 1400.0, 900.0, 1500.0, 1000.0]
    ds = annual_dataset(tiny, {"110100": (900.0, income, geometric(900, 0.04, 5))})
    _, row, _, _ = project_one(ds, ctx)
    assert (row["basis"], row["reason"]) == ("fixed", "noisy")
    # The user may choose fixed growth outright.
    _, row, _, _ = project_one(
        annual_dataset(
            tiny, {"110100": (900.0, geometric(1000, 0.05, 5), geometric(900, 0.04, 5))}
        ),
        ctx,
        growth="fixed",
    )
    assert (row["basis"], row["reason"]) == ("fixed", "chosen")


def test_expenditure_already_above_income(tiny, ctx):
    ds = annual_dataset(
        tiny, {"110100": (2000.0, geometric(1000, 0.04, 5), geometric(1200, 0.04, 5))}
    )
    _, row, paths, _ = project_one(ds, ctx)
    projected = paths.loc[paths["kind"] == "projection", "balance"].to_numpy()
    assert (np.diff(projected) < 0).all()
    assert row["solvency_pass"] == 0 and row["solvency_fail_year"] == 2024  # below 6 months at once
    assert row["depletion_year"] == 2023 + np.argmax(projected < 0) + 1
    assert row["balancing_subsidy"] > 0


def test_no_complete_year_is_an_error(tiny, ctx):
    e = tiny.execution
    partial = Dataset(**{**tiny.__dict__, "execution": e.loc[e["month"] <= 6]})
    with pytest.raises(ValueError, match="no complete year"):
        sus.project(partial, ctx, RULES)


# --------------------------------------------------------------------------- published figures


def test_months_covered_of_the_national_funds_in_2023():
    # MoF, execution of the social insurance funds' budget, 2023 (100 million yuan).
    expenditure, balance = 99_281.29, 128_782.72
    months = sus.months_paths(np.array([balance]), np.array([expenditure]))
    assert round(float(months[0]), 1) == 15.6


def test_history_frame_with_the_national_2023_figures(tiny, ctx):
    income, expenditure, balance = 111_499.69, 99_281.29, 128_782.72
    ds = annual_dataset(
        tiny, {"110100": (balance - (income - expenditure), [income], [expenditure])}, 2023
    )
    hist = sus.history_frame(ds, ctx, funds=[MED], regions=["110100"])
    (row,) = hist.itertuples()
    assert row.balance_end == pytest.approx(balance)
    assert round(row.months_covered, 1) == 15.6


# --------------------------------------------------------------------------- sensitivity, comparison


def test_sensitivity_moves_the_way_it_should(tiny, ctx):
    income, spent = geometric(1000, 0.03, 5), geometric(1100, 0.06, 5)
    ds = annual_dataset(tiny, {"110100": (3000.0, income, spent)})
    _, row, _, sens = project_one(ds, ctx)
    cases = sens.set_index("case")
    assert list(cases.index) == [
        "base",
        "income_up",
        "income_down",
        "expenditure_up",
        "expenditure_down",
    ]
    assert cases.at["base", "depletion_year"] == row["depletion_year"]
    assert cases.at["base", "balancing_subsidy"] == pytest.approx(row["balancing_subsidy"])
    assert cases.at["income_up", "depletion_year"] >= row["depletion_year"]
    assert cases.at["expenditure_up", "depletion_year"] <= row["depletion_year"]
    assert cases.at["income_down", "balancing_subsidy"] > row["balancing_subsidy"]
    assert cases.at["expenditure_down", "balancing_subsidy"] < row["balancing_subsidy"]


def test_comparison_sorts_failures_by_year(tiny, ctx):
    ds = annual_dataset(
        tiny,
        {
            "110100": (2000.0, geometric(1000, 0.04, 5), geometric(1200, 0.04, 5)),  # fails at once
            "110200": (4000.0, geometric(1000, 0.03, 5), geometric(1050, 0.06, 5)),  # fails later
        },
    )
    proj = sus.project(ds, ctx, RULES, funds=[MED])
    table = sus.compare_regions(proj, fund=MED, province="110000", ds=ds)
    assert table["region_code"].tolist() == ["110100", "110200"]
    assert table["solvency_fail_year"].is_monotonic_increasing


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("growth: fit", "growth: guess"), "growth: must be one of fit, fixed"),
        (("recovery_years: 5", "recovery_years: 10"), "recovery_years: must be shorter"),
        (
            ("enterprise_pension: pension_contribution_rate", "enterprise_pensions: x"),
            "unknown fund",
        ),
        (
            ("enterprise_pension: pension_contribution_rate", "enterprise_pension: 0.24"),
            "contribution_rate: expected a mapping of fund → policy parameter",
        ),
        (("  unemployment: {income: 0.04, expenditure: 0.05}\n", ""), "no growth for fund group"),
        (("confidence: 0.9", "confidence: 90"), "confidence: must lie between"),
    ],
)
def test_rules_are_validated(tmp_path, change, message):
    from sipm_helpers.paths import parameters_dir

    text = (parameters_dir() / "sustainability.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "sustainability.yaml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_sustainability_rules(bad)


def test_the_employees_medical_fund_is_projected_on_its_pooled_fund(tmp_path, ctx):
    from builders import tiny_tables, with_pooled_fund, write_tiny

    from sipm_helpers.data.validation import load_dataset

    ds = load_dataset(write_tiny(tmp_path / "p", tables=with_pooled_fund(tiny_tables())), ctx)
    projection = sus.project(ds, ctx, RULES, funds=["employee_medical"], last_year=2025)
    rows = projection.summary.set_index("region_code")
    assert rows.loc["110100", "pooled"] and not rows.loc["110200", "pooled"]
    assert rows.loc["110100", "balance_last"] == 400  # the pooled fund's, not the 764
    assert rows.loc["110100", "months_last"] == pytest.approx(400 / 60)
    assert rows.loc["110200", "balance_last"] == 764
