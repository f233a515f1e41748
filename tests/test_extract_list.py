"""extract_list over the saved list pages, API responses and small pagination cases."""

from __future__ import annotations

from datetime import date

import pytest

from crawlers import ListPage, Request, extract_list
from crawlers.adapters import ADAPTERS, ListAdapter, get_adapter
from crawlers.adapters.hanweb import JpageParams, dataproxy_request, read_datastore
from crawlers.adapters.trs import trs_pager
from evaluator.errors import ConfigError
from tests._extraction_fixtures import PageCase, load_cases, request_dict

LIST_CASES = load_cases("list")


def _extract(case: PageCase) -> ListPage:
    return extract_list(case.data, case.url, case.headers, status=case.status, context=case.context, request=case.request)


@pytest.mark.parametrize("case", LIST_CASES, ids=lambda c: c.name)
def test_saved_list_items(case: PageCase) -> None:
    page = _extract(case)
    expected = case.expected
    assert page.family == expected["family"]
    assert page.blocked == expected.get("blocked", False)
    if "title" in expected:
        assert page.title == expected["title"]
    assert len(page.items) == expected["items_count"]
    for position, item in enumerate(expected.get("items", [])):
        got = page.items[item.get("index", position)]
        assert got.url == item["url"]
        assert got.title == item["title"]
        assert (got.date.isoformat() if got.date else None) == item["date"]


@pytest.mark.parametrize("case", LIST_CASES, ids=lambda c: c.name)
def test_saved_list_pagination(case: PageCase) -> None:
    page = _extract(case)
    expected = case.expected
    assert page.page_count == expected.get("page_count")
    urls = [r.url for r in page.next_requests]
    assert len(urls) == len(set((r.url, r.method, r.body) for r in page.next_requests)), "duplicate requests"
    if "next_count" in expected:
        assert len(page.next_requests) == expected["next_count"]
    if "next_urls_first" in expected:
        assert urls[: len(expected["next_urls_first"])] == expected["next_urls_first"]
    if "next_urls_last" in expected:
        assert urls[-1] == expected["next_urls_last"]
    if "next_requests_first" in expected:
        got = [request_dict(r) for r in page.next_requests[: len(expected["next_requests_first"])]]
        assert got == expected["next_requests_first"]


@pytest.mark.parametrize("case", [c for c in LIST_CASES if "columns_contains" in c.expected], ids=lambda c: c.name)
def test_saved_list_columns(case: PageCase) -> None:
    page = _extract(case)
    by_url = {c.url: c for c in page.columns}
    if "columns_count" in case.expected:
        assert len(page.columns) == case.expected["columns_count"]
    for column in case.expected["columns_contains"]:
        got = by_url.get(column["url"])
        assert got is not None, f"{case.name}: column {column['name']} not found"
        assert (got.name, got.parent_url) == (column["name"], column["parent_url"])
        if "request" in column:
            assert request_dict(got.request) == column["request"]


def test_adapters_follow_the_protocol() -> None:
    assert sorted(ADAPTERS) == ["generic", "gkmlpt", "hanweb", "trs"]
    for family, adapter in ADAPTERS.items():
        assert isinstance(adapter, ListAdapter) and adapter.family == family
    with pytest.raises(ConfigError) as error:
        get_adapter("jcms")
    assert str(error.value) == "family: unknown CMS family 'jcms'. Use one of: trs, hanweb, gkmlpt, generic"


@pytest.mark.parametrize(
    ("script", "url", "expected"),
    [
        ('createPageHTML(120, 0, "index", "html");', "http://a.gov.cn/x/", (120, 0, "index", "html")),
        ("createPageHTML('7','3','index','shtml')", "http://a.gov.cn/x/index_3.shtml", (7, 3, "index", "shtml")),
        ('createPage(8, 0, "index", "html")', "http://a.gov.cn/x/index.html", (8, 0, "index", "html")),
        ("var countPage = 56//共多少页", "http://a.gov.cn/x/index_4.shtml", (56, 4, "index", "shtml")),
        ("var countPage = 9; <a href='index_1.shtml'>2</a>", "http://a.gov.cn/x/", (9, 0, "index", "shtml")),
        ('createPageHTML(1,0,"t20190918_693227","shtml")', "http://a.gov.cn/x/t20190918_693227.shtml", None),
        ("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}", "http://a.gov.cn/x/", None),
    ],
)
def test_trs_pager_variants(script: str, url: str, expected: tuple | None) -> None:
    assert trs_pager(f"<script>{script}</script>", url) == expected


