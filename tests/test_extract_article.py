"""extract_article over the saved pages in tests/pages and over small label-layout cases."""

from __future__ import annotations

from datetime import date

import pytest

from crawlers import Article, extract_article
from crawlers.model import Attachment
from evaluator.errors import ConfigError
from tests._extraction_fixtures import PageCase, load_cases

ARTICLE_CASES = load_cases("article")
FIELD_NAMES = ("title", "publish_date", "formation_date", "doc_number", "index_number", "publisher", "topic", "column_path")


def _extract(case: PageCase) -> Article:
    return extract_article(case.data, case.url, case.headers, status=case.status)


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_saved_article_fields(case: PageCase) -> None:
    article = _extract(case)
    expected = case.expected
    assert article.family == expected["family"]
    assert article.blocked == expected.get("blocked", False)
    if "encoding" in expected:
        assert article.encoding == expected["encoding"]
    got = article.to_dict()
    for name, value in expected.get("fields", {}).items():
        assert name in FIELD_NAMES, f"{case.name}: unknown field {name} in expected file"
        assert got[name] == value, f"{case.name}: {name}"
    for name, source in expected.get("sources", {}).items():
        assert article.sources.get(name) == source, f"{case.name}: source of {name}"


@pytest.mark.parametrize("case", [c for c in ARTICLE_CASES if "body_contains" in c.expected], ids=lambda c: c.name)
def test_saved_article_body(case: PageCase) -> None:
    article = _extract(case)
    for snippet in case.expected["body_contains"]:
        assert snippet in article.body_text, f"{case.name}: body lacks {snippet!r}"
    for snippet in case.expected.get("body_not_contains", []):
        assert snippet not in article.body_text, f"{case.name}: body has boilerplate {snippet!r}"


@pytest.mark.parametrize("case", [c for c in ARTICLE_CASES if "attachments" in c.expected], ids=lambda c: c.name)
def test_saved_article_attachments(case: PageCase) -> None:
    article = _extract(case)
    assert [a.__dict__ for a in article.attachments] == case.expected["attachments"]


def test_text_input_equals_bytes_input() -> None:
    case = next(c for c in ARTICLE_CASES if c.name == "trs_xxgk_table")
    from_text = extract_article(case.data.decode("utf-8"), case.url)
    from_bytes = extract_article(case.data, case.url)
    assert from_text.encoding is None and from_bytes.encoding == "utf-8"
    from_text.encoding = from_bytes.encoding
    assert from_text == from_bytes


def _page(head: str = "", body: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}<title>测试标题_某市生态环境局</title></head><body>{body}</body></html>"


BODY = "<div id='zoom'><p>这是一段足够长的正文内容，用来确认正文提取工作正常并且不会混入元数据。</p></div>"


@pytest.mark.parametrize(
    ("markup", "field", "value", "source"),
    [
        # meta wins; Maketime is never a publication date
        ("<meta name='Maketime' content='2019-03-22'><meta name='PubDate' content='2016-11-22'>", "publish_date", date(2016, 11, 22), "meta"),
        ("<meta name='MakeTime' content='2019-03-22 10:00'>", "publish_date", None, None),
        ("<meta name='PubDate' content='2020年08月02日'>", "publish_date", date(2020, 8, 2), "meta"),
        ("<meta name='ArticleTitle' content='关于印发某办法的通知'>", "title", "关于印发某办法的通知", "meta"),
    ],
)
def test_meta_fields(markup: str, field: str, value: object, source: str | None) -> None:
    article = extract_article(_page(markup, BODY), "http://example.gov.cn/a.html")
    assert getattr(article, field) == value
    assert article.sources.get(field) == source


