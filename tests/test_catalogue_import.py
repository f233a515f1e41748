"""Importing published catalogues (rubrics/importer.py): every table shape of docs/catalogue.md.

The tables are built here, in the shapes seen in province and city catalogues: merged 一级 cells,
two-row headers with √ sub-columns, 公开层级 columns, ■/□ channel lists, Guangdong labels,
一级目录 / 三级事项 levels, section-heading rows, GBK pages, XLSX with merged ranges.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator.errors import ConfigError
from rubrics import load_catalogue
from rubrics.importer import Unmapped, import_catalogue, write_import

TWO_ROW_HEADER = """<html><head><meta charset="{charset}"><title>某市生态环境局基层政务公开标准目录</title></head><body>
<table><tr><td><a href="/">首页</a></td></tr></table>
<table border="1">
<tr><th rowspan="2">序号</th><th colspan="2">公开事项</th><th rowspan="2">公开内容（要素）</th><th rowspan="2">公开依据</th>
<th rowspan="2">公开时限</th><th rowspan="2">公开主体</th><th rowspan="2">公开渠道和载体</th><th colspan="2">公开对象</th>
<th colspan="2">公开方式</th><th colspan="3">公开层级</th><th rowspan="2">备注</th></tr>
<tr><th>一级事项</th><th>二级事项</th><th>全社会</th><th>特定群体</th><th>主动</th><th>依申请</th><th>市级</th><th>县级</th><th>乡级</th></tr>
<tr><td>1</td><td rowspan="3">行政许可</td><td>建设项目环境影响评价文件审批</td>
<td>1.受理情况公示；2.拟审查环评文件基本情况公示；3.环评批复</td><td>《中华人民共和国环境影响评价法》《中华人民共和国政府信息公开条例》</td>
<td>自该信息形成或者变更之日起20个工作日内</td><td>市生态环境局</td><td>■政府网站 □政府公报 ■两微一端 □发布会/听证会 □广播电视 □纸质媒体</td>
<td>√</td><td></td><td>√</td><td></td><td>√</td><td>√</td><td></td><td></td></tr>
<tr><td>2</td><td>危险废物经营许可证</td><td>受理通知书；征求意见、决定前公示；许可证信息公示</td><td>《危险废物经营许可证管理办法》</td>
<td>信息形成或变更之日起20个工作日内</td><td>市生态环境局</td><td>■政府网站 ■政务服务中心</td>
<td>√</td><td></td><td>√</td><td></td><td>√</td><td></td><td></td><td>需附许可证</td></tr>
<tr><td>3</td><td>固定污染源排污登记</td><td>登记信息</td><td>《排污许可管理条例》</td>
<td>视情况而定</td><td>市生态环境局</td><td>政府网站、政务新媒体、电子显示屏、墙报</td>
<td>√</td><td></td><td>√</td><td></td><td>√</td><td>√</td><td>√</td><td></td></tr>
<tr><td>4</td><td rowspan="2">行政处罚、行政强制和行政命令</td><td>行政处罚流程</td><td>行政处罚事先告知书；听证通知书</td><td>《环境行政处罚办法》</td>
<td>自收到申请之日起20个工作日内</td><td>市生态环境局</td><td>■精准推送</td>
<td></td><td>√</td><td></td><td>√</td><td>√</td><td></td><td></td><td></td></tr>
<tr><td>5</td><td>行政处罚决定</td><td>行政处罚决定书全文</td><td>《中华人民共和国行政处罚法》、国办发〔2017〕42号</td>
<td>制定或获取信息之日起二十个工作日内</td><td>市生态环境局</td><td>■政府网站</td>
<td>√</td><td></td><td>√</td><td></td><td>√</td><td>√</td><td></td><td></td></tr>
</table></body></html>"""

GUANGDONG_STYLE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>目录</title></head><body>
<table>
<caption>某区生态环境领域基层政务公开标准目录</caption>
<tr><td>序号</td><td>一级目录</td><td>一级事项</td><td>二级事项</td><td>三级事项</td><td>公开内容</td><td>公开依据</td><td>公开时限</td>
<td>责任部门</td><td>公开对象</td><td>公开方式</td><td>公开渠道</td><td>更新情况</td></tr>
<tr><td>1</td><td rowspan="4">生态环境</td><td rowspan="2">公共服务事项</td><td rowspan="2">信访与投诉举报办理</td><td>受理情况</td>
<td>12369受理情况</td><td>信访工作条例</td><td>每季度</td><td>执法科</td><td>全社会</td><td>主动公开</td><td>政府网站</td><td>已更新</td></tr>
<tr><td>2</td><td>办理结果</td><td>办理结果</td><td>信访工作条例</td><td>至少1次/半年</td><td>执法科</td><td>全社会</td><td>主动公开</td><td>政府网站</td><td></td></tr>
<tr><td>3</td><td rowspan="2">环境质量与污染源信息</td><td>生态环境状况公报</td><td></td><td>年度公报</td><td>环境保护法</td><td>每年6月5日前</td>
<td>监测科</td><td>全社会</td><td>主动公开</td><td>政府网站；两微一端</td><td></td></tr>
<tr><td>4</td><td>排污单位执法信息</td><td></td><td>执法信息</td><td>环境保护法</td><td>链接至市生态环境局对应栏目</td>
<td>执法科</td><td>特定群众</td><td>依申请公开</td><td>精准推送</td><td></td></tr>
</table></body></html>"""

