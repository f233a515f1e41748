"""Coverage and the status of a (site, item) pair (docs/scoring.md "Status", "Coverage")."""

from __future__ import annotations

import pytest

from tests._scoring_fixtures import StoreBuilder, make_assessment, make_site, open_store, run_scoring, texts

COLS = {
    "air": ("http://a.example.gov.cn/kqzl/", "空气质量"),
    "force": ("http://a.example.gov.cn/xzqz/", "行政强制"),
    "cf": ("http://a.example.gov.cn/xzcf/", "行政处罚"),
}


@pytest.fixture()
def env(tmp_path):
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    b.observed("a")
    return store, b


@pytest.mark.parametrize(
    "item, setup, status, value",
    [
        ("penalty-decision", "doc_in_period", "scored", 100.0),
        ("penalty-decision", "doc_undated", "scored", 100.0),
        ("penalty-decision", "doc_list_date_only", "scored", 100.0),
        ("penalty-decision", "doc_before_period", "scored", 0.0),
        ("penalty-decision", "column_cf_only", "scored", 40.0),
        ("air-quality", "column_air_only", "scored", 40.0),
        ("air-quality", "nothing", "scored", 0.0),
        ("enforcement-decision", "column_force_only", "nothing_to_publish", None),
        ("enforcement-decision", "nothing", "scored", 0.0),
        ("penalty-process", "doc_in_period", "not_assessable", None),
        ("penalty-decision", "column_cf_timeout", "incomplete_observation", None),
        ("penalty-decision", "list_page_failed", "incomplete_observation", None),
        ("penalty-decision", "root_blocked", "incomplete_observation", None),
        ("penalty-decision", "root_blocked_but_doc", "scored", 100.0),
        ("enforcement-decision", "column_force_timeout", "incomplete_observation", None),
        ("penalty-decision", "column_cf_404", "scored", 0.0),  # a dead link: observed as missing
        ("enforcement-decision", "root_404", "scored", 0.0),
        ("penalty-decision", "column_cf_pending", "incomplete_observation", None),  # never listed
    ],
)
def test_status_and_coverage(env, item, setup, status, value) -> None:
    store, b = env
    url, name = COLS["cf"]
    if setup == "doc_in_period":
        b.doc("a", "某公司行政处罚决定书", items=(item,), publish="2025-05-06")
    elif setup == "doc_undated":
        b.doc("a", "某公司行政处罚决定书", items=(item,))
    elif setup == "doc_list_date_only":
        b.doc("a", "某公司行政处罚决定书", items=(item,), list_date="2025-05-06")
    elif setup == "doc_before_period":
        b.doc("a", "某公司行政处罚决定书", items=(item,), publish="2024-12-31")
    elif setup == "column_cf_only":
        b.column("a", url, name)
    elif setup.startswith("column_") and setup.endswith("_only"):
        key = setup.split("_")[1]
        b.column("a", *COLS[key])
    elif setup == "column_cf_404":
        b.column("a", url, name, status="http_404")
        b.fetch("a", url, status="http_404", kind="column", column_url=url)
    elif setup == "root_404":
        b.fetch("a", "http://a.example.gov.cn/xxgk/", status="http_404", kind="column")
    elif setup == "column_cf_pending":
        b.column("a", url, name, status="pending")
    elif setup == "column_cf_timeout":
        b.column("a", url, name, status="timeout")
    elif setup == "column_force_timeout":
        b.column("a", *COLS["force"], status="http_503")
    elif setup == "list_page_failed":
        b.column("a", url, name)
        b.fetch("a", url + "index_3.html", status="timeout", kind="list", column_url=url)
    elif setup == "root_blocked":
        b.fetch("a", "http://a.example.gov.cn/xxgk/", status="blocked_challenge", kind="column")
    elif setup == "root_blocked_but_doc":
        b.fetch("a", "http://a.example.gov.cn/xxgk/", status="blocked_challenge", kind="column")
        b.doc("a", "某公司行政处罚决定书", items=(item,), publish="2025-05-06")
    site = make_site("a", entry_points=("http://a.example.gov.cn/xxgk/",))
    result = run_scoring(store, make_assessment((site,)))
    score = result.item("a", item)
    assert score.status == status
    assert score.criteria["coverage"].value == value
    if status != "scored":
        assert all(c.value is None for c in score.criteria.values())


