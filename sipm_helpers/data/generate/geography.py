"""The regions of a dataset: the demo country or a generated one (names from
``sipm_helpers/demo/places.yaml``), each prefecture's population and wealth, the regions
table, and the coordinating regions of a fund."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sipm_helpers.config.loader import require_keys
from sipm_helpers.data.generate import yamlfile as yf
from sipm_helpers.data.generate.common import COUNTRY_CODE, _rng
from sipm_helpers.errors import ParameterError

PLACES_FILE = "places.yaml"
MAX_PROVINCES = 81  # two-digit province prefixes 91–99, 81–89, …, 11–19
MAX_PREFECTURES = 99

_Place = tuple[str, str]  # (Chinese name without suffix, English name without suffix)


@dataclass(frozen=True)
class Places:
    """What places.yaml holds."""

    demo_country: _Place
    demo_provinces: tuple[tuple[str, _Place, tuple[_Place, ...]], ...]  # code, name, prefectures
    generated_country: _Place
    heads: tuple[_Place, ...]  # first syllables of generated names
    tails: tuple[_Place, ...]  # last syllables


@dataclass(frozen=True)
class _Geography:
    """Regions of a dataset: the country, provinces and prefectures with their sizes."""

    country: tuple[str, str, str]
    provinces: tuple[tuple[str, str, str], ...]  # code, zh, en
    prefectures: tuple[tuple[str, str, str], ...]  # code, zh, en
    parent: np.ndarray  # province index of each prefecture
    population: np.ndarray  # persons per prefecture
    wealth: np.ndarray  # relative income level per prefecture (1 = national average)


@dataclass(frozen=True)
class _Pairs:
    """The coordinating regions of one fund (Art. 6)."""

    codes: tuple[str, ...]
    province: np.ndarray  # province index of each
    population: np.ndarray
    wealth: np.ndarray


# --------------------------------------------------------------------------- the file


def _name(file: Path, where: str, value: Any) -> _Place:
    """[Chinese, English]."""
    if not isinstance(value, list) or len(value) != 2:
        raise ParameterError(file, where, f"expected [Chinese, English], got {value!r}")
    zh, en = yf.texts(file, where, value)
    return zh, en


def _syllables(file: Path, where: str, value: Any) -> tuple[_Place, ...]:
    """Name syllables, each Chinese and each pinyin given once."""
    out = tuple(_name(file, f"{where}[{i}]", v) for i, v in enumerate(yf.items(file, where, value)))
    for k, what in ((0, "Chinese"), (1, "pinyin")):
        seen = [p[k] for p in out]
        if len(set(seen)) != len(seen):
            twice = sorted({s for s in seen if seen.count(s) > 1})
            raise ParameterError(file, where, f"{what} given twice: {', '.join(twice)}")
    return out


def _province(file: Path, where: str, raw: Any) -> tuple[str, _Place, tuple[_Place, ...]]:
    spec = require_keys(file, where, raw, ["code", "name", "prefectures"])
    code = yf.text(file, f"{where}.code", spec["code"])
    if not (len(code) == 6 and code.isdigit() and code.endswith("0000")):
        raise ParameterError(file, f"{where}.code", f"expected a code such as 910000, got {code!r}")
    prefectures = yf.items(file, f"{where}.prefectures", spec["prefectures"])
    names = tuple(_name(file, f"{where}.prefectures[{i}]", p) for i, p in enumerate(prefectures))
    return code, _name(file, f"{where}.name", spec["name"]), names


def load_places(path: str | Path | None = None) -> Places:
    """Read and check the place names; ParameterError names the file and key."""
    path = yf.data_path(path, PLACES_FILE)
    raw = yf.read(path, ["demo", "generated"])
    demo = require_keys(path, "demo", raw["demo"], ["country", "provinces"])
    generated = require_keys(path, "generated", raw["generated"], ["country", "heads", "tails"])
    provinces = yf.items(path, "demo.provinces", demo["provinces"])
    return Places(
        demo_country=_name(path, "demo.country", demo["country"]),
        demo_provinces=tuple(
            _province(path, f"demo.provinces[{i}]", p) for i, p in enumerate(provinces)
        ),
        generated_country=_name(path, "generated.country", generated["country"]),
        heads=_syllables(path, "generated.heads", generated["heads"]),
        tails=_syllables(path, "generated.tails", generated["tails"]),
    )


PLACES = load_places()
DEMO_COUNTRY = (COUNTRY_CODE, *PLACES.demo_country)
DEMO_GEOGRAPHY = PLACES.demo_provinces


# --------------------------------------------------------------------------- countries


def _province_prefix(i: int) -> int:
    """Two-digit prefix of the i-th province: 91–99, then 81–89, …"""
    return (9 - i // 9) * 10 + 1 + i % 9


def _random_names(n: int, rng: np.random.Generator) -> list[_Place]:
    """``n`` distinct fictional place names (Chinese, English) without their suffix."""
    combos = [(h[0] + t[0], h[1] + t[1]) for h in PLACES.heads for t in PLACES.tails]
    order = rng.permutation(len(combos))
    names = []
    for k in range(n):
        zh, en = combos[order[k % len(combos)]]
        rounds = k // len(combos)
        names.append((zh, en) if rounds == 0 else (f"{zh}{rounds + 1}", f"{en} {rounds + 1}"))
    return names


def _sizes(
    sizes: Sequence[int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parent index, population and wealth of the prefectures of provinces of ``sizes``."""
    parent = np.repeat(np.arange(len(sizes)), sizes)
    population = np.exp(rng.normal(np.log(3.8e6), 0.4, len(parent)))
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    population[first] *= 1.6  # the provincial capital
    province_wealth = np.exp(rng.normal(0.0, 0.22, len(sizes)))
    wealth = province_wealth[parent] * np.exp(rng.normal(0.0, 0.1, len(parent)))
    return parent, np.round(population, -3), wealth


