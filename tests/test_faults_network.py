"""Fault matrix, network: every network fault is survived, recorded with its status, and loses
nothing (the other pages are stored; a recoverable fault is recovered by retry or by rerunning).

Each probe crawls a small local site whose article ``/xxgk/fault.html`` carries one fault
(beside a healthy article ``/xxgk/ok.html``) and returns a :class:`FaultOutcome`; the
parametrised test checks the recorded status and that nothing was lost, and
``benchmarks/faults.py`` prints the same probes as a table.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from evaluator.config import load_assessment
from evaluator.pipeline import RunOptions, run
from evaluator.demo.model import SiteFaults
from evaluator.demo.render.challenge import challenge_response
from evaluator.demo.server import DemoProvince
from evaluator.settings import SiteConfig
from evaluator.store import Store, schema
from crawlers.engine import crawl
from crawlers.warc import read_record
from tests._fault_fixtures import (
    FaultHandler,
    FaultOutcome,
    FaultServer,
    Route,
    answer,
    article_page,
    connection_reset,
    crawl_sites,
    documents,
    fault_limits,
    fetch_rows,
    hang,
    list_page,
    lost_urls,
    page,
    redirect,
    reset,
    retry_after,
    site,
    slow_drip,
    status_burst,
    truncated,
)

OK_PAGE = article_page("关于正常文件的通知", "2025-03-01", "正常正文")
FAULT_PAGE = article_page("关于故障文件的通知", "2025-03-02", "故障正文")


def fault_site(route: Route, extra: dict[str, Route] | None = None) -> FaultServer:
    """A 政府信息公开 list with a healthy article and one article answered by ``route``."""
    routes: dict[str, Route] = {
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/": page(list_page("政府信息公开", items=[
            ("/xxgk/ok.html", "关于正常文件的通知", "2025-03-01"),
            ("/xxgk/fault.html", "关于故障文件的通知", "2025-03-02"),
        ])),
        "/xxgk/ok.html": page(OK_PAGE),
        "/xxgk/fault.html": route,
    }
    routes.update(extra or {})
    return FaultServer(routes)


def _outcome(fault: str, server: FaultServer, tmp: Path, *, recovered: bool = False, **kw: object) -> FaultOutcome:
    """Crawl the fault site and describe what the store holds."""
    stats, store = crawl_sites(tmp, [site("s1", server)], **kw)  # type: ignore[arg-type]
    try:
        rows, docs = fetch_rows(store), documents(store)
    finally:
        store.close()
    fault_url, ok_url = server.url("/xxgk/fault.html"), server.url("/xxgk/ok.html")
    row = rows.get(fault_url, {})
    expected = [server.url("/xxgk/"), ok_url, fault_url]
    lost = len(lost_urls_from(rows, docs, expected)) + (0 if ok_url in docs else 1)
    if recovered:  # the fault is transient: the page itself must be stored
        lost += 0 if fault_url in docs else 1
    recorded = row.get("status", "(nothing)")
    if row.get("http_status"):
        recorded += f" (HTTP {row['http_status']})"
    return FaultOutcome(
        fault=fault,
        happened=f"run {stats[0].status}; healthy page stored: {ok_url in docs}; faulty page stored: {fault_url in docs}",
        recorded_as=recorded,
        lost=lost,
        details={"status": row.get("status"), "error": row.get("error") or "", "stats": stats[0], "row": row,
                 "hits": server.count("/xxgk/fault.html")},
    )


def lost_urls_from(rows: dict, docs: dict, expected: list[str]) -> list[str]:
    return [u for u in expected if u not in rows and u not in docs]


# -- probes ---------------------------------------------------------------------------------------
def probe_timeout(tmp: Path) -> FaultOutcome:
    with fault_site(hang(2.0)) as server:
        return _outcome("timeout: no answer within read_timeout", server, tmp)


def probe_reset(tmp: Path) -> FaultOutcome:
    with fault_site(connection_reset()) as server:
        return _outcome("connection reset (TCP RST)", server, tmp)


def probe_5xx_burst(tmp: Path) -> FaultOutcome:
    with fault_site(status_burst(2, 503, FAULT_PAGE)) as server:
        return _outcome("5xx burst: two 503s, then the page", server, tmp, recovered=True,
                        limits=fault_limits(retries=3))


def probe_5xx_persistent(tmp: Path) -> FaultOutcome:
    with fault_site(status_burst(10**6, 502, FAULT_PAGE)) as server:
        return _outcome("5xx for good: 502 on every try", server, tmp)


def probe_429(tmp: Path) -> FaultOutcome:
    with fault_site(retry_after(1, 1, FAULT_PAGE)) as server:
        return _outcome("429 with Retry-After: 1", server, tmp, recovered=True)


def probe_truncated(tmp: Path) -> FaultOutcome:
    with fault_site(truncated(FAULT_PAGE)) as server:
        return _outcome("truncated body (Content-Length larger than the body)", server, tmp)


def probe_slow_drip(tmp: Path) -> FaultOutcome:
    # 20 bytes every 0.1 s for 8 s: each read beats read_timeout, the whole body never does
    with fault_site(slow_drip(1600, 20, 0.1)) as server:
        return _outcome("slow drip: 20 bytes every 0.1 s for 8 s", server, tmp)


def probe_redirect_loop(tmp: Path) -> FaultOutcome:
    with fault_site(redirect("/xxgk/fault.html?again=1"), {"/xxgk/fault.html?again=1": redirect("/xxgk/fault.html")}) as server:
        return _outcome("redirect loop", server, tmp)


def probe_dns(tmp: Path) -> FaultOutcome:
    dead = SiteConfig(id="s1", name="不存在的局", region="故障省", base_url="http://sthjj.nonexistent.invalid/",
                      entry_points=("http://sthjj.nonexistent.invalid/xxgk/",))
    stats, store = crawl_sites(tmp, [dead])
    rows = fetch_rows(store)
    store.close()
    row = rows.get("http://sthjj.nonexistent.invalid/xxgk/", {})
    return FaultOutcome("DNS failure (host does not resolve)", f"run {stats[0].status}; the entry point is recorded",
                        row.get("status", "(nothing)"), lost=0 if row else 1, details={"status": row.get("status"), "row": row})


def probe_challenge(tmp: Path) -> FaultOutcome:
    challenge = challenge_response("s1", "/xxgk/fault.html")

    def route(h: FaultHandler) -> None:
        answer(h, challenge.status, challenge.body, challenge.content_type, challenge.headers)

    with fault_site(route) as server:
        return _outcome("412 JavaScript challenge (anti-bot)", server, tmp)


def probe_dies_and_returns(tmp: Path) -> FaultOutcome:
    """The site goes down while its third article is requested and comes back for a rerun."""
    items = [(f"/xxgk/a{i}.html", f"关于第{i}号文件的通知", f"2025-03-{i + 1:02d}") for i in range(8)]
    killed = threading.Event()
    server = FaultServer({"/robots.txt": page("", "text/plain", status=404),
                          "/xxgk/": page(list_page("政府信息公开", items=items))})

    def dying(h: FaultHandler) -> None:
        if not killed.is_set():
            killed.set()
            threading.Thread(target=server.stop, daemon=True).start()
            reset(h)
            return
        answer(h, 200, article_page("关于第2号文件的通知", "2025-03-03", "正文2"))

    for i in range(8):
        server.routes[f"/xxgk/a{i}.html"] = dying if i == 2 else page(article_page(f"关于第{i}号文件的通知", f"2025-03-{i + 1:02d}", f"正文{i}"))
    server.start()
    try:
        stats, store = crawl_sites(tmp, [site("s1", server)])
        first = fetch_rows(store)
        lost_during = lost_urls(store, [server.url(p) for p, _, _ in items])
        store.close()
        down = sorted({r["status"] for r in first.values() if r["status"] not in ("ok", "http_404")})
        killed.wait(5)
        server.start()  # back on the same port
        again, store = crawl_sites(tmp, [site("s1", server)])
        docs = documents(store)
        store.close()
    finally:
        server.stop()
    missing = [p for p, _, _ in items if server.url(p) not in docs]
    return FaultOutcome(
        "site dies mid-crawl, comes back",
        f"first run {stats[0].status} with {sum(stats[0].failures().values())} failures recorded; "
        f"rerun {again[0].status}, {len(docs)}/{len(items)} documents",
        " + ".join(down) + " during the outage; ok after the rerun",
        lost=len(missing) + len(lost_during),
        details={"down_statuses": down, "first": first, "skipped": stats[0].get("crawl/skipped/host_down")},
    )


def _free_port_base(count: int) -> int:
    """A base port with ``count`` consecutive free ports."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65535:
            continue
        try:
            held = []
            for port in range(base, base + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no free ports")


def _demo_snapshot(store: Store) -> list[tuple]:
    d = schema.documents
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(d.c.url, d.c.title, d.c.publish_date, d.c.doc_number, d.c.body_text).order_by(d.c.url))]


