"""Timeliness: working-day lags, 双公示, undetermined dates, annual deadlines, frequencies."""

from __future__ import annotations

from datetime import date

import pytest

from evaluator.scoring.criteria import periods_within
from evaluator.scoring.docdates import signature_date
from evaluator.workdays import CalendarCoverageWarning
from tests._scoring_fixtures import StoreBuilder, make_assessment, open_store, run_scoring, texts

D = date.fromisoformat
PD = "penalty-decision"


@pytest.fixture()
def env(tmp_path):
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    b.observed("a")
    return store, b


def test_workdays_from_formation_hand_computed(env) -> None:
    store, b = env
    # lag 5: 09-28 (Sun, 调休) 09-29 09-30 | 10-01..08 holidays | 10-09 10-10
    b.doc("a", "决定书A", items=(PD,), formation="2025-09-26", publish="2025-10-10", url="http://a/1")
    # lag 24: 03-04..07 (4) 03-10..14 (9) 03-17..21 (14) 03-24..28 (19) 03-31 (20) 04-01..03 (23) 04-04 清明 04-07 (24)
    b.doc("a", "决定书B", items=(PD,), formation="2025-03-03", publish="2025-04-07", url="http://a/2")
    # no formation date: the 落款 2025年6月3日 is used; 06-04 06-05 06-06 06-09 06-10 -> lag 5
    b.doc("a", "决定书C", items=(PD,), publish="2025-06-10", url="http://a/3",
          body="……特此决定。\n某市生态环境局\n2025年6月3日")
    # no formation date and no 落款: undetermined
    b.doc("a", "决定书D", items=(PD,), publish="2025-06-10", url="http://a/4", body="……特此决定。")
    # lag 31: 01-03 (1) 01-06..10 (6) 13-17 (11) 20-24 (16) 01-26 Sun 调休 (17) 01-27 (18)
    # 01-28..02-04 春节 | 02-05..07 (21) 02-08 Sat 调休 (22) 02-10..14 (27) 02-17..20 (31)
    b.doc("a", "决定书E", items=(PD,), formation="2025-01-02", publish="2025-02-20", url="http://a/5")
    crit = run_scoring(store).item("a", PD).criteria["timeliness"]
    assert crit.value == pytest.approx(40.0)  # A and C of 5
    assert texts(crit.findings) == [
        "本期公开行政处罚决定5件，其中2件在20个工作日内公开，2件超过20个工作日公开，1件无法确定是否及时。",
        "2件超过20个工作日公开，平均滞后27.5个工作日，最长滞后31个工作日。",
        "1件缺少形成日期或发布日期，无法确定是否及时，按未及时公开计。",
        "1件未标注形成日期，采用正文落款日期。",
    ]
    assert [(e["url"], e["lag_workdays"]) for e in crit.findings[0]["evidence"]] == [("http://a/1", 5), ("http://a/3", 5)]
    late = crit.findings[1]["evidence"]
    assert [(e["url"], e["lag_workdays"], e["formation_date"], e["publish_date"]) for e in late] == [
        ("http://a/5", 31, "2025-01-02", "2025-02-20"), ("http://a/2", 24, "2025-03-03", "2025-04-07")]
    assert crit.findings[3]["evidence"][0]["formation_date"] == "2025-06-03"


@pytest.mark.parametrize(
    "double, item, expected",
    [
        (True, PD, 100 * 2 / 3),  # 双公示: 7 working days; lags 6, 7, 8
        (False, PD, 100.0),
        (True, "enforcement-decision", 100.0),  # not a 双公示 item: 20 days
    ],
)
def test_double_publicity_option(env, double, item, expected) -> None:
    store, b = env
    b.doc("a", "决定书1", items=(item,), formation="2025-09-26", publish="2025-10-11")  # 6 (10-11 Sat 调休)
    b.doc("a", "决定书2", items=(item,), formation="2025-03-03", publish="2025-03-12")  # 7
    b.doc("a", "决定书3", items=(item,), formation="2025-03-03", publish="2025-03-13")  # 8
    assert run_scoring(store, double_publicity=double).item("a", item).criteria["timeliness"].value == pytest.approx(expected)


