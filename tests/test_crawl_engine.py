"""The crawl engine against small local sites (tiny extractor injected, real HTTP)."""

from __future__ import annotations

import os
import signal

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import crawlers.engine as engine_module
from crawlers.attachments import sanitise_name, save_attachment
from crawlers.engine import HOST_DOWN_AFTER, crawl, crawl_site
from crawlers.model import ListPage
from crawlers.parsing import ParsePool
from crawlers.storage_errors import describe_storage_error
from crawlers.warc import read_record
from evaluator.errors import CrawlError
from evaluator.store import Store, schema
from tests._crawl_fixtures import (
    TINY,
    Handler,
    LocalSite,
    Reply,
    article_page,
    fast_limits,
    list_page,
    make_assessment,
    site_config,
    three_column_site,
    tiny_extract_list,
)

CHALLENGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    "<script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=84512;"
    'document.cookie="FSSBBIl1UgzbN7N80T=4a9f";location.reload();</script></head><body></body></html>'
)


def rows(store: Store, table: Any, order: Any = None) -> list[dict[str, Any]]:
    stmt = select(table)
    if order is not None:
        stmt = stmt.order_by(order)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def run_one(tmp_path: Path, site: LocalSite, entry: str = "/xxgk/", **kw: Any) -> tuple[Store, Any]:
    a = make_assessment(tmp_path, [site_config("s1", site.base, site.url(entry))], limits=kw.pop("limits", None))
    store = Store.open(a.store_url)
    stats = crawl_site(a, a.sites[0], store, **{**TINY, **kw})
    return store, stats


def test_small_site_documents_columns_attachments(tmp_path: Path) -> None:
    with three_column_site() as site:
        store, stats = run_one(tmp_path, site)
    assert stats.status == "finished"
    docs = {d["url"].rsplit("/", 2)[-2] + "/" + d["url"].rsplit("/", 1)[-1]: d for d in rows(store, schema.documents)}
    assert sorted(docs) == ["a/1.html", "a/2.html", "a/3.html", "b/1.html"]
    first = docs["a/1.html"]
    assert (first["title"], first["publish_date"], first["list_date"]) == ("关于甲项目环评的批复", "2025-03-06", "2025-03-05")
    assert first["column_path"] == "政府信息公开 > 环评审批"
    assert first["body_text"] == "批复正文甲"
    # no date on the article: the list row's date is kept beside it
    assert (docs["a/3.html"]["publish_date"], docs["a/3.html"]["list_date"]) == (None, "2024-12-30")
    assert docs["b/1.html"]["title"] == "行政处罚决定书"  # the article's own title wins over the list's

    columns = {c["name"]: c for c in rows(store, schema.columns)}
    assert {n: (c["status"], c["item_count"], c["path"]) for n, c in columns.items()} == {
        "政府信息公开": ("empty", 0, "政府信息公开"),
        "环评审批": ("ok", 3, "政府信息公开 > 环评审批"),
        "行政处罚": ("ok", 1, "政府信息公开 > 行政处罚"),
        "突发环境事件": ("empty", 0, "政府信息公开 > 突发环境事件"),
    }
    assert columns["环评审批"]["parent_url"] == columns["政府信息公开"]["url"]

    atts = {a["name"]: a for a in rows(store, schema.attachments)}
    kept, gone = atts["附件1：批复.pdf"], atts["附件2：缺失.pdf"]
    assert (kept["reachable"], kept["status"], kept["size"]) == (True, "ok", 13)
    saved = Path(kept["saved_path"])
    assert saved.read_bytes() == b"%PDF-1.4 tiny"
    assert saved.parent == tmp_path / "evidence" / "2025" / "s1" / "attachments"
    assert (gone["reachable"], gone["status"], gone["saved_path"]) == (False, "http_404", None)

    assert stats.as_dict() == {
        "crawl/attachments/failed/http_404": 1,
        "crawl/attachments/kept": 1,
        "crawl/attachments/ok": 1,
        "crawl/bytes": stats.get("crawl/bytes"),
        "crawl/columns": 4,
        "crawl/documents": 4,
        "crawl/documents/new": 4,
        "crawl/pages/ok": 9,
        "crawl/robots/allow_all": 1,
        "crawl/started": 1,
    }
    (run,) = rows(store, schema.crawl_runs)
    assert (run["status"], run["stats"]["crawl/pages/ok"], run["warc_file"]) == ("finished", 9, stats.warc_file)
    (site_row,) = rows(store, schema.sites)
    assert site_row["family"] == "generic"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(412, CHALLENGE), "anti-bot JavaScript challenge (HTTP 412)"),
        (Reply(200, list_page("行政处罚") + "<!-- challenge-marker -->"), "anti-bot JavaScript challenge page"),
    ],
)
def test_challenge_column_is_blocked_not_empty(tmp_path: Path, reply: Reply, error: str) -> None:
    with three_column_site() as site:
        site.routes["/xxgk/b/"] = reply
        store, stats = run_one(tmp_path, site)
    col = next(c for c in rows(store, schema.columns) if c["url"].endswith("/xxgk/b/"))
    assert (col["status"], col["item_count"]) == ("blocked_challenge", None)
    fetch = next(f for f in rows(store, schema.fetches) if f["url"].endswith("/xxgk/b/"))
    assert (fetch["status"], fetch["error"]) == ("blocked_challenge", error)
    assert stats.failures() == {"blocked_challenge": 1, "http_404": 1}
    assert len(rows(store, schema.documents)) == 3  # the other columns are unaffected


