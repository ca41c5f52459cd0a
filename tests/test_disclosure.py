"""The disclosure to the people's congress and the public (Art. 21), by hand on the tiny
dataset: Testshire (110000) coordinates the employees' medical fund in Alpha (110100) and
Beta City (110200), and the work-injury fund itself; Testland (000000) is the country.

2025's initial budget (builders.py): employees' medical, per city, premium 1,200 and
interest 12 (income 1,212), benefits 1,080, the year opening at 662 and closing at 824;
work injury premium 480, benefits 360, opening 420, closing 540. Executed in 2025: 101 in
and 90 out a month per city (1,212 and 1,080 a year), ending at 764; work injury 40 and 30
a month, ending at 540. Adjusted budget: premium 1,250, benefits 1,100."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import tiny_tables

from sipm_helpers.config.disclosure import DisclosureRules, load_disclosure_rules
from sipm_helpers.config.labels import load_labels
from sipm_helpers.domain.disclosure import disclose, disclosure_result, read_part
from sipm_helpers.errors import ParameterError, SipmError
from sipm_helpers.paths import parameters_dir
from sipm_helpers.present.disclosure_report import DisclosureReport
from sipm_helpers.stages import provincial_evaluation

EM, WI = "employee_medical", "work_injury"
AS_OF = datetime.date(2026, 7, 31)


@pytest.fixture(scope="module")
def rules() -> DisclosureRules:
    return load_disclosure_rules()


@pytest.fixture(scope="module")
def evaluations(tiny_dir: Path) -> list[dict]:
    """Stage 04's results of 2025 for Testshire's two funds, as the batch writes them."""
    return [
        provincial_evaluation.run(fund=f, province="110000", year=2025, data=str(tiny_dir)).result()
        for f in (EM, WI)
    ]


def made(tiny, ctx, rules, results, region="110000", as_of=AS_OF, **kw):
    return disclose(tiny, ctx, rules, region=region, year=2025, budget_year=2025,
                    results=results, as_of=as_of, **kw)  # fmt: skip


def result(fund: str, regions: list[tuple[str, str, float | None]], problems=()) -> dict:
    """A provincial evaluation's result of 2025 by hand: (region, status, evaluated total)."""
    return {
        "fund": fund, "province": "110000", "year": 2025,
        "regions": [{"region_code": r, "status": s, "evaluated_total": t, "prepared_by": "x"}
                    for r, s, t in regions],
        "problems": [{"region_code": r, "problem": p, "indicator": i, "comment": "内部意见"}
                     for r, p, i in problems],
    }  # fmt: skip


@pytest.mark.parametrize("region", ["110000", "000000"])
def test_the_targets_table_carries_the_initial_budget_summed_over_the_regions(
    tiny, ctx, rules, region
):
    b = made(tiny, ctx, rules, [], region).budget.set_index("fund")
    assert b.loc[EM].to_dict() == {
        "income": 2 * 1212.0, "expenditure": 2 * 1080.0, "surplus": 2 * 132.0,
        "balance_start": 2 * 662.0, "balance_end": 2 * 824.0,
    }  # fmt: skip
    assert b.loc[WI].to_dict() == {
        "income": 480.0, "expenditure": 360.0, "surplus": 120.0,
        "balance_start": 420.0, "balance_end": 540.0,
    }  # fmt: skip


def test_the_results_table_sets_the_execution_against_the_adjusted_budget(tiny, ctx, rules):
    a = made(tiny, ctx, rules, []).accounts.set_index("fund")
    em = a.loc[EM]
    assert (em["budget_income"], em["income"]) == (2 * 1262.0, 2 * 1212.0)
    assert (em["budget_expenditure"], em["expenditure"]) == (2 * 1100.0, 2 * 1080.0)
    assert em["balance_end"] == 2 * 764.0 and em["months"] == 12
    assert em["income_rate"] == pytest.approx(2424 / 2524)
    assert a.loc[WI, "income_rate"] == 1.0 and a.loc[WI, "balance_end"] == 540.0