def test_trs_single_page_has_no_requests() -> None:
    html = "<ul><li><a href='./202401/t20240101_1.html'>某某通知公告标题一</a><span>2024-01-01</span></li></ul><script>createPageHTML(1, 0, 'index', 'html');</script>"
    page = extract_list(html, "http://a.gov.cn/tzgg/")
    assert (page.family, page.page_count, page.next_requests) == ("trs", 1, [])


def _hanweb_page(records: int, extra: str = "", nextgroup: bool = True) -> str:
    link = (
        "<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&webid=28&path=/&columnid=4296&unitid=31227&webname=%E6%B0%B4%E5%8A%A1&permissiontype=0\"></a>]]></nextgroup>"
        if nextgroup
        else ""
    )
    rows = "".join(
        f"<record><![CDATA[<li><a href='/art/2024/1/{i + 1}/art_4296_{i}.html' title='第{i}号公告全文标题'>第{i}号...</a><span>2024-01-{i + 1:02d}</span></li>]]></record>"
        for i in range(records)
    )
    return f"<html><body><div id='31227'><script type='text/xml'><datastore>{link}<recordset>{rows}</recordset></datastore></script></div>{extra}</body></html>"


@pytest.mark.parametrize(
    ("records", "extra", "starts"),
    [
        (45, "", [46]),  # full first group, total unknown: ask for one more group
        (12, "", []),  # partial first group: the list is complete
        (45, "<script>var cfg={totalRecord:100, perPage:15};</script>", [46, 91]),
        (10, "<script>var cfg={totalRecord:10, perPage:10};</script>", []),
        (20, "<script>var cfg={totalRecord:50, perPage:10, groupSize:2};</script>", [21, 41]),
    ],
)
def test_hanweb_dataproxy_requests(records: int, extra: str, starts: list[int]) -> None:
    page = extract_list(_hanweb_page(records, extra), "http://swj.dl.gov.cn/col/col4296/index.html")
    assert len(page.items) == records
    assert page.items[0].title == "第0号公告全文标题"
    got = [int(r.url.split("startrecord=")[1].split("&")[0]) for r in page.next_requests]
    assert got == starts
    for request in page.next_requests:
        assert request.method == "POST"
        assert request.body == "col=1&appid=1&webid=28&path=/&columnid=4296&sourceContentType=1&unitid=31227&webname=%E6%B0%B4%E5%8A%A1&permissiontype=0"


