"""A tiny, hand-computable dataset for unit tests.

Country 000000 → province 110000 → prefectures 110100 and 110200.
employee_medical is pooled by prefecture (110100, 110200), work_injury by province
(110000). Years 2024 and 2025, every month:

employee_medical: premium 100, interest 1 (income 101); benefits 90 → net +11 a month;
balance 500 at the start of 2024, 632 at its end, 764 at the end of 2025.
Budget (both years): premium initial 1,200 adjusted 1,250; interest 12; benefits initial
1,080 adjusted 1,100.
Statistics: premiums_assessed 105, benefits_due 90, benefits_paid_on_time 90,
inpatient_policy_costs 50, inpatient_fund_paid 42 a month; insured 950 of 1,000; one
audit finding a month, all rectified but December 2025's in 110100.

work_injury: premium 40, benefits 30; balance 300 at the start of 2024; prevention
spending 0.8 and a reserve fund of 50 a month.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import write_dataset

MED = ("110100", "110200")
YEARS = (2024, 2025)


# fmt: off
def _monthly(region: str, fund: str, flows: dict[str, float], start: float, years=YEARS) -> list[dict]:
    rows = []
    balance = start
    for year in years:
        rows.append({"region_code": region, "fund": fund, "year": year, "month": 1, "item": "balance_start", "amount": balance})
        for month in range(1, 13):
            for item, amount in flows.items():
                rows.append({"region_code": region, "fund": fund, "year": year, "month": month, "item": item, "amount": amount})
            balance += sum(a if item != "benefits" else -a for item, a in flows.items())
            rows.append({"region_code": region, "fund": fund, "year": year, "month": month, "item": "balance_end", "amount": balance})
    return rows


def tiny_tables() -> dict[str, pd.DataFrame]:
    """The tiny dataset as DataFrames, ready for write_dataset."""
    regions = pd.DataFrame(
        [
            ("000000", "测试国", "Testland", "country", None),
            ("110000", "测试省", "Testshire", "province", "000000"),
            ("110100", "甲市", "Alpha City", "prefecture", "110000"),
            ("110200", "乙市", "Beta City", "prefecture", "110000"),
        ],
        columns=["region_code", "name_zh", "name_en", "level", "parent_code"],
    )
    pooling = pd.DataFrame(
        [("110000", "employee_medical", "prefecture"), ("110000", "work_injury", "province")],
        columns=["province_code", "fund", "pooling_level"],
    )
    execution, budget, statistics = [], [], []
    for region in MED:
        execution += _monthly(region, "employee_medical", {"premium": 100.0, "interest": 1.0, "benefits": 90.0}, 500.0)
    execution += _monthly("110000", "work_injury", {"premium": 40.0, "benefits": 30.0}, 300.0)
    for region, fund, start, lines in [
        *[(r, "employee_medical", 500.0, {"premium": (1200, 1250), "interest": (12, 12), "benefits": (1080, 1100)}) for r in MED],
        ("110000", "work_injury", 300.0, {"premium": (480, 480), "benefits": (360, 360)}),
    ]:
        for i, year in enumerate(YEARS):
            opening = start + i * (1262 - 1100 if fund == "employee_medical" else 120)
            closing = opening + sum(adj if item != "benefits" else -adj for item, (_, adj) in lines.items())
            for item, (initial, adjusted) in lines.items():
                budget.append({"region_code": region, "fund": fund, "year": year, "item": item, "initial": initial, "adjusted": adjusted})
            budget.append({"region_code": region, "fund": fund, "year": year, "item": "balance_start", "initial": opening, "adjusted": opening})
            budget.append({"region_code": region, "fund": fund, "year": year, "item": "balance_end", "initial": closing, "adjusted": closing})
    med_stats = {
        "premiums_assessed": 105, "benefits_due": 90, "benefits_paid_on_time": 90,
        "inpatient_policy_costs": 50, "inpatient_fund_paid": 42, "insured": 950, "target_population": 1000,
        "contributors": 900, "beneficiaries": 30,
    }
    wi_stats = {"premiums_assessed": 40, "benefits_due": 30, "benefits_paid_on_time": 30, "insured": 500,
                "target_population": 520, "injury_determinations": 10, "injury_determinations_on_time": 9}
    for region, fund, stats in [*[(r, "employee_medical", med_stats) for r in MED], ("110000", "work_injury", wi_stats)]:
        for year in YEARS:
            for month in range(1, 13):
                for stat, value in stats.items():
                    statistics.append({"region_code": region, "fund": fund, "year": year, "month": month, "stat": stat, "value": value})
    # Statistics of the full indicator system, appended after the rest so that row numbers
    # quoted by the bad-input corpus stay put: one audit finding a month, all rectified but
    # December 2025's in 110100 (11 of 12); work injury: prevention 0.8 and reserve 50 a
    # month (2 % of premiums; 50 ÷ 360 of the year's expenditure), no findings.
    later = {"audit_findings": 1, "audit_findings_rectified": 1}
    wi_later = {"prevention_spending": 0.8, "reserve_fund": 50, "audit_findings": 0, "audit_findings_rectified": 0}
    for region, fund, stats in [*[(r, "employee_medical", later) for r in MED], ("110000", "work_injury", wi_later)]:
        for year in YEARS:
            for month in range(1, 13):
                for stat, value in stats.items():
                    unrectified = (region, year, month, stat) == ("110100", 2025, 12, "audit_findings_rectified")
                    statistics.append({"region_code": region, "fund": fund, "year": year, "month": month, "stat": stat, "value": 0 if unrectified else value})
    # Cross-province inpatient cases (employees' medical), appended last for the same reason:
    # 10 a month in each region, settled directly 8 in Alpha (96 of 120: 80 %) and 9 in
    # Beta (108 of 120: 90 %), both above the national 70 %.
    for region, settled in (("110100", 8), ("110200", 9)):
        for year in YEARS:
            for month in range(1, 13):
                for stat, value in (("cross_province_cases", 10), ("cross_province_settled", settled)):
                    statistics.append({"region_code": region, "fund": "employee_medical", "year": year, "month": month, "stat": stat, "value": value})
    # Satisfaction surveys of 2025 (employees' medical), appended last for the same reason,
    # each reported in the month it closed: Alpha asked 220 in November, 200 answered
    # validly, 184 satisfied or fairly satisfied (92 % ≥ the 90 % target: 6 of 6 points);
    # Beta asked 120 in December, 100 valid, 95 satisfied (95 %, but 100 valid responses
    # are fewer than the 139 required: not assessed). Work injury made no survey.
    for region, month, counts in (("110100", 11, (220, 200, 184)), ("110200", 12, (120, 100, 95))):
        for stat, value in zip(("survey_surveyed", "survey_valid", "survey_satisfied"), counts, strict=True):
            statistics.append({"region_code": region, "fund": "employee_medical", "year": 2025, "month": month, "stat": stat, "value": value})
    # The parts of Caishe [2022] No. 65's catalogues added since (issue 20), appended last for
    # the same reason. Employees' medical, a month in each region, every target met:
    # maternity allowance due 6, all paid on time; DRG/DIP payments 35 of the 42 inpatient
    # fund payments (83.3 %, above the 70 % of Yibaofa [2021] No. 48); misused funds found
    # 2, all recovered. Work injury: 10 work-capacity appraisals a month, 9 within the
    # statutory time (90 %, short of the 98 % aimed at, as the injury determinations).
    for region in MED:
        parts = {"maternity_allowance_due": 6, "maternity_allowance_paid_on_time": 6, "drg_dip_fund_paid": 35,
                 "misused_funds_found": 2, "misused_funds_recovered": 2}
        for year in YEARS:
            for month in range(1, 13):
                for stat, value in parts.items():
                    statistics.append({"region_code": region, "fund": "employee_medical", "year": year, "month": month, "stat": stat, "value": value})
    for year in YEARS:
        for month in range(1, 13):
            for stat, value in (("capacity_appraisals", 10), ("capacity_appraisals_on_time", 9)):
                statistics.append({"region_code": "110000", "fund": "work_injury", "year": year, "month": month, "stat": stat, "value": value})
    targets = pd.DataFrame(
        [
            ("110100", "employee_medical", "premium_collection_rate", "annual", 2025, 2025, 0.98, "region", "plan"),
            ("110100", "employee_medical", "insured_persons", "annual", 2025, 2025, 1000, "region", "plan"),
            ("110000", "employee_medical", "coverage_rate", "annual", 2025, 2025, 0.97, "province", "plan"),
            ("000000", "employee_medical", "coverage_rate", "annual", 2025, 2025, 0.95, "central", "policy"),
            ("000000", "employee_medical", "inpatient_reimbursement_ratio", "annual", 2025, 2025, 0.80, "central", "policy"),
            ("110100", "employee_medical", "coverage_rate", "overall", 2021, 2025, 0.96, "region", "plan"),
            ("110000", "work_injury", "insured_persons", "annual", 2025, 2025, 500, "region", "history"),
        ],
        columns=["region_code", "fund", "indicator", "period", "start_year", "end_year", "target", "level", "benchmark"],
    )
    qualitative = pd.DataFrame(
        [
            ("110100", "employee_medical", 2025, "target_setting_quality", "achieved", None, "目标已分解下达"),
            ("110100", "employee_medical", 2025, "fund_management_compliance", "partly", 0.6, "审计发现问题部分整改"),
            ("110100", "employee_medical", 2025, "policy_implementation", "achieved", None, "政策按时落实"),
            ("110100", "employee_medical", 2025, "risk_prevention", "achieved", 0.85, "内控制度健全"),
            ("110100", "employee_medical", 2025, "policy_refinement", "achieved", None, "实施细则已修订"),
            ("110100", "employee_medical", 2025, "budget_preparation_basis", "achieved", None, "附收支测算"),
        ],
        columns=["region_code", "fund", "year", "indicator", "grade", "share", "evidence"],
    )
    explanations = pd.DataFrame(
        [("110100", "employee_medical", 2025, "premium_collection_rate", "企业欠费", "加强征缴")],
        columns=["region_code", "fund", "year", "indicator", "reason", "improvement_measure"],
    )
    # The evaluator's records: one grade adjusted, three reports (one in June; Beta's and the
    # province's prepared by the agency alone, Art. 17), two problems.
    review = pd.DataFrame(
        [("110100", "employee_medical", 2025, "fund_management_compliance", "adjusted_grade", None, "not_achieved", "site_visit", "抽查发现问题未整改")],
        columns=["region_code", "fund", "year", "indicator", "finding", "actual", "grade", "basis", "comment"],
    )
    submissions = pd.DataFrame(
        [
            ("110100", "employee_medical", 2025, "2026-05-20", "甲市财政局会同医疗保障局"),
            ("110200", "employee_medical", 2025, "2026-06-05", "乙市医疗保障局"),
            ("110000", "work_injury", 2025, "2026-05-28", "测试省社会保险经办机构"),
        ],
        columns=["region_code", "fund", "year", "received", "prepared_by"],
    )
    rectification = pd.DataFrame(
        [
            ("R2024-1", "110100", "employee_medical", 2024, "audit", None, "基金收入未及时缴入财政专户", "甲市社会保险经办机构", "2025-06-30", "done", "2025-05-10", "缴库凭证"),
            ("R2025-1", "110200", "employee_medical", 2025, "evaluation", "premium_collection_rate", "征缴率低于目标", "乙市医疗保障局", "2026-06-30", "open", None, None),
        ],
        columns=["item_id", "region_code", "fund", "year", "source", "indicator", "problem", "owner", "deadline", "status", "closed", "evidence"],
    )
    return {
        "regions": regions,
        "pooling": pooling,
        "budget": pd.DataFrame(budget),
        "execution": pd.DataFrame(execution),
        "statistics": pd.DataFrame(statistics),
        "targets": targets,
        "qualitative": qualitative,
        "explanations": explanations,
        "review": review,
        "submissions": submissions,
        "rectification": rectification,
    }


# fmt: on


def write_tiny(out: Path, fmt: str = "csv", tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the tiny dataset (or ``tables``) to ``out`` in ``fmt``."""
    return write_dataset(tables if tables is not None else tiny_tables(), out, fmt)


