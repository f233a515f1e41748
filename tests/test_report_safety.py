"""Crawled text is untrusted: planted markup, event handlers and javascript: URLs stay inert."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import lxml.html
import pypdf
import pytest
from openpyxl import load_workbook

from reports import build_from_data, load_report_data
from reports.context import city_context, province_context
from reports.html import render, safe_url, write_html
from reports.i18n import labels
from reports.pdf import write_pdf
from tests._report_fixtures import (
    HOSTILE_ATTACHMENT,
    HOSTILE_FORMULA,
    HOSTILE_PUBLISHER,
    HOSTILE_TITLE,
    build_province,
)

SORT_SCRIPT = (Path(__file__).parents[1] / "reports" / "static" / "sort.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("report_safety")
    province = build_province(root / "store.db", hostile=True)
    data = load_report_data(province.assessment, province.store)
    # The provincial report, the tables and one city's report and checklist (the planted text
    # is in every city; one is enough and keeps the test fast).
    paths = [
        *build_from_data(data, ("xlsx",), None, "zh", root / "out"),
        *build_from_data(data, ("html",), ["linjiang"], "zh", root / "out"),
        write_html(root / "out" / "province.html",
                   render("province.html.j2", province_context(data, labels("zh"), date(2025, 7, 31)))),
    ]
    city = city_context(data, "linjiang", labels("zh"), date(2025, 7, 31), raster=True)
    html = render("city.html.j2", city, pdf=True)
    pdf = write_pdf(html, root / "linjiang.pdf")
    yield {"paths": paths, "pdf": pdf, "html": html}
    province.store.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://sthjj.gz.gov.cn/xxgk/a.html", "https://sthjj.gz.gov.cn/xxgk/a.html"),
        ("http://example.gov.cn/", "http://example.gov.cn/"),
        ("HTTPS://EXAMPLE.GOV.CN/a", "HTTPS://EXAMPLE.GOV.CN/a"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox(1)", None),
        ("//evil.example/x", None),
        ("/xxgk/a.html", None),
        ("https://a.gov.cn/\"onmouseover=\"alert(1)", None),
        ("https://a.gov.cn/<script>", None),
        ("file:///etc/passwd", None),
        ("", None),
        (None, None),
        ("https://" + "a" * 2100, None),
    ],
)
def test_safe_url(url: object, expected: str | None) -> None:
    assert safe_url(url) == expected


def _html_files(hostile) -> list[Path]:
    return [p for p in hostile["paths"] if p.suffix == ".html"]


def test_planted_text_reaches_the_reports(hostile) -> None:
    city = next(p for p in hostile["paths"] if p.name == "linjiang.html" and p.parent.name == "cities")
    shown = lxml.html.fromstring(city.read_text(encoding="utf-8")).text_content()
    # Shown as text, exactly as crawled: the test would be vacuous if nothing was planted.
    assert HOSTILE_TITLE in shown and HOSTILE_PUBLISHER in shown and HOSTILE_ATTACHMENT in shown


def test_html_is_inert(hostile) -> None:
    for path in _html_files(hostile):
        text = path.read_text(encoding="utf-8")
        doc = lxml.html.fromstring(text)
        scripts = doc.xpath("//script")
        assert [s.text for s in scripts] == [SORT_SCRIPT], path
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            assert element.tag not in ("img", "iframe", "object", "embed", "b"), (path, element.tag)
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (path, element.tag, name)
                assert "javascript:" not in value.lower(), (path, element.tag, name, value)
        for href in doc.xpath("//a/@href"):
            assert href.startswith(("#", "http://", "https://")), href
        assert "<script>alert" not in text and "<img" not in text and "<svg onload" not in text
        if path.parent.name == "cities":
            assert "&lt;script&gt;alert" in text  # escaped, shown as text


def test_svg_charts_carry_no_script(hostile) -> None:
    for path in _html_files(hostile):
        doc = lxml.html.fromstring(path.read_text(encoding="utf-8"))
        for svg in doc.xpath("//svg"):
            assert not svg.xpath(".//script | .//foreignObject | .//*[starts-with(@href, 'javascript')]")


def test_print_edition_has_no_script(hostile) -> None:
    doc = lxml.html.fromstring(hostile["html"])
    assert doc.xpath("//script") == []


def test_pdf_is_inert(hostile) -> None:
    reader = pypdf.PdfReader(hostile["pdf"])
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root
    assert "/JavaScript" not in (root.get("/Names") or {})
    uris = []
    for page in reader.pages:
        assert "/AA" not in page
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is None:
                continue
            action = action.get_object()
            assert action.get("/S") in ("/URI", "/GoTo"), action
            if action.get("/S") == "/URI":
                uris.append(str(action["/URI"]))
    assert uris and all(u.startswith(("http://", "https://")) for u in uris), uris
    raw = hostile["pdf"].read_bytes()
    assert b"/JavaScript" not in raw and b"/JS " not in raw and b"/Launch" not in raw
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "alert" in text  # the planted markup is printed as text, not interpreted


def test_xlsx_cells_are_text_not_formulas(hostile) -> None:
    xlsx = next(p for p in hostile["paths"] if p.suffix == ".xlsx")
    workbook = load_workbook(xlsx)
    evidence = workbook["证据"]
    titles = {row[6].value: row[6] for row in evidence.iter_rows(min_row=2)}
    assert HOSTILE_TITLE in titles
    assert titles[HOSTILE_FORMULA].data_type == "s"  # a crawled title starting with "="
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_scores_csv_cells_cannot_run_as_formulas() -> None:
    from evaluator.scoring.engine import _cell

    assert _cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell("+1") == "'+1" and _cell("-1") == "'-1"
    assert _cell("本期公开行政处罚决定书12件") == "本期公开行政处罚决定书12件"
