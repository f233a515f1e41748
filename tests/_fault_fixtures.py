"""Fault-matrix fixtures: a programmable local web server and the faults the demo does not offer.

:class:`FaultServer` serves a route table on 127.0.0.1 (a fresh port, reusable after
:meth:`FaultServer.stop` so a site can die mid-crawl and come back on the same address) and logs
every request it receives. A route is a function of the request handler that writes the answer
itself, so a route can drip a body byte by byte, lie about its length, reset the connection or
redirect anywhere. Builders for each fault are below (:func:`slow_drip`, :func:`retry_after`,
:func:`gzip_bomb`, :func:`redirect`, :func:`binary_as_html`, :func:`billion_laughs`,
:func:`endless_pagination`, :func:`duplicate_urls` …).

:class:`FaultOutcome` is one row of the fault matrix: the fault, what happened, how the store
recorded it and what data was lost ("none" is the only acceptable answer). The test modules
``tests/test_faults_*.py`` define probes returning outcomes; ``benchmarks/faults.py`` runs them
all and prints the table.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crawlers.engine import crawl
from crawlers.stats import CrawlStats
from evaluator.demo.server import TrackingHTTPServer
from evaluator.settings import Assessment, CrawlLimits, SiteConfig
from evaluator.store import Store, schema
from tests._crawl_fixtures import TINY, article_page, list_page

__all__ = [
    "FaultHandler",
    "FaultOutcome",
    "FaultServer",
    "Hit",
    "Route",
    "answer",
    "article_page",
    "assessment_for",
    "billion_laughs",
    "binary_as_html",
    "connection_reset",
    "crawl_sites",
    "documents",
    "duplicate_urls",
    "endless_pagination",
    "fault_limits",
    "fetch_rows",
    "gzip_bomb",
    "gzipped",
    "hang",
    "list_page",
    "lost_urls",
    "page",
    "redirect",
    "reset",
    "retry_after",
    "site",
    "slow_drip",
    "status_burst",
    "truncated",
]

Route = Callable[["FaultHandler"], None]


@dataclass(frozen=True)
class Hit:
    """One request a :class:`FaultServer` received (``host`` is the Host header)."""

    method: str
    path: str
    host: str
    headers: dict[str, str]


@dataclass
class FaultOutcome:
    """One row of the fault matrix.

    ``recorded_as`` is what the store says (fetch statuses, run status, error text);
    ``lost`` counts pages or rows that a run without the fault stores and this run does not
    (after the documented recovery step, when the fault is recoverable). ``details`` holds
    whatever a test wants to assert beyond the row.
    """

    fault: str
    happened: str
    recorded_as: str
    lost: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def data_lost(self) -> str:
        """``none`` or ``<n> lost``."""
        return "none" if self.lost == 0 else f"{self.lost} lost"


class FaultHandler(BaseHTTPRequestHandler):
    """Request handler of :class:`FaultServer`: logs the request and runs its route."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in separate writes must not stall 40 ms
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # quiet tests
        return None

    def _serve(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(min(length, 1 << 20)) if length else b""
        with owner.lock:
            owner.hits.append(Hit(self.command, self.path, self.headers.get("Host", ""), dict(self.headers)))
            self.attempt = sum(1 for h in owner.hits if h.path == self.path)
        route = owner.route_for(self.path)
        try:
            if route is None:
                answer(self, 404, b"<html><body>not found</body></html>")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_HEAD = _serve


class _Server(TrackingHTTPServer):
    allow_reuse_address = True
    owner: "FaultServer"

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, FaultHandler)