def probe_demo_storm(tmp: Path) -> FaultOutcome:
    """A demo site with 5xx, resets, timeouts and truncation on a quarter of its requests;
    then the site is healthy again and a rerun completes the store."""
    storm = SiteFaults(error_rate=0.1, reset_rate=0.1, timeout_rate=0.05, truncate_rate=0.1)
    base = _free_port_base(2)
    limits = fault_limits(retries=0, read_timeout=0.3, max_body_bytes=10 * 1024 * 1024)

    def run(folder: Path, faults: SiteFaults) -> tuple[list, Store]:
        with DemoProvince(seed=3, sites=1, pages=10, faults={"city-01": faults}, port_base=base, timeout_sleep=1.0) as demo:
            path = demo.write_assessment(folder / "assessment.yaml", store_url=f"sqlite:///{folder / 'store.db'}")
            assessment = load_assessment(path).with_overrides(limits=limits)
            store = Store.open(assessment.store_url)
            return crawl(assessment, store), store

    ref_stats, ref_store = run(tmp / "reference", SiteFaults())
    reference = _demo_snapshot(ref_store)
    ref_store.close()
    stats, store = run(tmp / "storm", storm)
    failures = stats[0].failures()
    store.close()
    again, store = run(tmp / "storm", SiteFaults())
    recovered = _demo_snapshot(store)
    store.close()
    missing = sorted(set(reference) - set(recovered))
    return FaultOutcome(
        "demo site: 5xx, resets, timeouts, truncation on ~35% of requests",
        f"storm run {stats[0].status} ({sum(failures.values())} failures); rerun after recovery {again[0].status}",
        ", ".join(f"{k} {v}" for k, v in failures.items()) + "; equal to a clean crawl after the rerun",
        lost=len(missing) + (0 if len(recovered) == len(reference) else 1),
        details={"failures": failures, "reference": reference, "recovered": recovered},
    )