def _by_hand(tables: dict[str, pd.DataFrame], ctx, regions: set[str], year: int) -> dict:
    """Each fund's figures recomputed row by row from the tables as written, without the
    domain's code: budget (initial, adjusted) and execution (flows, last closing balance)."""
    kind = {code: item.kind for code, item in ctx.registry.line_items.items()}
    out: dict = {}
    for r in tables["budget"].itertuples():
        if r.region_code in regions and r.year == year:
            f = out.setdefault(r.fund, dict.fromkeys(
                ["initial_income", "initial_expenditure", "initial_balance_end",
                 "adjusted_income", "income", "expenditure", "balance_end"], 0.0))  # fmt: skip
            bucket = "balance_end" if r.item == "balance_end" else kind[r.item]
            if bucket in ("income", "expenditure", "balance_end"):
                f[f"initial_{bucket}"] += r.initial
            if bucket == "income":
                f["adjusted_income"] += r.adjusted
    last = (
        tables["execution"].query("year == @year").groupby(["region_code", "fund"])["month"].max()
    )
    for r in tables["execution"].itertuples():
        if r.region_code in regions and r.year == year:
            f = out[r.fund]
            if r.item == "balance_end" and r.month == last[(r.region_code, r.fund)]:
                f["balance_end"] += r.amount
            elif kind[r.item] in ("income", "expenditure"):
                f[kind[r.item]] += r.amount
    return out


@pytest.mark.parametrize("region", ["110000", "000000"])
def test_every_figure_is_the_one_the_budget_and_execution_tables_give(tiny, ctx, rules, region):
    d = made(tiny, ctx, rules, [], region)
    expected = _by_hand(tiny_tables(), ctx, {"110000", "110100", "110200"}, 2025)
    b, a = d.budget.set_index("fund"), d.accounts.set_index("fund")
    assert set(b.index) == set(a.index) == set(expected) == {EM, WI}
    for fund, e in expected.items():
        assert b.loc[fund, "income"] == pytest.approx(e["initial_income"])
        assert b.loc[fund, "expenditure"] == pytest.approx(e["initial_expenditure"])
        assert b.loc[fund, "balance_end"] == pytest.approx(e["initial_balance_end"])
        assert a.loc[fund, "budget_income"] == pytest.approx(e["adjusted_income"])
        for column in ("income", "expenditure", "balance_end"):
            assert a.loc[fund, column] == pytest.approx(e[column]), (fund, column)


def test_a_province_publishes_its_own_targets_and_the_country_the_centres(tiny, ctx, rules):
    p = made(tiny, ctx, rules, []).targets
    assert p[["fund", "indicator", "target"]].values.tolist() == [
        [EM, "coverage_rate", 0.97], [WI, "insured_persons", 500.0]
    ]  # fmt: skip
    assert p[["category", "group"]].values.tolist() == [["output", "quantity"]] * 2
    c = made(tiny, ctx, rules, [], "000000").targets
    assert c[["indicator", "target"]].values.tolist() == [
        ["coverage_rate", 0.95], ["inpatient_reimbursement_ratio", 0.80]
    ]  # fmt: skip


def test_the_regions_own_target_comes_first_and_overall_targets_follow_the_annual(tiny, ctx, rules):
    extra = pd.DataFrame(
        [("110000", EM, "coverage_rate", "annual", 2025, 2025, 0.975, "region", "plan"),
         ("110000", EM, "coverage_rate", "overall", 2021, 2025, 0.96, "region", "plan"),
         ("110000", EM, "coverage_rate", "overall", 2026, 2030, 0.99, "region", "plan")],
        columns=tiny.targets.columns,
    ).astype(tiny.targets.dtypes.to_dict())  # fmt: skip
    ds = dataclasses.replace(tiny, targets=pd.concat([tiny.targets, extra], ignore_index=True))
    t = made(ds, ctx, rules, []).targets
    em = t.loc[t["fund"] == EM]
    assert em[["period", "start_year", "end_year", "target"]].values.tolist() == [
        ["annual", 2025, 2025, 0.975], ["overall", 2021, 2025, 0.96]
    ]  # fmt: skip


