"""The store-backed frontier: idempotent enqueueing, order, states, isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crawlers.frontier import Entry, Frontier
from evaluator.store import Store, schema


@pytest.fixture
def frontier(store_url: str) -> Frontier:
    return Frontier(Store.open(store_url), "2025", "s1")


def test_enqueue_is_idempotent(frontier: Frontier) -> None:
    e = Entry(url="http://a.gov.cn/xxgk/", kind="column", info={"page": 1})
    frontier.add([e, e])
    frontier.add([Entry(url="http://a.gov.cn/xxgk/", kind="column", info={"page": 9})])
    with frontier.store.engine.connect() as conn:
        rows = conn.execute(select(schema.frontier.c.info)).all()
    assert rows == [({"page": 1},)]  # the first discovery wins


def test_post_requests_with_different_bodies_are_distinct(frontier: Frontier) -> None:
    url = "http://a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    frontier.add([Entry(url=url, kind="list", method="POST", body="columnid=1"),
                  Entry(url=url, kind="list", method="POST", body="columnid=2"),
                  Entry(url=url, kind="list", method="GET")])
    assert frontier.counts() == {"pending": 3}


def test_order_is_kind_priority_then_discovery(frontier: Frontier) -> None:
    frontier.add([
        Entry(url="http://a.gov.cn/1.html", kind="article"),
        Entry(url="http://a.gov.cn/f.pdf", kind="attachment"),
        Entry(url="http://a.gov.cn/list_2.html", kind="list"),
        Entry(url="http://a.gov.cn/2.html", kind="article"),
        Entry(url="http://a.gov.cn/col/", kind="column"),
    ])
    assert [e.url.rsplit("/", 1)[1] or "col" for e in frontier.next_batch(10)] == [
        "col", "list_2.html", "1.html", "2.html", "f.pdf",
    ]
    assert len(frontier.next_batch(2)) == 2


def test_mark_moves_state_and_counts_attempts(frontier: Frontier) -> None:
    a, b, c = (Entry(url=f"http://a.gov.cn/{i}.html", kind="article") for i in range(3))
    frontier.add([a, b, c, Entry(url="http://a.gov.cn/f.pdf", kind="attachment")])
    frontier.mark(a, "done")
    frontier.mark(b, "failed", info={"items": 3})
    assert frontier.counts() == {"done": 1, "failed": 1, "pending": 2}
    assert frontier.pages_handled() == 2  # attachments are not pages
    assert [e.url for e in frontier.next_batch()] == [c.url, "http://a.gov.cn/f.pdf"]
    got = frontier.get(b.key)
    assert got is not None and (got.attempts, got.info) == (1, {"items": 3})
    assert frontier.state_of(a.key) == "done" and frontier.state_of("nope") is None


def test_mark_rejects_unknown_states_and_kinds(frontier: Frontier) -> None:
    with pytest.raises(ValueError, match="unknown frontier state 'running'"):
        frontier.mark(Entry(url="http://a.gov.cn/", kind="column"), "running")
    with pytest.raises(ValueError, match=r"unknown frontier kind 'page' \(known: robots, column, list, api, article, attachment\)"):
        frontier.add([Entry(url="http://a.gov.cn/", kind="page")])


def test_sites_and_rounds_are_isolated(frontier: Frontier) -> None:
    other_site = Frontier(frontier.store, "2025", "s2")
    other_round = Frontier(frontier.store, "2024", "s1")
    e = Entry(url="http://shared.gov.cn/", kind="column")
    for f in (frontier, other_site, other_round):
        f.add([e])
    frontier.mark(e, "done")
    frontier.reset()
    assert frontier.counts() == {}
    assert other_site.counts() == {"pending": 1} and other_round.counts() == {"pending": 1}


def test_writes_join_an_open_transaction(frontier: Frontier) -> None:
    e = Entry(url="http://a.gov.cn/x.html", kind="article")
    with pytest.raises(RuntimeError):
        with frontier.store.engine.begin() as conn:
            frontier.add([e], conn=conn)
            raise RuntimeError("killed mid-page")
    assert frontier.counts() == {}
    with frontier.store.engine.begin() as conn:
        frontier.add([e], conn=conn)
        frontier.mark(e, "done", conn=conn)
    with frontier.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.frontier)).scalar() == 1
    assert frontier.counts() == {"done": 1}


def test_listed_items_adds_up_handled_list_pages_per_column(frontier: Frontier) -> None:
    col = "http://a.gov.cn/xxgk/hjyx/"
    seed = Entry(url=col, kind="column", column_url=col)
    page2 = Entry(url=col + "index_1.html", kind="list", column_url=col)
    page3 = Entry(url=col + "index_2.html", kind="list", column_url=col)
    own = Entry(url="http://a.gov.cn/xxgk/xzcf/", kind="column")  # no column_url: its own URL
    article = Entry(url=col + "t1.html", kind="article", column_url=col)
    frontier.add([seed, page2, page3, own, article])
    frontier.mark(seed, "done", info={"items": 20})
    frontier.mark(page2, "done", info={"items": 20})
    frontier.mark(own, "done", info={"items": 4})
    frontier.mark(article, "done", info={"items": 99})  # not a list page
    assert frontier.listed_items() == {
        col: {seed.key: 20, page2.key: 20},  # page3 is still pending
        "http://a.gov.cn/xxgk/xzcf/": {own.key: 4},
    }