def test_dead_host_does_not_stall_another_site(tmp_path: Path) -> None:
    with three_column_site() as live, LocalSite() as dead:
        dead.routes["/robots.txt"] = Reply(404, "")
        dead.routes["/xxgk/"] = Reply(200, "late", delay=1.0)
        sites = [site_config("dead", dead.base, dead.url("/xxgk/")), site_config("live", live.base, live.url("/xxgk/"))]
        a = make_assessment(tmp_path, sites, limits=fast_limits(read_timeout=0.5, retries=4), concurrency=2)
        store = Store.open(a.store_url)
        dead_stats, live_stats = crawl(a, store, **TINY)
    assert dead_stats.failures() == {"timeout": 1}
    assert len(dead.paths("GET")) == 1 + 5  # robots.txt, then the entry point tried 5 times
    assert live_stats.documents == 4 and live_stats.status == "finished"
    assert live_stats.finished < dead_stats.finished  # the live site was done while the dead one still waited
    assert max(h.at for h in live.hits) < max(h.at for h in dead.hits)
    col = next(c for c in rows(store, schema.columns) if c["site_id"] == "dead")
    assert col["status"] == "timeout"


def test_unreachable_extra_host_is_given_up_after_repeated_failures(tmp_path: Path) -> None:
    with LocalSite() as gone:
        dead_base = gone.base
    cols = [(f"{dead_base}/col{i}/", f"栏目{i}") for i in range(5)]
    with LocalSite({"/robots.txt": Reply(404, ""), "/xxgk/": Reply(200, list_page("政府信息公开", columns=cols))}) as site:
        a = make_assessment(
            tmp_path,
            [site_config("s1", site.base, site.url("/xxgk/"), extra_hosts=(dead_base.split("//")[1],))],
        )
        store = Store.open(a.store_url)
        stats = crawl_site(a, a.sites[0], store, **TINY)
    assert stats.failures() == {"connect": 5}
    assert stats.get("crawl/skipped/host_down") == 5 - HOST_DOWN_AFTER + 1  # robots.txt was the first failure
    statuses = [c["status"] for c in rows(store, schema.columns) if "col" in c["url"]]
    assert statuses == ["connect"] * 5  # "could not observe", never "empty"
    errors = [f["error"] for f in rows(store, schema.fetches) if f["kind"] == "column" and "col" in f["url"]]
    assert errors[-1].startswith(f"not attempted: {dead_base.split('//')[1]} failed 3 times in a row")


def test_off_scope_links_are_recorded_not_followed(tmp_path: Path) -> None:
    with three_column_site() as site, LocalSite({"/p/1.html": Reply(200, article_page("外站", "2025-01-01", "x"))}) as other:
        site.routes["/xxgk/c/"] = Reply(
            200, list_page("突发环境事件", items=[(other.url("/p/1.html"), "省平台上的文件", "2025-05-05")],
                           columns=[(other.url("/gkmlpt/"), "省级平台")])
        )
        store, stats = run_one(tmp_path, site)
    assert other.hits == []
    assert stats.get("crawl/skipped/off_scope") == 2
    off = {f["url"]: f for f in rows(store, schema.fetches) if f["status"] == "off_scope"}
    note = off[other.url("/p/1.html")]["error"]
    assert note == f"off_host: listed in column {site.url('/xxgk/c/')} as «省平台上的文件» (2025-05-05)"
    col = next(c for c in rows(store, schema.columns) if c["url"] == other.url("/gkmlpt/"))
    assert (col["status"], col["path"]) == ("off_scope", "政府信息公开 > 突发环境事件 > 省级平台")


