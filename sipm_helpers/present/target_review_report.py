"""The target review report (Art. 7–10), section by section, for notebook 01: what the review
rests on, the verdict with the weighed points behind it, the findings by dimension
(completeness, relevance, appropriateness, feasibility) and the targets against history."""

from __future__ import annotations

from html import escape

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.target_review import (
    DIMENSIONS,
    ERROR,
    INFO,
    WARNING,
    ReviewFinding,
    TargetReview,
)
from sipm_helpers.present.findings import fmt_date
from sipm_helpers.present.formatting import DASH, fmt_money, fmt_points, fmt_rate, fmt_value
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.tables import Cell, html_table

SEVERITY_CSS = {ERROR: "bad", WARNING: "warn", INFO: None}
VERDICT_CSS = {"return": "bad", "approve_with_changes": "warn", "approve": "good"}
# The figures of a finding in its indicator's unit, and those in money (10,000 yuan).
IN_UNIT = ("target", "last_actual", "projection", "benchmark", "upper", "overall", "annual",
           "previous", "centre")  # fmt: skip
MONEY = ("opening", "income", "expenditure", "end", "trend", "trend_end", "expected")
POINT_DECIMALS = 1


class TargetReviewReport:
    """Formats one :class:`TargetReview` in the language asked for."""

    def __init__(self, review: TargetReview, ds: Dataset, ctx: Context, lang: str = "en") -> None:
        self.review, self.ds, self.ctx, self.lang = review, ds, ctx, lang
        self.labels = load_labels(lang)
        self.catalogue = ctx.catalogue(review.fund, review.province)

    def title(self) -> str:
        return self.labels.t(
            "tr_title",
            region=self.ds.region_name(self.review.region, self.lang),
            fund=self.ctx.registry.fund(self.review.fund).name(self.lang),
            year=self.review.year,
        )

    def subtitle(self) -> str:
        return self.labels.t("tr_subtitle", year=self.review.year)

    def verdict(self) -> str:
        return self.labels.t(f"verdict_{self.review.verdict}")

    def _unit(self, indicator: str | None) -> str | None:
        return self.catalogue.indicator(indicator).unit if indicator else None

    def _points(self, points: float) -> str:
        return fmt_points(points, POINT_DECIMALS)

    def _distance(self, value: float, unit: str | None) -> str:
        """A distance between two values in ``unit``: percentage points for rates."""
        if unit != "rate":
            return fmt_value(value, unit)
        points = f"{value * 100:.1f}".rstrip("0").rstrip(".")
        return self.labels.points(points)

    def vintage(self) -> str:
        """What the review rests on, as one phrase: "依据2026年年初预算、2025年1—9月执行数及
        2024年度省级评价结果"."""
        v, t = self.review.vintage, self.labels.t
        executed = (
            t("tr_vintage_months", year=v.executed_year, months=v.executed_months)
            if v.expected
            else t("tr_vintage_year", year=v.executed_year)
        )
        return t("tr_vintage", year=v.year, executed=executed, evaluated=v.evaluation_year)

    def message(self, f: ReviewFinding) -> str:
        """The finding in the report's language, its figures formatted in the indicator's
        unit (money in 10,000 yuan for the budget's)."""
        unit = self._unit(f.indicator)
        v = dict(f.values)
        for key in IN_UNIT:
            if key in v:
                v[key] = fmt_value(v[key], unit)
        if "around" in v:  # a distance: percentage points for a rate
            v["around"] = self._distance(v["around"], unit)
        if f.code == "norm_infeasible":
            v.update(budget=fmt_value(v["budget"], unit), trend=fmt_value(v["trend"], unit))
        for key in ("needed", "pace"):
            if key in v:
                v[key] = fmt_rate(v[key], 2) if unit == "rate" else fmt_value(v[key], unit)
        if "quantitative" in v:
            v["quantitative"] = fmt_rate(v["quantitative"], 0)
        if "level" in v:
            v["level"] = self.labels.t(f"level_{v['level']}")
        if f.indicator is None:
            v.update({k: fmt_money(v[k]) for k in MONEY if k in v})
            if "budget" in v:
                v["budget"] = fmt_money(v["budget"])
            v.update({k: fmt_rate(v[k]) for k in ("gap", "uplift") if k in v})
            if "kind" in v:
                v["kind"] = self.labels.t(f"total_{v['kind']}")
        key = f"msg_{f.code}"
        if f.code == "history_easier" and not v.get("trend", True):  # no trend: last year only
            key = "msg_history_easier_last"
        return self.labels.t(key, year=self.review.year, **v)

    def header(self) -> Section:
        t, r = self.labels.t, self.review
        facts = [
            (t("region"), f"{self.ds.region_name(r.region, self.lang)} ({r.region})"),
            (t("fund"), self.ctx.registry.fund(r.fund).name(self.lang)),
            (t("budget_year"), str(r.year)),
            (t("tr_review_date"), fmt_date(r.vintage.review_date, self.lang)),
            # the basis and the verdict's thresholds are said in full in the conclusion
            (t("tr_score"), t("tr_score_value", score=self._points(self.review.score))),
            (t("tr_verdict"), self.verdict()),
        ]
        items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
        return Section(f'<dl class="sipm-facts">{items}</dl>')

    def _dimension_points(self) -> str:
        t = self.labels.t
        parts = [
            t("tr_dim_points", dimension=t(f"tr_dim_{d}"), points=self._points(p))
            for d, p in self.review.by_dimension().items()
        ]
        return self.labels.t("lang_list_separator").join(parts)

    def summary(self) -> Section:
        """The verdict with the weighed points behind it, by dimension; what the review
        rests on; the scope of a province's review."""
        t, r = self.labels.t, self.review
        cat = next(f for f in r.findings if f.code == "catalogue").values
        back, changes = r.thresholds
        text = t(
            "tr_summary",
            verdict=self.verdict(),
            score=self._points(r.score),
            return_at=self._points(back),
            changes_at=self._points(changes),
            dimensions=self._dimension_points(),
            year=r.year,
            indicators=cat["indicators"],
            categories=cat["categories"],
            quantitative=fmt_rate(cat["quantitative"], 0),
        )
        basis = t(
            "tr_vintage_text", date=fmt_date(r.vintage.review_date, self.lang), basis=self.vintage()
        )
        if r.vintage.expected:
            basis = self.labels.sentences(
                [basis, t("tr_vintage_expected", year=r.vintage.executed_year)]
            )
        scope = ""
        if r.members:  # a province's own targets, its prefectures taken together
            scope = _para(
                t(
                    "tr_provincial",
                    count=len(r.members),
                    regions=self.labels.join(
                        [self.ds.region_name(m, self.lang) for m in r.members]
                    ),
                )
            )
        return Section(
            f"<h2>{escape(t('summary_heading'))}</h2>"
            f'<div class="callout {VERDICT_CSS[r.verdict]}">{_para(text)}</div>'
            + _para(basis)
            + scope
        )

    def findings(self) -> Section:
        """The findings by dimension, each with its points, the heaviest first; the notes
        (information) after them."""
        t = self.labels.t
        parts = [f"<h2>{escape(t('tr_findings'))}</h2>", _para(t("tr_weighing"))]
        totals = self.review.by_dimension()
        for d in DIMENSIONS:
            mine = [f for f in self.review.findings if f.dimension == d]
            mine.sort(key=lambda f: (-f.points, f.severity == INFO))
            heading = t(
                "tr_dim_heading", dimension=t(f"tr_dim_{d}"), points=self._points(totals[d])
            )
            parts += [f"<h3>{escape(heading)}</h3>", _para(t(f"tr_dim_text_{d}"))]
            if not [f for f in mine if f.severity != INFO]:
                parts.append(_para(t("tr_dim_none")))
            if mine:
                parts.append(self._findings_table(mine))
        return Section("".join(parts))

    def _findings_table(self, findings: list[ReviewFinding]) -> str:
        t = self.labels.t
        rows = [
            [
                Cell(t(f"sev_{f.severity}"), css=SEVERITY_CSS[f.severity]),
                t(f"check_{f.check}"),
                self.catalogue.indicator(f.indicator).name(self.lang) if f.indicator else DASH,
                self.message(f),
                Cell(self._points(f.points) if f.points else DASH, True),
            ]
            for f in findings
        ]
        header = [t("col_severity"), t("col_check"), t("col_indicator"), t("col_note"),
                  t("col_points")]  # fmt: skip
        return html_table(header, rows, numeric_columns=[4])

    def targets_table(self) -> Section:
        """Targets by level beside the last three years' actuals (the last one expected
        where the review falls within it), the trend and the benchmark."""
        t, table, v = self.labels.t, self.review.table, self.review.vintage
        years = [int(c.removeprefix("actual_")) for c in table.columns if c.startswith("actual_")]
        parts = [
            f"<h2>{escape(t('tr_table'))}</h2>",
            _para(t("tr_table_text", year=self.review.year)),
        ]
        rows = []
        for r in table.loc[table["kind"] == "quantitative"].to_dict("records"):
            unit = r["unit"]
            keys = ("target_region", "target_province", "target_central",
                    *[f"actual_{y}" for y in years], "projection", "best")  # fmt: skip
            advice = r["recommendation"]
            rows.append(
                [
                    self.catalogue.indicator(r["indicator"]).name(self.lang),
                    *[Cell(fmt_value(r[key], unit), True) for key in keys],
                    Cell(
                        t(f"rec_{advice}") if isinstance(advice, str) else "",
                        css="warn" if isinstance(advice, str) else None,
                    ),
                ]
            )
        expected = v.executed_year if v.expected else None
        header = [
            t("col_indicator"),
            t("level_region"),
            t("level_province"),
            t("level_central"),
            *[t("tr_expected", year=y) if y == expected else str(y) for y in years],
            t("col_projection"),
            t("tr_col_benchmark"),
            t("tr_col_evaluation", year=v.evaluation_year),
        ]
        numeric = list(range(1, len(header) - 1))
        parts.append(html_table(header, rows, numeric_columns=numeric))
        return Section("".join(parts))
