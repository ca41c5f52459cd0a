"""The centre's notice (通报) of its assessment of the provinces (Art. 22 of Caishe [2022]
No. 65), section by section, for the assessment notebook: the number and the addressees,
the opening, how the provinces were assessed, the ranking, the provinces commended, those
interviewed and ordered to rectify by a deadline, last year's orders followed up, the
requirements, the issuing departments and date, and the annex of each province's scores
with their basis. Everything is read from the assessment's structured result."""

from __future__ import annotations

import datetime
from html import escape

import pandas as pd

from sipm_helpers.config.assessment import AssessmentRules, Criterion
from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.assessment import COMMENDED, INTERVIEWED, STAGE
from sipm_helpers.domain.assessment_inputs import COUNTRY
from sipm_helpers.present.formatting import fmt_points, fmt_score
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.tables import Cell, html_table

MAIN_LOSSES = 3  # the criteria the notice names for a province interviewed, the most lost first


class AssessmentWords:
    """What the notice and the letters share: the result as frames, names in the language
    asked for, the issuing departments as sentences name them, and each criterion's
    score in words."""

    def __init__(
        self, result: dict, rules: AssessmentRules, ds: Dataset, ctx: Context, lang: str = "en"
    ) -> None:
        self.result, self.rules, self.ds, self.ctx, self.lang = result, rules, ds, ctx, lang
        self.digits = ctx.standards.score_decimals  # scores shown as rounded
        self.labels = load_labels(lang)
        self.t = self.labels.t
        self.year = int(result["year"])
        self.provinces = pd.DataFrame(result["provinces"])
        self.criteria = pd.DataFrame(result["criteria"])
        self.deductions = pd.DataFrame(result["deductions"])
        self.follow = pd.DataFrame(
            result["follow_up"],
            columns=["province_code", "last_total", "last_deadline", "total", "lifted"],
        )
        self.criterion = {c.code: c for c in rules.criteria}

    def number(self, document: str, province: str = COUNTRY) -> str:
        """The number of the notice or a letter (``document``: its stage), as its cover
        gives it (parameters/appraisal.yaml ``report.numbers``)."""
        issued = datetime.date.fromisoformat(self.result["notice"])
        return self.ctx.appraisal.number(document, self.lang, issued, region=province,
                                         province=province, fund=self.ctx.registry.place(ALL_FUNDS),
                                         year=self.year, period=self.year)  # fmt: skip

    def name(self, code: str) -> str:
        return self.ds.region_name(code, self.lang)

    def date(self, iso: str) -> str:
        return self.labels.date(iso)

    def score(self, value: object) -> str:
        return fmt_score(value, self.digits)

    def issuers(self) -> dict[str, str]:
        """The lead department and its partners as sentences name them, and all of them."""
        names = self.rules.issuer_names(self.lang)
        ref = [self.t("as_issuer_ref", name=n) for n in names]
        return {
            "lead": ref[0],
            "lead_cap": self.t("as_issuer_ref_cap", name=names[0]),
            "partners": self.labels.join(ref[1:]),
            "issuers": self.labels.join(ref),
        }

    def evidence(self, row: dict) -> str:
        """What a criterion's score was counted from, in words: done of due."""
        measure = self.criterion[row["criterion"]].measure
        if measure == "disclosed":
            return self.t("as_ev_disclosed_yes" if row["counted"] else "as_ev_disclosed_no")
        if measure == "rectification_closed" and not row["due"]:
            return self.t("as_ev_rectification_closed_none")
        counted, due = (fmt_points(row[k], 1) for k in ("counted", "due"))
        return self.t(f"as_ev_{measure}", counted=counted, due=due)

    def mine(self, province: str) -> pd.DataFrame:
        """The criteria of ``province`` in the order of the rules."""
        c = self.criteria.loc[self.criteria["province_code"] == province]
        order = {code: i for i, code in enumerate(self.criterion)}
        return c.sort_values("criterion", key=lambda s: s.map(order))

    def weak(self, province: str) -> list[dict]:
        """The criteria ``province`` did not earn in full, the most points lost first."""
        c = self.mine(province)
        lost = c.loc[c["score"] < c["points"]]
        lost = lost.assign(_lost=lost["points"] - lost["score"])
        return lost.sort_values("_lost", ascending=False, kind="stable").to_dict("records")

    def outcome(self, code: str) -> str:
        return self.t(f"as_outcome_{code}")

    def criterion_name(self, code: str) -> str:
        return self.criterion[code].name(self.lang)


