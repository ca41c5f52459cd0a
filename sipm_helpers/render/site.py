"""The index page of a rendered site: one table listing every report of a batch, grouped
by province.

``write_index`` takes one :class:`ReportEntry` per (stage, fund, region, year, period)
run, successful or failed, and writes ``site_dir/index.html``: the title, summary counts
(reports, succeeded, failed, per grade), a sortable-by-construction table with links to
each report's HTML and PDF (and its companions: a scoring form, rectification items, the
report it answers), a heading row per province, failed rows marked with the first line of their error, and
select-box and text filters in a few lines of inline JavaScript. The page is one file
with inline CSS (the reports' stylesheet plus a few rules), offline, and deterministic:
the same entries give the same bytes (no timestamp unless ``generated`` is passed).

Every value is escaped by Jinja2's autoescape; links are relative paths, percent-encoded,
so a file name can never become markup or a ``javascript:`` URL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import jinja2

from sipm_helpers.data.io import atomic_write_text
from sipm_helpers.errors import SipmError
from sipm_helpers.render.html import TEMPLATES_DIR, html_lang

STATUSES = ("ok", "failed")

_UI = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "summary": "Summary",
                "reports": "reports",
                "status_ok": "OK",
                "status_failed": "Failed",
                "province": "Province",
                "compare_link": "Regions compared",
                "compare_hint": "click a column's heading to sort by it",
                "back": "All reports",
                "missed": "Targets missed",
                "unexplained": "Deviations unexplained",
                "solvency": "10-year solvency",
                "solvency_pass": "passes",
                "solvency_fail": "fails",
                "months": "Months covered at the horizon",
                "generated": "Generated",
                "stage": "Stage",
                "fund": "Fund",
                "region": "Region",
                "year": "Year",
                "score": "Score",
                "grade": "Grade",
                "report": "Report",
                "status": "Status",
                "all": "All",
                "search": "Search",
                "search_placeholder": "region, fund, error…",
                "shown_before": "",
                "shown_after": " shown",
                "no_match": "No report matches the filters.",
                "language_name": "English",
            }
        ),
        "zh-CN": MappingProxyType(
            {
                "summary": "概况",
                "reports": "报告",
                "status_ok": "成功",
                "status_failed": "失败",
                "province": "省份",
                "compare_link": "地区比较",
                "compare_hint": "点击列标题可排序",
                "back": "全部报告",
                "missed": "未完成目标数",
                "unexplained": "未说明偏差数",
                "solvency": "十年偿付能力",
                "solvency_pass": "通过",
                "solvency_fail": "未通过",
                "months": "期末可支付月数",
                "generated": "生成时间",
                "stage": "环节",
                "fund": "基金",
                "region": "地区",
                "year": "年度",
                "score": "得分",
                "grade": "等级",
                "report": "报告",
                "status": "状态",
                "all": "全部",
                "search": "搜索",
                "search_placeholder": "地区、基金、错误…",
                "shown_before": "显示 ",
                "shown_after": " 条",
                "no_match": "没有符合筛选条件的报告。",
                "language_name": "中文",
            }
        ),
    }
)


@dataclass(frozen=True)
class ReportEntry:
    """One report of a batch as the index lists it.

    ``html``, ``pdf`` and ``docx`` are paths relative to the site folder (POSIX or native
    separators), or None when not produced; ``status`` is "ok" or "failed", and a failed
    entry carries its ``error`` (only the first line is shown). ``grade`` is the label
    as it should be shown (e.g. "优 Excellent"); ``flags`` are short alert labels.
    """

    stage: str
    stage_label: str
    fund: str
    fund_name: str
    region: str
    region_name: str
    year: int
    period: str | None = None
    score: float | None = None
    grade: str | None = None
    status: str = "ok"
    html: str | None = None
    pdf: str | None = None
    error: str | None = None
    docx: str | None = None  # the Word copy, beside the HTML and PDF
    flags: tuple[str, ...] = ()
    # further links shown with the report's: (label, path relative to the site), such as
    # the scoring form, the rectification items, the report this one answers
    links: tuple[tuple[str, str], ...] = ()
    province: str = ""  # the province the region belongs to, whose group lists it
    province_name: str = ""
    search: str = ""  # more words the search box finds the row by (its names in each language)
    language: str = ""  # the name of the report's language, shown beside its links if given

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise SipmError(
                f"report entry {self.stage}/{self.fund}/{self.region}/{self.year}: "
                f"status {self.status!r} is not one of {', '.join(STATUSES)}"
            )
        if not isinstance(self.flags, tuple):
            object.__setattr__(self, "flags", tuple(self.flags))
        object.__setattr__(self, "links", tuple(tuple(link) for link in self.links))


def ui_strings(lang: str) -> dict[str, str]:
    """The index page's labels in ``lang`` ('en' or 'zh'), as a new dict."""
    return dict(_UI[html_lang(lang)])


def _href(path: str | None, site_dir: Path) -> str | None:
    """A percent-encoded relative URL for ``path`` (relative to ``site_dir``, or absolute
    inside it). Raises ``SipmError`` for a path outside the site."""
    if not path:
        return None
    raw = Path(path)
    if raw.is_absolute():
        try:
            raw = raw.resolve().relative_to(site_dir.resolve())
        except ValueError:
            raise SipmError(f"{path}: report is outside the site folder {site_dir}") from None
    posix = PurePosixPath(raw.as_posix().replace("\\", "/"))
    if ".." in posix.parts:
        raise SipmError(f"{path}: report links must stay inside the site folder {site_dir}")
    return quote(str(posix), safe="/")


