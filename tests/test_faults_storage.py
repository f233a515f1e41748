"""Fault matrix, storage: a full disk while writing WARC evidence or the store, and a store
locked by another process. The error is clear, the store stays consistent (every pointer
replays, nothing half-written), and the same command completes the crawl once space returns.

Disk full is simulated three ways: an injected WARC writer raising ``OSError(ENOSPC)``; SQLite's
``max_page_count`` (the store answers SQLITE_FULL exactly as on a full disk); and a real
``evaluator crawl`` subprocess under ``RLIMIT_FSIZE`` (writes past the limit fail with EFBIG).
"""

from __future__ import annotations

import errno
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

import crawlers.warc
from crawlers.engine import crawl
from crawlers.warc import read_record
from evaluator.errors import StoreError, StoreVersionError
from evaluator.store import Store, schema
from tests._crawl_fixtures import TINY
from tests._fault_fixtures import (
    FaultOutcome,
    FaultServer,
    Route,
    article_page,
    assessment_for,
    documents,
    list_page,
    page,
    site,
)

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = 12


def many_articles() -> FaultServer:
    """One list of ``ARTICLES`` articles with bodies large enough to fill a small store."""
    items = [(f"/xxgk/a{i}.html", f"关于第{i}号文件的通知", f"2025-03-{i + 1:02d}") for i in range(ARTICLES)]
    routes: dict[str, Route] = {"/robots.txt": page("", "text/plain", status=404),
                                "/xxgk/": page(list_page("政府信息公开", items=items))}
    for i, (path, title, day) in enumerate(items):
        routes[path] = page(article_page(title, day, f"第{i}号文件正文，" * 400))
    return FaultServer(routes)


def doc_snapshot(store: Store) -> list[tuple[Any, ...]]:
    return sorted((d["url"], d["title"], d["publish_date"], d["body_text"], d["sha256"]) for d in documents(store).values())


def consistency_problems(store: Store) -> list[str]:
    """Integrity check, pointers that do not replay, done frontier entries without a fetch."""
    problems = []
    db = store.engine.url.database
    with sqlite3.connect(db) as raw:
        check = raw.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        problems.append(f"integrity_check: {check}")
    f, q = schema.fetches, schema.frontier
    with store.engine.connect() as conn:
        pointers = conn.execute(select(f.c.url, f.c.warc_file, f.c.warc_offset, f.c.sha256, f.c.warc_record_id)
                                .where(f.c.warc_file.is_not(None))).all()
        done_without_fetch = conn.execute(
            select(func.count()).select_from(q).where(
                (q.c.state == "done") & q.c.url_key.not_in(select(f.c.url_key)))).scalar()
    for url, warc_file, offset, sha, record_id in pointers:
        try:
            record = read_record(warc_file, offset)
        except (OSError, ValueError) as exc:
            problems.append(f"{url}: {exc}")
            continue
        if record.record_id != record_id or (sha and record.sha256 != sha):
            problems.append(f"{url}: evidence differs from the stored hash")
    if done_without_fetch:
        problems.append(f"{done_without_fetch} frontier entries done without a fetch row")
    return problems


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with many_articles() as s:
        yield s


@pytest.fixture(scope="module")
def reference(server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    tmp = tmp_path_factory.mktemp("reference")
    assessment = assessment_for(tmp, [site("s1", server)])
    store = Store.open(assessment.store_url)
    (stats,) = crawl(assessment, store, **TINY)
    assert stats.status == "finished"
    snap = doc_snapshot(store)
    store.close()
    assert len(snap) == ARTICLES
    return snap


def _recover(tmp: Path, server: FaultServer) -> tuple[Any, list[tuple[Any, ...]], list[str]]:
    """Space is back: run the same crawl again on the same store."""
    assessment = assessment_for(tmp, [site("s1", server)])
    store = Store.open(assessment.store_url)
    (stats,) = crawl(assessment, store, **TINY)
    snap, problems = doc_snapshot(store), consistency_problems(store)
    store.close()
    return stats, snap, problems


# -- probes -----------------------------------------------------------------------------------------
def probe_warc_disk_full(tmp: Path, server: FaultServer, reference: list[tuple[Any, ...]],
                         monkeypatch: pytest.MonkeyPatch) -> FaultOutcome:
    """The 8th WARC record write fails with ENOSPC."""
    original = crawlers.warc.WarcWriter._write
    calls = {"n": 0}

    def full(self: Any, record: Any) -> Any:
        calls["n"] += 1
        if calls["n"] >= 8:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, record)

    assessment = assessment_for(tmp, [site("s1", server)])
    store = Store.open(assessment.store_url)
    with monkeypatch.context() as patch:
        patch.setattr(crawlers.warc.WarcWriter, "_write", full)
        (stats,) = crawl(assessment, store, **TINY)
    during = consistency_problems(store)
    stored_during = len(documents(store))
    store.close()
    again, snap, after = _recover(tmp, server)
    lost = len(set(reference) - set(snap)) + len(during) + len(after)
    return FaultOutcome(
        "disk full while writing WARC evidence (ENOSPC)",
        f"run {stats.status} with {stored_during} documents stored; after space returned: run {again.status}",
        f"crawl_runs failed: {stats.error}", lost,
        details={"stats": stats, "again": again, "during": during, "after": after},
    )


