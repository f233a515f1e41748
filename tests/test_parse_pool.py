"""The parse pool: pages parsed in worker processes, answered to the right thread, and a
worker that dies on a page replaced without stopping the crawl."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import pytest

from crawlers.model import Article
from crawlers.parsing import ParsePool, Parsed, default_tools, parse_page
from tests._crawl_fixtures import article_page, tiny_extract_article, tiny_extract_list


def crash_on_poison(html: bytes | str, url: str, headers: Any = None, **kw: Any) -> Article:
    """An extractor that kills its own process on one URL (a page that crashes libxml2)."""
    if "poison" in url:
        os.kill(os.getpid(), signal.SIGKILL)
    return tiny_extract_article(html, url, headers, **kw)


def pid_as_title(html: bytes | str, url: str, headers: Any = None, **kw: Any) -> Article:
    """An extractor that says which process ran it."""
    article = tiny_extract_article(html, url, headers, **kw)
    article.title = str(os.getpid())
    return article


def _page(n: int) -> bytes:
    return article_page(f"第{n}号文件", "2025-03-05", body=f"正文{n}").encode("utf-8")


def _parse(pool: Any, n: int, url: str | None = None) -> Parsed:
    return pool("article", _page(n), url or f"http://127.0.0.1:1/a/{n}.html", {"Content-Type": "text/html"},
                http_status=200, family=None, observed=True)


@pytest.fixture
def pool():
    p = ParsePool(default_tools(crash_on_poison, tiny_extract_list), 2)
    assert p.wait_ready(60)  # before that, pages are parsed by the calling thread: poison would kill pytest
    yield p
    p.close()


def test_pool_gives_what_inline_parsing_gives(pool: ParsePool) -> None:
    tools = default_tools(crash_on_poison, tiny_extract_list)
    inline = parse_page(tools, "article", _page(7), "http://127.0.0.1:1/a/7.html", {"Content-Type": "text/html"},
                        http_status=200, family=None, observed=True)
    assert _parse(pool, 7) == inline
    assert inline.page is not None and inline.page.title == "第7号文件"


def test_many_threads_each_get_their_own_page(pool: ParsePool) -> None:
    got: dict[int, str] = {}

    def work(n: int) -> None:
        for k in range(n, 200, 20):
            result = _parse(pool, k)
            assert result.page is not None
            got[k] = result.page.title

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]  # more threads than channels
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {k: f"第{k}号文件" for k in range(200)}


def test_a_page_that_kills_the_worker_is_a_parse_error_and_the_crawl_goes_on(pool: ParsePool) -> None:
    first_pids = {w.pid for w in pool._workers}
    result = _parse(pool, 1, "http://127.0.0.1:1/a/poison.html")
    assert (result.status, result.page) == ("parse_error", None)
    assert "stopped the parser process" in (result.error or "")
    after = [_parse(pool, n) for n in range(2, 12)]  # every page after it is parsed normally
    assert [r.page.title for r in after if r.page] == [f"第{n}号文件" for n in range(2, 12)]
    assert {w.pid for w in pool._workers} != first_pids  # the dead worker was replaced
    assert all(w.is_alive() for w in pool._workers)


def test_a_pool_whose_workers_keep_dying_gives_up_with_a_clear_error() -> None:
    pool = ParsePool(default_tools(crash_on_poison, tiny_extract_list), 1)
    pool.MAX_RESTARTS = 2
    assert pool.wait_ready(60)
    outcomes: list[str] = []

    def poison_pages() -> None:
        for n in range(4):
            try:
                outcomes.append(_parse(pool, n, f"http://127.0.0.1:1/poison/{n}.html").status or "ok")
            except RuntimeError as exc:
                outcomes.append(str(exc))

    try:
        worker = threading.Thread(target=poison_pages)
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "the pool hung instead of giving up"
        assert outcomes[0] == "parse_error"
        assert outcomes[-1].startswith("parse workers died 3 times")
        with pytest.raises(RuntimeError, match="keep crashing the parser"):
            _parse(pool, 9)  # even a good page: the pool is done
    finally:
        pool.close()


def test_pages_are_parsed_by_the_caller_until_a_worker_is_ready() -> None:
    pool = ParsePool(default_tools(pid_as_title, tiny_extract_list), 1)
    real = pool._ready_event
    pool._ready_event = threading.Event()  # as if the worker were still importing
    try:
        assert _parse(pool, 1).page.title == str(os.getpid())
        pool._ready_event = real
        assert pool.wait_ready(60)
        assert _parse(pool, 2).page.title == str(pool._workers[0].pid)
    finally:
        pool.close()


def test_close_stops_the_workers() -> None:
    pool = ParsePool(default_tools(tiny_extract_article, tiny_extract_list), 1)
    assert _parse(pool, 3).page is not None
    workers = list(pool._workers)
    pool.close()
    assert all(not w.is_alive() for w in workers)
    with pytest.raises(ValueError, match="at least one worker"):
        ParsePool(default_tools(), 0)
