"""A region's feedback letter (Art. 19, 20), section by section, for the feedback letter
notebook: addressee and sender, the result, what the evaluation changed, the problems
found, the suggestions, the rectification items to close, and the closing."""

from __future__ import annotations

from html import escape

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.feedback import Letter
from sipm_helpers.domain.provincial import is_central
from sipm_helpers.present.findings import basis_name, fmt_date, note, value_text
from sipm_helpers.present.formatting import DASH, fmt_number, fmt_score, fmt_value
from sipm_helpers.present.issuers import pool_key
from sipm_helpers.present.rectification import shown_id, worded_items
from sipm_helpers.present.rule_basis import rule_source
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.suggestions import worded
from sipm_helpers.present.tables import Cell, html_table
from sipm_helpers.present.wording import expectation


class LetterReport:
    """Formats one :class:`Letter` in the language asked for."""

    def __init__(self, lt: Letter, ds: Dataset, ctx: Context, lang: str = "en") -> None:
        self.lt, self.ds, self.lang = lt, ds, lang
        self.ctx = ctx.for_province(lt.province, lt.year)  # its own rules, Art. 24
        self.digits = ctx.standards.score_decimals  # totals and scores shown as rounded
        self.labels = load_labels(lang)
        self.t = self.labels.t
        self.catalogue = ctx.catalogue(lt.fund, lt.province)

    def _names(self) -> dict[str, object]:
        lt = self.lt
        return {
            "region": self.ds.region_name(lt.region, self.lang),
            "province": self.ds.region_name(lt.province, self.lang),
            "fund": self.ctx.registry.fund(lt.fund).name(self.lang),
            "year": lt.year,
            "you": self.you(),
            "issuer": self.t(
                self._key("fl_from_text"),
                province=self.ds.region_name(lt.province, self.lang),
                administration=self.labels.join(
                    [
                        self.t(self._key(f"admin_{self._administration()}")),
                        *(d.text(self.lang) for d in self.ctx.appraisal.co_issuers),
                    ]
                ),
            ),
        }

    def _key(self, key: str) -> str:
        """``key``, worded for the centre's own pool where the letter is its (Art. 23)."""
        return pool_key(self.labels, key, is_central(self.ds, self.lt.province))

    def you(self) -> str:
        """How the letter addresses the region: 你市, 你州, 你盟 from its Chinese name's last
        character (the labels list the suffixes), 你单位 otherwise."""
        name, suffixes = self.ds.region_name(self.lt.region, "zh"), self.t("fl_you_suffixes")
        if name and name[-1] in suffixes:
            return self.t("fl_you", suffix=name[-1])
        return self.t("fl_you_other")

    def _administration(self) -> str:
        return self.ctx.registry.fund(self.lt.fund).administration

    def addressee(self) -> str:
        """The departments the letter is sent to: the region's finance bureau and the
        fund's administrative bureau; where the province pools the fund, its agency; the
        centre's own pool, the Central State Agencies Pension Insurance Management Center."""
        region = self.ds.region_name(self.lt.region, self.lang)
        if self.lt.region == self.lt.province:
            return self.t(self._key("fl_to_agency"), region=region,
                          agency=self.t(f"agency_{self._administration()}"))  # fmt: skip
        local = self.t(f"admin_local_{self._administration()}")
        return self.t("fl_to_text", region=region, administration=local)

    def grade(self, code: object) -> str:
        found = [g for g in self.ctx.standards.grades if g.code == code]
        if not found:
            return DASH
        return found[0].zh if self.lang == "zh" else found[0].en

    def number(self) -> str:
        """The letter's number (发文字号), as its cover gives it."""
        lt = self.lt
        return self.ctx.appraisal.number(
            "feedback_letter", self.lang, lt.as_of, province=lt.province, region=lt.region,
            fund=self.ctx.registry.place(lt.fund), year=lt.year, period=lt.year,
        )  # fmt: skip

    def header(self) -> Section:
        """The letter's head as an official letter opens: its number on the right, the
        addressee (主送) as the salutation, then the opening."""
        t, n = self.t, self._names()
        number = (
            f'<p class="sipm-letter-number" style="text-align: right">{escape(self.number())}</p>'
        )
        salutation = _para(t("fl_salutation", addressee=self.addressee()))
        return Section(number + salutation + _para(t("fl_opening", **n)))

    def result(self) -> Section:
        t, s = self.t, self.lt.standing
        parts = [f"<h2>{escape(t('fl_result'))}</h2>"]
        if self.lt.missing:
            missing = _para(t("fl_result_missing", year=self.lt.year, you=self.you()), "bad")
            return Section("".join(parts) + missing)
        values = {
            "self_total": fmt_score(s["self_total"], self.digits),
            "self_grade": self.grade(s["self_grade"]),
            "evaluated_total": fmt_score(s["evaluated_total"], self.digits),
            "evaluated_grade": self.grade(s["evaluated_grade"]),
            "rank": DASH if s.get("rank") is None else s["rank"],
            "ranked": self.lt.ranked,
            "you": self.you(),
        }
        key = "fl_result_text" if self.lt.ranked else "fl_result_unranked"
        parts.append(_para(t(key, **values)))
        if s.get("gap_flag"):
            threshold = fmt_number(self.ctx.appraisal.gap_points, 1)
            gap = fmt_score(s["gap"], self.digits, signed=True)
            source = rule_source(self.ctx, "appraisal.gap_points", self.labels)
            text = self.labels.sentences([t("fl_result_gap", gap=gap, threshold=threshold), source])
            parts.append(_para(text, "bad"))
        return Section("".join(parts))

    def changed(self) -> Section:
        """Each finding that changed the region's score: how it was found, what was found,
        its value and score against the evaluated ones (Art. 19)."""
        t, m = self.t, self.lt.moved
        parts = [f"<h2>{escape(t('fl_changed'))}</h2>"]
        if m.empty:
            return Section("".join(parts) + _para(t(self._key("fl_changed_none"))))
        rows = []
        for x in m.to_dict("records"):
            indicator = self.catalogue.indicator(x["indicator"])
            name = indicator.name(self.lang)
            rows.append(
                [
                    name,
                    basis_name(x["basis"], self.labels),
                    note(x, self.lt.year, name, self.labels),
                    value_text(x["self_value"], indicator.unit, self.labels),
                    value_text(x["evaluated_value"], indicator.unit, self.labels),
                    Cell(fmt_score(x["self_score"], self.digits), True),
                    Cell(fmt_score(x["evaluated_score"], self.digits), True),
                ]
            )
        header = [t("col_indicator"), t("pe_basis"), t("pe_note"), t("pe_self_value"),
                  t("pe_evaluated_value"), t("pe_self_score"), t("col_score")]  # fmt: skip
        return Section("".join(parts) + html_table(header, rows, numeric_columns=[5, 6]))

    def _new_items(self) -> pd.DataFrame:
        """The evaluation's problems for the region, worded as rectification items."""
        p = self.lt.problems
        items = p.assign(
            region_code=self.lt.region,
            fund=self.lt.fund,
            year=self.lt.year + 1,
            source="evaluation",
            status="open",
        )
        return worded_items(items, self.ds, self.ctx, self.lang)

    def _missed(self) -> list[str]:
        """Each target the region missed, its actual against the target as it reads."""
        return [
            self.t(
                "fl_missed",
                indicator=self.catalogue.indicator(r.indicator).name(self.lang),
                actual=fmt_value(r.actual, r.unit),
                target=expectation(r._asdict(), self.labels),
            )
            for r in self.lt.missed.itertuples()
        ]

    def problems(self) -> Section:
        """The targets the region missed, then the problems of its self-evaluation."""
        t = self.t
        found = [*self._missed(), *self._new_items()["problem"]]
        parts = [f"<h2>{escape(t('fl_problems'))}</h2>"]
        if not found:
            return Section("".join(parts) + _para(t("fl_problems_none")))
        items = "".join(f"<li>{escape(p)}</li>" for p in found)
        return Section("".join(parts) + f"<ol>{items}</ol>")

    def suggestions(self) -> Section:
        t, s = self.t, self.lt.suggestions
        parts = [f"<h2>{escape(t('fl_suggestions'))}</h2>"]
        if s.empty:
            return Section("".join(parts) + _para(t("fl_suggestions_none")))
        texts = worded(s, self.ctx, self.lt.fund, self.lt.province, self.labels)
        items = "".join(f"<li>{escape(x)}</li>" for x in texts)
        return Section("".join(parts) + f"<ol>{items}</ol>")

    def items(self) -> Section:
        """The items to close: this evaluation's, then the earlier ones still open."""
        t = self.t
        parts = [f"<h2>{escape(t('fl_items'))}</h2>"]
        new, old = self._new_items(), self.lt.pending
        if new.empty and old.empty:
            return Section("".join(parts) + _para(t("fl_items_none")))
        rows = [
            [Cell(shown_id(x.item_id, self.lt.fund), css="id"), x.problem, str(x.year),
             Cell(fmt_date(x.deadline, self.lang), css="date"),
             t("state_open")]
            for x in new.itertuples()
        ]  # fmt: skip
        rows += [
            [Cell(shown_id(x.item_id, self.lt.fund), css="id"), x.problem, str(x.year),
             Cell(fmt_date(x.deadline.date().isoformat(), self.lang), css="date"),
             Cell(t(f"state_{x.state}"), css="bad" if x.state == "overdue" else None)]
            for x in old.itertuples()
        ]  # fmt: skip
        header = [
            t("fl_item_id"),
            t("pe_problem"),
            t("fl_item_found"),
            t("pe_deadline"),
            t("fl_state"),
        ]
        due = fmt_date(self.ctx.appraisal.rectification_deadline(self.lt.year), self.lang)
        parts.append(_para(t(self._key("fl_items_text"), due=due)))
        parts.append(html_table(header, rows))
        return Section("".join(parts))

    def closing(self) -> Section:
        """The closing sentence and the copy list (抄送); the printed letter's signature
        and seal follow (the stage is signed)."""
        t, lt = self.t, self.lt
        parts = [_para(t("fl_closing"))]
        if lt.region != lt.province:
            agency = t(f"agency_{self._administration()}")
            region = self.ds.region_name(lt.region, self.lang)
            copy = t("fl_copy_text", region=region, agency=agency)
            parts.append(_para(t("fl_copy_line", copy=copy), "small"))
        return Section("".join(parts))