SECTION_ROWS = """<html><head><meta charset="utf-8"></head><body><table>
<tr><th>序号</th><th>事项名称</th><th>公开内容</th><th>公开时限</th><th>公开主体</th><th>公开对象</th><th>公开方式</th>
<th>公开渠道和载体</th></tr>
<tr><td colspan="8">一、生态建设与环境管理</td></tr>
<tr><td>1</td><td>突发环境事件</td><td>应急预案；事件信息</td><td>按实际更新</td><td>区生态环境分局</td><td>全社会</td><td>主动</td>
<td><input type="checkbox" checked>政府网站<input type="checkbox">两微一端</td></tr>
<tr><td>2</td><td>污染防治工作动态</td><td>大气、水、土壤污染防治工作</td><td>至少1次/半年</td><td>区生态环境分局</td><td>全社会</td><td>主动</td>
<td><input type="checkbox" checked="checked">政府网站</td></tr>
<tr><td colspan="8">二、其他事项</td></tr>
<tr><td>3</td><td>政府信息公开工作年度报告</td><td>年度报告</td><td>每年1月31日前</td><td>区生态环境分局</td><td>全社会、特定群体</td>
<td>主动</td><td>政府网站</td></tr>
</table></body></html>"""


def _by_name(result, name: str):
    return next(item for item in result.catalogue.items if item.name == name)


@pytest.fixture
def two_row_page(tmp_path: Path) -> Path:
    path = tmp_path / "city-catalogue.html"
    path.write_bytes(TWO_ROW_HEADER.format(charset="gbk").encode("gbk"))
    return path


def test_two_row_header_with_merged_aspects(two_row_page: Path) -> None:
    result = import_catalogue(two_row_page)
    catalogue = result.catalogue
    assert catalogue.id == "city-catalogue"
    assert catalogue.title == "某市生态环境局基层政务公开标准目录"
    assert [(a.id, a.name) for a in catalogue.aspects] == [
        ("licensing", "行政许可"), ("enforcement", "行政处罚、行政强制和行政命令"),
    ]  # fmt: skip
    assert list(catalogue.item_ids) == [
        "eia-approval", "hazardous-waste-permit", "item-03", "penalty-process", "penalty-decision",
    ]  # fmt: skip
    assert result.matched_ids == ("eia-approval", "hazardous-waste-permit", "penalty-process", "penalty-decision")
    assert [i.aspect for i in catalogue.items] == ["licensing"] * 3 + ["enforcement"] * 2


