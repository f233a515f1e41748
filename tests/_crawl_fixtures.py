"""Fixtures of the crawl-engine tests: small local web sites and a tiny extractor.

:class:`LocalSite` serves a route table on 127.0.0.1 (a fresh port) from a thread and logs
every request with a server-side timestamp, so tests can assert what the crawler asked for
and how it spaced its requests without timing the test itself.

The tiny extractor understands the markup of the pages built by :func:`list_page` and
:func:`article_page` only; it stands in for ``crawlers.extract_*`` so the engine is tested on
its own.
"""

from __future__ import annotations

import html as html_lib
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from crawlers.model import Article, Attachment, ColumnLink, ListItem, ListPage, Request
from evaluator.settings import Assessment, CrawlLimits, SiteConfig


@dataclass
class Reply:
    """A canned response. ``delay`` sleeps before answering; ``reset`` closes the socket."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    reset: bool = False


Route = Reply | Callable[["Handler"], Reply]


@dataclass
class Hit:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # server-side time.monotonic()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        site = self.server.site
        with site.lock:
            site.hits.append(Hit(self.command, self.path, dict(self.headers), body, time.monotonic()))
            count = sum(1 for h in site.hits if h.path == self.path)
        self.attempt = count
        self.request_body = body
        route = site.routes.get(self.path)
        if route is None:
            route = site.routes.get(self.path.split("?", 1)[0])
        reply = Reply(404, "<html><body>not found</body></html>") if route is None else (
            route(self) if callable(route) else route
        )
        if reply.delay:
            time.sleep(reply.delay)
        if reply.reset:
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        data = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for k, v in reply.headers.items():
            if v:  # an empty value suppresses the header (e.g. Content-Length of a chunked body)
                self.send_header(k, v)
        if "Content-Length" not in reply.headers:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    do_GET = do_POST = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: "LocalSite"


class LocalSite:
    """A web site on 127.0.0.1 serving ``routes`` (path or path?query → :class:`Reply`)."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.site = self
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._stopped = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> "LocalSite":
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent); the port is closed afterwards."""
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "LocalSite":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def paths(self, method: str | None = None) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits if method is None or h.method == method]


# -- page builders (the tiny extractor reads exactly this markup) ------------------------------
def list_page(
    name: str,
    items: Iterable[tuple[str, str, str]] = (),
    columns: Iterable[tuple[str, str]] = (),
    next_url: str | None = None,
) -> str:
    """A list page: items (href, title, date), sub-columns (href, name), a next-page link."""
    rows = "".join(
        f'<li><a class="item" href="{html_lib.escape(h)}">{html_lib.escape(t)}</a><span>{d}</span></li>'
        for h, t, d in items
    )
    cols = "".join(f'<a class="col" href="{html_lib.escape(h)}">{html_lib.escape(n)}</a>' for h, n in columns)
    nxt = f'<a class="next" href="{html_lib.escape(next_url)}">下一页</a>' if next_url else ""
    return f"<html><head><title>{name}</title></head><body><h1>{name}</h1><nav>{cols}</nav><ul>{rows}</ul>{nxt}</body></html>"


def article_page(title: str, published: str | None, body: str, attachments: Iterable[tuple[str, str]] = ()) -> str:
    """An article page: title, 发布日期, body, attachments (href, name)."""
    atts = "".join(f'<a class="att" href="{html_lib.escape(h)}">{html_lib.escape(n)}</a>' for h, n in attachments)
    date_html = f'<p class="date">发布日期：{published}</p>' if published else ""
    return (
        f"<html><head><title>{html_lib.escape(title)}</title></head><body><h1>{html_lib.escape(title)}</h1>"
        f'{date_html}<div class="body">{html_lib.escape(body)}</div>{atts}</body></html>'
    )


_A = re.compile(r'<a class="(item|col|next|att)" href="([^"]*)">([^<]*)</a>(?:<span>([^<]*)</span>)?')


def _text(html: bytes | str) -> str:
    return html.decode("utf-8", "replace") if isinstance(html, bytes) else html


def tiny_extract_list(html: bytes | str, url: str, headers: Any = None, **_: Any) -> ListPage:
    """Read a :func:`list_page`."""
    text = _text(html)
    title = re.search(r"<h1>([^<]*)</h1>", text)
    page = ListPage(url=url, family="generic", title=html_lib.unescape(title.group(1)) if title else "")
    for kind, href, label, when in _A.findall(text):
        href, label = urljoin(url, html_lib.unescape(href)), html_lib.unescape(label)
        if kind == "item":
            page.items.append(ListItem(url=href, title=label, date=date.fromisoformat(when) if when else None, date_text=when))
        elif kind == "col":
            page.columns.append(ColumnLink(url=href, name=label, parent_url=None))
        elif kind == "next":
            page.next_requests.append(Request(url=href))
    if "challenge-marker" in text:
        page.blocked = True
    return page


def tiny_extract_article(html: bytes | str, url: str, headers: Any = None, **_: Any) -> Article:
    """Read an :func:`article_page`."""
    text = _text(html)
    art = Article(url=url, family="generic")
    m = re.search(r"<h1>([^<]*)</h1>", text)
    art.title = html_lib.unescape(m.group(1)) if m else ""
    m = re.search(r"发布日期：(\d{4}-\d{2}-\d{2})", text)
    if m:
        art.publish_date = date.fromisoformat(m.group(1))
        art.sources["publish_date"] = "header"
    m = re.search(r'<div class="body">([^<]*)</div>', text)
    art.body_text = html_lib.unescape(m.group(1)) if m else ""
    for kind, href, label, _when in _A.findall(text):
        if kind == "att":
            ext = href.rsplit(".", 1)[-1].lower() if "." in href else ""
            art.attachments.append(Attachment(url=urljoin(url, href), name=html_lib.unescape(label), ext=ext))
    return art


TINY = {"extract_list": tiny_extract_list, "extract_article": tiny_extract_article}


def make_assessment(
    tmp: Path,
    sites: list[SiteConfig],
    *,
    limits: CrawlLimits | None = None,
    concurrency: int = 4,
    round: str = "2025",
) -> Assessment:
    """An assessment over local sites with fast limits (no delay, short timeouts)."""
    return Assessment(
        name="测试评估",
        round=round,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        reference_date=date(2026, 1, 15),
        sites=tuple(sites),
        store_url=f"sqlite:///{tmp / 'store.db'}",
        output_dir=tmp / "output",
        evidence_dir=tmp / "evidence",
        limits=limits or fast_limits(),
        concurrency=concurrency,
    )


def fast_limits(**changes: Any) -> CrawlLimits:
    """Limits for loopback tests: no politeness delay, short timeouts, no retry backoff."""
    base = dict(min_delay=0.0, connect_timeout=2.0, read_timeout=2.0, retries=1, backoff=0.0)
    base.update(changes)
    return CrawlLimits(**base)  # type: ignore[arg-type]


def site_config(site_id: str, base: str, entry: str, **kw: Any) -> SiteConfig:
    return SiteConfig(id=site_id, name=f"{site_id}市生态环境局", region="测试省", base_url=base, entry_points=(entry,), **kw)


def three_column_site() -> LocalSite:
    """A small site: a 政府信息公开 root with 3 columns; column A has 2 list pages; one article
    has 2 attachments (one broken); column C is empty."""
    routes: dict[str, Route] = {
        "/robots.txt": Reply(404, "no robots"),
        "/xxgk/": Reply(body=list_page("政府信息公开", columns=[("/xxgk/a/", "环评审批"), ("/xxgk/b/", "行政处罚"), ("/xxgk/c/", "突发环境事件")])),
        "/xxgk/a/": Reply(body=list_page("环评审批", items=[("/xxgk/a/1.html", "关于甲项目环评的批复", "2025-03-05"), ("/xxgk/a/2.html", "关于乙项目环评的批复", "2025-02-01")], next_url="/xxgk/a/index_1.html")),
        "/xxgk/a/index_1.html": Reply(body=list_page("环评审批", items=[("/xxgk/a/3.html", "关于丙项目环评的批复", "2024-12-30")])),
        "/xxgk/b/": Reply(body=list_page("行政处罚", items=[("/xxgk/b/1.html", "行政处罚决定书（甲环罚〔2025〕1号）", "2025-04-01")])),
        "/xxgk/c/": Reply(body=list_page("突发环境事件")),
        "/xxgk/a/1.html": Reply(body=article_page("关于甲项目环评的批复", "2025-03-06", "批复正文甲", [("files/p1.pdf", "附件1：批复.pdf"), ("files/gone.pdf", "附件2：缺失.pdf")])),
        "/xxgk/a/2.html": Reply(body=article_page("关于乙项目环评的批复", "2025-02-01", "批复正文乙")),
        "/xxgk/a/3.html": Reply(body=article_page("关于丙项目环评的批复", None, "批复正文丙")),
        "/xxgk/b/1.html": Reply(body=article_page("行政处罚决定书", "2025-04-02", "处罚正文")),
        "/xxgk/a/files/p1.pdf": Reply(body=b"%PDF-1.4 tiny", content_type="application/pdf"),
    }
    return LocalSite(routes)