def test_recrawl_uses_conditional_requests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version = {"a2": "v1"}

    def etagged(path: str, body_of) -> Any:
        def route(handler: Handler) -> Reply:
            body = body_of()
            tag = f'"{abs(hash(body))}"'
            if handler.headers.get("If-None-Match") == tag:
                return Reply(304, b"", content_type="")
            return Reply(200, body, headers={"ETag": tag, "Last-Modified": "Wed, 05 Mar 2025 08:00:00 GMT"})
        return route

    with three_column_site() as site:
        for path in ("/xxgk/", "/xxgk/a/", "/xxgk/a/1.html", "/xxgk/a/2.html"):
            static = site.routes[path].body  # type: ignore[union-attr]
            if path == "/xxgk/a/2.html":
                site.routes[path] = etagged(path, lambda: article_page("关于乙项目环评的批复", "2025-02-01", f"正文{version['a2']}"))
            else:
                site.routes[path] = etagged(path, lambda s=static: s)
        monkeypatch.setattr(engine_module, "utcnow", lambda: "2026-01-10T08:00:00+00:00")
        store, first = run_one(tmp_path, site)
        version["a2"] = "v2"
        monkeypatch.setattr(engine_module, "utcnow", lambda: "2026-02-10T08:00:00+00:00")
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))])
        second = crawl_site(a, a.sites[0], store, **TINY)
        conditional = [h for h in site.hits if "If-None-Match" in h.headers]
    assert sorted(h.path for h in conditional) == ["/xxgk/", "/xxgk/a/", "/xxgk/a/1.html", "/xxgk/a/2.html"]
    assert second.get("crawl/pages/not_modified") == 3
    assert second.get("crawl/documents/changed") == 1
    assert second.documents == 4 and second.get("crawl/documents/new") == 0
    docs = {d["url"].split("/xxgk/")[1]: d for d in rows(store, schema.documents)}
    assert {k: (d["first_seen"][:7], d["last_seen"][:7]) for k, d in docs.items()} == {
        k: ("2026-01", "2026-02") for k in ("a/1.html", "a/2.html", "a/3.html", "b/1.html")
    }
    assert docs["a/2.html"]["body_text"] == "正文v2"
    fetches = {f["url"].split("/xxgk/")[1]: f for f in rows(store, schema.fetches) if "/xxgk/" in f["url"]}
    assert (fetches["a/1.html"]["status"], fetches["a/1.html"]["changed"]) == ("not_modified", False)
    assert (fetches["a/2.html"]["status"], fetches["a/2.html"]["changed"]) == ("ok", True)
    assert (fetches["a/3.html"]["status"], fetches["a/3.html"]["changed"]) == ("ok", False)
    # a 304 on a list page still follows its items: the column count is intact
    col = next(c for c in rows(store, schema.columns) if c["name"] == "环评审批")
    assert col["item_count"] == 3


def test_max_pages_stops_and_keeps_the_rest_pending(tmp_path: Path) -> None:
    with three_column_site() as site:
        store, stats = run_one(tmp_path, site, max_pages=4)
    assert stats.pages == 4 and stats.get("crawl/stopped/max_pages") == 1
    pending = [f for f in rows(store, schema.frontier) if f["state"] == "pending"]
    assert {p["kind"] for p in pending} == {"article", "list"}
    cols = {c["name"]: c["status"] for c in rows(store, schema.columns)}
    assert cols["突发环境事件"] == "empty" and cols["环评审批"] == "ok"


def test_list_pages_per_column_are_capped(tmp_path: Path) -> None:
    with three_column_site() as site:
        store, stats = run_one(tmp_path, site, limits=fast_limits(max_list_pages=1))
    assert "/xxgk/a/index_1.html" not in site.paths()
    assert stats.get("crawl/skipped/list_pages") == 1


