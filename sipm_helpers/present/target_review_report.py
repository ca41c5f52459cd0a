"""The target review report (Art. 7, 8, 10), section by section, for notebook 01."""

from __future__ import annotations

from html import escape

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.target_review import ERROR, INFO, WARNING, ReviewFinding, TargetReview
from sipm_helpers.present.formatting import DASH, fmt_money, fmt_rate, fmt_value
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.tables import Cell, html_table

SEVERITY_CSS = {ERROR: "bad", WARNING: "warn", INFO: None}
VERDICT_CSS = {"return": "bad", "approve_with_changes": "warn", "approve": "good"}


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

    def message(self, f: ReviewFinding) -> str:
        """The finding in the report's language, its figures formatted in the indicator's unit."""
        unit = self._unit(f.indicator)
        v = dict(f.values)
        for key in (
            "target",
            "last_actual",
            "projection",
            "upper",
            "overall",
            "annual",
            "previous",
        ):
            if key in v:
                v[key] = fmt_value(v[key], unit)
        for key in ("needed", "pace"):
            if key in v:
                v[key] = fmt_rate(v[key], 2) if unit == "rate" else fmt_value(v[key], unit)
        if "quantitative" in v:
            v["quantitative"] = fmt_rate(v["quantitative"], 0)
        if "level" in v:
            v["level"] = self.labels.t(f"level_{v['level']}")
        if f.check == "budget":
            v.update(
                kind=self.labels.t(f"total_{v['kind']}"),
                budget=fmt_money(v["budget"]),
                expected=fmt_money(v["expected"]),
                gap=fmt_rate(v["gap"]),
            )
        return self.labels.t(f"msg_{f.code}", year=self.review.year, **v)

    def header(self) -> Section:
        t, c = self.labels.t, self.review.counts()
        facts = [
            (
                t("region"),
                f"{self.ds.region_name(self.review.region, self.lang)} ({self.review.region})",
            ),
            (t("fund"), self.ctx.registry.fund(self.review.fund).name(self.lang)),
            (t("budget_year"), str(self.review.year)),
            (t("tr_errors"), str(c[ERROR])),
            (t("tr_verdict"), self.verdict()),
        ]
        items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
        return Section(f'<dl class="sipm-facts">{items}</dl>')

    def summary(self) -> Section:
        t, c = self.labels.t, self.review.counts()
        cat = next(f for f in self.review.findings if f.check == "catalogue").values
        text = t(
            "tr_summary",
            verdict=self.verdict(),
            errors=c[ERROR],
            warnings=c[WARNING],
            year=self.review.year,
            indicators=cat["indicators"],
            categories=cat["categories"],
            quantitative=fmt_rate(cat["quantitative"], 0),
        )
        css = VERDICT_CSS[self.review.verdict]
        scope = ""
        if self.review.members:  # a province's own targets, its prefectures taken together
            names = "、" if self.lang == "zh" else ", "
            scope = _para(
                t(
                    "tr_provincial",
                    count=len(self.review.members),
                    regions=names.join(
                        self.ds.region_name(r, self.lang) for r in self.review.members
                    ),
                )
            )
        return Section(
            f'<h2>{escape(t("summary_heading"))}</h2><div class="callout {css}">{_para(text)}</div>'
            + scope
        )

    def findings(self) -> Section:
        """Every finding, errors first, with the indicator and the figures it rests on."""
        t = self.labels.t
        parts = [f"<h2>{escape(t('tr_findings'))}</h2>"]
        order = {ERROR: 0, WARNING: 1, INFO: 2}
        ranked = sorted(self.review.findings, key=lambda f: order[f.severity])
        if not [f for f in ranked if f.severity != INFO]:
            parts.append(_para(t("tr_findings_none")))
        rows = [
            [
                Cell(t(f"sev_{f.severity}"), css=SEVERITY_CSS[f.severity]),
                t(f"check_{f.check}"),
                self.catalogue.indicator(f.indicator).name(self.lang) if f.indicator else DASH,
                self.message(f),
            ]
            for f in ranked
        ]
        parts.append(
            html_table([t("col_severity"), t("col_check"), t("col_indicator"), t("col_note")], rows)
        )
        return Section("".join(parts))

    def targets_table(self) -> Section:
        """Targets by level beside the last three years' actuals and the trend."""
        t, table = self.labels.t, self.review.table
        years = [c.removeprefix("actual_") for c in table.columns if c.startswith("actual_")]
        parts = [
            f"<h2>{escape(t('tr_table'))}</h2>",
            _para(t("tr_table_text", year=self.review.year)),
        ]
        rows = []
        for r in table.loc[table["kind"] == "quantitative"].to_dict("records"):
            unit = r["unit"]
            rows.append(
                [
                    self.catalogue.indicator(r["indicator"]).name(self.lang),
                    *[
                        Cell(fmt_value(r[key], unit), True)
                        for key in (
                            "target_region",
                            "target_province",
                            "target_central",
                            *[f"actual_{y}" for y in years],
                            "projection",
                        )
                    ],
                    Cell(
                        t(f"rec_{r['recommendation']}")
                        if isinstance(r["recommendation"], str)
                        else "",
                        css="warn" if isinstance(r["recommendation"], str) else None,
                    ),
                ]
            )
        header = [
            t("col_indicator"),
            t("level_region"),
            t("level_province"),
            t("level_central"),
            *years,
            t("col_projection"),
            t("tr_col_evaluation", year=self.review.year - 1),
        ]
        numeric = list(range(1, len(header) - 1))
        parts.append(html_table(header, rows, numeric_columns=numeric))
        return Section("".join(parts))
