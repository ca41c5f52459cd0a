"""The working papers of a provincial evaluation (绩效评价工作底稿) as an Excel workbook
(openpyxl), one per province and fund, in the report's language: the notes (what the
papers are, the parameters that applied, how to recompute a score); every region's every
indicator with its formula, the data it used, its rule, parameters and arithmetic, the
self-assessed score, the evaluator's finding and the evaluated score; the regions' totals
recomputed from those rows by SUMIFS formulas; the findings; the rectification ledger's
counts and the items behind them; the annual facts the measures read. Drawn from the same
:class:`~sipm_helpers.domain.appraisal.Appraisal` as the report, so that a reviewer can
recompute any figure of it. Cells without a value are empty, and text stays text."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sipm_helpers import __version__
from sipm_helpers.config.loader import in_language
from sipm_helpers.data.cells import Formula, append_row, put
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.domain.appraisal import MISSING
from sipm_helpers.domain.ledger import ledger_items
from sipm_helpers.domain.scoring import NOT_ASSESSED, SCORED, TOTAL_BASIS
from sipm_helpers.domain.working_papers import annual_data, score_rows
from sipm_helpers.paths import parameters_dir
from sipm_helpers.present.appraisal_report import AppraisalReport
from sipm_helpers.present.findings import basis_name, fmt_date, note, value_text
from sipm_helpers.present.formatting import fmt_number
from sipm_helpers.present.scoring_form import (
    NUMBER_FORMATS,
    _add_row_styles,
    _header,
    _put,
    _text,
    score_format,
)
from sipm_helpers.present.wording import score_basis, status_label

# The rows whose points are at stake and whose score counts (the totals add them up).
COUNTED = (SCORED, NOT_ASSESSED)
BAND_COLUMNS = ("band_lower", "band_upper", "band_zero_below", "band_zero_above")
RATE, AMOUNT, COUNT = "0.0%", "#,##0.00", "#,##0"
# The parameter files an evaluation reads, besides the fund's catalogue (parameters/).
RULE_FILES = ("scoring.yaml", "appraisal.yaml", "ledger.yaml", "policy.yaml",
              "indicators/library.yaml")  # fmt: skip


def _number(value: object) -> float | None:
    """A number for a cell, or None (an empty cell) where there is none."""
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _formats(ws: Worksheet, row: int, formats: dict[int, str | None]) -> None:
    for column, number_format in formats.items():
        if number_format:
            ws.cell(row, column).number_format = number_format


def _row(ws: Worksheet, values: list, style: str = "body") -> int:
    """A row as the scoring form puts it (text kept text), styled over its own cells."""
    return _put(ws, values, style, len(values))


def _widths(ws: Worksheet, widths: tuple[int, ...]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


class WorkingPapers:
    """Writes the workbook of one provincial evaluation (``report``), with ``mine`` the
    regions' self-assessed side (:func:`sipm_helpers.domain.appraisal.self_assessed`)."""

    def __init__(
        self,
        report: AppraisalReport,
        mine: pd.DataFrame,
        as_of: datetime.date,
        prepared: datetime.date,
    ) -> None:
        self.r, self.a, self.t = report, report.a, report.labels.t
        self.mine, self.as_of, self.prepared = mine, as_of, prepared
        self.rows = score_rows(self.a, mine, report.ctx.standards)
        codes = {self.a.province, *self.a.regions["region_code"].astype(str)}
        self.names = {code: report.region(code) for code in codes}  # looked up once each
        self.fmt = score_format(report.digits)

    # names -----------------------------------------------------------------------------
    def _region(self, code: object) -> str:
        return self.names.get(str(code)) or self.r.region(str(code))

    def _category(self, code: str) -> str:
        cat = self.r.ctx.catalogue(self.a.fund, self.a.province)
        return in_language(cat.categories[code], self.r.lang)

    def _fund(self) -> str:
        return self.r.ctx.registry.fund(self.a.fund).name(self.r.lang)

    def _yes(self, value: object) -> str:
        return self.t("papers_yes") if bool(value) else self.t("papers_no")

    # the workbook ----------------------------------------------------------------------
    def workbook(self) -> Workbook:
        wb = Workbook()
        _add_row_styles(wb)
        sheets: tuple[tuple[str, Callable[[Worksheet], None]], ...] = (
            ("papers_sheet_notes", self.notes),
            ("papers_sheet_scores", self.scores),
            ("papers_sheet_totals", self.totals),
            ("papers_sheet_findings", self.findings),
            ("papers_sheet_ledger", self.ledger),
            ("papers_sheet_data", self.data),
        )
        for i, (key, write) in enumerate(sheets):
            ws = wb.active if i == 0 else wb.create_sheet()
            ws.title = self.t(key)
            write(ws)
        return wb

    def _title(self, sheet: str) -> str:
        title = self.t(
            "papers_title",
            province=self._region(self.a.province),
            fund=self._fund(),
            year=self.a.year,
        )
        return f"{title} · {self.t(sheet)}"

    # 说明 / Notes ----------------------------------------------------------------------
    def _rule_files(self) -> str:
        """The parameter files that applied, as paths under parameters/."""
        root = parameters_dir()
        catalogue = Path(self.r.ctx.catalogue(self.a.fund, self.a.province).source)
        own = catalogue.relative_to(root) if catalogue.is_relative_to(root) else catalogue.name
        files = [str(own), *RULE_FILES]
        applied = self.r.ctx.applied  # the province's own rules (Art. 24), where they apply
        if applied is not None and applied.rules:
            rules = Path(self.r.ctx.province_rules[applied.province].source)
            own_rules = Path("provinces", applied.province, rules.name)
            files.append(str(rules.relative_to(root) if rules.is_relative_to(root) else own_rules))
        return "\n".join(f"parameters/{name}" for name in files)

    def _parameters(self) -> list[tuple[str, str]]:
        ctx, t, digits = self.r.ctx, self.t, self.r.digits
        ledger = ctx.ledger
        step = fmt_number(10.0**-digits, digits)
        return [
            (t("papers_rules"), self._rule_files()),
            (t("papers_precision"), t("papers_precision_value", step=step, digits=digits)),
            (t("papers_missing"), t(f"missing_rule_{ctx.standards.missing}")),
            (
                t("papers_tolerance"),
                t("papers_tolerance_value", tolerance=fmt_number(ledger.rate_tolerance * 100, 0)),
            ),
            (
                t("papers_cap"),
                t(
                    "papers_cap_value",
                    indicator=self.r.indicator(ledger.cap_indicator),
                    grade=t(f"qual_{ledger.cap_grade}"),
                ),
            ),
            (
                t("papers_gap"),
                t(
                    "papers_gap_value",
                    points=fmt_number(ctx.appraisal.gap_points, 1),
                    basis=ctx.cite_rule("appraisal.gap_points", self.r.lang)
                    or t("papers_gap_basis"),
                ),
            ),
        ]

    def notes(self, ws: Worksheet) -> None:
        """What the papers are, for whom and when, the parameters that applied, and how
        to recompute a score."""
        t, a, r = self.t, self.a, self.a.regions
        lang = self.r.lang
        _header(ws, self._title("papers_sheet_notes"), [t("papers_item"), t("papers_value")])
        evaluated = int((r["status"] != MISSING).sum())
        facts = [
            (t("papers_about"), t("papers_what")),
            (t("province"), f"{self._region(a.province)} ({a.province})"),
            (t("fund"), self._fund()),
            (t("budget_year"), str(a.year)),
            (t("papers_regions"), t("papers_regions_value", evaluated=evaluated, regions=len(r))),
            (t("papers_prepared"), fmt_date(self.prepared.isoformat(), lang)),
            (t("papers_as_of"), fmt_date(self.as_of.isoformat(), lang)),
            *self._parameters(),
            (t("papers_version"), f"sipm {__version__}"),
            (t("papers_recompute"), t("papers_recompute_text")),
        ]
        for label, value in facts:
            _row(ws, [label, value])
        _widths(ws, (26, 110))

    # 评分底稿 / Scores -----------------------------------------------------------------
    SCORE_HEADER = ("papers_col_region", "papers_col_code", "form_col_category", "col_indicator",
                    "papers_col_formula", "col_actual", "col_target", "col_source",
                    "papers_col_lower", "papers_col_upper", "papers_col_zero_below",
                    "papers_col_zero_above", "papers_col_grade", "papers_col_share",
                    "col_evidence", "papers_col_rule", "form_col_basis", "col_status",
                    "col_reason", "col_measure", "papers_col_at_stake", "papers_col_assessed",
                    "pe_self_score", "papers_col_finding", "pe_note",
                    "papers_col_evaluated_score")  # fmt: skip
    SCORE_WIDTHS = (12, 9, 10, 28, 36, 11, 11, 14, 9, 9, 9, 9, 10, 8, 26, 26, 44, 18, 26, 26,
                    8, 8, 8, 20, 40, 8)  # fmt: skip
    # The columns (1-based) the Totals sheet sums and matches on.
    CODE, CATEGORY, AT_STAKE, ASSESSED, SELF, SCORE = 2, 3, 21, 22, 23, 26
    # The columns of the actual, the target and the band (the indicator's unit), the share.
    VALUES, SHARE = (6, 7, 9, 10, 11, 12), 14

    def _target_source(self, x: dict) -> str | None:
        """Where the target came from: the region, the province, the centre, the
        catalogue, or a national policy standard the catalogue follows."""
        source, policy = x.get("target_source"), x.get("standard_policy")
        if not isinstance(source, str):
            return None
        if source == "catalogue" and isinstance(policy, str):
            parameter = self.r.ctx.policy.parameters[policy]
            name = parameter.zh if self.r.lang == "zh" else parameter.en
            return self.t("papers_target_policy", name=name)
        return self.t(f"level_{source}")

    def _finding(self, x: dict) -> tuple[str | None, str | None]:
        """The finding that changed the row (its kind and how it was found) and what was
        found (the evaluator's comment or the ledger's figures); empty where none did."""
        if not isinstance(x.get("finding"), str):
            return None, None
        kind = self.t(f"review_finding_{x['finding']}")
        found = self.t("papers_finding_value", finding=kind,
                       basis=basis_name(x.get("basis"), self.r.labels))  # fmt: skip
        return found, note(x, self.a.year, self.r.indicator(x["indicator"]), self.r.labels) or None

    def _data_used(self, x: dict) -> list:
        """Actual, target and its source, band bounds; grade, share and evidence."""
        labels, graded = self.r.labels, isinstance(x.get("grade"), str)
        return [
            _number(x.get("actual")),
            _number(x.get("target")),
            self._target_source(x),
            *(_number(x.get(c)) for c in BAND_COLUMNS),
            labels.t(f"qual_{x['grade']}") if graded else None,
            _number(x.get("share_applied")) if graded else None,
            _text(x.get("evidence")) or self._sample(x),
        ]

    def _sample(self, x: dict) -> str | None:
        """The valid responses a survey rate rests on, against the fewest it needs."""
        sample, minimum = x.get("sample"), x.get("min_sample")
        if sample is None or pd.isna(sample):
            return None
        return self.t("papers_sample", sample=fmt_number(sample, 0), minimum=fmt_number(minimum, 0))

    def _score_row(self, x: dict) -> list:
        labels, counted = self.r.labels, x["status"] in COUNTED
        formula = x.get("function")
        finding, found = self._finding(x)
        return [
            self._region(x["region_code"]),
            str(x["region_code"]),
            self._category(x["category"]),
            self.r.indicator(x["indicator"]),
            self.t(f"measure_{formula}") if isinstance(formula, str)
            else self.t("papers_formula_qualitative"),
            *self._data_used(x),
            self.t(f"rule_{x['rule']}"),
            score_basis(x, labels, self.r.digits),
            status_label(x, labels)[0],
            _text(x.get("reason")),
            _text(x.get("improvement_measure")),
            _number(x["at_stake"]) if counted else None,
            _number(x["assessed"]) if counted else None,
            _number(x.get("self_score")),
            finding,
            found,
            _number(x["earned"]) if counted else None,
        ]  # fmt: skip

    def _score_formats(self, x: dict) -> dict[int, str | None]:
        value = NUMBER_FORMATS.get(str(x.get("unit")), AMOUNT)
        points = {c: self.fmt for c in (self.AT_STAKE, self.ASSESSED, self.SELF, self.SCORE)}
        return {**dict.fromkeys(self.VALUES, value), self.SHARE: RATE, **points}

    def scores(self, ws: Worksheet) -> None:
        """One row per region and indicator: what its score rests on, and the score."""
        header = [self.t(key) for key in self.SCORE_HEADER]
        _header(ws, self._title("papers_sheet_scores"), header)
        for x in self.rows.to_dict("records"):  # regions × ~20 indicators: writing, not computing
            row = _row(ws, self._score_row(x))
            _formats(ws, row, self._score_formats(x))
        ws.auto_filter.ref = f"A2:{get_column_letter(len(header))}{ws.max_row}"
        _widths(ws, self.SCORE_WIDTHS)

    # 汇总 / Totals ---------------------------------------------------------------------
    def _categories(self) -> list[str]:
        """The first-level categories the rows hold, in the catalogue's order."""
        cat = self.r.ctx.catalogue(self.a.fund, self.a.province)
        present = set(self.rows["category"]) if len(self.rows) else set()
        return [code for code in cat.categories if code in present]

    def _range(self, sheet: str, column: int) -> str:
        """An absolute range of a column of the Scores sheet's rows."""
        letter, last = get_column_letter(column), len(self.rows) + 2
        return f"'{sheet}'!${letter}$3:${letter}${last}"

    def _total_formulas(self, sheet: str, row: int, n: int) -> list[Formula]:
        """Per region (its code in column B): the categories' subtotals (SUMIFS over the
        Scores sheet, the category's name in the header), earned, points at stake and
        assessed, the basis of the total (parameters/scoring.yaml ``missing``) and the
        total on 100 points, rounded as the scores are."""
        score, code, cat = (self._range(sheet, c) for c in (self.SCORE, self.CODE, self.CATEGORY))
        subtotals = [
            f"=SUMIFS({score},{code},$B{row},{cat},{get_column_letter(3 + i)}$2)" for i in range(n)
        ]
        earned, at_stake, assessed, basis = (get_column_letter(3 + n + i) for i in range(4))
        of_region = f"{code},$B{row})"
        chosen = {"points": at_stake, "assessed_points": assessed}
        chosen_basis = chosen[TOTAL_BASIS[self.r.ctx.standards.missing]]
        digits = self.r.digits
        return [Formula(f) for f in (
            *subtotals,
            f"=SUM(C{row}:{get_column_letter(2 + n)}{row})",
            f"=SUMIFS({self._range(sheet, self.AT_STAKE)},{of_region}",
            f"=SUMIFS({self._range(sheet, self.ASSESSED)},{of_region}",
            f"={chosen_basis}{row}",
            f"=IF({basis}{row}>0,ROUND({earned}{row}*100/{basis}{row},{digits}),0)",
        )]  # fmt: skip

    def totals(self, ws: Worksheet) -> None:
        """Per region: the categories' subtotals and the total recomputed from the Scores
        sheet, the grade, the self-assessed total and the gap (self − evaluated)."""
        t, categories = self.t, self._categories()
        n = len(categories)
        header = [t("papers_col_region"), t("papers_col_code"),
                  *(self._category(c) for c in categories), t("papers_col_earned"),
                  t("papers_col_at_stake"), t("papers_col_assessed"), t("papers_col_basis"),
                  t("pe_evaluated_total"), t("pe_evaluated_grade"), t("pe_self_total"),
                  t("pe_self_grade"), t("pe_gap"), t("col_note")]  # fmt: skip
        _header(ws, self._title("papers_sheet_totals"), header)
        sheet = t("papers_sheet_scores")
        total = get_column_letter(3 + n + 4)
        for x in self.a.regions.sort_values("region_code").to_dict("records"):
            missing = x["status"] == MISSING
            values = [self._region(x["region_code"]), str(x["region_code"]), *[None] * (n + 5),
                      None if missing else self.r.grade(x["evaluated_grade"]),
                      _number(x["self_total"]), None if missing else self.r.grade(x["self_grade"]),
                      None, t("pe_missing") if missing else None]  # fmt: skip
            row = _row(ws, values)
            if not missing:  # formulas after the row is put: _put keeps strings as text
                gap = Formula(
                    f"=ROUND({get_column_letter(9 + n)}{row}-{total}{row},{self.r.digits})"
                )
                for column, formula in enumerate(
                    [*self._total_formulas(sheet, row, n), None, None, None, gap], start=3
                ):
                    if formula:
                        put(ws.cell(row, column), formula)
            _formats(ws, row, {c: self.fmt for c in range(3, len(values))})
        _widths(ws, (14, 9, *([10] * (n + 5)), 12, 10, 12, 8, 14))

    # 复核发现 / Findings ---------------------------------------------------------------
    def _value(self, value: object, unit: object) -> tuple[object, str | None]:
        """A value as found: a number in its unit's format, a grade (or its absence) in words."""
        if isinstance(value, (int, float)) and not pd.isna(value):
            return float(value), NUMBER_FORMATS.get(str(unit), AMOUNT)
        return value_text(value, None, self.r.labels), None

    def findings(self, ws: Worksheet) -> None:
        """Every finding that changed an indicator: its kind, how it was found, what was
        found (the comment or the ledger's figures), the values and scores before and after."""
        t = self.t
        header = [t("papers_col_region"), t("papers_col_code"), t("col_indicator"),
                  t("papers_col_finding"), t("pe_basis"), t("pe_note"),
                  t("papers_col_self_value"), t("papers_col_evaluated_value"),
                  t("pe_self_score"), t("papers_col_evaluated_score")]  # fmt: skip
        _header(ws, self._title("papers_sheet_findings"), header)
        if self.a.moved.empty:
            _row(ws, [t("papers_findings_none")])
        ind = self.a.indicators
        units = dict(zip(ind["indicator"], ind["unit"], strict=True)) if "unit" in ind else {}
        for x in self.a.moved.to_dict("records"):
            name, unit = self.r.indicator(x["indicator"]), units.get(x["indicator"])
            before, before_format = self._value(x["self_value"], unit)
            after, after_format = self._value(x["evaluated_value"], unit)
            row = _row(ws, [self._region(x["region_code"]), str(x["region_code"]), name,
                            t(f"review_finding_{x['finding']}"),
                            basis_name(x["basis"], self.r.labels),
                            note(x, self.a.year, name, self.r.labels) or None, before, after,
                            _number(x["self_score"]), _number(x["evaluated_score"])])  # fmt: skip
            _formats(ws, row, {7: before_format, 8: after_format, 9: self.fmt, 10: self.fmt})
        _widths(ws, (14, 9, 28, 16, 16, 60, 14, 14, 10, 10))

    # 整改台账 / Ledger -----------------------------------------------------------------
    def _ledger_facts(self, ws: Worksheet) -> None:
        t, g = self.t, self.a.ledger
        header = [t("papers_col_region"), t("papers_col_code"), t("col_year"),
                  t("pe_ledger_due"), t("pe_ledger_on_time"), t("pe_ledger_rate"),
                  t("papers_col_found"), t("papers_col_rectified"), t("pe_ledger_reported"),
                  t("pe_ledger_overdue"), t("pe_open_items")]  # fmt: skip
        _header(ws, self._title("papers_sheet_ledger"), header)
        if g.empty:
            _row(ws, [t("papers_ledger_none", year=self.a.year)])
        for x in g.to_dict("records"):
            row = _row(ws, [self._region(x["region_code"]), str(x["region_code"]),
                            int(x["year"]), int(x["due"]), int(x["on_time"]), _number(x["rate"]),
                            _number(x["found"]), _number(x["rectified"]),
                            _number(x["reported"]), int(x["overdue"]), int(x["open"])])  # fmt: skip
            _formats(ws, row, {6: RATE, 7: COUNT, 8: COUNT, 9: RATE})

    def _ledger_items(self, ws: Worksheet) -> None:
        t, lang = self.t, self.r.lang
        regions = self.a.indicators["region_code"].astype(str).unique().tolist()
        items = ledger_items(self.r.ds, self.r.ctx, fund=self.a.fund, regions=regions,
                             years=[self.a.year])  # fmt: skip
        if items.empty:
            return
        append_row(ws, [])
        _row(ws, [t("papers_ledger_items")], "bold")
        _row(ws, [t("papers_col_item_id"), t("papers_col_region"), t("papers_col_year"),
                  t("papers_col_source"), t("col_indicator"), t("pe_problem"),
                  t("pe_deadline"), t("papers_col_status"), t("papers_col_closed"),
                  t("pe_ledger_due"), t("pe_ledger_on_time"), t("pe_ledger_overdue"),
                  t("pe_open_items")], "group")  # fmt: skip
        for x in items.to_dict("records"):
            indicator = x["indicator"] if isinstance(x["indicator"], str) else None
            _row(ws, [str(x["item_id"]), self._region(x["region_code"]), int(x["year"]),
                      t(f"papers_source_{x['source']}"),
                      self.r.indicator(indicator) if indicator else None, _text(x["problem"]),
                      fmt_date(x["deadline"], lang),
                      t(f"papers_status_{x['status']}"),
                      fmt_date(x["closed"], lang) if pd.notna(x["closed"]) else None,
                      *(self._yes(x[s]) for s in ("due", "on_time", "overdue", "open"))])  # fmt: skip

    def ledger(self, ws: Worksheet) -> None:
        """The ledger's counts per region (what the rate and the cap were decided on), and
        the audit and inspection items behind them with the states they were counted in."""
        self._ledger_facts(ws)
        self._ledger_items(ws)
        _widths(ws, (14, 12, 10, 12, 10, 30, 14, 12, 14, 10, 10, 12, 12))

    # 原始数据 / Data -------------------------------------------------------------------
    def _item_name(self, item: str) -> tuple[str, str]:
        """A fact's name and unit: a line item or total (10,000 yuan), the months reported,
        a statistic in its registry unit."""
        registry, t, zh = self.r.ctx.registry, self.t, self.r.lang == "zh"
        if item in ("income", "expenditure"):
            return t(f"total_{item}"), t("papers_unit_10k_yuan")
        if item == "months":
            return t("papers_months"), t("papers_unit_months")
        if item in registry.line_items:
            li = registry.line_items[item]
            return (li.zh if zh else li.en), t("papers_unit_10k_yuan")
        st = registry.statistics[item]
        return (st.zh if zh else st.en), t(f"papers_unit_{st.unit}")

    def data(self, ws: Worksheet) -> None:
        """The annual facts of the regions scored, in the years the measures read, as the
        evaluation aggregated them from the monthly tables."""
        t = self.t
        header = [t("papers_col_region"), t("papers_col_code"), t("col_year"),
                  t("papers_col_table"), t("papers_item"), t("papers_col_value"),
                  t("papers_col_unit")]  # fmt: skip
        _header(ws, self._title("papers_sheet_data"), header)
        facts = annual_data(self.r.ds, self.r.ctx, self.a)
        names = {item: self._item_name(item) for item in facts["item"].unique()}
        regions = {code: self._region(code) for code in facts["region_code"].unique()}
        for x in facts.itertuples():  # a province's regions × two years × ~50 facts
            name, unit = names[x.item]
            row = _row(ws, [regions[x.region_code], str(x.region_code), int(x.year),
                            t(f"papers_facts_{x.table}"), name, float(x.value), unit])  # fmt: skip
            ws.cell(row, 6).number_format = AMOUNT
        if len(facts):
            ws.auto_filter.ref = f"A2:G{ws.max_row}"
        _widths(ws, (14, 9, 8, 16, 34, 14, 10))


def working_papers(
    report: AppraisalReport,
    mine: pd.DataFrame,
    as_of: datetime.date,
    prepared: datetime.date,
) -> Workbook:
    """The working papers of the provincial evaluation ``report``, in its language."""
    return WorkingPapers(report, mine, as_of, prepared).workbook()


def write_working_papers(
    report: AppraisalReport,
    mine: pd.DataFrame,
    as_of: datetime.date,
    path: str | Path,
    prepared: datetime.date | None = None,
) -> Path:
    """Write the working papers to ``path`` (.xlsx), atomically; return the path.
    ``prepared``: the date they are prepared on (today unless given)."""
    buffer = io.BytesIO()
    working_papers(report, mine, as_of, prepared or datetime.date.today()).save(buffer)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path