def test_a_document_linked_as_a_file_keeps_its_list_row(tmp_path: Path) -> None:
    with three_column_site() as site:
        site.routes["/xxgk/c/"] = Reply(200, list_page("突发环境事件", items=[("/xxgk/c/notice.pdf", "突发环境事件信息通报", "2025-06-01")]))
        site.routes["/xxgk/c/notice.pdf"] = Reply(200, b"%PDF-1.7", content_type="application/pdf")
        store, stats = run_one(tmp_path, site)
    doc = next(d for d in rows(store, schema.documents) if d["url"].endswith("notice.pdf"))
    assert (doc["title"], doc["list_date"], doc["publish_date"], doc["sources"]) == (
        "突发环境事件信息通报", "2025-06-01", None, {"title": "list_page"})
    assert stats.failures()["not_html"] == 1


def test_an_extractor_crash_is_a_parse_error(tmp_path: Path) -> None:
    def fragile(html: Any, url: str, headers: Any = None, **kw: Any) -> ListPage:
        if url.endswith("/xxgk/b/"):
            raise ValueError("unexpected markup")
        return tiny_extract_list(html, url, headers, **kw)

    with three_column_site() as site:
        store, stats = run_one(tmp_path, site, extract_list=fragile)
    fetch = next(f for f in rows(store, schema.fetches) if f["url"].endswith("/xxgk/b/"))
    assert (fetch["status"], fetch["error"]) == ("parse_error", "ValueError: unexpected markup")
    assert stats.status == "finished" and stats.documents == 3


def test_unknown_site_id_is_a_clear_error(tmp_path: Path) -> None:
    a = make_assessment(tmp_path, [site_config("s1", "http://127.0.0.1:9/", "http://127.0.0.1:9/xxgk/")])
    with pytest.raises(CrawlError) as info:
        crawl(a, Store.open(a.store_url), ["s9"], **TINY)
    assert str(info.value) == (
        "unknown site id s9 (the assessment has: s1). Use one of the ids under `sites:` in the assessment file."
    )


def test_parsing_in_worker_processes_gives_the_same_store(tmp_path: Path) -> None:
    with three_column_site() as site:
        inline_store, _ = run_one(tmp_path / "inline", site)
        a = make_assessment(tmp_path / "pool", [site_config("s1", site.base, site.url("/xxgk/"))])
        pool_store = Store.open(a.store_url)
        (stats,) = crawl(a, pool_store, parse_workers=1, **TINY)
    assert stats.status == "finished"

    def docs(store: Store) -> list[tuple[Any, ...]]:
        return sorted((d["url"], d["title"], d["publish_date"], d["list_date"], d["column_path"], d["body_text"])
                      for d in rows(store, schema.documents))

    assert docs(pool_store) == docs(inline_store) and len(docs(pool_store)) == 4


def crash_on_a2(html: bytes | str, url: str, headers: Any = None, **kw: Any) -> Any:
    """An article extractor that kills its worker process on one page (as a libxml2 crash would);
    in the test process itself (the pool parses inline until a worker is ready) it raises."""
    if url.endswith("/a/2.html"):
        if os.getpid() == _TEST_PID:
            raise RuntimeError("not in a worker yet")
        os.kill(os.getpid(), signal.SIGKILL)
    return TINY["extract_article"](html, url, headers, **kw)


_TEST_PID = os.getpid()


def test_a_page_that_kills_the_parse_worker_is_a_parse_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ready = ParsePool.__call__

    def after_start(pool: ParsePool, *args: Any, **kw: Any) -> Any:
        pool.wait_ready(60)  # every page through a worker, so the crash happens in one
        return ready(pool, *args, **kw)

    monkeypatch.setattr(ParsePool, "__call__", after_start)
    with three_column_site() as site:
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))])
        store = Store.open(a.store_url)
        (stats,) = crawl(a, store, parse_workers=1, extract_list=TINY["extract_list"], extract_article=crash_on_a2)
    assert stats.status == "finished"
    statuses = {f["url"].split("/xxgk/")[-1]: f["status"] for f in rows(store, schema.fetches) if f["kind"] == "article"}
    assert statuses == {"a/1.html": "ok", "a/2.html": "parse_error", "a/3.html": "ok", "b/1.html": "ok"}
    assert sorted(d["url"].split("/xxgk/")[-1] for d in rows(store, schema.documents)) == ["a/1.html", "a/3.html", "b/1.html"]


