"""Document → catalogue items: the three signals in order, with method, rule and confidence."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from evaluator.classify import Classification, classify, classify_store, column_alias_matches, compile_catalogue
from evaluator.errors import ConfigError
from evaluator.store import schema
from rubrics.model import DetectionHints
from tests._scoring_fixtures import StoreBuilder, make_assessment, make_catalogue, make_site, open_store

CAT = make_catalogue()
XZCF = "http://a.example.gov.cn/xxgk/xzcf/"

CASES = [
    # (title, column_path, body, column_url, column_map, expected [(item, method)])
    ("关于某某项目环境影响报告表的批复", "政府信息公开 > 通知公告", "", "", None, [("eia-approval", "title_rule")]),
    ("某某化工有限公司行政处罚决定书", "政府信息公开 > 行政处罚", "", "", None, [("penalty-decision", "column_alias")]),
    ("某某公司", "政府信息公开>行政处罚", "", "", None, [("penalty-decision", "column_alias")]),
    # the column says 行政处罚 but the title is a 告知书: excluded, the title rule decides
    ("行政处罚事先告知书（某公司）", "政府信息公开 > 行政处罚", "", "", None, [("penalty-process", "title_rule")]),
    ("行政处罚听证告知书", "", "", "", None, [("penalty-process", "title_rule")]),
    # a column fitting two items is narrowed by the title
    ("查封决定书（某公司）", "政府信息公开 > 行政处罚与行政强制", "", "", None, [("enforcement-decision", "column_alias")]),
    # ... and kept for both when the title does not decide
    ("执法信息（2025年第3期）", "政府信息公开 > 行政处罚与行政强制", "", "", None,
     [("penalty-decision", "column_alias"), ("enforcement-decision", "column_alias")]),
    # excluded by the title, but no title rule matches: the column still decides (not the body)
    ("行政处罚听证会议纪要", "政府信息公开 > 行政处罚", "环境影响报告书", "", None, [("penalty-decision", "column_alias")]),
    # a title rule beats a parent column's alias; without one the parent column decides
    ("某公司查封决定书", "政府信息公开 > 行政处罚 > 2025年", "", "", None, [("enforcement-decision", "title_rule")]),
    ("某公司决定书", "政府信息公开 > 行政处罚 > 2025年", "", "", None, [("penalty-decision", "column_alias")]),
    # the deepest column name wins over its parents
    ("关于某某的通知", "政府信息公开 > 空气质量 > 政策解读", "", "", None, [("policy-documents", "column_alias")]),
    # explicit column map: by URL, by column name, by full path; unknown ids are ignored
    ("某某公司", "政府信息公开 > 执法公示", "", XZCF, {XZCF: ["penalty-decision"]}, [("penalty-decision", "column_map")]),
    ("某某公司", "政府信息公开 > 执法公示", "", "", {"执法公示": ["enforcement-decision", "penalty-decision"]},
     [("penalty-decision", "column_map"), ("enforcement-decision", "column_map")]),
    ("某某公司", "政府信息公开 > 执法公示", "", "", {"政府信息公开 > 执法公示": ["air-quality"]}, [("air-quality", "column_map")]),
    ("某某公司行政处罚决定书", "政府信息公开 > 行政处罚", "", "", {"行政处罚": ["no-such-item"]},
     [("penalty-decision", "column_alias")]),
    # multi-label by title
    ("关于某项目环境影响报告书受理及查封情况的说明", "", "", "", None,
     [("eia-approval", "title_rule"), ("enforcement-decision", "title_rule")]),
    # body rule only when nothing else decides
    ("公示", "政府信息公开 > 通知公告", "根据《某某项目环境影响报告书》……", "", None, [("eia-approval", "body_rule")]),
    ("2025年3月环境空气质量月报", "", "环境影响报告书", "", None, [("air-quality", "title_rule")]),
    ("局领导调研工作", "政府信息公开 > 工作动态", "座谈会", "", None, []),
    ("", "", "", "", None, []),
]


@pytest.mark.parametrize("title, path, body, column_url, column_map, expected", CASES)
def test_classify_cases(title, path, body, column_url, column_map, expected) -> None:
    got = classify(title, path, body, CAT, column_url=column_url, column_map=column_map)
    assert [(c.item_id, c.method) for c in got] == expected


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (dict(title="某某行政处罚决定书", column_path="政府信息公开 > 行政处罚"),
         Classification("penalty-decision", "column_alias", "column_alias: 行政处罚 ⊂ 行政处罚", 0.9)),
        (dict(title="关于某某项目环境影响报告书的批复"),
         Classification("eia-approval", "title_rule", "title_include: 环境影响.*(批复|受理|拟)", 0.8)),
        (dict(title="x", column_path="A > 执法", column_map={"执法": ["penalty-decision"]}),
         Classification("penalty-decision", "column_map", "column_map: 执法", 1.0)),
        (dict(title="x", body="环境影响报告表"),
         Classification("eia-approval", "body_rule", "body_include: 环境影响报告[书表]", 0.5)),
        (dict(title="行政处罚听证会议纪要", column_path="行政处罚"),
         Classification("penalty-decision", "column_alias",
                        "column_alias: 行政处罚 ⊂ 行政处罚; title_exclude 听证 overruled: no title rule matched", 0.9)),
        (dict(title="查封决定书", column_path="行政处罚与行政强制"),
         Classification("enforcement-decision", "column_alias",
                        "column_alias: 行政强制 ⊂ 行政处罚与行政强制; title_include: 查封|扣押", 0.9)),
    ],
)
def test_rule_and_confidence_are_recorded(kwargs, expected) -> None:
    assert classify(catalogue=CAT, **kwargs) == [expected]


def test_untrusted_text_is_bounded() -> None:
    body = "无关内容" * 10000 + "环境影响报告书"  # beyond max_body_chars
    assert classify("公示", "", body, CAT) == []
    assert classify("x" * 600 + "行政处罚决定书", "", "", CAT) == []  # beyond max_title_chars


def test_invalid_pattern_names_the_item() -> None:
    bad_item = replace(CAT.items[0], hints=DetectionHints(title_include=("环评(",)))
    bad = replace(CAT, items=(bad_item,), path="cat.yaml")
    with pytest.raises(ConfigError) as err:
        classify("x", catalogue=bad)
    assert str(err.value).startswith(
        "cat.yaml: items.eia-approval.hints.title_include: invalid regular expression '环评(' (missing ), unterminated subpattern")


def test_classify_store_is_idempotent(tmp_path) -> None:
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    sites = (make_site("a", column_map={"执法公示": ("enforcement-decision",)}), make_site("b"))
    assessment = make_assessment(sites)
    b.doc("a", "某公司行政处罚决定书", column_path="政府信息公开 > 行政处罚")
    b.doc("a", "某公司", column_path="政府信息公开 > 执法公示")
    b.doc("a", "领导调研", column_path="政府信息公开 > 工作动态")
    b.doc("b", "关于某项目环境影响报告书的批复")
    b.doc("b", "x", column_path="政府信息公开 > 执法公示")  # site a's column map does not apply to b
    first = classify_store(assessment, store, CAT)
    second = classify_store(assessment, store, CAT)
    assert first == second == 3
    c = schema.classifications
    with store.engine.connect() as conn:
        rows = conn.execute(select(c.c.site_id, c.c.item_id, c.c.method).order_by(c.c.site_id, c.c.item_id)).all()
        assert conn.execute(select(func.count()).select_from(c)).scalar() == 3
    assert [tuple(r) for r in rows] == [
        ("a", "enforcement-decision", "column_map"),
        ("a", "penalty-decision", "column_alias"),
        ("b", "eia-approval", "title_rule"),
    ]


def _with_aliases(**aliases: tuple[str, ...]):
    items = tuple(replace(i, hints=replace(i.hints, column_aliases=aliases[i.id.replace("-", "_")]))
                  if i.id.replace("-", "_") in aliases else i for i in CAT.items)
    return replace(CAT, items=items)


@pytest.mark.parametrize(
    "column, expected",
    [
        ("环境质量公报", [("env-bulletin", "环境质量公报")]),  # the longest alias wins
        ("空气环境质量", [("air-quality", "环境质量")]),
        ("行政处罚与行政强制", [("penalty-decision", "行政处罚"), ("enforcement-decision", "行政强制")]),  # a tie keeps both
        ("行政处罚听证告知", []),  # penalty-decision's title_exclude applies to column names too
        ("工作动态", []),
    ],
)
def test_column_alias_matches(column, expected) -> None:
    cat = _with_aliases(air_quality=("环境质量",), env_bulletin=("环境质量公报",))
    got = column_alias_matches(compile_catalogue(cat), column)
    assert [(r.item_id, alias) for r, alias in got] == expected