def probe_store_disk_full(tmp: Path, server: FaultServer, reference: list[tuple[Any, ...]]) -> FaultOutcome:
    """The store may not grow more than 8 pages (4 KiB each) past its empty schema."""
    assessment = assessment_for(tmp, [site("s1", server)])
    store = Store.open(assessment.store_url)
    with store.engine.connect() as conn:
        base = conn.exec_driver_sql("PRAGMA page_count").scalar()

    def limit(dbapi: Any, _record: Any) -> None:
        dbapi.execute(f"PRAGMA max_page_count={int(base) + 8}")

    event.listen(store.engine, "connect", limit)
    store.engine.dispose()
    (stats,) = crawl(assessment, store, **TINY)
    store.close()
    store = Store.open(assessment.store_url)  # without the limit: space is back
    during = consistency_problems(store)
    stored_during = len(documents(store))
    store.close()
    again, snap, after = _recover(tmp, server)
    lost = len(set(reference) - set(snap)) + len(during) + len(after)
    return FaultOutcome(
        "disk full while writing the store (SQLITE_FULL)",
        f"run {stats.status} with {stored_during} documents stored; after space returned: run {again.status}",
        f"crawl_runs failed: {stats.error}", lost,
        details={"stats": stats, "again": again, "during": during, "after": after, "stored_during": stored_during},
    )


def _fsize_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death by signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def write_assessment(folder: Path, server: FaultServer) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "assessment.yaml"
    path.write_text(
        f"""name: 磁盘写满测试
round: "2025"
period: {{start: 2025-01-01, end: 2025-12-31}}
limits: {{min_delay: 0.0, retries: 0, connect_timeout: 1, read_timeout: 2}}
sites:
  - id: s1
    name: 甲市生态环境局
    region: 测试省
    base_url: {server.base}/
    entry_points: [{server.url('/xxgk/')}]
""", encoding="utf-8")
    return path


def probe_fsize_subprocess(tmp: Path, server: FaultServer, reference: list[tuple[Any, ...]],
                           limit_kib: int = 400) -> FaultOutcome:
    """A real ``evaluator crawl`` whose files may not grow past ``limit_kib`` (RLIMIT_FSIZE):
    400 KiB fills up mid-crawl, 64 KiB while the store is being created."""
    path = write_assessment(tmp, server)
    cmd = [sys.executable, "-m", "evaluator", "crawl", str(path)]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120, preexec_fn=_fsize_limit(limit_kib * 1024))
    during, stored_during = _inspect(tmp / "assessment.db")
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120)
    after, _ = _inspect(tmp / "assessment.db")
    snap: list[tuple[Any, ...]] = []
    if not after:
        store = Store.open(f"sqlite:///{tmp / 'assessment.db'}")
        snap = doc_snapshot(store)
        store.close()
    stderr = first.stderr.decode("utf-8", "replace")
    lost = len(set(reference) - set(snap)) + len(during) + len(after)
    flat = " ".join(stderr.split())
    message = flat[flat.find("error:"):] if "error:" in flat else flat[-200:]
    return FaultOutcome(
        f"disk full under a real `evaluator crawl` at {limit_kib} KiB (RLIMIT_FSIZE → EFBIG)",
        f"exit {first.returncode} with {stored_during} documents stored; rerun exit {second.returncode}",
        message.strip()[:200], lost,
        details={"first": first, "second": second, "during": during, "after": after, "stderr": stderr},
    )


