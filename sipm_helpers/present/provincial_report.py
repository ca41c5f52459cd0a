"""The province's report to the centre across all its funds (Art. 18, 19), section by
section, for its notebook (the printed cover gives who made it, for whom, its number and
date): the summary (摘要) first, the funds' overview,
how the evaluation was organised, the results by fund, region and category of Art. 9,
achievements, problems, the quality of the self-evaluations on a scale of their own, the
overall conclusion, the evaluation's limitations (评价的局限性) and the annexes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.consolidation import Consolidated, Fact
from sipm_helpers.domain.quality import CRITERIA
from sipm_helpers.paths import RECTIFICATION_ITEMS, WORKING_PAPERS
from sipm_helpers.present.findings import basis_name, fmt_date
from sipm_helpers.present.formatting import DASH, fmt_money, fmt_number, fmt_rate, fmt_score
from sipm_helpers.present.rule_basis import rule_source, rules_documents
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.tables import Cell, GroupRow, html_table

SUMMARY_PROBLEMS = 3  # the problems the summary names, those of the most regions first
WELL = ("excellent", "good")


def _h(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def _list(items: Iterable[str]) -> str:
    return "<ol>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ol>"


class ProvincialReport:
    """Formats one :class:`Consolidated` in the language asked for. ``annexes`` maps each
    fund to the files of its provincial evaluation (report, working papers, items) as
    links relative to this report (None: named without a link)."""

    def __init__(
        self,
        c: Consolidated,
        ds: Dataset,
        ctx: Context,
        lang: str = "en",
        annexes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.c, self.ds, self.lang = c, ds, lang
        self.ctx = ctx.for_province(c.province, c.year)  # its own rules, Art. 24
        self.digits = ctx.standards.score_decimals
        self.labels = load_labels(lang)
        self.t = self.labels.t
        self.annex_links = annexes or {}

    # names -----------------------------------------------------------------------------
    def join(self, items: Iterable[str]) -> str:
        return self.labels.t("lang_list_separator").join(items) or DASH

    def region(self, code: str) -> str:
        return self.ds.region_name(code, self.lang)

    def fund(self, code: str) -> str:
        return self.ctx.registry.fund_name(code, self.lang)

    def grade(self, code: object) -> str:
        found = [g for g in self.ctx.standards.grades if g.code == code]
        if not found:
            return DASH
        return found[0].zh if self.lang == "zh" else found[0].en

    def rating(self, code: object) -> str:
        found = [r for r in self.ctx.quality.ratings if r.code == code]
        return found[0].name(self.lang) if found else DASH

    def date(self, value: object) -> str:
        return fmt_date(value, self.lang)

    def counted(self, counts: Mapping[str, int], name) -> str:
        """'优 3 个、良 2 个' from codes and counts (codes in ``counts``' order)."""
        t = self.labels.t
        return self.join(
            t("pe_grade_count", grade=name(k), count=n) for k, n in counts.items() if n
        )

    @property
    def scored(self) -> pd.DataFrame:
        s = self.c.standing
        return s.loc[s["status"] == "evaluated"]

    # sections --------------------------------------------------------------------------
    def _grade_counts(self, frame: pd.DataFrame) -> dict[str, int]:
        counts = frame["evaluated_grade"].value_counts()
        return {g.code: int(counts.get(g.code, 0)) for g in self.ctx.standards.grades}

    def _means(self) -> pd.Series:
        return self.scored.groupby("fund")["evaluated_total"].mean().sort_values()

    def summary(self) -> Section:
        t, c = self.t, self.c
        parts = [_h(t("pr_summary"))]
        parts.append(_para(t("pr_summary_scope", province=self.region(c.province),
                             evaluator=self.ctx.appraisal.evaluator_name(self.lang),
                             funds=len(c.funds), year=c.year, regions=len(c.standing),
                             evaluated=len(self.scored))))  # fmt: skip
        means = self._means()
        if not means.empty:
            grades = self.counted(self._grade_counts(self.scored), self.grade)
            parts.append(_para(t("pr_summary_grades", grades=grades,
                                 best=self.fund(means.index[-1]),
                                 best_total=fmt_score(means.iloc[-1], self.digits),
                                 worst=self.fund(means.index[0]),
                                 worst_total=fmt_score(means.iloc[0], self.digits))))  # fmt: skip
            parts.append(_para(t("pr_summary_quality", ratings=self._rating_counts())))
        parts.append(_para(self._summary_problems()))
        missing = [f for f in c.funds if not c.results.get(f)]
        if missing:
            names = self.join(self.fund(f) for f in missing)
            parts.append(_para(t("pr_summary_not_evaluated", funds=names), "bad"))
        return Section("".join(parts))

    def _rating_counts(self) -> str:
        rated = self.c.standing["rating"].dropna().value_counts()
        counts = {r.code: int(rated.get(r.code, 0)) for r in self.ctx.quality.ratings}
        return self.counted(counts, self.rating)

    def _problem_names(self, frame: pd.DataFrame) -> list[str]:
        """Each problem row in words, with the regions it concerns."""
        return [
            self.t(
                "pr_problem_regions",
                problem=self.t(
                    f"common_{r.problem}", indicator=self._indicator(r.fund, r.indicator)
                ),
                regions=r.regions,
            )
            for r in frame.itertuples()
        ]

    def _indicator(self, fund: str, code: object) -> str:
        if not isinstance(code, str) or not code:
            return ""
        return self.ctx.catalogue(fund, self.c.province).indicator(code).name(self.lang)

    def _summary_problems(self) -> str:
        """The problems of the most regions across funds (named by the first fund's words)."""
        p = self.c.problems
        if p.empty:
            return self.t("pr_summary_no_problems")
        top = p.groupby(["problem", "indicator"], sort=False).agg(
            fund=("fund", "first"), regions=("regions", "sum")
        )
        top = top.sort_values("regions", ascending=False, kind="stable").head(SUMMARY_PROBLEMS)
        names = self._problem_names(top.reset_index())
        return self.t("pr_summary_problems", problems=self.join(names))

    def overview(self) -> Section:
        """一、Each fund's income, expenditure and balance by region and for the province."""
        t, o = self.t, self.c.overview
        parts = [_h(t("pr_overview")), _para(t("pr_overview_text", year=self.c.year))]
        rows: list = []
        for fund, mine in o.groupby("fund", sort=False):
            rows.append(GroupRow(self.fund(str(fund))))
            for r in mine.itertuples():
                name = t("pr_total_row") if r.total else self.region(r.region_code)
                rows.append([name, fmt_money(r.income), fmt_money(r.expenditure),
                             fmt_money(r.surplus), fmt_money(r.balance_end),
                             fmt_rate(r.growth), fmt_number(r.months, 1)])  # fmt: skip
        header = [t("pr_col_region"), t("pr_col_income"), t("pr_col_expenditure"),
                  t("pr_col_surplus"), t("pr_col_balance"), t("pr_col_growth"),
                  t("pr_col_months")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=range(1, 7)))
        return Section("".join(parts))

    def organisation(self) -> Section:
        """二、The method, and the evaluator's findings counted by their basis."""
        t, r = self.t, self.c.reviews
        gap = fmt_number(self.ctx.appraisal.gap_points, 1)
        documents = rules_documents(self.ctx, self.labels)
        method = [
            t("pr_method", gap=gap),
            rule_source(self.ctx, "appraisal.gap_points", self.labels),
        ]
        method += [t("pe_rules_text", documents=documents)] if documents else []
        parts = [_h(t("pr_organisation")), _para(self.labels.sentences(method))]
        if r.empty:
            return Section("".join(parts) + _para(t("pr_reviews_none")))
        by_basis = r.groupby("basis", sort=False)[["findings", "regions"]].sum()
        rows = [[basis_name(b, self.labels), str(int(x.findings)), str(int(x.regions))]
                for b, x in by_basis.iterrows()]  # fmt: skip
        header = [t("pr_col_basis"), t("pr_col_findings"), t("pr_col_regions")]
        parts += [_para(t("pr_reviews_text")), html_table(header, rows, numeric_columns=[1, 2])]
        return Section("".join(parts))

    def results(self) -> Section:
        """三、Results by fund, by region, and by category of Art. 9."""
        t = self.t
        parts = [_h(t("pr_results")), _h(t("pr_results_funds"), 3), self._fund_table()]
        parts += [_h(t("pr_results_regions"), 3), self._region_table()]
        parts += [_h(t("pr_results_categories"), 3), _para(t("pr_categories_text"))]
        parts.append(self._category_table())
        return Section("".join(parts))

    def _fund_table(self) -> str:
        t, s, grades = self.t, self.c.standing, self.ctx.standards.grades
        rows = []
        for fund in self.c.funds:
            mine = s.loc[s["fund"] == fund]
            scored = mine.loc[mine["status"] == "evaluated"]
            if not self.c.results.get(fund):
                rows.append([self.fund(fund), str(len(mine)), Cell(t("pr_not_evaluated"),
                             css="bad"), *[DASH] * (len(grades) + 1)])  # fmt: skip
                continue
            counts = self._grade_counts(scored)
            rows.append([self.fund(fund), str(len(mine)), str(len(scored)),
                         *[str(counts[g.code]) for g in grades],
                         fmt_score(scored["evaluated_total"].mean(), self.digits)])  # fmt: skip
        header = [t("pr_col_fund"), t("pr_col_regions"), t("pr_col_evaluated"),
                  *[self.grade(g.code) for g in grades], t("pr_col_mean")]  # fmt: skip
        return html_table(header, rows, numeric_columns=range(1, len(header)))

    def _region_table(self) -> str:
        t, rows = self.t, []
        for fund, mine in self.c.standing.groupby("fund", sort=False):
            rows.append(GroupRow(self.fund(str(fund))))
            for r in mine.itertuples():
                if r.status != "evaluated":
                    status = (
                        t("pe_missing") if r.status != "not_evaluated" else t("pr_not_evaluated")
                    )
                    rows.append([self.region(r.region_code), Cell(status, css="bad"),
                                 DASH, DASH, DASH, DASH, DASH])  # fmt: skip
                    continue
                rows.append([self.region(r.region_code),
                             fmt_score(r.self_total, self.digits), self.grade(r.self_grade),
                             fmt_score(r.evaluated_total, self.digits),
                             self.grade(r.evaluated_grade),
                             Cell(fmt_score(r.gap, self.digits, signed=True), True,
                                  "bad" if r.gap_flag else None),
                             DASH if pd.isna(r.rank) else str(int(r.rank))])  # fmt: skip
        header = [t("pr_col_region"), t("pe_self_total"), t("pe_self_grade"),
                  t("pe_evaluated_total"), t("pe_evaluated_grade"), t("pe_gap"),
                  t("pe_rank")]  # fmt: skip
        return html_table(header, rows, numeric_columns=[1, 3, 5, 6])

    def _category_table(self) -> str:
        cats = self.c.categories
        if cats.empty:
            return ""
        codes = list(dict.fromkeys(cats["category"]))
        first = self.ctx.catalogue(str(cats["fund"].iloc[0]), self.c.province).categories
        names = [first.get(code, {}).get(self.lang, code) for code in codes]
        rows: list = []
        for fund, mine in cats.groupby("fund", sort=False):
            rows.append(GroupRow(self.fund(str(fund))))
            for region, r in mine.groupby("region_code", sort=False):
                by = r.set_index("category")
                rows.append([self.region(str(region)), *[
                    f"{fmt_score(by.at[c, 'earned'], self.digits)} / "
                    f"{fmt_score(by.at[c, 'points'], self.digits)}" if c in by.index else DASH
                    for c in codes]])  # fmt: skip
        header = [self.t("pr_col_region"), *names]
        return html_table(header, rows, numeric_columns=range(1, len(header)))

    def _fact_text(self, prefix: str, fact: Fact) -> str:
        values = dict(fact.values)
        if "funds" in values:
            values["funds"] = self.join(self.fund(f) for f in values["funds"])
        if "as_of" in values:
            values["as_of"] = self.date(values["as_of"])
        return self.t(f"{prefix}_{fact.code}", **values)

    def achievements(self) -> Section:
        """四、What the province achieved, each a fact of the figures."""
        t = self.t
        found = [self._fact_text("ach", a) for a in self.c.achievements]
        body = _list(found) if found else _para(t("pr_achievements_none"))
        return Section(_h(t("pr_achievements")) + body)

    def problems(self) -> Section:
        """五、The problems found, by fund, and the earlier items' state."""
        t, p = self.t, self.c.problems
        parts = [_h(t("pr_problems"))]
        if p.empty:
            parts.append(_para(t("pr_problems_none")))
        else:
            parts.append(_para(t("pr_problems_text")))
            for fund, mine in p.groupby("fund", sort=False):
                parts.append(_h(self.fund(str(fund)), 4) + _list(self._problem_names(mine)))
        parts.append(self._items())
        return Section("".join(parts))

    def _items(self) -> str:
        t, i = self.t, self.c.items
        if i.empty:
            return ""
        wide = i.pivot_table(index="fund", columns="state", values="items", aggfunc="sum")
        states = ["closed", "open", "overdue"]
        order = [f for f in self.c.funds if f in wide.index]
        wide = wide.reindex(index=order, columns=states).fillna(0).astype(int)
        rows = [[self.fund(str(f)), *[str(x[s]) for s in states]] for f, x in wide.iterrows()]
        header = [t("pr_col_fund"), *[t(f"state_{s}") for s in states]]
        intro = _para(t("pr_items_text", as_of=self.date(self.c.as_of)))
        return _h(t("pr_items"), 3) + intro + html_table(header, rows, numeric_columns=[1, 2, 3])

    def quality(self) -> Section:
        """六、Each self-evaluation's quality on its own scale, criterion by criterion."""
        t, s = self.t, self.c.standing
        ratings = self.ctx.quality.ratings
        names = [t(f"crit_{c}") for c in CRITERIA]
        parts = [_h(t("pr_quality")),
                 _para(t("pr_quality_text", criteria=len(CRITERIA), names=self.join(names),
                         first=ratings[0].name(self.lang), last=ratings[-1].name(self.lang))),
                 _para(t("pr_quality_counts", ratings=self._rating_counts()))]  # fmt: skip
        rows: list = []
        for fund, mine in s.loc[s["rating"].notna()].groupby("fund", sort=False):
            rows.append(GroupRow(self.fund(str(fund))))
            for r in mine.to_dict("records"):
                marks = [Cell(t("pr_falls_short"), css="bad") if r[f"short_{c}"]
                         else t("pr_meets") for c in CRITERIA]  # fmt: skip
                rows.append([self.region(r["region_code"]), *marks, self.rating(r["rating"])])
        header = [t("pr_col_region"), *names, t("pr_col_rating")]
        return Section("".join(parts) + (html_table(header, rows) if rows else ""))

    def conclusion(self) -> Section:
        """七、The overall conclusion: the grade of the regions' mean evaluated score."""
        t, s = self.t, self.scored
        parts = [_h(t("pr_conclusion"))]
        if s.empty:
            return Section("".join(parts) + _para(t("pr_conclusion_none")))
        mean = float(s["evaluated_total"].mean())
        grade = next(g for g in self.ctx.standards.grades if mean >= g.min)
        weak = s.loc[~s["evaluated_grade"].isin(WELL), "fund"].unique().tolist()
        spread = (t("pr_conclusion_spread", funds=self.join(self.fund(f) for f in weak))
                  if weak else t("pr_conclusion_even"))  # fmt: skip
        text = t("pr_conclusion_text", year=self.c.year, grade=self.grade(grade.code),
                 total=fmt_score(mean, self.digits), spread=spread)  # fmt: skip
        return Section("".join(parts) + _para(text))

    def limitations(self) -> Section:
        """八、What the conclusions must be weighed against."""
        found = [self._fact_text("lim", f) for f in self.c.limitations]
        return Section(_h(self.t("pr_limitations")) + _list(found))

    def annexes(self) -> Section:
        """附件: each fund's provincial evaluation report, working papers and items."""
        t, items = self.t, []
        for fund in self.c.evaluated_funds:
            links = self.annex_links.get(fund, {})
            for kind in ("report", "papers", "items"):
                text = escape(t(f"pr_annex_{kind}", fund=self.fund(fund)))
                href = links.get(kind)
                items.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
        body = "<ol>" + "".join(f"<li>{i}</li>" for i in items) + "</ol>"
        return Section(_h(t("pr_annexes")) + body)


def annex_links(found: Mapping[str, Path | None], report: Path | None) -> dict[str, dict]:
    """Per fund, the links from the report whose result is at ``report`` to its provincial
    evaluation's files (``found``: each fund's stage-04 result file), as the batch lays
    them out: the site mirrors the runs folder, and the province's stage-04 report of a
    fund bears the same name as its report to the centre (the province's code and name,
    the language), so a path relative between results holds between pages."""
    if report is None:
        return {}
    out = {}
    for fund, result in found.items():
        if result is None:
            continue
        rel = Path(os.path.relpath(result.parent / report.name, report.parent))
        out[fund] = {
            "report": rel.with_suffix(".html").as_posix(),
            "papers": rel.with_suffix(WORKING_PAPERS).as_posix(),
            "items": rel.with_suffix(RECTIFICATION_ITEMS).as_posix(),
        }
    return out
