"""The provincial evaluation report (Art. 17–20), section by section, for notebook 04: the
regions' self-assessed against evaluated scores, what the evaluator changed, the quality
of each self-evaluation, the comparison across regions, the follow-up of earlier
rectification items, the new ones, and next year's targets to reconsider."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.config.policy import PolicyParameter
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import MISSING, ROBUST, Appraisal
from sipm_helpers.domain.common_problems import actions, evaluated, missed_targets
from sipm_helpers.domain.follow_up import CLOSED, OPEN, OVERDUE
from sipm_helpers.domain.provincial import is_central
from sipm_helpers.present import plots
from sipm_helpers.present.findings import basis_name, fmt_date, note, value_text
from sipm_helpers.present.formatting import (
    DASH,
    fmt_money,
    fmt_number,
    fmt_rate,
    fmt_score,
    fmt_value,
)
from sipm_helpers.present.issuers import pool_key
from sipm_helpers.present.report import conclusion_cell
from sipm_helpers.present.rule_basis import rule_basis, rule_source, rules_documents
from sipm_helpers.present.sections import Section, _figure, _para
from sipm_helpers.present.suggestions import listed, worded
from sipm_helpers.present.tables import Cell, html_table
from sipm_helpers.present.wording import band_text, expectation, measured

NAMED = 3  # the indicators an action names at most (most regions first); the table has all


@dataclass(frozen=True)
class FollowUp:
    """What the report shows of the use of results: earlier items as of the report's date,
    the new items in words, and the target recommendations."""

    earlier: pd.DataFrame
    new: pd.DataFrame
    recommendations: pd.DataFrame
    suggestions: pd.DataFrame  # sipm_helpers.domain.suggestions.suggest
    common: pd.DataFrame  # sipm_helpers.domain.common_problems.common_problems (shared only)
    anomalies: pd.DataFrame = field(default_factory=pd.DataFrame)  # policy_standards


def _count(value: object) -> Cell:
    """A count of problems, red where there are some; a dash where not evaluated."""
    if pd.isna(value):
        return Cell(DASH, True)
    return Cell(str(int(value)), True, "bad" if value else None)


class AppraisalReport:
    """Formats one :class:`Appraisal` and its follow-up in the language asked for."""

    def __init__(
        self, a: Appraisal, follow: FollowUp, ds: Dataset, ctx: Context, lang: str = "en"
    ) -> None:
        self.a, self.follow, self.ds, self.lang = a, follow, ds, lang
        self.ctx = ctx.for_province(a.province, a.year)  # its own rules, Art. 24
        self.digits = ctx.standards.score_decimals  # totals and scores shown as rounded
        self.labels = load_labels(lang)
        self.t = self.labels.t

    # names -----------------------------------------------------------------------------
    def _key(self, key: str) -> str:
        """``key``, worded for the centre's own pool where it is evaluated (Art. 23)."""
        return pool_key(self.labels, key, is_central(self.ds, self.a.province))

    def region(self, code: str) -> str:
        return self.ds.region_name(code, self.lang)

    def indicator(self, code: str) -> str:
        return self.ctx.catalogue(self.a.fund, self.a.province).indicator(code).name(self.lang)

    def grade(self, code: object) -> str:
        found = [g for g in self.ctx.standards.grades if g.code == code]
        if not found:
            return DASH
        return found[0].zh if self.lang == "zh" else f"{found[0].en} ({found[0].zh})"

    @property
    def own_province_only(self) -> bool:
        """The fund is pooled at province level: the province is its only region."""
        return self.a.regions["region_code"].tolist() == [self.a.province]

    # sections --------------------------------------------------------------------------
    def header(self) -> Section:
        t, r = self.t, self.a.regions
        facts = [
            (t(self._key("province")), f"{self.region(self.a.province)} ({self.a.province})"),
            (t("fund"), self.ctx.registry.fund(self.a.fund).name(self.lang)),
            (t("budget_year"), str(self.a.year)),
            (t("pe_regions"), str(len(r))),
            (t("pe_evaluated"), str(int((r["status"] != MISSING).sum()))),
        ]
        documents = rules_documents(self.ctx, self.labels)
        facts += [(t("pe_rules_documents"), documents)] if documents else []
        items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
        return Section(f'<dl class="sipm-facts">{items}</dl>')

    def summary(self) -> Section:
        t, r = self.t, self.a.regions
        scored = r.loc[r["status"] != MISSING]
        parts = [f"<h2>{escape(t('summary_heading'))}</h2>"]
        if self.own_province_only:
            own = t(self._key("pe_own_province"), province=self.region(self.a.province))
            parts.append(_para(own, "note"))
        parts.append(_para(self._summary_text(r, scored)))
        parts.append(self._grades(scored))
        return Section("".join(parts))

    def _summary_text(self, r: pd.DataFrame, scored: pd.DataFrame) -> str:
        """What was evaluated, then only the counts that are not zero: no sentence says
        that nothing was missing or late."""
        t = self.t
        counts = {
            "pe_summary_missing": int((r["status"] == MISSING).sum()),
            "pe_summary_late": int(r["late"].sum()),
            "pe_summary_gaps": int(r["gap_flag"].sum()),
        }
        threshold = fmt_number(self.ctx.appraisal.gap_points, 1)
        sentences = [t("pe_summary", regions=len(r), evaluated=len(scored))]
        sentences += [t(key, count=n, threshold=threshold) for key, n in counts.items() if n]
        if counts["pe_summary_gaps"]:
            sentences.append(rule_source(self.ctx, "appraisal.gap_points", self.labels))
        grades = scored["evaluated_grade"].value_counts()
        if not grades.empty:
            spread = [t("pe_grade_count", grade=self.grade(g), count=int(n))
                      for g, n in grades.items()]  # fmt: skip
            sentences.append(t("pe_summary_grades", grades=listed(spread, self.lang)))
        return self.labels.sentences(sentences)

    def _grades(self, scored: pd.DataFrame) -> str:
        """The evaluated grades' distribution, best grade first (Art. 18's summary)."""
        if scored.empty:
            return ""
        t, n = self.t, len(scored)
        counts = scored["evaluated_grade"].value_counts()
        rows = [
            [self.grade(g.code), Cell(str(int(counts.get(g.code, 0))), True),
             Cell(fmt_rate(counts.get(g.code, 0) / n, 0), True)]
            for g in self.ctx.standards.grades
        ]  # fmt: skip
        header = [t("pe_evaluated_grade"), t("pe_grade_regions"), t("pe_grade_share")]
        return f"<h3>{escape(t('pe_grades_heading'))}</h3>" + html_table(
            header, rows, numeric_columns=[1, 2]
        )

    def rescoring(self) -> Section:
        """Self-assessed against evaluated totals and grades, region by region (Art. 19)."""
        t, r = self.t, self.a.regions.sort_values(["rank", "region_code"], na_position="last")
        rows = []
        for x in r.itertuples():
            missing = x.status == MISSING
            gap = fmt_score(x.gap, self.digits, signed=True)
            gap = Cell(DASH if missing else gap, True, "bad" if x.gap_flag else None)
            rows.append(
                [
                    self.region(x.region_code),
                    Cell(DASH if missing else fmt_score(x.self_total, self.digits), True),
                    self.grade(x.self_grade),
                    Cell(DASH if missing else fmt_score(x.evaluated_total, self.digits), True),
                    self.grade(x.evaluated_grade),
                    gap,
                    Cell(DASH if pd.isna(x.rank) else str(int(x.rank)), True),
                    Cell(t("pe_missing"), css="bad") if missing else "",
                ]
            )
        header = [t("region"), t("pe_self_total"), t("pe_self_grade"), t("pe_evaluated_total"),
                  t("pe_evaluated_grade"), t("pe_gap"), t("pe_rank"), t("col_note")]  # fmt: skip
        parts = [f"<h2>{escape(t('pe_rescoring'))}</h2>", _para(t("pe_rescoring_text"))]
        parts.append(html_table(header, rows, numeric_columns=[1, 3, 5, 6]))
        parts.append(self._moved())
        parts.append(self._missed())
        return Section("".join(parts))

    def _moved(self) -> str:
        """Each finding that changed an indicator: how it was found, what was found, the
        region's value and score against the evaluated ones (Art. 17, 19)."""
        t, m = self.t, self.a.moved
        if m.empty:
            return _para(t("pe_moved_none"))
        rows = []
        for x in m.to_dict("records"):
            name, unit = self.indicator(x["indicator"]), self._unit(x["indicator"])
            rows.append(
                [
                    self.region(x["region_code"]),
                    name,
                    basis_name(x["basis"], self.labels),
                    note(x, self.a.year, name, self.labels),
                    value_text(x["self_value"], unit, self.labels),
                    value_text(x["evaluated_value"], unit, self.labels),
                    Cell(fmt_score(x["self_score"], self.digits), True),
                    Cell(fmt_score(x["evaluated_score"], self.digits), True),
                ]
            )
        header = [t("region"), t("col_indicator"), t("pe_basis"), t("pe_note"),
                  t("pe_self_value"), t("pe_evaluated_value"), t("pe_self_score"),
                  t("col_score")]  # fmt: skip
        return (
            f"<h3>{escape(t('pe_moved'))}</h3>"
            + _para(t("pe_moved_text"))
            + html_table(header, rows, numeric_columns=[6, 7])
        )

    def _missed(self) -> str:
        """Each region's quantitative targets missed, region by region: a problem of one
        region is set out here and in its letter, not among the common problems."""
        t, m = self.t, missed_targets(self.a.indicators)
        if not evaluated(self.a):
            return ""
        parts = [f"<h3>{escape(t('pe_missed'))}</h3>"]
        if m.empty:
            return parts[0] + _para(t("pe_missed_none"))
        m = m.sort_values(["region_code", "order"], kind="stable")
        first = ~m["region_code"].duplicated()
        rows = [
            [
                self.region(r.region_code) if head else "",
                self.indicator(r.indicator),
                Cell(fmt_value(r.actual, r.unit), True),
                Cell(expectation(r._asdict(), self.labels), True),
            ]
            for head, r in zip(first, m.itertuples(), strict=True)
        ]
        header = [t("region"), t("col_indicator"), t("col_actual"), t("col_target")]
        parts.append(html_table(header, rows, numeric_columns=[2, 3]))
        return "".join(parts)

    def quality(self) -> Section:
        """The quality of each self-evaluation (Art. 17, 18), and the self-evaluations
        checked against the rectification ledger (Art. 20)."""
        t, r = self.t, self.a.regions
        due = fmt_date(self.ctx.appraisal.due(self.a.year).isoformat(), self.lang)
        rows = []
        for x in r.itertuples():
            received = DASH if pd.isna(x.received) else fmt_date(x.received.date(), self.lang)
            prepared = x.prepared_by if isinstance(x.prepared_by, str) else DASH
            rows.append(
                [
                    self.region(x.region_code),
                    Cell(received, css="date bad" if x.late else "date"),
                    Cell(prepared, css="bad" if x.agency_alone else None),
                    _count(x.unexplained),
                    _count(x.unevidenced),
                    _count(x.denied),
                ]
            )
        header = [t("region"), t("pe_received"), t("pe_prepared_by"), t("pe_unexplained"),
                  t("pe_unevidenced"), t("pe_denied")]  # fmt: skip
        return Section(
            f"<h2>{escape(t('pe_quality'))}</h2>"
            + _para(t(self._key("pe_quality_text"), due=due, basis=self._due_basis()))
            + html_table(header, rows, numeric_columns=[3, 4, 5])
            + self._denied()
            + self._ledger()
        )

    def _denied(self) -> str:
        """The stated reasons the year's figures deny, with those figures (Art. 18)."""
        t, d = self.t, self.a.denied
        if d.empty:
            return ""
        rows = [
            [self.region(x.region_code), self.indicator(x.indicator), x.reason,
             Cell(fmt_money(x.income), True), Cell(fmt_money(x.expenditure), True)]
            for x in d.itertuples()
        ]  # fmt: skip
        header = [t("region"), t("col_indicator"), t("col_reason"), t("pe_year_income"),
                  t("pe_year_expenditure")]  # fmt: skip
        return _para(t("pe_denied_text"), "bad") + html_table(header, rows, numeric_columns=[3, 4])

    def _ledger(self) -> str:
        """Per region, what the rectification ledger says of the year, and evidence that
        contradicts it (flagged for the evaluator)."""
        t, g, rules = self.t, self.a.ledger, self.ctx.ledger
        year = self.a.year
        text = t("pe_ledger_text", year=year, tolerance=fmt_number(rules.rate_tolerance * 100, 0),
                 indicator=self.indicator(rules.cap_indicator),
                 grade=self.labels.t(f"qual_{rules.cap_grade}"))  # fmt: skip
        parts = [f"<h3>{escape(t('pe_ledger'))}</h3>", _para(text)]
        if g.empty:
            return "".join(parts) + _para(t("pe_ledger_none", year=year))
        rows = [
            [self.region(x.region_code), Cell(str(x.due), True), Cell(str(x.on_time), True),
             Cell(fmt_rate(x.rate), True), Cell(fmt_rate(x.reported), True),
             _count(x.overdue)]
            for x in g.itertuples()
        ]  # fmt: skip
        header = [t("region"), t("pe_ledger_due"), t("pe_ledger_on_time"), t("pe_ledger_rate"),
                  t("pe_ledger_reported"), t("pe_ledger_overdue")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3, 4, 5]))
        c = self.a.contradicted
        if len(c):
            rows = [
                [self.region(x.region_code), self.indicator(x.indicator), x.evidence,
                 Cell(str(x.open), True, "bad")]
                for x in c.itertuples()
            ]  # fmt: skip
            header = [t("region"), t("col_indicator"), t("col_evidence"), t("pe_open_items")]
            parts.append(_para(t("pe_contradicted", year=year), "bad"))
            parts.append(html_table(header, rows, numeric_columns=[3]))
        return "".join(parts)

    def comparison(self) -> Section:
        """The comparative method (Art. 17): the regions' totals side by side with outliers
        named, each region against its own past, the regions against the province's and
        the national targets. A province-pooled fund has only the last two."""
        t = self.t
        parts = [f"<h2>{escape(t('pe_comparison'))}</h2>"]
        scored = self.a.regions.loc[self.a.regions["status"] != MISSING]
        if self.own_province_only or len(scored) < 2:
            parts.append(_para(t("pe_comparison_none")))
        else:
            names = [self.region(c) for c in scored["region_code"]]
            totals = scored["evaluated_total"].to_numpy(dtype=float)
            title = t("pe_chart_title", year=self.a.year)
            parts.append(_figure(plots.strip_chart(totals, names, title, t("pe_evaluated_total"))))
            parts.append(self._outliers(len(scored)))
        parts.append(self._history(scored))
        parts.append(self._against())
        parts.append(self._overall())
        return Section("".join(parts))

    def _overall(self) -> str:
        """Each region's overall targets whose period closes this year, concluded on (Art. 8)."""
        t, o = self.t, self.a.overall
        if o.empty:
            return ""
        rows = [
            [self.region(x.region_code), self.indicator(x.indicator),
             f"{int(x.start_year)}–{int(x.end_year)}",
             Cell(fmt_value(x.target, self._unit(x.indicator)), True),
             Cell(fmt_value(x.actual, self._unit(x.indicator)), True),
             conclusion_cell(True, x.achieved, self.labels)]
            for x in o.itertuples()
        ]  # fmt: skip
        header = [t("region"), t("col_indicator"), t("col_period"), t("col_target"),
                  f"{t('col_actual')} {self.a.year}", t("col_conclusion")]  # fmt: skip
        achieved = int(o["achieved"].astype("boolean").fillna(False).sum())
        text = t("pe_overall_text", year=self.a.year, targets=len(o), achieved=achieved)
        return (
            f"<h3>{escape(t('pe_overall'))}</h3>"
            + _para(text)
            + html_table(header, rows, numeric_columns=[3, 4])
        )

    def _unit(self, indicator: str) -> str | None:
        return self.ctx.catalogue(self.a.fund, self.a.province).indicator(indicator).unit

    def _outliers(self, scored: int) -> str:
        """The robust rule in words, then the regions it names, or why it names none."""
        t, rules, out = self.t, self.ctx.appraisal, self.a.outliers
        z = fmt_number(rules.outlier_z, 1)
        rule = t("pe_outliers_rule", robust=fmt_number(ROBUST, 4), z=z,
                 regions=rules.min_regions, floor=fmt_rate(rules.mad_floor, 0),
                 materiality=fmt_rate(rules.outlier_materiality, 0))  # fmt: skip
        if scored < rules.min_regions:
            return _para(rule) + _para(
                t("pe_outliers_few", evaluated=scored, regions=rules.min_regions)
            )
        if out.empty:
            return _para(rule) + _para(t("pe_outliers_none", z=z))
        rows = [
            [
                self.indicator(x.indicator),
                self.region(x.region_code),
                Cell(fmt_value(x.actual, self._unit(x.indicator)), True),
                Cell(fmt_value(x.median, self._unit(x.indicator)), True),
                Cell(fmt_number(x.robust_z, 1), True),
            ]
            for x in out.itertuples()
        ]
        header = [t("col_indicator"), t("region"), t("col_actual"), t("pe_median"), t("pe_z")]
        return (
            _para(rule)
            + _para(t("pe_outliers_text", z=z))
            + html_table(header, rows, numeric_columns=[2, 3, 4])
        )

    def _history(self, scored: pd.DataFrame) -> str:
        """Each region's evaluated totals of the years before and of this year."""
        t, h = self.t, self.a.history
        if scored.empty:
            return ""
        now = scored[["region_code", "evaluated_total"]].rename(
            columns={"evaluated_total": "total"}
        )
        wide = pd.concat([h, now.assign(year=self.a.year)]).pivot_table(
            index="region_code", columns="year", values="total", aggfunc="first"
        )
        rows = [
            [
                self.region(code),
                *(Cell(fmt_score(wide.at[code, y], self.digits), True) for y in wide.columns),
            ]
            for code in wide.index
        ]
        header = [t("region"), *(str(y) for y in wide.columns)]
        return (
            f"<h3>{escape(t('pe_history'))}</h3>"
            + _para(t("pe_history_text", years=len(wide.columns) - 1))
            + html_table(header, rows, numeric_columns=list(range(1, len(header))))
        )

    def _against(self) -> str:
        """The regions against the province's annual targets and the national ones."""
        t, g = self.t, self.a.against
        if g.empty:
            return ""

        def meeting(value: object, regions: int) -> Cell:
            if pd.isna(value):
                return Cell(DASH, True)
            return Cell(f"{int(value)} / {regions}", True, "bad" if value < regions else None)

        def target(x, level: str) -> Cell:
            """The level's target; its band, for an indicator scored by a band."""
            if x.band:
                lower, upper = getattr(x, f"{level}_lower"), getattr(x, f"{level}_upper")
                return Cell(band_text(lower, upper, x.unit, self.labels), True)
            return Cell(fmt_value(getattr(x, f"{level}_target"), x.unit), True)

        rows = [
            [
                self.indicator(x.indicator),
                Cell(measured(x.median, x.unit, self.labels), True),
                target(x, "province"),
                meeting(x.province_meeting, x.regions),
                target(x, "central"),
                meeting(x.central_meeting, x.regions),
            ]
            for x in g.itertuples()
        ]
        header = [t("col_indicator"), t("pe_median"), t(self._key("pe_province_target")),
                  t("pe_meeting"), t("pe_national_target"), t("pe_meeting")]  # fmt: skip
        return (
            f"<h3>{escape(t(self._key('pe_against')))}</h3>"
            + _para(t(self._key("pe_against_text"), year=self.a.year))
            + html_table(header, rows, numeric_columns=[1, 2, 3, 4, 5])
        )

    def rectification(self) -> Section:
        """Earlier items as of the report's date, and the items this evaluation adds (Art. 20)."""
        t, e = self.t, self.follow.earlier
        parts = [f"<h2>{escape(t('pe_rectification'))}</h2>"]
        counts = (
            e.groupby(["region_code", "state"]).size().unstack(fill_value=0) if len(e) else None
        )
        if counts is None:
            parts.append(_para(t("pe_earlier_none")))
        else:
            rows = [
                [self.region(code), *(Cell(str(int(counts.at[code, s]) if s in counts else 0), True,
                 "bad" if s == OVERDUE and s in counts and counts.at[code, s] else None)
                 for s in (CLOSED, OPEN, OVERDUE))]
                for code in counts.index
            ]  # fmt: skip
            header = [t("region"), t("state_closed"), t("state_open"), t("state_overdue")]
            parts.append(html_table(header, rows, numeric_columns=[1, 2, 3]))
        new = self.follow.new
        parts.append(f"<h3>{escape(t('pe_new_items'))}</h3>")
        if new.empty:
            parts.append(_para(t("pe_new_none")))
        else:
            rows = [
                [self.region(x.region_code), x.problem, Cell(x.deadline, css="date")]
                for x in new.itertuples()
            ]
            header = [t("region"), t("pe_problem"), t("pe_deadline")]
            parts.append(html_table(header, rows))
        return Section("".join(parts))

    def recommendations(self) -> Section:
        """Next year's targets to reconsider (Art. 20: results inform the next budget)."""
        t, rec = self.t, self.follow.recommendations
        parts = [f"<h2>{escape(t('pe_recommendations'))}</h2>"]
        years = self.ctx.appraisal.recommendation_years
        margin = fmt_number(self.ctx.appraisal.raise_margin * 100, 0)
        parts.append(_para(t("pe_recommendations_text", years=years, margin=margin)))
        if rec.empty:
            parts.append(_para(t("pe_recommendations_none")))
            return Section("".join(parts) + self._anomalies())
        catalogue = self.ctx.catalogue(self.a.fund, self.a.province)
        rows = [
            [
                self.region(x.region_code),
                self.indicator(x.indicator),
                t(f"rec_{x.recommendation}"),
                Cell(fmt_value(x.target, catalogue.indicator(x.indicator).unit), True),
                Cell(fmt_value(x.actual, catalogue.indicator(x.indicator).unit), True),
            ]
            for x in rec.itertuples()
        ]
        header = [t("region"), t("col_indicator"), t("pe_recommendation"), t("col_target"),
                  t("col_actual")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=[3, 4]))
        return Section("".join(parts) + self._anomalies())

    def _anomalies(self) -> str:
        """Actuals far from the national policy standard their target follows: data to
        verify with the agency, not targets to reconsider."""
        t, far = self.t, self.follow.anomalies
        tolerance = fmt_number(self.ctx.appraisal.standard_tolerance * 100, 0)
        parts = [f"<h3>{escape(t('pe_anomalies'))}</h3>"]
        if far.empty:
            return "".join(parts) + _para(t("pe_anomalies_none", tolerance=tolerance))
        parts.append(_para(t("pe_anomalies_text", year=self.a.year, tolerance=tolerance)))
        rows = []
        for x in far.itertuples():
            unit, policy = self._unit(x.indicator), self.ctx.policy.parameter(x.policy)
            rows.append(
                [
                    self.region(x.region_code),
                    self.indicator(x.indicator),
                    Cell(measured(x.actual, unit, self.labels), True),
                    Cell(measured(x.standard, unit, self.labels), True),
                    Cell(f"{x.deviation * 100:+.1f}%", True, "bad"),
                    self._standard_basis(policy),
                ]
            )
        header = [t("region"), t("col_indicator"), t("col_actual"), t("pe_standard"),
                  t("pe_from_standard"), t("pe_standard_source")]  # fmt: skip
        return "".join(parts) + html_table(header, rows, numeric_columns=[2, 3, 4])

    def _standard_basis(self, policy: PolicyParameter) -> str:
        """The standard by name and the public document of the value in force in the year
        evaluated, as the report's language cites it."""
        name = policy.zh if self.lang == "zh" else policy.en
        value = policy.in_force(self.a.year)
        if value is None:
            return name
        return self.t("pe_standard_basis", name=name, source=value.source.text(self.lang))

    def common(self) -> Section:
        """The problems the regions share and what the province will do (Art. 18); a
        problem of fewer regions than the rules' count is left to the region's own rows."""
        t, c = self.t, self.follow.common
        n = evaluated(self.a)
        counts = {"regions": len(self.a.regions), "evaluated": n,
                  "least": self.ctx.appraisal.common_least(n)}  # fmt: skip
        parts = [f"<h2>{escape(t(self._key('pe_common')))}</h2>"]
        if c.empty:
            parts.append(_para(t(self._key("pe_common_none"), **counts)))
        else:
            parts.append(_para(t(self._key("pe_common_text"), **counts)))
            rows = [
                [self._problem(x.problem, x.indicator), Cell(str(x.regions), True),
                 ", ".join(self.region(r) for r in x.region_codes)]
                for x in c.itertuples()
            ]  # fmt: skip
            header = [t("pe_problem"), t("pe_grade_regions"), t("pe_common_regions")]
            parts.append(html_table(header, rows, numeric_columns=[1]))
        items = "".join(f"<li>{escape(a)}</li>" for a in self._actions())
        parts.append(f"<h3>{escape(t(self._key('pe_actions')))}</h3><ol>{items}</ol>")
        return Section("".join(parts))

    def _problem(self, problem: str, indicator: object) -> str:
        name = self.indicator(indicator) if isinstance(indicator, str) else ""
        return self.t(f"common_{problem}", indicator=name)

    def _actions(self) -> list[str]:
        """One action per kind of common problem, its counts from the domain
        (:func:`sipm_helpers.domain.common_problems.actions`), then the follow-up every
        report commits to."""
        out = []
        for action in actions(self.follow.common):
            out.append(
                self.t(
                    f"pe_action_{action.problem}",
                    count=len(action.regions),
                    indicators=self._named(action.indicators),
                    due=self._due(),
                )
            )
        return [*out, self.t("pe_action_follow_up")]

    def _named(self, indicators: tuple[tuple[str, int], ...]) -> str:
        """The first :data:`NAMED` indicators, each with its count of regions, and how many
        more the table above lists."""
        named = [
            self.t("pe_action_indicator", indicator=self.indicator(code), count=count)
            for code, count in indicators[:NAMED]
        ]
        if len(indicators) > NAMED:
            named.append(self.t("pe_action_more", more=len(indicators) - NAMED))
        return listed(named, self.lang) if named else ""

    def _due_basis(self) -> str:
        """Art. 18, and the province's document where its own deadline applies (Art. 24)."""
        return rule_basis(self.ctx, "appraisal.report_due", self.t("pe_rules_basis"), self.labels)

    def _due(self) -> str:
        """The self-evaluation's due day in the year (Art. 18): '5月31日', '31 May'."""
        day = self.ctx.appraisal.due(self.a.year)
        return self.labels.month_day(day.isoformat())

    def suggestions(self) -> Section:
        """Each region's suggestions (Art. 19), in full in its feedback letter."""
        t, s = self.t, self.follow.suggestions
        parts = [f"<h2>{escape(t('pe_suggestions'))}</h2>"]
        if s.empty:
            return Section("".join(parts) + _para(t("pe_suggestions_none")))
        parts.append(_para(t("pe_suggestions_text")))
        texts = worded(s, self.ctx, self.a.fund, self.a.province, self.labels)
        first = ~s["region_code"].duplicated()
        rows = [
            [self.region(code) if head else "", text]
            for code, head, text in zip(s["region_code"], first, texts, strict=True)
        ]
        parts.append(html_table([t("region"), t("pe_suggestion")], rows))
        return Section("".join(parts))