def test_event_driven_empty_column_is_failure_when_the_rubric_says_so(env) -> None:
    store, b = env
    b.column("a", *COLS["force"])
    score = run_scoring(store, event_driven_empty_is_failure=True).item("a", "enforcement-decision")
    assert (score.status, score.criteria["coverage"].value) == ("scored", 40.0)


def test_site_never_observed_is_incomplete_not_zero(tmp_path) -> None:
    store = open_store(tmp_path)
    result = run_scoring(store)
    statuses = {it.item_id: it.status for it in result.items}
    assert statuses == {
        "eia-approval": "incomplete_observation", "penalty-process": "not_assessable",
        "penalty-decision": "incomplete_observation", "enforcement-decision": "incomplete_observation",
        "air-quality": "incomplete_observation", "env-bulletin": "incomplete_observation",
        "policy-documents": "incomplete_observation",
    }
    site = result.site("a")
    assert (site.total, site.rank, site.grade) == (None, None, None)
    assert texts(result.item("a", "air-quality").criteria["item"].findings) == [
        "本期未观察到该事项的信息，且有页面未能访问（http://a.example.gov.cn/（not_observed）），观察不完整，不计入得分。"]


def test_not_applicable_leaves_the_denominator(env) -> None:
    store, b = env
    b.doc("a", "行政处罚决定书", items=("penalty-decision",), publish="2025-05-06", formation="2025-05-06",
          body="当事人 违法事实 依据 罚款 履行方式 行政复议")
    site = make_site("a", not_applicable=("enforcement-decision",))
    result = run_scoring(store, make_assessment((site,)))
    assert result.item("a", "enforcement-decision").status == "not_applicable"
    assert result.site("a").aspects["enforcement"] == pytest.approx(100.0)
    assert texts(result.item("a", "enforcement-decision").criteria["coverage"].findings) == [
        "评估方案将该事项列为本单位不适用，不计入得分。"]


@pytest.mark.parametrize(
    "setup, expected",
    [
        ("docs", ["本期公开行政处罚决定2件。", "公开栏目：政府信息公开 > 行政处罚。", "其中1件未注明发布日期。"]),
        ("column", ["设有栏目「政府信息公开 > 行政处罚」，但本期未发现行政处罚决定相关信息。"]),
        ("none", ["未找到行政处罚决定的公开栏目，本期也未发现相关信息。"]),
    ],
)
def test_coverage_findings(env, setup, expected) -> None:
    store, b = env
    if setup in ("docs", "column"):
        b.column("a", *COLS["cf"])
    if setup == "docs":
        b.doc("a", "决定书一", items=("penalty-decision",), publish="2025-03-01", url="http://a.example.gov.cn/1.html")
        b.doc("a", "决定书二", items=("penalty-decision",), url="http://a.example.gov.cn/2.html")
    findings = run_scoring(store).item("a", "penalty-decision").criteria["coverage"].findings
    assert texts(findings) == expected
    if setup == "docs":
        assert [e["url"] for e in findings[0]["evidence"]] == ["http://a.example.gov.cn/1.html", "http://a.example.gov.cn/2.html"]
        assert findings[0]["evidence"][0]["warc_record_id"].startswith("<urn:uuid:")
        assert set(findings[0]["evidence"][0]) == {"url", "title", "publish_date", "formation_date", "lag_workdays",
                                                   "fetched_at", "warc_record_id", "sha256"}


def test_republications_count_once(env) -> None:
    store, b = env
    for host in ("a.example.gov.cn", "www.a.gov.cn"):  # the bureau site and the city platform
        b.doc("a", "某公司行政处罚决定书", items=("penalty-decision",), publish="2025-05-06", formation="2025-05-06",
              doc_number="A环罚〔2025〕1号", body="当事人：某公司。", url=f"http://{host}/1.html")
    # same title and date but another 文号: a different decision
    b.doc("a", "某公司行政处罚决定书", items=("penalty-decision",), publish="2025-05-06", formation="2025-05-06",
          doc_number="A环罚〔2025〕2号", body="当事人：某公司。", url="http://a.example.gov.cn/2.html")
    findings = run_scoring(store).item("a", "penalty-decision").criteria["coverage"].findings
    assert texts(findings) == ["本期公开行政处罚决定2件。",
                               "另有1件为同一文件的重复发布（标题、日期、文号和正文相同），不重复计数。"]
    assert [e["url"] for e in findings[1]["evidence"]] == ["http://www.a.gov.cn/1.html"]
