"""Monitoring computations on synthetic data with known answers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.domain.monitoring import (
    cumulative_shares,
    expected_shares,
    forecast_year_end,
    progress,
)


def flows_from(monthly: dict[tuple[str, int], list[float]], item: str = "premium") -> pd.DataFrame:
    rows = [
        {
            "region_code": region,
            "fund": "f",
            "item": item,
            "year": year,
            "month": m + 1,
            "amount": a,
        }
        for (region, year), amounts in monthly.items()
        for m, a in enumerate(amounts)
        if a is not None
    ]
    return pd.DataFrame(rows)


def test_seasonal_share_follows_past_years_not_the_calendar():
    december_double = [1.0] * 11 + [2.0]
    flows = flows_from({("r", y): december_double for y in (2021, 2022, 2023)})
    shares = expected_shares(flows, 2024).set_index("month")
    assert shares.loc[10, "expected_share"] == pytest.approx(10 / 13)
    assert shares.loc[12, "expected_share"] == pytest.approx(1.0)
    assert shares.loc[10, "history_years"] == 3


def test_lumpy_items_count_missing_months_as_zero():
    lumps = [None] * 5 + [30.0] + [None] * 5 + [70.0]  # June and December only
    flows = pd.concat(
        [
            flows_from({("r", 2023): lumps}, "fiscal_subsidy"),
            flows_from({("r", 2023): [1.0] * 12}, "premium"),
        ]
    )
    shares = cumulative_shares(flows).set_index(["item", "month"])
    assert shares.loc[("fiscal_subsidy", 5), "share"] == 0.0
    assert shares.loc[("fiscal_subsidy", 10), "share"] == pytest.approx(0.3)


def test_incomplete_years_are_not_history():
    flows = flows_from({("r", 2023): [1.0] * 12, ("r", 2024): [1.0] * 10})
    assert set(cumulative_shares(flows)["year"]) == {2023}


def current_frame(regions, executed, budget, share=10 / 12):
    return pd.DataFrame(
        {
            "region_code": regions,
            "fund": "f",
            "item": "premium",
            "executed": executed,
            "budget": budget,
            "expected_share": share,
        }
    )


def test_forecast_is_exact_when_every_year_has_the_same_shape():
    past = flows_from({("r", y): [10.0] * 10 + [15.0, 15.0] for y in (2021, 2022, 2023, 2024)})
    f = forecast_year_end(past, 2025, 10, current_frame(["r"], [120.0], [150.0]), 0.9).iloc[0]
    assert f["forecast"] == pytest.approx(120 * 130 / 100)
    assert f["forecast_low"] == pytest.approx(f["forecast"]) and f[
        "forecast_high"
    ] == pytest.approx(f["forecast"])
    assert f["p_below_budget"] == 0.0  # a sure 156 never falls short of 150
    assert f["forecast_years"] == 4


def test_prediction_interval_covers_at_its_nominal_rate():
    """Simulated histories with known log-normal multipliers: the 90 % interval should hold
    the year's true total about 90 % of the time."""
    rng = np.random.default_rng(7)
    regions, years, mu, sigma = 3000, 7, np.log(1.2), 0.05
    logm = rng.normal(mu, sigma, size=(regions, years))
    executed = 100.0
    rows = []
    names = [f"r{i}" for i in range(regions)]
    for y in range(years - 1):  # past years: ten months of 10, the rest in Nov and Dec
        rest = executed * (np.exp(logm[:, y]) - 1) / 2
        for m in range(12):
            amount = np.full(regions, 10.0) if m < 10 else rest
            rows.append(
                pd.DataFrame(
                    {
                        "region_code": names,
                        "fund": "f",
                        "item": "premium",
                        "year": 2018 + y,
                        "month": m + 1,
                        "amount": amount,
                    }
                )
            )
    flows = pd.concat(rows, ignore_index=True)
    truth = executed * np.exp(logm[:, -1])
    f = forecast_year_end(flows, 2018 + years - 1, 10, current_frame(names, executed, truth), 0.9)
    f = f.set_index("region_code").loc[names]
    covered = (f["forecast_low"].to_numpy() <= truth) & (truth <= f["forecast_high"].to_numpy())
    assert 0.87 <= covered.mean() <= 0.93
    # the probability of falling short of a budget set at the true total is uniform-ish
    assert 0.4 <= f["p_below_budget"].mean() <= 0.6


def test_progress_on_the_tiny_dataset(tiny, ctx):
    p = progress(tiny, ctx.registry, 2025, 6).set_index(["region_code", "fund", "item"])
    premium = p.loc[("110100", "employee_medical", "premium")]
    assert premium["executed"] == 600 and premium["budget"] == 1250
    assert premium["expected_share"] == pytest.approx(0.5) and premium["seasonal"]  # flat 2024
    assert premium["execution_rate"] == pytest.approx(600 / 1250)
    assert premium["forecast"] == pytest.approx(1200)  # one past year: point, no interval
    assert np.isnan(premium["forecast_low"])
    income = p.loc[("110100", "employee_medical", "income")]
    assert income["executed"] == 606 and income["budget"] == 1262


