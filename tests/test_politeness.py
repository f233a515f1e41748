"""Politeness: robots.txt rules, Crawl-delay and the per-host minimum delay."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.engine import crawl, crawl_site
from crawlers.politeness import MAX_CRAWL_DELAY, HostGate, RobotsRules, host_of
from evaluator.store import Store, schema
from tests._crawl_fixtures import TINY, LocalSite, Reply, fast_limits, make_assessment, site_config, three_column_site

ROBOTS = b"""User-agent: *
Disallow: /module/
Crawl-delay: 2

User-agent: eco-disclosure-evaluator
Disallow: /xxgk/private/
Crawl-delay: 0.5
"""


@pytest.mark.parametrize(
    ("http_status", "fetch_status", "state", "allowed"),
    [
        (404, "http_404", "allow_all", True),
        (410, "http_410", "allow_all", True),
        (403, "http_403", "allow_all", True),
        (503, "http_503", "disallow_all", False),
        (None, "timeout", "unknown", True),
        (None, "dns", "unknown", True),
    ],
)
def test_robots_without_a_file(http_status: int | None, fetch_status: str, state: str, allowed: bool) -> None:
    rules = RobotsRules.from_response(http_status, b"", fetch_status)
    assert rules.state == state
    assert rules.allowed("http://sthjj.example.gov.cn/xxgk/") is allowed
    assert rules.crawl_delay() is None


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/xxgk/index.html", True),
        ("/xxgk/private/a.html", False),  # our own group applies …
        ("/module/web/jpage/dataproxy.jsp", True),  # … and replaces the * group
    ],
)
def test_robots_rules_for_our_agent(path: str, allowed: bool) -> None:
    rules = RobotsRules.from_response(200, ROBOTS, "ok")
    assert rules.allowed("http://h.gov.cn" + path) is allowed
    assert rules.crawl_delay() == 0.5


def test_robots_star_group_applies_to_other_agents() -> None:
    rules = RobotsRules.from_response(200, ROBOTS, "ok")
    assert rules.allowed("http://h.gov.cn/module/x", agent="otherbot") is False
    assert rules.crawl_delay(agent="otherbot") == 2.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_gate_spaces_one_host_and_not_the_others() -> None:
    clock = FakeClock()
    gate = HostGate(1.0, clock=clock, sleep=clock.sleep)
    assert [gate.wait("a.gov.cn"), gate.wait("b.gov.cn"), gate.wait("a.gov.cn"), gate.wait("b.gov.cn")] == [0, 0, 1.0, 0.0]
    clock.now += 5
    assert gate.wait("a.gov.cn") == 0  # the slot passed long ago: no wait


def test_gate_crawl_delay_is_at_least_min_delay_and_capped() -> None:
    gate = HostGate(1.0)
    assert gate.set_delay("a", 0.2) == 1.0
    assert gate.set_delay("b", 5) == 5
    assert gate.set_delay("c", 10_000) == MAX_CRAWL_DELAY


def test_gate_slots_are_reserved_across_threads() -> None:
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.sleeps.append(round(seconds, 6))

    gate = HostGate(0.5, clock=clock, sleep=sleep)
    threads = [threading.Thread(target=gate.wait, args=("h",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(clock.sleeps) == [0.5, 1.0, 1.5]


@pytest.mark.parametrize(("url", "host"), [("http://A.gov.cn/x", "a.gov.cn"), ("http://127.0.0.1:8080/", "127.0.0.1:8080")])
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


def _gaps(site: LocalSite) -> list[float]:
    times = sorted(h.at for h in site.hits)
    return [b - a for a, b in zip(times, times[1:])]


def test_min_delay_spaces_requests_server_side(tmp_path: Path) -> None:
    with three_column_site() as site:
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))], limits=fast_limits(min_delay=0.15))
        store = Store.open(a.store_url)
        stats = crawl_site(a, a.sites[0], store, **TINY)
    assert stats.status == "finished"
    assert len(site.hits) >= 10
    gaps = _gaps(site)  # slots are 0.15 s apart; server-side times jitter with thread scheduling
    assert sum(gaps) / len(gaps) >= 0.145 and min(gaps) >= 0.05


def test_two_sites_on_one_host_share_the_delay(tmp_path: Path) -> None:
    with three_column_site() as site:
        sites = [site_config("s1", site.base, site.url("/xxgk/a/")), site_config("s2", site.base, site.url("/xxgk/b/"))]
        a = make_assessment(tmp_path, sites, limits=fast_limits(min_delay=0.1), concurrency=2)
        store = Store.open(a.store_url)
        results = crawl(a, store, **TINY)
    assert [r.status for r in results] == ["finished", "finished"]
    gaps = _gaps(site)  # slots 0.1 s apart; unshared, the two sites' requests would overlap
    assert sum(gaps) / len(gaps) >= 0.095 and min(gaps) >= 0.02


def test_crawl_delay_from_robots_is_obeyed(tmp_path: Path) -> None:
    with three_column_site() as site:
        site.routes["/robots.txt"] = Reply(200, "User-agent: *\nCrawl-delay: 0.25\n", content_type="text/plain")
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/a/"))])
        store = Store.open(a.store_url)
        stats = crawl_site(a, a.sites[0], store, **TINY)
    assert stats.get("crawl/robots/crawl_delay") == 1
    assert site.paths()[:3] == ["/robots.txt", "/xxgk/a/", "/xxgk/a/index_1.html"]
    gaps = _gaps(site)[1:]  # robots.txt itself precedes the rule
    assert len(gaps) >= 6
    assert sum(gaps) / len(gaps) >= 0.24 and min(gaps) >= 0.05


def test_robots_disallow_is_recorded_not_fetched(tmp_path: Path) -> None:
    with three_column_site() as site:
        site.routes["/robots.txt"] = Reply(200, "User-agent: *\nDisallow: /xxgk/b/\n", content_type="text/plain")
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))])
        store = Store.open(a.store_url)
        stats = crawl_site(a, a.sites[0], store, **TINY)
    assert not any(p.startswith("/xxgk/b/") for p in site.paths())
    assert stats.get("crawl/skipped/robots") == 1
    assert stats.failures()["robots_disallowed"] == 1
    with store.engine.connect() as conn:
        col = conn.execute(select(schema.columns.c.status).where(schema.columns.c.url == site.url("/xxgk/b/"))).scalar()
        fetch = conn.execute(
            select(schema.fetches.c.status, schema.fetches.c.error).where(schema.fetches.c.url == site.url("/xxgk/b/"))
        ).one()
    assert col == "robots_disallowed"
    assert tuple(fetch) == ("robots_disallowed", "disallowed by robots.txt")


def test_robots_can_be_ignored_by_configuration(tmp_path: Path) -> None:
    with three_column_site() as site:
        site.routes["/robots.txt"] = Reply(200, "User-agent: *\nDisallow: /\n", content_type="text/plain")
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))], limits=fast_limits(respect_robots=False))
        store = Store.open(a.store_url)
        stats = crawl_site(a, a.sites[0], store, **TINY)
    assert "/robots.txt" not in site.paths()
    assert stats.documents == 4
