"""Assembling a dataset: every fund simulated over the country's coordinating regions, its
tables gathered and sorted region by region, with exactly the columns of
``parameters/tables.yaml``; the public entry points (:func:`generate_dataset`,
:func:`demo_dataset`, :func:`write_demo`, :func:`csv_ready`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sipm_helpers import paths
from sipm_helpers.config import FundRegistry, load_registry, load_standards, load_table_specs
from sipm_helpers.config.catalogue import Catalogue, load_catalogue
from sipm_helpers.config.loader import read_yaml
from sipm_helpers.config.policy import Policy, load_policy
from sipm_helpers.config.standards import QualitativeLevel
from sipm_helpers.data.generate.central import Central, load_central
from sipm_helpers.data.generate.common import (
    DATA_DIR,
    DEMO_LAST_MONTH,
    DEMO_SEED,
    DEMO_YEARS,
    MONTHS,
    TABLE_NAMES,
    _text,
)
from sipm_helpers.data.generate.geography import (
    _demo_geography,
    _Geography,
    _Pairs,
    _pairs,
    _random_geography,
    _regions_table,
)
from sipm_helpers.data.generate.kinds import KINDS
from sipm_helpers.data.generate.money import _benefit_growth, _simulate
from sipm_helpers.data.generate.qualitative import _explanations, _qualitative
from sipm_helpers.data.generate.scenarios import (
    DEMO_SCENARIOS,
    Scenario,
    _random_scenarios,
    check_indicators,
)
from sipm_helpers.data.generate.shortfall import _shortfall
from sipm_helpers.data.generate.tables import _budget, _execution, _last_months, _statistics_table
from sipm_helpers.data.generate.targets import _targets
from sipm_helpers.data.generate_records import evaluator_records
from sipm_helpers.data.io import write_dataset

_TEXT_COLUMNS = ("region_code", "fund", "indicator", "period", "level", "benchmark")


@dataclass(frozen=True)
class _Setup:
    """What a dataset is built from, besides its regions."""

    registry: FundRegistry
    years: tuple[int, ...]
    complete: tuple[int, ...]  # the years with all twelve months
    open_year: int | None  # the last year, when it is not complete
    last_month: int
    seed: int
    catalogues: Mapping[str, Catalogue]
    levels: Mapping[str, QualitativeLevel]
    policy: Policy
    pooling: Mapping[str, str]  # fund -> pooling level
    pairs: Mapping[str, _Pairs]  # fund -> its coordinating regions
    province_codes: list[str]


def _check(years: tuple[int, int], last_month: int, seed: int) -> None:
    """ValueError for arguments no dataset can have."""
    first, last = years
    if last < first:
        raise ValueError(f"years must run forwards, not {first}–{last}")
    if not 1 <= last_month <= MONTHS:
        raise ValueError(f"last_month must be between 1 and 12, not {last_month}")
    if seed < 0:
        raise ValueError(f"seed must not be negative, not {seed}")


def _setup(geo: _Geography, years: tuple[int, int], last_month: int, seed: int, registry) -> _Setup:
    """The parameters a dataset needs and the coordinating regions of every fund."""
    registry = registry or load_registry()
    year_list = tuple(range(years[0], years[1] + 1))
    pooling = {f: fund.default_pooling for f, fund in registry.funds.items()}
    return _Setup(
        registry=registry,
        years=year_list,
        complete=year_list if last_month == MONTHS else year_list[:-1],
        open_year=None if last_month == MONTHS else year_list[-1],
        last_month=last_month,
        seed=seed,
        catalogues={f: load_catalogue(f) for f in registry.funds},
        levels=load_standards().qualitative_levels,
        policy=load_policy(),
        pooling=pooling,
        pairs={f: _pairs(geo, level) for f, level in pooling.items()},
        province_codes=[p[0] for p in geo.provinces],
    )


def _build(
    geo: _Geography,
    years: tuple[int, int],
    last_month: int,
    seed: int,
    scenarios: Sequence[Scenario] | None,
    registry: FundRegistry | None = None,
    central: Central | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of a dataset for ``geo``; ``scenarios`` None plants random outcomes;
    ``central``, the centre's own pool, adds its rows after everyone else's."""
    _check(years, last_month, seed)
    setup = _setup(geo, years, last_month, seed, registry)
    if scenarios is None:
        codes = {f: p.codes for f, p in setup.pairs.items()}
        scenarios = _random_scenarios(codes, setup.catalogues, setup.complete, seed)
    check_indicators(scenarios, setup.catalogues)
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in TABLE_NAMES}
    for code in setup.registry.funds:
        for name, frame in _fund_tables(setup, code, scenarios).items():
            parts[name].append(frame)
    regions = _regions_table(geo)
    tables: dict[str, pd.DataFrame] = {"regions": regions, "pooling": _pooling_table(setup)}
    parts["explanations"].insert(0, _explanations(scenarios, setup.complete))
    codes = {f: p.codes for f, p in setup.pairs.items()}
    downgraded = [
        (s.region, s.fund, s.year, hook(s))
        for s in scenarios
        if (hook := KINDS[s.kind].downgraded) is not None
    ]
    tables.update(evaluator_records(codes, setup.catalogues, setup.complete, seed, downgraded))
    if central is not None:
        _add_central(tables, parts, setup, geo, central)
        regions = tables["regions"]
    order = pd.Index(regions["region_code"])
    fund_order = pd.Index(list(setup.registry.funds))
    for name in ("budget", "execution", "statistics", "qualitative", "explanations"):
        tables[name] = _by_region(parts[name], order)
    tables["explanations"] = _explanations_in_order(tables["explanations"], order, fund_order)
    tables["targets"] = _targets_in_order(parts["targets"], order, fund_order)
    tables["monitoring_responses"] = pd.DataFrame()  # the agency's entries: the demo's only
    return _columns(tables)


