"""Peak memory of a province-scale crawl: 300 demo sites, crawled completely.

The demo province runs in a separate process, so the figure is the crawler's own peak resident
set size (``ru_maxrss``): threads, HTTP pools, the store connection, parse trees. The goal is
under 1 GB. Pages are generated with 10 documents per site (each site still has its whole
政府信息公开 column tree, ~35 columns), faults off, politeness off.

Last line: ``peak_mb=<x>`` (plus pages, documents and seconds).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._crawl_bench import demo_province  # noqa: E402
from crawlers.engine import crawl  # noqa: E402
from evaluator.config import load_assessment  # noqa: E402
from evaluator.store import Store  # noqa: E402

SITES = 300
DOCS_PER_SITE = 10
CONCURRENCY = 16


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, demo_province(SITES, DOCS_PER_SITE, 0, Path(tmp)) as path:
        assessment = load_assessment(path)
        limits = replace(assessment.limits, min_delay=0.0)
        assessment = assessment.with_overrides(
            limits=limits, concurrency=CONCURRENCY, sites=tuple(replace(s, limits=None) for s in assessment.sites)
        )
        store = Store.open(assessment.store_url)
        started = time.monotonic()
        results = crawl(assessment, store)
        elapsed = time.monotonic() - started
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = sum(r.pages for r in results)
    documents = sum(r.documents for r in results)
    unfinished = sum(1 for r in results if r.status != "finished")
    print(f"sites={SITES} pages={pages} documents={documents} unfinished={unfinished} seconds={elapsed:.0f}")
    print(f"peak_mb={peak_mb:.0f} pages={pages} seconds={elapsed:.0f}")


if __name__ == "__main__":
    main()