@pytest.mark.slow
def test_demo_province_is_crawled_with_the_real_extractors(tmp_path: Path, demo_province: Any) -> None:
    from evaluator.config import load_assessment

    a = load_assessment(demo_province.write_assessment(tmp_path / "assessment.yaml"))
    store = Store.open(a.store_url)
    results = crawl(a, store)
    assert [r.status for r in results] == ["finished"] * len(a.sites)
    families = {r["site_id"]: r["family"] for r in rows(store, schema.sites)}
    assert families == {e.site_id: e.family for e in demo_province.endpoints}
    for endpoint in demo_province.endpoints:
        truth = demo_province.site(endpoint.site_id)
        got = {d["title"] for d in rows(store, schema.documents) if d["site_id"] == endpoint.site_id}
        found = sum(1 for d in truth.documents if d.title in got)
        assert found >= 0.9 * len(truth.documents), (endpoint.site_id, endpoint.family, found, len(truth.documents))
    for r in rows(store, schema.fetches):  # every stored fetch replays with its hash
        if r["sha256"]:
            assert read_record(r["warc_file"], r["warc_offset"]).sha256 == r["sha256"]


def test_crawl_and_recrawl_on_sqlite_and_postgresql(tmp_path: Path, store_url: str) -> None:
    with three_column_site() as site:
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))])
        store = Store.open(store_url)
        first = crawl_site(a, a.sites[0], store, **TINY)
        second = crawl_site(a, a.sites[0], store, **TINY)
    assert (first.status, first.documents, second.status, second.documents) == ("finished", 4, "finished", 4)
    assert len(rows(store, schema.documents)) == 4
    assert sorted(c["status"] for c in rows(store, schema.columns)) == ["empty", "empty", "ok", "ok"]
    assert [r["status"] for r in rows(store, schema.crawl_runs, schema.crawl_runs.c.run_id)] == ["finished", "finished"]
    store.close()


@pytest.mark.parametrize(
    ("exc", "start"),
    [
        (OSError(28, "No space left on device"), "disk full while writing the WARC evidence (/e/s1.warc.gz): No space left on device. Free some disk space, then run the same command again"),
        (OSError(27, "File too large"), "disk full while writing the WARC evidence (/e/s1.warc.gz): File too large."),
        (OSError(13, "Permission denied"), "cannot write the WARC evidence (/e/s1.warc.gz): Permission denied. Make the folder writable"),
        (OperationalError("INSERT", {}, Exception("database or disk is full")), "disk full while writing the store sqlite:///s.db: database or disk is full."),
        (OperationalError("INSERT", {}, Exception("disk I/O error")), "disk full or I/O error while writing the store sqlite:///s.db: disk I/O error."),
        (OperationalError("INSERT", {}, Exception("database is locked")), "the store is locked by another process (sqlite:///s.db): database is locked. Wait"),
    ],
)
def test_storage_failures_have_clear_messages(exc: BaseException, start: str) -> None:
    message = describe_storage_error(exc, store_url="sqlite:///s.db", warc_file="/e/s1.warc.gz")
    assert message is not None and message.startswith(start)
    assert message.endswith("run the same command again to continue the crawl (nothing stored is lost)")


@pytest.mark.parametrize("exc", [ValueError("x"), ConnectionResetError(104, "reset"), OSError(2, "No such file")])
def test_other_errors_are_not_storage_failures(exc: BaseException) -> None:
    assert describe_storage_error(exc, store_url="sqlite:///s.db", warc_file=None) is None


@pytest.mark.parametrize(
    ("name", "url", "ext", "expected"),
    [
        ("附件1：环评报告表.pdf", "http://a/x.pdf", "pdf", "附件1_环评报告表.pdf"),  # NFKC: "：" → ":" → "_"
        ("../../etc/passwd", "http://a/x", None, "etc_passwd"),
        ("..\\..\\boot.ini", "http://a/x", "ini", "boot.ini"),
        ("", "http://a/module/download/%E5%85%AC%E5%91%8A.pdf", "pdf", "公告.pdf"),
        (".hidden", "http://a/x", "doc", "hidden.doc"),
        ("a\x00b<script>.pdf", "http://a/x", "pdf", "a_b_script.pdf"),
        ("报告", "http://a/x", "p/../x", "报告"),
    ],
)
def test_attachment_names_are_sanitised(name: str, url: str, ext: str | None, expected: str) -> None:
    assert sanitise_name(name, url, ext) == expected


def test_long_attachment_names_fit_the_file_system(tmp_path: Path) -> None:
    saved = save_attachment(tmp_path / "att", "名" * 300, "http://a/x.pdf", "pdf", b"%PDF")
    assert saved.parent == (tmp_path / "att").resolve() and saved.suffix == ".pdf"
    assert len(saved.name.encode()) <= 255 and saved.read_bytes() == b"%PDF"