def _fund_tables(
    setup: _Setup, code: str, scenarios: Sequence[Scenario]
) -> dict[str, pd.DataFrame]:
    """One fund's parts of the budget, execution, statistics, targets, qualitative and
    explanations tables."""
    fund, pairs, years = setup.registry.funds[code], setup.pairs[code], setup.years
    growth = _benefit_growth(setup.catalogues[code], setup.policy, years)
    evaluated = setup.complete[-1] if setup.complete else None  # the year evaluated
    shortfall = _shortfall(code, pairs.codes, years, evaluated, scenarios, setup.seed)
    data = _simulate(fund, pairs, years, scenarios, setup.seed, shortfall, growth)
    reported = _last_months(pairs, code, setup.last_month, scenarios, years[-1])
    grades, explained = _qualitative(
        data, setup.catalogues[code], setup.complete, scenarios, setup.seed, setup.levels
    )
    return {
        "budget": _budget(data, years, scenarios, setup.seed),
        "execution": _execution(data, years, reported),
        "statistics": _statistics_table(data, years, reported),
        "targets": _targets(
            data,
            setup.catalogues[code],
            years,
            setup.province_codes,
            setup.seed,
            scenarios,
            setup.open_year,
            setup.policy,
        ),
        "qualitative": grades,
        "explanations": explained,
    }


def _add_central(
    tables: dict[str, pd.DataFrame],
    parts: dict[str, list[pd.DataFrame]],
    setup: _Setup,
    geo: _Geography,
    central: Central,
) -> None:
    """The centre's pool added last: its region, its pooling at country level, and its
    fund's tables and evaluator's records drawn on its own stream, with no scenario; of
    the targets drawn for it, its own. Fills ``tables`` and ``parts`` in place."""
    fund = central.fund
    own = replace(
        setup,
        seed=central.seed(setup.seed),
        pairs={fund: central.pairs(geo)},
        province_codes=[central.code],
    )
    for name, frame in _fund_tables(own, fund, ()).items():
        parts[name].append(central.own_targets(frame) if name == "targets" else frame)
    row = pd.DataFrame([central.region_row()], columns=tables["regions"].columns)
    tables["regions"] = pd.concat([tables["regions"], row], ignore_index=True).astype("str")
    pooled = pd.DataFrame([(central.code, fund, "country")], columns=tables["pooling"].columns)
    tables["pooling"] = pd.concat([tables["pooling"], pooled], ignore_index=True)
    records = evaluator_records({fund: (central.code,)}, setup.catalogues, setup.complete, own.seed)
    for name, frame in records.items():
        tables[name] = pd.concat([tables[name], frame], ignore_index=True)


def _pooling_table(setup: _Setup) -> pd.DataFrame:
    """Every fund's pooling level in every province."""
    provinces, funds = setup.province_codes, list(setup.pooling)
    each_fund = np.tile(np.arange(len(funds)), len(provinces))
    return pd.DataFrame(
        {
            "province_code": _text(provinces, np.repeat(np.arange(len(provinces)), len(funds))),
            "fund": _text(funds, each_fund),
            "pooling_level": _text(list(setup.pooling.values()), each_fund),
        }
    )


def _by_region(frames: list[pd.DataFrame], order: pd.Index) -> pd.DataFrame:
    """The parts concatenated region by region; the parts come fund by fund in registry
    order, each sorted by year and month, and a stable sort keeps that order within a
    region."""
    present = [f for f in frames if len(f)]
    if not present:
        return pd.DataFrame()
    frame = pd.concat(present, ignore_index=True)
    rank = order.get_indexer(frame["region_code"])
    return frame.take(np.argsort(rank, kind="stable")).reset_index(drop=True)


