"""Safe YAML reading with errors that name the file and the key path."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from sipm_helpers.errors import ParameterError

STR_TAG = "tag:yaml.org,2002:str"


class _UniqueKeys(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (parsing in C where PyYAML was built with libyaml: several times
    faster on the catalogues), refusing a key given twice in one mapping: YAML would keep
    the last one silently, and a label or a weight would vanish without a word. It refuses
    as well a plain (unquoted) text of several words that a comment follows on its line:
    YAML reads " #" as the start of a comment, and a sentence such as "第 2 行为说明（以 #
    开头…" would be cut there without a word. A single word before a comment (``stage:
    latest  # 2025``) is the comment YAML means."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._lines = stream.splitlines() if isinstance(stream, str) else []

    def construct_scalar(self, node):
        if node.tag == STR_TAG and not node.style and any(c.isspace() for c in node.value):
            end = node.end_mark
            line = self._lines[end.line] if end.line < len(self._lines) else ""
            if line[end.column :].lstrip().startswith("#"):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the text {node.value!r} is cut by a comment (' #' starts one): put the "
                    "whole text in quotes",
                    end,
                )
        return super().construct_scalar(node)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in getattr(node, "value", []):
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


# Anchors and aliases (&name, *name) are refused: a few hundred bytes of nested aliases
# (billion laughs) expand to gigabytes in whatever walks the data.
ANCHOR_MARKS = ("&", "*")


def refuse_anchors(path: Path, text: str) -> None:
    """ParameterError naming the line of the first YAML anchor or alias in ``text``.
    Only a text holding '&' or '*' is parsed for them (the parser's events: cheap, and
    nothing is built)."""
    if not any(mark in text for mark in ANCHOR_MARKS):
        return
    try:
        for event in yaml.parse(text, Loader=_UniqueKeys):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1
                raise ParameterError(
                    path,
                    f"line {line}",
                    "YAML anchors and aliases (&name, *name) are not accepted: write the "
                    "value out where it is used",
                )
    except yaml.YAMLError:
        return  # the loader below says what is wrong


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping with ``yaml.safe_load``, refusing anchors and aliases
    (:func:`refuse_anchors`); raise ParameterError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError(path, "", f"cannot read: {exc.strerror or exc}") from exc
    refuse_anchors(path, text)
    try:
        # A safe loader: it constructs plain data only, exactly as yaml.safe_load.
        data = yaml.load(text, Loader=_UniqueKeys)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParameterError(
            path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from exc
    except ValueError as exc:  # a value YAML reads as a date that is none, such as 2026-02-30
        raise ParameterError(path, "", f"not a valid value: {exc}") from exc
    if not isinstance(data, dict):
        raise ParameterError(path, "", "must hold a mapping at the top level")
    return data


def require_keys(
    file: Path | str,
    where: str,
    mapping: Any,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> Mapping[str, Any]:
    """Check that ``mapping`` is a mapping with every required key and no unknown one."""
    if not isinstance(mapping, Mapping):
        raise ParameterError(file, where, f"expected a mapping, got {type(mapping).__name__}")
    required, allowed = list(required), set(required) | set(optional)
    missing = [k for k in required if k not in mapping]
    if missing:
        raise ParameterError(file, where, f"missing key(s): {', '.join(missing)}")
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise ParameterError(
            file,
            where,
            f"unknown key(s): {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})",
        )
    return mapping


def require_number(
    file: Path | str, where: str, value: Any, *, allow_none: bool = False
) -> float | None:
    """Check that ``value`` is a number (not a bool, not a string) and return it as float."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(file, where, f"expected a number, got {value!r}")
    return float(value)


def require_whole(file: Path | str, where: str, value: Any, least: int) -> int:
    """Check that ``value`` is a whole number (not a bool) of at least ``least``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ParameterError(file, where, f"expected a whole number ≥ {least}, got {value!r}")
    return value


def require_day_of_year(file: Path | str, where: str, raw: Any) -> tuple[int, int]:
    """A {month, day} mapping that is a date in every year (no 29 February): (month, day)."""
    values = require_keys(file, where, raw, ["month", "day"])
    month = require_whole(file, f"{where}.month", values["month"], 1)
    day = require_whole(file, f"{where}.day", values["day"], 1)
    try:
        datetime.date(2001, month, day)
    except ValueError as exc:
        raise ParameterError(file, where, f"not a date: {exc}") from exc
    return month, day


LANGS = ("zh", "en")


@dataclass(frozen=True)
class Citation:
    """A public source as each language cites it: the Chinese as an official would
    (财社〔2022〕65号第十二条：…), the English for English documents (Caishe [2022] No. 65,
    Art. 12: …)."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


T = TypeVar("T")


def in_language(texts: Mapping[str, T], lang: str) -> T:
    """``texts``' entry for ``lang``, else its English one: parameters name things in
    Chinese and English, and a language added later reads the English until it has its own."""
    return texts[lang] if lang in texts else texts["en"]


def require_citation(file: Path | str, where: str, value: Any) -> Citation:
    """Check that ``value`` is ``{zh: TEXT, en: TEXT}``, both non-empty, and return it as a
    :class:`Citation`; a plain text is refused, as a Chinese document must not cite in English."""
    if not isinstance(value, Mapping):
        raise ParameterError(
            file,
            where,
            "give the source in both languages, {zh: ..., en: ...} (the Chinese as an official "
            f"cites it, e.g. 财社〔2022〕65号第十二条), not {type(value).__name__} {value!r}",
        )
    spec = require_keys(file, where, value, LANGS)
    for lang in LANGS:
        if not isinstance(spec[lang], str) or not spec[lang].strip():
            raise ParameterError(
                file, f"{where}.{lang}", f"expected non-empty text, got {spec[lang]!r}"
            )
    return Citation(spec["zh"].strip(), spec["en"].strip())
