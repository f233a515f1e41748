"""scores.xlsx, scores.csv and scores.json from the report builder."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook

from reports import build_reports, load_report_data
from tests._report_fixtures import OVERRIDE_REASON, build_province

N_CITIES = 6
N_ITEMS = 25


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("report_tables")
    province = build_province(root / "store.db", N_CITIES)
    paths = build_reports(province.assessment, province.store, formats=("xlsx", "csv", "json"), out_dir=root / "out")
    data = load_report_data(province.assessment, province.store)
    yield {"paths": {p.name: p for p in paths}, "data": data, "province": province}
    province.store.close()


def test_files_written(built) -> None:
    assert sorted(built["paths"]) == ["scores.csv", "scores.json", "scores.xlsx"]
    assert all(p.parent.name == "2025" for p in built["paths"].values())


@pytest.mark.parametrize(
    ("sheet", "rows", "first_header"),
    [
        ("排名", N_CITIES, "排名"),
        ("全部得分", N_CITIES * N_ITEMS * 4, "评估轮次"),
        ("评估发现", None, "城市编号"),
        ("证据", None, "城市编号"),
        ("人工调整", 1, "城市编号"),
        ("抓取失败", None, "城市编号"),
    ],
)
def test_xlsx_sheets(built, sheet: str, rows: int | None, first_header: str) -> None:
    ws = load_workbook(built["paths"]["scores.xlsx"])[sheet]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws["A1"].value == first_header and ws["A1"].font.bold
    if rows is not None:
        assert ws.max_row - 1 == rows
    else:
        assert ws.max_row > 1


def test_xlsx_ranking_values_and_formats(built) -> None:
    ws = load_workbook(built["paths"]["scores.xlsx"])["排名"]
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["排名", "城市编号", "城市", "地区", "总分"] and "较上轮变化" in headers
    ranking = built["data"].ranking
    for row, expected in zip(ws.iter_rows(min_row=2), ranking.itertuples()):
        assert row[0].value == expected.rank and row[1].value == expected.site_id
        assert row[4].value == pytest.approx(expected.total) and row[4].number_format == "0.0"
    aspect_col = headers.index("行政许可")
    assert ws.cell(row=2, column=aspect_col + 1).number_format == "0.0"


def test_xlsx_override_sheet(built) -> None:
    ws = load_workbook(built["paths"]["scores.xlsx"])["人工调整"]
    row = [c.value for c in ws[2]]
    assert row[:3] == ["linjiang", "eia-approval", "timeliness"]
    assert row[4] == 100.0 and row[5] == OVERRIDE_REASON and row[6] == "张评估"
    assert row[7] == "2025-07-20T09:00:00+00:00"  # the latest of the two overrides entered


def test_csv_has_every_score(built) -> None:
    with built["paths"]["scores.csv"].open(encoding="utf-8") as handle:
        assert handle.read(1) == "\ufeff"
        rows = list(csv.DictReader(handle))
    assert len(rows) == N_CITIES * N_ITEMS * 4
    statuses = {r["status"] for r in rows}
    assert statuses == {"scored", "not_applicable", "not_assessable", "incomplete_observation", "nothing_to_publish"}
    overridden = [r for r in rows if r["override_reason"]]
    assert {(r["site_id"], r["item_id"], r["criterion"]) for r in overridden} == {
        ("linjiang", "eia-approval", "timeliness")}
    assert float(overridden[0]["value"]) == 100.0 and overridden[0]["original_value"]
    first_site = rows[0]["site_id"]
    assert first_site == built["data"].ranking.iloc[0]["site_id"]  # rows in ranking order


def test_json_matches_store(built) -> None:
    document = json.loads(built["paths"]["scores.json"].read_text(encoding="utf-8"))
    assert document["round"] == "2025" and document["catalogue"] == "mee-2019"
    sites = document["sites"]
    ranking = built["data"].ranking
    assert [s["site_id"] for s in sites] == list(ranking["site_id"])
    assert [s["total"] for s in sites] == pytest.approx(list(ranking["total"]))
    linjiang = next(s for s in sites if s["site_id"] == "linjiang")
    eia = next(i for i in linjiang["items"] if i["item_id"] == "eia-approval")
    timeliness = eia["criteria"]["timeliness"]
    assert timeliness["value"] == 100.0 and timeliness["override_reason"] == OVERRIDE_REASON
    assert timeliness["original_value"] is not None and timeliness["original_value"] < 100
    assert eia["criteria"]["coverage"]["findings"][0]["evidence"][0]["url"].startswith("https://")
