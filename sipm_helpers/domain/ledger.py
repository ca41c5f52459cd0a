"""The rectification ledger as the evaluator's evidence (Art. 14, 18, 20 of Caishe [2022]
No. 65): where the ledger holds a region's audit and inspection items, the provincial
evaluation does not take the self-evaluation's word against it.

- **Rate**: a reported audit-rectification rate above the ledger's by more than the
  tolerance is replaced by the ledger's (items closed by their deadline over items due).
- **Cap**: an item of the cap's sources (audit, inspection and earlier evaluations' items)
  open past its deadline at the end of the year evaluated caps the grade of
  fund-management compliance.
- **Contradictions**: evidence of a grade that says no problem was found, while an item
  was open at the year's end, is flagged for the evaluator (who decides; no score moves).

The first two are findings in the layout of the evaluator's ``review`` table, with the
basis ``ledger`` and, instead of a comment, the figures that word them (``check`` and the
ledger's counts); the evaluator's own finding on the same indicator wins.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.ledger import (
    KEYS,
    STATES,
    claims_beyond_ledger,
    item_states,
    ledger_rates,
    reported_rates,
)
from sipm_helpers.domain.phrases import says_any

BASIS = "ledger"
RATE, OVERDUE = "rate", "overdue"  # the two checks that move a score
REVIEW = ["region_code", "fund", "year", "indicator", "finding", "actual", "grade", "basis",
          "comment"]  # fmt: skip
DETAIL = ["check", "due", "on_time", "reported", "overdue", "overdue_since"]


def _selected(frame: pd.DataFrame, fund: str, regions: Iterable[str]) -> pd.DataFrame:
    return frame.loc[(frame["fund"] == fund) & frame["region_code"].isin(list(regions))]


def ledger_facts(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], years: Iterable[int]
) -> pd.DataFrame:
    """Per region and year of ``fund`` with an audit or inspection item bearing on it: the
    ledger's counts and rate (:func:`sipm_helpers.data.ledger.ledger_rates`) beside the
    rate the statistics report (``reported``, with ``found`` and ``rectified``)."""
    regions = list(regions)
    ledger = ledger_rates(_selected(ds.rectification, fund, regions), years, ctx.ledger.sources)
    reported = reported_rates(_selected(ds.statistics, fund, regions))
    return ledger.merge(reported, on=KEYS, how="left")


ITEM_COLUMNS = ["item_id", "region_code", "year", "source", "indicator", "problem", "deadline",
                "status", "closed", *STATES]  # fmt: skip


def ledger_items(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], years: Iterable[int]
) -> pd.DataFrame:
    """The items behind :func:`ledger_facts` and the cap (audit, inspection and earlier
    evaluations' items): one row per item and year looked at, with its source, problem,
    status and the states it was counted in (due, on_time, overdue, open), by region and
    deadline."""
    r = _selected(ds.rectification, fund, list(regions))
    sources = dict.fromkeys([*ctx.ledger.sources, *ctx.ledger.cap_sources])
    states = item_states(r, years, sources).drop(columns=["deadline", "closed"])
    wanted = ["item_id", "source", "indicator", "problem", "deadline", "status", "closed"]
    out = states.merge(r[wanted], on="item_id", how="left")
    return out.sort_values(["region_code", "year", "deadline", "item_id"], ignore_index=True)[
        ITEM_COLUMNS
    ]


def _rate_findings(facts: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    rules = ctx.ledger
    chosen = facts.loc[claims_beyond_ledger(facts, rules.rate_tolerance)]
    return chosen.assign(
        indicator=rules.rate_indicator,
        finding="adjusted_actual",
        actual=chosen["rate"],
        grade=None,
        check=RATE,
    )


def _cap_findings(
    ds: Dataset, ctx: Context, fund: str, regions: list[str], years: Iterable[int]
) -> pd.DataFrame:
    """Region-years with an item of the cap's sources overdue at the year's end whose own
    grade of the capped indicator is above the cap."""
    rules, levels = ctx.ledger, ctx.standards.qualitative_levels
    facts = ledger_rates(_selected(ds.rectification, fund, regions), years, rules.cap_sources)
    q = ds.qualitative.loc[ds.qualitative["indicator"] == rules.cap_indicator]
    q = q[[*KEYS, "grade"]].rename(columns={"grade": "own_grade"})
    late = facts.loc[facts["overdue"] > 0].merge(q, on=KEYS)
    above = (
        late["own_grade"].map({k: v.min for k, v in levels.items()}) > levels[rules.cap_grade].min
    )
    chosen = late.loc[above.fillna(False).to_numpy(dtype=bool)].drop(columns="own_grade")
    return chosen.assign(
        indicator=rules.cap_indicator,
        finding="adjusted_grade",
        actual=np.nan,
        grade=rules.cap_grade,
        check=OVERDUE,
    )


def ledger_findings(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], years: Iterable[int]
) -> pd.DataFrame:
    """The findings the ledger makes of ``fund``'s ``regions`` in ``years``: the review
    table's columns (basis ``ledger``, no comment) and :data:`DETAIL`."""
    regions, years = list(regions), list(years)
    facts = ledger_facts(ds, ctx, fund=fund, regions=regions, years=years)
    parts = [_rate_findings(facts, ctx), _cap_findings(ds, ctx, fund, regions, years)]
    found = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=REVIEW + DETAIL)])
    found = found.assign(basis=BASIS, comment=None)
    return found.reindex(columns=REVIEW + DETAIL).reset_index(drop=True)


def evaluator_review(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], years: Iterable[int]
) -> pd.DataFrame:
    """The evaluator's findings of ``fund``'s ``regions`` in ``years``: the ``review``
    table's rows and the ledger's (:func:`ledger_findings`) where the evaluator made none
    on the same indicator. Columns of the review table and :data:`DETAIL`."""
    regions, years = list(regions), [int(y) for y in years]
    own = _selected(ds.review, fund, regions)
    own = own.loc[own["year"].isin(years)].assign(check=None)
    ledger = ledger_findings(ds, ctx, fund=fund, regions=regions, years=years)
    key = [*KEYS, "indicator"]
    taken = pd.MultiIndex.from_frame(own[key].astype(object))
    ledger = ledger.loc[~pd.MultiIndex.from_frame(ledger[key].astype(object)).isin(taken)]
    both = pd.concat([own.reindex(columns=REVIEW + DETAIL), ledger], ignore_index=True)
    return both.astype({"year": "int64"})


def contradicted_evidence(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], year: int
) -> pd.DataFrame:
    """Qualitative evidence of ``year`` that claims no problem was found while the region
    had an audit or inspection item open at the year's end: region_code, indicator,
    evidence, open (items open) and overdue (of them, past their deadline)."""
    regions = list(regions)
    facts = ledger_facts(ds, ctx, fund=fund, regions=regions, years=[year])
    facts = facts.loc[facts["open"] > 0, ["region_code", "open", "overdue"]]
    q = _selected(ds.qualitative, fund, regions)
    q = q.loc[q["year"] == year, ["region_code", "indicator", "evidence"]]
    claims = says_any(q["evidence"], ctx.ledger.no_problem_phrases)
    out = q.loc[claims].merge(facts, on="region_code")
    return out.sort_values(["region_code", "indicator"], ignore_index=True)