def lights_frame(rows):
    base = {
        "region_code": "r",
        "fund": "f",
        "executed": 100.0,
        "budget": 120.0,
        "log_mean": np.nan,
        "log_scale": np.nan,
        "dof": 4.0,
        "forecast": np.nan,
        "expected_executed": np.nan,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_traffic_lights_from_pace_and_forecast(ctx):
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.domain.monitoring import alerts, traffic_lights

    rules = load_monitoring_rules()
    frame = lights_frame(
        [
            {"item": "premium", "pace": 0.80},  # income far behind the season: red
            {"item": "interest", "pace": 0.90},  # behind: amber
            {"item": "other_income", "pace": 1.00},  # on track
            # on pace, but the forecast says income ends 10 % short of budget almost surely
            {"item": "transfer_in", "pace": 1.00, "log_mean": np.log(1.08), "log_scale": 0.01},
            {"item": "benefits", "pace": 1.25},  # expenditure far ahead: red
            {"item": "transfer_out", "pace": 0.85},  # expenditure behind: amber
            {
                "item": "lower_subsidy",
                "pace": np.nan,
                "budget": 0.0,
                "executed": 5.0,
            },  # no budget: red
            {
                "item": "upper_subsidy",
                "pace": np.nan,
                "budget": 0.0,
                "executed": 0.0,
            },  # nothing at all
        ]
    )
    lit = traffic_lights(frame, ctx.registry, rules).set_index("item")
    assert (
        pd.isna(lit.loc["upper_subsidy", "light"])
        and lit.loc["upper_subsidy", "reason"] == "no_budget"
    )
    assert lit["light"].drop("upper_subsidy").to_dict() == {
        "premium": "red",
        "interest": "amber",
        "other_income": "green",
        "transfer_in": "red",
        "benefits": "red",
        "transfer_out": "amber",
        "lower_subsidy": "red",
    }
    assert lit.loc["transfer_in", "reason"] == "income_forecast"
    assert lit.loc["lower_subsidy", "reason"] == "unbudgeted"
    assert lit.loc["benefits", "reason"] == "expenditure_pace_high"
    order = alerts(traffic_lights(frame, ctx.registry, rules))
    assert order["light"].tolist()[:4] == ["red"] * 4 and order["item"].tolist()[:2] == [
        "benefits",
        "premium",
    ]  # focus first
    assert (order["corrective_action"] == "").all()


def test_monitoring_rules_are_validated(tmp_path):
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.errors import ParameterError

    bad = tmp_path / "monitoring.yaml"
    bad.write_text(
        "version: 1\npace: {income: {amber_below: 0.8, red_below: 0.9}, expenditure: {amber_below: 0.9, red_below: 0.8, amber_above: 1.1, red_above: 1.2}}\n"
        "forecast_risk: {amber: 0.6, red: 0.85, tolerance: 0.03}\nmateriality: {share: 0.01}\nlumpy: {max_months_paid: 6}\ntable: {likelihood: {green: certain, amber: possible, red: unlikely}, causes: [other]}\nfocus_items: [premium]\nseverities: [red, amber]\n"
        "outlook: {year_end_only: [fund_return_rate], long_range: [], forecast: {income_budget_execution: income}, surplus: current_year_balance}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ParameterError, match=r"pace\.income: red_below must not exceed amber_below"
    ):
        load_monitoring_rules(bad)


def test_monitoring_outlook_names_known_indicators(tmp_path, monkeypatch):
    import shutil

    from sipm_helpers import paths
    from sipm_helpers.config.context import load_context
    from sipm_helpers.errors import ParameterError

    params = tmp_path / "parameters"
    shutil.copytree(paths.parameters_dir(), params)
    rules = params / "monitoring.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("    - reserve_ratio\n", "    - reserve_ratoi\n"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SIPM_PARAMETERS", str(params))
    with pytest.raises(
        ParameterError, match=r"monitoring.yaml: outlook: unknown indicator\(s\): reserve_ratoi"
    ):
        load_context()


def test_indicator_outlook_on_the_tiny_dataset(tiny, ctx):
    mon = monitor_tiny(tiny, ctx, 6)
    out = mon.indicators.set_index("indicator")
    # six flat months of 606 income: the forecast is 1,212 of the 1,262 budgeted
    assert out.loc["income_budget_execution", "basis"] == "forecast"
    assert out.loc["income_budget_execution", "value"] == pytest.approx(1212 / 1262)
    assert out.loc["income_budget_execution", "light"] == "green"  # inside 95–105 %
    assert out.loc["current_year_balance", "value"] == pytest.approx((1212 - 1080) / 1080)
    assert out.loc["premium_collection_rate", "basis"] == "to_date"
    assert out.loc["premium_collection_rate", "value"] == pytest.approx(600 / 630)
    assert (
        out.loc["premium_collection_rate", "light"] == "amber"
    )  # 0.952 short of 0.98, within the 5 % threshold
    assert out.loc["budget_preparation_accuracy", "basis"] == "year_end" and pd.isna(
        out.loc["budget_preparation_accuracy", "light"]
    )
    # one past year: a point forecast, no spread to make an interval of
    assert pd.isna(out.loc["income_budget_execution", "value_low"])
    result = mon.to_result()
    assert {i["indicator"] for i in result["indicators"]} == set(out.index)


def test_indicator_outlook_interval_is_the_forecasts_over_the_budget(demo, ctx):
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.domain.monitoring import monitor

    mon = monitor(
        demo,
        ctx,
        load_monitoring_rules(),
        fund="employee_medical",
        region="910100",
        year=2026,
        month=10,
    )
    out = mon.indicators.set_index("indicator")
    items = mon.items.set_index("item")
    for code, item in (
        ("income_budget_execution", "income"),
        ("expenditure_budget_execution", "expenditure"),
    ):
        budget = items.at[item, "budget"]
        assert out.at[code, "value_low"] == pytest.approx(items.at[item, "forecast_low"] / budget)
        assert out.at[code, "value_high"] == pytest.approx(items.at[item, "forecast_high"] / budget)
        assert out.at[code, "value_low"] < out.at[code, "value"] < out.at[code, "value_high"]
    assert out.loc[out["basis"] != "forecast", "value_low"].isna().all()


# --------------------------------------------------------------------------- Art. 13 checks


def cut_execution(ds, region: str, fund: str, year: int, last_month: int):
    """``ds`` with the region's data of ``fund`` for ``year`` stopping after ``last_month``."""
    from sipm_helpers.data.dataset import Dataset

    e = ds.execution
    late = (
        (e["region_code"] == region)
        & (e["fund"] == fund)
        & (e["year"] == year)
        & (e["month"] > last_month)
    )
    return Dataset(**{**ds.__dict__, "execution": e.loc[~late]})


def monitor_tiny(ds, ctx, month: int, region: str = "110100"):
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.domain.monitoring import monitor

    return monitor(
        ds,
        ctx,
        load_monitoring_rules(),
        fund="employee_medical",
        region=region,
        year=2025,
        month=month,
    )


