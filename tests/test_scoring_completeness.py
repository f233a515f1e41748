"""Completeness: per-document elements, elements across documents, stages matched by project,
reachable attachments (docs/scoring.md "Completeness")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evaluator.scoring import project_key, score_assessment
from tests._scoring_fixtures import (
    StoreBuilder, make_assessment, make_catalogue, make_rubric, open_store, run_scoring, texts,
)

EIA_CUES = ("受理", "拟审批", "拟批准", "拟作出", "批复", "审批意见")
FULL = "当事人：某公司。违法事实：超标排放。依据《大气污染防治法》，处罚如下：罚款10万元。履行方式：缴纳至指定账户。如不服，可申请行政复议。"


@pytest.fixture()
def env(tmp_path):
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    b.observed("a")
    return store, b


def test_per_document_elements_and_attachments(env) -> None:
    store, b = env
    b.doc("a", "行政处罚决定书（一）", items=("penalty-decision",), publish="2025-05-06", body=FULL,
          attachments=(("http://a/1.pdf", True), ("http://a/2.pdf", None)))  # unchecked is not a failure
    b.doc("a", "行政处罚决定书（二）", items=("penalty-decision",), publish="2025-05-07",
          body="当事人：某厂。违法事实：未验收。依据《环境影响评价法》。", attachments=(("http://a/3.pdf", False),))
    crit = run_scoring(store).item("a", "penalty-decision").criteria["completeness"]
    # elements: mean(6/6, 3/6) = 75; attachments: 1 of 2 documents fine = 50; 0.8 × 75 + 0.2 × 50
    assert crit.value == pytest.approx(70.0)
    assert texts(crit.findings) == [
        "本期2件文件平均包含75%的应公开要素（共6项）。",
        "缺少要素的文件1件；缺失较多的要素：处罚内容（1件）、履行方式和期限（1件）、救济途径（1件）。",
        "1件文件的附件无法访问（共检查2件有附件的文件）。",
    ]
    assert [e["title"] for e in crit.findings[2]["evidence"]] == ["行政处罚决定书（二）"]


def test_stages_matched_across_documents_by_project(env) -> None:
    store, b = env
    eia = ("eia-approval",)
    # 甲: 受理 before the period, 拟审批 and 批复 in it -> complete
    b.doc("a", "关于《甲化工项目环境影响报告书》受理情况的公示", items=eia, publish="2024-12-20")
    b.doc("a", "A市生态环境局关于甲化工项目环境影响报告书拟审批公示", items=eia, publish="2025-04-01")
    b.doc("a", "关于甲化工项目环境影响报告书的批复", items=eia, publish="2025-05-01")
    # 乙: only 受理 -> incomplete
    b.doc("a", "乙印染项目环境影响报告表受理公示", items=eia, publish="2025-06-01")
    # 丙: complete but every document before the period -> not a project of the period
    b.doc("a", "丙项目环境影响报告表受理公示", items=eia, publish="2024-01-01")
    b.doc("a", "丙项目环境影响报告表拟审批公示", items=eia, publish="2024-02-01")
    crit = run_scoring(store).item("a", "eia-approval").criteria["completeness"]
    assert crit.value == pytest.approx(0.8 * 50 + 0.2 * 100)
    assert texts(crit.findings) == [
        "本期涉及2个项目，其中1个项目各环节（受理公示→拟审批公示→审批决定）齐全。",
        "环节不全的项目1个：乙印染项目环境影响报告表（缺拟审批公示、审批决定）。",
    ]


def test_stages_without_any_recognised_stage(env) -> None:
    store, b = env
    b.doc("a", "某项目环境影响评价信息", items=("eia-approval",), publish="2025-04-01")
    crit = run_scoring(store).item("a", "eia-approval").criteria["completeness"]
    assert crit.value == pytest.approx(20.0)
    assert texts(crit.findings) == ["本期文件中未能识别出任何项目环节（受理公示→拟审批公示→审批决定），要素记0分。"]


@pytest.mark.parametrize(
    "title, expected",
    [
        ("关于《甲化工项目环境影响报告书》的批复", "甲化工项目环境影响报告书"),
        ("A市生态环境局关于甲化工项目环境影响报告书拟审批公示", "甲化工项目环境影响报告书"),
        ("关于甲化工项目环境影响报告书受理情况的公示", "甲化工项目环境影响报告书"),
        ("关于拟作出甲化工项目环境影响报告书审批意见的公示", "甲化工项目环境影响报告书"),
        ("【受理公告】甲化工 项目环境影响报告书", "甲化工项目环境影响报告书"),
        ("甲化工项目（二期）环境影响报告表的批复", "甲化工项目二期环境影响报告表"),
    ],
)
def test_project_key(title, expected) -> None:
    assert project_key(title, "A市生态环境局", EIA_CUES) == expected


@pytest.mark.parametrize(
    "bodies, value, sentences",
    [
        (("现将《某某管理办法》印发给你们，请遵照执行。特此通知。", "一、制定背景……二、主要内容……（政策解读）"), 100.0,
         ["本期文件中找到应公开要素2项（共2项）。"]),
        (("现将《某某管理办法》印发给你们，请遵照执行。特此通知。", ""), 0.8 * 50 + 0.2 * 100,
         ["本期文件中找到应公开要素1项（共2项）。", "未找到的要素：政策解读。"]),
        # titles name the content but do not publish it: elements are looked for in the body
        (("", ""), 0.2 * 100, ["本期文件中找到应公开要素0项（共2项）。", "未找到的要素：政策文件、政策解读。"]),
    ],
)
def test_across_documents(env, bodies, value, sentences) -> None:
    store, b = env
    b.doc("a", "关于印发某某管理办法的通知", items=("policy-documents",), publish="2025-03-01", body=bodies[0])
    b.doc("a", "《某某管理办法》政策解读", items=("policy-documents",), publish="2025-03-02", body=bodies[1])
    crit = run_scoring(store).item("a", "policy-documents").criteria["completeness"]
    assert crit.value == pytest.approx(value)
    assert texts(crit.findings) == sentences


def test_empty_period_is_zero(env) -> None:
    store, b = env
    b.column("a", "http://a.example.gov.cn/xzcf/", "行政处罚")
    crit = run_scoring(store).item("a", "penalty-decision").criteria["completeness"]
    assert (crit.value, texts(crit.findings)) == (0.0, ["本期未公开行政处罚决定，完整性记0分。"])


def test_item_without_elements_counts_elements_as_complete(env) -> None:
    store, b = env
    cat = make_catalogue()
    items = tuple(replace(i, elements=()) if i.id == "penalty-decision" else i for i in cat.items)
    cat = replace(cat, items=items)
    b.doc("a", "决定书1", items=("penalty-decision",), publish="2025-05-06", attachments=(("http://a/x.pdf", False),))
    b.doc("a", "决定书2", items=("penalty-decision",), publish="2025-05-06")
    result = score_assessment(make_assessment(), store, cat, make_rubric())
    crit = result.item("a", "penalty-decision").criteria["completeness"]
    assert crit.value == pytest.approx(0.8 * 100 + 0.2 * 50)
    assert texts(crit.findings)[0] == "目录未列出该事项的内容要素，要素部分视为齐全。"


@pytest.mark.parametrize("weight, expected", [(0.0, 75.0), (0.5, 62.5), (1.0, 50.0)])
def test_attachment_weight(env, weight, expected) -> None:
    store, b = env
    b.doc("a", "决定书1", items=("penalty-decision",), publish="2025-05-06", body=FULL)
    b.doc("a", "决定书2", items=("penalty-decision",), publish="2025-05-06", body="当事人 违法事实 依据",
          attachments=(("http://a/x.pdf", False),))
    crit = run_scoring(store, attachment_weight=weight).item("a", "penalty-decision").criteria["completeness"]
    assert crit.value == pytest.approx(expected)
