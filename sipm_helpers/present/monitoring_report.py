"""The monitoring report (Art. 11–14), section by section, as HTML blocks for notebook 02."""

from __future__ import annotations

from html import escape

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.monitoring import AMBER, GREEN, RED, Monitoring
from sipm_helpers.present import plots
from sipm_helpers.present.formatting import DASH, fmt_money, fmt_number, fmt_rate, fmt_value
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.tables import Cell, html_table
from sipm_helpers.present.wording import TOTALS, expectation, item_name

LIGHT_CSS = {RED: "bad", AMBER: "warn", GREEN: "good"}
CHART_ITEMS = ("premium", "fiscal_subsidy", "benefits", "income", "expenditure")


class MonitoringReport:
    """Formats one :class:`Monitoring` in the language asked for."""

    def __init__(self, mon: Monitoring, ds: Dataset, ctx: Context, lang: str = "en") -> None:
        self.mon, self.ds, self.ctx, self.lang = mon, ds, ctx, lang
        self.labels = load_labels(lang)

    def item_name(self, item: str) -> str:
        return item_name(item, self.ctx.registry, self.labels)

    def title(self) -> str:
        return self.labels.t(
            "mon_title",
            region=self.ds.region_name(self.mon.region, self.lang),
            fund=self.ctx.registry.fund(self.mon.fund).name(self.lang),
            period=self.labels.month(self.mon.period),
        )

    def subtitle(self) -> str:
        return self.labels.t("mon_subtitle", period=self.labels.month(self.mon.period))

    def _light(self, light: object) -> Cell:
        if not isinstance(light, str):
            return Cell(DASH)
        return Cell(self.labels.t(f"mon_{light}"), css=LIGHT_CSS[light])

    def _row(self, item: str) -> pd.Series | None:
        hit = self.mon.items.loc[self.mon.items["item"] == item]
        return None if hit.empty else hit.iloc[0]

    def header(self) -> Section:
        """Key facts: region, fund, period and the count of red and amber items."""
        t, c = self.labels.t, self.mon.counts()
        facts = [
            (t("region"), f"{self.ds.region_name(self.mon.region, self.lang)} ({self.mon.region})"),
            (t("fund"), self.ctx.registry.fund(self.mon.fund).name(self.lang)),
            (t("mon_period"), self.labels.month(self.mon.period)),
            (t("mon_red"), str(c[RED])),
            (t("mon_amber"), str(c[AMBER])),
        ]
        items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
        return Section(f'<dl class="sipm-facts">{items}</dl>')

    def summary(self) -> Section:
        t, c, mon = self.labels.t, self.mon.counts(), self.mon
        heading = f"<h2>{escape(t('summary_heading'))}</h2>"
        if mon.data_month == 0:
            return Section(
                f'{heading}<div class="callout bad">{_para(t("mon_data_none", year=mon.year))}</div>'
            )
        late = ""
        if mon.months_late:
            text = t(
                "mon_data_late",
                data_period=self.labels.month(mon.data_period),
                period=self.labels.month(mon.period),
                late=mon.months_late,
            )
            late = f'<div class="callout bad">{_para(text)}</div>'
        inc, exp = self._row("income"), self._row("expenditure")
        get = lambda r, k: DASH if r is None else fmt_rate(r[k])  # noqa: E731
        text = t(
            "mon_summary",
            period=self.labels.month(mon.data_period),
            red=c[RED],
            amber=c[AMBER],
            income_rate=get(inc, "execution_rate"),
            expenditure_rate=get(exp, "execution_rate"),
            expected_income=get(inc, "expected_share"),
            expected_expenditure=get(exp, "expected_share"),
            calendar=fmt_rate(mon.data_month / 12),
        )
        return Section(f"{heading}{late}{_para(text)}{_para(t('units_note'), 'small')}")

    def focus(self) -> Section:
        """Art. 12's focus items: premium income, fiscal subsidy, benefits, the balance; charts."""
        t = self.labels.t
        parts = [f"<h2>{escape(t('mon_focus'))}</h2>", _para(t("mon_focus_text"))]
        parts.append(
            _para(
                t(
                    "mon_balance_text",
                    period=self.labels.month(self.mon.data_period),
                    balance=fmt_money(self.mon.balance_end),
                    months=fmt_number(self.mon.months_covered, 1),
                )
            )
        )
        season = self.mon.season
        if season.history_years:
            text = t(
                "mon_balance_season",
                years=season.history_years,
                factor=fmt_number(season.factor, 2),
                year_end=fmt_number(season.year_end, 1),
                floor=fmt_number(self.mon.floor, 1),
            )
            parts.append(_para(text))
        charts = []
        for item in CHART_ITEMS[:3]:
            row = self._row(item)
            if row is None or not row["budget"] > 0:
                continue
            path = self.mon.paths.loc[self.mon.paths["item"] == item]
            title = t("mon_chart_title", item=self.item_name(item), year=self.mon.year)
            charts.append(
                plots.cumulative_chart(
                    path, float(row["budget"]), title, self.labels, t("mon_chart_x")
                )
            )
        parts.append(
            '<div class="sipm-chart-row">'
            + "".join(f'<figure class="sipm-chart">{c}</figure>' for c in charts)
            + "</div>"
        )
        return Section("".join(parts))

    def items_table(self) -> Section:
        """Every line item: budget, executed, rate, expected share, pace, forecast and interval,
        probability of missing the budget, light."""
        t = self.labels.t
        rules = self.ctx.monitoring
        shares = {
            "tolerance": fmt_rate(rules.risk_tolerance, 0),
            "amber": fmt_rate(rules.risk_amber, 0),
            "red": fmt_rate(rules.risk_red, 0),
            "materiality": fmt_rate(rules.materiality, 0),
        }
        text = t("mon_items_text", confidence="90%", **shares)
        parts = [f"<h2>{escape(t('mon_items'))}</h2>", _para(text)]
        rows = []
        for _, r in self.mon.items.iterrows():
            interval = (
                DASH
                if pd.isna(r["forecast_low"])
                else f"{fmt_money(r['forecast_low'])}–{fmt_money(r['forecast_high'])}"
            )
            total = r["item"] in TOTALS
            css = "total" if total else None
            rows.append(
                [
                    Cell(self.item_name(r["item"]), css=css),
                    Cell(fmt_money(r["budget"]), True, css),
                    Cell(fmt_money(r["executed"]), True, css),
                    Cell(fmt_rate(r["execution_rate"]), True, css),
                    Cell(fmt_rate(r["expected_share"]), True, css),
                    Cell(fmt_number(r["pace"], 2), True, css),
                    Cell(fmt_money(r["forecast"]), True, css),
                    Cell(interval, True, css),
                    Cell(fmt_rate(r["p_miss"], 0), True, css),
                    Cell(t("mon_immaterial"), css="good")
                    if r["reason"] == "immaterial"
                    else self._light(r["light"]),
                ]
            )
        header = [
            t("col_item"), t("col_budget"), t("col_executed"), t("col_rate"), t("col_expected"),
            t("col_pace"), t("col_forecast"), t("col_interval"), t("col_p_short", tolerance=shares["tolerance"]), t("col_light"),
        ]  # fmt: skip
        parts.append(
            html_table(
                header, rows, numeric_columns=[1, 2, 3, 4, 5, 6, 7, 8], caption=t("unit_money")
            )
        )
        return Section("".join(parts))

    def checks(self) -> Section:
        """Art. 13's timeliness, compliance and effectiveness: one row per check."""
        t = self.labels.t
        parts = [f"<h2>{escape(t('mon_checks'))}</h2>", _para(t("mon_checks_text"))]
        rows = []
        for r in self.mon.checks.to_dict("records"):
            rows.append(
                [
                    t(f"aspect_{r['aspect']}"),
                    t(f"check_{r['check']}"),
                    self._finding(r),
                    self._light(r["light"]),
                ]
            )
        header = [t("col_aspect"), t("col_check"), t("col_finding"), t("col_light")]
        parts.append(html_table(header, rows))
        return Section("".join(parts))

    def _finding(self, r: dict) -> str:
        """The figures behind one Art. 13 check, in words."""
        t, check = self.labels.t, r["check"]
        if check == "data_reported":
            key = "finding_data_late" if r["late"] else "finding_data_reported"
            figures = {k: int(r[k]) for k in ("data_month", "month", "late")}
            return t(key, **figures)
        if not isinstance(r["light"], str):
            return t("finding_not_applicable")
        if check in ("subsidy_on_schedule", "benefits_on_schedule"):
            key = (
                "finding_on_schedule"
                if check == "subsidy_on_schedule"
                else "finding_paid_on_schedule"
            )
            return t(
                key,
                executed=fmt_money(r["executed"]),
                expected=fmt_money(r["expected"]),
                pace=fmt_number(r["pace"], 2),
            )
        if check == "within_budget":
            over = r["executed"] > r["budget"]
            return t(
                "finding_over_budget" if over else "finding_within_budget",
                executed=fmt_money(r["executed"]),
                budget=fmt_money(r["budget"]),
                p_over=fmt_rate(r["p_over"], 0),
            )
        if check == "no_unbudgeted":
            return t("finding_unbudgeted", count=int(r["count"]))
        if check == "balance":
            return t(
                "finding_balance_season" if r["history_years"] else "finding_balance",
                balance=fmt_money(r["balance"]),
                months=fmt_number(r["months"], 1),
                year_end=fmt_number(r["year_end"], 1),
                years=int(r["history_years"]),
                floor=fmt_number(r["floor"], 1),
            )
        return t("finding_targets", count=int(r["count"]), red=int(r["red"]), amber=int(r["amber"]))

    def alerts(self) -> Section:
        """Alerts, most severe first, with the corrective action the region must fill in."""
        t, found = self.labels.t, self.mon.alerts
        parts = [f"<h2>{escape(t('mon_alerts'))}</h2>"]
        if found.empty:
            parts.append(_para(t("mon_alerts_none")))
            return Section("".join(parts))
        parts.append(_para(t("mon_alerts_text", count=len(found))))
        rows = [
            [
                self._light(r.light),
                self._alert_subject(r.item, r.kind),
                self._alert_reason(r.item, r.reason, r.kind),
                r.corrective_action or "______",
            ]
            for r in found.itertuples()
        ]
        parts.append(
            html_table(
                [t("col_light"), t("col_alert_subject"), t("col_alert_reason"), t("col_action")],
                rows,
            )
        )
        return Section("".join(parts))

    def _alert_subject(self, item: str, kind: str) -> str:
        """What an alert is about: a line item, the fund's data or balance, or a target."""
        if kind == "target":
            catalogue = self.ctx.catalogue(self.mon.fund, self.mon.province)
            return catalogue.indicator(item).name(self.lang)
        return self.item_name(item)

    def _alert_reason(self, item: str, reason: str, kind: str) -> str:
        """Why, in words, with the figures of a target's outlook or of a forecast deficit."""
        t = self.labels.t
        if kind == "target":
            r = self.mon.indicators.set_index("indicator").loc[item].to_dict()
            value = fmt_value(r["value"], r["unit"])
            return t(f"reason_{reason}", value=value, target=expectation(r, self.labels))
        if item == "current_balance":
            inc, exp = self._row("income"), self._row("expenditure")
            figures = (float(inc["forecast"]), float(exp["forecast"]))  # type: ignore[index]
            return t(
                f"reason_{reason}",
                income=fmt_money(figures[0]),
                expenditure=fmt_money(figures[1]),
                deficit=fmt_money(figures[1] - figures[0]),
            )
        if reason == "tranche_missing":
            month = int(self._row(item)["tranche_month"])  # type: ignore[index]
            return t("reason_tranche_missing", month=t(f"month_{month}"))
        return t(f"reason_{reason}")

    def ministry_table(self) -> Section:
        """The Ministry's performance-target execution monitoring table: filled where the
        data say, blanks (______) for the agency where a target is off course."""
        t, rules = self.labels.t, self.ctx.monitoring
        catalogue = self.ctx.catalogue(self.mon.fund, self.mon.province)
        causes = t("list_separator").join(t(f"cause_{c}") for c in rules.cause_categories)
        parts = [f"<h2>{escape(t('mon_table'))}</h2>", _para(t("mon_table_text", causes=causes))]
        lights = self.mon.indicators.set_index("indicator")["light"]
        rows = []
        for r in self.mon.table.to_dict("records"):
            empty = "______" if lights.get(r["indicator"]) in (RED, AMBER) else DASH
            likely, category = r["likelihood"], r["cause_category"]
            r["cause_category"] = t(f"cause_{category}") if isinstance(category, str) else None
            deadline = r["deadline"]
            r["deadline"] = (
                self.labels.date(deadline) if isinstance(deadline, str) and deadline else None
            )
            rows.append(
                [
                    catalogue.indicator(r["indicator"]).name(self.lang),
                    Cell(expectation(r, self.labels), True),
                    Cell(fmt_value(r["to_date"], r["unit"]), True),
                    Cell(fmt_value(r["year_end"], r["unit"]), True),
                    t(f"likelihood_{likely}") if isinstance(likely, str) else DASH,
                    *(
                        r[k] if isinstance(r[k], str) and r[k] else empty
                        for k in ("cause_category", "cause", "measure", "owner", "deadline")
                    ),
                ]
            )
        header = [
            t("col_indicator"), t("col_target"), t("col_to_date"), t("col_expected_year_end"),
            t("col_likelihood"), t("col_cause_category"), t("col_cause"),
            t("col_corrective_measure"), t("col_owner"), t("col_deadline"),
        ]  # fmt: skip
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3]))
        return Section("".join(parts))

    def indicators(self) -> Section:
        """Is each annual target on course (Art. 13, effectiveness)? The year-end outlook of
        every quantitative indicator against its target, with the probability of a miss
        where a forecast gives one."""
        t = self.labels.t
        catalogue = self.ctx.catalogue(self.mon.fund, self.mon.province)
        parts = [f"<h2>{escape(t('mon_indicators'))}</h2>", _para(t("mon_indicators_text"))]
        rows = []
        for r in self.mon.indicators.to_dict("records"):
            unit = r["unit"]
            rows.append(
                [
                    catalogue.indicator(r["indicator"]).name(self.lang),
                    Cell(expectation(r, self.labels), True),
                    Cell(fmt_value(r["value"], unit), True),
                    Cell(
                        DASH
                        if pd.isna(r["value_low"])
                        else f"{fmt_value(r['value_low'], unit)}–{fmt_value(r['value_high'], unit)}",
                        True,
                    ),
                    t(f"basis_{r['basis']}"),
                    Cell(fmt_rate(r["p_miss"], 0), True),
                    self._light(r["light"]),
                ]
            )
        header = [
            t("col_indicator"),
            t("col_target"),
            t("col_outlook"),
            t("col_interval"),
            t("col_basis"),
            t("col_p_miss"),
            t("col_light"),
        ]
        parts.append(html_table(header, rows, numeric_columns=[1, 2, 3, 5]))
        return Section("".join(parts))
