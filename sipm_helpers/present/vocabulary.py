"""The words a table of figures is shown in, in one language: its columns' headings
(labels ``column_*``; a column of the reader's own keeps its name) and the names of the
codes its columns hold — funds, indicators, grades and first-level indicators as the
parameters name them; statuses, kinds, levels, units and yes/no as the labels
(``value_*``) do.

Explorer answers (:mod:`~sipm_helpers.present.tidy`) and exported workbooks
(:mod:`~sipm_helpers.present.export`) show their tables in these words; the frames keep
their codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels
from sipm_helpers.config.loader import in_language

# The codes of each column named by the labels (value_<column's vocabulary>_<code>).
LABELLED = {
    "kind": ("quantitative", "qualitative", "history", "projection"),
    "level": ("country", "province", "prefecture"),
    "pooling": ("province", "prefecture"),
    "status": ("scored", "not_applicable", "not_assessed", "reported"),
    "unit": ("rate", "months", "persons", "years", "yuan", "ratio", "10k_yuan"),
}
VOCABULARY = {"pooling": "level"}  # a column that shares another's words
YES_NO = ("met", "pooled")  # true or false, shown as yes or no


def headings(columns: Iterable[str], labels: Labels) -> dict[str, str]:
    """Each column's heading in ``labels``' language (its own name where it has none)."""
    return {c: labels.get(f"column_{c}", str(c)) for c in columns}


def code_names(ctx: Context, labels: Labels) -> dict[str, dict]:
    """Per column, each code's name in ``labels``' language."""
    lang = labels.lang
    names: dict[str, dict] = {
        column: {code: labels.t(f"value_{VOCABULARY.get(column, column)}_{code}") for code in codes}
        for column, codes in LABELLED.items()
    }
    names["fund"] = {code: getattr(f, lang) for code, f in ctx.registry.funds.items()}
    names["indicator"] = {
        i.code: getattr(i, lang) for cat in ctx.all_catalogues() for i in cat.indicators
    }
    names["grade"] = {g.code: getattr(g, lang) for g in ctx.standards.grades}
    names["category"] = {
        code: in_language(words, lang)
        for cat in ctx.all_catalogues()
        for code, words in cat.categories.items()
    }
    yes_no = {True: labels.t("value_true"), False: labels.t("value_false")}
    names.update({column: yes_no for column in YES_NO})
    return names


def named(values: Iterable, names: Mapping | None) -> list:
    """``values`` by their names where ``names`` has one, as they are otherwise."""
    if not names:
        return list(values)
    return [names.get(v, v) if _hashable(v) else v for v in values]


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