@pytest.mark.parametrize(
    ("block", "field", "value"),
    [
        ("<table><tr><td>索引号：</td><td>000014348/2020-35147</td></tr></table>", "index_number", "000014348/2020-35147"),
        ("<table><tr><td>索引号</td><td>：00001434-9/2024-01</td></tr></table>", "index_number", "00001434-9/2024-01"),
        ("<p><strong>发文字号</strong>：环办综合函〔2021〕495号</p>", "doc_number", "环办综合函〔2021〕495号"),
        ("<dl><dt>文号：</dt><dd>生态环境部令第26号</dd></dl>", "doc_number", "生态环境部令第26号"),
        ("<ul><li><span>文号：</span>宁环(高)建〔2026〕39号</li></ul>", "doc_number", "宁环(高)建〔2026〕39号"),
        ("<ul><li><span>文号：</span>某环发（2024）7号</li></ul>", "doc_number", "某环发（2024）7号"),
        ("<ul><li>文号：无</li></ul>", "doc_number", None),
        ("<div>成文日期：2024年3月1日</div>", "formation_date", date(2024, 3, 1)),
        ("<div>成文日期：２０２４－０３－０１</div>", "formation_date", date(2024, 3, 1)),
        ("<!-- <div>成文日期：2024-03-01</div> -->", "formation_date", None),
        ("<div>发布机构：某市生态环境局</div><div>来源：某市人民政府网</div>", "publisher", "某市生态环境局"),
        ("<div>来源：某市生态环境局 发布时间：2024-01-22 11:40:11 浏览次数：12</div>", "publisher", "某市生态环境局"),
        ("<div>来源：某市生态环境局 发布时间：2024-01-22 11:40:11 浏览次数：12</div>", "publish_date", date(2024, 1, 22)),
        ("<div><span alt='时间：2017-11-08 20:26'>2019-09-18 06:23</span></div>", "publish_date", date(2019, 9, 18)),
        ("<div>主题分类：环境监测</div>", "topic", "环境监测"),
        ("<div>来源：某市生态环境局<span>发布时间：2024-01-22</span></div>", "publisher", "某市生态环境局"),
        ("<div>来源：某市生态环境局<span>发布时间：2024-01-22</span></div>", "publish_date", date(2024, 1, 22)),
        ("<div>资金来源：财政拨款</div>", "publisher", None),
    ],
)
def test_label_layouts(block: str, field: str, value: object) -> None:
    body = f"<h1>测试标题</h1>{block}{BODY}"
    article = extract_article(_page("", body), "http://example.gov.cn/a.html")
    assert getattr(article, field) == value


def test_publish_date_falls_back_to_url() -> None:
    article = extract_article(_page("", BODY), "http://example.gov.cn/tzgg/202403/t20240305_123.html")
    assert (article.publish_date, article.sources["publish_date"]) == (date(2024, 3, 5), "url")


def test_time_label_inside_body_is_content_not_metadata() -> None:
    body = "<h1>测试标题</h1><div id='zoom'><p>关于召开会议的通知，请各单位准时参加本次会议。</p><p>时间：2024年5月1日上午9点</p></div>"
    article = extract_article(_page("", body), "http://example.gov.cn/a.html")
    assert article.publish_date is None


@pytest.mark.parametrize(
    ("ending", "expected"),
    [
        ("<p>某市生态环境局</p><p>2024年3月5日</p>", date(2024, 3, 5)),
        ("<p>某市生态环境局</p><p>二〇二四年三月五日</p><p>（此件公开发布）</p>", date(2024, 3, 5)),
        ("<p>某市生态环境局</p><p>二〇二三年十二月三十一日</p>", date(2023, 12, 31)),
        ("<p>联系电话：0571-87654321，2024年3月5日前报送。</p>", None),
    ],
)
def test_formation_date_under_signature(ending: str, expected: date | None) -> None:
    body = f"<h1>测试标题</h1><div class='TRS_Editor'><p>现将有关事项通知如下，请认真贯彻执行并按时报送材料。</p>{ending}</div>"
    article = extract_article(_page("", body), "http://example.gov.cn/a.html")
    assert article.formation_date == expected
    if expected:
        assert article.sources["formation_date"] == "signature"


@pytest.mark.parametrize(
    ("title_tag", "metas", "expected"),
    [
        ("关于开展环境日活动的通知_某市生态环境局", "", "关于开展环境日活动的通知"),
        ("关于开展环境日活动的通知 - 某市生态环境局", "", "关于开展环境日活动的通知"),
        ("某市生态环境局 通知公告 关于开展环境日活动的通知", "<meta name='ColumnName' content='通知公告'>", "关于开展环境日活动的通知"),
        ("某市生态环境局开展六五环境日宣传活动-某市生态环境局", "", "某市生态环境局开展六五环境日宣传活动"),
        ("某市生态环境局", "", "某市生态环境局"),
    ],
)
def test_title_from_title_tag(title_tag: str, metas: str, expected: str) -> None:
    html = f"<html><head>{metas}<title>{title_tag}</title></head><body>{BODY}</body></html>"
    article = extract_article(html, "http://example.gov.cn/a.html")
    assert (article.title, article.sources["title"]) == (expected, "title_tag")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<h1>某市生态环境局</h1><h2>关于开展环境日活动的通知</h2>", "关于开展环境日活动的通知"),
        ("<div class='logo'><h1>某市生态环境局</h1></div><div id='title'>关于开展环境日活动的通知</div>", "关于开展环境日活动的通知"),
        ("<h1>网站首页</h1><h1>关于开展环境日活动的通知（第二次）</h1>", "关于开展环境日活动的通知（第二次）"),
    ],
)
def test_title_from_heading_not_logo(body: str, expected: str) -> None:
    html = f"<html><head><title>关于开展环境日活动的通知_某市生态环境局</title></head><body>{body}{BODY}</body></html>"
    article = extract_article(html, "http://example.gov.cn/a.html")
    assert (article.title, article.sources["title"]) == (expected, "heading")


