"""The provincial evaluation's problems as rectification items in the words of the report's
language, in the layout of the dataset's ``rectification`` table (parameters/tables.yaml),
so that the agency loads them back with next year's data (Art. 20)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.cells import frame_csv
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import atomic_write_text
from sipm_helpers.present.findings import fmt_date, worded_problem


def _indicators(ctx: Context, fund: str, lang: str) -> dict[str, tuple[str, str | None]]:
    return {
        i.code: (i.name(lang), i.unit)
        for cat in ctx.all_catalogues()
        if cat.fund == fund
        for i in cat.indicators
    }


def worded_items(items: pd.DataFrame, ds: Dataset, ctx: Context, lang: str) -> pd.DataFrame:
    """``items`` (:func:`sipm_helpers.domain.follow_up.new_items`) with each problem and
    owner in words (a finding worded by :mod:`sipm_helpers.present.findings`), in the rectification table's columns and order; dates as YYYY-MM-DD."""
    labels = load_labels(lang)
    t = labels.t
    columns = list(ctx.specs["rectification"].columns)
    if items.empty:
        return pd.DataFrame(columns=columns)
    evaluated = int(items["year"].iloc[0]) - 1
    due = fmt_date(ctx.appraisal.due(evaluated).isoformat(), lang)
    of = {f: _indicators(ctx, f, lang) for f in items["fund"].unique()}
    problems = []
    for r in items.to_dict("records"):  # a region's few problems: wording, not computation
        code = r["indicator"] if isinstance(r["indicator"], str) else None
        name, unit = of[r["fund"]].get(code, (code or "", None)) if code else ("", None)
        if isinstance(r.get("finding"), str):
            problems.append(worded_problem(r, evaluated, name, unit, labels))
        else:
            problems.append(t(f"rect_{r['problem']}", year=evaluated, due=due, indicator=name))
    owners = [t("rect_owner", region=ds.region_name(code, lang)) for code in items["region_code"]]
    out = items.assign(
        problem=problems,
        owner=owners,
        deadline=pd.to_datetime(items["deadline"]).dt.strftime("%Y-%m-%d"),
        closed=None,
        evidence=None,
    )
    return out[columns]


def shown_id(item_id: object, fund: str) -> str:
    """An item's number as a document shows it: without the fund's code, which the
    document's own title names (910100-employee_medical-2026-E1 → 910100-2026-E1)."""
    return str(item_id).replace(f"-{fund}-", "-")


def write_items(frame: pd.DataFrame, path: str | Path) -> Path:
    """The items as CSV (UTF-8), written atomically; an owner or a problem that reads as a
    formula escaped (:mod:`sipm_helpers.data.cells`)."""
    path = Path(path)
    atomic_write_text(path, frame_csv(frame))
    return path