def _first_line(text: str | None) -> str | None:
    """The first non-blank line of an error message, or None."""
    if not text:
        return None
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return None


def _format_score(score: float | None) -> str:
    """A score to one decimal, '—' when missing or not a number."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "—"
    return f"{float(score):.1f}"


def _sort_key(entry: ReportEntry, stage_rank: dict[str, int]) -> tuple[Any, ...]:
    """Province, stage (in ``stage_rank`` order, then by code), fund, region, year, period."""
    return (
        entry.province,
        stage_rank.get(entry.stage, len(stage_rank)),
        entry.stage,
        entry.fund,
        entry.region,
        entry.year,
        entry.period or "",
    )


def _grade_counts(entries: Sequence[ReportEntry]) -> list[tuple[str, int]]:
    """(grade, count) pairs, best grade first: grades are ordered by the mean score of
    their entries (so 优 comes before 良 without the labels being known here)."""
    scores: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.grade:
            counts[entry.grade] = counts.get(entry.grade, 0) + 1
            if entry.score is not None and not math.isnan(entry.score):
                scores.setdefault(entry.grade, []).append(float(entry.score))

    def rank(grade: str) -> tuple[float, str]:
        values = scores.get(grade)
        return (-(sum(values) / len(values)) if values else math.inf, grade)

    return [(grade, counts[grade]) for grade in sorted(counts, key=rank)]


def _options(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Distinct (value, label) pairs in first-seen order."""
    seen: dict[str, str] = {}
    for value, label in pairs:
        seen.setdefault(value, label)
    return list(seen.items())


def render_index(
    entries: Sequence[ReportEntry],
    site_dir: Path,
    *,
    title: str,
    lang: str = "en",
    generated: str | None = None,
    stage_order: Sequence[str] = (),
    compare: str | None = None,
    others: Sequence[tuple[str, str]] = (),
) -> str:
    """The index page for ``entries`` as HTML text (see :func:`write_index`); ``compare``
    names the comparison page to link to, if there is one, ``others`` the same index in
    other languages (language, page)."""
    site_dir = Path(site_dir)
    ui = ui_strings(lang)
    stage_rank = {stage: i for i, stage in enumerate(stage_order)}
    ordered = sorted(entries, key=lambda e: _sort_key(e, stage_rank))
    rows = [
        {
            "stage": e.stage,
            "stage_label": e.stage_label or e.stage,
            "fund": e.fund,
            "fund_name": e.fund_name or e.fund,
            "region": e.region,
            "region_name": e.region_name or e.region,
            "year": e.year,
            "period": e.period,
            "score": _format_score(e.score),
            "grade": e.grade or "",
            "status": e.status,
            "html": _href(e.html, site_dir),
            "pdf": _href(e.pdf, site_dir),
            "docx": _href(e.docx, site_dir),
            "links": [(label, _href(path, site_dir)) for label, path in e.links],
            "province": e.province,
            "province_name": e.province_name or e.province,
            "error": _first_line(e.error),
            "flags": e.flags,
            "search": e.search,
            "language": e.language,
        }
        for e in ordered
    ]
    grades = _grade_counts(ordered)
    failed = sum(1 for e in ordered if e.status == "failed")
    options = {
        "province": _options([(r["province"], r["province_name"]) for r in rows if r["province"]]),
        "stage": _options([(r["stage"], r["stage_label"]) for r in rows]),
        "fund": sorted(_options([(r["fund"], r["fund_name"]) for r in rows])),
        "grade": [(g, g) for g, _ in grades],
        "status": [("ok", ui["status_ok"]), ("failed", ui["status_failed"])],
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("site/index.html.j2").render(
        title=str(title),
        html_lang=html_lang(lang),
        generated=generated,
        ui=ui,
        rows=rows,
        options=options,
        summary={"total": len(rows), "ok": len(rows) - failed, "failed": failed, "grades": grades},
        compare=_href(compare, site_dir),
        others=[
            (ui_strings(other)["language_name"], _href(page, site_dir)) for other, page in others
        ],
    )


def write_index(
    entries: Sequence[ReportEntry],
    site_dir: Path,
    *,
    title: str,
    lang: str = "en",
    generated: str | None = None,
    stage_order: Sequence[str] = (),
    compare: str | None = None,
    others: Sequence[tuple[str, str]] = (),
    name: str = "index.html",
) -> Path:
    """Write ``site_dir/index.html`` (atomically) listing ``entries``; returns its path.

    Rows are sorted by stage (stages named in ``stage_order`` first, in that order, then
    the rest by code), fund, region, year and period. ``lang`` ('en' or 'zh') sets the
    page's labels and ``<html lang>``; ``generated`` (e.g. a timestamp) is shown under
    the title when given; ``others`` (language, page) link to the index in other
    languages, and ``name`` is the page's file name in ``site_dir``. Raises ``SipmError``
    if a link points outside ``site_dir``.
    """
    site_dir = Path(site_dir)
    text = render_index(
        entries,
        site_dir,
        title=title,
        lang=lang,
        generated=generated,
        stage_order=stage_order,
        compare=compare,
        others=others,
    )
    path = site_dir / PurePosixPath(name).name
    atomic_write_text(path, text)
    return path
