"""Seen on paper and in a browser (issue 19 §7): the tiny plan published in Chinese, in
HTML, PDF and Word, read as its readers get it. Each stage's Chinese PDF has a drawn first
page, its region's Chinese name and no Latin word, and its Chinese faces embedded as
named fonts (the print faces of render/faces.py, not Type 3 glyphs); each stage's Word
copy has headings and tables; the index's filters and search change its list, and no page
logs an error in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from sipm_helpers.stages.registry import STAGES

pytestmark = pytest.mark.notebook
NAMES = {"110000": "测试省", "110100": "甲市", "110200": "乙市"}  # tests/builders.py
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} missing (poppler-utils): PDFs not read as paper")
    return path


@pytest.fixture(scope="module")
def site(tiny_dir: Path, tmp_path_factory, chromium: str) -> Path:
    from sipm_helpers.cli import main

    out = tmp_path_factory.mktemp("paper")
    options = ["--formats", "html,pdf,docx", "--lang", "zh", "--quiet", "--workers", "2"]
    assert main(["demo", "--data", str(tiny_dir), "--out", str(out), *options]) == 0
    return out / "site"


def _first(site: Path, stage: str, suffix: str) -> Path:
    files = sorted(p for p in (site / stage).rglob(f"*{suffix}") if ".book." not in p.name)
    assert files, f"no {suffix} of {stage}"
    return files[0]


@pytest.mark.parametrize("stage", list(STAGES))
def test_each_stages_chinese_pdf_reads_as_a_chinese_document(site: Path, stage: str) -> None:
    pdf = _first(site, stage, ".zh.pdf")
    text = subprocess.run([_poppler("pdftotext"), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert NAMES[pdf.name[:6]] in text, pdf
    assert not LATIN_WORD.findall(text), (pdf.name, sorted(set(LATIN_WORD.findall(text))))
    fonts = subprocess.run([_poppler("pdffonts"), str(pdf)],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert any("SerifSC" in row[0] and "yes" in row for row in rows), fonts
    assert not [row for row in rows if "Type" in row and "3" in row], fonts  # no Type 3


@pytest.mark.parametrize("stage", list(STAGES))
def test_each_stages_first_page_is_drawn(site: Path, stage: str, tmp_path: Path) -> None:
    from PIL import Image

    pdf = _first(site, stage, ".zh.pdf")
    subprocess.run([_poppler("pdftoppm"), "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    inked = sum(page.histogram()[:200])  # pixels darker than light grey
    assert inked > 0.005 * page.width * page.height, (pdf.name, inked)


def test_every_stage_publishes_its_report_in_word(site: Path) -> None:
    index = (site / "index.html").read_text("utf-8")
    for stage in STAGES:
        copy = _first(site, stage, ".zh.docx")
        document = docx.Document(str(copy))
        headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
        assert len(headings) >= 3, (stage, [p.text for p in headings])
        assert document.tables, f"{stage}: no table"
        assert f'href="{copy.relative_to(site).as_posix()}">Word</a>' in index
        # a client's Word has Noto or SimSun, not the print faces of the PDFs
        assert document.styles["Normal"].font.name == "Noto Serif CJK SC"


def test_the_index_filters_and_searches_in_a_browser(site: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox"])  # fmt: skip
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((site / "index.html").as_uri())
        shown = page.locator("#shown")
        everything = int(shown.inner_text())
        page.select_option("select[name=stage]", "self_evaluation")
        assert int(shown.inner_text()) == 3  # Alpha, Beta and Testshire's work injury
        page.select_option("select[name=stage]", "")
        page.fill("input[name=q]", "乙市")
        searched = int(shown.inner_text())
        assert 0 < searched < everything
        assert page.locator("#reports tbody tr:not([hidden])").count() >= searched
        for stage in STAGES:
            page.goto(_first(site, stage, ".zh.html").as_uri())
            assert NAMES["110000"] in page.content() or any(
                n in page.content() for n in NAMES.values()
            )
        browser.close()
    assert not errors, errors
