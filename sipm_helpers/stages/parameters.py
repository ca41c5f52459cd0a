"""The stage notebooks' parameters, declared once: name, type, default, description and the
values allowed (fund codes from the registry, region codes and years from the data,
languages from the label catalogues).

The parameters every stage shares are declared here; each stage's module declares its own
and lists its notebook's. The same declarations check a batch's every task before any
kernel starts and a notebook's values in its first cell, so a notebook run by hand with a bad value stops at
once with one line naming the parameter and what it accepts. They also write the
notebooks' parameters cell (``parameters_cell``), which papermill reads for
``--help-notebook``.
"""

from __future__ import annotations

import datetime
import json
import keyword
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import languages
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.errors import SipmError

SHOWN = 12  # allowed values listed in a message before "…"


class StageParameterError(SipmError):
    """A stage notebook's parameter is unknown, of the wrong type or not an allowed value.
    In a notebook it shows as one line, not a traceback (IPython's ``_render_traceback_``)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


def _funds(ctx: Context, ds: Dataset | None) -> Collection[str]:
    return tuple(ctx.registry.funds)


def _regions(ctx: Context, ds: Dataset | None) -> Collection[str] | None:
    return None if ds is None else tuple(ds.regions["region_code"])


def province_codes(ctx: Context, ds: Dataset | None) -> Collection[str] | None:
    """The codes of the data's provinces (None before the data are loaded)."""
    if ds is None:
        return None
    # the centre's own pool stands in the place of a province (Art. 23)
    return tuple(ds.regions.loc[ds.regions["level"].isin(["province", "central"]), "region_code"])


def _years(ctx: Context, ds: Dataset | None) -> Collection[int] | None:
    if ds is None:
        return None
    years = set(ds.budget["year"].tolist()) | set(ds.execution["year"].tolist())
    return tuple(sorted(int(y) for y in years))


def _languages(ctx: Context, ds: Dataset | None) -> Collection[str]:
    return languages()


def parse_period(period: str) -> tuple[int, int]:
    """'2026-10' → (2026, 10); a quarter '2026Q3' → (2026, 9), its last month."""
    text = str(period).strip().upper()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text) or re.fullmatch(r"(\d{4})Q([1-4])", text)
    if not match:
        raise ValueError(
            f"period must be a month such as 2026-10 or a quarter such as 2026Q3, not {period!r}"
        )
    year, n = int(match.group(1)), int(match.group(2))
    month = n * 3 if "Q" in text else n
    if not 1 <= month <= 12:
        raise ValueError(f"period {period!r}: month must be 1–12")
    return year, month


def _period_year(value: str) -> int:
    return parse_period(value)[0]


def parse_date(value: str) -> datetime.date:
    """'2026-07-31' → the date; ValueError naming the form otherwise."""
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"expected a date such as 2026-07-31, not {value!r}") from None


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter. ``allowed(ctx, ds)`` gives the values it may take (None: any
    value of its type, or not known before the data are loaded); ``key`` maps a value to
    what ``allowed`` lists (a period to its year); ``blank`` lets the empty text through
    (the notebook then picks a default); ``source`` names the value of a batch's job it is
    given (``fund``, ``region``, ``when``, ``data``, ``results``, ``lang``, ``as_of``,
    ``review_date``, ``result_path``; "": the one of its own name; one the batch does not
    know keeps the default)."""

    name: str
    type: type
    default: Any
    help: str
    allowed: Callable[[Context, Dataset | None], Collection | None] | None = None
    key: Callable[[Any], Any] | None = None
    blank: bool = False
    label: str = ""  # the label of ``help`` in the catalogues; "": param_<name>
    source: str = ""  # the job's value it is given; "": the one of its name

    @property
    def job_value(self) -> str:
        """The name of the job's value this parameter is given in a batch."""
        return self.source or self.name

    @property
    def help_label(self) -> str:
        """The label key whose text is ``help`` (English) and its translation."""
        return self.label or f"param_{self.name}"

    def annotation(self) -> str:
        """The line of the notebook's parameters cell that declares this parameter."""
        literal = json.dumps(self.default, ensure_ascii=False)
        return f"{self.name}: {self.type.__name__} = {literal}  # {self.help}"

    def type_error(self, value: Any) -> str | None:
        if isinstance(value, self.type) and not isinstance(value, bool):
            return None
        if self.type is str and isinstance(value, int | float):
            return (
                f"{self.name} must be text, not the number {value!r} "
                f"(papermill's -p turns digits into a number: pass it with -r {self.name} VALUE)"
            )
        return f"{self.name} must be {_TYPE_NAMES[self.type]}, not {value!r}"

    def value_error(self, value: Any, ctx: Context | None, ds: Dataset | None) -> str | None:
        if self.blank and value == "":
            return None
        try:
            key = self.key(value) if self.key else value
        except ValueError as exc:
            return str(exc) if str(exc).startswith(self.name) else f"{self.name}: {exc}"
        allowed = self.allowed(ctx, ds) if self.allowed and ctx is not None else None
        if allowed is None or key in allowed:
            return None
        shown = ", ".join(str(a) for a in list(allowed)[:SHOWN])
        more = ", …" if len(allowed) > SHOWN else ""
        what = f"{value!r}" if key == value else f"{value!r} ({key})"
        return f"{self.name} {what} is not allowed; allowed: {shown}{more}"


