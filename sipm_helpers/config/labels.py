"""Wording in English or Chinese (parameters/labels/<lang>.yaml): of the reports, of the
command line and of what validation finds.

A message that must be worded in either language is kept as what it says
(:class:`Said`: a label key and its values) and worded when shown; a value may itself be
said (a phrase with its own label) or named (:class:`Named`: a name from the parameters
in each language, a fund's or a pattern's)."""

from __future__ import annotations

import datetime
import functools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sipm_helpers.config.loader import read_yaml, require_keys
from sipm_helpers.errors import ParameterError, SipmError
from sipm_helpers.paths import parameters_dir


def languages(directory: str | Path | None = None) -> tuple[str, ...]:
    """The languages that have a catalogue (parameters/labels/<lang>.yaml): English, the
    reference every other catalogue is checked against, first. Adding a language is
    adding its catalogue."""
    directory = Path(directory) if directory else parameters_dir() / "labels"
    found = sorted(p.stem for p in directory.glob("*.yaml") if p.stem != "en")
    return ("en", *found)


@dataclass(frozen=True)
class Labels:
    """The labels of one language; ``t(key, **values)`` fills ``{placeholders}``."""

    lang: str
    texts: Mapping[str, str]
    source: str

    def t(self, key: str, /, **values: object) -> str:
        """The text for ``key`` with its placeholders filled (str.format with names only)."""
        try:
            text = self.texts[key]
        except KeyError:
            raise KeyError(f"{self.source}: no label {key!r}") from None
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        """The text for ``key`` if there is one, else ``default`` (for codes from data)."""
        return self.texts.get(key, default)

    # The language's conventions, each a label (lang_*) like any other text.

    def join(self, items: Sequence[str]) -> str:
        """Items as a list in running text: 'A, B and C'; 'A、B、C' in Chinese."""
        items = [str(i) for i in items]
        if len(items) < 2:
            return "".join(items)
        head = self.t("lang_list_separator").join(items[:-1])
        return f"{head}{self.t('lang_list_last')}{items[-1]}"

    def sentences(self, parts: Sequence[str]) -> str:
        """Sentences one after another: a space between them in English, none in Chinese."""
        return self.t("lang_sentence_separator").join(p for p in parts if p)

    def clauses(self, parts: Sequence[str]) -> str:
        """Clauses of one sentence: '; ' in English, '；' in Chinese."""
        return self.t("lang_clause_separator").join(parts)

    def date(self, value: object) -> str:
        """A date as the language writes it: 2026-06-30; 2026年6月30日 in Chinese."""
        day = datetime.date.fromisoformat(str(value)[:10])
        return self.t("lang_date", year=day.year, month=day.month, day=day.day)

    def month_day(self, value: object) -> str:
        """A day of the year without its year: 30 June; 6月30日 in Chinese."""
        day = datetime.date.fromisoformat(str(value)[:10])
        names = self.t("lang_month_names").split(",")
        return self.t("lang_month_day", day=day.day, month_name=names[day.month - 1])

    def points(self, value: str) -> str:
        """A difference of rates in percentage points: '+1.5 pp'; '+1.5个百分点'."""
        return self.t("lang_percentage_points", value=value)

    @property
    def chinese_numbering(self) -> bool:
        """Whether sections are numbered 一、（一）as in Chinese documents, else 1. 1.1."""
        return self.t("lang_numbering") == "chinese"


def load_labels(lang: str = "en", directory: str | Path | None = None) -> Labels:
    """The labels of ``lang``, checked to have the same keys and placeholders as English
    (read once per folder and language)."""
    directory = Path(directory) if directory else parameters_dir() / "labels"
    return _load_labels(lang, str(directory.resolve()))


@functools.lru_cache(maxsize=16)
def _load_labels(lang: str, directory: str) -> Labels:
    known = languages(directory)
    if lang not in known:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(known)}")
    path = Path(directory) / f"{lang}.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "lang", "labels"])
    texts = {str(k): str(v) for k, v in raw["labels"].items()}
    if lang != "en":
        reference = _load_labels("en", directory).texts
        missing = sorted(set(reference) - set(texts))
        if missing:
            raise ParameterError(path, "labels", f"missing label(s): {', '.join(missing)}")
        for key, text in texts.items():
            if key in reference and _fields(text) != _fields(reference[key]):
                raise ParameterError(
                    path,
                    f"labels.{key}",
                    f"placeholders {sorted(_fields(text))} differ from English {sorted(_fields(reference[key]))}",
                )
    return Labels(lang, MappingProxyType(texts), str(path))  # shared: read-only


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Named:
    """A name the parameters give in each language (a fund's, a pattern's description)."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True)
class Said:
    """What a message says: a label key and its values, worded in any language by
    :meth:`in_`. Values that are said or named are worded in the same language."""

    key: str
    values: tuple[tuple[str, Any], ...] = ()

    def in_(self, labels: Labels) -> str:
        return labels.t(self.key, **{k: worded(v, labels) for k, v in self.values})


def said(key: str, /, **values: Any) -> Said:
    """``key``'s message with ``values`` for its placeholders."""
    return Said(key, tuple(values.items()))


def worded(value: Any, labels: Labels) -> Any:
    """A value as ``labels``' language shows it: a said phrase worded, a name in the
    language, anything else as it is."""
    if isinstance(value, Said):
        return value.in_(labels)
    if isinstance(value, Named):
        return value.zh if labels.lang == "zh" else value.en
    return value


def refusal(key: str, error: type[SipmError] = SipmError, /, **values: Any) -> SipmError:
    """The error ``key`` says, its text in English (what ``str`` of it reads), carrying
    what it says (``said``) for the command line to word it in its language."""
    message = said(key, **values)
    exc = error(message.in_(load_labels("en")))
    exc.said = message
    return exc
