"""Sustainability in reports: one region's section for the self-evaluation, and the
comparison of a province's regions that the provincial evaluation and disclosure stages
show (which fail the solvency test, and when)."""

from __future__ import annotations

from html import escape

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.sustainability import Projection, compare_regions
from sipm_helpers.present import plots
from sipm_helpers.present.formatting import DASH, fmt_money, fmt_number, fmt_rate
from sipm_helpers.present.sections import Section, _figure, _para
from sipm_helpers.present.tables import Cell, html_table


def _year(value: object) -> str:
    return DASH if value is None or pd.isna(value) else str(int(value))


def _verdict(passes: float, fail_year: float, labels: Labels) -> Cell | str:
    """The solvency test's outcome as a table cell."""
    if pd.isna(passes):
        return DASH
    if passes == 1:
        return Cell(labels.t("sus_passes"), css="good")
    return Cell(labels.t("sus_fails_in", year=_year(fail_year)), css="bad")


def _depletion(year: float, labels: Labels) -> Cell:
    return Cell(labels.t("sus_none") if pd.isna(year) else _year(year), True)


def _signed(value: float) -> str:
    return DASH if pd.isna(value) else f"{value * 100:+.1f}%".replace("-", "−")


class SustainabilityReport:
    """Formats one region's projection in the language asked for."""

    def __init__(
        self,
        projection: Projection,
        fund: str,
        region: str,
        ds: Dataset,
        ctx: Context,
        lang: str = "en",
    ) -> None:
        self.row, self.paths, self.sensitivity = projection.of(fund, region)
        self.rules = projection.rules
        self.fund, self.region, self.ds, self.ctx, self.lang = fund, region, ds, ctx, lang
        self.labels = load_labels(lang)

    def _end_year(self) -> int:
        return int(self.row["last_year"]) + self.rules.horizon

    def conclusion(self) -> list[str]:
        """The findings in sentences an evaluator can paste into a conclusion."""
        t, r, rules = self.labels.t, self.row, self.rules
        history = self.paths.loc[self.paths["kind"] == "history", "year"]
        end = self._end_year()
        out = []
        if r["basis"] == "fit":
            out.append(
                t(
                    "sus_growth_fit",
                    first=int(history.min()),
                    last=int(r["last_year"]),
                    n=int(r["history_years"]),
                    income=_signed(r["income_growth"]),
                    income_se=fmt_rate(r["income_growth_se"]),
                    expenditure=_signed(r["expenditure_growth"]),
                    expenditure_se=fmt_rate(r["expenditure_growth_se"]),
                )
            )
        else:
            out.append(
                t(
                    "sus_growth_fixed",
                    why=t(f"sus_reason_{r['reason']}", min_years=rules.min_years),
                    income=_signed(r["income_growth"]),
                    expenditure=_signed(r["expenditure_growth"]),
                    spread=fmt_number(rules.fixed_spread * 100, 1),
                )
            )
        last = self.paths.loc[self.paths["year"] == end].iloc[0]
        path = {
            "balance": fmt_money(r["balance_last"]),
            "last": int(r["last_year"]),
            "months": fmt_number(r["months_last"], 1),
            "end": end,
            "confidence": fmt_rate(rules.confidence, 0),
        }
        if r["balance_end"] < 0:  # a shortfall: the gap, not a negative reserve
            out.append(
                t(
                    "sus_path_shortfall",
                    shortfall=fmt_money(-r["balance_end"]),
                    low=fmt_money(-last["balance_high"]),
                    high=fmt_money(-last["balance_low"]),
                    **path,
                )
            )
        else:
            out.append(
                t(
                    "sus_path",
                    balance_end=fmt_money(r["balance_end"]),
                    low=fmt_money(last["balance_low"]),
                    high=fmt_money(last["balance_high"]),
                    months_end=fmt_number(r["months_end"], 1),
                    **path,
                )
            )
        if pd.isna(r["depletion_year"]):
            out.append(t("sus_no_depletion", end=end))
        else:
            out.append(
                t(
                    "sus_depletion",
                    year=_year(r["depletion_year"]),
                    low=_year(r["depletion_year_low"]),
                    high=_year(r["depletion_year_high"])
                    if not pd.isna(r["depletion_year_high"])
                    else t("sus_beyond", end=end),
                    confidence=fmt_rate(rules.confidence, 0),
                )
            )
        if pd.isna(r["solvency_pass"]):
            out.append(t("sus_no_threshold"))
            return out
        threshold = fmt_number(r["threshold"], 0)
        p_pass = fmt_rate(r["p_pass"], 0)
        if r["solvency_pass"] == 1:
            key = "sus_pass" if pd.isna(r["p_pass"]) else "sus_pass_p"
            out.append(t(key, years=rules.test_years, threshold=threshold, end=end, p=p_pass))
        else:
            below = r["months_last"] < r["threshold"]  # starts below: had years to recover
            key = "sus_fail_recovery" if below else "sus_fail"
            key += "" if pd.isna(r["p_pass"]) else "_p"
            out.append(
                t(
                    key,
                    years=rules.test_years,
                    threshold=threshold,
                    year=_year(r["solvency_fail_year"]),
                    p=p_pass,
                    months=fmt_number(r["months_last"], 1),
                    recovery=rules.recovery_years,
                )
            )
            short = t(
                "sus_years_short",
                short=int(r["years_short"]),
                years=rules.test_years,
                threshold=threshold,
            )
            out[-1] += short  # what the fund's sustainability is scored on
        out.append(self._balancing_text())
        if not pd.isna(r["cost_rate"]):
            out.append(
                t(
                    "sus_payg",
                    cost_rate=fmt_rate(r["cost_rate"]),
                    rate=fmt_rate(r["contribution_rate"]),
                )
            )
        if (
            not pd.isna(r["dependency_ratio"])
            and self.ctx.registry.fund(self.fund).group == "pension"
        ):
            out.append(
                t(
                    "sus_dependency",
                    ratio=fmt_number(r["dependency_ratio"], 2),
                    trend=f"{r['dependency_trend']:+.3f}".replace("-", "−")
                    if not pd.isna(r["dependency_trend"])
                    else DASH,
                )
            )
        return out

    def _balancing_text(self) -> str:
        t, r = self.labels.t, self.row
        status = r["balancing_status"]
        rate, projected = _signed(r["balancing_premium_growth"]), _signed(r["premium_growth"])
        subsidy = fmt_money(r["balancing_subsidy"])
        if r["solvency_pass"] == 1:
            if status == "solved":
                return t("sus_slack", rate=rate, projected=projected)
            return t("sus_slack_any")
        if status == "solved":
            return t("sus_balancing", rate=rate, projected=projected, subsidy=subsidy)
        return t("sus_balancing_subsidy", subsidy=subsidy)

    def sensitivity_table(self) -> str:
        t = self.labels.t
        rows = []
        step = fmt_number(self.rules.sensitivity_step * 100, 0)
        for r in self.sensitivity.itertuples():
            rows.append(
                [
                    t(f"sus_case_{r.case}", step=step),
                    _depletion(r.depletion_year, self.labels),
                    _verdict(r.solvency_pass, r.solvency_fail_year, self.labels),
                    Cell(
                        fmt_rate(r.balancing_premium_growth)
                        if r.balancing_status == "solved"
                        else DASH,
                        True,
                    ),
                    Cell(fmt_money(r.balancing_subsidy), True),
                ]
            )
        header = [
            t("col_case"),
            t("col_depletion"),
            t("col_solvency"),
            t("col_balancing_growth"),
            t("col_balancing_subsidy"),
        ]
        return html_table(header, rows, numeric_columns=[1, 3, 4], caption=t("unit_money"))

    def section(self) -> Section:
        """The sustainability section of the self-evaluation: the conclusion in words, the
        fan chart of the balance, the months covered against the band, the sensitivity."""
        t = self.labels.t
        parts = [f"<h3>{escape(t('section_sustainability'))}</h3>"]
        if bool(self.row.get("pooled", False)):
            parts.append(_para(t("sus_pooled"), "note"))
        parts += [_para(s) for s in self.conclusion()]
        parts.append(
            _figure(
                plots.fan_chart(
                    self.paths,
                    self.labels,
                    t("chart_fan_title", end=self._end_year()),
                )
            )
        )
        parts.append(
            _figure(
                plots.projected_months_chart(
                    self.paths,
                    float(self.row["threshold"]),
                    float(self.row["band_upper"]),
                    self.labels,
                    t("chart_projected_months_title"),
                )
            )
        )
        parts.append(f"<h4>{escape(t('sus_sensitivity'))}</h4>")
        step = fmt_number(self.rules.sensitivity_step * 100, 0)
        parts.append(_para(t("sus_sensitivity_text", step=step)))
        parts.append(self.sensitivity_table())
        parts.append(_para(t("sus_method", simulations=f"{self.rules.simulations:,}"), "small"))
        return Section("".join(parts))


