"""Fault matrix, process: SIGKILL a real ``evaluator crawl`` / ``classify`` / ``score`` at random
points, rerun it, and the final store equals an uninterrupted run's.

The kill points come from a seeded random generator (reproducible). A crawl is killed when the
demo server has answered a random number of its requests; classify and score are killed a random
time into the run (the duration of an uninterrupted run is measured first). After the kills the
same command runs to completion; documents, classifications, scores, findings with their
evidence, and the written scores files are compared with the uninterrupted reference, and every
evidence pointer must replay from its WARC file with the stored hash.

``KILLS`` (default 3, environment ``FAULT_KILLS``) is the number of kills per stage;
``benchmarks/faults.py`` uses 10.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.warc import read_record
from evaluator.demo.model import SiteFaults
from evaluator.demo.server import DemoProvince
from evaluator.store import Store, schema
from tests._fault_fixtures import FaultOutcome

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("FAULT_KILLS", "3"))
SEED = 20251126
SITES, PAGES = 1, 12


# -- the demo and the reference run ---------------------------------------------------------------
@dataclass
class Reference:
    """A served demo province, an uninterrupted crawl → classify → score, and its snapshots."""

    province: DemoProvince
    folder: Path
    crawled_db: Path  # the store right after the crawl (input of the classify/score kills)
    requests: int  # requests an uninterrupted crawl makes
    snapshot: dict[str, Any]


def start_reference(folder: Path) -> Reference:
    """Serve the demo and run it once without interruption."""
    province = DemoProvince(seed=0, sites=SITES, pages=PAGES, faults={f"city-{i:02d}": SiteFaults() for i in range(1, SITES + 1)})
    province.start()
    path = write_assessment(province, folder / "reference")
    before = sum(province.request_log.values())
    finish("crawl", str(path))  # the same commands as the killed runs, run once without a kill
    requests = sum(province.request_log.values()) - before
    crawled = folder / "crawled.db"
    backup(db_of(path), crawled)
    finish("score", str(path))
    return Reference(province, folder, crawled, requests, snapshot(path))


def write_assessment(province: DemoProvince, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return province.write_assessment(folder / "assessment.yaml", store_url=f"sqlite:///{folder / 'store.db'}",
                                     output_dir=str(folder / "output"))


def db_of(assessment_path: Path) -> Path:
    return assessment_path.parent / "store.db"


def backup(source: Path, target: Path) -> None:
    """Copy a SQLite store consistently (WAL included) with the backup API."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


