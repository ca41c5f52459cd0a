"""Exploring a dataset in JupyterLab: ``sipm_helpers.open_dataset`` returns an :class:`Explorer`
whose methods answer the usual questions in one call (which regions and funds, the
indicators and scores of any selection, totals and grades, one indicator compared across
regions). Each answer is a :class:`Tidy` DataFrame: pandas, plotting and export work on
it as on any frame, and in a notebook it shows as a formatted, escaped table (numbers in
their units, grades coloured) instead of a raw repr.

Regions and funds are chosen by code or by name, in Chinese or English; a name that is
not found is an error listing the close matches.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import TABLES, Dataset
from sipm_helpers.domain import measures
from sipm_helpers.domain.facts import annual_facts, reserve_basis
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.monitoring import progress
from sipm_helpers.domain.scoring import summarize_scores
from sipm_helpers.domain.sustainability import project
from sipm_helpers.present.natural_charts import INDICATOR, MONTHS_COVERED, PROGRESS, PROJECTION
from sipm_helpers.present.tidy import Tidy, tidy
from sipm_helpers.present.vocabulary import code_names
from sipm_helpers.present.wording import TOTALS, item_name

MONEY, RATE = "10k_yuan", "rate"


class Explorer:
    """One dataset and its parameters, asked questions in ``lang`` (names shown)."""

    def __init__(self, dataset: Dataset, context: Context, lang: str = "en") -> None:
        self.dataset, self.context, self.lang = dataset, context, lang
        self.labels = load_labels(lang)  # read once: the answers' titles and item names
        self.names = code_names(context, self.labels)  # how answers show their codes

    def t(self, key: str, /, **values: object) -> str:
        """The label ``key`` in the explorer's language (for a chart or table of one's own)."""
        return self.labels.t(key, **values)

    def _tidy(self, frame: pd.DataFrame, title: str, units=None, **kwargs) -> Tidy:
        return tidy(frame, title, units, lang=self.lang, names=self.names, **kwargs)

    # what there is --------------------------------------------------------------------
    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """The dataset's validated tables by name (budget, execution, statistics, ...)."""
        return MappingProxyType({name: getattr(self.dataset, name) for name in TABLES})

    @property
    def regions(self) -> Tidy:
        r = self.dataset.regions[["region_code", "name_zh", "name_en", "level", "parent_code"]]
        return self._tidy(r, self.t("explore_regions"))

    @property
    def funds(self) -> Tidy:
        rows = [(c, f.zh, f.en, f.default_pooling) for c, f in self.context.registry.funds.items()]
        frame = pd.DataFrame(rows, columns=["fund", "name_zh", "name_en", "pooling"])
        return self._tidy(frame, self.t("explore_funds"))

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.dataset.execution["year"].unique())

    @property
    def latest_complete_year(self) -> int:
        """The latest year some region has executed to December (the year evaluated)."""
        e = self.dataset.execution
        return int(e.loc[e["month"] == 12, "year"].max())

    # choosing by code or name ---------------------------------------------------------------
    def region(self, name_or_code: str) -> str:
        """The code of the region named (code, Chinese or English name)."""
        r = self.dataset.regions
        names = {**dict(zip(r["region_code"], r["region_code"], strict=True)),
                 **dict(zip(r["name_zh"], r["region_code"], strict=True)),
                 **dict(zip(r["name_en"], r["region_code"], strict=True))}  # fmt: skip
        return _choose("explore_no_region", name_or_code, names, self.labels)

    def fund(self, name_or_code: str) -> str:
        """The code of the fund named (code, Chinese or English name)."""
        names = {}
        for code, f in self.context.registry.funds.items():
            names.update({code: code, f.zh: code, f.en: code})
        return _choose("explore_no_fund", name_or_code, names, self.labels)

    # questions ------------------------------------------------------------------------
    def scores(self, regions=None, funds=None, years=None) -> Tidy:
        """Every indicator of the selection: actual, target, points, score, status."""
        f = self._frame(regions, funds, years)
        f = f.assign(region=self._names(f["region_code"]))
        columns = ["region_code", "region", "fund", "year", "indicator", "kind", "unit",
                   "actual", "target", "points", "score", "status", "met"]  # fmt: skip
        return self._tidy(f[columns], self.t("explore_scores"))

    def totals(self, regions=None, funds=None, years=None) -> Tidy:
        """Each region's total on 100 points and its grade, per fund and year, from the data as
        reported (the evaluator's findings are stage 04's)."""
        f = self._frame(regions, funds, years)
        t = summarize_scores(f, self.context.standards, ["region_code", "fund", "year"])
        t = t.assign(region=self._names(t["region_code"]))
        columns = ["region_code", "region", "fund", "year", "total", "grade", "missed"]
        return self._tidy(t[columns], self.t("explore_totals"))

    def compare(self, indicator: str, fund: str, year: int) -> Tidy:
        """One indicator's actual across the fund's regions in ``year``, highest first."""
        fund = self.fund(fund)
        f = self._frame(None, [fund], [year])
        f = f.loc[f["indicator"] == indicator]
        if f.empty:
            raise KeyError(
                self.t("explore_no_indicator", indicator=indicator, fund=fund, year=year)
            )
        f = f.assign(region=self._names(f["region_code"])).sort_values("actual", ascending=False)
        sep = self.t("explore_title_separator")
        title = sep.join([self._indicator_name(fund, indicator), self.fund_name(fund), str(year)])
        columns = ["region_code", "region", "fund", "unit", "actual", "target"]
        return self._tidy(f[columns], title, chart=INDICATOR)

    def execution(self, regions=None, funds=None, year=None, month=None) -> Tidy:
        """Budget execution to date (Art. 11–14): per region, fund and line item, and the
        income and expenditure totals, the annual budget, what was executed to the end of
        ``month``, the execution rate, the share the region's seasonal profile expects by
        then and the pace against it, and the year-end forecast with its 90 % interval and
        the chance it falls short of the budget. ``year``: the latest in the data;
        ``month``: the latest the selection reports in it (``reported_to``: each region's)."""
        sub = self._subset(regions, funds)
        year = max(self.years) if year is None else int(year)
        this_year = sub.execution.loc[sub.execution["year"] == year]
        if this_year.empty:
            raise KeyError(self.t("explore_no_execution", year=year))
        month = int(this_year["month"].max()) if month is None else int(month)
        p = progress(sub, self.context.registry, year, month)
        p = p.loc[(p["budget"].fillna(0) > 0) | (p["executed"] > 0)]
        reached = this_year.groupby(["region_code", "fund"], as_index=False)["month"].max()
        p = p.merge(reached.rename(columns={"month": "reported_to"}), how="left")
        items = {i: item_name(i, self.context.registry, self.labels) for i in p["item"].unique()}
        p = p.assign(region=self._names(p["region_code"]), item_name=p["item"].map(items))
        p = p.sort_values(["region_code", "fund", "item"], key=self._item_order)
        title = self.labels.t("chart_progress_title", month=month, year=year)
        return self._tidy(p[EXECUTION_COLUMNS], title, EXECUTION_UNITS, chart=PROGRESS)

    def months_covered(self, regions=None, funds=None, years=None) -> Tidy:
        """Months of expenditure the year-end balance covers, year by year (the pooled
        fund's where the statistics report it apart from the personal accounts), with the
        months reported (a year still running is provisional) and the fund's reasonable
        band (the catalogue's, the province's where it sets one)."""
        regions_, funds_ = self._codes(regions, funds)
        facts = annual_facts(self.dataset, self.context.registry, funds=funds_, regions=regions_)
        basis = reserve_basis(facts)
        out = basis.rename(columns={"months": "months_reported"})
        out["months_covered"] = measures.months_covered(facts).reindex(out.index)
        out = out.reset_index()
        if years is not None:
            out = out.loc[out["year"].isin([int(y) for y in _many(years)])]
        out = out.assign(region=self._names(out["region_code"])).join(self._bands(out))
        title = self.labels.t("chart_months_title")
        return self._tidy(out[MONTHS_COLUMNS], title, MONTHS_UNITS, chart=MONTHS_COVERED)

    def projection(self, regions=None, funds=None) -> Tidy:
        """Each region's fund projected from its last complete year over the rules' horizon
        (``parameters/sustainability.yaml``): history and projection year by year, income,
        expenditure, balance and months covered, the projection's interval (``_low``,
        ``_high``) and middle half (``_q25``, ``_q75``), and the threshold and band the
        months are judged against."""
        regions_, funds_ = self._codes(regions, funds)
        ctx = self.context
        proj = project(self.dataset, ctx, ctx.sustainability, funds=funds_, regions=regions_)
        judged = proj.summary[["region_code", "fund", "threshold", "band_upper"]]
        out = proj.paths.merge(judged, on=["region_code", "fund"], how="left")
        out = out.assign(region=self._names(out["region_code"]))
        columns = [c for c in PROJECTION_COLUMNS if c in out]
        title = self.labels.t("chart_projected_months_title")
        return self._tidy(out[columns], title, PROJECTION_UNITS, chart=PROJECTION)

    def export(
        self, path: str, regions=None, funds=None, years=None, **answers: pd.DataFrame
    ) -> Path:
        """The selection's totals and grades and every indicator's score as one Excel
        workbook (a sheet each, formatted: units in the headings, rates as percentages),
        then any other answer given by name, a sheet each in its own units
        (``execution=ds.execution(...)`` gives a sheet "execution")."""
        from sipm_helpers.present.export import UNITS, write_workbook

        tables = {
            "totals": self.totals(regions, funds, years),
            "scores": self.scores(regions, funds, years),
            **answers,
        }
        return write_workbook(tables, path, UNITS, self.labels)

    # helpers ----------------------------------------------------------------------------
    def fund_name(self, fund: str) -> str:
        """The name of the fund named (code or name) in the explorer's language."""
        return getattr(self.context.registry.fund(self.fund(fund)), self.lang)

    def _indicator_name(self, fund: str, indicator: str) -> str:
        return getattr(self.context.catalogue(fund).indicator(indicator), self.lang)

    def _names(self, codes: pd.Series) -> pd.Series:
        r = self.dataset.regions
        names = dict(zip(r["region_code"], r[f"name_{self.lang}"], strict=True))
        return codes.map(names).fillna(codes)

    def _codes(self, regions, funds) -> tuple[list[str] | None, list[str] | None]:
        return (
            None if regions is None else [self.region(r) for r in _many(regions)],
            None if funds is None else [self.fund(f) for f in _many(funds)],
        )

    def _item_order(self, column: pd.Series) -> pd.Series:
        """Line items income first, in the registry's order, each kind's total after its
        items; other columns as they are."""
        if column.name != "item":
            return column
        registry = self.context.registry
        codes = [c for kind in TOTALS for c in (*registry.items_of_kind(kind), kind)]
        return column.astype(str).map({c: i for i, c in enumerate(codes)})

    def _subset(self, regions, funds) -> Dataset:
        """The dataset's monthly tables narrowed to the selection (the rest untouched)."""
        regions, funds = self._codes(regions, funds)
        ds = self.dataset

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            keep = pd.Series(True, index=frame.index)
            if regions is not None:
                keep &= frame["region_code"].isin(regions)
            if funds is not None:
                keep &= frame["fund"].isin(funds)
            return frame.loc[keep]

        return replace(ds, execution=pick(ds.execution), budget=pick(ds.budget),
                       statistics=pick(ds.statistics))  # fmt: skip

    def _bands(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Each row's reasonable band of months covered: band_lower, band_upper."""
        coord = self.dataset.coordination.set_index(["region_code", "fund"])["province_code"]
        keys = pd.MultiIndex.from_frame(rows[["region_code", "fund"]])
        province = coord.reindex(keys).to_numpy()
        bands = {
            (f, p): self.context.reserve_band(f, None if pd.isna(p) else str(p))
            for f, p in set(zip(rows["fund"], province, strict=True))
        }
        pairs = [bands[k] for k in zip(rows["fund"], province, strict=True)]
        return pd.DataFrame(
            {
                "band_lower": [np.nan if b is None or b.lower is None else b.lower for b in pairs],
                "band_upper": [np.nan if b is None or b.upper is None else b.upper for b in pairs],
            },
            index=rows.index,
        )

    def _frame(self, regions, funds, years) -> pd.DataFrame:
        regions, funds = self._codes(regions, funds)
        return indicator_frame(
            self.dataset,
            self.context,
            funds=funds,
            regions=regions,
            years=None if years is None else [int(y) for y in _many(years)],
        )


MONEY_COLUMNS = ("budget", "executed", "forecast", "forecast_low", "forecast_high",
                 "balance_end", "expenditure", "income", "balance", "balance_low",
                 "balance_high", "income_low", "income_high", "expenditure_low",
                 "expenditure_high")  # fmt: skip
EXECUTION_COLUMNS = ["region_code", "region", "fund", "year", "month", "reported_to", "item",
                     "item_name", "budget", "executed", "execution_rate", "expected_share",
                     "pace", "forecast", "forecast_low", "forecast_high", "p_below_budget"]  # fmt: skip
EXECUTION_UNITS = {c: MONEY for c in MONEY_COLUMNS} | {
    "execution_rate": RATE, "expected_share": RATE, "p_below_budget": RATE, "pace": "ratio"
}  # fmt: skip
MONTHS_COLUMNS = ["region_code", "region", "fund", "year", "months_reported", "income",
                  "expenditure", "balance_end", "pooled", "months_covered", "band_lower",
                  "band_upper"]  # fmt: skip
MONTHS_UNITS = {c: MONEY for c in MONEY_COLUMNS} | {
    c: "months" for c in ("months_covered", "band_lower", "band_upper")
}
PROJECTION_COLUMNS = ["region_code", "region", "fund", "year", "kind", "income", "income_low",
                      "income_high", "expenditure", "expenditure_low", "expenditure_high",
                      "balance", "balance_low", "balance_high", "months_covered", "months_low",
                      "months_high", "months_q25", "months_q75", "threshold", "band_upper",
                      "cost_rate", "dependency_ratio"]  # fmt: skip
PROJECTION_UNITS = {c: MONEY for c in MONEY_COLUMNS} | {
    c: "months" for c in ("months_covered", "months_low", "months_high", "months_q25",
                          "months_q75", "threshold", "band_upper")
} | {"cost_rate": RATE, "dependency_ratio": "ratio"}  # fmt: skip


def _many(value) -> list:
    return [value] if isinstance(value, str | int) else list(value)


def _choose(key: str, name: str, names: dict[str, str], labels) -> str:
    """The code ``name`` names; KeyError worded by the label ``key`` with the close matches."""
    if name in names:
        return names[name]
    close = difflib.get_close_matches(str(name), list(names), n=5, cutoff=0.5)
    hint = labels.t("explore_close_matches", close=", ".join(close)) if close else ""
    raise KeyError(labels.t(key, name=name, hint=hint))