def test_a_funds_score_is_the_mean_of_its_regions_evaluated_scores(tiny, ctx, rules):
    results = [result(EM, [("110100", "evaluated", 91.25), ("110200", "evaluated", 80.0)]),
               result(WI, [("110000", "missing", None)])]  # fmt: skip
    d = made(tiny, ctx, rules, results)
    f = d.fund_scores.set_index("fund")
    assert f.loc[EM, ["regions", "evaluated", "total", "grade"]].tolist() == [2, 2, 85.6, "good"]
    assert f.loc[WI, "evaluated"] == 0 and pd.isna(f.loc[WI, "total"])
    units = d.scores.set_index("unit")
    assert units.loc["110100", "grade"] == "excellent" and units.loc["110200", "total"] == 80.0
    country = made(tiny, ctx, rules, results, "000000").scores.set_index(["fund", "unit"])
    assert country.loc[(EM, "110000"), "total"] == 85.6


def test_results_of_another_province_or_year_are_left_out(tiny, ctx, rules):
    other = {**result(EM, [("110100", "evaluated", 50.0)]), "province": "120000"}
    old = {**result(EM, [("110100", "evaluated", 50.0)]), "year": 2024}
    d = made(tiny, ctx, rules, [other, old])
    assert d.fund_scores["total"].isna().all()


def test_problems_are_counted_by_region_and_items_by_state_on_the_date(tiny, ctx, rules):
    problems = [("110100", "late_report", None), ("110200", "late_report", None),
                ("110200", "missed_target", "coverage_rate")]  # fmt: skip
    d = made(tiny, ctx, rules, [result(EM, [("110100", "evaluated", 90.0)], problems)])
    assert d.problems[["problem", "indicator", "regions"]].values.tolist() == [
        ["late_report", "", 2], ["missed_target", "coverage_rate", 1]
    ]  # fmt: skip
    # R2024-1 closed on 10 May 2025; R2025-1 open, due 30 June 2026
    r = d.rectification.set_index("fund")
    assert r.loc[EM].tolist() == [1, 0, 1] and r.loc[WI].tolist() == [0, 0, 0]
    before = made(tiny, ctx, rules, [], as_of=datetime.date(2026, 6, 1)).rectification
    assert before.set_index("fund").loc[EM].tolist() == [1, 1, 0]


def test_a_field_the_disclosure_withholds_is_never_read(rules):
    read = dataclasses.replace(rules.results[0], where="regions", name="evaluated_total")
    clash = dataclasses.replace(rules, results=(*rules.results, read))
    with pytest.raises(SipmError, match="evaluated_total"):
        read_part([result(EM, [("110100", "evaluated", 90.0)])], "regions", clash)


def _rewritten(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load((parameters_dir() / "disclosure.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "disclosure.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["tables"][0].update(table="reviews"), "unknown"),
        (lambda r: r["tables"][0].update(column="remark"), "no column"),
        (lambda r: r["tables"][0]["source"].pop("zh"), "zh"),
        (lambda r: r["tables"].append(copy.deepcopy(r["tables"][0])), "twice"),
        (lambda r: r["results"][0].update(part="summary"), "unknown"),
        (lambda r: r.update(tables=[]), "non-empty"),
    ],
)
def test_the_withheld_declaration_is_validated_on_load(tmp_path, change, message):
    with pytest.raises(ParameterError, match=message):
        load_disclosure_rules(_rewritten(tmp_path, change))


def _withheld_values(rules: DisclosureRules, evaluations: list[dict]) -> set[str]:
    tables = tiny_tables()
    values = {
        str(v) for w in rules.tables if w.where in tables
        for v in tables[w.where][w.name].dropna()
    }  # fmt: skip
    values |= {
        str(row[w.name]) for w in rules.results for r in evaluations
        for row in r.get(w.where, []) if isinstance(row.get(w.name), str) and row[w.name]
    }  # fmt: skip
    return values