def test_art13_checks_when_everything_is_on_time(tiny, ctx):
    mon = monitor_tiny(tiny, ctx, 6)
    checks = mon.checks.set_index("check")
    assert mon.data_month == 6 and mon.months_late == 0
    assert list(checks.index) == [
        "data_reported",
        "benefits_on_schedule",  # no fiscal subsidy in the tiny fund: no subsidy check
        "within_budget",
        "no_unbudgeted",
        "balance",
        "targets_on_course",
    ]
    assert list(checks["aspect"].unique()) == ["timeliness", "compliance", "effectiveness"]
    for check in ("data_reported", "benefits_on_schedule", "within_budget", "no_unbudgeted"):
        assert checks.at[check, "light"] == "green", check
    # 90 a month paid against 1,100 budgeted, flat: 540 of 550 expected by June
    assert checks.at["benefits_on_schedule", "executed"] == pytest.approx(540)
    assert checks.at["benefits_on_schedule", "expected"] == pytest.approx(550)
    assert checks.at["within_budget", "executed"] == pytest.approx(540)
    assert checks.at["within_budget", "budget"] == pytest.approx(1100)
    # 632 + 6 × 11 = 698 at the end of June, 90 a month spent: 7.76 months
    assert checks.at["balance", "balance"] == pytest.approx(698)
    assert checks.at["balance", "months"] == pytest.approx(698 / 90)
    assert not (mon.alerts["item"] == "data").any()


def test_late_data_are_monitored_to_the_last_month_reported(tiny, ctx):
    ds = cut_execution(tiny, "110100", "employee_medical", 2025, 8)
    mon = monitor_tiny(ds, ctx, 10)
    assert (mon.period, mon.data_period, mon.months_late) == ("2025-10", "2025-08", 2)
    income = mon.items.set_index("item").loc["income"]
    assert income["executed"] == pytest.approx(8 * 101)  # the figures are to August
    assert income["month"] == 8
    first = mon.alerts.iloc[0]
    assert (first["item"], first["light"], first["reason"]) == ("data", "red", "data_late")
    checks = mon.checks.set_index("check")
    assert checks.at["data_reported", "light"] == "red" and checks.at["data_reported", "late"] == 2
    assert mon.counts()["red"] >= 1 and "red_alerts" in mon.flags()
    result = mon.to_result()
    assert result["data_month"] == 8 and result["months_late"] == 2
    assert {"aspect": "timeliness", "check": "data_reported", "light": "red"} in result["checks"]
    # The other prefecture is on time and has no such alert.
    other = monitor_tiny(ds, ctx, 10, region="110200")
    assert other.months_late == 0 and not (other.alerts["item"] == "data").any()


def test_a_region_without_data_for_the_year_gets_only_the_alert(tiny, ctx):
    from sipm_helpers.present.monitoring_report import MonitoringReport

    ds = cut_execution(tiny, "110100", "employee_medical", 2025, 0)
    mon = monitor_tiny(ds, ctx, 10)
    assert mon.data_month == 0 and mon.months_late == 10
    assert mon.items.empty and mon.indicators.empty
    assert mon.alerts["item"].tolist() == ["data"]
    checks = mon.checks.set_index("check")
    assert checks.at["data_reported", "light"] == "red"
    assert checks["light"].drop("data_reported").isna().all()  # nothing else can be judged
    report = MonitoringReport(mon, ds, ctx, "en")
    assert "has reported no execution data for 2025" in report.summary().html
    html = "".join(
        s.html for s in (report.focus(), report.items_table(), report.checks(), report.alerts())
    )
    assert "Not applicable" in html and "Execution data" in html
    assert mon.to_result()["counts"] == {"red": 1, "amber": 0, "green": 0}


def test_late_data_in_the_report_in_both_languages(tiny, ctx):
    from sipm_helpers.present.monitoring_report import MonitoringReport

    ds = cut_execution(tiny, "110100", "employee_medical", 2025, 8)
    mon = monitor_tiny(ds, ctx, 10)
    en = MonitoringReport(mon, ds, ctx, "en")
    assert "reach only August 2025, 2 month(s) short of the monitored period October 2025" in (
        en.summary().html
    )
    assert "Reported to month 8 of 10: 2 month(s) late" in en.checks().html
    zh = MonitoringReport(mon, ds, ctx, "zh")
    assert "迟报2个月" in zh.summary().html and "及时性" in zh.checks().html
    assert "仅报送至2025年8月，较监控期2025年10月迟报2个月" in zh.summary().html  # no ISO month


def test_unbudgeted_expenditure_fails_compliance(tiny, ctx):
    from sipm_helpers.data.dataset import Dataset

    b = tiny.budget
    ds = Dataset(
        **{
            **tiny.__dict__,
            "budget": b.loc[~((b["region_code"] == "110100") & (b["item"] == "benefits"))],
        }
    )
    checks = monitor_tiny(ds, ctx, 6).checks.set_index("check")
    assert checks.at["no_unbudgeted", "light"] == "red" and checks.at["no_unbudgeted", "count"] == 1
    assert pd.isna(checks.at["within_budget", "light"])  # no expenditure budget to be within


def test_monitoring_judges_the_employees_medical_reserve_on_its_pooled_fund(tmp_path, ctx):
    from builders import tiny_tables, with_pooled_fund, write_tiny

    from sipm_helpers.data.validation import load_dataset

    ds = load_dataset(write_tiny(tmp_path / "pooled", tables=with_pooled_fund(tiny_tables())), ctx)
    mon = monitor_tiny(ds, ctx, 6)
    # the pooled fund: 340 at the end of June, 6 × 60 spent: 340 ÷ 60 months
    assert mon.months_covered == pytest.approx(340 / 60)
    assert mon.balance_end == pytest.approx(632 + 6 * 11)  # the whole fund's balance


# --------------------------------------------------------------------------- the balance's season


def with_june_balance(ds, factor_by_year: dict[int, float]):
    """``ds`` with 110100's employee medical balance at the end of June scaled per year."""
    from sipm_helpers.data.dataset import Dataset

    e = ds.execution.copy()
    for year, factor in factor_by_year.items():
        june = (
            (e["region_code"] == "110100")
            & (e["fund"] == "employee_medical")
            & (e["year"] == year)
            & (e["month"] == 6)
            & (e["item"] == "balance_end")
        )
        e.loc[june, "amount"] *= factor
    return Dataset(**{**ds.__dict__, "execution": e})


def test_balance_is_projected_to_the_year_end_by_its_season(tiny, ctx):
    mon = monitor_tiny(tiny, ctx, 6)
    # 2024: June 566 and December 632, 90 a month spent: December covers 632 ÷ 566 times
    # the months June does; June 2025 covers 698 ÷ 90 = 7.76 months → 8.66 at the year end
    assert mon.season.history_years == 1
    assert mon.season.factor == pytest.approx(632 / 566)
    assert mon.season.year_end == pytest.approx(698 / 90 * 632 / 566)
    checks = mon.checks.set_index("check")
    assert checks.at["balance", "year_end"] == pytest.approx(698 / 90 * 632 / 566)
    assert checks.at["balance", "light"] == "green"
    result = mon.to_result()
    assert result["version"] == 3
    assert result["months_covered_year_end"] == pytest.approx(698 / 90 * 632 / 566)


