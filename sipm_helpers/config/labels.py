"""Wording in English or Chinese (parameters/labels/<lang>.yaml): of the reports, of the
command line and of what validation finds.

A message that must be worded in either language is kept as what it says
(:class:`Said`: a label key and its values) and worded when shown; a value may itself be
said (a phrase with its own label) or named (:class:`Named`: a name from the parameters
in each language, a fund's or a pattern's)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sipm_helpers.config.loader import read_yaml, require_keys
from sipm_helpers.errors import ParameterError, SipmError
from sipm_helpers.paths import parameters_dir

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Labels:
    """The labels of one language; ``t(key, **values)`` fills ``{placeholders}``."""

    lang: str
    texts: dict[str, str]
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


def load_labels(lang: str = "en", directory: str | Path | None = None) -> Labels:
    """Read the labels of ``lang`` and check they have the same keys and placeholders as English."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    directory = Path(directory) if directory else parameters_dir() / "labels"
    path = directory / f"{lang}.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "lang", "labels"])
    texts = {str(k): str(v) for k, v in raw["labels"].items()}
    if lang != "en":
        reference = load_labels("en", directory).texts
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
    return Labels(lang, texts, str(path))


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
