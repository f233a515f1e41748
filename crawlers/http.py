"""The HTTP layer: one :class:`Fetcher` protocol and its ``requests`` implementation.

Every request the crawler makes goes through a :class:`Fetcher`; tests and benchmarks may pass
another one. A fetch never raises for a network or HTTP problem: it returns a
:class:`FetchResult` whose ``status`` is one value of the failure taxonomy
(:data:`STATUSES`), so that "could not observe" is always recorded and never mistaken for
"the bureau did not publish".

:class:`RequestsFetcher` uses a ``requests.Session`` with urllib3 ``Retry`` (exponential
backoff on connection errors, 429 and 5xx; ``Retry-After`` honoured up to a cap), connect and
read timeouts plus an overall deadline, a streaming body limit (the download stops at the
limit) and its own bounded gzip/deflate decoding, so that a compressed bomb never expands
beyond the limit in memory.
"""

from __future__ import annotations

import socket
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from crawlers.model import Request

#: Every status a fetch (or a decision not to fetch) can end with.
STATUSES = (
    "ok",
    "not_modified",
    "dns",
    "connect",
    "timeout",
    "http_<code>",
    "blocked_challenge",
    "robots_disallowed",
    "too_large",
    "not_html",
    "parse_error",
    "off_scope",
)

#: Content types accepted for pages (column, list, article); anything else is ``not_html``.
PAGE_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "application/json",
    "text/javascript",
    "application/javascript",
    "text/plain",
)

RETRY_STATUSES = (429, 500, 502, 503, 504)
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


@dataclass
class FetchResult:
    """What one request produced.

    ``status`` is ``ok`` (2xx with an accepted content type), ``not_modified`` (304 to a
    conditional request) or a failure status of the taxonomy. ``body`` holds the decoded
    (gzip/deflate removed) payload, at most the size limit; ``truncated`` says the limit cut
    it. ``headers`` are the response headers as received, except that ``Content-Encoding``
    is replaced by ``X-Decoded-Content-Encoding`` because the body is stored decoded.
    """

    url: str
    method: str
    status: str
    final_url: str = ""
    http_status: int | None = None
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: dict[str, str] = field(default_factory=dict)
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: bytes | None = None
    body: bytes = b""
    truncated: bool = False
    elapsed: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the page was observed (``ok`` or ``not_modified``)."""
        return self.status in ("ok", "not_modified")

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        return media_type(self.header("content-type"))

    def header(self, name: str) -> str:
        """A response header, case-insensitively ('' when absent)."""
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return ""


class Fetcher(Protocol):
    """The transport seam. Implementations must be safe to call from several threads.

    ``fetch`` makes one request and never raises for network or HTTP problems: the result's
    ``status`` says what happened. ``accept_any`` disables the content-type check (for
    attachments); ``max_bytes`` overrides the body limit; ``truncate_ok`` turns a body over the
    limit into a truncated ``ok`` result instead of ``too_large``; ``headers`` are extra request
    headers (conditional headers, Range). Redirects are followed one by one; one to a URL that is
    not http(s), or for which ``scope`` returns False, is not followed (status ``off_scope``).
    """

    def fetch(
        self,
        request: Request,
        *,
        accept_any: bool = False,
        max_bytes: int | None = None,
        truncate_ok: bool = False,
        headers: Mapping[str, str] | None = None,
        scope: Callable[[str], bool] | None = None,
    ) -> FetchResult: ...

    def close(self) -> None: ...


class CappedRetry(Retry):
    """urllib3 ``Retry`` that honours ``Retry-After`` but never sleeps longer than a cap."""

    def __init__(self, *args: Any, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> "CappedRetry":  # keep the cap across increments
        new = super().new(**kw)
        new.max_retry_after = self.max_retry_after
        return new  # type: ignore[return-value]

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)


def header_safe(value: str) -> str:
    """Make a header value sendable: HTTP/1.1 headers are Latin-1, so characters beyond
    ASCII (an assessor's Chinese name in the user agent) are percent-encoded as UTF-8."""
    return "".join(ch if 32 <= ord(ch) < 127 else quote(ch, safe="") for ch in value)


def media_type(content_type: str) -> str:
    """``text/html; charset=gbk`` → ``text/html``."""
    return content_type.split(";", 1)[0].strip().lower()


class _Decoder:
    """Bounded decoding of a gzip or deflate stream: never produces more than ``limit + 1``
    bytes in total, however well the input compresses."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._raw_deflate = False
        if encoding in ("gzip", "x-gzip"):
            self._obj: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._obj = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            self._obj = None

    def decode(self, data: bytes, room: int) -> bytes:
        """Decode ``data``, returning at most ``room`` bytes (the rest is left undecoded)."""
        if self._obj is None:
            return data[:room] if len(data) > room else data
        try:
            return self._obj.decompress(data, room) if room > 0 else b""
        except zlib.error:
            if self.encoding == "deflate" and not self._raw_deflate:
                # Some servers send raw deflate without the zlib header.
                self._raw_deflate = True
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._obj.decompress(data, room)
            raise

    @property
    def pending(self) -> bool:
        """True when decoded output is still held back by the limit."""
        return bool(self._obj is not None and self._obj.unconsumed_tail)


def _chunks(raw: Any) -> Any:
    """The raw body in pieces as they arrive (``read1``), so that a server dripping a few bytes
    at a time cannot hold a read past the download deadline."""
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        yield from raw.stream(_CHUNK, decode_content=False)
        return
    while True:
        chunk = read1(_CHUNK, decode_content=False)
        if not chunk:
            return
        yield chunk


def classify_exception(exc: BaseException) -> str:
    """Map a requests/urllib3/socket exception to ``dns``, ``connect`` or ``timeout``."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    kinds: list[str] = []
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, (NameResolutionError, socket.gaierror)):
            return "dns"
        # urllib3's NewConnectionError subclasses ConnectTimeoutError: look at its cause instead
        timeouts = (requests.Timeout, ConnectTimeoutError, ReadTimeoutError, socket.timeout, TimeoutError)
        if isinstance(cur, timeouts) and not isinstance(cur, (NewConnectionError, requests.ConnectionError)):
            kinds.append("timeout")
        for nxt in (getattr(cur, "reason", None), cur.__cause__, cur.__context__, *getattr(cur, "args", ())):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
    if "timeout" in kinds:
        return "timeout"
    return "connect"