MED_FUND = "employee_medical"


def annual_dataset(
    tiny: Dataset,
    series: dict[str, tuple[float, list[float], list[float]]],
    first_year: int = 2019,
    premium_share: float = 1.0,
) -> Dataset:
    """``tiny`` with employee_medical execution replaced: per region, (opening balance,
    yearly income, yearly expenditure), spread evenly over the months; income is premium
    (``premium_share``) and interest, expenditure benefits."""
    rows = []
    for region, (opening, income, spent) in series.items():
        balance = opening
        for k, (inc, exp) in enumerate(zip(income, spent, strict=True)):
            year = first_year + k
            rows.append((region, MED_FUND, year, 1, "balance_start", balance))
            for month in range(1, 13):
                rows.append((region, MED_FUND, year, month, "premium", inc * premium_share / 12))
                if premium_share < 1:
                    rows.append(
                        (region, MED_FUND, year, month, "interest", inc * (1 - premium_share) / 12)
                    )
                rows.append((region, MED_FUND, year, month, "benefits", exp / 12))
                balance += (inc - exp) / 12
                rows.append((region, MED_FUND, year, month, "balance_end", balance))
    execution = pd.DataFrame(
        rows, columns=["region_code", "fund", "year", "month", "item", "amount"]
    )
    execution = execution.astype({"year": "int64", "month": "int64"})
    kept = tiny.execution.loc[tiny.execution["fund"] != MED_FUND]
    coordination = tiny.coordination.loc[
        (tiny.coordination["fund"] != MED_FUND)
        | tiny.coordination["region_code"].isin(list(series))
    ]
    return Dataset(
        **{
            **tiny.__dict__,
            "execution": pd.concat([kept, execution], ignore_index=True),
            "statistics": tiny.statistics.iloc[:0],
            "coordination": coordination,
        }
    )