def test_matched_item_keeps_ids_hints_and_stages(two_row_page: Path) -> None:
    result = import_catalogue(two_row_page)
    eia = result.catalogue.item("eia-approval")
    known = load_catalogue("mee-2019").item("eia-approval")
    assert eia.completeness == "stages"
    assert eia.elements == known.elements  # stage order and cues stay; the published wording goes to notes
    assert eia.notes == "公开内容（原文）：1.受理情况公示;2.拟审查环评文件基本情况公示;3.环评批复"
    assert eia.hints.title_include == known.hints.title_include
    assert eia.hints.column_aliases[0] == "建设项目环境影响评价文件审批"
    assert eia.double_publicity and eia.provenance == "attested"
    assert eia.legal_basis == ("中华人民共和国环境影响评价法", "中华人民共和国政府信息公开条例")
    assert (eia.time_limit.kind, eia.time_limit.days) == ("workdays_from_formation", 20)
    assert eia.channels_required == ("政府网站", "两微一端")
    assert eia.channels_optional == ("政府公报", "发布会/听证会", "广播电视", "纸质媒体")
    assert eia.levels == ("市级", "县级")
    assert eia.subject == "市生态环境局"


def test_ticks_for_audience_and_mode(two_row_page: Path) -> None:
    result = import_catalogue(two_row_page)
    process = result.catalogue.item("penalty-process")
    assert (process.mode, process.audience, process.observable) == ("依申请", "特定群体", False)
    assert process.time_limit.kind == "workdays_from_receipt"
    decision = result.catalogue.item("penalty-decision")
    assert (decision.mode, decision.audience) == ("主动", "全社会")
    assert decision.time_limit.days == 20
    assert decision.legal_basis == ("中华人民共和国行政处罚法", "国办发〔2017〕42号")
    assert [e.name for e in decision.elements] == ["行政处罚决定书全文"]


def test_unmatched_item_and_unmapped_cells(two_row_page: Path) -> None:
    result = import_catalogue(two_row_page)
    other = result.catalogue.item("item-03")
    assert other.name == "固定污染源排污登记"
    assert other.hints.column_aliases == ("固定污染源排污登记",)
    assert other.hints.title_include == ("固定污染源排污登记",)
    assert (other.time_limit.kind, other.time_limit.text) == ("as_occurs", "视情况而定")
    assert other.channels_required == ("政府网站", "两微一端", "社区/企事业单位/村公示栏")
    assert other.levels == ("市级", "县级", "乡级")
    assert result.unmapped == [
        Unmapped(5, "公开渠道和载体", "墙报", "unknown channel; not recorded"),
        Unmapped(5, "公开时限", "视情况而定",
                 "time limit not understood; recorded as as_occurs (no deadline checked): edit it in the YAML"),
    ]  # fmt: skip
    hazardous = result.catalogue.item("hazardous-waste-permit")
    assert hazardous.notes.startswith("需附许可证")


def test_written_yaml_loads_and_lists_unmapped(two_row_page: Path, tmp_path: Path) -> None:
    result = import_catalogue(two_row_page)
    output = tmp_path / "out" / "city.yaml"
    report = write_import(result, output)
    assert report == tmp_path / "out" / "city.yaml.report.txt"
    loaded = load_catalogue(output)
    assert loaded.items == result.catalogue.items
    text = output.read_text(encoding="utf-8")
    assert "#   row 5, 公开时限: '视情况而定': time limit not understood" in text
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "5 items in 2 aspects; 4 matched to known ids; 2 cells not mapped."
    assert lines[3] == "row 5, 公开渠道和载体: '墙报': unknown channel; not recorded"


