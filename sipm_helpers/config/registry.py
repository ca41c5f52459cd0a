"""The fund registry (parameters/funds.yaml): fund types, line items and statistics (Art. 3, 12)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

ITEM_KINDS = ("income", "expenditure", "balance")
AGGREGATIONS = ("stock", "flow")
POOLING_LEVELS = ("province", "prefecture")
# A fund pooled at country level by the centre's own pool (a region of level ``central``),
# outside any province: the central state organs' pension fund (Art. 23).
COUNTRY_POOLING = "country"
# The social insurance administrative departments (Art. 25 of Caishe [2022] No. 65).
ADMINISTRATIONS = ("hrss", "healthcare_security")
# The fund code of a report across all of a province's funds (the consolidated provincial
# report): reserved, no fund of the registry takes it.
ALL_FUNDS = "all"


@dataclass(frozen=True)
class LineItem:
    code: str
    kind: str  # income | expenditure | balance
    zh: str
    en: str


@dataclass(frozen=True)
class Statistic:
    code: str
    unit: str
    aggregation: str  # stock | flow
    zh: str
    en: str


@dataclass(frozen=True)
class Fund:
    code: str
    zh: str
    en: str
    group: str
    default_pooling: str
    administration: str  # the administrative department that issues results with finance
    income_items: tuple[str, ...]
    expenditure_items: tuple[str, ...]
    statistics: tuple[str, ...]
    country_pooling: bool = False  # may be pooled at country level (Art. 23)

    @property
    def flow_items(self) -> tuple[str, ...]:
        return self.income_items + self.expenditure_items

    @property
    def line_items(self) -> tuple[str, ...]:
        return (*self.flow_items, "balance_start", "balance_end")

    def name(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class FundRegistry:
    funds: dict[str, Fund]
    line_items: dict[str, LineItem]
    statistics: dict[str, Statistic]
    source: str
    all_funds: tuple[str, str] = ("社会保险基金", "Social insurance funds")  # zh, en

    def place(self, code: str) -> str:
        """The fund's place in the registry as two digits (01, 02, …; 00 for all funds),
        as document numbers give it."""
        if code == ALL_FUNDS:
            return "00"
        return f"{list(self.funds).index(self.fund(code).code) + 1:02d}"

    def fund_name(self, code: str, lang: str = "en") -> str:
        """The name of fund ``code`` in ``lang``; of all funds together for ``ALL_FUNDS``."""
        if code == ALL_FUNDS:
            return self.all_funds[0] if lang == "zh" else self.all_funds[1]
        return self.fund(code).name(lang)

    def fund(self, code: str) -> Fund:
        """The fund with this code; KeyError listing the known codes otherwise."""
        try:
            return self.funds[code]
        except KeyError:
            raise KeyError(f"unknown fund {code!r}; known: {', '.join(self.funds)}") from None

    def items_of_kind(self, kind: str) -> list[str]:
        return [c for c, item in self.line_items.items() if item.kind == kind]


def load_registry(path: str | Path | None = None) -> FundRegistry:
    """Read and validate the fund registry; ParameterError names the file and key on failure."""
    path = Path(path) if path else parameters_dir() / "funds.yaml"
    raw = read_yaml(path)
    raw = {k: v for k, v in raw.items() if not str(k).startswith("_")}  # _keys hold YAML anchors
    require_keys(path, "", raw, ["version", "line_items", "statistics", "funds", "all_funds"])
    if ALL_FUNDS in raw["funds"]:
        raise ParameterError(path, f"funds.{ALL_FUNDS}", "is reserved for all funds together")
    together = require_keys(path, "all_funds", raw["all_funds"], ["zh", "en"])

    items: dict[str, LineItem] = {}
    for code, spec in raw["line_items"].items():
        require_keys(path, f"line_items.{code}", spec, ["kind", "zh", "en"])
        if spec["kind"] not in ITEM_KINDS:
            raise ParameterError(path, f"line_items.{code}.kind", f"must be one of {ITEM_KINDS}")
        items[code] = LineItem(code, spec["kind"], spec["zh"], spec["en"])
    for needed in ("balance_start", "balance_end"):
        if needed not in items:
            raise ParameterError(path, "line_items", f"must define the balance item {needed!r}")

    stats: dict[str, Statistic] = {}
    for code, spec in raw["statistics"].items():
        require_keys(path, f"statistics.{code}", spec, ["unit", "aggregation", "zh", "en"])
        if spec["aggregation"] not in AGGREGATIONS:
            raise ParameterError(
                path, f"statistics.{code}.aggregation", f"must be one of {AGGREGATIONS}"
            )
        stats[code] = Statistic(code, spec["unit"], spec["aggregation"], spec["zh"], spec["en"])

    funds: dict[str, Fund] = {}
    for code, spec in raw["funds"].items():
        where = f"funds.{code}"
        require_keys(
            path,
            where,
            spec,
            ["zh", "en", "group", "default_pooling", "administration", "line_items", "statistics"],
            ["country_pooling"],
        )
        if spec["administration"] not in ADMINISTRATIONS:
            raise ParameterError(
                path, f"{where}.administration", f"must be one of {ADMINISTRATIONS}"
            )
        if spec["default_pooling"] not in POOLING_LEVELS:
            raise ParameterError(
                path, f"{where}.default_pooling", f"must be one of {POOLING_LEVELS}"
            )
        li = require_keys(
            path, f"{where}.line_items", spec["line_items"], ["income", "expenditure"]
        )
        for kind in ("income", "expenditure"):
            for item in li[kind]:
                if item not in items or items[item].kind != kind:
                    raise ParameterError(
                        path,
                        f"{where}.line_items.{kind}",
                        f"{item!r} is not a known {kind} line item",
                    )
        for stat in spec["statistics"]:
            if stat not in stats:
                raise ParameterError(
                    path, f"{where}.statistics", f"{stat!r} is not a known statistic"
                )
        funds[code] = Fund(
            code=code,
            zh=spec["zh"],
            en=spec["en"],
            group=spec["group"],
            default_pooling=spec["default_pooling"],
            administration=spec["administration"],
            income_items=tuple(li["income"]),
            expenditure_items=tuple(li["expenditure"]),
            statistics=tuple(spec["statistics"]),
            country_pooling=_flag(path, f"{where}.country_pooling", spec.get("country_pooling")),
        )
    return FundRegistry(
        funds=funds,
        line_items=items,
        statistics=stats,
        source=str(path),
        all_funds=(str(together["zh"]), str(together["en"])),
    )


def _flag(path: Path, where: str, value: object) -> bool:
    """An optional yes/no key: absent is no."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ParameterError(path, where, f"must be true or false, not {value!r}")
    return value