def test_a_seasonal_low_balance_is_no_alert_but_a_low_one_for_the_season_is(tiny, ctx):
    # Every June the balance halves and recovers by December: June 2025's 349 covers
    # 3.88 months, below the floor of 6, but 2024's June did the same (283, then 632):
    # projected 349 ÷ 90 × 632 ÷ 283 = 8.66 months at the year end. No alert.
    seasonal = monitor_tiny(with_june_balance(tiny, {2024: 0.5, 2025: 0.5}), ctx, 6)
    assert seasonal.months_covered == pytest.approx(349 / 90)
    assert seasonal.season.year_end == pytest.approx(349 / 90 * 632 / 283)
    assert not (seasonal.alerts["item"] == "balance_end").any()
    assert seasonal.checks.set_index("check").at["balance", "light"] == "green"
    # Only 2025's June is low: 349 ÷ 90 × 632 ÷ 566 = 4.33 months at the year end, amber.
    low = monitor_tiny(with_june_balance(tiny, {2025: 0.5}), ctx, 6)
    assert low.season.year_end == pytest.approx(349 / 90 * 632 / 566)
    # The reserve target's outlook is the same projection, red (4.33 far under 6): the
    # balance alert speaks for it, red, and the target raises none of its own.
    reserve = low.indicators.set_index("indicator").loc["months_covered"]
    assert reserve["basis"] == "season" and reserve["light"] == "red"
    assert reserve["value"] == pytest.approx(low.months_covered * 632 / 566, rel=1e-6)
    hit = low.alerts.loc[low.alerts["item"] == "balance_end"].iloc[0]
    assert (hit["light"], hit["reason"]) == ("red", "balance_low")
    assert "months_covered" not in set(low.alerts["item"])
    seasonal_reserve = seasonal.indicators.set_index("indicator").loc["months_covered"]
    assert seasonal_reserve["light"] == "green"  # 8.66 in the band of 6 to 9


def test_no_seasonal_balance_alert_on_the_demo_in_october(demo, ctx):
    from sipm_helpers.domain.monitoring import monitor

    c = demo.coordination
    regions = c.loc[c["fund"] == "resident_medical", "region_code"].tolist()
    low = [
        r
        for r in regions
        if (
            monitor(
                demo, ctx, ctx.monitoring, fund="resident_medical", region=r, year=2026, month=10
            )
            .alerts["reason"]
            .eq("balance_low")
            .any()
        )
    ]
    assert len(regions) == 15 and low == []  # before: all 14 with a positive balance amber
    jinhe = monitor(
        demo, ctx, ctx.monitoring, fund="resident_medical", region="910100", year=2026, month=10
    )
    assert jinhe.months_covered < 6 < jinhe.season.year_end  # 3.7 now, 8.2 projected


def test_the_report_gives_the_balance_projection_in_both_languages(tiny, ctx):
    from sipm_helpers.present.monitoring_report import MonitoringReport

    mon = monitor_tiny(tiny, ctx, 6)
    en = MonitoringReport(mon, tiny, ctx, "en")
    assert "about 8.7 months at the end of this year, against the floor of 6.0" in en.focus().html
    assert "8.7 projected to the year end by 1 past year(s)" in en.checks().html
    zh = MonitoringReport(mon, tiny, ctx, "zh")
    assert "预计本年末可支付8.7个月（下限6.0个月）" in zh.focus().html


# --------------------------------------------------------------------------- materiality


def with_first_half(ds, item: str, amount: float):
    """``ds`` with 110100's employee medical ``item`` at ``amount`` a month in Jan–Jun 2025."""
    from sipm_helpers.data.dataset import Dataset

    e = ds.execution.copy()
    rows = (
        (e["region_code"] == "110100")
        & (e["fund"] == "employee_medical")
        & (e["year"] == 2025)
        & (e["month"] <= 6)
        & (e["item"] == item)
    )
    e.loc[rows, "amount"] = amount
    return Dataset(**{**ds.__dict__, "execution": e})


def test_an_immaterial_deviation_is_no_alert(tiny, ctx):
    # No interest in Jan–Jun 2025: 0 of the 6 expected (12 budgeted, flat), pace 0, red by
    # itself; but 6 at stake is 0.5 % of the 1,262 total income, under the 1 % materiality.
    # Premium 80 a month: 480 of 625 expected; forecast 480 × 1,200 ÷ 600 = 960, 290 short
    # of 1,250: 23 % of total income, a red alert.
    ds = with_first_half(with_first_half(tiny, "interest", 0.0), "premium", 80.0)
    mon = monitor_tiny(ds, ctx, 6)
    items = mon.items.set_index("item")
    assert items.at["interest", "pace"] == 0.0
    assert items.at["interest", "at_stake"] == pytest.approx(6 / 1262)
    assert (items.at["interest", "light"], items.at["interest", "reason"]) == (
        "green",
        "immaterial",
    )
    assert items.at["premium", "at_stake"] == pytest.approx(290 / 1262)
    assert items.at["premium", "light"] == "red"
    assert "interest" not in set(mon.alerts["item"])
    lines = mon.alerts.loc[mon.alerts["kind"] == "item", "item"]
    assert set(lines) == {"premium", "income"}
    from sipm_helpers.present.monitoring_report import MonitoringReport

    assert "Immaterial" in MonitoringReport(mon, ds, ctx, "en").items_table().html
    assert "未达重要性水平" in MonitoringReport(mon, ds, ctx, "zh").items_table().html


def test_unbudgeted_execution_is_an_alert_however_small(tiny, ctx):
    from sipm_helpers.data.dataset import Dataset

    b = tiny.budget
    ds = Dataset(
        **{
            **tiny.__dict__,
            "budget": b.loc[~((b["region_code"] == "110100") & (b["item"] == "interest"))],
        }
    )
    hit = monitor_tiny(ds, ctx, 6).alerts.set_index("item").loc["interest"]
    assert (hit["light"], hit["reason"]) == ("red", "unbudgeted")  # 6 of 1,250: still an alert