def test_guangdong_levels_labels_and_free_text() -> None:
    result = import_catalogue(GUANGDONG_STYLE.encode("utf-8"), catalogue_id="district-2024")
    catalogue = result.catalogue
    assert (catalogue.id, catalogue.title) == ("district-2024", "某区生态环境领域基层政务公开标准目录")
    # 一级目录 above 一级事项 is ignored; 一级事项 is the aspect.
    assert [(a.id, a.name) for a in catalogue.aspects] == [
        ("public-service", "公共服务事项"), ("environment-info", "环境质量与污染源信息"),
    ]  # fmt: skip
    complaints = catalogue.item("complaints")
    # Two 三级事项 rows make the elements of one 二级 item.
    assert [e.name for e in complaints.elements] == ["受理情况", "办理结果", "12369受理情况"]
    assert complaints.responsible == "执法科"
    assert (complaints.time_limit.kind, complaints.time_limit.period) == ("frequency", "quarter")
    bulletin = catalogue.item("env-bulletin")
    assert (bulletin.time_limit.month, bulletin.time_limit.day) == (6, 5)
    assert bulletin.channels_required == ("政府网站", "两微一端")
    enforcement = catalogue.item("item-03")
    assert (enforcement.mode, enforcement.audience) == ("依申请", "特定群体")  # 依申请公开 / 特定群众
    assert enforcement.time_limit.kind == "link_to_higher_level"
    assert enforcement.levels == ()
    assert Unmapped(3, "公开时限", "至少1次/半年", "the item has several time limits; kept '每季度'") in result.unmapped
    assert Unmapped(2, "更新情况", "已更新", "column not recognised; not imported") in result.unmapped
    assert Unmapped(2, "公开主体", "", "no 公开主体; recorded 市级生态环境部门") in result.unmapped
    assert result.source == "<bytes>"


def test_section_rows_checkboxes_and_both_audiences() -> None:
    result = import_catalogue(SECTION_ROWS.encode("utf-8"))
    catalogue = result.catalogue
    assert [(a.id, a.name) for a in catalogue.aspects] == [("eco-management", "生态建设与环境管理"), ("aspect-2", "其他事项")]
    emergencies = catalogue.item("emergencies")
    assert emergencies.event_driven and emergencies.time_limit.kind == "as_occurs"
    assert (emergencies.channels_required, emergencies.channels_optional) == (("政府网站",), ("两微一端",))
    assert emergencies.subject == "区生态环境分局"
    control = catalogue.item("pollution-control-work")
    assert (control.time_limit.kind, control.time_limit.period) == ("frequency", "half-year")
    assert [e.cues for e in control.elements] == [("大气", "土壤污染防治工作")]
    report = catalogue.item("item-03")
    assert (report.aspect, report.time_limit.kind, report.time_limit.month) == ("aspect-2", "annual_deadline", 1)
    assert report.audience == "全社会"
    assert Unmapped(6, "公开对象", "全社会、特定群体", "both 全社会 and 特定群体; kept 全社会") in result.unmapped


def test_xlsx_with_merged_ranges(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["本目录适用于市县两级"])
    ws = wb.create_sheet("目录")
    ws.append(["某市生态环境局政务公开标准目录"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "一级事项", "二级事项", "公开内容（要素）", "公开时限", "公开主体", "公开渠道和载体", "公开对象", "公开方式"])
    ws.append([1, "环境质量与污染源信息", "环境空气质量", "日报；月报", "每月10日前", "市生态环境局", "■政府网站□两微一端", "全社会", "主动"])
    ws.append([2, None, "水环境质量", "地表水；饮用水水源", "至少每月1次（次月10日前）", "市生态环境局", "■政府网站", "全社会", "主动"])
    ws.append([3, None, "环境监管重点单位名录", "名录", "每年3月31日前", "市生态环境局", "■政府网站", "全社会", "主动"])
    ws.merge_cells("B3:B5")
    path = tmp_path / "city.xlsx"
    wb.save(path)
    result = import_catalogue(path)
    assert result.table == "sheet 目录"
    catalogue = result.catalogue
    assert list(catalogue.item_ids) == ["air-quality", "water-quality", "key-units"]
    assert {i.aspect for i in catalogue.items} == {"environment-info"}
    air = catalogue.item("air-quality")
    assert (air.time_limit.period, air.time_limit.day) == ("month", 10)
    assert (air.channels_required, air.channels_optional) == (("政府网站",), ("两微一端",))
    water = catalogue.item("water-quality")
    assert (water.time_limit.period, water.time_limit.day) == ("month", 10)
    assert catalogue.item("key-units").time_limit.month == 3
    assert result.unmapped == []


