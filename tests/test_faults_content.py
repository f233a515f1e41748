"""Fault matrix, content: hostile or broken responses are bounded, recorded, and lose nothing.

Malformed HTML, wrong or missing charsets (GBK served as UTF-8 and the reverse), a gzip bomb,
oversize pages, binary served as text/html, a dataproxy XML with entity expansion (billion
laughs), endless and looping pagination, and one page under many URL spellings.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawlers import extract_list
from crawlers.adapters.hanweb import read_datastore
from crawlers.warc import read_record
from tests._fault_fixtures import (
    FaultHandler,
    FaultOutcome,
    FaultServer,
    Route,
    article_page,
    billion_laughs,
    binary_as_html,
    crawl_sites,
    documents,
    duplicate_urls,
    endless_pagination,
    fault_limits,
    fetch_rows,
    gzip_bomb,
    gzipped,
    list_page,
    page,
    site,
)

TITLE = "关于印发生态环境保护工作要点的通知"
BODY = "各区县生态环境分局：现将工作要点印发给你们，请结合实际认真贯彻落实。"


def one_article_site(route: Route, title: str = TITLE) -> FaultServer:
    """A list with one healthy article and one article answered by ``route``."""
    return FaultServer({
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/": page(list_page("政府信息公开", items=[("/xxgk/ok.html", "健康页面", "2025-03-01"),
                                                     ("/xxgk/fault.html", title, "2025-03-02")])),
        "/xxgk/ok.html": page(article_page("健康页面", "2025-03-01", "正文")),
        "/xxgk/fault.html": route,
    })


def _crawl(fault: str, route: Route, tmp: Path, *, title: str = TITLE, real: bool = False, **kw: object) -> FaultOutcome:
    with one_article_site(route, title) as server:
        stats, store = crawl_sites(tmp, [site("s1", server)], real_extractors=real, **kw)  # type: ignore[arg-type]
    rows, docs = fetch_rows(store), documents(store)
    store.close()
    url, ok = server.url("/xxgk/fault.html"), server.url("/xxgk/ok.html")
    row, doc = rows.get(url, {}), docs.get(url)
    lost = (0 if ok in docs else 1) + (0 if row else 1)
    recorded = row.get("status", "(nothing)")
    if doc is not None:
        recorded += " → document stored"
    return FaultOutcome(fault, f"run {stats[0].status}; {len(docs)} documents", recorded, lost,
                        details={"status": row.get("status"), "row": row, "doc": doc, "stats": stats[0]})


def html_bytes(encoding: str, charset_meta: str | None) -> bytes:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    text = article_page(TITLE, "2025-03-02", BODY * 3).replace("<head>", f"<head>{meta}")
    return text.encode(encoding)


# -- probes -------------------------------------------------------------------------------------
def probe_malformed_html(tmp: Path) -> FaultOutcome:
    junk = ("<html><head><title>" + TITLE + "</title><body><h1>" + TITLE + "</h2><p class=\"date\">发布日期：2025-03-02"
            "<div class=body><<<>>>&&&;<table><tr><td><td></tr></table></div></div></div></span><!-- unterminated")
    return _crawl("malformed HTML (unclosed tags, stray brackets)", page(junk), tmp, real=True)


def probe_gbk_as_utf8(tmp: Path) -> FaultOutcome:
    return _crawl("GBK bytes served as charset=utf-8", page(html_bytes("gbk", None), "text/html; charset=utf-8"), tmp)


def probe_utf8_as_gbk(tmp: Path) -> FaultOutcome:
    return _crawl("UTF-8 bytes served as charset=gbk", page(html_bytes("utf-8", "gbk"), "text/html; charset=gbk"), tmp)


def probe_no_charset(tmp: Path) -> FaultOutcome:
    return _crawl("GB18030 page with no charset anywhere", page(html_bytes("gb18030", None), "text/html"), tmp)


def probe_gzip_bomb(tmp: Path) -> FaultOutcome:
    bomb = gzip_bomb(256 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = _crawl("gzip bomb: 256 MiB of zeros in 256 KiB", gzipped(bomb), tmp)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    outcome.happened += f"; peak memory grew {grown_mib:.0f} MiB"
    outcome.details["grown_mib"] = grown_mib
    return outcome


def probe_oversize_declared(tmp: Path) -> FaultOutcome:
    big = article_page(TITLE, "2025-03-02", "大" * (400 * 1024))
    return _crawl("oversize page, Content-Length over the limit", page(big), tmp)


def probe_oversize_chunked(tmp: Path) -> FaultOutcome:
    def route(h: FaultHandler) -> None:  # no Content-Length: the limit must cut the stream
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        for _ in range(64):
            h.wfile.write(b"<p>" + b"x" * 16380 + b"</p>")

    return _crawl("oversize page, streamed without Content-Length", route, tmp)


def probe_binary_as_html(tmp: Path) -> FaultOutcome:
    return _crawl("binary bytes served as text/html", page(binary_as_html(), "text/html"), tmp, real=True)


def probe_billion_laughs(tmp: Path) -> FaultOutcome:
    records, total, pages, _ = read_datastore(billion_laughs())
    return FaultOutcome(
        "dataproxy XML with entity expansion (billion laughs)",
        f"defusedxml refused the DTD; {len(records)} record(s) read from CDATA, totalrecord={total}",
        "not expanded", lost=0 if len(records) == 1 else 1,
        details={"records": records, "total": total, "pages": pages},
    )


def probe_endless_pagination(tmp: Path) -> FaultOutcome:
    server = FaultServer({"/robots.txt": page("", "text/plain", status=404)},
                         prefixes={"/xxgk/": endless_pagination("/xxgk/")})
    with server:
        stats, store = crawl_sites(tmp, [site("s1", server)], fault_limits(max_list_pages=5))
    docs = documents(store)
    store.close()
    lists = [p for p in server.paths() if "index" in p or p == "/xxgk/"]
    return FaultOutcome(
        "endless pagination (every page links one more)",
        f"run {stats[0].status} after {len(lists)} list pages; {len(docs)} documents",
        f"crawl/skipped/list_pages {stats[0].get('crawl/skipped/list_pages')}",
        lost=0 if len(docs) == 5 else 1,
        details={"lists": lists, "docs": docs, "stats": stats[0]},
    )


def probe_pagination_loop(tmp: Path) -> FaultOutcome:
    items = [("/xxgk/a.html", "甲文件", "2025-03-01")]
    server = FaultServer({
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/": page(list_page("栏目", items=items, next_url="/xxgk/index_1.html")),
        "/xxgk/index_1.html": page(list_page("栏目", items=[("/xxgk/b.html", "乙文件", "2025-03-02")], next_url="/xxgk/")),
        "/xxgk/a.html": page(article_page("甲文件", "2025-03-01", "甲")),
        "/xxgk/b.html": page(article_page("乙文件", "2025-03-02", "乙")),
    })
    with server:
        stats, store = crawl_sites(tmp, [site("s1", server)])
    docs = documents(store)
    store.close()
    hits = {p: server.count(p) for p in ("/xxgk/", "/xxgk/index_1.html")}
    return FaultOutcome("pagination loop (page 2 links back to page 1)",
                        f"run {stats[0].status}; list pages fetched {hits}", "each list page fetched once",
                        lost=2 - len(docs), details={"hits": hits})


def probe_duplicate_urls(tmp: Path) -> FaultOutcome:
    target = "/xxgk/dup.html"
    server = FaultServer({"/robots.txt": page("", "text/plain", status=404),
                          target: page(article_page(TITLE, "2025-03-02", BODY))})
    spellings = duplicate_urls(server.base, target)
    server.routes["/xxgk/"] = page(list_page("栏目", items=[(u, TITLE, "2025-03-02") for u in spellings]))
    with server:
        stats, store = crawl_sites(tmp, [site("s1", server)], real_extractors=True)
        hits = server.count(target)
    docs = documents(store)
    store.close()
    return FaultOutcome(f"one page under {len(spellings)} URL spellings",
                        f"run {stats[0].status}; fetched {hits}×, {len(docs)} document(s)",
                        "one canonical URL", lost=0 if len(docs) == 1 else abs(len(docs) - 1),
                        details={"hits": hits, "docs": sorted(docs)})


#: (probe, expected status of the faulty page; None: the probe checks itself)
PROBES: list[tuple[Callable[[Path], FaultOutcome], str | None]] = [
    (probe_malformed_html, "ok"),
    (probe_gbk_as_utf8, "ok"),
    (probe_utf8_as_gbk, "ok"),
    (probe_no_charset, "ok"),
    (probe_gzip_bomb, "too_large"),
    (probe_oversize_declared, "too_large"),
    (probe_oversize_chunked, "too_large"),
    (probe_binary_as_html, "not_html"),
    (probe_billion_laughs, None),
    (probe_endless_pagination, None),
    (probe_pagination_loop, None),
    (probe_duplicate_urls, None),
]


@pytest.mark.parametrize("probe, status", [p for p in PROBES if p[1]], ids=[p.__name__.removeprefix("probe_") for p, s in PROBES if s])
def test_content_fault_is_recorded_and_loses_nothing(probe: Callable[[Path], FaultOutcome], status: str,
                                                      tmp_path: Path) -> None:
    outcome = probe(tmp_path)
    assert outcome.data_lost == "none", outcome
    assert outcome.details["status"] == status, outcome


@pytest.mark.parametrize("probe", [probe_gbk_as_utf8, probe_utf8_as_gbk, probe_no_charset])
def test_wrong_or_missing_charset_still_decodes_the_chinese_title(probe: Callable[[Path], FaultOutcome],
                                                                  tmp_path: Path) -> None:
    doc = probe(tmp_path).details["doc"]
    assert doc["title"] == TITLE
    assert BODY in doc["body_text"]


def test_malformed_html_still_yields_the_document(tmp_path: Path) -> None:
    doc = probe_malformed_html(tmp_path).details["doc"]
    assert TITLE in doc["title"]
    assert doc["publish_date"] == "2025-03-02"


def test_gzip_bomb_is_cut_at_the_body_limit(tmp_path: Path) -> None:
    outcome = probe_gzip_bomb(tmp_path)
    row = outcome.details["row"]
    assert row["length"] <= 512 * 1024  # fault_limits(): max_body_bytes
    assert row["error"] == "body exceeds the limit of 524288 bytes"
    record = read_record(row["warc_file"], row["warc_offset"])
    assert record.warc_headers.get("WARC-Truncated") == "length"
    assert outcome.details["grown_mib"] < 64  # never the 256 MiB the stream expands to


def test_binary_served_as_html_stores_no_garbage_document(tmp_path: Path) -> None:
    outcome = probe_binary_as_html(tmp_path)
    assert outcome.data_lost == "none"
    doc, row = outcome.details["doc"], outcome.details["row"]
    assert (row["status"], row["error"]) == ("not_html", "binary content served as a web page (NUL bytes in the first 4 KB)")
    # kept like a linked PDF: the list row's title, no text read from the bytes
    assert (doc["title"], doc["body_text"]) == (TITLE, "")


def test_billion_laughs_is_not_expanded() -> None:
    outcome = probe_billion_laughs(Path("."))
    assert outcome.details["total"] is None  # the entity reference is not expanded into a number
    assert "关于甲项目的批复" in outcome.details["records"][0]
    page_html = ('<html><body><div id="4711"><script type="text/xml">' + billion_laughs().split("?>", 1)[1]
                 + "</script></div></body></html>")
    listing = extract_list(page_html, "http://127.0.0.1/col/col1/index.html", family="hanweb")
    assert [i.title for i in listing.items] == ["关于甲项目的批复"]


def test_endless_pagination_stops_at_max_list_pages(tmp_path: Path) -> None:
    outcome = probe_endless_pagination(tmp_path)
    assert outcome.details["stats"].status == "finished"
    assert len(outcome.details["lists"]) == 5
    assert outcome.details["stats"].get("crawl/skipped/list_pages") == 1


def test_pagination_loop_fetches_each_page_once(tmp_path: Path) -> None:
    outcome = probe_pagination_loop(tmp_path)
    assert outcome.details["hits"] == {"/xxgk/": 1, "/xxgk/index_1.html": 1}
    assert outcome.data_lost == "none"


def test_one_page_under_many_urls_is_one_document(tmp_path: Path) -> None:
    outcome = probe_duplicate_urls(tmp_path)
    assert outcome.details["hits"] == 1
    assert outcome.details["docs"] == [outcome.details["docs"][0]]
    assert outcome.details["docs"][0].endswith("/xxgk/dup.html")


def matrix(tmp: Path, **_: object) -> Iterator[FaultOutcome]:
    """Every content probe, for ``benchmarks/faults.py``."""
    for probe, _status in PROBES:
        yield probe(tmp / probe.__name__)
