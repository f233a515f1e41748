"""Assessor review: export → edit with openpyxl → import; every rejection with its row number."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from evaluator.errors import ConfigError, StoreError
from evaluator.review import META_SHEET, SHEET, export_review, import_review
from evaluator.store import schema
from tests._scoring_fixtures import (
    StoreBuilder, make_assessment, make_catalogue, make_site, open_store, run_scoring, texts,
)

CAT = make_catalogue()
FULL = "当事人 违法事实 依据 罚款 履行方式 行政复议"


@pytest.fixture()
def scored(tmp_path):
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    for sid in "ab":
        b.observed(sid)
    b.doc("a", "决定书", items=("penalty-decision",), publish="2025-05-06", body=FULL)  # timeliness 0: no formation
    b.column("a", "http://a.example.gov.cn/xzqz/", "行政强制")  # enforcement-decision: nothing_to_publish
    assessment = make_assessment((make_site("a", name="=A市生态环境局"), make_site("b")))
    run_scoring(store, assessment)
    path = tmp_path / "review.xlsx"
    export_review(assessment, store, path, CAT)
    return store, assessment, path


def _row(ws, site: str, item: str, criterion: str) -> int:
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if (row[0], row[2], row[4]) == (site, item, criterion):
            return n
    raise AssertionError((site, item, criterion))


def _edit(path, edits, meta=None) -> None:
    wb = load_workbook(path)
    ws = wb[SHEET]
    for (site, item, criterion), (value, reason) in edits.items():
        row = _row(ws, site, item, criterion) if item else int(site)
        ws.cell(row=row, column=11).value = value
        ws.cell(row=row, column=12).value = reason
    for key, value in (meta or {}).items():
        for r in wb[META_SHEET].iter_rows():
            if r[0].value == key:
                r[1].value = value
    wb.save(path)


def _overrides(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.overrides)).scalar()


def test_export_layout(scored) -> None:
    _, _, path = scored
    wb = load_workbook(path)
    ws = wb[SHEET]
    assert [c.value for c in ws[1]] == ["站点ID", "单位", "事项ID", "事项", "指标ID", "指标", "状态", "计算得分",
                                        "现调整值", "现调整理由", "调整值", "调整理由", "发现", "证据链接"]
    assert ws.max_row == 1 + 2 * 7 * 3
    assert wb[META_SHEET].sheet_state == "hidden"
    assert {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows()}.keys() >= {"assessment", "round", "catalogue"}
    row = _row(ws, "a", "penalty-decision", "timeliness")
    assert [c.value for c in ws[row]][:8] == ["a", "=A市生态环境局", "penalty-decision", "行政处罚决定", "timeliness",
                                              "及时性", "scored", 0]
    assert ws.cell(row=row, column=2).data_type == "s"  # never a formula
    assert ws.cell(row=row, column=14).value.startswith("http://a.example.gov.cn/doc/t")
    assert ws.cell(row=row, column=14).hyperlink is not None


def test_import_then_rescore_shows_original_adjusted_and_reason(scored) -> None:
    store, assessment, path = scored
    _edit(path, {("a", "penalty-decision", "timeliness"): (80, "决定书落款日期为2025年5月6日，当日公开")})
    result = import_review(assessment, store, path, "张三", CAT)
    assert result.overrides == 1
    score = run_scoring(store, assessment).item("a", "penalty-decision")
    t = score.criteria["timeliness"]
    assert (t.value, t.original, t.reason, t.author) == (80.0, 0.0, "决定书落款日期为2025年5月6日，当日公开", "张三")
    item = score.criteria["item"]
    assert item.value == pytest.approx(0.4 * 100 + 0.3 * 80 + 0.3 * 100)
    assert item.original == pytest.approx(0.4 * 100 + 0.3 * 0 + 0.3 * 100)
    assert texts(item.findings)[1] == "及时性经评估人员张三调整：原值0，调整为80，理由：决定书落款日期为2025年5月6日，当日公开。"
    s = schema.scores
    with store.engine.connect() as conn:
        row = conn.execute(select(s.c.value, s.c.original_value, s.c.override_reason, s.c.override_author)
                           .where(s.c.site_id == "a", s.c.item_id == "penalty-decision", s.c.criterion == "timeliness")).one()
    assert tuple(row) == (80.0, 0.0, "决定书落款日期为2025年5月6日，当日公开", "张三")
    # a second review: the latest override wins, the export shows the current adjustment
    export_review(assessment, store, path, CAT)
    ws = load_workbook(path)[SHEET]
    r = _row(ws, "a", "penalty-decision", "timeliness")
    assert [ws.cell(row=r, column=c).value for c in (8, 9, 10)] == [0, 80, "决定书落款日期为2025年5月6日，当日公开"]
    _edit(path, {("a", "penalty-decision", "timeliness"): (60, "复核后调整")})
    import_review(assessment, store, path, "李四", CAT)
    t = run_scoring(store, assessment).item("a", "penalty-decision").criteria["timeliness"]
    assert (t.value, t.original, t.author) == (60.0, 0.0, "李四")


@pytest.mark.parametrize(
    "cell, value, reason, message",
    [
        (("a", "penalty-decision", "timeliness"), 80, None, "the adjustment has no reason (调整理由); every adjustment needs one"),
        (("a", "penalty-decision", "timeliness"), 80, "   ", "the adjustment has no reason (调整理由); every adjustment needs one"),
        (("a", "penalty-decision", "timeliness"), 120, "x", "adjusted value 120 is out of range; enter a number from 0 to 100"),
        (("a", "penalty-decision", "timeliness"), -1, "x", "adjusted value -1 is out of range; enter a number from 0 to 100"),
        (("a", "penalty-decision", "timeliness"), "高", "x", "adjusted value '高' is not a number; enter a number from 0 to 100"),
        (("a", "penalty-decision", "timeliness"), None, "理由", "a reason is given but no adjusted value (调整值)"),
        (("a", "enforcement-decision", "coverage"), 50, "x",
         "the item is not scored for this site (status nothing_to_publish); it cannot be adjusted"),
        (("a", "penalty-process", "coverage"), 50, "x", "the item is not scored for this site (status not_assessable); it cannot be adjusted"),
    ],
)
def test_invalid_rows_are_rejected_with_row_numbers(scored, cell, value, reason, message) -> None:
    store, assessment, path = scored
    good = ("b", "air-quality", "coverage")
    _edit(path, {cell: (value, reason), good: (50, "valid row")})
    row = _row(load_workbook(path)[SHEET], *cell)
    with pytest.raises(ConfigError) as err:
        import_review(assessment, store, path, "张三", CAT)
    assert str(err.value) == (f"{path}: 1 invalid row(s) in sheet '评分复核'; nothing was imported "
                              f"(correct them and import again):\n  row {row}: {message}")
    assert _overrides(store) == 0  # the valid row was not imported either


def test_unknown_site_item_criterion_all_reported(scored) -> None:
    store, assessment, path = scored
    wb = load_workbook(path)
    ws = wb[SHEET]
    for row, col, value in ((2, 1, "zz"), (3, 3, "no-such-item"), (4, 5, "beauty")):
        ws.cell(row=row, column=col, value=value)
        ws.cell(row=row, column=11, value=50)
        ws.cell(row=row, column=12, value="x")
    wb.save(path)
    with pytest.raises(ConfigError) as err:
        import_review(assessment, store, path, "张三", CAT)
    assert str(err.value).split("\n")[1:] == [
        "  row 2: unknown site 'zz' (not in the assessment)",
        "  row 3: unknown item 'no-such-item' (not in catalogue test-catalogue)",
        "  row 4: unknown criterion 'beauty'; use coverage, timeliness or completeness",
    ]
    assert str(err.value).split("\n")[0].endswith("3 invalid row(s) in sheet '评分复核'; nothing was imported (correct them and import again):")
    assert _overrides(store) == 0


@pytest.mark.parametrize(
    "meta, message",
    [
        ({"round": "2024"}, "the workbook was exported for assessment '测试省评估' round '2024', not for '测试省评估' round "
                            "'2025'. Export a review workbook for this assessment and round and enter the adjustments there"),
        ({"assessment": "另一评估"}, "the workbook was exported for assessment '另一评估' round '2025', not for '测试省评估' "
                                  "round '2025'. Export a review workbook for this assessment and round and enter the adjustments there"),
        ({"catalogue": "mee-2019"}, "the workbook was exported for catalogue 'mee-2019', not 'test-catalogue'. "
                                    "Export a new review workbook with the assessment's catalogue"),
    ],
)
def test_workbook_for_another_assessment_or_round(scored, meta, message) -> None:
    store, assessment, path = scored
    _edit(path, {("a", "penalty-decision", "timeliness"): (80, "x")}, meta=meta)
    with pytest.raises(ConfigError) as err:
        import_review(assessment, store, path, "张三", CAT)
    assert str(err.value) == f"{path}: {message}"
    assert _overrides(store) == 0


def test_workbook_without_meta_or_not_xlsx(scored, tmp_path) -> None:
    store, assessment, path = scored
    wb = load_workbook(path)
    del wb[META_SHEET]
    wb.save(path)
    with pytest.raises(ConfigError, match=r"the workbook has no '评分复核' and 'meta' sheets\. Import the workbook written by"):
        import_review(assessment, store, path, "张三", CAT)
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bogus\.xlsx: not an Excel workbook \(\w+\)\. Import the \.xlsx written by"):
        import_review(assessment, store, bogus, "张三", CAT)
    with pytest.raises(ConfigError, match="--author: an author is required"):
        import_review(assessment, store, path, " ", CAT)


def test_changed_header_is_rejected(scored) -> None:
    store, assessment, path = scored
    wb = load_workbook(path)
    wb[SHEET].cell(row=1, column=11, value="new value")
    wb.save(path)
    with pytest.raises(ConfigError, match="the header row of sheet '评分复核' was changed. Keep the columns as exported"):
        import_review(assessment, store, path, "张三", CAT)


def test_export_needs_scores(tmp_path) -> None:
    with pytest.raises(StoreError, match="no scores for round '2025' in the store; run `evaluator score`"):
        export_review(make_assessment(), open_store(tmp_path), tmp_path / "r.xlsx", CAT)


def test_import_is_one_transaction(scored) -> None:
    """A failure while writing the overrides leaves none behind."""
    store, assessment, path = scored
    _edit(path, {("a", "penalty-decision", "timeliness"): (80, "x"), ("a", "penalty-decision", "coverage"): (90, "y")})
    calls = {"n": 0}

    def fail_on_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO overrides"):
            calls["n"] += 1
            raise RuntimeError("disk full")

    event.listen(store.engine, "before_cursor_execute", fail_on_insert)
    try:
        with pytest.raises(Exception, match="disk full"):
            import_review(assessment, store, path, "张三", CAT)
    finally:
        event.remove(store.engine, "before_cursor_execute", fail_on_insert)
    assert calls["n"] == 1 and _overrides(store) == 0