class _Handler(http.server.BaseHTTPRequestHandler):
    body = TWO_ROW_HEADER.format(charset="gbk").replace('<meta charset="gbk">', "").encode("gbk")

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/gkml/catalogue.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=GBK")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_import_from_url_uses_the_http_charset(server: str) -> None:
    result = import_catalogue(f"{server}/gkml/catalogue.html", timeout=5)
    assert result.catalogue.id == "imported"
    assert result.catalogue.item("eia-approval").name == "建设项目环境影响评价文件审批"
    assert len(result.catalogue.items) == 5


def test_url_errors(server: str) -> None:
    with pytest.raises(ConfigError) as info:
        import_catalogue(f"{server}/missing.html", timeout=5)
    assert str(info.value).startswith(f"{server}/missing.html: cannot fetch the catalogue: 404 Client Error")
    assert str(info.value).endswith("Check the URL, or save the page and import the file")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body><p>no table</p></body></html>",
         "<bytes>: the page has no table. Import the page that shows the catalogue table, or its XLSX"),
        ("<html><body><table><tr><td>姓名</td><td>电话</td></tr><tr><td>张三</td><td>123</td></tr></table></body></html>"
         .encode(),
         "<bytes>: no catalogue table found: no table has the header cells of a catalogue (一级事项, 二级事项, 公开内容, "
         "公开时限 …). Add the missing header labels to rubrics/data/import_headers.yaml, or check that the page "
         "holds the table"),
        (b"PK\x03\x04broken", "<bytes>: cannot open the workbook: File is not a zip file. Save it again as .xlsx"),
    ],
)  # fmt: skip
def test_unusable_sources(content: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        import_catalogue(content)
    assert str(info.value) == message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        import_catalogue(tmp_path / "none.html")
    assert str(info.value) == (
        f"{tmp_path / 'none.html'}: no such file. Give the path of an HTML or XLSX file, or an http(s) URL"
    )


def _one_row_table(channels: str) -> bytes:
    return (
        "<table><tr><th>一级事项</th><th>二级事项</th><th>公开时限</th><th>公开主体</th><th>公开渠道和载体</th></tr>"
        f"<tr><td>行政许可</td><td>环评审批</td><td>按实际更新</td><td>市生态环境局</td><td>{channels}</td></tr></table>"
    ).encode()


@pytest.mark.parametrize(
    ("cell", "required", "optional", "unmapped"),
    [
        ("■政府网站 □政府公报 ■两微一端", ("政府网站", "两微一端"), ("政府公报",), []),
        ("■社区/企事业单位/村公示栏 □入户/现场", ("社区/企事业单位/村公示栏",), ("入户/现场",), []),
        ("☑政府网站☐发布会/听证会", ("政府网站",), ("发布会/听证会",), []),
        ("政府网站、政务新媒体；政务大厅", ("政府网站", "两微一端", "政务服务中心"), (), []),
        ("门户网站,微信公众号", ("政府网站", "两微一端"), (), []),
        ("□政府公报", ("政府网站",), ("政府公报",),
         [Unmapped(2, "公开渠道和载体", "□政府公报", "no required (■) channel; recorded 政府网站 as required")]),
        ("政府网站、墙报", ("政府网站",), (), [Unmapped(2, "公开渠道和载体", "墙报", "unknown channel; not recorded")]),
    ],
)  # fmt: skip
def test_channel_cells(cell: str, required: tuple, optional: tuple, unmapped: list) -> None:
    result = import_catalogue(_one_row_table(cell))
    item = result.catalogue.item("eia-approval")
    assert (item.channels_required, item.channels_optional) == (required, optional)
    assert [u for u in result.unmapped if u.column == "公开渠道和载体"] == unmapped
