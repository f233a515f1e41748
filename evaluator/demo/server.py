"""The demo province's HTTP servers on 127.0.0.1, with per-site fault knobs.

Every site gets two ports: its bureau host and its city portal. One acceptor thread watches all
listening sockets (so 300 sites are 600 sockets and one thread, not 600 polling loops), and each
connection is handled on its own daemon thread. Pages are rendered on request from the seed
(:func:`evaluator.demo.generator.generate_site` is cached), never held in memory.

Fault knobs (:class:`evaluator.demo.model.SiteFaults`, from the generator or overridden per site):

- ``latency_ms``: every answer waits this long; only pages of ``slow_column_keys`` when set.
- ``error_rate``, ``timeout_rate``, ``reset_rate``, ``truncate_rate``: decided per request by a
  hash of (seed, site, host, path with query, attempt number), so a fresh server makes the same
  decisions for the same sequence of requests and a retry is a new draw. ``robots.txt`` is exempt.
  Errors answer 500/502/503; timeouts hold the connection for ``timeout_sleep`` seconds and close
  it without an answer; resets close with TCP RST; truncation sends a Content-Length larger than
  the body.
- ``challenge_paths`` (path prefixes) and blocked columns always answer the 412 challenge.
- ``redirect_loop_paths``: 302 between ``P`` and ``P?r=1`` forever.
- ``oversize_paths``: the page padded to ``oversize_bytes`` (default 12 MiB).
- ``robots_disallow``: the Disallow lines of robots.txt (404 when empty).

HTTP: Content-Type with or without charset per site, ETag and Last-Modified on articles and
attachments (If-None-Match / If-Modified-Since → 304), HEAD, and byte ranges on attachments.
"""

from __future__ import annotations

import re
import selectors
import socket
import struct
import threading
import traceback
from collections import Counter
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evaluator.demo.generator import generate_site, province_sites
from evaluator.demo.model import DemoSite, SiteFaults
from evaluator.demo.render import Origins, Response, render
from evaluator.demo.render.challenge import challenge_response
from evaluator.demo.render.common import http_date, portal_prefix_of, stable_int

__all__ = ["DemoProvince", "SiteEndpoint"]