def _inspect(db: Path) -> tuple[list[str], int]:
    """Consistency problems and document count of the store file (an unusable store is a problem)."""
    try:
        store = Store.open(f"sqlite:///{db}", create=False)
    except StoreVersionError as exc:  # left unusable: a problem
        return [f"the store cannot be opened: {exc}"], 0
    except StoreError:  # never created: nothing stored, nothing inconsistent
        return [], 0
    try:
        return consistency_problems(store), len(documents(store))
    finally:
        store.close()


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Another process that takes the store's write lock and keeps it ``seconds``."""
    script = (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        f"time.sleep({seconds})\n"
        "c.execute('COMMIT')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"locked"
    return proc


def probe_store_locked(tmp: Path, server: FaultServer, reference: list[tuple[Any, ...]]) -> FaultOutcome:
    """Another process holds the write lock longer than the store's busy timeout (shortened to
    0.3 s here; 30 s in real use); then it lets go and the crawl is run again."""
    assessment = assessment_for(tmp, [site("s1", server)])
    Store.open(assessment.store_url).close()
    holder = _hold_lock(tmp / "store.db", 60)
    try:
        store = Store.open(assessment.store_url)

        def short_wait(dbapi: Any, _record: Any) -> None:
            dbapi.execute("PRAGMA busy_timeout=300")

        event.listen(store.engine, "connect", short_wait)
        store.engine.dispose()
        (stats,) = crawl(assessment, store, **TINY)
        store.close()
    finally:
        holder.kill()
        holder.wait()
    again, snap, after = _recover(tmp, server)
    lost = len(set(reference) - set(snap)) + len(after)
    return FaultOutcome(
        "store locked by another process (longer than the busy timeout)",
        f"run {stats.status}; after the lock was released: run {again.status}",
        f"{stats.status}: {stats.error}", lost,
        details={"stats": stats, "again": again, "after": after},
    )


def probe_store_briefly_locked(tmp: Path, server: FaultServer, reference: list[tuple[Any, ...]]) -> FaultOutcome:
    """Another process holds the write lock for 1 s: the crawl waits and carries on."""
    assessment = assessment_for(tmp, [site("s1", server)])
    Store.open(assessment.store_url).close()
    holder = _hold_lock(tmp / "store.db", 1.0)
    store = Store.open(assessment.store_url)
    (stats,) = crawl(assessment, store, **TINY)
    snap, problems = doc_snapshot(store), consistency_problems(store)
    store.close()
    holder.wait(timeout=30)
    return FaultOutcome("store locked by another process for 1 s", f"run {stats.status}: waited for the lock",
                        "nothing to record", len(set(reference) - set(snap)) + len(problems),
                        details={"stats": stats})


# -- tests ---------------------------------------------------------------------------------------------
def test_warc_disk_full_is_a_clear_error_and_resume_completes(tmp_path: Path, server: FaultServer, reference: list,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = probe_warc_disk_full(tmp_path, server, reference, monkeypatch)
    assert outcome.details["stats"].status == "failed"
    assert outcome.details["stats"].error.startswith("disk full while writing the WARC evidence")
    assert "run the same command again" in outcome.details["stats"].error
    assert outcome.details["during"] == []
    assert outcome.details["again"].status == "finished"
    assert outcome.data_lost == "none"


def test_store_disk_full_is_a_clear_error_and_resume_completes(tmp_path: Path, server: FaultServer,
                                                                reference: list) -> None:
    outcome = probe_store_disk_full(tmp_path, server, reference)
    assert outcome.details["stats"].status == "failed"
    assert outcome.details["stats"].error.startswith("disk full while writing the store")
    assert 0 < outcome.details["stored_during"] < ARTICLES
    assert outcome.details["during"] == []
    assert outcome.details["again"].status == "finished"
    assert outcome.data_lost == "none"


@pytest.mark.parametrize("limit_kib, exit_code", [(400, 1), (64, 2)], ids=["mid-crawl", "store-creation"])
def test_real_crawl_under_a_file_size_limit_fails_clearly_and_resumes(limit_kib: int, exit_code: int, tmp_path: Path,
                                                                       server: FaultServer, reference: list) -> None:
    outcome = probe_fsize_subprocess(tmp_path, server, reference, limit_kib)
    first = outcome.details["first"]
    assert first.returncode == exit_code, outcome.details["stderr"][-2000:]
    assert "Traceback" not in outcome.details["stderr"]
    assert "disk full or I/O error while writing the store" in outcome.details["stderr"]
    assert "run the same command again" in outcome.details["stderr"]
    assert outcome.details["during"] == []
    assert outcome.details["second"].returncode == 0, outcome.details["second"].stderr.decode()[-2000:]
    assert outcome.data_lost == "none"


def test_locked_store_is_a_clear_error_and_the_rerun_completes(tmp_path: Path, server: FaultServer,
                                                               reference: list) -> None:
    outcome = probe_store_locked(tmp_path, server, reference)
    assert outcome.details["stats"].status == "failed"
    assert outcome.details["stats"].error.startswith("the store is locked by another process")
    assert outcome.details["again"].status == "finished"
    assert outcome.data_lost == "none"


def test_briefly_locked_store_is_waited_for(tmp_path: Path, server: FaultServer, reference: list) -> None:
    outcome = probe_store_briefly_locked(tmp_path, server, reference)
    assert outcome.details["stats"].status == "finished"
    assert outcome.data_lost == "none"


def matrix(tmp: Path, **_: object) -> Iterator[FaultOutcome]:
    """Every storage probe, for ``benchmarks/faults.py``."""
    with many_articles() as served:
        folder = tmp / "reference"
        folder.mkdir(parents=True)
        assessment = assessment_for(folder, [site("s1", served)])
        store = Store.open(assessment.store_url)
        crawl(assessment, store, **TINY)
        snap = doc_snapshot(store)
        store.close()
        with pytest.MonkeyPatch.context() as patch:
            yield probe_warc_disk_full(tmp / "warc", served, snap, patch)
        yield probe_store_disk_full(tmp / "store", served, snap)
        yield probe_fsize_subprocess(tmp / "fsize400", served, snap, 400)
        yield probe_fsize_subprocess(tmp / "fsize64", served, snap, 64)
        yield probe_store_locked(tmp / "locked", served, snap)
        yield probe_store_briefly_locked(tmp / "brief", served, snap)