#: (probe, recorded status of the faulty page) — benchmarks/faults.py runs the same list.
PROBES: list[tuple[Callable[[Path], FaultOutcome], str | None]] = [
    (probe_timeout, "timeout"),
    (probe_reset, "connect"),
    (probe_5xx_burst, "ok"),
    (probe_5xx_persistent, "http_502"),
    (probe_429, "ok"),
    (probe_truncated, "connect"),
    (probe_slow_drip, "timeout"),
    (probe_redirect_loop, "http_302"),
    (probe_dns, "dns"),
    (probe_challenge, "blocked_challenge"),
    (probe_dies_and_returns, None),
    (probe_demo_storm, None),
]


#: Probes with a test of their own below (run once, with more assertions).
_DEDICATED = (probe_timeout, probe_429, probe_slow_drip, probe_dies_and_returns)
_TABLE = [(p, s) for p, s in PROBES if p not in _DEDICATED]


@pytest.mark.parametrize("probe, status", _TABLE, ids=[p.__name__.removeprefix("probe_") for p, _ in _TABLE])
def test_network_fault_is_recorded_and_loses_nothing(probe: Callable[[Path], FaultOutcome], status: str | None,
                                                      tmp_path: Path) -> None:
    outcome = probe(tmp_path)
    assert outcome.data_lost == "none", outcome
    if status is not None:
        assert outcome.details["status"] == status, outcome


def test_timeout_is_recorded_with_replayable_evidence(tmp_path: Path) -> None:
    outcome = probe_timeout(tmp_path)
    assert (outcome.details["status"], outcome.data_lost) == ("timeout", "none")
    row = outcome.details["row"]
    record = read_record(row["warc_file"], row["warc_offset"])
    assert record.record_type == "metadata"
    assert record.json()["status"] == "timeout"
    assert outcome.details["stats"].failures() == {"timeout": 1}


