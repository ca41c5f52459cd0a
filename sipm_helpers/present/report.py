"""The self-evaluation report, section by section, as HTML blocks for the notebook.

Outline of published regional self-evaluation reports: how the targets were set;
performance analysis (funding, fund management, overall targets, indicators); deviations
with their reasons and improvement measures (Art. 18); data quality.
Every section is a :class:`Section` that Jupyter displays as HTML.
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.config.loader import in_language
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.evaluation import SelfEvaluation
from sipm_helpers.domain.scoring import NOT_APPLICABLE, REPORTED
from sipm_helpers.domain.sustainability import Projection
from sipm_helpers.present import plots
from sipm_helpers.present.formatting import (
    DASH,
    fmt_money,
    fmt_number,
    fmt_points,
    fmt_rate,
    fmt_score,
    fmt_value,
)
from sipm_helpers.present.rule_basis import due_values
from sipm_helpers.present.sections import Section, _figure, _para, rich
from sipm_helpers.present.sustainability_report import SustainabilityReport
from sipm_helpers.present.tables import Cell, GroupRow, html_table
from sipm_helpers.present.wording import (
    deviation,
    expectation,
    item_name,
    parts_note,
    status_label,
)


class SelfEvaluationReport:
    """Formats one :class:`SelfEvaluation` in the language of ``labels``."""

    def __init__(
        self,
        ev: SelfEvaluation,
        ds: Dataset,
        ctx: Context,
        lang: str = "en",
        projection: Projection | None = None,
        form_name: str | None = None,
    ) -> None:
        self.ev, self.ds, self.ctx = ev, ds, ctx
        self.form_name = form_name  # the scoring form published beside the report
        self.labels: Labels = load_labels(lang)
        self.lang = lang
        self.catalogue = ctx.catalogue(ev.fund, ev.province)
        self.projection = projection
        self.digits = ctx.standards.score_decimals  # scores and points shown as rounded

    def sustainability(self) -> Section:
        """Where the fund is heading (Art. 2, 4): the projection from the evaluated year."""
        if self.projection is None:
            t = self.labels.t
            return Section(
                f"<h3>{escape(t('section_sustainability'))}</h3>{_para(t('sus_not_projected'))}"
            )
        return SustainabilityReport(
            self.projection, self.ev.fund, self.ev.region, self.ds, self.ctx, self.lang
        ).section()

    # names -----------------------------------------------------------------------------
    def fund_name(self) -> str:
        return self.ctx.registry.fund(self.ev.fund).name(self.lang)

    def region_name(self) -> str:
        return self.ds.region_name(self.ev.region, self.lang)

    def item_name(self, item: str) -> str:
        return item_name(item, self.ctx.registry, self.labels)

    def indicator_name(self, code: str) -> str:
        return self.catalogue.indicator(code).name(self.lang)

    def category_name(self, code: str) -> str:
        return in_language(self.catalogue.categories[code], self.lang)

    def grade_label(self) -> str:
        s = self.ev.summary
        return f"{s['grade_zh']}" if self.lang == "zh" else f"{s['grade_en']} ({s['grade_zh']})"

    def completeness(self) -> str:
        """'92 of 100 points assessed' (the figure shown beside the grade)."""
        s = self.ev.summary
        return self.labels.t(
            "completeness_value",
            assessed=fmt_points(s["assessed_points"], self.digits),
            points=fmt_points(s["points"], self.digits),
        )

    def title(self) -> str:
        return self.labels.t(
            "report_title", region=self.region_name(), fund=self.fund_name(), year=self.ev.year
        )

    def subtitle(self) -> str:
        due = due_values(self.ctx, self.ev.province, self.ev.year, self.labels)
        return self.labels.t("report_subtitle", year=self.ev.year, due_year=self.ev.year + 1, **due)

    # sections --------------------------------------------------------------------------
    def header(self) -> Section:
        """The key facts box: region, fund, year, total score and grade."""
        t, s = self.labels.t, self.ev.summary
        facts = [
            (t("region"), f"{self.region_name()} ({self.ev.region})"),
            (t("fund"), self.fund_name()),
            (t("budget_year"), str(self.ev.year)),
            (t("total_score"), fmt_score(s["total"], self.digits)),
            (t("grade"), self.grade_label()),
            (t("completeness"), self.completeness()),
        ]
        items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
        # The title and subtitle are the rendered report's cover (render layer); here only the facts.
        return Section(f'<dl class="sipm-facts">{items}</dl>')

    def summary(self) -> Section:
        """The overall verdict in words."""
        t, s, ev = self.labels.t, self.ev.summary, self.ev
        total = t(
            "summary_text", total=fmt_score(s["total"], self.digits), grade=self.grade_label()
        )
        parts = [f"<h2>{escape(t('summary_heading'))}</h2>", _para(self._joined([total,
                                                                           *self._counts()]))]  # fmt: skip
        parts += self._evidence_notes()
        if not ev.complete_year:
            months = int(
                ev.balance_history.loc[
                    ev.balance_history["year"] == ev.year, "months_reported"
                ].iloc[0]
            )
            parts.append(_para(t("summary_incomplete", months=months, year=ev.year), "note"))
        step = fmt_number(10.0**-self.digits, self.digits)  # the rounding step: 0.1 point
        rules = [t("missing_rule_" + str(s["missing"])), t("scores_rounded", step=step)]
        parts.append(_para(self._joined([*rules, t("units_note")]), "small"))
        return Section("".join(parts))

    def _joined(self, sentences: list[str]) -> str:
        return self.labels.sentences(sentences)

    def _counts(self) -> list[str]:
        """The summary's counts, each sentence only where it has something to count."""
        t, s, ev = self.labels.t, self.ev.summary, self.ev
        n, missed = int(s["indicators"]), int(s["missed"])
        out = [t("summary_missed", indicators=n, missed=missed) if missed
               else t("summary_all_met", indicators=n)]  # fmt: skip
        if len(ev.deviations):
            key = "summary_unexplained" if len(ev.unexplained) else "summary_explained"
            out.append(t(key, deviations=len(ev.deviations), unexplained=len(ev.unexplained)))
        return out

    def targets(self) -> Section:
        """How the targets were set and passed down (Art. 7, 8, 10)."""
        t, tg = self.labels.t, self.ev.targets
        parts = [f"<h2>{escape(t('section_targets'))}</h2>"]
        if tg.empty:
            parts.append(_para(t("targets_none")))
            return Section("".join(parts))
        count = lambda m: int(m.sum())  # noqa: E731
        parts.append(
            _para(
                t(
                    "targets_text",
                    count=len(tg),
                    region_count=count(tg["level"] == "region"),
                    province_count=count(tg["level"] == "province"),
                    central_count=count(tg["level"] == "central"),
                    overall_count=count(tg["period"] == "overall"),
                )
            )
        )
        # One row per indicator: the region's annual target beside the province's and the
        # centre's for the same year, and the region's overall (multi-year) target.
        firsts = tg.drop_duplicates(["indicator", "level", "period"])
        target = firsts.set_index(["indicator", "level", "period"])["target"].to_dict()
        own = firsts.loc[firsts["level"] == "region"]
        overall = own.loc[own["period"] == "overall"].set_index("indicator")
        benchmark = tg.loc[tg["level"] == "region", ["indicator", "benchmark"]].dropna()
        benchmark = benchmark.drop_duplicates("indicator").set_index("indicator")["benchmark"]
        rows, present = [], set(firsts["indicator"])
        for ind in self.catalogue.indicators:
            if ind.code not in present:
                continue

            def pick(level: str, period: str, ind=ind) -> Cell:
                key = (ind.code, level, period)
                return Cell(fmt_value(target[key], ind.unit) if key in target else DASH, True)

            span = (
                f" ({overall.at[ind.code, 'start_year']}–{overall.at[ind.code, 'end_year']})"
                if ind.code in overall.index
                else ""
            )
            rows.append(
                [
                    self.indicator_name(ind.code),
                    pick("region", "annual"),
                    pick("province", "annual"),
                    pick("central", "annual"),
                    Cell(pick("region", "overall").text + span, True),
                    t(f"benchmark_{benchmark[ind.code]}") if ind.code in benchmark.index else DASH,
                ]
            )
        year = self.ev.year
        header = [
            t("col_indicator"),
            f"{t('level_region')} {year}",
            f"{t('level_province')} {year}",
            f"{t('level_central')} {year}",
            t("period_overall"),
            t("col_benchmark"),
        ]
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3, 4]))
        return Section("".join(parts))

    def funding(self) -> Section:
        """Funding input and budget execution per line item, with the execution chart."""
        t, f = self.labels.t, self.ev.funding
        total = f.set_index("item")
        # 二、 the completion of the targets, in the subsections (一)–(五) that follow
        parts = [f"<h2>{escape(t('section_completion'))}</h2>"]
        parts.append(f"<h3>{escape(t('section_funding'))}</h3>")
        get = lambda item, col: total.at[item, col] if item in total.index else math.nan  # noqa: E731
        parts.append(
            _para(
                t(
                    "funding_text",
                    income_rate=fmt_rate(get("income", "execution_rate")),
                    income=fmt_money(get("income", "executed")),
                    income_budget=fmt_money(get("income", "adjusted")),
                    expenditure_rate=fmt_rate(get("expenditure", "execution_rate")),
                    expenditure=fmt_money(get("expenditure", "executed")),
                    expenditure_budget=fmt_money(get("expenditure", "adjusted")),
                )
            )
        )
        rows = []
        for r in f.itertuples():
            css = "total" if r.kind == "total" else None
            rows.append(
                [
                    Cell(self.item_name(r.item), css=css),
                    Cell(fmt_money(r.initial), True, css),
                    Cell(fmt_money(r.adjusted), True, css),
                    Cell(fmt_money(r.executed), True, css),
                    Cell(fmt_rate(r.execution_rate), True, css),
                ]
            )
        header = [
            t("col_item"),
            t("col_initial"),
            t("col_adjusted"),
            t("col_executed"),
            t("col_rate"),
        ]
        parts.append(
            html_table(header, rows, numeric_columns=[1, 2, 3, 4], caption=t("unit_money"))
        )
        names = [self.item_name(i) for i in f["item"]]
        parts.append(_figure(plots.execution_chart(f, names, self.labels, self.ev.year)))
        return Section("".join(parts))

    def _band_text(self) -> str:
        band = self.ctx.reserve_band(self.ev.fund, self.ev.province)
        if band is None:
            return DASH
        lo, hi = band.lower, band.upper
        if lo is not None and hi is not None:
            return self.labels.t("band_text", lower=f"{lo:g}", upper=f"{hi:g}")
        if lo is not None:
            return self.labels.t("band_at_least", lower=f"{lo:g}")
        return self.labels.t("band_at_most", upper=f"{hi:g}")

    def management(self) -> Section:
        """Fund management: the balance and months of expenditure it covers, over the years."""
        t, h = self.labels.t, self.ev.balance_history
        parts = [f"<h3>{escape(t('section_management'))}</h3>"]
        now = h.loc[h["year"] == self.ev.year].iloc[0]
        pooled = not pd.isna(now["pooled_balance"])
        parts.append(
            _para(
                t(
                    "management_pooled_text" if pooled else "management_text",
                    year=self.ev.year,
                    balance=fmt_money(now["balance_end"]),
                    pooled=fmt_money(now["pooled_balance"]),
                    personal=fmt_money(now["personal_balance"]),
                    months=fmt_number(now["months_covered"], 1),
                    band=self._band_text(),
                )
            )
        )
        band = self.ctx.reserve_band(self.ev.fund, self.ev.province)
        parts.append(
            _figure(
                plots.months_chart(
                    h, band.lower if band else None, band.upper if band else None, self.labels
                )
            )
        )
        quali = self.ev.indicators.loc[self.ev.indicators["group"] == "fund_management"]
        if len(quali):
            parts.append(self._indicator_rows_table(quali))
        return Section("".join(parts))

    def overall_targets(self) -> Section:
        """Overall (multi-year) targets against this year's actual, and a conclusion on
        each whose period closes this year (Art. 8)."""
        t = self.labels.t
        overall = self.ev.overall
        parts = [f"<h3>{escape(t('section_overall'))}</h3>"]
        if overall.empty:
            parts.append(_para(t("overall_none")))
            return Section("".join(parts))
        rows = []
        for r in overall.itertuples():
            ind = self.catalogue.indicator(r.indicator)
            rows.append(
                [
                    self.indicator_name(r.indicator),
                    f"{r.start_year}–{r.end_year}",
                    Cell(fmt_value(r.target, ind.unit), True),
                    Cell(fmt_value(r.actual, ind.unit), True),
                    conclusion_cell(r.closes, r.achieved, self.labels),
                ]
            )
        header = [t("col_indicator"), t("col_period"), t("col_target"),
                  f"{t('col_actual')} {self.ev.year}", t("col_conclusion")]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=[2, 3]))
        return Section("".join(parts))

    def _evidence_notes(self) -> list[str]:
        """What the total rests on: points not assessed and how the total treats them (the
        ``missing`` choice of the scoring standards), indicators that do not apply."""
        t, s, parts = self.labels.t, self.ev.summary, []
        if s["not_assessed_points"] > 0:
            key = "summary_completeness_" + str(s["missing"])
            values = {
                "assessed": fmt_points(s["assessed_points"], self.digits),
                "points": fmt_points(s["points"], self.digits),
                "not_assessed": fmt_points(s["not_assessed_points"], self.digits),
                "unscaled": fmt_score(
                    s["earned"] / s["points"] * 100 if s["points"] else 0, self.digits
                ),
            }
            parts.append(_para(t(key, **values), "note"))
        if s["not_applicable"] > 0:
            parts.append(
                _para(
                    t(
                        "summary_not_applicable",
                        count=int(s["not_applicable"]),
                        weight=fmt_points(s["not_applicable_weight"], self.digits),
                    ),
                    "note",
                )
            )
        return parts

    def _target_text(self, r: pd.Series) -> str:
        return expectation(r.to_dict(), self.labels)

    def _actual_text(self, r: pd.Series) -> str:
        if pd.notna(r.get("grade")):
            return self.labels.t(f"qual_{r['grade']}")
        actual = fmt_value(r["actual"], r["unit"])
        if pd.isna(r.get("sample")) or pd.isna(r["actual"]):
            return actual
        return self.labels.t("actual_with_sample", actual=actual, sample=fmt_number(r["sample"], 0))

    def _sample_of(self, indicator: str | None) -> dict[str, str]:
        """The valid responses a sampled indicator rests on and the fewest it needs, as a
        note on a small sample words them ({} for an indicator without a sample)."""
        rows = self.ev.indicators.loc[self.ev.indicators["indicator"] == indicator]
        if rows.empty or pd.isna(rows["sample"].iloc[0]):
            return {}
        first = rows.iloc[0]
        return {
            "valid": fmt_number(first["sample"], 0),
            "minimum": fmt_number(first["min_sample"], 0),
        }

    def _deviation_text(self, r: pd.Series) -> str:
        return deviation(r.to_dict(), self.lang)

    def _status_cell(self, r: pd.Series) -> Cell:
        text, css = status_label(r.to_dict(), self.labels)
        return Cell(text, css=css)

    def _indicator_row(self, r: pd.Series, with_explanations: bool) -> list:
        counted = r["status"] not in (NOT_APPLICABLE, REPORTED)
        row = [
            self.indicator_name(r["indicator"]),
            Cell(self._target_text(r), True),
            Cell(self._actual_text(r), True),
            Cell(fmt_points(r["points"], self.digits) if counted else DASH, True),
            Cell(fmt_score(r["score"], self.digits) if counted else DASH, True),
            self._status_cell(r),
        ]
        if with_explanations:
            missing = r["needs_explanation"] and not r["explained"]
            row += [
                Cell(self.labels.t("not_explained"), css="bad")
                if missing
                else ("" if pd.isna(r["reason"]) else str(r["reason"])),
                "" if pd.isna(r["improvement_measure"]) else str(r["improvement_measure"]),
            ]
        return row

    def _sum_row(self, label: str, points: object, earned: object, width: int) -> list:
        """A subtotal or total row: the points and the score, the sums of the rows above."""
        cells = [Cell(label, css="total"), Cell("", css="total"), Cell("", css="total")]
        cells += [
            Cell(fmt_points(points, self.digits), True, "total"),
            Cell(fmt_score(earned, self.digits), True, "total"),
        ]
        return cells + [Cell("", css="total")] * (width - len(cells))

    def _indicator_rows_table(
        self, rows_frame: pd.DataFrame, with_explanations: bool = False, totals: bool = False
    ) -> str:
        """Indicators grouped under their category (Art. 9): target, actual, weight, score,
        status, and optionally the agency's reason and improvement measure; with
        ``totals``, each category's subtotal and the total (the sums of the rows shown)."""
        t = self.labels.t
        header = [
            t("col_indicator"),
            t("col_target"),
            t("col_actual"),
            t("col_points"),
            t("col_score"),
            t("col_status"),
        ]
        if with_explanations:
            header += [t("col_reason"), t("col_measure")]
        subtotals = self.ev.categories.set_index("category")
        rows: list = []
        for category, members in rows_frame.groupby("category", sort=False):
            rows.append(GroupRow(self.category_name(str(category))))
            rows += [self._indicator_row(r, with_explanations) for _, r in members.iterrows()]
            if totals:
                c = subtotals.loc[category]
                rows.append(self._sum_row(t("row_subtotal"), c["points"], c["earned"], len(header)))
        if totals:
            s = self.ev.summary
            rows.append(self._sum_row(t("row_total"), s["points"], s["earned"], len(header)))
        return html_table(header, rows, numeric_columns=[1, 2, 3, 4])

    def indicators(self) -> Section:
        """The indicator table (category, indicator, target, actual, weight, score, status,
        reason and measure) and the chart of scores by category."""
        t = self.labels.t
        cats = self.ev.categories
        text = self.labels.clauses(
            t("category_score", category=self.category_name(r.category),
              earned=fmt_score(r.earned, self.digits), points=fmt_points(r.points, self.digits))
            for r in cats.itertuples()
        )  # fmt: skip
        parts = [
            f"<h3>{escape(t('section_indicators'))}</h3>",
            _para(t("indicators_text", categories=text)),
        ]
        if self.form_name:
            # the link says what it opens, not a file name: a printed page shows its text
            name = escape(t("form_link_name"))
            link = f'<a href="{escape(self.form_name, quote=True)}">{name}</a>'
            text = escape(t("form_link_text", name="\0")).replace("\0", link)
            parts.append(f'<p class="small">{text}</p>')
        scored = self.ev.indicators.loc[self.ev.indicators["status"] != REPORTED]
        parts.append(self._indicator_rows_table(scored, with_explanations=True, totals=True))
        for r in scored.to_dict("records"):  # one report's ~25 indicators
            note = parts_note(r, self.indicator_name(r["indicator"]), self.labels)
            if note:
                parts.append(_para(note, "small"))
        parts.append(self._formulas(scored))
        reported = self.ev.indicators.loc[self.ev.indicators["status"] == REPORTED]
        if len(reported):
            parts.append(f"<h4>{escape(t('section_reported'))}</h4>")
            parts.append(_para(t("reported_text")))
            parts.append(self._indicator_rows_table(reported))
        names = [self.category_name(c) for c in cats["category"]]
        parts.append(
            _figure(plots.category_chart(cats, names, self.labels, self.ev.year, self.digits))
        )
        return Section("".join(parts))

    def _formulas(self, scored: pd.DataFrame) -> str:
        """The note under the indicator table: how each quantitative indicator is computed
        (the names stay plain; the formulas are here)."""
        t = self.labels.t
        functions = scored.drop_duplicates("indicator")[["indicator", "function"]]
        items = [
            t("formula_item", indicator=self.indicator_name(r.indicator),
              formula=t(f"measure_{r.function}"))
            for r in functions.itertuples()
            if isinstance(r.function, str)
        ]  # fmt: skip
        if not items:
            return ""
        listed = "".join(f"<li>{escape(i)}</li>" for i in items)
        return f'<p class="small">{escape(t("formula_note"))}</p><ol class="small">{listed}</ol>'

    def deviations(self) -> Section:
        """Deviations beyond the threshold, their reasons and measures; missing ones called out (Art. 18)."""
        t, dev = self.labels.t, self.ev.deviations
        parts = [f"<h2>{escape(t('section_deviations'))}</h2>"]
        if dev.empty:
            parts.append(_para(t("deviations_none")))
            return Section("".join(parts))
        parts.append(_para(t("deviations_text", count=len(dev))))
        if len(self.ev.unexplained):
            names = self.labels.join
            parts.append(
                f'<div class="callout bad">{rich(t("unexplained_callout", indicators=names(self.indicator_name(c) for c in self.ev.unexplained["indicator"])))}</div>'
            )
        rows = []
        for _, r in dev.iterrows():
            rows.append(
                [
                    self.indicator_name(r["indicator"]),
                    Cell(self._target_text(r), True),
                    Cell(self._actual_text(r), True),
                    Cell(self._deviation_text(r), True),
                    Cell(t("not_explained"), css="bad") if not r["explained"] else str(r["reason"]),
                    "" if pd.isna(r["improvement_measure"]) else str(r["improvement_measure"]),
                ]
            )
        header = [
            t("col_indicator"),
            t("col_target"),
            t("col_actual"),
            t("col_deviation"),
            t("col_reason"),
            t("col_measure"),
        ]
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3]))
        return Section("".join(parts))

    def data_quality(self) -> Section:
        """What the reader must know about the data: warnings, insufficient data, default targets."""
        t, notes = self.labels.t, self.ev.data_notes
        parts = [f"<h2>{escape(t('section_quality'))}</h2>"]
        if not notes:
            parts.append(_para(t("quality_none")))
            return Section("".join(parts))
        rows = []
        months = int(
            self.ev.balance_history.loc[
                self.ev.balance_history["year"] == self.ev.year, "months_reported"
            ].iloc[0]
        )
        for n in notes:
            what = t(f"note_{n.kind}")
            subject = self.indicator_name(n.indicator) if n.indicator else ""
            # Validation warnings quote the data file as it is; the rest speak the report's language.
            if n.reason is None:
                text = n.message
            elif n.kind == NOT_APPLICABLE:
                text = t("why_not_applicable", why=self.labels.get(f"na_{n.reason}", n.reason))
            else:
                sample = self._sample_of(n.indicator)
                text = t(f"why_{n.reason}", months=months, year=self.ev.year, **sample)
            rows.append([what, subject, text])
        parts.append(html_table([t("col_status"), t("col_indicator"), t("col_note")], rows))
        return Section("".join(parts))


def conclusion_cell(closes: bool, achieved: object, labels: Labels) -> Cell:
    """The conclusion on an overall target: achieved or not where its period closes, else
    that its period runs on."""
    if not closes:
        return Cell(labels.t("overall_running"))
    if pd.isna(achieved):
        return Cell(DASH)
    return Cell(
        labels.t("overall_achieved" if achieved else "overall_missed"),
        css=None if achieved else "bad",
    )
