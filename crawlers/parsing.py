"""The parse step of a crawl: bytes of a response → decoded text, challenge check, page.

:func:`parse_page` is a plain module-level function so that it can run either on the fetching
thread or in a worker process (:class:`ParsePool`): extraction is CPU-bound Python, and with
several sites crawled at once a pool of processes parses in parallel while the threads keep
fetching and writing the store. The results (:class:`Parsed`, with the model's dataclasses)
are picklable.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
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
    """Runs :func:`parse_page` in worker processes. Thread-safe; close it when done."""

    def __init__(self, tools: Tools, workers: int) -> None:
        self.tools = tools
        context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_up)

    def __call__(self, kind: str, body: bytes, url: str, headers: Mapping[str, str], **kw: Any) -> Parsed:
        return self._pool.submit(parse_page, self.tools, kind, body, url, dict(headers), **kw).result()

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _warm_up() -> None:
    """Import the extraction layer once per worker, not on its first page."""
    import crawlers.extract  # noqa: F401