@pytest.mark.parametrize("region", ["110000", "000000"])
def test_no_withheld_value_appears_in_any_disclosure_page_or_file(
    tiny, ctx, rules, evaluations, region
):
    values = _withheld_values(rules, evaluations)
    # what the test looks for is there to be found: owners, comments, who prepared reports
    assert {"甲市社会保险经办机构", "抽查发现问题未整改", "乙市医疗保障局"} <= values
    d = made(tiny, ctx, rules, evaluations, region)
    published = [json.dumps(disclosure_result(d), ensure_ascii=False)]
    for lang in ("zh", "en"):
        report = DisclosureReport(d, tiny, ctx, rules, lang)
        published += [s.html for s in report.sections()]
    text = "\n".join(published)
    assert [v for v in values if v in text] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_show_formatted_figures_and_no_missing_markers(
    tiny, ctx, rules, evaluations, lang
):
    only_medical = [r for r in evaluations if r["fund"] == EM]
    report = DisclosureReport(made(tiny, ctx, rules, only_medical), tiny, ctx, rules, lang)
    html = "".join(s.html for s in report.sections())
    text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert not re.search(r"&lt;NA&gt;|<NA>|\bnan\b|\bNone\b|NaT", text)
    assert "2,424.0" in text and "2,904.0" in text  # the medical fund's and the total income
    # the results table's total: adjusted budgets 2,524 + 480 and 2,200 + 360
    assert "3,004.0" in text and "2,560.0" in text and "98.4%" in text
    assert ("未评价" if lang == "zh" else "Not evaluated") in text  # work injury
    assert text.count("<svg") == 0 and html.count("<svg") == 2  # two charts, both drawn
    assert ("年度目标（2025年）" if lang == "zh" else "annual targets (2025)") in text


def test_every_problem_an_evaluation_names_has_plain_words_for_the_public():
    for lang in ("zh", "en"):
        texts = load_labels(lang).texts
        codes = {k.removeprefix("common_") for k in texts if k.startswith("common_")}
        assert len(codes) >= 10
        assert sorted(c for c in codes if f"dis_problem_{c}" not in texts) == [], lang


def test_the_countrys_disclosure_waits_for_every_provinces_evaluations(demo):
    from sipm_helpers.batch.plan import dependencies, plan_jobs

    jobs = plan_jobs(demo, {"provincial_evaluation": 2025, "disclosure": 2025})
    waits = dependencies(jobs, demo)
    evaluations = {j.job_id: j for j in jobs if j.stage == "provincial_evaluation"}
    disclosures = {j.region: j for j in jobs if j.stage == "disclosure"}
    assert set(disclosures) == {"910000", "920000", "930000", "000000"}
    country = {evaluations[w].region for w in waits[disclosures["000000"].job_id]}
    # and for the evaluation of the centre's own pool (Art. 23), which only the country's
    # disclosure carries
    assert country == {"910000", "920000", "930000", "100000"}
    mine = [evaluations[w] for w in waits[disclosures["920000"].job_id]]
    assert {j.region for j in mine} == {"920000"} and len(mine) == 7  # its seven funds


def _rows(html: str) -> list[list[str]]:
    """Each row of the HTML's tables as the texts of its cells."""
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row) for row in re.findall(r"<tr.*?</tr>", html)
    ]


def test_an_indicator_level_is_named_where_it_changes_as_merged_cells_read(tiny, ctx, rules):
    extra = pd.DataFrame(
        [("110000", EM, "insured_persons", "annual", 2025, 2025, 1900, "region", "plan"),
         ("110000", EM, "benefits_paid_on_time", "annual", 2025, 2025, 1.0, "region", "plan")],
        columns=tiny.targets.columns,
    ).astype(tiny.targets.dtypes.to_dict())  # fmt: skip
    ds = dataclasses.replace(tiny, targets=pd.concat([tiny.targets, extra], ignore_index=True))
    html = DisclosureReport(made(ds, ctx, rules, []), ds, ctx, rules, "zh").targets().html
    rows = [r for r in _rows(html) if len(r) == 4][1:]  # the header left out
    # the catalogue's order: coverage and insured persons (output, quantity), then
    # benefits paid on time (output, timeliness)
    assert rows[:3] == [
        ["产出", "数量指标", "参保率", "97.0%"],
        ["", "", "参保人数", "1,900人"],
        ["", "时效指标", "待遇按时足额发放率", "100.0%"],
    ]
    assert "职工基本医疗保险基金（含生育保险）：年度目标（2025年）" in html


