"""Report wording in English or Chinese (parameters/labels/<lang>.yaml)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Labels:
    """The labels of one language; ``t(key, **values)`` fills ``{placeholders}``."""

    lang: str
    texts: dict[str, str]
    source: str

    def t(self, key: str, **values: object) -> str:
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
