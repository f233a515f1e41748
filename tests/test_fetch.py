"""The HTTP layer: retries, timeouts, size limits and the failure taxonomy."""

from __future__ import annotations

import gzip
import zlib

import pytest

from crawlers.http import RequestsFetcher, classify_exception, header_safe
from crawlers.model import Request
from tests._crawl_fixtures import Handler, LocalSite, Reply


def fetcher(**kw: object) -> RequestsFetcher:
    base = dict(user_agent="test-agent (assessor: 评估组)", connect_timeout=2.0, read_timeout=2.0, retries=3, backoff=0.0)
    base.update(kw)
    return RequestsFetcher(**base)  # type: ignore[arg-type]


def sequence(*replies: Reply):
    """A route answering the n-th request with the n-th reply (the last one repeats)."""

    def route(handler: Handler) -> Reply:
        return replies[min(handler.attempt, len(replies)) - 1]

    return route


@pytest.fixture
def site():
    with LocalSite() as s:
        yield s


def test_429_with_retry_after_is_retried_after_the_delay(site: LocalSite) -> None:
    site.routes["/p"] = sequence(Reply(429, "slow down", headers={"Retry-After": "1"}), Reply(200, "<p>ok</p>"))
    result = fetcher().fetch(Request(site.url("/p")))
    assert result.status == "ok" and result.body == b"<p>ok</p>"
    first, second = site.hits
    assert second.at - first.at >= 0.95  # measured on the server side


def test_retry_after_is_capped(site: LocalSite) -> None:
    site.routes["/p"] = sequence(Reply(503, "busy", headers={"Retry-After": "3600"}), Reply(200, "fine"))
    result = fetcher(max_retry_after=0.1).fetch(Request(site.url("/p")))
    assert result.status == "ok"
    first, second = site.hits
    assert second.at - first.at < 30


@pytest.mark.parametrize(
    ("retries", "status", "hits"),
    [(3, "ok", 4), (2, "http_500", 3), (0, "http_503", 1)],
)
def test_5xx_burst_then_success(site: LocalSite, retries: int, status: str, hits: int) -> None:
    site.routes["/p"] = sequence(Reply(503), Reply(502), Reply(500), Reply(200, "<p>back</p>"))
    result = fetcher(retries=retries).fetch(Request(site.url("/p")))
    assert (result.status, len(site.hits)) == (status, hits)


def test_post_requests_are_retried_too(site: LocalSite) -> None:
    site.routes["/dataproxy.jsp"] = sequence(Reply(502), Reply(200, "<datastore/>", content_type="text/xml"))
    result = fetcher().fetch(Request(site.url("/dataproxy.jsp"), method="POST", body="col=1&webid=3"))
    assert result.status == "ok"
    assert [h.body for h in site.hits] == [b"col=1&webid=3", b"col=1&webid=3"]


def test_read_timeout(site: LocalSite) -> None:
    site.routes["/slow"] = Reply(200, "late", delay=1.5)
    result = fetcher(read_timeout=0.3, retries=0).fetch(Request(site.url("/slow")))
    assert result.status == "timeout"
    assert "timed out" in (result.error or "").lower()


@pytest.mark.parametrize(("retries", "status"), [(0, "connect"), (2, "ok")])
def test_connection_reset(site: LocalSite, retries: int, status: str) -> None:
    site.routes["/r"] = sequence(Reply(reset=True), Reply(200, "<p>after reset</p>"))
    result = fetcher(retries=retries).fetch(Request(site.url("/r")))
    assert result.status == status


def test_refused_connection_is_connect(site: LocalSite) -> None:
    port = site.server.server_address[1]
    site.stop()
    result = fetcher(retries=0).fetch(Request(f"http://127.0.0.1:{port}/"))
    assert result.status == "connect"


def test_unresolvable_host_is_dns() -> None:
    result = fetcher(retries=0).fetch(Request("http://bureau.invalid/xxgk/"))
    assert result.status == "dns"
    assert result.http_status is None