def test_focus_items_lead_the_alerts(ctx):
    from sipm_helpers.domain.monitoring import alerts, traffic_lights

    frame = lights_frame(
        [
            {"item": "transfer_in", "pace": 0.5},  # red, not in focus
            {"item": "premium", "pace": 0.9},  # amber, in focus
        ]
    )
    order = alerts(traffic_lights(frame, ctx.registry, ctx.monitoring))
    assert order["item"].tolist() == ["premium", "transfer_in"]


@pytest.mark.parametrize("share", ["-0.1", "1.0"])
def test_materiality_is_validated(tmp_path, share):
    from sipm_helpers import paths
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.errors import ParameterError

    text = (paths.parameters_dir() / "monitoring.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "monitoring.yaml"
    bad.write_text(text.replace("{share: 0.005}", f"{{share: {share}}}"), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"monitoring.yaml: materiality\.share: needs 0"):
        load_monitoring_rules(bad)


def test_no_red_alert_on_an_immaterial_item_in_the_demo(demo, ctx):
    from sipm_helpers.domain.monitoring import monitor

    mon = monitor(
        demo, ctx, ctx.monitoring, fund="employee_medical", region="920200", year=2026, month=10
    )
    items = mon.items.set_index("item")
    # Baixi's transfers out run 7 % ahead of their season, 2,123 budgeted of 442,719: before,
    # a red alert; at stake 0.03 % of the fund's expenditure
    assert items.at["transfer_out", "reason"] == "immaterial"
    assert items.at["transfer_out", "at_stake"] < 0.001
    assert "transfer_out" not in set(mon.alerts["item"])


# --------------------------------------------------------------------------- the light's probability


def test_the_probability_shown_is_the_lights(ctx):
    from scipy import stats

    from sipm_helpers.domain.monitoring import traffic_lights

    # premium: 100 to date, 120 budgeted, forecast exactly 120 (log multiplier log 1.2,
    # scale 0.05, 4 degrees of freedom): even odds of ending below the budget, but a miss
    # beyond the 2 % tolerance (below 117.6) has t₄((log 1.176 − log 1.2) ÷ 0.05) = 35 %
    frame = lights_frame(
        [{"item": "premium", "pace": 1.0, "log_mean": np.log(1.2), "log_scale": 0.05}]
    )
    lit = traffic_lights(frame, ctx.registry, ctx.monitoring).iloc[0]
    by_hand = stats.t.cdf((np.log(1.176) - np.log(1.2)) / 0.05, 4)
    assert lit["p_miss"] == pytest.approx(by_hand) and 0.34 < by_hand < 0.36
    assert lit["light"] == "green"


def test_the_items_table_shows_the_lights_probability_on_the_demo(demo, ctx):
    from sipm_helpers.domain.monitoring import monitor
    from sipm_helpers.present.monitoring_report import MonitoringReport

    mon = monitor(
        demo, ctx, ctx.monitoring, fund="employee_medical", region="910100", year=2026, month=10
    )
    items = mon.items
    r = ctx.monitoring
    on_track = items.loc[items["reason"] == "on_track", "p_miss"].dropna()
    assert len(on_track) and (on_track < r.risk_amber).all()
    # before, a green item could show 95 %: the probability of ending at all below budget
    assert ((items["light"] == "green") & (items["p_below_budget"] > r.risk_red)).any()
    html = MonitoringReport(mon, demo, ctx, "en").items_table().html
    assert "P(miss &gt; 2%)" in html and "an amber light starts at 60%" in html
    zh = MonitoringReport(mon, demo, ctx, "zh").items_table().html
    assert "偏离预算超过2%的概率" in zh


# --------------------------------------------------------------------------- outlooks as alerts


def test_red_outlooks_and_a_forecast_deficit_are_alerts(tiny, ctx):
    # Premium 80 a month in Jan–Jun 2025: income 486 to June, forecast 972 (2024 doubled
    # its June figure); expenditure 540, forecast 1,080: a deficit of 108 where the budget
    # planned a surplus of 1,262 − 1,100 = 162, 270 (25 % of the expenditure budget) worse.
    # The balance, 698 in June, ends the year at 698 − 108 + 54 = 644: not exhausted, but
    # the surplus target's outlook (−108 ÷ 1,080 = −10 %) is red, so the alert is red.
    ds = with_first_half(tiny, "premium", 80.0)
    mon = monitor_tiny(ds, ctx, 6)
    a = mon.alerts.set_index("item")
    assert a.at["current_balance", "light"] == "red"
    assert (a.at["current_balance", "reason"], a.at["current_balance", "kind"]) == (
        "forecast_deficit",
        "fund",
    )
    out = mon.indicators.set_index("indicator")
    assert out.at["current_year_balance", "value"] == pytest.approx(-108 / 1080)
    red = set(out.index[out["light"] == "red"])
    targets = a.loc[a["kind"] == "target"]
    off = set(targets.index[targets["light"] == "red"])
    assert off == {"income_budget_execution", "premium_collection_rate"}  # 77 %, 76.2 %
    assert off == red - {"current_year_balance"}  # the deficit alert speaks for it
    assert (targets.loc[list(off), "reason"] == "target_off_course").all()
    # coverage 95 % against 97 % and 950 insured against 1,000: short, within the
    # indicators' thresholds of explanation, so amber: at risk, an amber alert each
    at_risk = targets.loc[targets["light"] == "amber"]
    assert set(at_risk.index) == {"coverage_rate", "insured_persons"}
    assert (at_risk["reason"] == "target_at_risk").all()
    assert mon.counts()["red"] == len(off) + 1 + (mon.items["light"] == "red").sum()
    kinds = {r["item"]: r["kind"] for r in mon.to_result()["alerts"]}
    assert kinds["current_balance"] == "fund" and kinds["premium"] == "item"
    from sipm_helpers.present.monitoring_report import MonitoringReport

    en = MonitoringReport(mon, ds, ctx, "en").alerts().html
    assert "Forecast deficit of 108.0 10k yuan for the year, worse than budgeted" in en
    assert "Target off course: outlook 77.0% against 95.0%–105.0%" in en  # 972 ÷ 1,262
    zh = MonitoringReport(mon, ds, ctx, "zh").alerts().html
    assert "预计当年收支缺口108.0万元" in zh and "绩效目标预计难以完成" in zh


def test_only_scored_in_year_targets_raise_alerts():
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.domain.monitoring import alerted_targets

    outlook = pd.DataFrame(
        {
            "indicator": ["coverage_rate", "dependency_ratio", "fund_sustainability",
                          "income_budget_execution", "insured_persons"],
            "light": ["amber", "amber", "red", "red", "green"],
            "reported": [False, True, False, False, False],
        }
    )  # fmt: skip
    # the dependency ratio is reported, not scored; the ten-year solvency test is long range
    assert alerted_targets(outlook, load_monitoring_rules()) == {
        "income_budget_execution": "red",
        "coverage_rate": "amber",
    }


def test_a_deficit_that_exhausts_the_balance_is_red(tiny, ctx):
    from sipm_helpers.data.dataset import Dataset

    ds = with_first_half(tiny, "premium", 80.0)
    e = ds.execution.copy()
    june = (e["region_code"] == "110100") & (e["year"] == 2025) & (e["item"] == "balance_end")
    e.loc[june & (e["month"] == 6), "amount"] = 50.0  # 50 − 108 + 54 = −4 at the year end
    mon = monitor_tiny(Dataset(**{**ds.__dict__, "execution": e}), ctx, 6)
    hit = mon.alerts.set_index("item").loc["current_balance"]
    assert (hit["light"], hit["reason"]) == ("red", "forecast_exhausted")


def test_no_deficit_alert_on_course(tiny, ctx):
    mon = monitor_tiny(tiny, ctx, 6)  # forecast 1,212 against 1,080: a surplus
    assert "current_balance" not in set(mon.alerts["item"])


def test_longtangs_red_outlooks_are_alerts_on_the_demo(demo, ctx):
    from sipm_helpers.domain.monitoring import monitor

    mon = monitor(
        demo, ctx, ctx.monitoring, fund="employee_medical", region="920400", year=2026, month=10
    )
    red = set(mon.indicators.loc[mon.indicators["light"] == "red", "indicator"])
    assert red == {"income_budget_execution", "premium_collection_rate", "current_year_balance"}
    a = mon.alerts.set_index("item")
    targets = a.loc[a["kind"] == "target"]
    assert set(targets.index[targets["light"] == "red"]) == {
        "income_budget_execution",
        "premium_collection_rate",
    }
    # its amber outlooks are amber alerts (at risk), one each
    amber = set(mon.indicators.loc[mon.indicators["light"] == "amber", "indicator"])
    assert set(targets.index[targets["light"] == "amber"]) == amber - {"dependency_ratio"}
    # forecast 531,782 income against 537,516 expenditure where 35,340 surplus was planned
    assert (a.at["current_balance", "light"], a.at["current_balance", "reason"]) == (
        "red",
        "forecast_deficit",
    )


# --------------------------------------------------------------------------- lumpy items


def with_subsidy_tranches(ds, tranches: dict[int, dict[int, float]]):
    """``ds`` with a fiscal subsidy for 110100's employee medical fund, paid in the given
    months of each year, and budgeted at 400 in 2025."""
    from sipm_helpers.data.dataset import Dataset

    rows = [
        {"region_code": "110100", "fund": "employee_medical", "year": y, "month": m,
         "item": "fiscal_subsidy", "amount": a}
        for y, paid in tranches.items()
        for m, a in paid.items()
    ]  # fmt: skip
    budget = pd.DataFrame(
        [{"region_code": "110100", "fund": "employee_medical", "year": 2025,
          "item": "fiscal_subsidy", "initial": 400.0, "adjusted": 400.0}]
    )  # fmt: skip
    return Dataset(
        **{
            **ds.__dict__,
            "execution": pd.concat([ds.execution, pd.DataFrame(rows)], ignore_index=True),
            "budget": pd.concat([ds.budget, budget], ignore_index=True),
        }
    )


def test_a_tranche_not_received_is_named_not_forecast_as_a_loss(tiny, ctx):
    # 2024: 100 in March, June, September and December (a quarter of the year each). 2025:
    # March and June came, 110 each; September's did not. By October the two tranches
    # received stood for half a year: the forecast is 220 ÷ 0.5 = 440, September's tranche
    # late, not lost, and no interval.
    quarterly = {3: 100.0, 6: 100.0, 9: 100.0, 12: 100.0}
    ds = with_subsidy_tranches(tiny, {2024: quarterly, 2025: {3: 110.0, 6: 110.0}})
    mon = monitor_tiny(ds, ctx, 10)
    sub = mon.items.set_index("item").loc["fiscal_subsidy"]
    assert sub["lumpy"] and sub["tranche_month"] == 9
    assert sub["forecast"] == pytest.approx(440)
    assert pd.isna(sub["forecast_low"]) and pd.isna(sub["p_below_budget"])
    # 220 of the 300 expected by October (¾ of 400): pace 0.73, red
    assert sub["pace"] == pytest.approx(220 / 300)
    assert (sub["light"], sub["reason"]) == ("red", "tranche_missing")
    # The income total carries the change: 1,230 to October (10 × 101 + 220) by 2024's
    # multiplier (1,612 ÷ 1,310) gives 1,513.6, of which the subsidy's 220 × 400 ÷ 300;
    # its schedule's 440 instead
    income = mon.items.set_index("item").loc["income"]
    assert income["forecast"] == pytest.approx(1230 * 1612 / 1310 - 220 * 400 / 300 + 440)
    from sipm_helpers.present.monitoring_report import MonitoringReport

    en = MonitoringReport(mon, ds, ctx, "en").alerts().html
    assert "Tranche due in September not received" in en
    zh = MonitoringReport(mon, ds, ctx, "zh").alerts().html
    assert "应于9月拨付的资金尚未到账" in zh
    # Received in September after all: on schedule, nothing missing
    paid = with_subsidy_tranches(tiny, {2024: quarterly, 2025: {3: 110.0, 6: 110.0, 9: 110.0}})
    sub = monitor_tiny(paid, ctx, 10).items.set_index("item").loc["fiscal_subsidy"]
    assert sub["tranche_month"] == 0 and sub["forecast"] == pytest.approx(330 / 0.75)
    assert sub["reason"] != "tranche_missing"


def test_steady_items_are_not_lumpy(tiny, ctx):
    items = monitor_tiny(tiny, ctx, 6).items
    assert not items["lumpy"].any() and (items["tranche_month"] == 0).all()


def test_the_demos_missing_september_subsidy_is_a_tranche(demo, ctx):
    from sipm_helpers.domain.monitoring import monitor

    mon = monitor(
        demo, ctx, ctx.monitoring, fund="resident_pension", region="910300", year=2026, month=10
    )
    sub = mon.items.set_index("item").loc["fiscal_subsidy"]
    assert sub["lumpy"] and sub["tranche_month"] == 9 and sub["reason"] == "tranche_missing"
    # before: 38,272 received read as a year-end loss; now about the 125,913 budgeted
    assert 0.95 < sub["forecast"] / sub["budget"] < 1.05 and pd.isna(sub["forecast_low"])
    # and the income target no longer reads the late tranche as a loss (before: red)
    assert mon.indicators.set_index("indicator").at["income_budget_execution", "light"] == "green"


@pytest.mark.parametrize("value", ["-1", "13", "2.5"])
def test_lumpy_months_are_validated(tmp_path, value):
    from sipm_helpers import paths
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.errors import ParameterError

    text = (paths.parameters_dir() / "monitoring.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "monitoring.yaml"
    bad.write_text(text.replace("{max_months_paid: 6}", f"{{max_months_paid: {value}}}"), "utf-8")
    with pytest.raises(ParameterError, match=r"lumpy\.max_months_paid: expected a whole number"):
        load_monitoring_rules(bad)


# --------------------------------------------------------------------------- the Ministry's table


def test_the_ministrys_table_is_filled_where_the_data_say(tiny, ctx):
    alpha = monitor_tiny(tiny, ctx, 6).table.set_index("indicator")
    # income to June: 606 of the 1,262 budgeted; expected 1,212 at the year end
    income = alpha.loc["income_budget_execution"]
    assert income["to_date"] == pytest.approx(606 / 1262)
    assert income["year_end"] == pytest.approx(1212 / 1262)
    assert income["likelihood"] == "certain"  # green: inside 95–105 %
    # the surplus to date: (606 − 540) ÷ 540; the reserve: 7.76 months now, 8.66 at year end
    assert alpha.at["current_year_balance", "to_date"] == pytest.approx(66 / 540)
    assert alpha.at["months_covered", "to_date"] == pytest.approx(698 / 90)
    assert alpha.at["months_covered", "year_end"] == pytest.approx(698 / 90 * 632 / 566)
    # premium collection amber: possible; the agency's reason and measure for 2025
    collection = alpha.loc["premium_collection_rate"]
    assert (collection["likelihood"], collection["cause"], collection["measure"]) == (
        "possible",
        "企业欠费",
        "加强征缴",
    )
    assert collection["cause_category"] is None and collection["owner"] is None
    # left to the year end: nothing expected now, no likelihood
    accuracy = alpha.loc["budget_preparation_accuracy"]
    assert pd.isna(accuracy["year_end"]) and accuracy["likelihood"] is None
    # Beta: the ledger's open problem on the collection rate gives its unit and deadline
    beta = monitor_tiny(tiny, ctx, 6, region="110200")
    row = beta.table.set_index("indicator").loc["premium_collection_rate"]
    assert (row["owner"], row["deadline"], row["cause"]) == ("乙市医疗保障局", "2026-06-30", None)
    entry = {r["indicator"]: r for r in beta.to_result()["table"]}["premium_collection_rate"]
    assert entry["owner"] == "乙市医疗保障局" and entry["cause"] is None


def test_the_table_reads_the_months_executed_so_far(tiny, ctx):
    """Alpha's one audit finding a month is rectified but December 2025's: monitored to
    June, the rectification rate to date is 6 of 6 = 100 % (certain), not the whole year's
    11 of 12 = 91.7 % the December data would give; to December it is 11 ÷ 12."""
    june = monitor_tiny(tiny, ctx, 6).table.set_index("indicator").loc["audit_rectification_rate"]
    assert june["to_date"] == pytest.approx(1.0) and june["likelihood"] == "certain"
    december = monitor_tiny(tiny, ctx, 12).table.set_index("indicator")
    assert december.at["audit_rectification_rate", "to_date"] == pytest.approx(11 / 12)


def test_the_ministrys_table_in_the_report_leaves_blanks_for_the_agency(tiny, ctx):
    from sipm_helpers.present.monitoring_report import MonitoringReport

    beta = monitor_tiny(tiny, ctx, 6, region="110200")
    zh = MonitoringReport(beta, tiny, ctx, "zh").ministry_table().html
    assert "绩效目标执行监控表" in zh and "完成目标可能性" in zh and "有可能" in zh
    # the deadline as a Chinese document writes a date
    assert "乙市医疗保障局" in zh and "2026年6月30日" in zh and "2026-06-30" not in zh
    assert "______" in zh  # the collection rate's cause, its category and the measure
    assert "政策调整、管理问题、外部因素、经费保障、其他之一" in zh
    assert "nan" not in zh and "None" not in zh and "<NA>" not in zh
    en = MonitoringReport(beta, tiny, ctx, "en").ministry_table().html
    assert "Likelihood of completion" in en and "Possible" in en and "2026-06-30" in en


def test_likelihoods_are_validated(tmp_path):
    from sipm_helpers import paths
    from sipm_helpers.config.monitoring import load_monitoring_rules
    from sipm_helpers.errors import ParameterError

    text = (paths.parameters_dir() / "monitoring.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "monitoring.yaml"
    bad.write_text(text.replace("red: unlikely}", "red: hopeless}"), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"table\.likelihood: expected one of certain"):
        load_monitoring_rules(bad)


def test_every_cause_category_has_its_words(ctx):
    from sipm_helpers.config.labels import load_labels

    for lang in ("en", "zh"):
        labels = load_labels(lang)
        for code in ctx.monitoring.cause_categories:
            assert labels.t(f"cause_{code}")
    # the agency's table offers the same categories, under the report's Chinese words
    allowed = ctx.specs["monitoring_responses"].columns["cause_category"].allowed
    assert tuple(allowed) == tuple(ctx.monitoring.cause_categories)
    zh = load_labels("zh")
    names = ctx.specs["monitoring_responses"].columns["cause_category"]
    assert all(zh.t(f"cause_{code}") in str(names) for code in allowed)


# --------------------------------------------------------------------------- calibration


def test_the_demo_shows_amber_as_well_as_red(demo, ctx):
    """Songping's residents' premiums forecast at 97.3 % of their budget, a miss beyond the
    2 % tolerance more likely than the 60 % of an amber light but short of red's 85 %, and
    0.9 % of the fund's budgeted income at stake (material at 0.5 %): an amber alert. The
    national pooling adjustment executed to October (about three quarters of the year's
    budget) is left to the year end, no red alert on every province."""
    from sipm_helpers.domain.monitoring import monitor

    r = ctx.monitoring
    songping = monitor(demo, ctx, r, fund="resident_medical", region="930400", year=2026,
                       month=10)  # fmt: skip
    premium = songping.items.set_index("item").loc["premium"]
    assert premium["forecast"] / premium["budget"] == pytest.approx(0.973, abs=1e-3)
    assert r.risk_amber <= premium["p_miss"] < r.risk_red
    assert premium["at_stake"] == pytest.approx(0.0089, abs=2e-4)
    assert premium["at_stake"] > r.materiality
    amber = songping.alerts.loc[songping.alerts["light"] == "amber"]
    assert "premium" in set(amber["item"])
    pension = monitor(demo, ctx, r, fund="enterprise_pension", region="910000", year=2026,
                      month=10)  # fmt: skip
    row = pension.indicators.set_index("indicator").loc["central_adjustment_execution"]
    assert row["basis"] == "year_end" and pd.isna(row["light"])
    assert "central_adjustment_execution" not in set(pension.alerts["item"])


# --------------------------------------------------------------------------- the agency's entries


def with_responses(tmp_path, rows: list[str]):
    """The tiny dataset with ``monitoring_responses.csv`` filled in from `sipm template`'s
    csv file (its header and documentation row kept): the path and the loaded dataset."""
    from builders import write_tiny

    from sipm_helpers.cli import main
    from sipm_helpers.data.validation import load_dataset

    assert main(["template", str(tmp_path / "tpl"), "--format", "csv"]) == 0
    template = (tmp_path / "tpl" / "monitoring_responses.csv").read_text(encoding="utf-8")
    data = write_tiny(tmp_path / "data")
    (data / "monitoring_responses.csv").write_text(
        template + "".join(f"{row}\n" for row in rows), encoding="utf-8"
    )
    return data, load_dataset(data)


def test_the_agencys_entries_come_back_into_the_table(tmp_path, ctx):
    """Beta's collection rate is off course in June 2025: its agency files the cause under
    management problems, with its measure, unit and deadline, in the template's
    monitoring_responses sheet; read back, the table shows them (the agency's unit in place
    of the ledger's), and the report no longer leaves them blank. An entry for a later
    month (September) is not shown in June, and replaces June's from September."""
    from sipm_helpers.present.monitoring_report import MonitoringReport

    _, ds = with_responses(tmp_path, [
        "110200,employee_medical,2025,6,premium_collection_rate,management,欠费企业清理不及时,"
        "开展欠费专项清缴,乙市社会保险经办机构,2025-09-30",
        "110200,employee_medical,2025,9,premium_collection_rate,external,企业经营困难,,,",
    ])  # fmt: skip
    assert ds is not None and len(ds.monitoring_responses) == 2
    beta = monitor_tiny(ds, ctx, 6, region="110200")
    row = beta.table.set_index("indicator").loc["premium_collection_rate"]
    assert (row["cause_category"], row["cause"], row["measure"], row["owner"], row["deadline"]) == (
        "management", "欠费企业清理不及时", "开展欠费专项清缴", "乙市社会保险经办机构", "2025-09-30"
    )  # fmt: skip
    zh = MonitoringReport(beta, ds, ctx, "zh").ministry_table().html
    assert "管理问题" in zh and "开展欠费专项清缴" in zh
    # to September the agency's later answer replaces June's (its measure left blank)
    september = monitor_tiny(ds, ctx, 9, region="110200").table.set_index("indicator")
    row = september.loc["premium_collection_rate"]
    assert (row["cause_category"], row["cause"], row["measure"]) == (
        "external",
        "企业经营困难",
        None,
    )


def test_a_bad_cause_category_is_a_finding_naming_file_row_and_column(tmp_path):
    """A category the table does not know: an error on monitoring_responses.csv, line 3
    (the header and the documentation row above it), column cause_category."""
    from sipm_helpers.data.validation import validate_path
    from sipm_helpers.errors import DataError

    with pytest.raises(DataError):
        with_responses(tmp_path, [
            "110200,employee_medical,2025,6,premium_collection_rate,bad_luck,运气不好,,,",
        ])  # fmt: skip
    _, report = validate_path(tmp_path / "data")
    (bad,) = [f for f in report.findings if f.severity == "error"]
    assert (bad.table, bad.origin, bad.row, bad.column, bad.value) == (
        "monitoring_responses",
        "monitoring_responses.csv",
        3,
        "cause_category",
        "bad_luck",
    )


def test_longtangs_agency_entries_show_in_the_demos_table(demo, ctx):
    """The demo's agency files the cause of Longtang's premium shortfall (external factors),
    its measure, unit and deadline for October 2026 (demo/monitoring_responses.yaml): the
    table shows them, the red collection outlook beside them."""
    from sipm_helpers.domain.monitoring import monitor

    mon = monitor(demo, ctx, ctx.monitoring, fund="employee_medical", region="920400",
                  year=2026, month=10)  # fmt: skip
    row = mon.table.set_index("indicator").loc["premium_collection_rate"]
    assert (row["likelihood"], row["cause_category"]) == ("unlikely", "external")
    assert row["owner"] == "龙塘市医疗保障局" and row["deadline"] == "2026-12-31"
    assert row["measure"].startswith("对欠费企业逐户核查")


def test_a_target_within_the_forecasts_tolerance_is_on_course(tiny, ctx):
    """Alpha with 960 insured of its 1,000 to insure: coverage 96 % against 97 % is 1.0 %
    short, within the 2 % tolerance of the forecasts (monitoring.yaml): green, no alert;
    960 insured against the 1,000 aimed at is 4 % short: still amber, at risk. The surplus,
    pass or fail, keeps no tolerance (test_red_outlooks_and_a_forecast_deficit_are_alerts)."""
    s = tiny.statistics
    hit = (s["region_code"] == "110100") & (s["stat"] == "insured")
    ds = replace(tiny, statistics=s.assign(value=s["value"].where(~hit, 960.0)))
    mon = monitor_tiny(ds, ctx, 6)
    lights = mon.indicators.set_index("indicator")["light"]
    assert (lights["coverage_rate"], lights["insured_persons"]) == ("green", "amber")
    targets = mon.alerts.loc[mon.alerts["kind"] == "target", "item"]
    assert "coverage_rate" not in set(targets) and "insured_persons" in set(targets)