def test_retry_after_is_honoured_then_the_page_is_stored(tmp_path: Path) -> None:
    outcome = probe_429(tmp_path)
    assert (outcome.details["status"], outcome.data_lost) == ("ok", "none")
    assert outcome.details["hits"] == 2  # one 429, one retry after the pause
    assert outcome.details["row"]["http_status"] == 200


def test_slow_drip_stops_at_the_download_deadline(tmp_path: Path) -> None:
    outcome = probe_slow_drip(tmp_path)
    assert (outcome.details["status"], outcome.data_lost) == ("timeout", "none")
    assert outcome.details["error"].startswith("download took longer than")
    # the drip lasts 8 s; the deadline (connect + 2 × read timeout = 1.5 s) must cut it short
    assert outcome.details["row"]["length"] < 1600


def test_a_dead_host_is_given_up_after_repeated_failures(tmp_path: Path) -> None:
    outcome = probe_dies_and_returns(tmp_path)
    assert outcome.data_lost == "none"
    assert outcome.details["down_statuses"] == ["connect"]
    assert outcome.details["skipped"] > 0  # host_down: not hammered once it looked dead
    notes = [r["error"] for r in outcome.details["first"].values() if r["status"] == "connect"]
    assert any(n.startswith("not attempted: 127.0.0.1:") for n in notes)


def matrix(tmp: Path, **_: object) -> Iterator[FaultOutcome]:
    """Every network probe, for ``benchmarks/faults.py``."""
    for probe, _status in PROBES:
        yield probe(tmp / probe.__name__)


# -- every fault in plain words: the terminal summary and the report appendix ----------------------
#: status → the plain words (Chinese, English) the user reads beside it.
PLAIN_WORDS = {
    "timeout": ("响应超时", "timed out"),
    "http_404": ("页面不存在", "page not found"),
    "blocked_challenge": ("反爬虫验证拦截", "blocked by an anti-bot challenge"),
}


def _plain_words_site() -> FaultServer:
    challenge = challenge_response("s1", "/xxgk/blocked.html")
    return FaultServer({
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/": page(list_page("政府信息公开", items=[
            ("/xxgk/ok.html", "关于正常文件的通知", "2025-03-01"),
            ("/xxgk/slow.html", "关于超时文件的通知", "2025-03-02"),
            ("/xxgk/gone.html", "关于失效文件的通知", "2025-03-03"),
            ("/xxgk/blocked.html", "关于拦截文件的通知", "2025-03-04"),
        ])),
        "/xxgk/ok.html": page(OK_PAGE),
        "/xxgk/slow.html": hang(2.0),
        "/xxgk/blocked.html": lambda h: answer(h, challenge.status, challenge.body, challenge.content_type,
                                               challenge.headers),
    })


def test_failures_are_named_in_plain_words_in_the_summary_and_the_report(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from evaluator.cli import _register, app

    _register()
    with _plain_words_site() as server:
        path = tmp_path / "assessment.yaml"
        path.write_text(
            f"""name: 故障说明测试
round: "2025"
period: {{start: 2025-01-01, end: 2025-12-31}}
limits: {{min_delay: 0.0, retries: 0, connect_timeout: 0.5, read_timeout: 0.5}}
sites:
  - id: s1
    name: 甲市生态环境局
    region: 测试省
    base_url: {server.base}/
    entry_points: [{server.url('/xxgk/')}]
""", encoding="utf-8")
        result = CliRunner().invoke(app, ["crawl", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    summary = " ".join(result.output.split())
    for status, (zh, en) in PLAIN_WORDS.items():
        assert f"{zh} {en}" in summary, (status, summary)
    report = run(load_assessment(path), RunOptions(start="classify", formats=("html",)))
    province = next(p for p in report.report_paths if p.name.startswith("province"))
    html = province.read_text(encoding="utf-8")
    appendix = html[html.index('id="appendix-crawl"'):html.index('id="appendix-unobserved"')]
    for status, (zh, _en) in PLAIN_WORDS.items():
        assert status in appendix and zh in appendix, status
