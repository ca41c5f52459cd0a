"""The disclosure to the people's congress and the public (Art. 21), section by section,
for its notebook, in plain words: what the tables are, then the performance targets table
published with the budget draft (the budget's income, expenditure and balance; each
fund's targets by first-, second- and third-level indicator), the performance evaluation
results table published with the final accounts (the budget against its execution, each
fund's score and grade, the main problems, the state of their rectification) and what is
withheld, with its reason and the rule it rests on."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.disclosure import DisclosureRules
from sipm_helpers.config.labels import load_labels
from sipm_helpers.config.tables import load_table_specs
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.disclosure import Disclosure, is_country
from sipm_helpers.present.disclosure_charts import budget_chart, score_chart
from sipm_helpers.present.formatting import (
    DASH,
    fmt_money,
    fmt_points,
    fmt_rate,
    fmt_score,
    fmt_value,
)
from sipm_helpers.present.sections import Section, _figure, _para
from sipm_helpers.present.tables import GroupRow, html_table

UNITS = ("persons", "cases", "months", "years", "yuan", "10k_yuan")  # named after a value


def _h(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def _list(items: Iterable[str]) -> str:
    return "<ol>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ol>"


class DisclosureReport:
    """Formats one :class:`Disclosure` in the language asked for."""

    def __init__(
        self, d: Disclosure, ds: Dataset, ctx: Context, rules: DisclosureRules, lang: str = "en"
    ) -> None:
        self.d, self.ds, self.ctx, self.rules, self.lang = d, ds, ctx, rules, lang
        self.digits = ctx.standards.score_decimals
        self.labels = load_labels(lang)
        self.t = self.labels.t
        self.country = is_country(ds, d.region)

    # names -----------------------------------------------------------------------------
    def join(self, items: Iterable[str]) -> str:
        return self.t("lang_list_separator").join(items) or DASH

    def region(self, code: str) -> str:
        return self.ds.region_name(code, self.lang)

    def fund(self, code: str) -> str:
        return self.ctx.registry.fund_name(code, self.lang)

    def grade(self, code: object) -> str:
        found = [g for g in self.ctx.standards.grades if g.code == code]
        return (found[0].zh if self.lang == "zh" else found[0].en) if found else DASH

    def _catalogue(self, fund: str):
        return self.ctx.catalogue(fund, None if self.country else self.d.region)

    def indicator(self, fund: str, code: object) -> str:
        if not isinstance(code, str) or not code:
            return ""
        return self._catalogue(fund).indicator(code).name(self.lang)

    def target(self, value: object, unit: object) -> str:
        """A target in its unit: 95.0%, 1,000 persons (人), 6.00 months."""
        unit = unit if isinstance(unit, str) else None
        text = fmt_value(value, unit)
        if unit in UNITS and text != DASH:
            return self.t("dis_value_unit", value=text, unit=self.t(f"dis_unit_{unit}"))
        return text

    def _bands(self) -> str:
        """The grades with their bands, from the scoring standards (best first): 90分（含）
        以上为"优"，80分（含）至90分为"良"……60分以下为"差"."""
        grades, t = self.ctx.standards.grades, self.t
        bands = []
        for i, g in enumerate(grades):
            name, low = self.grade(g.code), fmt_points(g.min, 0)
            if i == 0:
                bands.append(t("dis_grade_band_first", grade=name, min=low))
            elif g.min > 0:
                upper = fmt_points(grades[i - 1].min, 0)
                bands.append(t("dis_grade_band", grade=name, min=low, upper=upper))
            else:
                bands.append(
                    t("dis_grade_band_last", grade=name, below=fmt_points(grades[i - 1].min, 0))
                )
        return t("dis_grade_band_separator").join(bands)

    # sections --------------------------------------------------------------------------
    def about(self) -> Section:
        """What the two tables are, in plain words, and how to read them."""
        t, d = self.t, self.d
        scope = t("dis_scope_country") if self.country else t("dis_scope_province")
        parts = [
            _para(
                t(
                    "dis_about",
                    region=self.region(d.region),
                    budget_year=d.budget_year,
                    year=d.year,
                    funds=len(d.funds),
                    scope=scope,
                )
            ),
            _para(t("dis_about_units", grades=self._bands())),
        ]
        return Section("".join(parts))

    def budget(self) -> Section:
        """一、(一) The budget of each fund: income, expenditure, the year's surplus and the
        balances, with the funds' total, and a chart of income against expenditure."""
        t, b = self.t, self.d.budget
        parts = [_h(t("dis_targets_heading", budget_year=self.d.budget_year)),
                 _h(t("dis_budget_heading"), 3)]  # fmt: skip
        if b.empty:
            return Section("".join(parts) + _para(t("dis_budget_none")))
        parts.append(_para(t("dis_budget_text", budget_year=self.d.budget_year,
                             income=fmt_money(b["income"].sum()),
                             expenditure=fmt_money(b["expenditure"].sum()),
                             balance=fmt_money(b["balance_end"].sum()))))  # fmt: skip
        rows = [self._money_row(self.fund(r.fund), r) for r in b.itertuples()]
        rows.append(self._money_row(t("dis_total_row"), b[list(b.columns[1:])].sum()))
        header = [t("pr_col_fund"), t("dis_col_income"), t("dis_col_expenditure"),
                  t("dis_col_surplus"), t("dis_col_balance_end")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=range(1, 5)))
        names = [self.fund(f) for f in b["fund"]]
        parts.append(_figure(budget_chart(b, names, self.labels, self.d.budget_year)))
        return Section("".join(parts))

    @staticmethod
    def _money_row(name: str, r) -> list[str]:
        return [name, fmt_money(r.income), fmt_money(r.expenditure), fmt_money(r.surplus),
                fmt_money(r.balance_end)]  # fmt: skip

    def targets(self) -> Section:
        """一、(二) Each fund's targets, annual then overall, by first-, second- and
        third-level indicator (a level named where it changes, as merged cells read)."""
        t, tt = self.t, self.d.targets
        parts = [_h(t("dis_targets_table_heading"), 3), _para(t("dis_targets_text"))]
        rows: list = []
        for fund in self.d.funds:
            mine = tt.loc[tt["fund"] == fund]
            if mine.empty:
                rows.append(GroupRow(t("dis_targets_group", fund=self.fund(fund),
                                       period=t("dis_targets_none"))))  # fmt: skip
                continue
            for (period, start, end), group in mine.groupby(
                ["period", "start_year", "end_year"], sort=False
            ):
                label = self._period(str(period), int(start), int(end))
                rows.append(GroupRow(t("dis_targets_group", fund=self.fund(fund), period=label)))
                rows += self._target_rows(fund, group)
        header = [t("dis_col_level1"), t("dis_col_level2"), t("dis_col_level3"),
                  t("dis_col_target")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=[3]))
        return Section("".join(parts))

    def _target_rows(self, fund: str, group: pd.DataFrame) -> list[list[str]]:
        cat = self._catalogue(fund)
        first = cat.categories
        second = cat.groups
        shown_1 = group["category"].ne(group["category"].shift())
        shown_2 = shown_1 | group["group"].ne(group["group"].shift())
        return [
            [first.get(r.category, {}).get(self.lang, r.category) if a else "",
             second.get(r.group, {}).get(self.lang, r.group) if b else "",
             self.indicator(fund, r.indicator), self.target(r.target, r.unit)]
            for r, a, b in zip(group.itertuples(), shown_1, shown_2, strict=True)
        ]  # fmt: skip

    def _period(self, period: str, start: int, end: int) -> str:
        if period == "annual":
            return self.t("dis_period_annual", year=start)
        return self.t("dis_period_overall", start=start, end=end)

    def accounts(self) -> Section:
        """二、(一) Each fund's budget of the year against its execution."""
        t, a = self.t, self.d.accounts
        parts = [_h(t("dis_results_heading", year=self.d.year)), _h(t("dis_accounts_heading"), 3)]
        if a.empty:
            return Section("".join(parts) + _para(t("dis_accounts_none", year=self.d.year)))
        parts.append(_para(t("dis_accounts_text", year=self.d.year,
                             income=fmt_money(a["income"].sum()),
                             rate=fmt_rate(a["income"].sum() / a["budget_income"].sum()),
                             expenditure=fmt_money(a["expenditure"].sum()),
                             balance=fmt_money(a["balance_end"].sum()))))  # fmt: skip
        short = a.loc[a["months"] < 12]
        if not short.empty:
            parts.append(_para(t("dis_accounts_partial", year=self.d.year,
                                 funds=self.join(self.fund(f) for f in short["fund"]),
                                 months=int(short["months"].min())), "bad"))  # fmt: skip
        total = a[["budget_income", "income", "budget_expenditure", "expenditure",
                   "balance_end"]].sum().to_dict()  # fmt: skip
        total.update(income_rate=total["income"] / total["budget_income"],
                     expenditure_rate=total["expenditure"] / total["budget_expenditure"])  # fmt: skip
        rows = [self._accounts_row(self.fund(r["fund"]), r) for _, r in a.iterrows()]
        rows.append(self._accounts_row(t("dis_total_row"), total))
        header = [t("pr_col_fund"), t("dis_col_budget_income"), t("dis_col_income_done"),
                  t("dis_col_rate"), t("dis_col_budget_expenditure"),
                  t("dis_col_expenditure_done"), t("dis_col_rate"), t("dis_col_balance_end")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=range(1, 8)))
        return Section("".join(parts))

    @staticmethod
    def _accounts_row(name: str, r) -> list[str]:
        return [name, fmt_money(r["budget_income"]), fmt_money(r["income"]),
                fmt_rate(r["income_rate"]), fmt_money(r["budget_expenditure"]),
                fmt_money(r["expenditure"]), fmt_rate(r["expenditure_rate"]),
                fmt_money(r["balance_end"])]  # fmt: skip

    def scores(self) -> Section:
        """二、(二) Each fund's evaluated score and grade, a chart of them, and the score of
        each coordinating region (of each province, for the country)."""
        t, f = self.t, self.d.fund_scores
        parts = [_h(t("dis_scores_heading"), 3)]
        scored = f.loc[f["total"].notna()]
        if scored.empty:
            return Section("".join(parts) + _para(t("dis_scores_none", year=self.d.year)))
        parts.append(_para(t("dis_scores_text", year=self.d.year, funds=len(scored),
                             grades=self._grade_counts(scored))))  # fmt: skip
        rows = [[self.fund(r.fund), str(r.regions), str(r.evaluated),
                 fmt_score(r.total, self.digits), self.grade(r.grade)] for r in f.itertuples()]  # fmt: skip
        header = [t("pr_col_fund"), t("dis_col_units"),
                  t("pr_col_evaluated"), t("dis_col_score"), t("dis_col_grade")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3]))
        chart = scored.assign(grade_name=[self.grade(g) for g in scored["grade"]])
        names = [self.fund(x) for x in chart["fund"]]
        parts.append(_figure(score_chart(chart, names, self.ctx.standards.grades, self.labels,
                                         self.d.year, self.digits)))  # fmt: skip
        parts.append(self._unit_table())
        return Section("".join(parts))

    def _grade_counts(self, frame: pd.DataFrame) -> str:
        counts = frame["grade"].value_counts()
        return self.join(
            self.t("dis_grade_count", grade=self.grade(g.code), count=int(counts[g.code]))
            for g in self.ctx.standards.grades
            if counts.get(g.code, 0)
        )

    def _unit_table(self) -> str:
        t, rows = self.t, []
        for fund, mine in self.d.scores.groupby("fund", sort=False):
            rows.append(GroupRow(self.fund(str(fund))))
            for r in mine.itertuples():
                rows.append([self.region(r.unit), fmt_score(r.total, self.digits),
                             self.grade(r.grade) if pd.notna(r.total) else t("dis_not_evaluated")])  # fmt: skip
        unit = t("dis_col_province") if self.country else t("pr_col_region")
        header = [unit, t("dis_col_score"), t("dis_col_grade")]
        intro = _para(t("dis_units_text_country" if self.country else "dis_units_text"))
        return _h(t("dis_units_heading"), 4) + intro + html_table(header, rows, numeric_columns=[1])

    def problems(self) -> Section:
        """二、(三) The main problems the evaluations found, by fund, in plain words."""
        t, p = self.t, self.d.problems
        parts = [_h(t("dis_problems_heading"), 3)]
        if p.empty:
            return Section("".join(parts) + _para(t("dis_problems_none")))
        parts.append(_para(t("dis_problems_text")))
        most = self.rules.main_problems
        for fund, mine in p.groupby("fund", sort=False):
            more = len(mine) - most
            mine = mine.head(most)
            items = [
                t("dis_problem_regions", problem=self._problem(str(fund), r.problem, r.indicator),
                  regions=r.regions)
                for r in mine.itertuples()
            ]  # fmt: skip
            parts.append(_h(self.fund(str(fund)), 4) + _list(items))
            if more > 0:
                parts.append(_para(t("dis_problems_more", more=more)))
        return Section("".join(parts))

    def _problem(self, fund: str, code: str, indicator: object) -> str:
        """A problem in the public's words (``dis_problem_CODE``), else the evaluation's."""
        key = (
            f"dis_problem_{code}"
            if self.labels.get(f"dis_problem_{code}", "")
            else f"common_{code}"
        )
        return self.t(key, indicator=self.indicator(fund, indicator))

    def rectification(self) -> Section:
        """二、(四) The rectification items by state on the date of the disclosure."""
        t, r = self.t, self.d.rectification
        parts = [_h(t("dis_rectification_heading"), 3)]
        total = r[["closed", "open", "overdue"]].to_numpy().sum() if not r.empty else 0
        if total == 0:
            return Section("".join(parts) + _para(t("dis_rectification_none")))
        parts.append(_para(t("dis_rectification_text", as_of=self.labels.date(self.d.as_of),
                             items=int(total), closed=int(r["closed"].sum()),
                             open=int(r["open"].sum()), overdue=int(r["overdue"].sum()))))  # fmt: skip
        rows = [[self.fund(x.fund), str(x.closed), str(x.open), str(x.overdue)]
                for x in r.itertuples() if x.closed + x.open + x.overdue]  # fmt: skip
        header = [t("pr_col_fund"), t("state_closed"), t("state_open"), t("state_overdue")]
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3]))
        return Section("".join(parts))

    def withheld(self) -> Section:
        """三、What is not disclosed, with the reason and the rule it rests on."""
        t, specs = self.t, load_table_specs()
        parts = [_h(t("dis_withheld_heading")), _para(t("dis_withheld_text"))]
        zh = self.lang == "zh"
        rows = []
        for w in self.rules.tables:
            spec = specs[w.where]
            column = spec.columns[w.name]
            item = t("dis_withheld_item", table=spec.zh if zh else spec.en,
                     column=column.zh if zh else column.en)  # fmt: skip
            why = t("dis_withheld_why", reason=w.reason.text(self.lang),
                    source=w.source.text(self.lang))  # fmt: skip
            rows.append([item, why])
        parts.append(html_table([t("dis_col_column"), t("dis_col_reason")], rows))
        return Section("".join(parts))

    def sections(self) -> list[Section]:
        """Every section in the order the notebook shows them."""
        return [self.about(), self.budget(), self.targets(), self.accounts(), self.scores(),
                self.problems(), self.rectification(), self.withheld()]  # fmt: skip
