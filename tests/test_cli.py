"""The `sipm` command: templates, validation reports, exit codes."""

from __future__ import annotations

import datetime
import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook

from sipm_helpers.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.io import read_raw


def test_validate_clean_dataset(tiny_dir, capsys):
    assert main(["validate", str(tiny_dir)]) == EXIT_OK
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_csv_templates_document_every_column_and_read_back_empty(tmp_path, capsys):
    assert main(["template", str(tmp_path / "tpl"), "--format", "csv"]) == EXIT_OK
    files = sorted(p.stem for p in (tmp_path / "tpl").glob("*.csv"))
    assert files == sorted(TABLES)
    lines = (tmp_path / "tpl" / "budget.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "region_code,fund,year,item,initial,adjusted"
    assert lines[1].startswith('"# Coordinating region code') and "10,000 yuan" in lines[1]
    raw = read_raw(tmp_path / "tpl", list(TABLES))
    assert all(len(frame) == 0 for frame in raw.tables.values())  # the documentation row is skipped


LOOKUPS = ["list_funds", "list_line_items", "list_statistics", "list_indicators"]


def test_xlsx_template_has_a_sheet_per_table_and_chinese_notes(tmp_path):
    assert main(["template", str(tmp_path), "--format", "xlsx", "--lang", "zh"]) == EXIT_OK
    book = load_workbook(tmp_path / "sipm-template.xlsx")
    assert book.sheetnames == ["说明", *TABLES, *LOOKUPS]
    sheet = book["execution"]
    heads = [c.value.split("\n") for c in sheet[1]]  # each code with its Chinese heading
    assert [h[0] for h in heads] == ["region_code", "fund", "year", "month", "item", "amount"]
    assert [h[1] for h in heads] == ["统筹地区代码", "基金代码", "年度", "月份", "预算科目",
                                     "本月发生额或月末余额"]  # fmt: skip
    assert sheet["D2"].value.startswith("月份") and "1–12" in sheet["D2"].value
    # Chinese throughout: none of the English template's words (codes stay as typed)
    english = ("required", "optional", "range:", "text", "number", "one of", "codes:", "unit:",
               "country", "prefecture", "achieved")  # fmt: skip
    for name in TABLES:
        for cell in book[name][2]:
            assert not [w for w in english if w in cell.value], cell.value
    readme = book["说明"]
    assert [c.value for c in readme[4]] == ["表名", "是否必填", "主键", "说明"]
    assert readme["A2"].value.endswith("地区见 regions 工作表。")  # whole, not cut at " #"
    assert "以 # 开头" in readme["A2"].value


def test_the_chinese_templates_drop_downs_offer_chinese_names(tmp_path):
    assert main(["template", str(tmp_path), "--lang", "zh"]) == EXIT_OK
    book = load_workbook(tmp_path / "sipm-template.xlsx")

    def lists(sheet: str) -> dict[str, str]:
        validations = book[sheet].data_validations.dataValidation
        return {str(dv.sqref).split(":")[0]: dv.formula1 for dv in validations}

    assert lists("regions")["D3"] == '"国家,省,地市,中央统筹"'
    assert lists("pooling")["C3"] == '"省,地市,全国"'
    assert lists("qualitative")["E3"] == '"达成,部分达成,未达成"'
    funds = lists("budget")["B3"]
    assert funds.startswith("=list_funds!$B$2:")  # the funds' Chinese names
    assert book["list_funds"]["B1"].value == "中文名称" and book["list_funds"]["B2"].value
    assert lists("budget")["A3"] == "=regions!$B$3:$B$5002"  # the regions' Chinese names
    assert book["regions"]["B1"].value.split("\n")[0] == "name_zh"


def test_chinese_names_from_the_drop_downs_validate_as_their_codes(tiny_dir, tiny, ctx, tmp_path):
    """A dataset filled with the Chinese names the template offers validates as the same
    dataset written in codes."""
    from sipm_helpers.data.validation import validate_path

    folder = tmp_path / "names"
    shutil.copytree(tiny_dir, folder)

    def edit(table: str, change) -> None:
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        change(frame)
        frame.to_csv(folder / f"{table}.csv", index=False)

    regions = dict(zip(tiny.regions["region_code"], tiny.regions["name_zh"], strict=True))
    levels = {"country": "国家", "province": "省", "prefecture": "地市"}
    edit("regions", lambda f: f.__setitem__("level", f["level"].map(levels)))
    edit("pooling", lambda f: f.__setitem__("pooling_level", f["pooling_level"].map(levels)))

    def names(f: pd.DataFrame) -> None:
        f["region_code"] = f["region_code"].map(regions)
        f["fund"] = f["fund"].map({c: x.zh for c, x in ctx.registry.funds.items()})
        f["item"] = f["item"].map({c: x.zh for c, x in ctx.registry.line_items.items()})

    edit("budget", names)
    grades = {"achieved": "达成", "partly": "部分达成", "not_achieved": "未达成"}
    edit("qualitative", lambda f: f.__setitem__("grade", f["grade"].map(grades)))
    named, report = validate_path(folder, ctx)
    assert report.ok, report.to_text()
    assert "金" not in "".join(named.budget["region_code"])  # read as codes
    for table in ("regions", "pooling", "budget", "qualitative"):
        pd.testing.assert_frame_equal(getattr(named, table), getattr(tiny, table))


def test_xlsx_template_offers_drop_downs_and_keeps_codes_as_text(tmp_path):
    assert main(["template", str(tmp_path), "--format", "xlsx"]) == EXIT_OK
    book = load_workbook(tmp_path / "sipm-template.xlsx")
    budget = book["budget"]
    rules = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in budget.data_validations.dataValidation
    }
    assert rules["A3"] == "=regions!$A$3:$A$5002"  # the workbook's own regions
    funds = [r[0].value for r in book["list_funds"].iter_rows(min_row=2)]
    assert rules["B3"] == f"=list_funds!$A$2:$A${len(funds) + 1}" and "employee_medical" in funds
    assert rules["D3"].startswith("=list_line_items!$A$2")
    levels = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in book["regions"].data_validations.dataValidation
    }
    assert levels["D3"] == '"country,province,prefecture,central"'
    assert budget.column_dimensions["A"].number_format == "@"  # codes keep leading zeros
    assert budget.column_dimensions["E"].number_format != "@"  # money stays a number
    indicators = book["list_indicators"]
    assert [c.value for c in indicators[1]][:4] == ["code", "Chinese name", "English name", "fund"]


