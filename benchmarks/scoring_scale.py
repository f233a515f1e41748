"""Scoring at national scale: 300 sites × 100,000 documents in a temporary SQLite store.

Synthetic rows (documents with dates, bodies and attachments, classifications, columns, list
fetches) are inserted directly by a child process; the parent then times one full
``score_assessment`` run (read inputs, all criteria, aggregates, ranking, writing the scores)
and reports its own peak resident memory. Run::

    .venv/bin/python benchmarks/scoring_scale.py [--sites 300] [--documents 100000]

The last line is ``seconds=<x> peak_mb=<y>``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

START, END, REF = date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 15)


def build_store(url: str, sites: int, documents: int) -> None:
    """Fill the store with synthetic crawl results (runs in a child process)."""
    from evaluator.store import Store, schema, url_key
    from rubrics import load_catalogue

    catalogue = load_catalogue("mee-2019")
    items = [i for i in catalogue.items if i.observable]
    rng = random.Random(0)
    store = Store.open(url)
    now = "2026-01-10T00:00:00+00:00"
    fetches, columns, docs, classes, atts = [], [], [], [], []
    doc_id = 0
    per_site = documents // sites
    for s in range(sites):
        sid = f"site-{s:03d}"
        base = f"http://s{s}.example.gov.cn/"
        fetches.append({"round": "2025", "site_id": sid, "url_key": url_key(base), "url": base, "kind": "column",
                        "status": "ok", "fetched_at": now, "headers": {}})
        for n, item in enumerate(items):
            if rng.random() < 0.85:
                columns.append({"round": "2025", "site_id": sid, "url": f"{base}c{n}/",
                                "name": item.hints.column_aliases[0] if item.hints.column_aliases else item.name,
                                "path": f"政府信息公开 > {item.name}", "parent_url": base, "status": "ok"})
        for k in range(per_site):
            doc_id += 1
            item = rng.choice(items)
            publish = START + timedelta(days=rng.randrange(0, 400) - 20)
            formation = publish - timedelta(days=rng.randrange(0, 45)) if rng.random() < 0.8 else None
            cues = [c for e in item.elements for c in e.cues[:1]]
            body = "，".join(rng.sample(cues, k=min(len(cues), rng.randrange(0, len(cues) + 1)))) + "。" + "正文" * 60
            docs.append({"id": doc_id, "round": "2025", "site_id": sid, "url": f"{base}d/{k}.html", "host": "",
                         "column_path": f"政府信息公开 > {item.name}", "title": f"{item.name}（第{k}号）",
                         "publish_date": publish.isoformat(), "formation_date": formation.isoformat() if formation else None,
                         "list_date": None, "body_text": body, "sources": {}, "sha256": "0" * 64,
                         "warc_record_id": f"<urn:uuid:{doc_id}>", "first_seen": now, "last_seen": now})
            classes.append({"round": "2025", "site_id": sid, "document_id": doc_id, "item_id": item.id,
                            "method": "column_alias", "rule": "synthetic", "confidence": 0.9})
            if rng.random() < 0.3:
                atts.append({"document_id": doc_id, "url": f"{base}d/{k}.pdf", "reachable": rng.random() < 0.9})
    with store.engine.begin() as conn:
        for table, rows in ((schema.fetches, fetches), (schema.columns, columns), (schema.documents, docs),
                            (schema.classifications, classes), (schema.attachments, atts)):
            for i in range(0, len(rows), 20000):
                conn.execute(table.insert(), rows[i:i + 20000])
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scale.db'}"
        child = multiprocessing.get_context("fork").Process(target=build_store, args=(url, args.sites, args.documents))
        t0 = time.perf_counter()
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"building the store failed (exit code {child.exitcode})")
        print(f"built store: {args.sites} sites, {args.documents} documents in {time.perf_counter() - t0:.1f} s")

        from evaluator.scoring import score_assessment
        from evaluator.settings import Assessment, SiteConfig
        from evaluator.store import Store
        from rubrics import load_catalogue, load_rubric

        catalogue = load_catalogue("mee-2019")
        rubric = load_rubric("default", catalogue)
        sites = tuple(SiteConfig(f"site-{s:03d}", f"第{s}市生态环境局", "示范省", f"http://s{s}.example.gov.cn/")
                      for s in range(args.sites))
        assessment = Assessment(name="scale", round="2025", period_start=START, period_end=END,
                                reference_date=REF, sites=sites)
        store = Store.open(url)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0, c0 = time.perf_counter(), time.process_time()
            result = score_assessment(assessment, store, catalogue, rubric)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        store.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ranked = sum(1 for s in result.sites if s.rank is not None)
        print(f"scored {len(result.items)} (site, item) pairs, {ranked} sites ranked; cpu_seconds={cpu:.2f}")
        print(f"seconds={seconds:.2f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