def test_only_the_main_problems_are_named_the_rest_counted(tiny, ctx, rules):
    codes = ["late_report", "self_evaluation_gap", "solvency_fails", "ledger_rate",
             "ledger_overdue", "prepared_by_agency_alone", "self_evaluation_missing"]  # fmt: skip
    problems = [("110100", c, None) for c in codes] + [("110200", "ledger_overdue", None)]
    d = made(tiny, ctx, rules, [result(EM, [("110100", "evaluated", 90.0)], problems)])
    few = dataclasses.replace(rules, main_problems=3)
    html = DisclosureReport(d, tiny, ctx, few, "zh").problems().html
    items = re.findall(r"<li>(.*?)</li>", html)
    assert items[0] == "审计、监督检查及以往绩效评价发现的问题未按期整改（涉及2个统筹地区）"
    assert len(items) == 3 and "此外，还发现其他问题4项。" in html


def test_the_number_of_main_problems_is_validated(tmp_path):
    with pytest.raises(ParameterError, match="main_problems"):
        load_disclosure_rules(_rewritten(tmp_path, lambda r: r.update(main_problems=0)))


def test_the_countrys_disclosure_is_made_for_the_ministry_of_finance(demo, ctx):
    from sipm_helpers.batch.plan import Job
    from sipm_helpers.render.cover import make_cover

    for region, client, number in (("000000", "财政部", "财社绩公〔2026〕000000号"),
                                   ("920000", "西岭省财政厅", "财社绩公〔2026〕920000号")):  # fmt: skip
        cover = make_cover(Job("disclosure", "all", region, "x", 2025, "zh", ""),
                           load_labels("zh"), demo, ctx)  # fmt: skip
        facts = dict(cover.facts)
        assert (facts["委托单位"], cover.number, cover.date) == (client, number, "2026年7月31日")
    en = make_cover(Job("disclosure", "all", "000000", "x", 2025, "en", ""), load_labels("en"),
                    demo, ctx)  # fmt: skip
    assert dict(en.facts)["Commissioned by"] == "Ministry of Finance"


def _demo_withheld(rules: DisclosureRules) -> set[str]:
    from sipm_helpers.paths import PACKAGE_DIR

    values: set[str] = set()
    for w in rules.tables:
        path = PACKAGE_DIR / "demo_data" / f"{w.where}.csv"
        if path.exists():
            values |= set(pd.read_csv(path, dtype=str)[w.name].dropna())
    return values


@pytest.mark.parametrize("region", ["000000", "920000"])
def test_no_withheld_value_of_the_demo_appears_in_its_disclosure(demo, ctx, rules, region):
    """Every problem the evaluations can name, worded, and every table of the demo's
    disclosure: none carries a value the demo's withheld columns hold (an owner, a note)."""
    values = _demo_withheld(rules)
    assert len(values) > 50  # owners, evidence, reasons, monitoring notes, preparers
    codes = sorted(k.removeprefix("dis_problem_") for k in load_labels("en").texts
                   if k.startswith("dis_problem_") and k != "dis_problem_regions")  # fmt: skip
    c = demo.coordination
    results = [
        {"fund": f, "province": p, "year": 2025,
         "regions": [{"region_code": r, "status": "evaluated", "evaluated_total": 80.0}],
         "problems": [{"region_code": r, "problem": code, "indicator": "coverage_rate"}
                      for code in codes]}
        for r, f, p in c[["region_code", "fund", "province_code"]].itertuples(index=False)
    ]  # fmt: skip
    every = dataclasses.replace(rules, main_problems=len(codes))  # every problem worded
    d = disclose(demo, ctx, every, region=region, year=2025, budget_year=2026,
                 results=results, as_of=AS_OF)  # fmt: skip
    texts = [json.dumps(disclosure_result(d), ensure_ascii=False)]
    for lang in ("zh", "en"):
        texts += [s.html for s in DisclosureReport(d, demo, ctx, every, lang).sections()]
    text = unescape("\n".join(texts))
    assert len(d.problems) >= len(codes)
    assert sorted(v for v in values if v in text) == []
