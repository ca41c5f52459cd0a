"""A report's cover and its signature: what each stage's document states on its cover
(what is evaluated, who evaluated it for whom, the date, the document number) and, where
the stage's document is signed, the departments that issue it, each with its seal.

Who made the reports and for whom comes from the plan where it says (``evaluator``,
``client``), else from ``parameters/appraisal.yaml`` ``report`` (the evaluator) and the
province's finance department (the client, Art. 17: the finance department entrusts the
evaluation). Each stage's document bears the date its stage's ``dated`` gives (a stage
following another's document, the other's): the date it is due or made.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from sipm_helpers.batch.plan import Job
from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.provincial import coordinating_province
from sipm_helpers.present.findings import fmt_date
from sipm_helpers.present.issuers import administration_department, finance_department
from sipm_helpers.stages.registry import stage as stage_named


@dataclass(frozen=True)
class Cover:
    """The facts on a report's cover as (label, value) pairs, its number and date as
    written, the departments signing it (none: not signed) and the seal's mark."""

    facts: tuple[tuple[str, str], ...]
    number: str
    date: str
    signers: tuple[str, ...] = ()
    seal: str = ""
    toc_title: str = ""

    def as_dict(self) -> dict:
        """Plain values for the page template (and for a worker process)."""
        return {
            "facts": [list(f) for f in self.facts],
            "number": self.number,
            "date": self.date,
            "signers": list(self.signers),
            "seal": self.seal,
            "toc_title": self.toc_title,
        }


def document_date(job: Job, ctx: Context, as_of: str = "") -> datetime.date:
    """The date a stage's document bears (see the module's docstring)."""
    document = stage_named(job.definition.document_kind)
    return document.dated(job.year, job.period, ctx.appraisal, as_of or job.as_of)


def _named(names: Mapping[str, str], lang: str, province: str) -> str:
    """A plan's name in ``lang`` with {province} filled ("" when it gives none)."""
    return names.get(lang, "").replace("{province}", province)


def _signers(job: Job, ctx: Context, labels: Labels, ds: Dataset, province: str) -> tuple[str, ...]:
    """The finance department and the administrative department(s) of the fund(s) of
    ``province`` (a code): the ministries for the centre's own pool (Art. 23); and the
    departments the province's own rules have issue its documents with them (Art. 24)."""
    funds = list(ctx.registry.funds) if job.fund == ALL_FUNDS else [job.fund]
    administrations = dict.fromkeys(ctx.registry.fund(f).administration for f in funds)
    code = coordinating_province(ds, job.fund, job.region) or job.region
    also = ctx.for_province(code, job.year).appraisal.co_issuers  # Art. 24
    return (
        finance_department(labels, ds, province, job.lang),
        *(administration_department(labels, ds, province, a, job.lang) for a in administrations),
        *(department.text(labels.lang) for department in also),
    )


def _finance(labels: Labels, ds: Dataset, region: str, province: str, lang: str) -> str:
    """The finance department a report is made for: the province's (the Ministry of Finance
    for the centre's own pool, Art. 23), or the Ministry of Finance for the country's (the
    central level of Art. 5)."""
    r = ds.regions
    if (r.loc[r["region_code"] == region, "level"] == "country").any():
        return labels.t("cover_client_country")
    return finance_department(labels, ds, province, lang)


def make_cover(
    job: Job,
    labels: Labels,
    ds: Dataset,
    ctx: Context,
    *,
    evaluator: Mapping[str, str] | None = None,
    client: Mapping[str, str] | None = None,
    as_of: str = "",
) -> Cover:
    """The cover of ``job``'s report in its language. ``evaluator`` and ``client`` are
    the plan's names by language; ``as_of`` the date the job's result was made on, if it
    says (a provincial evaluation's)."""
    lang, t = job.lang, labels.t
    province_code = coordinating_province(ds, job.fund, job.region) or job.region
    province = ds.region_name(province_code, lang)
    region = ds.region_name(job.region, lang)
    fund = ctx.registry.fund_name(job.fund, lang)
    day = document_date(job, ctx.for_province(province_code, job.year), as_of)  # Art. 24
    number = ctx.appraisal.number(
        job.definition.document_kind,
        lang,
        day,
        region=job.region,
        province=province_code,
        fund=ctx.registry.place(job.fund),
        year=job.year,
        period=job.period or job.year,
    )
    issuers = job.definition.issuers(lang) if job.definition.issuers else ()
    made = (
        ((t("cover_issuer"), labels.join(issuers)),)
        if issuers
        else (
            (
                t("cover_evaluator"),
                _named(evaluator or {}, lang, province) or ctx.appraisal.evaluator_name(lang),
            ),
            (
                t("cover_client"),
                _named(client or {}, lang, province)
                or _finance(labels, ds, job.region, province_code, lang),
            ),
        )
    )  # a document the centre issues names its issuers, not an evaluator and its client
    facts = (
        (t("cover_subject"), t("cover_subject_text", region=region, fund=fund)),
        *made,
        (t("cover_date"), fmt_date(day.isoformat(), lang)),
        (t("cover_number"), number),
    )  # fmt: skip
    signed = job.definition.signed
    return Cover(
        facts=facts,
        number=number,
        date=fmt_date(day.isoformat(), lang),
        signers=(issuers or _signers(job, ctx, labels, ds, province_code)) if signed else (),
        seal=t("cover_seal") if signed else "",
        toc_title=t("toc_title"),
    )
