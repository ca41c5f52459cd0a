"""A province seen as one coordinating region of a fund pooled by prefecture; the centre's
own pool (Art. 23) in the place of a province.

A province sets provincial targets for its prefecture-pooled funds (Art. 10) and reviews
them before the budget like any region's; the provincial evaluation looks at the province
as a whole. :func:`province_view` gives the dataset in which the province coordinates the
fund itself: its prefectures' execution, budget and statistics summed month by month (so
every ratio is the province-wide one), its provincial targets as the targets of the
region, the central ones above them. The other funds are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sipm_helpers.data.dataset import Dataset


def coordinating_province(ds: Dataset, fund: str, region: str) -> str | None:
    """The province ``region`` coordinates ``fund`` in (the region itself when the fund is
    pooled at province level); None when the region does not coordinate the fund."""
    c = ds.coordination
    found = c.loc[(c["fund"] == fund) & (c["region_code"] == region), "province_code"]
    return str(found.iloc[0]) if len(found) else None


def central_pools(ds: Dataset) -> list[str]:
    """The codes of the centre's own pools (regions of level ``central``): each pools a
    fund at country level and is evaluated by the Ministry of Finance with the fund's
    ministry in the place of a province (Art. 23)."""
    r = ds.regions
    return [str(code) for code in r.loc[r["level"] == "central", "region_code"]]


def is_central(ds: Dataset, region: str) -> bool:
    """Whether ``region`` is one of the centre's own pools (Art. 23)."""
    return region in central_pools(ds)


def province_members(ds: Dataset, fund: str, province: str) -> list[str]:
    """The prefectures coordinating ``fund`` in ``province`` (empty when it is pooled at
    province level, or the province is not one)."""
    c = ds.coordination
    mine = c.loc[(c["fund"] == fund) & (c["province_code"] == province)]
    return sorted(set(mine["region_code"]) - {province})


def province_view(ds: Dataset, fund: str, province: str, additive: Iterable[str] = ()) -> Dataset:
    """``ds`` with ``province`` as the one coordinating region of ``fund`` in it.

    ``additive`` names indicators counted in persons or cases: where the province has no
    target of its own for one, its regions' targets add up to it (when every region has
    one for the year). Raises ValueError when the fund is not pooled by prefecture in the
    province."""
    members = province_members(ds, fund, province)
    if not members:
        raise ValueError(f"{fund} is not pooled by prefecture in {province}")

    def rolled(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
        mine = (frame["fund"] == fund) & frame["region_code"].isin(members)
        summed = (
            frame.loc[mine]
            .assign(region_code=province)
            .groupby(keys, as_index=False, sort=False)[values]
            .sum(min_count=1)
        )
        return pd.concat([frame.loc[~mine], summed[frame.columns]], ignore_index=True)

    budget = ds.budget.assign(adjusted=ds.budget["adjusted"].fillna(ds.budget["initial"]))
    t = ds.targets
    theirs = (t["fund"] == fund) & (t["region_code"].isin(members) | (t["region_code"] == province))
    own = t.loc[(t["fund"] == fund) & (t["region_code"] == province)]
    own = pd.concat([own, _summed_targets(t, fund, province, members, additive, own)])
    # The province's own targets are the region's now; the centre's stay above them.
    targets = pd.concat(
        [t.loc[~theirs], own.assign(level=own["level"].replace({"province": "region"}))],
        ignore_index=True,
    )
    c = ds.coordination
    coordination = pd.concat(
        [
            c.loc[~((c["fund"] == fund) & c["region_code"].isin(members))],
            pd.DataFrame(
                [
                    {
                        "region_code": province,
                        "fund": fund,
                        "province_code": province,
                        "pooling_level": "province",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    drop = lambda f: f.loc[~((f["fund"] == fund) & f["region_code"].isin(members))]  # noqa: E731
    return Dataset(
        **{
            **ds.__dict__,
            "execution": rolled(
                ds.execution, ["region_code", "fund", "year", "month", "item"], ["amount"]
            ),
            "budget": rolled(
                budget, ["region_code", "fund", "year", "item"], ["initial", "adjusted"]
            ),
            "statistics": rolled(
                ds.statistics, ["region_code", "fund", "year", "month", "stat"], ["value"]
            ),
            "targets": targets,
            "qualitative": drop(ds.qualitative),
            "explanations": drop(ds.explanations),
            "review": drop(ds.review),
            "submissions": drop(ds.submissions),
            "rectification": drop(ds.rectification),
            "coordination": coordination,
        }
    )


def _summed_targets(
    targets: pd.DataFrame,
    fund: str,
    province: str,
    members: list[str],
    additive: Iterable[str],
    own: pd.DataFrame,
) -> pd.DataFrame:
    """Province-level targets of counted indicators as the sum of every member's annual
    target, where the province sets none itself."""
    keys = ["indicator", "period", "start_year", "end_year"]
    theirs = targets.loc[
        (targets["fund"] == fund)
        & targets["region_code"].isin(members)
        & (targets["level"] == "region")
        & targets["indicator"].isin(list(additive))
        & (targets["period"] == "annual")
    ]
    summed = theirs.groupby(keys, as_index=False).agg(
        target=("target", "sum"), regions=("region_code", "nunique")
    )
    summed = summed.loc[summed["regions"] == len(members)].drop(columns="regions")
    had = own.set_index(keys).index
    summed = summed.loc[~summed.set_index(keys).index.isin(had)]
    return summed.assign(region_code=province, fund=fund, level="province", benchmark="plan")[
        targets.columns
    ]
