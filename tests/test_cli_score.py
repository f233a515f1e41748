"""CLI: evaluator classify / explain / score / review export|import, exit codes and messages."""

from __future__ import annotations

import csv
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from evaluator.cli import _register, app, main
from evaluator.store import Store, schema
from tests._scoring_fixtures import StoreBuilder

_register()
runner = CliRunner(env={"COLUMNS": "250"})
PENALTY_URL = "http://a.example.gov.cn/xxgk/xzcf/202505/t20250506_1.html"
ASSESSMENT = """\
name: 测试省评估
round: "2025"
catalogue: mee-2019
rubric: default
period: {start: 2025-01-01, end: 2025-12-31}
reference_date: 2026-01-15
store: sqlite:///STORE
output_dir: out
sites:
  - id: a
    name: A市生态环境局
    region: A市
    base_url: http://a.example.gov.cn/
  - id: b
    name: B市生态环境局
    region: B市
    base_url: http://b.example.gov.cn/
"""


@pytest.fixture()
def project(tmp_path):
    db = tmp_path / "store.db"
    path = tmp_path / "assessment.yaml"
    path.write_text(ASSESSMENT.replace("STORE", str(db)), encoding="utf-8")
    store = Store.open(f"sqlite:///{db}")
    b = StoreBuilder(store)
    for sid in "ab":
        b.observed(sid)
    b.doc("a", "某化工有限公司行政处罚决定书", url=PENALTY_URL, column_path="政府信息公开 > 行政处罚决定",
          publish="2025-05-06", formation="2025-04-01", body="当事人：某公司。违法事实：超标排放。")
    b.doc("a", "关于某项目环境影响报告表的批复", column_path="政府信息公开 > 通知公告", publish="2025-03-03")
    b.doc("b", "机构职能", column_path="政府信息公开 > 机构概况", publish="2025-03-03")  # no item
    store.close()
    return tmp_path, path, db


def _count(db, table) -> int:
    store = Store.open(f"sqlite:///{db}")
    try:
        with store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar()
    finally:
        store.close()


def _error(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    return " ".join(capsys.readouterr().err.split())


def test_score_classifies_then_scores_and_writes_files(project) -> None:
    tmp, path, db = project
    res = runner.invoke(app, ["score", str(path)])
    assert res.exit_code == 0, res.output
    assert "classified: 2 classifications" in res.output
    assert "排名 Ranking" in res.output
    out = tmp / "out" / "2025"
    rows = list(csv.DictReader((out / "scores.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 2 * 25 * 4
    row = next(r for r in rows if r["site_id"] == "a" and r["item_id"] == "penalty-decision" and r["criterion"] == "timeliness")
    assert (row["status"], float(row["value"])) == ("scored", 0.0)  # 04-01 -> 05-06 is 22 working days
    assert "1件超过20个工作日公开，平均滞后22个工作日" in row["findings"]
    assert row["evidence_urls"] == PENALTY_URL
    data = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert [s["site_id"] for s in data["sites"]] == ["a", "b"] and data["sites"][0]["rank"] == 1
    n = _count(db, schema.scores)
    assert runner.invoke(app, ["score", str(path), "--reclassify"]).exit_code == 0
    assert _count(db, schema.scores) == n == 2 * 25 * 4


def test_classify_command(project) -> None:
    _, path, db = project
    res = runner.invoke(app, ["classify", str(path)])
    assert res.exit_code == 0, res.output
    assert "2 classifications stored" in res.output
    assert _count(db, schema.classifications) == 2


def test_explain_command(project) -> None:
    _, path, _ = project
    res = runner.invoke(app, ["explain", PENALTY_URL, "-a", str(path)])
    assert res.exit_code == 0, res.output
    assert "尚未运行分类" in res.output and "penalty-decision" in res.output
    runner.invoke(app, ["score", str(path)])
    res = runner.invoke(app, ["explain", PENALTY_URL, "-a", str(path)])
    text = " ".join(res.output.split())
    assert "依据 method: column_alias 规则 rule: column_alias: 行政处罚决定 ⊂ 行政处罚决定 置信度 confidence: 0.9" in text
    assert re.search(r"状态 status: scored 覆盖性 100\.0 及时性 0\.0 完整性 \d+\.\d 事项得分 \d+\.\d", text)
    assert "[及时性] 1件超过20个工作日公开，平均滞后22个工作日，最长滞后22个工作日。" in text


def test_explain_unknown_url(project, capsys) -> None:
    _, path, _ = project
    assert _error(capsys, ["explain", "http://nowhere/x.html", "-a", str(path)]) == (
        "error: no document with URL 'http://nowhere/x.html' in round '2025' of the store; check the URL "
        "(as crawled, with http/https) or crawl the site first")


def test_review_round_trip(project, capsys) -> None:
    tmp, path, db = project
    assert runner.invoke(app, ["score", str(path)]).exit_code == 0
    xlsx = tmp / "review.xlsx"
    res = runner.invoke(app, ["review", "export", str(path), "-o", str(xlsx)])
    assert res.exit_code == 0 and f"{2 * 25 * 3} score rows written" in res.output
    wb = load_workbook(xlsx)
    ws = wb["评分复核"]
    row = next(n for n, r in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2)
               if (r[0], r[2], r[4]) == ("a", "penalty-decision", "timeliness"))
    ws.cell(row=row, column=11, value=100)
    ws.cell(row=row, column=12, value="形成日期录入错误，实为2025年4月30日")
    wb.save(xlsx)
    res = runner.invoke(app, ["review", "import", str(path), str(xlsx), "--author", "张三"])
    assert res.exit_code == 0, res.output
    assert "1 adjustment(s) imported" in res.output
    rows = list(csv.DictReader((tmp / "out" / "2025" / "scores.csv").open(encoding="utf-8-sig")))
    r = next(r for r in rows if r["site_id"] == "a" and r["item_id"] == "penalty-decision" and r["criterion"] == "timeliness")
    assert (r["value"], r["original_value"], r["override_reason"], r["override_author"]) == (
        "100.0", "0.0", "形成日期录入错误，实为2025年4月30日", "张三")
    assert _count(db, schema.overrides) == 1
    ws.cell(row=row, column=12).value = None
    wb.save(xlsx)
    msg = _error(capsys, ["review", "import", str(path), str(xlsx), "--author", "张三"])
    assert msg == (f"error: {xlsx}: 1 invalid row(s) in sheet '评分复核'; nothing was imported (correct them and "
                   f"import again): row {row}: the adjustment has no reason (调整理由); every adjustment needs one")
    assert _count(db, schema.overrides) == 1
