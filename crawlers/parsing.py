"""The parse step of a crawl: bytes of a response → decoded text, challenge check, page.

:func:`parse_page` is a plain module-level function so that it can run either on the fetching
thread or in a worker process (:class:`ParsePool`): extraction is CPU-bound Python, and with
several sites crawled at once a pool of processes parses in parallel while the threads keep
fetching and writing the store. The results (:class:`Parsed`, with the model's dataclasses)
are picklable.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from crawlers.model import Request, Article, ListPage


@dataclass(frozen=True)
class Tools:
    """The parsing functions a crawl uses (module-level functions, so they pickle)."""

    extract_list: Callable[..., ListPage]
    extract_article: Callable[..., Article]
    decode: Callable[..., tuple[str, str]]
    is_challenge: Callable[[int | None, str], bool]


def default_tools(extract_article: Callable[..., Article] | None = None,
                  extract_list: Callable[..., ListPage] | None = None) -> Tools:
    """The extraction layer's public functions, with optional replacements for the two
    extractors (tests inject small ones)."""
    from crawlers import detect, encoding, extract

    return Tools(
        extract_list=extract_list or extract.extract_list,
        extract_article=extract_article or extract.extract_article,
        decode=encoding.decode_html,
        is_challenge=detect.is_challenge,
    )


@dataclass
class Parsed:
    """What the parse step found.

    ``status`` is None when the page is usable, else ``blocked_challenge`` or ``parse_error``
    (with ``error``). ``family`` is the CMS family the extractor used for the page.
    """

    encoding: str | None = None
    family: str | None = None
    page: ListPage | Article | None = None
    status: str | None = None
    error: str | None = None


def parse_page(
    tools: Tools,
    kind: str,
    body: bytes,
    url: str,
    headers: Mapping[str, str],
    *,
    http_status: int | None,
    family: str | None,
    observed: bool,
    request: Request | None = None,
) -> Parsed:
    """Decode ``body``, recognise an anti-bot challenge, and — when the fetch ``observed`` the
    page (ok / not modified) — extract it as a list (``column``/``list``/``api``) or an article.
    Never raises: an extractor failure becomes ``parse_error``."""
    out = Parsed()
    if not body:
        return out
    if observed and _is_binary(body):
        out.status, out.error = "not_html", "binary content served as a web page (NUL bytes in the first 4 KB)"
        return out
    try:
        text, out.encoding = tools.decode(body, dict(headers))
    except Exception as exc:  # undecodable bytes are a parse error, not a crash
        if observed:
            out.status, out.error = "parse_error", _bound(f"cannot decode the page: {exc}")
        return out
    if text and tools.is_challenge(http_status, text):
        out.status = "blocked_challenge"
        out.error = f"anti-bot JavaScript challenge (HTTP {http_status})"
        return out
    if not observed:
        return out
    try:
        if kind == "article":
            out.page = tools.extract_article(text, url, dict(headers), family=family, status=http_status)
        else:  # the request lets a POST-paged list (Hanweb dataproxy.jsp) build its next POST
            out.page = tools.extract_list(text, url, dict(headers), family=family, status=http_status, request=request)
        out.family = out.page.family  # the extractor detects it per page unless it was forced
    except Exception as exc:  # extraction must never stop the crawl
        out.status, out.error, out.page = "parse_error", _bound(f"{type(exc).__name__}: {exc}"), None
        return out
    if out.page is not None and out.page.blocked:
        out.status, out.error, out.page = "blocked_challenge", "anti-bot JavaScript challenge page", None
    return out


_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16/32 text has NUL bytes of its own


def _is_binary(body: bytes) -> bool:
    """True for a file (PDF, Word, image, archive) sent as a page: NUL bytes never occur in
    HTML of any 8-bit or UTF-8 encoding."""
    return b"\x00" in body[:4096] and not body.startswith(_WIDE_BOMS)


def _bound(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ParsePool:
    """Runs :func:`parse_page` in worker processes. Thread-safe; close it when done.

    Each worker serves a set of pipes ("channels"); a calling thread borrows a free channel,
    sends its page and waits for the answer on the same pipe. There is no dispatcher thread
    between the crawling threads and the workers: a page costs the crawling process one
    pickle each way and nothing else, and pages queue in the pipes, so a worker never idles
    while pages wait.

    Until the first worker has imported the extraction layer (a few tenths of a second), the
    calling threads parse their pages themselves, so a crawl does not wait for the pool.

    A worker that dies (a page that crashes libxml2, the kernel's out-of-memory killer) is
    replaced; the pages it held are parsed again on the new worker, and a page that kills
    workers twice is reported as ``parse_error`` instead of stopping the crawl. After
    ``MAX_RESTARTS`` replacements the pool gives up: every later call raises RuntimeError
    (the sites then end as ``failed`` with that message) rather than restart workers forever.
    """

    #: Channels per worker: more than the crawling threads that can wait on one worker.
    CHANNELS = 16
    #: Workers replaced before the pool gives up (a crash on every page is not a bad page).
    MAX_RESTARTS = 50

    def __init__(self, tools: Tools, workers: int) -> None:
        if workers < 1:
            raise ValueError("a parse pool needs at least one worker")
        self.tools = tools
        self._context = multiprocessing.get_context(
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        self._free: queue.SimpleQueue[_Channel | None] = queue.SimpleQueue()  # None: the pool gave up
        self._lock = threading.Lock()
        self._workers: list[Any] = [None] * workers
        self._generation = [0] * workers
        self._restarts = 0
        self._closed = False
        self._broken: str | None = None
        self._ready_event = self._context.Event()  # set by a worker once it can parse
        self._ready = False
        channels: list[list[_Channel]] = [self._start(i) for i in range(workers)]
        for group in zip(*channels):  # interleaved: consecutive borrowers land on different workers
            for channel in group:
                self._free.put(channel)

    def _start(self, index: int) -> list[_Channel]:
        pipes = [self._context.Pipe(duplex=True) for _ in range(self.CHANNELS)]
        process = self._context.Process(
            target=_serve, args=(self.tools, [theirs for _, theirs in pipes], self._ready_event),
            name=f"parse-worker-{index}", daemon=True,
        )
        process.start()
        for _, theirs in pipes:
            theirs.close()
        self._workers[index] = process
        generation = self._generation[index]
        return [_Channel(ours, index, generation) for ours, _ in pipes]

    def __call__(self, kind: str, body: bytes, url: str, headers: Mapping[str, str], **kw: Any) -> Parsed:
        if not self._ready:
            if not self._ready_event.is_set():
                return parse_page(self.tools, kind, body, url, dict(headers), **kw)
            self._ready = True
        message = pickle.dumps((kind, body, url, dict(headers), kw), protocol=pickle.HIGHEST_PROTOCOL)
        failures = 0
        while failures < 2:  # a page that a worker dies on is tried once more on a fresh worker
            channel = self._free.get()
            if channel is None:
                self._free.put(None)  # for the next caller
                raise RuntimeError(self._broken)
            if channel.generation != self._generation[channel.worker]:
                channel.conn.close()  # a channel of a worker replaced meanwhile
                continue
            try:
                channel.conn.send_bytes(message)
                reply = channel.conn.recv_bytes()
            except (EOFError, OSError):
                self._worker_died(channel)
                failures += 1
                continue
            self._free.put(channel)
            ok, value = pickle.loads(reply)
            return value if ok else Parsed(status="parse_error", error=_bound(f"parse worker: {value}"))
        return Parsed(status="parse_error", error="the page stopped the parser process each time it was parsed")

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until a worker can parse (from then on no page is parsed by the caller)."""
        return self._ready_event.wait(timeout)

    def _worker_died(self, channel: _Channel) -> None:
        """Replace the worker behind a dead channel (once, whoever notices first)."""
        channel.conn.close()
        with self._lock:
            if self._closed or channel.generation != self._generation[channel.worker]:
                return  # already replaced: the channels of the new worker are in the free list
            process = self._workers[channel.worker]
            process.join(timeout=1)
            if process.is_alive():
                process.kill()
                process.join()
            self._restarts += 1
            self._generation[channel.worker] += 1
            if self._restarts > self.MAX_RESTARTS:
                self._broken = (
                    f"parse workers died {self._restarts} times (last exit code {process.exitcode}): "
                    "the pages keep crashing the parser, so the crawl stops instead of restarting it forever"
                )
                self._free.put(None)
                return
            for fresh in self._start(channel.worker):
                self._free.put(fresh)

    def close(self) -> None:
        """Stop the workers."""
        with self._lock:
            self._closed = True
        while True:
            try:
                channel = self._free.get_nowait()
            except queue.Empty:
                break
            if channel is not None:
                channel.conn.close()
        for process in self._workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


@dataclass
class _Channel:
    conn: Any  # multiprocessing.connection.Connection, our end
    worker: int
    generation: int


def _serve(tools: Tools, conns: list[Any], ready: Any) -> None:
    """A worker: answer pages on any of its channels until they are all closed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawling process's to handle
    import crawlers.extract  # noqa: F401  (once, before the first page)

    ready.set()

    live = list(conns)
    while live:
        for conn in wait(live):
            try:
                kind, body, url, headers, kw = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                live.remove(conn)
                continue
            try:
                reply: tuple[bool, Any] = (True, parse_page(tools, kind, body, url, headers, **kw))
                data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # parse_page never raises; an unpicklable result might
                data = pickle.dumps((False, f"{type(exc).__name__}: {exc}"), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                conn.send_bytes(data)
            except OSError:
                live.remove(conn)