def _size_range(regions_per_province: int | tuple[int, int]) -> tuple[int, int]:
    """(low, high) prefectures per province; ValueError outside 1–99."""
    lo, hi = (
        (regions_per_province, regions_per_province)
        if isinstance(regions_per_province, int | np.integer)
        else tuple(regions_per_province)
    )
    if not 1 <= lo <= hi <= MAX_PREFECTURES:
        raise ValueError(
            f"regions per province must be between 1 and {MAX_PREFECTURES} (lowest first), "
            f"not {regions_per_province}"
        )
    return lo, hi


def _random_geography(
    provinces: int, regions_per_province: int | tuple[int, int], seed: int
) -> _Geography:
    """A country of ``provinces`` provinces with fictional names and codes 910000, 920000, …"""
    if not 1 <= provinces <= MAX_PROVINCES:
        raise ValueError(f"provinces must be between 1 and {MAX_PROVINCES}, not {provinces}")
    lo, hi = _size_range(regions_per_province)
    rng = _rng(seed, "geography")
    sizes = rng.integers(lo, hi + 1, provinces)
    names = _random_names(provinces + int(sizes.sum()), rng)
    prefixes = [_province_prefix(i) for i in range(provinces)]
    province_rows = tuple(
        (f"{p}0000", f"{zh}省", f"{en} Province")
        for p, (zh, en) in zip(prefixes, names[:provinces], strict=True)
    )
    parent, population, wealth = _sizes(sizes.tolist(), rng)
    within = np.arange(len(parent)) - np.r_[0, np.cumsum(sizes)[:-1]][parent] + 1
    prefecture_rows = tuple(
        (f"{prefixes[p]}{k:02d}00", f"{zh}市", f"{en} City")
        for p, k, (zh, en) in zip(parent, within, names[provinces:], strict=True)
    )
    return _Geography(
        country=(COUNTRY_CODE, *PLACES.generated_country),
        provinces=province_rows,
        prefectures=prefecture_rows,
        parent=parent,
        population=population,
        wealth=wealth,
    )


def _demo_geography(seed: int) -> _Geography:
    """The demo country: 3 provinces of 4, 5 and 6 prefectures (:data:`DEMO_GEOGRAPHY`)."""
    rng = _rng(seed, "geography")
    sizes = [len(prefs) for _, _, prefs in DEMO_GEOGRAPHY]
    parent, population, wealth = _sizes(sizes, rng)
    provinces = tuple((code, f"{zh}省", f"{en} Province") for code, (zh, en), _ in DEMO_GEOGRAPHY)
    prefectures = tuple(
        (f"{code[:2]}{k + 1:02d}00", f"{zh}市", f"{en} City")
        for code, _, prefs in DEMO_GEOGRAPHY
        for k, (zh, en) in enumerate(prefs)
    )
    return _Geography(DEMO_COUNTRY, provinces, prefectures, parent, population, wealth)


# --------------------------------------------------------------------------- tables


def _regions_table(geo: _Geography) -> pd.DataFrame:
    """The regions table: country, provinces, prefectures (codes as text)."""
    rows = [(*geo.country, "country", None)]
    rows += [(*p, "province", geo.country[0]) for p in geo.provinces]
    rows += [
        (*pref, "prefecture", geo.provinces[i][0])
        for pref, i in zip(geo.prefectures, geo.parent, strict=True)
    ]
    frame = pd.DataFrame(
        rows, columns=["region_code", "name_zh", "name_en", "level", "parent_code"]
    )
    return frame.astype("str")


def _pairs(geo: _Geography, level: str) -> _Pairs:
    """A fund's coordinating regions: each province, or each prefecture."""
    if level == "prefecture":
        return _Pairs(tuple(p[0] for p in geo.prefectures), geo.parent, geo.population, geo.wealth)
    n = len(geo.provinces)
    population = np.bincount(geo.parent, weights=geo.population, minlength=n)
    wealth = np.bincount(geo.parent, weights=geo.population * geo.wealth, minlength=n) / population
    return _Pairs(tuple(p[0] for p in geo.provinces), np.arange(n), population, wealth)