def _short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 500 else text[:497] + "..."


class RequestsFetcher:
    """A :class:`Fetcher` over ``requests`` with retries, timeouts and size limits.

    Build one per crawl and share it between threads (the connection pool is per host).
    """

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        max_body_bytes: int = 10 * 1024 * 1024,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        pool_size: int = 16,
        max_redirects: int = 10,
    ) -> None:
        self.user_agent = header_safe(user_agent)
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = connect_timeout + 2 * read_timeout
        self.max_body_bytes = max_body_bytes
        self.session = requests.Session()
        self.session.max_redirects = max_redirects
        self.session.trust_env = False  # no proxies or .netrc from the environment
        retry = CappedRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            backoff_factor=backoff,
            backoff_max=30.0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # dataproxy POSTs are reads: retry them too
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
            max_retry_after=max_retry_after,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @classmethod
    def from_limits(cls, limits: Any, user_agent: str, **kwargs: Any) -> "RequestsFetcher":
        """Build a fetcher from :class:`evaluator.settings.CrawlLimits`."""
        return cls(
            user_agent=user_agent,
            connect_timeout=limits.connect_timeout,
            read_timeout=limits.read_timeout,
            max_body_bytes=limits.max_body_bytes,
            retries=limits.retries,
            backoff=limits.backoff,
            **kwargs,
        )

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def fetch(
        self,
        request: Request,
        *,
        accept_any: bool = False,
        max_bytes: int | None = None,
        truncate_ok: bool = False,
        headers: Mapping[str, str] | None = None,
        scope: Callable[[str], bool] | None = None,
    ) -> FetchResult:
        """Make one request; see :class:`Fetcher`."""
        limit = self.max_body_bytes if max_bytes is None else max_bytes
        req_headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9",
            "Accept-Encoding": "gzip, deflate",
        }
        req_headers.update({k: header_safe(v) for k, v in request.headers})
        if headers:
            req_headers.update({k: header_safe(v) for k, v in headers.items()})
        data: bytes | None = None
        if request.body is not None:
            data = request.body.encode("utf-8")
            req_headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
        result = FetchResult(
            url=request.url,
            method=request.method.upper(),
            status="connect",
            final_url=request.url,
            request_headers=req_headers,
            request_body=data,
        )
        start = time.monotonic()
        try:
            resp = self._follow(result, data, scope)
        except (requests.RequestException, MaxRetryError, ProtocolError, OSError, ValueError) as exc:
            result.status = classify_exception(exc) if not isinstance(exc, ValueError) else "connect"
            result.error = _short_error(exc)
            result.elapsed = time.monotonic() - start
            return result
        if resp is None:  # a redirect that was not followed: the result says why
            result.elapsed = time.monotonic() - start
            return result
        try:
            self._read(resp, result, limit, accept_any, truncate_ok, start)
        finally:
            resp.close()
        result.elapsed = time.monotonic() - start
        return result

    # -- internals -------------------------------------------------------------------------
    def _follow(self, result: FetchResult, data: bytes | None, scope: Callable[[str], bool] | None) -> Any:
        """Send the request and follow redirects one by one, each checked against the scope;
        returns the final response, or None when a redirect was refused (``result`` says why)."""
        url, method = result.url, result.method
        for _hop in range(self.session.max_redirects + 1):
            # A prepared request sent through the session (requests' "Prepared Requests"): our
            # headers are complete, so the session's per-request merging of headers, params,
            # proxies and environment settings (a third of a request's CPU) is skipped.
            prepared = requests.Request(
                method, url, data=data, headers=result.request_headers, cookies=self.session.cookies
            ).prepare()
            resp = self.session.send(
                prepared, timeout=self.timeout, stream=True, allow_redirects=False,
                verify=self.session.verify, cert=None, proxies={},
            )
            location = resp.headers.get("Location") if resp.status_code in _REDIRECTS else None
            if not location:
                return resp
            target = urljoin(resp.url, location.strip())
            code = resp.status_code
            resp.close()
            result.final_url, result.http_status, result.reason = target, code, resp.reason or ""
            result.headers = dict(resp.headers)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                result.status, result.error = "off_scope", f"redirect to {target[:200]!r}: not an http(s) URL"
                return None
            if scope is not None and not scope(target):
                result.status, result.error = "off_scope", f"redirect to {target[:200]} leaves the site's hosts"
                return None
            if code == 303 or (code in (301, 302) and method == "POST"):
                method, data = "GET", None
            url = target
        result.status = f"http_{result.http_status}"
        result.error = f"redirect loop: more than {self.session.max_redirects} redirects"
        return None

    def _read(
        self,
        resp: requests.Response,
        result: FetchResult,
        limit: int,
        accept_any: bool,
        truncate_ok: bool,
        start: float,
    ) -> None:
        raw = resp.raw
        result.final_url = resp.url
        result.http_status = resp.status_code
        result.reason = resp.reason or ""
        result.http_version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(getattr(raw, "version", 11), "HTTP/1.1")
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        headers = {k: v for k, v in resp.headers.items() if k.lower() not in ("content-encoding", "transfer-encoding")}
        if encoding and encoding != "identity":
            headers["X-Decoded-Content-Encoding"] = encoding
            headers.pop("Content-Length", None)
            headers.pop("content-length", None)
        result.headers = headers
        code = resp.status_code
        if code == 304:
            result.status = "not_modified"
            return
        if code >= 300 and code != 206:
            result.status = f"http_{code}"
            # Keep a bounded body: challenge pages (412/202) are recognised from it.
            self._stream(raw, result, min(limit, 256 * 1024), encoding, start, truncate_ok=True)
            if result.status == "ok":
                result.status = f"http_{code}"
            return
        if not accept_any:
            ctype = media_type(resp.headers.get("Content-Type", ""))
            if ctype and ctype not in PAGE_CONTENT_TYPES:
                result.status = "not_html"
                result.error = f"content type {ctype!r} is not a page"
                return
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and not encoding and int(declared) > limit and not truncate_ok:
            result.status = "too_large"
            result.error = f"Content-Length {declared} exceeds the limit of {limit} bytes"
            return
        self._stream(raw, result, limit, encoding, start, truncate_ok=truncate_ok)
        if code == 202 and result.status == "ok":
            result.status = "http_202"  # accepted but not served: typically a challenge

    def _stream(
        self,
        raw: Any,
        result: FetchResult,
        limit: int,
        encoding: str,
        start: float,
        *,
        truncate_ok: bool,
    ) -> None:
        decoder = _Decoder(encoding)
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in _chunks(raw):
                piece = decoder.decode(chunk, limit + 1 - size)
                size += len(piece)
                parts.append(piece)
                if size > limit or decoder.pending:
                    break
                if time.monotonic() - start > self.deadline:
                    result.status = "timeout"
                    result.error = f"download took longer than {self.deadline:.0f} s"
                    result.body = b"".join(parts)
                    return
        except (ProtocolError, ReadTimeoutError, OSError, requests.RequestException) as exc:
            result.status = classify_exception(exc)
            result.error = _short_error(exc)
            result.body = b"".join(parts)
            return
        except zlib.error as exc:
            result.status = "parse_error"
            result.error = f"bad {encoding} stream: {exc}"
            return
        body = b"".join(parts)
        if size > limit or decoder.pending:
            result.truncated = True
            body = body[:limit]
            if not truncate_ok:
                result.status = "too_large"
                result.error = f"body exceeds the limit of {limit} bytes"
                result.body = body
                return
        result.body = body
        result.status = "ok"