def test_hanweb_unitid_from_widget_and_script_params() -> None:
    html = _hanweb_page(45, "<script>var webid = '28'; var webname='水务';</script>", nextgroup=False)
    page = extract_list(html, "http://swj.dl.gov.cn/col/col4296/index.html")
    assert page.next_requests == [
        dataproxy_request(
            "http://swj.dl.gov.cn/col/col4296/index.html",
            JpageParams(webid="28", columnid="4296", unitid="31227", webname="水务"),
            46,
        )
    ]
    assert page.next_requests[0].url == (
        "http://swj.dl.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    )


def test_hanweb_html_parser_alone_sees_no_links() -> None:
    # The reason for the datastore parser: forced to the generic adapter, the page has no items.
    html = _hanweb_page(45)
    assert extract_list(html, "http://swj.dl.gov.cn/col/col4296/index.html", family="generic").items == []
    assert len(extract_list(html, "http://swj.dl.gov.cn/col/col4296/index.html").items) == 45


@pytest.mark.parametrize(
    ("xml", "records", "total"),
    [
        ("<datastore><totalrecord>3</totalrecord><recordset><record><![CDATA[<li>a</li>]]></record></recordset></datastore>", 1, 3),
        ("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><datastore><totalrecord>&b;</totalrecord></datastore>", 0, None),
        ("<datastore><totalrecord>7</totalrecord><recordset><record><![CDATA[<li>a & b</li>]]></record><record>broken", 1, 7),
        ("not xml at all", 0, None),
    ],
)
def test_datastore_parsing_is_defensive(xml: str, records: int, total: int | None) -> None:
    got_records, got_total, _, _ = read_datastore(xml)
    assert (len(got_records), got_total) == (records, total)


def test_hanweb_get_style_dataproxy_paging() -> None:
    xml = (
        "<datastore><totalrecord>40</totalrecord><totalpage>3</totalpage><recordset>"
        "<record><![CDATA[<li><a href='/art/2024/1/2/art_1_2.html' title='某公告全文'>某公告</a><span>2024-01-02</span></li>]]></record>"
        "</recordset></datastore>"
    )
    url = "http://swj.dl.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=28&columnid=4296&unitid=31227"
    page = extract_list(xml, url)
    assert page.page_count == 3
    assert [r.url for r in page.next_requests] == [url.replace("page=1", "page=2")]


def test_hanweb_post_response_stops_at_total() -> None:
    xml = "<datastore><totalrecord>90</totalrecord><recordset><record><![CDATA[<li><a href='/art/2024/1/2/art_1_2.html'>某公告全文标题</a><span>2024-01-02</span></li>]]></record></recordset></datastore>"
    url = "http://a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    page = extract_list(xml, url, request=Request(url, "POST", "col=1&webid=1"))
    assert page.next_requests == []


@pytest.mark.parametrize("body", ["{not json", "[]", '{"articles": "x", "total": 5}', '{"articles": [], "total": 0}'])
def test_gkmlpt_bad_responses_give_empty_pages(body: str) -> None:
    page = extract_list(body, "http://a.gov.cn/x/gkmlpt/api/all/5?page=1&sid=2")
    assert (page.family, page.items, page.next_requests) == ("gkmlpt", [], [])


def test_gkmlpt_later_pages_add_no_requests() -> None:
    body = '{"articles": [{"url": "/x/gkmlpt/content/1/1/post_1.html", "title": "某公告", "display_publish_time": "2024-03-05 10:00:00"}], "total": 500}'
    page = extract_list(body, "http://a.gov.cn/x/gkmlpt/api/all/5?page=2&sid=2")
    assert page.items[0].date == date(2024, 3, 5)
    assert page.next_requests == []


def test_gkmlpt_directory_route_requests_its_column() -> None:
    html = "<html><body><script>var c = {SID: '755031'};</script></body></html>"
    page = extract_list(html, "http://jr.sz.gov.cn/gkmlpt/index#2811")
    assert [r.url for r in page.next_requests] == ["http://jr.sz.gov.cn/gkmlpt/api/all/2811?page=1&sid=755031"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("<td><a href='/a/1.html'>某某单位关于某事项的通知</a></td><td>2024/03/05</td>", date(2024, 3, 5)),
        ("<td><a href='/a/1.html'>关于2023年12月31日前完成整改的通知</a></td><td>2024.01.02</td>", date(2024, 1, 2)),
        ("<td><a href='/a/1.html'>某某单位关于某事项的通知</a></td><td>2024年3月5日</td>", date(2024, 3, 5)),
    ],
)
def test_row_date_comes_from_the_row_not_the_title(row: str, expected: date) -> None:
    table = "<table>" + "".join(f"<tr>{row.replace('/a/1.html', f'/a/{i}.html')}</tr>" for i in range(3)) + "</table>"
    page = extract_list(table, "http://a.gov.cn/list/")
    assert [i.date for i in page.items] == [expected] * 3


def test_list_challenge_is_blocked_not_empty() -> None:
    case = next(c for c in LIST_CASES if c.name == "challenge_412")
    assert extract_list(case.data, case.url, status=412).blocked is True


@pytest.fixture()
def pages_server():
    """The saved pages served on 127.0.0.1 (a real HTTP server, for the CLI's URL mode)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from tests._extraction_fixtures import PAGES

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_extract_list_from_url(pages_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import evaluator.cli.extract  # noqa: F401  (registers the command until the lead adds it to _register)
    from evaluator.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["extract", f"{pages_server}/zwgk/../trs_list_createpage.html", "--list"])
    assert exit_info.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["family"] == "trs" and data["page_count"] == 25
    assert data["items"][0]["url"] == f"{pages_server}/202403/t20240305_5123456.shtml"
    assert data["next_requests"][0]["url"] == f"{pages_server}/index_1.shtml"


def test_cli_extract_unreachable_url(capsys: pytest.CaptureFixture[str], pages_server: str) -> None:
    import evaluator.cli.extract  # noqa: F401
    from evaluator.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["extract", f"{pages_server}/missing.html"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot fetch {pages_server}/missing.html: ")
    assert err.endswith("Check the address, or save the page and pass the file")