def test_empty_period_scores_zero_for_a_workday_item(env) -> None:
    store, b = env
    b.column("a", "http://a.example.gov.cn/xzcf/", "行政处罚")
    crit = run_scoring(store).item("a", PD).criteria["timeliness"]
    assert (crit.value, texts(crit.findings)) == (0.0, ["本期未公开行政处罚决定，及时性记0分。"])


@pytest.mark.parametrize(
    "body, publication, expected",
    [
        ("特此公告。\n某市生态环境局\n2025年6月3日", "2025-06-10", "2025-06-03"),
        ("特此公告。\n二〇二五年六月三日", "2025-06-10", "2025-06-03"),
        ("特此公告。\n二〇二五年十二月二十一日", "2025-12-30", "2025-12-21"),
        ("落款 2025-06-03", "2025-06-10", "2025-06-03"),
        ("于2025年5月1日检查，2025年6月3日", "2025-06-10", None),  # two dates: ambiguous
        ("某市生态环境局\n2025年6月30日", "2025-06-10", None),  # after publication
        ("环罚〔2025〕12号", "2025-06-10", None),  # a 文号 gives only a year
        ("2025年2月30日", "2025-06-10", None),  # not a date
        ("2025年6月3日" + "。" * 300, "2025-06-10", None),  # a long line is not a signature
        ("2025年11月24日，甲市生态环境局召开专题会议，局长出席会议。", "2025-12-30", None),  # a sentence
        ("甲市生态环境局 2025年6月3日\n附件：查封、扣押清单", "2025-06-10", "2025-06-03"),
        ("甲市生态环境局\n2025年6月3日\n一\n二\n三\n四", "2025-06-10", None),  # beyond the last 4 lines
        ("2025年6月3日", None, None),  # no publication date
    ],
)
def test_signature_date(body, publication, expected) -> None:
    got = signature_date(body, D(publication) if publication else None)
    assert got == (D(expected) if expected else None)


def test_dates_outside_the_calendar_are_undetermined_with_a_warning(env) -> None:
    store, b = env
    b.doc("a", "决定书", items=(PD,), formation="2026-12-20", publish="2027-01-05")
    assessment = make_assessment(period_start=D("2026-07-01"), period_end=D("2027-06-30"), reference_date=D("2027-07-01"))
    with pytest.warns(CalendarCoverageWarning, match="no official holiday data for 2027"):
        result = run_scoring(store, assessment)
    crit = result.item("a", PD).criteria["timeliness"]
    assert crit.value == 0.0
    assert texts(crit.findings)[1] == "1件的日期落在缺少法定节假日数据的年份（2027），工作日无法确定，按未及时公开计。"
    assert len(result.warnings) == 1 and "2027" in result.warnings[0]


