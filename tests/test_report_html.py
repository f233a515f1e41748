"""HTML reports: the provincial ranking, city reports and checklists, from a synthetic province."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from pathlib import Path

import lxml.html
import pytest
import yaml

from evaluator.errors import ReportError
from evaluator.workdays import WorkdayCalendar
from reports import build_from_data, build_reports, load_report_data
from reports.analysis import rectification
from reports.context import province_context
from reports.html import render, write_html
from reports.i18n import labels
from reports.deadlines import next_deadline
from reports.i18n import LANGUAGES
from rubrics.model import TimeLimit
from tests._report_fixtures import CITY_NAMES, OVERRIDE_REASON, _aggregate, build_province

ISSUED = date(2025, 7, 31)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("report_html")
    built = build_province(root / "store.db")
    yield built
    built.store.close()


@pytest.fixture(scope="module")
def data(province):
    return load_report_data(province.assessment, province.store)


@pytest.fixture(scope="module")
def html_dir(province, data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html_out")
    build_reports(province.assessment, province.store, formats=("html",), out_dir=out, issued=ISSUED)
    build_from_data(data, ("html",), ["linjiang"], "en", out, issued=ISSUED)
    write_html(out / "2025" / "province.en.html",
               render("province.html.j2", province_context(data, labels("en"), ISSUED)))
    return out / "2025"


def _doc(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def test_output_layout(html_dir: Path) -> None:
    names = sorted(str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html"))
    expected = {"province.html", "province.en.html", "cities/linjiang.en.html", "checklists/linjiang.en.html"}
    for site_id in ("linjiang", "qingshan", "yunxi", "bailu", "fenglin", "shihu"):
        expected |= {f"cities/{site_id}.html", f"checklists/{site_id}.html"}
    assert set(names) == expected


def test_ranking_table_in_rank_order(html_dir: Path, province) -> None:
    doc = _doc(html_dir / "province.html")
    rows = doc.xpath('//table[@id="ranking-table"]/tbody/tr')
    ranks = [int(r.xpath("./td[1]")[0].text_content()) for r in rows]
    cities = [r.xpath("./td[2]")[0].text_content() for r in rows]
    totals = [float(r.xpath("./td[3]")[0].text_content()) for r in rows]
    # Independent order: the totals the fixture aggregated, descending.
    from sqlalchemy import select

    from evaluator.store import schema

    with province.store.engine.connect() as conn:
        stored = conn.execute(
            select(schema.site_scores.c.site_id, schema.site_scores.c.value)
            .where(schema.site_scores.c.round == "2025", schema.site_scores.c.scope == "total")
        ).all()
    names = dict(zip(("linjiang", "qingshan", "yunxi", "bailu", "fenglin", "shihu"), CITY_NAMES))
    expected = [names[s] for s, _v in sorted(stored, key=lambda r: -r[1])]
    assert cities == expected
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert totals == sorted(totals, reverse=True)


def test_province_report_sections_and_change(html_dir: Path) -> None:
    text = (html_dir / "province.html").read_text(encoding="utf-8")
    for heading in ("一、评估概述", "二、综合排名", "三、得分分布", "四、城市 × 事项得分热力图", "五、分方面比较",
                    "六、突出问题", "七、良好做法", "附录：评估方法与数据说明", "较上轮变化", "评估目录及事项来源",
                    "抓取统计", "未能观察评估的事项", "国家表述", "重构", "blocked_challenge"):
        assert heading in text, heading
    assert text.count("<svg") >= 3  # distribution, heatmap, aspects


def test_html_is_self_contained(html_dir: Path) -> None:
    for path in html_dir.rglob("*.html"):
        doc = _doc(path)
        assert not doc.xpath("//link | //iframe | //object | //embed | //img[@src] | //script[@src]"), path
        for element in doc.iter():
            for name in ("src", "srcset", "action", "formaction", "poster", "data"):
                assert element.get(name) is None, (path, element.tag, name)
        for style in doc.xpath("//style"):
            assert "@import" not in style.text and not re.search(r"url\((?!#)", style.text)
        assert "http" not in "".join(s.text or "" for s in doc.xpath("//script"))


def test_csp_allows_only_the_report_script(html_dir: Path) -> None:
    doc = _doc(html_dir / "province.html")
    csp = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    scripts = doc.xpath("//script")
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].text.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp


def test_city_report_override_evidence_and_limits(html_dir: Path, data) -> None:
    text = (html_dir / "cities" / "linjiang.html").read_text(encoding="utf-8")
    assert OVERRIDE_REASON in text and "张评估" in text
    doc = lxml.html.fromstring(text)
    struck = doc.xpath("//td[contains(@class, 'overridden')]/s")
    assert struck and struck[0].text_content() == f"{data.overrides.iloc[0]['original']:.1f}"
    evidence = data.evidence[data.evidence["site_id"] == "linjiang"].iloc[0]
    shown = doc.xpath('//section[@id="evidence"]')[0].text_content()
    assert evidence["warc_record_id"].startswith("<urn:uuid:") and evidence["warc_record_id"] in shown
    assert evidence["fetched_at"] == "2025-07-15T08:00:00+00:00"  # filled from the fetches table
    assert evidence["sha256"] in shown and "2025-07-15 08:00" in shown
    # Links to evidence pages are http(s) and point at the bureau's site.
    links = doc.xpath('//table[contains(@class, "evidence")]//a/@href')
    assert links and all(link.startswith("https://sthjj.linjiang.example.gov.cn/") for link in links)
    failures = (html_dir / "cities" / "qingshan.html").read_text(encoding="utf-8")
    assert "timeout" in failures and "不适用" in failures
    assert "无法通过网站观察评估" in failures  # penalty-process, enforcement-process


def test_rectification_points_match_aggregation(data, province) -> None:
    """Raising an item to 100 raises the total by exactly the points the list shows."""
    items = data.item_scores[(data.item_scores["criterion"] == "item")]
    for site_id in ("linjiang", "shihu"):
        values = {r.item_id: (r.value if r.status == "scored" else None)
                  for r in items[items["site_id"] == site_id].itertuples()}
        total = _aggregate(province.rubric, province.catalogue, values)["total"]
        fixes = rectification(data, site_id)
        assert fixes and [f.points for f in fixes] == sorted((f.points for f in fixes), reverse=True)
        for fix in fixes[:5]:
            raised = _aggregate(province.rubric, province.catalogue, {**values, fix.item_id: 100.0})["total"]
            assert raised - total == pytest.approx(fix.points, abs=1e-9)


def test_rectification_table_order_in_city_report(html_dir: Path, data) -> None:
    doc = _doc(html_dir / "cities" / "shihu.html")
    rows = doc.xpath('//section[@id="rectification"]//tbody/tr')
    points = [float(r.xpath("./td[5]")[0].text_content()) for r in rows]
    assert len(rows) == len(rectification(data, "shihu")) and points == sorted(points, reverse=True)


@pytest.mark.parametrize(
    ("kind", "extra", "ref", "expected"),
    [
        ("workdays_from_formation", {"days": 20}, date(2025, 7, 15), date(2025, 8, 12)),
        # National Day 2025: Oct 1-8 off, Sat Oct 11 a make-up working day.
        ("workdays_from_formation", {"days": 5}, date(2025, 9, 30), date(2025, 10, 14)),
        ("annual_deadline", {"month": 3, "day": 31}, date(2025, 7, 15), date(2026, 3, 31)),
        ("annual_deadline", {"month": 6, "day": 5}, date(2025, 1, 15), date(2025, 6, 5)),
        ("frequency", {"period": "month", "day": 10}, date(2025, 7, 15), date(2025, 8, 10)),
        ("frequency", {"period": "month", "day": 10}, date(2025, 7, 3), date(2025, 7, 10)),
        ("frequency", {"period": "quarter"}, date(2025, 7, 15), date(2025, 9, 30)),
        ("frequency", {"period": "half-year"}, date(2025, 7, 15), date(2025, 12, 31)),
        ("frequency", {"period": "year"}, date(2025, 7, 15), date(2025, 12, 31)),
        ("as_occurs", {}, date(2025, 7, 15), None),
        ("link_to_higher_level", {}, date(2025, 7, 15), None),
    ],
)
def test_next_deadline(kind: str, extra: dict, ref: date, expected: date | None) -> None:
    limit = TimeLimit(kind=kind, text="…", **extra)  # type: ignore[arg-type]
    assert next_deadline(limit, ref, WorkdayCalendar()) == expected


def test_checklist_lists_items_below_full_score(html_dir: Path, data) -> None:
    doc = _doc(html_dir / "checklists" / "linjiang.html")
    rows = doc.xpath('//table[contains(@class, "checklist")]/tbody/tr')
    below = rectification(data, "linjiang")
    assert len(rows) == len(below) > 0
    by_item = {r.xpath("./td[3]")[0].text_content(): r for r in rows}
    eia = next(r for name, r in by_item.items() if name.startswith("建设项目环境影响评价文件审批"))
    assert "2025-08-12" in eia.xpath("./td[7]")[0].text_content()  # 20 working days after 2025-07-15
    # The column found for the item is linked.
    assert eia.xpath("./td[6]//a/@href")[0] == "https://sthjj.linjiang.example.gov.cn/xxgk/eia-approval/"


def test_english_edition(html_dir: Path) -> None:
    text = (html_dir / "province.en.html").read_text(encoding="utf-8")
    assert "Ranking" in text and "Methodology" not in text and "Appendix: method and data" in text
    assert '<html lang="en">' in text
    city = (html_dir / "cities" / "linjiang.en.html").read_text(encoding="utf-8")
    assert "12 documents in the column of eia-approval this period." in city  # the engine's text_en
    assert "Rectification list" in city


def test_every_label_has_both_languages_once() -> None:
    text = (Path(__file__).parents[1] / "reports" / "static" / "labels.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    bad = [key for key, value in raw.items() if set(value) != set(LANGUAGES) or not all(value.values())]
    assert bad == []
    keys = [line.split(":")[0].strip('"') for line in text.splitlines() if re.match(r'^"?[a-z0-9_]+"?:', line)]
    assert len(keys) == len(set(keys)) == len(raw)  # YAML would silently keep the last duplicate


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"formats": ("html", "docx")}, "unknown report format(s) docx: choose from html,pdf,xlsx,csv,json "
                                        "(for example --format html,pdf)"),
        ({"lang": "fr"}, "unknown report language 'fr': use one of zh, en (--lang zh|en)"),
        ({"site_ids": ["nowhere"]}, "no scores for site(s) nowhere in round '2025' (sites with scores: "
                                    "linjiang, yunxi, qingshan, bailu, shihu, fenglin); check --site"),
        ({"site_ids": ["linjiang"], "formats": ("csv",)},
         "--site selects city reports, which are html or pdf; the tables (xlsx,csv,json) always cover "
         "the whole province: drop --site"),
    ],
)
def test_bad_requests_name_the_fix(province, tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ReportError) as info:
        build_reports(province.assessment, province.store, out_dir=tmp_path, **kwargs)
    assert str(info.value) == message


def test_round_without_scores(province) -> None:
    with pytest.raises(ReportError) as info:
        load_report_data(province.assessment, province.store, round="2030")
    assert str(info.value).endswith(
        "has no scores for round '2030' (rounds in the store: 2024, 2025). Run `evaluator score` "
        "for this round first, or pass the round to report with --round"
    )


def test_site_option_writes_only_that_city(province, tmp_path: Path) -> None:
    paths = build_reports(province.assessment, province.store, formats=("html",), site_ids=["bailu"],
                          out_dir=tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "2025/cities/bailu.html", "2025/checklists/bailu.html"]


def test_previous_round_report_has_no_change_column(province) -> None:
    previous = load_report_data(province.assessment, province.store, round="2024")
    assert previous.previous_round is None and previous.previous is None
    text = render("province.html.j2", province_context(previous, labels("zh"), ISSUED))
    assert "较上轮变化" not in text and "评估轮次</dt><dd>2024</dd>" in text


def test_unranked_site_is_listed_last(tmp_path: Path) -> None:
    """A site with nothing observable has no total: it is listed last, unranked, and its own
    report and checklist still build."""
    from sqlalchemy import update

    from evaluator.store import schema

    small = build_province(tmp_path / "store.db", 3)
    with small.store.engine.begin() as conn:
        conn.execute(update(schema.scores).where(schema.scores.c.site_id == "linjiang")
                     .values(value=None, original_value=None, status="incomplete_observation"))
        conn.execute(update(schema.site_scores).where(schema.site_scores.c.site_id == "linjiang",
                                                      schema.site_scores.c.round == "2025")
                     .values(value=None, rank=None, grade=None))
    paths = build_reports(small.assessment, small.store, formats=("html",), out_dir=tmp_path / "out")
    small.store.close()
    doc = _doc(paths[0])
    last = doc.xpath('//table[@id="ranking-table"]/tbody/tr')[-1]
    cells = [td.text_content().strip() for td in last.xpath("./td")]
    assert cells[:3] == ["—", "临江市", "—"] and "未排名" in cells
    city = next(p for p in paths if p.name == "linjiang.html" and p.parent.name == "cities")
    assert "观察不完整" in city.read_text(encoding="utf-8")
    checklist = next(p for p in paths if p.name == "linjiang.html" and p.parent.name == "checklists")
    assert "本轮没有能通过网站观察评分的事项，请对照下列事项自行核查。" in checklist.read_text(encoding="utf-8")