class FaultServer:
    """A web site on 127.0.0.1 whose every answer is a programmable :data:`Route`.

    ``routes`` maps an exact path (with query) or a path without query to a route;
    ``prefixes`` maps path prefixes to routes (longest first). ``hits`` logs every request.
    """

    def __init__(self, routes: dict[str, Route] | None = None, prefixes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.prefixes: dict[str, Route] = dict(prefixes or {})
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "FaultServer":
        """Listen (on the same port again after :meth:`stop`)."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self.port))
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections to the port are refused until :meth:`start`."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.drop_connections()
        self._server = None

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses and log ------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route_for(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        bare = path.split("?", 1)[0]
        if bare in self.routes:
            return self.routes[bare]
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if bare.startswith(prefix):
                return self.prefixes[prefix]
        return None

    def paths(self, method: str | None = None) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits if method is None or h.method == method]

    def count(self, path: str) -> int:
        """Requests for ``path`` (exact, with query)."""
        with self.lock:
            return sum(1 for h in self.hits if h.path == path)


# -- writing answers ---------------------------------------------------------------------------
def answer(
    h: FaultHandler,
    status: int = 200,
    body: bytes | str = b"",
    content_type: str | None = "text/html; charset=utf-8",
    headers: Iterable[tuple[str, str]] = (),
    *,
    length: int | None = None,
) -> None:
    """Send a complete answer; ``length`` declares another Content-Length than the body's."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    extra = list(headers)
    if not any(k.lower() == "content-length" for k, _ in extra):
        h.send_header("Content-Length", str(len(data) if length is None else length))
    for key, value in extra:
        h.send_header(key, value)
    if length is not None:
        h.send_header("Connection", "close")
        h.close_connection = True
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(data)
    h.wfile.flush()


def reset(h: FaultHandler) -> None:
    """Close the connection with a TCP RST, answering nothing."""
    h.close_connection = True
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def page(body: bytes | str, content_type: str = "text/html; charset=utf-8", status: int = 200,
         headers: Iterable[tuple[str, str]] = ()) -> Route:
    """A route answering the same page every time."""
    extra = tuple(headers)
    return lambda h: answer(h, status, body, content_type, extra)


# -- network faults ----------------------------------------------------------------------------
def hang(seconds: float) -> Route:
    """Accept the request, answer nothing for ``seconds``, then close (a read timeout)."""

    def route(h: FaultHandler) -> None:
        time.sleep(seconds)
        h.close_connection = True

    return route


def connection_reset() -> Route:
    """Every request is answered with a TCP RST."""
    return reset


def status_burst(failures: int, status: int, then: bytes | str) -> Route:
    """The first ``failures`` requests answer ``status``; later ones answer ``then``."""

    def route(h: FaultHandler) -> None:
        if h.attempt <= failures:
            answer(h, status, f"<html><body><h1>{status}</h1></body></html>")
        else:
            answer(h, 200, then)

    return route


def retry_after(failures: int, seconds: int, then: bytes | str) -> Route:
    """429 with ``Retry-After: seconds`` for the first ``failures`` requests, then the page."""

    def route(h: FaultHandler) -> None:
        if h.attempt <= failures:
            answer(h, 429, "<html><body>Too Many Requests</body></html>", headers=[("Retry-After", str(seconds))])
        else:
            answer(h, 200, then)

    return route


def truncated(body: bytes | str) -> Route:
    """Declare the full length, send half of the body, close."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return lambda h: answer(h, 200, data[: len(data) // 2], length=len(data))


def slow_drip(total: int, chunk: int, interval: float) -> Route:
    """A 200 whose body trickles in ``chunk`` bytes every ``interval`` seconds (each read is
    fast enough for the read timeout; the whole body is not)."""

    def route(h: FaultHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        sent = 0
        try:
            while sent < total:
                piece = b"<" if sent == 0 else b"x"
                h.wfile.write(piece * min(chunk, total - sent))
                h.wfile.flush()
                sent += chunk
                time.sleep(interval)
        except OSError:
            h.close_connection = True

    return route


def redirect(location: str, status: int = 302) -> Route:
    """Redirect anywhere (another host, ``file:``, ``ftp:``, a loop)."""
    return lambda h: answer(h, status, b"", headers=[("Location", location)])


# -- content faults ----------------------------------------------------------------------------
def gzip_bomb(expanded: int = 256 * 1024 * 1024) -> bytes:
    """A gzip stream of ``expanded`` zero bytes (about 1/1000 of that on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(expanded >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(data: bytes) -> Route:
    """Serve ``data`` (already compressed) with ``Content-Encoding: gzip``."""
    return lambda h: answer(h, 200, data, headers=[("Content-Encoding", "gzip")])


def binary_as_html(size: int = 64 * 1024, seed: int = 8) -> bytes:
    """Deterministic random bytes (what a misconfigured server sends for a .doc as text/html)."""
    import random

    return random.Random(seed).randbytes(size)


def billion_laughs(levels: int = 9) -> str:
    """A Hanweb ``dataproxy.jsp`` answer whose DTD expands to 10**levels ``lol`` (billion laughs)."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels + 1)]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE datastore [\n' + "\n".join(entities) + "\n]>\n"
        f"<datastore><totalrecord>&lol{levels};</totalrecord><totalpage>1</totalpage>"
        '<recordset><record><![CDATA[<li><a href="/art/1.html" title="关于甲项目的批复">关于甲项目的批复</a>'
        "<span>2025-03-01</span></li>]]></record></recordset></datastore>"
    )


def endless_pagination(prefix: str, per_page: int = 1) -> Route:
    """``<prefix>index_N.html`` always links ``index_{N+1}.html``: a list that never ends."""

    def route(h: FaultHandler) -> None:
        name = h.path.split("?", 1)[0][len(prefix):]
        number = int(name.removeprefix("index_").removesuffix(".html")) if name.startswith("index_") else 0
        items = [(f"{prefix}a{number}_{i}.html", f"无尽列表第{number}页第{i}条", "2025-03-01") for i in range(per_page)]
        answer(h, 200, list_page("无尽栏目", items=items, next_url=f"{prefix}index_{number + 1}.html"))

    return route


def duplicate_urls(server_base: str, target: str) -> list[str]:
    """Spellings of the page ``target`` (a path under ``/xxgk/``) that canonicalisation must
    collapse into one URL: fragments, absolute and relative forms, an upper-case scheme,
    dot segments, backslashes and stray whitespace."""
    name = target.rsplit("/", 1)[-1]
    return [
        target,
        target + "#top",
        target + "#",
        server_base + target,
        server_base.replace("http://", "HTTP://") + target,
        "./" + name,
        "/xxgk/./" + name,
        "/xxgk/sub/../" + name,
        "\\xxgk\\" + name,
        " " + target + "\n",
    ]


# -- crawling ------------------------------------------------------------------------------------
def fault_limits(**changes: Any) -> CrawlLimits:
    """Limits for the fault matrix: no politeness delay, sub-second timeouts, one retry."""
    base: dict[str, Any] = dict(min_delay=0.0, connect_timeout=0.5, read_timeout=0.5, retries=1, backoff=0.0,
                                max_body_bytes=512 * 1024, max_attachment_bytes=64 * 1024)
    base.update(changes)
    return CrawlLimits(**base)


def site(site_id: str, server: FaultServer, entry: str = "/xxgk/", **kw: Any) -> SiteConfig:
    """A site config over a :class:`FaultServer`."""
    return SiteConfig(id=site_id, name=f"{site_id}生态环境局", region="故障省", base_url=server.base + "/",
                      entry_points=(server.url(entry),), **kw)


def assessment_for(tmp: Path, sites: Sequence[SiteConfig], limits: CrawlLimits | None = None) -> Assessment:
    """An assessment over local sites, store and evidence under ``tmp``."""
    return Assessment(
        name="故障矩阵", round="2025", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        reference_date=date(2026, 1, 15), sites=tuple(sites), store_url=f"sqlite:///{tmp / 'store.db'}",
        output_dir=tmp / "output", evidence_dir=tmp / "evidence", limits=limits or fault_limits(), concurrency=2,
    )


def crawl_sites(
    tmp: Path, sites: Sequence[SiteConfig], limits: CrawlLimits | None = None, *, real_extractors: bool = False,
    **kw: Any,
) -> tuple[list[CrawlStats], Store]:
    """Crawl ``sites`` into a store under ``tmp`` (tiny extractors unless ``real_extractors``)."""
    tmp.mkdir(parents=True, exist_ok=True)
    assessment = assessment_for(tmp, sites, limits)
    store = Store.open(assessment.store_url)
    extractors = {} if real_extractors else TINY
    return crawl(assessment, store, **extractors, **kw), store


def fetch_rows(store: Store) -> dict[str, dict[str, Any]]:
    """``fetches`` rows by URL."""
    t = schema.fetches
    with store.engine.connect() as conn:
        return {r["url"]: dict(r) for r in conn.execute(select(t)).mappings()}


def documents(store: Store) -> dict[str, dict[str, Any]]:
    """``documents`` rows by URL."""
    t = schema.documents
    with store.engine.connect() as conn:
        return {r["url"]: dict(r) for r in conn.execute(select(t)).mappings()}


def lost_urls(store: Store, expected: Iterable[str]) -> list[str]:
    """Expected URLs with neither a document nor a recorded fetch: silently lost."""
    fetched, docs = fetch_rows(store), documents(store)
    return sorted(u for u in expected if u not in fetched and u not in docs)
