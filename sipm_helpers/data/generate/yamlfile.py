"""Reading and checking the generator's data files (``sipm_helpers/demo/*.yaml``).

Each helper checks one value and returns it in the form the generator uses (tuples,
floats); a wrong value raises :class:`~sipm_helpers.errors.ParameterError` naming the file
and the key, as the loaders of ``parameters/`` do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sipm_helpers.config.loader import read_yaml, require_keys, require_number
from sipm_helpers.data.generate.common import DATA_DIR
from sipm_helpers.errors import ParameterError


def data_path(path: str | Path | None, name: str) -> Path:
    """``path``, or the shipped data file ``name`` when it is None."""
    return Path(path) if path else DATA_DIR / name


def read(path: Path, required: Iterable[str], optional: Iterable[str] = ()) -> dict[str, Any]:
    """The file's top-level mapping with exactly these keys (keys starting with ``_`` hold
    YAML anchors only and are dropped)."""
    raw = {k: v for k, v in read_yaml(path).items() if not str(k).startswith("_")}
    require_keys(path, "", raw, required, optional)
    return raw


def mapping(file: Path, where: str, value: Any) -> Mapping[str, Any]:
    """A mapping with keys of one's choice (an empty one given as nothing)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParameterError(file, where, f"expected a mapping, got {type(value).__name__}")
    return value


def items(file: Path, where: str, value: Any) -> list[Any]:
    """A non-empty list."""
    if not isinstance(value, list) or not value:
        raise ParameterError(file, where, f"expected a non-empty list, got {value!r}")
    return value


def number(file: Path, where: str, value: Any, *, allow_none: bool = False) -> float | None:
    """A number (not a bool, not a string) as float; None too where allowed."""
    return require_number(file, where, value, allow_none=allow_none)


def numbers(file: Path, where: str, value: Any, length: int | None = None) -> tuple[float, ...]:
    """A list of numbers (of ``length`` where given)."""
    values = items(file, where, value)
    if length is not None and len(values) != length:
        raise ParameterError(file, where, f"expected {length} numbers, got {len(values)}")
    return tuple(float(number(file, f"{where}[{i}]", v)) for i, v in enumerate(values))


def band(
    file: Path, where: str, value: Any, *, allow_none: bool = False
) -> tuple[float, float] | None:
    """[low, high]: two numbers, the lower first; None too where allowed."""
    if value is None and allow_none:
        return None
    low, high = numbers(file, where, value, 2)
    if low > high:
        raise ParameterError(file, where, f"expected [low, high], got {value!r}")
    return low, high


def text(file: Path, where: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(file, where, f"expected a text, got {value!r}")
    return value


def texts(file: Path, where: str, value: Any) -> tuple[str, ...]:
    """A non-empty list of non-empty strings."""
    return tuple(text(file, f"{where}[{i}]", v) for i, v in enumerate(items(file, where, value)))


def flag(file: Path, where: str, value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ParameterError(file, where, f"expected true or false, got {value!r}")
    return value


def whole(file: Path, where: str, value: Any) -> int:
    """A whole number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(file, where, f"expected a whole number, got {value!r}")
    return value


def one_of(file: Path, where: str, value: Any, known: Iterable[str], what: str) -> str:
    """``value`` if it is one of ``known``; otherwise an error naming it and the known ones."""
    known = list(known)
    if value not in known:
        raise ParameterError(file, where, f"unknown {what} {value!r}; known: {', '.join(known)}")
    return value