@pytest.mark.parametrize(
    "start, end, ref, publications, expected, sentences",
    [
        ("2025-01-01", "2025-12-31", "2026-01-15", ["2025-06-05"], 100.0, ["2025年度信息已于2025-06-05公开，在2025-06-05截止日前。"]),
        ("2025-01-01", "2025-12-31", "2026-01-15", ["2025-06-06"], 0.0, ["2025年度信息未在2025-06-05前公开。"]),
        ("2025-01-01", "2025-12-31", "2026-01-15", ["2024-12-20"], 0.0, ["2025年度信息未在2025-06-05前公开。"]),
        ("2024-01-01", "2025-12-31", "2026-01-15", ["2024-05-01", "2025-07-01"], 50.0,
         ["2024年度信息已于2024-05-01公开，在2024-06-05截止日前。", "2025年度信息未在2025-06-05前公开。"]),
        ("2024-07-01", "2025-12-31", "2026-01-15", ["2025-01-10"], 100.0, ["2025年度信息已于2025-01-10公开，在2025-06-05截止日前。"]),
        ("2025-01-01", "2025-12-31", "2025-05-01", ["2025-03-01"], None, ["评估期内没有已到期的年度截止日（每年6月5日前），不评及时性。"]),
        ("2025-01-01", "2025-12-31", "2026-01-15", [None], 0.0,
         ["2025年度信息未在2025-06-05前公开。", "1件未注明发布日期，视为未更新。"]),
    ],
)
def test_annual_deadline(env, start, end, ref, publications, expected, sentences) -> None:
    store, b = env
    for n, pub in enumerate(publications):
        b.doc("a", f"{n}年生态环境状况公报", items=("env-bulletin",), publish=pub)
    assessment = make_assessment(period_start=D(start), period_end=D(end), reference_date=D(ref))
    crit = run_scoring(store, assessment).item("a", "env-bulletin").criteria["timeliness"]
    assert crit.value == expected
    assert texts(crit.findings) == sentences


def test_monthly_frequency_with_a_deadline_day(env) -> None:
    store, b = env
    # whole months before the reference date 2025-04-20: January, February, March
    b.doc("a", "1月空气质量月报", items=("air-quality",), publish="2025-01-08")  # by the 10th: met
    b.doc("a", "2月空气质量月报", items=("air-quality",), publish="2025-02-11")  # after the 10th
    b.doc("a", "3月空气质量月报", items=("air-quality",), publish="2025-03-10")  # on the 10th: met
    b.doc("a", "空气质量月报", items=("air-quality",))  # undated: meets nothing
    crit = run_scoring(store, make_assessment(reference_date=D("2025-04-20"))).item("a", "air-quality").criteria["timeliness"]
    assert crit.value == pytest.approx(200 / 3)
    assert texts(crit.findings) == [
        "评估期内应每月至少更新1次，且在周期首月10日前的3个周期中，2个周期按时更新。",
        "未按时更新的周期：2025年2月。",
        "1件未注明发布日期，视为未更新。",
    ]
    assert crit.findings[1]["text_en"] == "Periods without a timely update: 2025-02."


@pytest.mark.parametrize(
    "start, end, period, expected",
    [
        ("2025-01-31", "2025-03-31", "month", [("2025-02-01", "2025-02-28"), ("2025-03-01", "2025-03-31")]),
        ("2025-01-15", "2025-12-31", "quarter", [("2025-04-01", "2025-06-30"), ("2025-07-01", "2025-09-30"), ("2025-10-01", "2025-12-31")]),
        ("2025-01-01", "2025-06-30", "half-year", [("2025-01-01", "2025-06-30")]),
        ("2024-03-01", "2025-12-31", "year", [("2025-01-01", "2025-12-31")]),
        ("2025-01-01", "2025-01-30", "month", []),
    ],
)
def test_periods_within(start, end, period, expected) -> None:
    assert periods_within(D(start), D(end), period) == [(D(a), D(b)) for a, b in expected]


def test_as_occurs_is_not_checkable_and_leaves_the_item_weights(env) -> None:
    store, b = env
    b.doc("a", "关于某某办法的通知", items=("policy-documents",), publish="2025-04-01", body="现将某某办法印发，特此通知。")
    score = run_scoring(store).item("a", "policy-documents")
    crit = score.criteria
    assert crit["timeliness"].value is None
    assert texts(crit["timeliness"].findings) == ["该事项公开时限为“按实际更新”，无法由发布日期核验，不评及时性。"]
    # coverage 100; completeness: 1 of 2 elements -> 50 × 0.8 + attachments 100 × 0.2 = 60
    assert crit["completeness"].value == pytest.approx(60.0)
    assert crit["item"].value == pytest.approx((0.4 * 100 + 0.3 * 60) / 0.7)
