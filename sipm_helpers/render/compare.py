"""The comparison page of a rendered site: per fund, the regions' self-evaluations side by
side (total, grade, each category's points, targets missed, deviations left unexplained,
the solvency test), each row linking to its report, every column sortable.

It reads the structured results the batch wrote (never the rendered pages). Values are
escaped by Jinja2's autoescape; links are the index's percent-encoded relative paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sipm_helpers.data.io import atomic_write_text
from sipm_helpers.render.html import TEMPLATES_DIR, html_lang
from sipm_helpers.render.site import _href

PAGE = "compare.html"


@dataclass(frozen=True)
class Compared:
    """One region's self-evaluation as the comparison shows it."""

    fund: str
    fund_name: str
    region: str
    region_name: str
    province_name: str
    result: Mapping  # the stage's structured result (sipm.self_evaluation)
    html: str | None  # its report, relative to the site


def _row(c: Compared, categories: Sequence[str], site_dir: Path) -> dict:
    summary = c.result["summary"]
    earned = {x["category"]: x for x in c.result.get("categories", [])}
    sustainability = c.result.get("sustainability") or {}
    return {
        "region": c.region,
        "region_name": c.region_name,
        "province_name": c.province_name,
        "total": summary["total"],
        "grade": summary.get("grade_zh", ""),
        "grade_en": summary.get("grade_en", ""),
        "categories": [
            (earned[k]["earned"], earned[k]["points"]) if k in earned else None for k in categories
        ],
        "missed": summary.get("missed", 0),
        "unexplained": len(c.result.get("unexplained_deviations", [])),
        "solvency": sustainability.get("solvency_pass"),
        "months_end": sustainability.get("months_end"),
        "href": _href(c.html, site_dir),
    }


def comparison_tables(
    compared: Sequence[Compared],
    category_names: Mapping[str, Mapping[str, str]],
    site_dir: Path,
) -> list[dict]:
    """Per fund (in first-seen order): its name, its categories' names and the regions'
    rows, best total first. ``category_names`` maps a fund to its categories' names."""
    funds: dict[str, list[Compared]] = {}
    for c in compared:
        funds.setdefault(c.fund, []).append(c)
    tables = []
    for fund, rows in funds.items():
        names = category_names.get(fund, {})
        built = [_row(c, list(names), site_dir) for c in rows]
        built.sort(key=lambda r: (-(r["total"] or 0.0), r["region"]))
        tables.append(
            {"fund": fund, "fund_name": rows[0].fund_name, "categories": list(names.values()),
             "rows": built}
        )  # fmt: skip
    return tables


def write_comparison(
    compared: Sequence[Compared],
    category_names: Mapping[str, Mapping[str, str]],
    site_dir: Path,
    *,
    title: str,
    ui: Mapping[str, str],
    lang: str = "en",
) -> Path:
    """Write ``site_dir/compare.html`` (atomically); returns its path."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    text = env.get_template("site/compare.html.j2").render(
        title=title,
        html_lang=html_lang(lang),
        ui=ui,
        tables=comparison_tables(compared, category_names, site_dir),
    )
    path = site_dir / PAGE
    atomic_write_text(path, text)
    return path