def _explanations_in_order(e: pd.DataFrame, order: pd.Index, fund_order: pd.Index):
    """Explanations by region, fund and year (lexsort is stable)."""
    if not len(e):
        return e
    rank = order.get_indexer(e["region_code"]) * len(fund_order)
    rank += fund_order.get_indexer(e["fund"])
    return e.take(np.lexsort((e["year"].to_numpy(), rank)))


def _targets_in_order(
    frames: list[pd.DataFrame], order: pd.Index, fund_order: pd.Index
) -> pd.DataFrame:
    """Targets central, provincial, regional, then by region and fund, each fund's
    indicators in catalogue order (lexsort is stable)."""
    targets = pd.concat(frames, ignore_index=True)
    targets = targets.take(
        np.lexsort(
            (
                fund_order.get_indexer(targets["fund"]),
                order.get_indexer(targets["region_code"]),
                pd.Index(["central", "province", "region"]).get_indexer(targets["level"]),
            )
        )
    )
    return targets.astype(dict.fromkeys(_TEXT_COLUMNS, "str"))


def _columns(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table with exactly the columns of parameters/tables.yaml, in order (an empty
    table gets them with their types)."""
    specs = load_table_specs()
    dtypes = {"text": "str", "integer": "int64", "number": "float64", "date": "str"}
    out = {}
    for name in TABLE_NAMES:
        frame = tables[name]
        columns = specs[name].columns
        if frame.empty and not len(frame.columns):
            frame = pd.DataFrame({c: pd.Series(dtype=dtypes[s.type]) for c, s in columns.items()})
        out[name] = frame[list(columns)].reset_index(drop=True)
    return out


# --------------------------------------------------------------------------- public API


def generate_dataset(
    provinces: int,
    regions_per_province: int | tuple[int, int],
    years: tuple[int, int],
    *,
    last_month: int = 12,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """A deterministic synthetic dataset of any size.

    Takes the number of provinces (1–81), the prefectures per province (a number, or the
    inclusive range (low, high) each province's count is drawn from), the first and last
    year (inclusive), the last executed month of the last year (the budget still covers
    the whole year) and the seed; the same arguments give identical tables. Every fund of
    the registry is pooled at its default level. Returns the tables of parameters/tables.yaml
    by name (regions, pooling, budget, execution, statistics, targets, qualitative,
    explanations), each with exactly its columns in order; about 2 % of fund-region years
    miss a target badly (most of them explained). Raises ValueError for impossible sizes.
    """
    geo = _random_geography(provinces, regions_per_province, seed)
    return _build(geo, years, last_month, seed, None)


def demo_dataset() -> dict[str, pd.DataFrame]:
    """The embedded demo country (Demoland, 示范国): provinces 910000, 920000 and 930000 with
    4, 5 and 6 prefectures, all seven funds (57 fund-region pairs), and the centre's own
    pool 100000 of the public pension (demo/central.yaml, Art. 23), budgets 2021–2026,
    execution and statistics 2021–2025 and 2026 through October, the scenarios of
    :data:`DEMO_SCENARIOS` planted. Returns the tables by name, as :func:`generate_dataset`."""
    tables = _build(
        _demo_geography(DEMO_SEED), DEMO_YEARS, DEMO_LAST_MONTH, DEMO_SEED, DEMO_SCENARIOS,
        central=load_central(),
    )  # fmt: skip
    tables["monitoring_responses"] = demo_responses(tables["monitoring_responses"].columns)
    return tables


RESPONSES_FILE = "monitoring_responses.yaml"  # the agency's entries in the demo's monitoring table


def demo_responses(columns: pd.Index) -> pd.DataFrame:
    """The agency's entries in the demo's monitoring table (demo/monitoring_responses.yaml),
    with ``columns`` in order."""
    raw = read_yaml(DATA_DIR / RESPONSES_FILE)
    frame = pd.DataFrame(raw["responses"]).reindex(columns=list(columns))
    return frame.astype({"year": "int64", "month": "int64"})


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its number columns as compact text for CSV: whole numbers without a
    trailing ``.0`` (persons, cases), missing values empty. Returns a new frame."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col].dtype):
            continue
        v = out[col].to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(v)
        whole = ~missing & (v == np.round(v)) & (np.abs(v) < 2**53)
        text = pd.Series(v, index=out.index).astype("str")
        ints = pd.Series(np.where(whole, v, 0).astype("int64"), index=out.index).astype("str")
        out[col] = ints.where(whole, text).where(~missing, None).astype("str")
    return out


def write_demo(out: Path | None = None) -> Path:
    """Write the demo dataset as CSV files to ``out`` (default: the package's demo_data
    folder, replaced atomically). Returns the folder written."""
    target = Path(out) if out is not None else paths.demo_data_dir()
    tables = {name: csv_ready(frame) for name, frame in demo_dataset().items()}
    return write_dataset(tables, target, "csv", force=True)  # the package's own folder