def test_filled_xlsx_template_validates(tiny_dir, tmp_path):
    """An agency's filled-in workbook, documentation row kept, reads and validates."""
    from sipm_helpers.config import load_table_specs
    from sipm_helpers.data.templates import write_templates
    from sipm_helpers.data.validation import validate_path

    specs = load_table_specs()
    book_path = write_templates(tmp_path, "xlsx")
    book = load_workbook(book_path)
    raw = read_raw(tiny_dir, list(TABLES))
    cell = {  # as Excel holds what an agency types: numbers, dates (datetime cells), text
        "integer": float,
        "number": float,
        "date": datetime.date.fromisoformat,
        "text": str,
    }
    for name, frame in raw.tables.items():
        types = [specs[name].columns[c].type for c in frame.columns]
        for row in frame.itertuples(index=False):
            book[name].append(
                [None if pd.isna(v) else cell[t](v) for v, t in zip(row, types, strict=True)]
            )
    book.save(book_path)
    dataset, report = validate_path(book_path)
    assert report.ok, report.to_text()
    assert len(dataset.execution) == len(raw.tables["execution"])
    assert dataset.regions["region_code"].tolist()[0] == "000000"


def test_unknown_command_and_bad_years_exit_nonzero():
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "generate",
                "--provinces",
                "1",
                "--regions-per-province",
                "1",
                "--years",
                "2026-2021",
                "--out",
                "x",
            ]
        )
    assert exc.value.code == 2


