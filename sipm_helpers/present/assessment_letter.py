"""The centre's letter to one province on its assessment (Art. 22 of Caishe [2022] No. 65),
in the form of the feedback letters: its number, the addressees (the province's finance,
human resources and social security, and healthcare security departments), the result
with its rank and outcome, the score of each criterion with its basis, the deductions for
data found false, the rectification required (by the deadline where the province is
interviewed), last year's order followed up, and the issuing departments and date."""

from __future__ import annotations

from html import escape

from sipm_helpers.config.assessment import AssessmentRules
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.assessment import COMMENDED, INTERVIEWED, LETTER_STAGE
from sipm_helpers.present.assessment_report import AssessmentWords
from sipm_helpers.present.formatting import fmt_points
from sipm_helpers.present.sections import Section, _para
from sipm_helpers.present.tables import Cell, html_table


class AssessmentLetter(AssessmentWords):
    """The letter to ``province`` from the assessment ``result``; ValueError when the
    result does not assess it."""

    def __init__(
        self,
        result: dict,
        rules: AssessmentRules,
        ds: Dataset,
        ctx: Context,
        province: str,
        lang: str = "en",
    ) -> None:
        super().__init__(result, rules, ds, ctx, lang)
        if province not in set(self.provinces["province_code"]):
            raise ValueError(f"the assessment of {self.year} does not assess province {province}")
        self.province = province
        self.standing = self.provinces.set_index("province_code").loc[province].to_dict()

    def letter_number(self) -> str:
        return self.number(LETTER_STAGE, self.province)

    def header(self) -> Section:
        head = f'<p class="sipm-letter-number" style="text-align: right">{escape(self.letter_number())}</p>'
        salutation = _para(self.t("al_salutation", province=self.name(self.province)))
        opening = _para(self.t("al_opening", year=self.year, **self.issuers()))
        return Section(head + salutation + opening)

    def outcome_text(self) -> str:
        s, t = self.standing, self.t
        if s["outcome"] == COMMENDED:
            return t("al_result_commended")
        if s["outcome"] == INTERVIEWED:
            threshold = fmt_points(self.rules.interview_below, 1)
            return t("al_result_interviewed", threshold=threshold, **self.issuers())
        return ""

    def result_section(self) -> Section:
        s, t = self.standing, self.t
        text = t("al_result_text", gross=self.score(s["gross"]), deduction=self.score(s["deduction"]),
                 total=self.score(s["total"]), rank=int(s["rank"]),
                 provinces=len(self.provinces))  # fmt: skip
        parts = [_para(text)] + ([_para(self.outcome_text())] if self.outcome_text() else [])
        return Section(f"<h2>{escape(t('al_result'))}</h2>" + "".join(parts))

    def criteria_section(self) -> Section:
        """Each criterion: its points, the score and what it was counted from."""
        t = self.t
        rows = [
            [self.criterion_name(r["criterion"]), Cell(fmt_points(r["points"], 1), True),
             Cell(self.score(r["score"]), True, "bad" if r["score"] < r["points"] else None),
             self.evidence(r), self.criterion[r["criterion"]].source.text(self.lang)]
            for r in self.mine(self.province).to_dict("records")
        ]  # fmt: skip
        header = [t("as_col_criterion"), t("as_col_points"), t("al_col_score"),
                  t("al_col_evidence"), t("as_col_source")]  # fmt: skip
        table = html_table(header, rows, numeric_columns=[1, 2])
        return Section(f"<h2>{escape(t('al_criteria'))}</h2>" + table)

    def deductions_section(self) -> Section:
        t = self.t
        d = self.deductions.set_index("province_code").loc[self.province]
        head = f"<h2>{escape(t('al_deductions'))}</h2>"
        if not d["adjusted_actual"] and not d["denied"]:
            return Section(head + _para(t("al_deductions_none")))
        text = t("al_deductions_text", adjusted=int(d["adjusted_actual"]), denied=int(d["denied"]),
                 deduction=self.score(d["deduction"]),
                 cap=fmt_points(self.rules.deduction_cap, 1))  # fmt: skip
        return Section(head + _para(text))

    def requirements(self) -> Section:
        """What the province must rectify: by the deadline where it is interviewed, in the
        next year's work otherwise; each criterion it lost points on, with its basis."""
        t = self.t
        head = f"<h2>{escape(t('al_requirements'))}</h2>"
        weak = self.weak(self.province)
        if not weak:
            return Section(head + _para(t("al_requirements_none")))
        if self.standing["outcome"] == INTERVIEWED:
            deadline = self.date(self.result["deadline"])
            lead = _para(t("al_requirements_interviewed", deadline=deadline, **self.issuers()))
        else:
            lead = _para(t("al_requirements_other"))
        items = "".join(
            f"<li>{escape(t('al_weak_item', criterion=self.criterion_name(w['criterion']), score=self.score(w['score']), points=fmt_points(w['points'], 1), evidence=self.evidence(w)))}</li>"
            for w in weak
        )
        return Section(head + lead + f"<ol>{items}</ol>")

    def follow_up(self) -> Section | None:
        """Last year's order to the province followed up (None: it had none on record)."""
        f = self.follow.loc[self.follow["province_code"] == self.province]
        if f.empty:
            return None
        r, t = f.iloc[0], self.t
        key = "al_follow_up_lifted" if r["lifted"] else "al_follow_up_not_lifted"
        text = t(key, prior=self.year - 1, deadline=self.date(r["last_deadline"]),
                 last_total=self.score(r["last_total"]), total=self.score(r["total"]))  # fmt: skip
        return Section(f"<h2>{escape(t('al_follow_up'))}</h2>" + _para(text))

    def closing(self) -> Section:
        """The closing sentence; the printed letter's signature and seal follow (the stage
        is signed by the issuing departments)."""
        return Section(_para(self.t("al_closing")))