MAX_REQUEST_BODY = 64 * 1024
_SERVER_NAMES = {"trs": "nginx", "hanweb": "Apache-Coyote/1.1", "gkmlpt": "Tengine", "generic": "Microsoft-IIS/8.5"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class SiteEndpoint:
    """Where one demo site is served: its bureau host and its city-portal channel."""

    index: int
    site_id: str
    name: str
    family: str
    base_url: str  # http://127.0.0.1:<port>/
    portal_url: str  # http://127.0.0.1:<port>/<channel>/

    @property
    def origins(self) -> Origins:
        """The scheme://host:port of both servers."""
        return Origins(self.base_url.rstrip("/"), "/".join(self.portal_url.split("/")[:3]))


class TrackingHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that knows its open connections, so that stopping it (or
    simulating a site that dies) can cut keep-alive clients and sleeping fault handlers."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.active: set[socket.socket] = set()
        self.active_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.active_lock:
            self.active.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.active_lock:
            self.active.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Shut down every open connection (keep-alive clients, sleeping timeout faults)."""
        with self.active_lock:
            connections = list(self.active)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _SiteServer(TrackingHTTPServer):
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], province: "DemoProvince", endpoint_index: int, host: str) -> None:
        super().__init__(address, _Handler)
        self.province = province
        self.endpoint_index = endpoint_index
        self.host_kind = host


class _Sink:
    """Stands in for the socket file after a reset, so the handler's cleanup is a no-op."""

    closed = True  # socketserver's finish() checks it before flushing

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


class _Dropped(Exception):
    """The fault knobs dropped the connection: nothing more is written."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # idle keep-alive connections are closed after this many seconds
    # Headers and body leave in two writes; with Nagle's algorithm on, the body waits for the
    # client's delayed ACK (~40 ms a response on Linux). Real servers (nginx) set TCP_NODELAY too.
    disable_nagle_algorithm = True
    server: _SiteServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        province = self.server.province
        try:
            body = b""
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BODY:
                    self._send(Response(413, b"request body too large\n", "text/plain", kind="error"), method)
                    return
                body = self.rfile.read(length)
            province._handle(self, method, body)
        except _Dropped:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a renderer bug: answer 500, keep the trace for tests
            province.errors.append(traceback.format_exc())
            self.close_connection = True
            try:
                self._send(Response(500, b"internal error\n", "text/plain", kind="error"), method)
            except OSError:
                pass

    def _send(self, response: Response, method: str, *, declared_length: int | None = None) -> None:
        self.send_response_only(response.status)
        family = self.server.province.endpoint(self.server.endpoint_index).family
        self.send_header("Server", _SERVER_NAMES.get(family, "nginx"))
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(declared_length if declared_length is not None else len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if response.last_modified is not None:
            self.send_header("Last-Modified", http_date(response.last_modified))
        if response.etag is not None:
            self.send_header("ETag", response.etag)
        if response.kind == "attachment":
            self.send_header("Accept-Ranges", "bytes")
        if declared_length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if method != "HEAD" and response.status != 304:
            self.wfile.write(response.body)
        self.wfile.flush()

    def reset(self) -> None:
        """Close the connection with a TCP RST."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        finally:
            self.wfile = _Sink()  # type: ignore[assignment]
            self.close_connection = True
        raise _Dropped


class DemoProvince:
    """Serve a demo province: ``sites`` bureau hosts and their city portals on 127.0.0.1.

    Use as a context manager (``with DemoProvince(seed=0, sites=3) as province: …``) or call
    :meth:`start` and :meth:`stop`. ``faults`` overrides the generator's :class:`SiteFaults` per
    site id; ``port_base`` 0 picks free ports, otherwise site *i* gets ``port_base + 2(i-1)``
    (bureau) and the next port (portal). ``timeout_sleep`` is how long a timeout fault holds a
    connection; ``oversize_bytes`` the size of oversize pages.
    """

    def __init__(
        self,
        seed: int = 0,
        sites: int = 12,
        pages: int | None = None,
        faults: dict[str, SiteFaults] | None = None,
        port_base: int = 0,
        *,
        host: str = "127.0.0.1",
        timeout_sleep: float = 35.0,
        oversize_bytes: int = 12 * 1024 * 1024,
    ) -> None:
        if sites < 1:
            raise ValueError(f"sites must be at least 1, got {sites}")
        if port_base and not 1024 <= port_base <= 65535 - 2 * sites:
            raise ValueError(f"port_base {port_base} leaves no room for {2 * sites} ports below 65536")
        self.seed = seed
        self.n = sites
        self.pages = pages
        self.faults = dict(faults or {})
        self.port_base = port_base
        self.host = host
        self.timeout_sleep = timeout_sleep
        self.oversize_bytes = oversize_bytes
        self.request_log: Counter[tuple[str, str, str]] = Counter()
        self.errors: list[str] = []
        self._attempts: Counter[tuple[str, str, str]] = Counter()
        self._overridden: dict[str, tuple[DemoSite, DemoSite]] = {}
        self._generating: dict[int, threading.Lock] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: list[_SiteServer] = []
        self._endpoints: list[SiteEndpoint] = []
        self._thread: threading.Thread | None = None
        self._listing = province_sites(seed, sites)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "DemoProvince":
        """Bind every port and start serving; returns ``self``. OSError names a busy port."""
        if self._thread is not None:
            return self
        try:
            for position, (index, site_id, name, family) in enumerate(self._listing):
                ports = (0, 0) if not self.port_base else (self.port_base + 2 * position, self.port_base + 2 * position + 1)
                bureau = self._bind(ports[0], position, "bureau")
                portal = self._bind(ports[1], position, "portal")
                self._endpoints.append(
                    SiteEndpoint(
                        index=index,
                        site_id=site_id,
                        name=name,
                        family=family,
                        base_url=f"http://{self.host}:{bureau.server_address[1]}/",
                        portal_url=f"http://{self.host}:{portal.server_address[1]}{portal_prefix_of(site_id, index)}/",
                    )
                )
        except OSError:
            self._close_all()
            raise
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name="demo-province-acceptor", daemon=True)
        self._thread.start()
        return self

    def _bind(self, port: int, position: int, host_kind: str) -> _SiteServer:
        try:
            server = _SiteServer((self.host, port), self, position, host_kind)
        except OSError as exc:
            raise OSError(
                exc.errno, f"cannot listen on {self.host}:{port} for site {position + 1} ({host_kind}): {exc.strerror}; "
                "choose another --port-base or 0 for free ports"
            ) from exc
        self._servers.append(server)
        return server

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            for server in self._servers:
                selector.register(server.socket, selectors.EVENT_READ, server)
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.2):
                    key.data._handle_request_noblock()

    def stop(self) -> None:
        """Stop accepting, wake sleeping timeout faults and close every port."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._close_all()

    def _close_all(self) -> None:
        for server in self._servers:
            server.server_close()
            server.drop_connections()
        self._servers.clear()
        self._endpoints.clear()

    def __enter__(self) -> "DemoProvince":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ queries

    @property
    def sites(self) -> list[tuple[str, str, str]]:
        """(site_id, base_url, portal_url) of every site, in site order (after :meth:`start`)."""
        return [(e.site_id, e.base_url, e.portal_url) for e in self._endpoints]

    @property
    def endpoints(self) -> list[SiteEndpoint]:
        """The full :class:`SiteEndpoint` of every site (after :meth:`start`)."""
        return list(self._endpoints)

    def endpoint(self, position_or_id: int | str) -> SiteEndpoint:
        """The endpoint by position (0-based) or site id."""
        if isinstance(position_or_id, int):
            return self._endpoints[position_or_id]
        for endpoint in self._endpoints:
            if endpoint.site_id == position_or_id:
                return endpoint
        raise KeyError(f"no site {position_or_id!r} in this demo province (sites: {', '.join(e.site_id for e in self._endpoints)})")

    def site(self, site_id: str) -> DemoSite:
        """The generated model of ``site_id`` with the faults in force (cached by the generator)."""
        return self._site_with_faults(self.endpoint(site_id).index)

    def _site_with_faults(self, index: int) -> DemoSite:
        """The generated site with the constructor's fault override in place (memoised per site)."""
        with self._lock:
            flight = self._generating.setdefault(index, threading.Lock())
        with flight:  # one thread generates a site that is not cached; the others wait for it
            site = generate_site(self.seed, index, pages=self.pages)
        override = self.faults.get(site.site_id)
        if override is None or override == site.faults:
            return site
        with self._lock:
            cached = self._overridden.get(site.site_id)
            if cached is None or cached[0] is not site:
                cached = (site, replace(site, faults=override))
                self._overridden[site.site_id] = cached
        return cached[1]

    def hits(self, site_id: str, path: str, host: str = "bureau") -> int:
        """How many requests reached ``path`` (without query) of ``site_id`` on ``host``."""
        with self._lock:
            return self.request_log[(site_id, host, path)]

    def write_assessment(self, path: str | Path, **kwargs: Any) -> Path:
        """Write an assessment.yaml for the running province (see ``write_demo_assessment``)."""
        from evaluator.demo.assessment import write_demo_assessment

        urls = {e.site_id: (e.base_url, e.portal_url) for e in self._endpoints}
        kwargs.setdefault("pages", self.pages)
        return write_demo_assessment(Path(path), urls, self.seed, self.n, **kwargs)

    # ------------------------------------------------------------------ serving

    def _roll(self, kind: str, site_id: str, host: str, target: str, attempt: int) -> float:
        return stable_int(self.seed, kind, site_id, host, target, attempt) / 2.0**64

    def _handle(self, handler: _Handler, method: str, body: bytes) -> None:
        endpoint = self._endpoints[handler.server.endpoint_index]
        host = handler.server.host_kind
        parts = urlsplit(handler.path)
        path = parts.path or "/"
        target = path + ("?" + parts.query if parts.query else "")
        with self._lock:
            self.request_log[(endpoint.site_id, host, path)] += 1
            self._attempts[(endpoint.site_id, host, target)] += 1
            attempt = self._attempts[(endpoint.site_id, host, target)]
        site = self._site_with_faults(endpoint.index)
        faults = site.faults
        channel = portal_prefix_of(site.site_id, site.index)
        local = path[len(channel) :] if host == "portal" and path.startswith(channel + "/") else path
        if any(local.startswith(p) for p in faults.challenge_paths):
            handler._send(challenge_response(site.site_id, path), method)
            return
        if any(local.startswith(p) for p in faults.redirect_loop_paths):
            location = path if parts.query == "r=1" else path + "?r=1"
            handler._send(Response(302, b"", "text/html", headers=(("Location", location),), kind="redirect"), method)
            return
        if path != "/robots.txt":
            self._random_faults(handler, faults, site.site_id, host, target, attempt, method)
        response = render(site, path, parts.query, method, body, host=host, origins=endpoint.origins)
        if faults.latency_ms and (not faults.slow_column_keys or response.column_key in faults.slow_column_keys):
            if self._stopping.wait(faults.latency_ms / 1000.0):
                raise _Dropped
        response = self._conditional(handler, response)
        if response.status == 200 and response.kind == "attachment" and handler.headers.get("Range"):
            response = _byte_range(response, handler.headers["Range"])
        if response.status == 200 and any(local.startswith(p) for p in faults.oversize_paths):
            response = replace(response, body=_pad(response.body, self.oversize_bytes))
        if response.status == 200 and faults.truncate_rate and self._roll(
            "truncate", site.site_id, host, target, attempt
        ) < faults.truncate_rate:
            full = len(response.body)
            handler._send(replace(response, body=response.body[: full // 2]), method, declared_length=full)
            return
        handler._send(response, method)

    def _random_faults(
        self, handler: _Handler, faults: SiteFaults, site_id: str, host: str, target: str, attempt: int, method: str
    ) -> None:
        if faults.timeout_rate and self._roll("timeout", site_id, host, target, attempt) < faults.timeout_rate:
            self._stopping.wait(self.timeout_sleep)
            handler.reset()
        if faults.reset_rate and self._roll("reset", site_id, host, target, attempt) < faults.reset_rate:
            handler.reset()
        if faults.error_rate and self._roll("error", site_id, host, target, attempt) < faults.error_rate:
            status = (500, 502, 503)[stable_int(site_id, target, attempt) % 3]
            page = (
                f"<html>\r\n<head><title>{status} {_REASONS[status]}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} {_REASONS[status]}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n"
            )
            handler._send(Response(status, page.encode("ascii"), "text/html", kind="error"), method)
            raise _Dropped

    @staticmethod
    def _conditional(handler: _Handler, response: Response) -> Response:
        if response.status != 200 or (response.etag is None and response.last_modified is None):
            return response
        tags = handler.headers.get("If-None-Match")
        if tags is not None:
            if response.etag and (tags.strip() == "*" or response.etag in [t.strip() for t in tags.split(",")]):
                return replace(response, status=304, body=b"")
            return response
        since = handler.headers.get("If-Modified-Since")
        if since and response.last_modified is not None:
            try:
                moment = parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return response
            if moment.tzinfo is not None and response.last_modified.replace(microsecond=0) <= moment:
                return replace(response, status=304, body=b"")
        return response


_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}


def _byte_range(response: Response, header: str) -> Response:
    """A 206 slice of ``response`` for one ``bytes=a-b`` range, 416 when unsatisfiable."""
    size = len(response.body)
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return response
    if match.group(1) == "":
        start, end = max(size - int(match.group(2)), 0), size - 1
    else:
        start = int(match.group(1))
        end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    if start >= size or start > end:
        return replace(response, status=416, body=b"", headers=(*response.headers, ("Content-Range", f"bytes */{size}")))
    return replace(
        response,
        status=206,
        body=response.body[start : end + 1],
        headers=(*response.headers, ("Content-Range", f"bytes {start}-{end}/{size}")),
    )


def _pad(body: bytes, size: int) -> bytes:
    """``body`` grown to at least ``size`` bytes with an HTML comment of filler before the end."""
    missing = size - len(body)
    if missing <= 0:
        return body
    filler = b"<!-- " + b"x" * max(missing - 9, 0) + b" -->\n"
    return body + filler
