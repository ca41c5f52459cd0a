"""The index is the whole output folder (issue 19 §4): a narrower run, or a run in the
other language, adds to the index and never hides the reports already there."""

from __future__ import annotations

import json
import re

from sipm_helpers.batch.plan import Scope, stage_jobs
from sipm_helpers.render.publish import publish
from sipm_helpers.render.records import RECORDS
from sipm_helpers.stages.registry import STAGES
from tests.builders import fake_run


def _jobs(tiny, stages, lang, funds=None):
    scope = Scope(funds=tuple(funds) if funds else None)
    return [
        job
        for stage in stages
        for job in stage_jobs(tiny, STAGES[stage], 2025, scope=scope, langs=(lang,))
    ]


def _publish(jobs, out, tiny, ctx, lang):
    return publish(jobs, fake_run(jobs, out), out, tiny, ctx, formats=("html",), site_lang=lang)


def _pages(html: str) -> set[str]:
    """The report pages an index links to."""
    return set(re.findall(r'<a href="([^"]+\.html)">HTML</a>', html))


def test_a_narrower_run_in_the_other_language_adds_to_both_indexes(tiny, ctx, tmp_path):
    a = _jobs(tiny, ("self_evaluation", "feedback_letter"), "zh")
    b = _jobs(tiny, ("self_evaluation",), "en", funds=["work_injury"])
    assert len(a) == 6 and len(b) == 1
    _publish(a, tmp_path, tiny, ctx, "zh")
    published = _publish(b, tmp_path, tiny, ctx, "en")
    assert [e.region for e in published.entries] == ["110000"]  # this run's own
    site = tmp_path / "site"
    every = {str(job.html_path(tmp_path).relative_to(site)) for job in a + b}
    english = (site / "index.en.html").read_text(encoding="utf-8")
    chinese = (site / "index.zh.html").read_text(encoding="utf-8")
    assert _pages(english) == every and _pages(chinese) == every
    assert published.index == site / "index.html"
    assert published.index.read_text(encoding="utf-8") == english  # the last run's language
    assert 'lang="en"' in english and 'lang="zh-CN"' in chinese
    assert "Alpha City" in english and "甲市" in chinese
    assert english.count(">Scoring form</a>") == 4 and chinese.count(">评分表</a>") == 4
    assert 'href="index.zh.html">中文' in english and 'href="index.en.html">English' in chinese
    # the English index's rows are found by the Chinese names too
    rows = re.findall(r'data-search="([^"]*)"', english)
    assert len(rows) == 7 and all("测试省" in r for r in rows)
    assert any("甲市" in r and "Alpha City" in r for r in rows)
    assert "row.dataset.search" in english
    # each row says its report's language
    assert english.count('<span class="code">中文</span>') == 6
    assert english.count('<span class="code">English</span>') == 1
    # a Chinese feedback letter still answers the Chinese self-evaluation in either index,
    # and the English self-evaluation, which none answers, links to no letter
    assert english.count(">Self-evaluation</a>") == 3 and chinese.count(">绩效自评</a>") == 3
    assert english.count(">Feedback letter</a>") == 3 and chinese.count(">反馈意见</a>") == 3


def test_reports_gone_from_the_folder_leave_the_index_and_bad_records_are_dropped(
    tiny, ctx, tmp_path
):
    a = _jobs(tiny, ("self_evaluation",), "zh")
    b = _jobs(tiny, ("self_evaluation",), "en", funds=["work_injury"])
    _publish(a, tmp_path, tiny, ctx, "zh")
    gone = a[0].html_path(tmp_path)
    gone.unlink()
    stored = json.loads((tmp_path / RECORDS).read_text(encoding="utf-8"))
    forged = dict(stored["reports"][a[1].job_id], html="../../outside.html")
    stored["reports"]["forged"] = forged
    (tmp_path / RECORDS).write_text(json.dumps(stored), encoding="utf-8")
    _publish(b, tmp_path, tiny, ctx, "en")
    site = tmp_path / "site"
    english = (site / "index.en.html").read_text(encoding="utf-8")
    kept = {str(j.html_path(tmp_path).relative_to(site)) for j in (a[1], a[2], b[0])}
    assert _pages(english) == kept and "outside" not in english
    assert set(json.loads((tmp_path / RECORDS).read_text(encoding="utf-8"))["reports"]) == {
        a[1].job_id,
        a[2].job_id,
        b[0].job_id,
    }