def region_comparison(
    projection: Projection,
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    province: str | None,
    lang: str = "en",
) -> Section:
    """Which regions of ``province`` fail the solvency test, sorted by the year of failure:
    a table and one chart."""
    labels = load_labels(lang)
    t = labels.t
    table = compare_regions(projection, fund=fund, province=province, ds=ds)
    names = [ds.region_name(r, lang) for r in table["region_code"]]
    fails = int((table["solvency_pass"] == 0).sum())
    parts = [
        f"<h2>{escape(t('section_sustainability_comparison'))}</h2>",
        _para(
            t(
                "sus_comparison_text",
                fund=ctx.registry.fund(fund).name(lang),
                count=len(table),
                fails=fails,
                years=projection.rules.test_years,
            )
        ),
    ]
    rows = []
    for name, r in zip(names, table.itertuples(), strict=True):
        rows.append(
            [
                name,
                Cell(fmt_number(r.months_last, 1), True),
                Cell(fmt_number(r.months_min, 1), True),
                Cell(fmt_number(r.threshold, 0), True),
                _verdict(r.solvency_pass, r.solvency_fail_year, labels),
                _depletion(r.depletion_year, labels),
                Cell(fmt_money(r.balancing_subsidy), True),
            ]
        )
    header = [
        t("region"),
        t("col_months_now"),
        t("col_months_min"),
        t("col_threshold"),
        t("col_solvency"),
        t("col_depletion"),
        t("col_balancing_subsidy"),
    ]
    parts.append(html_table(header, rows, numeric_columns=[1, 2, 3, 5, 6], caption=t("unit_money")))
    parts.append(
        _figure(
            plots.comparison_chart(
                table, names, labels, t("chart_comparison_title", years=projection.rules.test_years)
            )
        )
    )
    return Section("".join(parts))