@pytest.mark.parametrize("declared", [True, False])
def test_size_limit(site: LocalSite, declared: bool) -> None:
    big = b"<p>" + b"x" * 5000 + b"</p>"
    if declared:
        site.routes["/big"] = Reply(200, big)
    else:  # gzip hides the real size: the stream stops at the limit
        site.routes["/big"] = Reply(200, gzip.compress(big), headers={"Content-Encoding": "gzip"})
    result = fetcher(max_body_bytes=1000).fetch(Request(site.url("/big")))
    assert result.status == "too_large"
    assert len(result.body) <= 1000
    assert "1000 bytes" in (result.error or "")


def test_gzip_bomb_is_bounded(site: LocalSite) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB in ~64 KiB
    assert len(bomb) < 200_000
    site.routes["/bomb"] = Reply(200, bomb, headers={"Content-Encoding": "gzip"})
    result = fetcher(max_body_bytes=256 * 1024).fetch(Request(site.url("/bomb")))
    assert result.status == "too_large"
    assert len(result.body) <= 256 * 1024


@pytest.mark.parametrize(
    ("encoding", "payload"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", lambda b: zlib.compress(b)[2:-4])],
)
def test_compressed_pages_are_decoded(site: LocalSite, encoding: str, payload) -> None:
    page = "<html><body>政府信息公开</body></html>".encode()
    site.routes["/z"] = Reply(200, payload(page), headers={"Content-Encoding": encoding})
    result = fetcher().fetch(Request(site.url("/z")))
    assert result.status == "ok" and result.body == page
    assert result.header("X-Decoded-Content-Encoding") == encoding
    assert result.header("Content-Encoding") == ""


@pytest.mark.parametrize(
    ("content_type", "accept_any", "status"),
    [
        ("application/pdf", False, "not_html"),
        ("application/pdf", True, "ok"),
        ("text/html; charset=gbk", False, "ok"),
        ("text/xml", False, "ok"),
        ("application/json", False, "ok"),
        ("image/jpeg", False, "not_html"),
    ],
)
def test_content_type_check(site: LocalSite, content_type: str, accept_any: bool, status: str) -> None:
    site.routes["/f"] = Reply(200, b"%PDF-1.4", content_type=content_type)
    result = fetcher().fetch(Request(site.url("/f")), accept_any=accept_any)
    assert result.status == status
    if status == "not_html":
        assert result.error == f"content type {content_type.split(';')[0]!r} is not a page"


@pytest.mark.parametrize(("code", "status"), [(404, "http_404"), (403, "http_403"), (412, "http_412"), (202, "http_202")])
def test_http_errors_keep_a_bounded_body(site: LocalSite, code: int, status: str) -> None:
    site.routes["/e"] = Reply(code, "<html><script>challenge()</script></html>")
    result = fetcher(retries=0).fetch(Request(site.url("/e")))
    assert (result.status, result.http_status) == (status, code)
    assert b"challenge()" in result.body


def test_conditional_request_not_modified(site: LocalSite) -> None:
    def route(handler: Handler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304, b"", content_type="")
        return Reply(200, "<p>v1</p>", headers={"ETag": '"v1"'})

    site.routes["/a"] = route
    f = fetcher()
    first = f.fetch(Request(site.url("/a")))
    second = f.fetch(Request(site.url("/a")), headers={"If-None-Match": first.header("etag")})
    assert (first.status, second.status, second.http_status) == ("ok", "not_modified", 304)


def test_redirect_loop(site: LocalSite) -> None:
    site.routes["/loop"] = Reply(302, "", headers={"Location": "/loop"})
    result = fetcher(max_redirects=5).fetch(Request(site.url("/loop")))
    assert result.status == "http_302"
    assert result.error == "redirect loop: more than 5 redirects"


def test_truncated_attachment_download_is_ok_when_allowed(site: LocalSite) -> None:
    site.routes["/f.pdf"] = Reply(200, b"%PDF" + b"1" * 4000, content_type="application/pdf")
    result = fetcher().fetch(Request(site.url("/f.pdf")), accept_any=True, max_bytes=100, truncate_ok=True)
    assert result.status == "ok" and result.truncated and len(result.body) == 100


def test_user_agent_names_the_assessor(site: LocalSite) -> None:
    site.routes["/"] = Reply(200, "<p>home</p>")
    fetcher().fetch(Request(site.url("/")))
    agent = site.hits[0].headers["User-Agent"]
    assert agent == header_safe("test-agent (assessor: 评估组)")
    assert agent.startswith("test-agent (assessor: %E8%AF%84")


def test_cookies_set_by_the_site_are_sent_back(site: LocalSite) -> None:
    """Some CMS list endpoints need the session cookie of the page that led to them."""
    site.routes["/login"] = Reply(200, "<p>hi</p>", headers={"Set-Cookie": "JSESSIONID=abc123; Path=/"})
    site.routes["/list"] = Reply(200, "<p>list</p>")
    f = fetcher()
    f.fetch(Request(site.url("/login")))
    f.fetch(Request(site.url("/list"), method="POST", body="page=2"))
    first, second = site.hits
    assert "Cookie" not in first.headers
    assert second.headers["Cookie"] == "JSESSIONID=abc123"
    assert second.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert second.headers["Accept-Language"] == "zh-CN,zh;q=0.9"


def test_classify_exception_walks_the_chain() -> None:
    import socket

    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert classify_exception(exc) == "dns"
    assert classify_exception(ConnectionResetError()) == "connect"
    assert classify_exception(TimeoutError()) == "timeout"


@pytest.mark.parametrize("compressed", [False, True])
def test_chunked_bodies(site: LocalSite, compressed: bool) -> None:
    page = "<p>分块传输</p>".encode() * 500
    data = gzip.compress(page) if compressed else page
    chunked = b"".join(b"%x\r\n" % len(data[i:i + 700]) + data[i:i + 700] + b"\r\n" for i in range(0, len(data), 700))
    headers = {"Transfer-Encoding": "chunked", "Content-Length": ""}
    if compressed:
        headers["Content-Encoding"] = "gzip"
    site.routes["/c"] = Reply(200, chunked + b"0\r\n\r\n", headers=headers)
    result = fetcher().fetch(Request(site.url("/c")))
    assert (result.status, result.body) == ("ok", page)


@pytest.mark.parametrize(
    ("location", "status", "error"),
    [
        ("/final", "ok", None),
        ("OTHER/landing", "off_scope", "redirect to OTHER/landing leaves the site's hosts"),
        ("ftp://127.0.0.1/pub/x.pdf", "off_scope", "redirect to 'ftp://127.0.0.1/pub/x.pdf': not an http(s) URL"),
        ("file:///etc/passwd", "off_scope", "redirect to 'file:///etc/passwd': not an http(s) URL"),
    ],
)
def test_redirects_are_checked_against_the_scope(site: LocalSite, location: str, status: str, error: str | None) -> None:
    with LocalSite({"/landing": Reply(200, "elsewhere")}) as other:
        location = location.replace("OTHER", other.base)
        site.routes["/start"] = Reply(302, "", headers={"Location": location})
        site.routes["/final"] = Reply(200, "<p>here</p>")
        result = fetcher().fetch(Request(site.url("/start")), scope=lambda url: url.startswith(site.base))
        assert other.hits == []
    assert (result.status, result.error and result.error.replace(other.base, "OTHER")) == (status, error)
    if status == "ok":
        assert result.final_url == site.url("/final") and result.body == b"<p>here</p>"
    else:
        assert result.http_status == 302


def test_post_redirected_with_303_becomes_get(site: LocalSite) -> None:
    site.routes["/form"] = Reply(303, "", headers={"Location": "/done"})
    site.routes["/done"] = Reply(200, "<p>done</p>")
    result = fetcher().fetch(Request(site.url("/form"), method="POST", body="a=1"))
    assert result.status == "ok"
    assert [(h.method, h.path) for h in site.hits] == [("POST", "/form"), ("GET", "/done")]