class AssessmentReport(AssessmentWords):
    """The national notice of the assessment of one year, in the language asked for."""

    def header(self) -> Section:
        number = self.number(STAGE)
        head = f'<p class="sipm-letter-number" style="text-align: right">{escape(number)}</p>'
        opening = self.t("as_opening", year=self.year, **self.issuers())
        return Section(head + _para(self.t("as_salutation")) + _para(opening))

    def _per_finding(self) -> str:
        per = self.rules.per_finding
        parts = [self.t("as_per_finding", points=fmt_points(per["adjusted_actual"], 1)),
                 self.t("as_per_denied", points=fmt_points(per["denied"], 1))]  # fmt: skip
        return self.labels.clauses(parts)

    def _criterion_row(self, c: Criterion) -> list:
        return [c.name(self.lang), Cell(fmt_points(c.weight, 1), True),
                self.t(f"as_how_{c.measure}"), c.source.text(self.lang)]  # fmt: skip

    def basics(self) -> Section:
        """How the provinces were assessed: the criteria, their points, how each is
        scored and the article it rests on."""
        t, p = self.t, self.provinces
        text = t("as_basics_text", count=len(self.rules.criteria), per_finding=self._per_finding(),
                 cap=fmt_points(self.rules.deduction_cap, 1), provinces=len(p),
                 mean=self.score(p["total"].mean()))  # fmt: skip
        header = [t("as_col_criterion"), t("as_col_points"), t("as_col_counted"),
                  t("as_col_source")]  # fmt: skip
        rows = [self._criterion_row(c) for c in self.rules.criteria]
        table = html_table(header, rows, numeric_columns=[1])
        return Section(f"<h2>{escape(t('as_basics'))}</h2>" + _para(text) + table)

    def ranking(self) -> Section:
        """The provinces ranked: score, deduction, final score and outcome."""
        t, p = self.t, self.provinces
        best, worst = p.iloc[0], p.iloc[-1]
        text = t("as_results_text", provinces=len(p), best=self.name(best["province_code"]),
                 best_total=self.score(best["total"]), worst=self.name(worst["province_code"]),
                 worst_total=self.score(worst["total"]))  # fmt: skip
        rows = [
            [Cell(str(r["rank"]), True), self.name(r["province_code"]),
             Cell(self.score(r["gross"]), True), Cell(self.score(r["deduction"]), True),
             Cell(self.score(r["total"]), True),
             Cell(self.outcome(r["outcome"]), css="bad" if r["outcome"] == INTERVIEWED else None)]
            for r in p.to_dict("records")
        ]  # fmt: skip
        header = [t("as_col_rank"), t("as_col_province"), t("as_col_gross"),
                  t("as_col_deduction"), t("as_col_total"), t("as_col_outcome")]  # fmt: skip
        table = html_table(header, rows, numeric_columns=[0, 2, 3, 4])
        return Section(f"<h2>{escape(t('as_results'))}</h2>" + _para(text) + table)

    def _named(self, outcome: str) -> str:
        codes = self.provinces.loc[self.provinces["outcome"] == outcome, "province_code"]
        return self.labels.join([self.name(c) for c in codes])

    def commended(self) -> Section:
        t, threshold = self.t, fmt_points(self.rules.commend_from, 1)
        named = self._named(COMMENDED)
        text = (t("as_commended_text", provinces=named, threshold=threshold) if named
                else t("as_commended_none", threshold=threshold))  # fmt: skip
        return Section(f"<h2>{escape(t('as_commended'))}</h2>" + _para(text))

    def _weak_text(self, province: str) -> str:
        """Where ``province`` lost the most points (its letter lists every criterion)."""
        items = [
            self.t("as_weak_item", criterion=self.criterion_name(w["criterion"]),
                   score=self.score(w["score"]), points=fmt_points(w["points"], 1))
            for w in self.weak(province)[:MAIN_LOSSES]
        ]  # fmt: skip
        return self.labels.clauses(items) if self.lang != "zh" else "，".join(items)

    def interviewed(self) -> Section:
        """The provinces interviewed and ordered to rectify, the deadline, and where each
        lost its points."""
        t, threshold = self.t, fmt_points(self.rules.interview_below, 1)
        head = f"<h2>{escape(t('as_interviewed'))}</h2>"
        named = self._named(INTERVIEWED)
        if not named:
            return Section(head + _para(t("as_interviewed_none", threshold=threshold)))
        text = t("as_interviewed_text", provinces=named, threshold=threshold,
                 deadline=self.date(self.result["deadline"]), **self.issuers())  # fmt: skip
        codes = self.provinces.loc[self.provinces["outcome"] == INTERVIEWED, "province_code"]
        items = "".join(
            f"<li>{escape(t('as_interviewed_item', province=self.name(c), weak=self._weak_text(c)))}</li>"
            for c in codes
        )
        return Section(head + _para(text) + f"<ol>{items}</ol>")

    def follow_up(self) -> Section:
        """Last year's orders: each province interviewed then, its score then and now."""
        t, prior = self.t, self.year - 1
        head = f"<h2>{escape(t('as_follow_up'))}</h2>"
        if self.result.get("previous_on_record") is False:
            return Section(head + _para(t("as_follow_up_missing", prior=prior)))
        f = self.follow
        if f.empty:
            return Section(head + _para(t("as_follow_up_none", prior=prior)))
        rows = [
            [self.name(r["province_code"]), Cell(self.score(r["last_total"]), True),
             self.date(r["last_deadline"]), Cell(self.score(r["total"]), True),
             Cell(t("as_lifted_yes" if r["lifted"] else "as_lifted_no"),
                  css=None if r["lifted"] else "bad")]
            for r in f.to_dict("records")
        ]  # fmt: skip
        header = [t("as_col_province"), t("as_col_last_total"), t("as_col_last_deadline"),
                  t("as_col_now_total"), t("as_col_lifted")]  # fmt: skip
        text = _para(t("as_follow_up_text", prior=prior, count=len(f)))
        return Section(head + text + html_table(header, rows, numeric_columns=[1, 3]))

    def requirements(self) -> Section:
        t = self.t
        return Section(
            f"<h2>{escape(t('as_requirements'))}</h2>" + _para(t("as_requirements_text"))
        )

    def annex(self) -> Section:
        """Each province's score on each criterion with its basis, and its deduction."""
        t = self.t
        header = [t("as_col_province"), t("as_col_criterion"), t("as_col_points"),
                  t("al_col_score"), t("al_col_evidence")]  # fmt: skip
        rows: list = []
        for code in self.provinces["province_code"]:
            for r in self.mine(code).to_dict("records"):
                rows.append([self.name(code), self.criterion_name(r["criterion"]),
                             Cell(fmt_points(r["points"], 1), True),
                             Cell(self.score(r["score"]), True), self.evidence(r)])  # fmt: skip
            d = self.deductions.set_index("province_code").loc[code]
            rows.append([self.name(code), t("as_deductions"), "",
                         Cell(self.score(-d["deduction"]) if d["deduction"] else self.score(0), True),
                         t("as_ev_deduction", adjusted=int(d["adjusted_actual"]),
                           denied=int(d["denied"]))])  # fmt: skip
        table = html_table(header, rows, numeric_columns=[2, 3])
        return Section(f"<h2>{escape(t('as_annex'))}</h2>" + _para(t("as_annex_text")) + table)
