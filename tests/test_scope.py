"""URL canonicalisation and the crawl scope."""

from __future__ import annotations

import pytest

from crawlers.scope import Scope, UrlError, canonical_url, host_key
from evaluator.store import url_key

PAGE = "http://sthjj.city.gov.cn/xxgk/zdly/hpsp/index_3.html"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("./202204/t20220417_123456.shtml", "http://sthjj.city.gov.cn/xxgk/zdly/hpsp/202204/t20220417_123456.shtml"),
        ("../../../index.html", "http://sthjj.city.gov.cn/index.html"),
        ("/col/col12377/index.html#top", "http://sthjj.city.gov.cn/col/col12377/index.html"),
        ("HTTP://SthJJ.City.Gov.CN:80/a", "http://sthjj.city.gov.cn/a"),
        ("https://sthjj.city.gov.cn:443", "https://sthjj.city.gov.cn/"),
        ("http://61.153.144.78:80/art/2021/9/30/art_1_2.html", "http://61.153.144.78/art/2021/9/30/art_1_2.html"),
        ("http://127.0.0.1:8080/a/./b/../c", "http://127.0.0.1:8080/a/c"),
        ("/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
         "http://sthjj.city.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"),
        ("  /a b/附件.pdf\n", "http://sthjj.city.gov.cn/a%20b/%E9%99%84%E4%BB%B6.pdf"),
        ("/a%20b/x.pdf", "http://sthjj.city.gov.cn/a%20b/x.pdf"),
        ("\\xxgk\\a.html", "http://sthjj.city.gov.cn/xxgk/a.html"),
        ("?page=2", "http://sthjj.city.gov.cn/xxgk/zdly/hpsp/index_3.html?page=2"),
    ],
)
def test_canonical_url(href: str, expected: str) -> None:
    assert canonical_url(href, PAGE) == expected


def test_canonical_url_keeps_query_order() -> None:
    # JSP endpoints may read parameters positionally: the order is part of the identity
    a = canonical_url("/list.jsp?b=2&a=1", PAGE)
    b = canonical_url("/list.jsp?a=1&b=2", PAGE)
    assert a != b


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("./a b/../附件 1.pdf?x=中#frag", PAGE)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("href", "message"),
    [
        ("javascript:void(0)", "not a web link: 'javascript:void(0)'"),
        ("JavaScript:zhinan(2)", "not a web link: 'JavaScript:zhinan(2)'"),
        ("mailto:xxgk@city.gov.cn", "not a web link: 'mailto:xxgk@city.gov.cn'"),
        ("#", "empty link"),
        ("", "empty link"),
        ("ftp://files.city.gov.cn/a.pdf", "only http and https are crawled, not 'ftp'"),
        ("/" + "a" * 3000, "URL longer than 2048 characters"),
    ],
)
def test_rejected_links(href: str, message: str) -> None:
    with pytest.raises(UrlError) as info:
        canonical_url(href, PAGE)
    assert str(info.value) == message


def test_absolute_link_without_host() -> None:
    with pytest.raises(UrlError) as info:
        canonical_url("http:///nohost")
    assert str(info.value) == "no host in 'http:///nohost'"


def test_post_bodies_are_part_of_the_key() -> None:
    url = canonical_url("/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15", PAGE)
    body1 = "col=1&appid=1&webid=3&columnid=64511&unitid=464148"
    body2 = "col=1&appid=1&webid=3&columnid=64512&unitid=464148"
    assert url_key(url, "POST", body1) != url_key(url, "POST", body2)
    assert url_key(url, "POST", body1) != url_key(url, "GET")
    assert url_key(url, "post", body1) == url_key(url, "POST", body1)


@pytest.fixture
def scope() -> Scope:
    return Scope.for_site(
        "http://sthjj.city.gov.cn/",
        entry_points=["http://www.city.gov.cn/xxgk/sthjj/"],
        extra_hosts=["gkmlpt.province.gov.cn", "127.0.0.1:8001"],
    )


@pytest.mark.parametrize(
    ("url", "allowed", "reason"),
    [
        ("http://sthjj.city.gov.cn/xxgk/a.html", True, ""),
        ("https://sthjj.city.gov.cn/xxgk/a.html", True, ""),
        ("http://www.sthjj.city.gov.cn/xxgk/a.html", True, ""),
        ("http://www.city.gov.cn/xxgk/sthjj/tzgg/", True, ""),
        ("http://city.gov.cn/xxgk/", True, ""),
        ("http://gkmlpt.province.gov.cn/gkmlpt/api/all/21023?page=1&sid=758019", True, ""),
        ("http://127.0.0.1:8001/x", True, ""),
        ("http://127.0.0.1:8002/x", False, "off_host"),
        ("http://www.mee.gov.cn/", False, "off_host"),
        ("http://sthjj.city.gov.cn/gate/big5/sthjj.city.gov.cn/xxgk/", False, "big5_mirror"),
        ("ftp://sthjj.city.gov.cn/a", False, "not_http"),
    ],
)
def test_scope(scope: Scope, url: str, allowed: bool, reason: str) -> None:
    verdict = scope.check(url)
    assert (verdict.allowed, verdict.reason) == (allowed, reason)


@pytest.mark.parametrize(
    ("value", "key"),
    [("www.City.gov.cn", "www.city.gov.cn"), ("http://a.gov.cn:80/x", "a.gov.cn"), ("127.0.0.1:8080", "127.0.0.1:8080")],
)
def test_host_key(value: str, key: str) -> None:
    assert host_key(value) == key