def with_pooled_fund(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``tables`` with 110100's employee medical fund split in 2025: of its 101 income and
    90 expenditure a month, the pooled fund takes 70 and 60; its balance grows from 290 in
    January to 400 in December (the personal accounts hold the rest of the 764)."""
    rows = [
        {"region_code": "110100", "fund": MED_FUND, "year": 2025, "month": m, "stat": stat, "value": value}
        for m in range(1, 13)
        for stat, value in (
            ("pooled_fund_income", 70.0),
            ("pooled_fund_expenditure", 60.0),
            ("pooled_fund_balance", 280.0 + 10 * m),
        )
    ]  # fmt: skip
    return {**tables, "statistics": pd.concat([tables["statistics"], pd.DataFrame(rows)])}


CENTRE = "100000"  # the centre's own pool (level central) in with_central_fund
PUBLIC = "public_pension"


def with_central_fund(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``tables`` with the centre's own pool, 100000 中央国家机关 (level central, under the
    country), pooling the public pension at country level (Art. 23). Every month of 2024
    and 2025: premium 200 and fiscal subsidy 50 (income 250), benefits 230 → +20; balance
    2,000 at the start of 2024, 2,240 at its end, 2,480 at the end of 2025. Budget (both
    years): premium 2,400, subsidy 600, benefits 2,760. Statistics a month: insured 1,000
    of 1,000 required, contributors 600, retirees 400, premiums assessed 205 (collection
    200 ÷ 205), benefits due and paid on time 230. Its annual target of insured persons
    for 2025 is 1,000; its 2025 self-evaluation was received on 25 May 2026."""
    region = pd.DataFrame(
        [(CENTRE, "中央国家机关", "Central state organs", "central", "000000")],
        columns=tables["regions"].columns,
    )
    pooling = pd.DataFrame([(CENTRE, PUBLIC, "country")], columns=tables["pooling"].columns)
    flows = {"premium": 200.0, "fiscal_subsidy": 50.0, "benefits": 230.0}
    execution = pd.DataFrame(_monthly(CENTRE, PUBLIC, flows, 2000.0))
    lines = {"premium": 2400.0, "fiscal_subsidy": 600.0, "benefits": 2760.0}
    budget = [
        {"region_code": CENTRE, "fund": PUBLIC, "year": year, "item": item, "initial": amount, "adjusted": amount}
        for year, opening in zip(YEARS, (2000.0, 2240.0), strict=True)
        for item, amount in (*lines.items(), ("balance_start", opening), ("balance_end", opening + 240.0))
    ]  # fmt: skip
    stats = {"insured": 1000, "target_population": 1000, "contributors": 600, "retirees": 400,
             "premiums_assessed": 205, "benefits_due": 230, "benefits_paid_on_time": 230}  # fmt: skip
    statistics = [
        {"region_code": CENTRE, "fund": PUBLIC, "year": y, "month": m, "stat": k, "value": v}
        for y in YEARS for m in range(1, 13) for k, v in stats.items()
    ]  # fmt: skip
    target = [(CENTRE, PUBLIC, "insured_persons", "annual", 2025, 2025, 1000, "region", "plan")]
    submission = [(CENTRE, PUBLIC, 2025, "2026-05-25", "中央国家机关养老保险管理中心")]

    def added(name: str, new) -> pd.DataFrame:
        frame = tables[name]
        extra = new if isinstance(new, pd.DataFrame) else pd.DataFrame(new, columns=frame.columns)
        return pd.concat([frame, extra[list(frame.columns)]], ignore_index=True)

    return {
        **tables,
        "regions": added("regions", region),
        "pooling": added("pooling", pooling),
        "execution": added("execution", execution),
        "budget": added("budget", pd.DataFrame(budget)),
        "statistics": added("statistics", pd.DataFrame(statistics)),
        "targets": added("targets", target),
        "submissions": added("submissions", submission),
    }


def fake_run(jobs, out: Path):
    """A batch's output folder as the runner leaves it, made by hand (no kernel): each
    job's executed notebook (one markdown cell), structured result (a graded stage's
    summary) and companion files, recorded ok in the manifest; returns the manifest."""
    import json

    import nbformat

    from sipm_helpers.batch.manifest import OK, JobRecord, Manifest

    manifest = Manifest(out / "manifest.json")
    for job in jobs:
        notebook, result = job.executed_path(out), job.result_path(out)
        notebook.parent.mkdir(parents=True, exist_ok=True)
        cell = nbformat.v4.new_markdown_cell(f"# {job.stage} {job.region} {job.fund}")
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), notebook)
        summary = {"total": 88.5, "grade_zh": "良", "grade_en": "Good"}
        result.write_text(json.dumps({"summary": summary, "flags": []}), encoding="utf-8")
        for companion in job.definition.companions:
            result.with_suffix(companion.suffix).write_bytes(b"companion")
        record = JobRecord(job.job_id, job.stage, job.fund, job.region, job.when, job.lang, OK,
                           "fingerprint", 0.0, notebook=str(notebook.relative_to(out)),
                           result=str(result.relative_to(out)))  # fmt: skip
        manifest.update(record)
    return manifest