PARAGRAPH = "<p>经研究，现就加强建设项目环境影响评价事中事后监管有关事项通知如下，请认真贯彻落实。</p>"


@pytest.mark.parametrize(
    ("body", "source", "excluded"),
    [
        # a wrapper with the same class around the real body (and a sidebar) is not the body
        (f"<div class='content'><div class='side'>热点推荐 某某新闻标题</div><div class='content'>{PARAGRAPH}</div></div>", "selector", "热点推荐"),
        (f"<div class='TRS_Editor'>{PARAGRAPH}</div><div class='content'>相关阅读：某某新闻标题很长的一段文字内容</div>", "selector", "相关阅读"),
        # no known container: the block with the most paragraph text
        (f"<div class='nav'><a href='/a'>首页</a><a href='/b'>机构概况</a></div><div class='wz'>{PARAGRAPH * 3}</div><div class='foot'>主办单位：某市生态环境局</div>", "density", "主办单位"),
        # Hanweb markers in the raw markup win over selectors
        (f"<div id='zoom'>外层<!--ZJEG_RSS.content.begin-->{PARAGRAPH}<!--ZJEG_RSS.content.end-->分享到</div>", "marker", "外层"),
    ],
)
def test_body_boundaries(body: str, source: str, excluded: str) -> None:
    article = extract_article(_page("", body), "http://example.gov.cn/a.html")
    assert article.sources["body_text"] == source
    assert "事中事后监管" in article.body_text
    assert excluded not in article.body_text


def test_attachment_extension_from_filename_and_showname() -> None:
    body = (
        "<h1>测试标题</h1>" + BODY
        + "<a href='/module/download/downfile.jsp?classid=0&filename=ab12cd34ef56ab12cd34ef56ab12cd34.xls'>附件2：监测数据</a>"
        + "<a href='/module/download/downfile.jsp?classid=0&showname=%E5%90%8D%E5%8D%95.wps&filename=x'></a>"
        + "<a href='javascript:void(0)'>名单.pdf</a><a href='/about.html'>关于我们</a>"
    )
    article = extract_article(_page("", body), "http://example.gov.cn/art/2024/3/5/art_1_2.html")
    assert article.attachments == [
        Attachment(
            "http://example.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12cd34ef56ab12cd34ef56ab12cd34.xls",
            "监测数据",
            "xls",
        ),
        Attachment(
            "http://example.gov.cn/module/download/downfile.jsp?classid=0&showname=%E5%90%8D%E5%8D%95.wps&filename=x",
            "名单.wps",
            "wps",
        ),
    ]


def test_untrusted_markup_is_bounded_and_does_not_raise() -> None:
    huge_title = "标" * 5000
    html = f"<html><head><meta name='ArticleTitle' content='{huge_title}'></head><body><div id='zoom'>{'<div>' * 300}</div></body></html>"
    article = extract_article(html, "http://example.gov.cn/a.html")
    assert len(article.title) == 500


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02", "<?xml version='1.0' encoding='gbk'?><html><body>x</body></html>"])
def test_odd_input_gives_empty_article(data: bytes | str) -> None:
    article = extract_article(data, "http://example.gov.cn/a.html")
    assert article.title == "" and article.publish_date is None and not article.blocked


def test_family_override_and_unknown_family() -> None:
    assert extract_article(_page("", BODY), "http://example.gov.cn/a.html", family="hanweb").family == "hanweb"
    with pytest.raises(ConfigError) as error:
        extract_article(_page("", BODY), "http://example.gov.cn/a.html", family="wordpress")
    assert str(error.value) == "family: unknown CMS family 'wordpress'. Use one of: trs, hanweb, gkmlpt, generic"


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    import evaluator.cli.extract  # noqa: F401  (registers the command until the lead adds it to _register)
    from evaluator.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_cli_extract_article_from_file(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tests._extraction_fixtures import PAGES

    case = next(c for c in ARTICLE_CASES if c.name == "hanweb_article_gbk")
    code, out, _ = _cli(["extract", str(PAGES / "hanweb_article_gbk.html"), "--url", case.url], capsys)
    assert code == 0
    data = json.loads(out)
    assert (data["title"], data["formation_date"], data["encoding"]) == (
        "关于印发《盐城市2024年大气污染防治工作计划》的通知",
        "2024-03-05",
        "gb18030",
    )


def test_cli_extract_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(["extract", "no/such/page.html"], capsys)
    assert code == 2
    assert err.strip() == "error: no/such/page.html: no such file. Give a saved page or an http(s):// URL"