# -- what must be equal ----------------------------------------------------------------------------
def _evidence(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings without what differs between two stores of the same content (record ids, times)."""
    out = []
    for f in findings or []:
        f = dict(f)
        f["evidence"] = [{k: v for k, v in e.items() if k not in ("warc_record_id", "fetched_at")}
                         for e in f.get("evidence", [])]
        out.append(f)
    return out


def snapshot(assessment_path: Path) -> dict[str, Any]:
    """Documents, classifications, scores with findings and evidence, site scores, scores.csv."""
    store = Store.open(f"sqlite:///{db_of(assessment_path)}", create=False)
    d, c, s, ss = schema.documents, schema.classifications, schema.scores, schema.site_scores
    try:
        with store.engine.connect() as conn:
            docs = [tuple(r) for r in conn.execute(
                select(d.c.site_id, d.c.url, d.c.title, d.c.publish_date, d.c.formation_date, d.c.list_date,
                       d.c.doc_number, d.c.index_number, d.c.publisher, d.c.column_path, d.c.body_text, d.c.sha256)
                .order_by(d.c.url))]
            classes = [tuple(r) for r in conn.execute(
                select(d.c.url, c.c.item_id, c.c.method, c.c.rule, c.c.confidence)
                .join(d, d.c.id == c.c.document_id).order_by(d.c.url, c.c.item_id))]
            scores = [(r.site_id, r.item_id, r.criterion, r.value, r.status, _evidence(r.findings)) for r in conn.execute(
                select(s).order_by(s.c.site_id, s.c.item_id, s.c.criterion))]
            totals = [tuple(r) for r in conn.execute(
                select(ss.c.site_id, ss.c.scope, ss.c.value, ss.c.rank, ss.c.grade).order_by(ss.c.site_id, ss.c.scope))]
    finally:
        store.close()
    out_csv = next((assessment_path.parent / "output").rglob("scores.csv"), None)
    rows = []
    if out_csv is not None:
        with out_csv.open(encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    return {"documents": docs, "classifications": classes, "scores": scores, "site_scores": totals, "scores_csv": rows}


def broken_evidence(assessment_path: Path) -> list[str]:
    """Stored pointers that do not replay, or replay with another hash than stored."""
    store = Store.open(f"sqlite:///{db_of(assessment_path)}", create=False)
    f = schema.fetches
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(f.c.url, f.c.warc_file, f.c.warc_offset, f.c.sha256, f.c.warc_record_id)
                                .where(f.c.warc_file.is_not(None))).all()
    finally:
        store.close()
    broken = []
    for url, warc_file, offset, sha, record_id in rows:
        try:
            record = read_record(warc_file, offset)
        except (OSError, ValueError) as exc:
            broken.append(f"{url}: {exc}")
            continue
        if record.record_id != record_id or (sha and record.sha256 != sha):
            broken.append(f"{url}: record {record.record_id} sha {record.sha256} ≠ stored")
    return broken


def diff(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Which parts differ, with counts (empty when equal)."""
    out = []
    for key in expected:
        if expected[key] != got[key]:
            missing = [x for x in expected[key] if x not in got[key]]
            extra = [x for x in got[key] if x not in expected[key]]
            example = f"; first expected {str(missing[0])[:600]} got {str(extra[0])[:600]}" if missing and extra else ""
            out.append(f"{key}: {len(missing)} missing, {len(extra)} extra of {len(expected[key])}{example}")
    return out


# -- killing ------------------------------------------------------------------------------------------
def cli(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "evaluator", *args], cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL; True when the process was still running (the kill landed)."""
    landed = proc.poll() is None
    if landed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return landed


def finish(*args: str) -> None:
    proc = cli(*args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-2000:]


def kill_crawl(ref: Reference, path: Path, kills: int, rng: random.Random) -> int:
    """Kill ``evaluator crawl`` after a random number of served requests, ``kills`` times."""
    landed = 0
    for _ in range(kills):
        target = rng.randint(1, max(1, ref.requests - 1))
        start = sum(ref.province.request_log.values())
        proc = cli("crawl", str(path))
        deadline = time.monotonic() + 120
        while proc.poll() is None and sum(ref.province.request_log.values()) - start < target and time.monotonic() < deadline:
            time.sleep(0.002)
        landed += kill(proc)
    return landed


def timed(*args: str) -> float:
    start = time.monotonic()
    finish(*args)
    return time.monotonic() - start


def kill_timed(args: tuple[str, ...], duration: float, kills: int, rng: random.Random) -> int:
    """Kill a command a random time into its run (uniform over an uninterrupted run's duration)."""
    landed = 0
    for _ in range(kills):
        proc = cli(*args)
        time.sleep(rng.uniform(0.0, duration))
        landed += kill(proc)
    return landed


def probe_sigkill(ref: Reference, stage: str, tmp: Path, kills: int = KILLS) -> FaultOutcome:
    """SIGKILL ``evaluator <stage>`` ``kills`` times at seeded random points, then finish it and
    the later stages; compare with the reference."""
    rng = random.Random(f"{SEED}:{stage}")
    path = write_assessment(ref.province, tmp / stage)
    if stage == "crawl":
        landed = kill_crawl(ref, path, kills, rng)
        finish("crawl", str(path))
        finish("score", str(path))
    else:
        backup(ref.crawled_db, db_of(path))
        args = (stage, str(path))
        scratch = write_assessment(ref.province, tmp / "timing")  # measure an uninterrupted run
        backup(ref.crawled_db, db_of(scratch))
        duration = timed(stage, str(scratch))
        landed = kill_timed(args, duration, kills, rng)
        finish(*args)
        if stage == "classify":
            finish("score", str(path))
    got = snapshot(path)
    problems = diff(ref.snapshot, got) + broken_evidence(path)[:5]
    return FaultOutcome(
        f"SIGKILL of `evaluator {stage}` ×{kills} at random points",
        f"{landed} kills landed mid-run; the rerun completed"
        + (f"; differs from the uninterrupted run: {'; '.join(problems)[:300]}" if problems else ""),
        "crawl_runs interrupted → resumed" if stage == "crawl" else "transaction rolled back; rerun rewrites the round",
        lost=len(problems),
        details={"problems": problems, "landed": landed, "snapshot": got},
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    ref = start_reference(tmp_path_factory.mktemp("sigkill"))
    try:
        yield ref
    finally:
        ref.province.stop()


@pytest.mark.parametrize("stage", ["crawl", "classify", "score"])
def test_sigkill_at_random_points_then_rerun_equals_an_uninterrupted_run(stage: str, reference: Reference,
                                                                           tmp_path: Path) -> None:
    assert reference.snapshot["documents"] and reference.snapshot["scores"]  # a run worth comparing
    outcome = probe_sigkill(reference, stage, tmp_path)
    assert outcome.details["problems"] == []
    assert outcome.data_lost == "none"
    assert outcome.details["landed"] >= 1  # at least one kill interrupted a running process


def matrix(tmp: Path, kills: int = KILLS, **_: object) -> Iterator[FaultOutcome]:
    """SIGKILL of crawl, classify and score ``kills`` times each, for ``benchmarks/faults.py``."""
    ref = start_reference(tmp / "reference")
    try:
        for stage in ("crawl", "classify", "score"):
            yield probe_sigkill(ref, stage, tmp / stage, kills)
    finally:
        ref.province.stop()
