"""PDF reports (WeasyPrint): Chinese text, an embedded CJK font, A4 pages, page numbers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdf
import pytest

from evaluator.errors import ReportError
from reports import build_reports, fonts, load_report_data
from reports.context import province_context
from reports.html import render
from reports.i18n import labels
from reports.pdf import PdfBatch, write_pdf
from tests._report_fixtures import CITY_NAMES, build_province

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One provincial and one city PDF, shared by the module (WeasyPrint is slow)."""
    root = tmp_path_factory.mktemp("report_pdf")
    province = build_province(root / "store.db")
    data = load_report_data(province.assessment, province.store)
    html = render("province.html.j2", province_context(data, labels("zh"), date(2025, 7, 31), raster=True), pdf=True)
    province_pdf = write_pdf(html, root / "province.pdf")
    (city_pdf,) = build_reports(province.assessment, province.store, formats=("pdf",), site_ids=["linjiang"],
                                out_dir=root / "out")
    province.store.close()
    return {"province": province_pdf, "city": city_pdf, "catalogue": province.catalogue}  # type: ignore[dict-item]


def _text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def _fonts(path: Path) -> dict[str, bool]:
    """Base font name -> embedded, over every page."""
    found: dict[str, bool] = {}
    for page in pypdf.PdfReader(path).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            for descendant in font.get("/DescendantFonts") or []:
                descriptor = descendant.get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = embedded
    return found


def test_province_pdf_has_chinese_city_and_item_names(pdfs) -> None:
    text = "".join(_text(pdfs["province"]))
    compact = re.sub(r"\s+", "", text)
    for city in CITY_NAMES:
        assert city in compact, city
    for item in pdfs["catalogue"].items:
        assert item.name in compact, item.name
    assert "综合排名" in compact and "附录：评估方法与数据说明" in compact


def test_city_pdf_has_its_content(pdfs) -> None:
    compact = re.sub(r"\s+", "", "".join(_text(pdfs["city"])))
    for heading in ("临江市", "一、成绩单", "三、证据清单", "四、整改清单", "五、观察局限与人工调整", "建设项目环境影响评价文件审批"):
        assert heading in compact, heading


@pytest.mark.parametrize("which", ["province", "city"])
def test_embedded_cjk_font(pdfs, which: str) -> None:
    found = _fonts(pdfs[which])
    assert any("CJK" in name for name in found), found
    assert all(found.values()), found  # every font embedded


@pytest.mark.parametrize(("which", "low", "high"), [("province", 8, 30), ("city", 5, 30)])
def test_a4_pages_numbered(pdfs, which: str, low: int, high: int) -> None:
    reader = pypdf.PdfReader(pdfs[which])
    pages = len(reader.pages)
    assert low <= pages <= high
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    texts = _text(pdfs[which])
    assert f"3 / {pages}" in texts[2] and f"{pages} / {pages}" in texts[-1]


def test_table_of_contents_has_page_numbers(pdfs) -> None:
    toc = _text(pdfs["province"])[1]
    assert "目录" in toc
    line = next(line for line in toc.splitlines() if "二、综合排名" in line)
    assert re.search(r"\d+\s*$", line), line


def test_no_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fonts.find_cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "_from_fontconfig", lambda: None)
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ())
    try:
        with pytest.raises(ReportError) as info:
            write_pdf("<html><body>临江市</body></html>", tmp_path / "x.pdf")
    finally:
        fonts.find_cjk_font.cache_clear()
    assert str(info.value) == (
        "no CJK (Chinese) font was found with fc-list or at the usual paths, so Chinese text in charts "
        "and PDF reports cannot be drawn; install a CJK font: on Debian/Ubuntu `sudo apt-get install -y "
        "fonts-noto-cjk` (or `make system-fonts`), on Fedora `sudo dnf install google-noto-sans-cjk-fonts`. "
        "HTML, XLSX, CSV and JSON reports do not need it (use --format html,xlsx,csv,json)"
    )
    assert not (tmp_path / "x.pdf").exists()


def test_font_found_by_fontconfig() -> None:
    found = fonts.find_cjk_font()
    assert found.path.is_file() and "CJK" in found.family or "Hei" in found.family


def _page(city: str) -> str:
    return f"<html><body><h1>{city}生态环境局</h1><p>政务公开评估报告</p></body></html>"


def test_a_batch_renders_in_worker_processes_what_one_by_one_renders(tmp_path: Path) -> None:
    cities = ["临江市", "青山市", "白沙市", "云溪市"]
    with PdfBatch(len(cities), processes=2) as batch:
        assert batch._pool is not None  # several PDFs on 2 processes: rendered in parallel
        paths = [batch.add(_page(c), tmp_path / "batch" / f"{i}.pdf") for i, c in enumerate(cities)]
    alone = [write_pdf(_page(c), tmp_path / "alone" / f"{i}.pdf") for i, c in enumerate(cities)]
    assert [p.name for p in paths] == ["0.pdf", "1.pdf", "2.pdf", "3.pdf"]
    assert [_text(p) for p in paths] == [_text(p) for p in alone]
    assert "临江市生态环境局" in _text(paths[0])[0]


def test_a_batch_reports_a_failed_pdf_after_finishing_the_others(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a folder should be", encoding="utf-8")
    good = [tmp_path / "ok" / f"{i}.pdf" for i in range(3)]
    good += [tmp_path / "ok" / f"{i}.pdf" for i in range(3, 8)]  # more than the queue holds
    with pytest.raises(ReportError, match=r"cannot write the PDF .*blocked/x\.pdf"):
        with PdfBatch(9, processes=2) as batch:
            batch.add(_page("临江市"), good[0])
            batch.add(_page("青山市"), tmp_path / "blocked" / "x.pdf")
            for i, path in enumerate(good[1:]):
                batch.add(_page(f"第{i}市"), path)
    assert all(p.exists() and _text(p) for p in good)


def test_a_small_batch_renders_in_this_process(tmp_path: Path) -> None:
    with PdfBatch(2) as batch:
        assert batch._pool is None  # starting WeasyPrint elsewhere would cost more than it saves
        path = batch.add(_page("临江市"), tmp_path / "one.pdf")
    assert path.exists() and "临江市" in _text(path)[0]
