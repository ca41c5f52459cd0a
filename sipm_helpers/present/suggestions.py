"""Suggestions (:mod:`sipm_helpers.domain.suggestions`) in words: each row's label
template filled with its values, codes turned into names and numbers formatted by what
they are (an indicator's actual and target in its unit, points, rates, years)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.domain.measures import PART_COLUMNS
from sipm_helpers.present.formatting import DASH, fmt_number, fmt_rate, fmt_score, fmt_value
from sipm_helpers.present.wording import expectation, measured


def _formatters(
    ctx: Context, fund: str, province: str, labels: Labels
) -> Mapping[str, Callable[[dict], str]]:
    """How each template value reads, by its name; given the whole row of values (an
    actual or target needs its unit)."""
    catalogue = ctx.catalogue(fund, province)
    lang, digits = labels.lang, ctx.standards.score_decimals

    def item(code: object) -> str:
        li = ctx.registry.line_items.get(str(code))
        return DASH if li is None else (li.zh if lang == "zh" else li.en)

    def named(entry: dict) -> str:
        """An item of a merged suggestion, with its execution rate where it has one."""
        rate = entry.get("rate")
        if lang == "zh":
            name = f"“{item(entry['item'])}”"
            return name if rate is None else f"{name}（{fmt_rate(rate)}）"
        name = item(entry["item"])
        return name if rate is None else f"{name} ({fmt_rate(rate)})"

    return {
        "indicator": lambda v: catalogue.indicator(v["indicator"]).name(lang),
        "item": lambda v: item(v["item"]),
        "items": lambda v: listed([named(e) for e in v["items"]], lang),
        "grade": lambda v: labels.get(f"qual_{v['grade']}", str(v["grade"])),
        "actual": lambda v: measured(v["actual"], v.get("unit"), labels),
        "target": lambda v: fmt_value(v["target"], v.get("unit")),
        "expected": lambda v: expectation(v, labels),
        "part": lambda v: labels.t(f"part_{v['part']}"),
        **{c: lambda v, c=c: fmt_value(v[c], v.get("unit")) for c in PART_COLUMNS},
        "score": lambda v: fmt_score(v["score"], digits),
        "points": lambda v: fmt_score(v["points"], digits),
        "rate": lambda v: fmt_rate(v["rate"]),
        "growth": lambda v: fmt_rate(v["growth"]),
        "threshold": lambda v: fmt_number(v["threshold"], 1),
        "fail_year": lambda v: fmt_number(v["fail_year"], 0).replace(",", ""),
    }


def listed(names: list[str], lang: str) -> str:
    """Names as a list in running text: 'A, B and C', or 'A、B、C' in Chinese."""
    return load_labels(lang).join(names)


def worded(
    suggestions: pd.DataFrame, ctx: Context, fund: str, province: str, labels: Labels
) -> list[str]:
    """Each suggestion's text, in the order of ``suggestions``."""
    formats = _formatters(ctx, fund, province, labels)
    texts = []
    for template, values in zip(suggestions["template"], suggestions["values"], strict=True):
        shown = {k: formats[k](values) if k in formats else v for k, v in values.items()}
        if "reads" in values:  # a quantitative indicator's expectation, as the rule reads it
            shown["expected"] = formats["expected"](values)
        texts.append(labels.t(template, **{k: DASH if v is None else v for k, v in shown.items()}))
    return texts