def test_validate_reports_errors_with_exit_2(tiny_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in tiny_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    execution = pd.read_csv(bad / "execution.csv", dtype=str)
    execution.loc[5, "month"] = "13"
    execution.to_csv(bad / "execution.csv", index=False)
    assert main(["validate", str(bad)]) == EXIT_BAD_INPUT
    out = capsys.readouterr().out
    assert (
        "ERROR execution.csv, row 7, column month (value '13'): must be at most 12 [range]" in out
    )


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_generate_writes_a_dataset_that_validates(tmp_path, capsys, fmt):
    out = tmp_path / "gen"
    args = ["generate", "--provinces", "2", "--regions-per-province", "3", "--years", "2024-2025"]
    assert main([*args, "--last-month", "6", "--out", str(out), "--format", fmt]) == EXIT_OK
    assert "rows in 12 tables" in capsys.readouterr().out
    assert main(["validate", str(out)]) == EXIT_OK
    report = capsys.readouterr().out
    assert ": 0 error(s)" in report
    if fmt == "csv":
        assert "2025,6," in (out / "execution.csv").read_text()  # whole numbers without .0


def test_batch_summary_lists_what_calls_for_attention(tmp_path):
    import json

    from sipm_helpers.batch.manifest import JobRecord, Manifest
    from sipm_helpers.batch.plan import Job
    from sipm_helpers.cli import summary_flags
    from sipm_helpers.cli_text import cli_text

    results = {
        ("target_review", "110100", "en"): {"verdict": "return"},
        ("target_review", "110200", "en"): {"verdict": "approve"},
        ("monitoring", "110100", "en"): {"counts": {"red": 2, "amber": 0, "green": 3}},
        ("monitoring", "110100", "zh"): {"counts": {"red": 2, "amber": 0, "green": 3}},
        ("monitoring", "110200", "en"): {"counts": {"red": 0, "amber": 1, "green": 4}},
        ("self_evaluation", "110100", "en"): {"sustainability": {"solvency_pass": 1}},
        ("self_evaluation", "110200", "en"): {"sustainability": {"solvency_pass": 0}},
        ("self_evaluation", "110000", "en"): {"sustainability": None},
    }
    manifest = Manifest(tmp_path / "manifest.json")
    jobs = []
    for (stage, region, lang), result in results.items():
        when = "2025-10" if stage == "monitoring" else 2025
        job = Job(stage, "employee_medical", region, "x", when, lang, "")
        jobs.append(job)
        (tmp_path / f"{stage}-{region}-{lang}.json").write_text(json.dumps(result))
        manifest.records[job.job_id] = JobRecord(
            job.job_id, stage, job.fund, region, when, lang, "ok", "f", 1.0,
            result=f"{stage}-{region}-{lang}.json",
        )  # fmt: skip
    assert summary_flags(jobs, manifest, cli_text(["--lang", "en"], {})) == {
        "target reviews 2025: returned": ["110100 employee_medical"],
        "monitoring 2025-10: red alerts": ["110100 employee_medical"],  # once, both languages
        "self-evaluations 2025: failing the 10-year solvency test": ["110200 employee_medical"],
    }
    assert summary_flags(jobs, manifest, cli_text([], {"LANG": "zh_CN.UTF-8"})) == {
        "2025 年目标审核：退回": ["110100 employee_medical"],
        "2025-10 运行监控：红色预警": ["110100 employee_medical"],
        "2025 年自评：未通过 10 年偿付能力测试": ["110200 employee_medical"],
    }
    text = cli_text(["--lang", "zh"], {})
    named = summary_flags(jobs, manifest, text, lambda job: text.t(
        "cli_region_fund", region={"110100": "甲市", "110200": "乙市"}[job.region],
        code=job.region, fund="职工医保"))  # fmt: skip
    assert named["2025 年目标审核：退回"] == ["甲市（110100）职工医保"]


def test_generate_keeps_a_users_files_and_names_its_workbook(tmp_path, capsys):
    small = ["generate", "--provinces", "1", "--regions-per-province", "1", "--years", "2025-2025"]
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "plan.docx").write_bytes(b"mine")
    assert main([*small, "--out", str(folder), "--format", "csv"]) != EXIT_OK
    assert "holds files sipm did not write (plan.docx)" in capsys.readouterr().err
    assert (folder / "plan.docx").read_bytes() == b"mine"
    assert main([*small, "--out", str(tmp_path / "new"), "--format", "csv"]) == EXIT_OK
    assert main([*small, "--out", str(tmp_path / "new"), "--format", "csv"]) == EXIT_OK  # ours
    assert main([*small, "--out", str(tmp_path / "book"), "--format", "xlsx"]) == EXIT_OK
    assert main(["validate", str(tmp_path / "book.xlsx")]) == EXIT_OK


def _run(tiny, ctx, folder, suffix: str = ".json") -> dict:
    """A run's self-evaluation results of the tiny medical fund, as `sipm run` writes them."""
    import json

    from sipm_helpers.domain.evaluation import evaluate

    results = folder / "runs" / "self_evaluation" / "2025" / "employee_medical"
    results.mkdir(parents=True)
    written = {r: evaluate(tiny, ctx, fund="employee_medical", region=r, year=2025).to_result()
               for r in ("110100", "110200")}  # fmt: skip
    for region, result in written.items():
        (results / f"{region}-x{suffix}").write_text(json.dumps(result), encoding="utf-8")
    return written


def _sheet(book, name: str) -> list[dict]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_export_reads_a_runs_results_into_one_workbook(tiny, ctx, tmp_path, capsys):
    results = _run(tiny, ctx, tmp_path / "run")
    out = tmp_path / "scores.xlsx"
    assert main(["export", str(tmp_path / "run"), "--out", str(out)]) == EXIT_OK
    book = load_workbook(out)
    totals = {r["region_code"]: r["total (points)"] for r in _sheet(book, "totals")}
    assert totals == {r: pytest.approx(x["summary"]["total"]) for r, x in results.items()}
    assert book["scores"].max_row - 1 == sum(len(x["indicators"]) for x in results.values())
    assert main(["export", str(tmp_path / "nothing"), "--out", str(out)]) != EXIT_OK
    assert "no self-evaluation results" in capsys.readouterr().err


