"""Resumption: SIGKILL a real ``evaluator crawl`` process, rerun it, lose and duplicate nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawlers.engine import crawl
from crawlers.warc import read_record
from evaluator.config import load_assessment
from evaluator.store import Store, schema
from tests._crawl_fixtures import LocalSite, Reply, article_page, list_page

pytestmark = pytest.mark.slow

COLUMNS = ("hpsp", "xzcf", "pwxk")
PER_PAGE = 6


def resumable_site(delay: float) -> LocalSite:
    """3 columns × 2 list pages × 6 articles, every response slowed by ``delay``."""
    routes: dict[str, Reply] = {"/robots.txt": Reply(404, "", delay=delay)}
    routes["/xxgk/"] = Reply(body=list_page("政府信息公开", columns=[(f"/xxgk/{c}/", f"栏目{c}") for c in COLUMNS]), delay=delay)
    for c in COLUMNS:
        for page in (0, 1):
            items = []
            for i in range(PER_PAGE):
                n = page * PER_PAGE + i
                path = f"/xxgk/{c}/2025/t2025030{page + 1}_{n}.html"
                title = f"{c}类文件第{n}号关于环境信息公开的通知"
                items.append((path, title, f"2025-03-{10 + n:02d}"))
                routes[path] = Reply(body=article_page(title, f"2025-03-{10 + n:02d}", f"{c}正文{n}" * 20), delay=delay)
            name = "index.html" if page == 0 else "index_1.html"
            nxt = f"/xxgk/{c}/index_1.html" if page == 0 else None
            routes[f"/xxgk/{c}/" if page == 0 else f"/xxgk/{c}/{name}"] = Reply(
                body=list_page(f"栏目{c}", items=items, next_url=nxt), delay=delay
            )
    return LocalSite(routes)  # type: ignore[arg-type]


def write_assessment(folder: Path, site: LocalSite) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "assessment.yaml"
    path.write_text(
        f"""name: 断点续爬测试
round: "2025"
period: {{start: 2025-01-01, end: 2025-12-31}}
limits: {{min_delay: 0.0, retries: 0, connect_timeout: 2, read_timeout: 5}}
sites:
  - id: s1
    name: 甲市生态环境局
    region: 测试省
    base_url: {site.base}/
    entry_points: [{site.url('/xxgk/')}]
""",
        encoding="utf-8",
    )
    return path


def run_cli(assessment: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "evaluator", "crawl", str(assessment), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[1]),
    )


def snapshot(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        docs = conn.execute(
            select(schema.documents.c.url, schema.documents.c.title, schema.documents.c.publish_date,
                   schema.documents.c.list_date, schema.documents.c.column_url, schema.documents.c.column_path,
                   schema.documents.c.body_text).order_by(schema.documents.c.url)
        ).all()
        cols = conn.execute(
            select(schema.columns.c.url, schema.columns.c.name, schema.columns.c.path, schema.columns.c.status,
                   schema.columns.c.item_count).order_by(schema.columns.c.url)
        ).all()
        fetches = conn.execute(select(schema.fetches.c.url, schema.fetches.c.status).order_by(schema.fetches.c.url)).all()
    return {"documents": [tuple(d) for d in docs], "columns": [tuple(c) for c in cols], "fetches": [tuple(f) for f in fetches]}


def descendants(pid: int) -> set[int]:
    """The processes started by ``pid`` and by them (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


@pytest.mark.parametrize("parse_workers", [0, 1])
def test_sigkill_then_rerun_equals_an_uninterrupted_crawl(tmp_path: Path, parse_workers: int) -> None:
    with resumable_site(delay=0.03) as site:
        reference_file = write_assessment(tmp_path / "reference", site)
        reference = load_assessment(reference_file)
        reference_store = Store.open(reference.store_url)
        (ref_stats,) = crawl(reference, reference_store)
        assert ref_stats.status == "finished"
        expected = snapshot(reference_store)
        assert len(expected["documents"]) == len(COLUMNS) * 2 * PER_PAGE

        with site.lock:
            site.hits.clear()
        killed_file = write_assessment(tmp_path / "killed", site)
        workers = ("--parse-workers", str(parse_workers))
        proc = run_cli(killed_file, *workers)
        deadline = time.monotonic() + 60
        while len(site.hits) < 20 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        helpers = descendants(proc.pid)  # the parse pool's processes
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        killed_at = len(site.hits)
        assert bool(helpers) == (parse_workers > 0)
        deadline = time.monotonic() + 20
        while any(Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid) for pid in helpers):
            assert time.monotonic() < deadline, "parse workers outlived the killed crawl"
            time.sleep(0.05)

        store = Store.open(load_assessment(killed_file).store_url)
        with store.engine.connect() as conn:
            stored_before = {u for (u,) in conn.execute(select(schema.fetches.c.url))}
            run_status = conn.execute(select(schema.crawl_runs.c.status)).scalar()
        assert run_status == "running"  # killed: the run never got to say anything else
        assert 0 < len(stored_before) < len(expected["fetches"])

        proc = run_cli(killed_file, *workers)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert "log:" in out.decode()
        with site.lock:
            after = [h.path for h in site.hits[killed_at:]]

    refetched = {site.url(p) for p in after} & stored_before
    assert refetched == set()  # nothing already stored was fetched again
    got = snapshot(store)
    assert got == expected

    with store.engine.connect() as conn:
        runs = conn.execute(select(schema.crawl_runs.c.status, schema.crawl_runs.c.warc_file).order_by(schema.crawl_runs.c.run_id)).all()
        pending = conn.execute(select(func.count()).select_from(schema.frontier).where(schema.frontier.c.state == "pending")).scalar()
        n_fetch = conn.execute(select(func.count()).select_from(schema.fetches)).scalar()
        pointers = conn.execute(select(schema.fetches.c.warc_file, schema.fetches.c.warc_offset, schema.fetches.c.sha256)).all()
    assert [r[0] for r in runs] == ["interrupted", "finished"]
    assert runs[0][1] != runs[1][1]  # a new WARC file for the new run
    assert pending == 0
    assert n_fetch == len(expected["fetches"])
    for warc_file, offset, sha in pointers:  # evidence of both runs replays, across the cut file
        record = read_record(warc_file, offset)
        if sha:
            assert record.sha256 == sha


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split("\n", 1)[0].lower()
    except (OSError, IndexError):
        return "gone"


def test_cli_unknown_site_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evaluator.cli import main

    with resumable_site(delay=0) as site:
        path = write_assessment(tmp_path, site)
        with pytest.raises(SystemExit) as info:
            main(["crawl", str(path), "--site", "nowhere"])
    assert info.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "error: unknown site id nowhere (the assessment has: s1). Use one of the ids under `sites:` in the assessment file." in err
    assert site.hits == []


def test_cli_summary_and_log_file(tmp_path: Path) -> None:
    with resumable_site(delay=0) as site:
        path = write_assessment(tmp_path, site)
        proc = run_cli(path, "--max-pages", "5")
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert "crawl summary" in text and "s1" in text and "finished" in text
    logs = list((tmp_path / "output" / "logs").glob("crawl-2025-*.log"))
    assert len(logs) == 1 and "max_pages=5 reached" in logs[0].read_text(encoding="utf-8")
