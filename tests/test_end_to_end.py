"""End to end on the demo province: the engine must find the generator's truth.

The whole pipeline (crawl over HTTP → store → classify → score → reports) runs once against a
4-site demo province; its ranking must equal the true ranking exactly and every item score must
lie within 1 point of the expected score computed independently from the generator's truth.
"""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from lxml import html as lxml_html
from pypdf import PdfReader
from sqlalchemy import func, select

from evaluator.demo.compare import compare_with_truth
from evaluator.pipeline import RunOptions, run
from evaluator.store import Store, schema
from tests._e2e_fixtures import DemoRun


@pytest.fixture(scope="module")
def comparison(demo_run: DemoRun):
    store = Store.open(demo_run.assessment.store_url, create=False)
    try:
        yield compare_with_truth(demo_run.assessment, store, demo_run.seed, tolerance=1.0)
    finally:
        store.close()


def test_ranking_equals_the_true_ranking(comparison) -> None:
    assert [site for _, site, _ in comparison.engine_ranking] == [site for _, site, _ in comparison.truth_ranking]
    assert comparison.ranking_equal


def test_item_scores_within_one_point_of_the_truth(comparison) -> None:
    assert comparison.differences == []
    assert comparison.max_item_difference <= 1.0


def test_every_report_format_is_produced_and_parses(demo_run: DemoRun) -> None:
    paths = demo_run.result.report_paths
    by_suffix: dict[str, list] = {}
    for path in paths:
        assert path.exists() and path.stat().st_size > 0, path
        by_suffix.setdefault(path.suffix, []).append(path)
    assert set(by_suffix) >= {".html", ".pdf", ".xlsx", ".csv", ".json"}

    province_html = next(p for p in by_suffix[".html"] if p.name == "province.html")
    tree = lxml_html.fromstring(province_html.read_text(encoding="utf-8"))
    text = tree.text_content()
    for _, site_id, _ in demo_run.result.ranking:
        name = demo_run.assessment.site(site_id).name
        assert name in text

    province_pdf = next(p for p in by_suffix[".pdf"] if p.name == "province.pdf")
    reader = PdfReader(str(province_pdf))
    assert len(reader.pages) >= 3
    assert "甲市生态环境局" in "".join(page.extract_text() or "" for page in reader.pages)

    workbook = openpyxl.load_workbook(by_suffix[".xlsx"][0], read_only=True)
    assert len(workbook.sheetnames) >= 3

    with by_suffix[".csv"][0].open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["site_id"] for row in rows} == {s.id for s in demo_run.assessment.sites}

    data = json.loads(by_suffix[".json"][0].read_text(encoding="utf-8"))
    assert data


def test_rescoring_reuses_the_crawl(demo_run: DemoRun) -> None:
    store = Store.open(demo_run.assessment.store_url, create=False)
    try:
        with store.engine.connect() as conn:
            fetches_before = conn.execute(select(func.count()).select_from(schema.fetches)).scalar_one()
        again = run(demo_run.assessment, RunOptions(start="score", stop="score"), store=store)
        with store.engine.connect() as conn:
            fetches_after = conn.execute(select(func.count()).select_from(schema.fetches)).scalar_one()
    finally:
        store.close()
    assert again.stages == ("score",)
    assert fetches_after == fetches_before
    assert again.ranking == demo_run.result.ranking


def test_unknown_stage_is_a_clear_error() -> None:
    from evaluator.errors import EvaluatorError

    with pytest.raises(EvaluatorError, match="unknown stage 'scrape': choose one of crawl, classify, score, report"):
        RunOptions(start="scrape").stages()
    with pytest.raises(EvaluatorError, match="--from report comes after --to crawl"):
        RunOptions(start="report", stop="crawl").stages()


def test_a_crawl_that_does_not_finish_stops_the_run_before_scoring(tmp_path, monkeypatch) -> None:
    from crawlers.stats import CrawlStats
    from evaluator.config import load_assessment
    from evaluator.errors import CrawlError
    import crawlers.engine

    path = tmp_path / "assessment.yaml"
    path.write_text(
        "name: 测试\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"
        "sites:\n  - {id: s1, name: 甲市生态环境局, region: 甲市, base_url: 'http://127.0.0.1:9/'}\n",
        encoding="utf-8",
    )
    assessment = load_assessment(path)

    def broken_crawl(*args, **kwargs):
        return [CrawlStats(site_id="s1", status="failed", error="disk full while writing the store")]

    monkeypatch.setattr(crawlers.engine, "crawl", broken_crawl)
    with pytest.raises(CrawlError, match=r"the crawl did not finish \(s1: disk full while writing the store\)\. Nothing was scored"):
        run(assessment, RunOptions())
    store = Store.open(assessment.store_url, create=False)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.scores)).scalar_one() == 0
    store.close()