def test_export_of_a_chinese_run_names_regions_indicators_and_grades_in_chinese(
    tiny, tiny_dir, ctx, tmp_path
):
    """A run in Chinese only (its results *.zh.json) exports in Chinese: the regions'
    names (from the data its manifest records), the funds' and indicators' names, grades
    and headings; --lang en asks for English names of the same figures."""
    from sipm_helpers.batch.manifest import JobRecord, Manifest

    results = _run(tiny, ctx, tmp_path / "run", ".zh.json")
    manifest = Manifest(tmp_path / "run" / "manifest.json")
    manifest.update(JobRecord("j", "self_evaluation", "employee_medical", "110100", 2025, "zh",
                              "ok", "f", 1.0, parameters={"data": str(tiny_dir)}))  # fmt: skip
    out = tmp_path / "zh.xlsx"
    assert main(["export", str(tmp_path / "run"), "--out", str(out)]) == EXIT_OK
    totals = _sheet(load_workbook(out), "totals")
    names = dict(zip(tiny.regions["region_code"], tiny.regions["name_zh"], strict=True))
    assert [(r["区划代码"], r["地区"]) for r in totals] == [(c, names[c]) for c in results]
    grades = {g.code: g.zh for g in ctx.standards.grades}
    assert [r["等级"] for r in totals] == [grades[x["summary"]["grade"]] for x in results.values()]
    assert totals[0]["基金名称"] == ctx.registry.fund("employee_medical").zh
    assert [r["总分（分）"] for r in totals] == [
        pytest.approx(x["summary"]["total"]) for x in results.values()
    ]
    scores = _sheet(load_workbook(out), "scores")
    catalogue = ctx.catalogue("employee_medical")
    assert {r["指标名称"] for r in scores} == {
        catalogue.indicator(i["indicator"]).zh for i in results["110100"]["indicators"]
    }
    assert main(["export", str(tmp_path / "run"), "--out", str(out), "--lang", "en"]) == EXIT_OK
    english = _sheet(load_workbook(out), "totals")
    assert english[0]["region"] == tiny.regions.set_index("region_code").at["110100", "name_en"]


def test_a_template_carries_the_regions_once_known(tiny_dir, tmp_path):
    """--regions DATASET: the regions and pooling sheets come filled in from a validated
    dataset, and region drop-downs offer exactly those regions; CSV templates alike."""
    raw = read_raw(tiny_dir, ["regions", "pooling"])
    out = tmp_path / "tpl.xlsx"
    assert main(["template", str(out), "--regions", str(tiny_dir)]) == EXIT_OK
    book = load_workbook(out)
    rows = [[c.value for c in r] for r in book["regions"].iter_rows(min_row=3)]
    assert (
        rows
        == raw.tables["regions"]
        .astype(object)
        .where(raw.tables["regions"].notna(), None)
        .values.tolist()
    )
    assert rows[0][0] == "000000"  # a code stays text
    assert book["pooling"].max_row == 2 + len(raw.tables["pooling"])
    budget = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in book["budget"].data_validations.dataValidation
    }
    assert budget["A3"] == f"=regions!$A$3:$A${len(rows) + 2}"
    assert (
        main(["template", str(tmp_path / "csv"), "--format", "csv", "--regions", str(tiny_dir)])
        == EXIT_OK
    )
    again = read_raw(tmp_path / "csv", list(TABLES))
    assert (
        again.tables["regions"]["region_code"].tolist()
        == raw.tables["regions"]["region_code"].tolist()
    )
    assert len(again.tables["budget"]) == 0


def test_regions_that_do_not_validate_are_not_put_in_a_template(tiny_dir, tmp_path, capsys):
    folder = tmp_path / "bad"
    shutil.copytree(tiny_dir, folder)
    regions = pd.read_csv(folder / "regions.csv", dtype=str)
    regions.loc[2, "parent_code"] = "990000"  # a prefecture under no province
    regions.to_csv(folder / "regions.csv", index=False)
    out = tmp_path / "tpl.xlsx"
    assert main(["template", str(out), "--regions", str(folder)]) == EXIT_BAD_INPUT
    assert "regions.csv, row 4, column parent_code" in capsys.readouterr().err
    assert not out.exists()