_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number"}

FUND = Parameter("fund", str, "employee_medical", "fund code from parameters/funds.yaml", _funds)
REGION = Parameter(
    "region",
    str,
    "",
    "coordinating region code from the data; empty: the fund's first",
    _regions,
    blank=True,
)
DATA = Parameter("data", str, "", "dataset folder (CSV, Parquet) or .xlsx; empty: the demo")
LANG = Parameter("lang", str, "en", "report language: en or zh", _languages)
PROVINCE = Parameter(
    "province",
    str,
    "",
    "province code from the data; empty: the first province coordinating the fund",
    province_codes,
    blank=True,
    source="region",  # a province's stage runs for the province as its region
)
PROVINCE_ALL_FUNDS = Parameter(
    "province",
    str,
    "",
    "province code from the data; empty: the first province of the data",
    province_codes,
    blank=True,
    label="param_province_report",
    source="region",
)  # a document of the province across all its funds (its report, the centre's letter to it)
RESULTS = Parameter(
    "results",
    str,
    "",
    "folder of the fund's self-evaluation results (JSON) for the year; empty: evaluate here",
)
PROVINCIAL_RESULTS = Parameter(
    "results",
    str,
    "",
    "folder of the provincial evaluation results (JSON), one folder per fund; empty: evaluate here",
    label="param_results_report",
)  # what a province's documents across its funds read (its report, its disclosure)
AS_OF = Parameter(
    "as_of",
    str,
    "",
    "date earlier rectification items are followed up on (2026-07-31); empty: the "
    "provincial report's due date",
    key=parse_date,
    blank=True,
)
RESULT_PATH = Parameter(
    "result_path", str, "", "where the structured result (JSON) is written; empty: nowhere"
)


def year_parameter(default: int, help: str, label: str) -> Parameter:
    return Parameter("year", int, default, help, _years, label=label, source="when")


def period_parameter(default: str) -> Parameter:
    return Parameter(
        "period",
        str,
        default,
        "month (2026-10) or quarter (2026Q3) monitored, in a year of the data",
        _years,
        key=_period_year,
        source="when",
    )


def check_names(declared: Iterable[Parameter], names: Iterable[str]) -> None:
    """Refuse a parameter name that is not an identifier (papermill pastes names into code)
    or that the notebook does not declare."""
    known = [p.name for p in declared]
    for name in names:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise StageParameterError(f"parameter name {name!r} is not a Python identifier")
        if name not in known:
            raise StageParameterError(
                f"unknown parameter {name!r}; the notebook takes {', '.join(known)}"
            )


def check_values(
    declared: Iterable[Parameter],
    values: Mapping[str, Any],
    ctx: Context | None = None,
    ds: Dataset | None = None,
) -> None:
    """Check the declared parameters present in ``values``: types always, allowed values as
    far as ``ctx`` and ``ds`` tell them. Raises StageParameterError naming the first bad one."""
    for p in declared:
        if p.name not in values:
            continue
        error = p.type_error(values[p.name]) or p.value_error(values[p.name], ctx, ds)
        if error:
            raise StageParameterError(error)


def parameters_cell(declared: Iterable[Parameter]) -> str:
    """The source of a notebook's parameters cell, written from the declarations."""
    return "\n".join(p.annotation() for p in declared)


def data_path(data: str) -> Path | None:
    """The dataset a ``data`` parameter names (None: the demo); a missing path is an error."""
    if not data:
        return None
    path = Path(data)
    if not path.exists():
        raise StageParameterError(f"data {data!r}: no such file or folder")
    return path
