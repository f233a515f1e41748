"""Crawl throughput against a Scrapy spider doing the same work, same machine, same run.

Both crawl the same demo province (12 sites of ``DOCS_PER_SITE`` documents, about 1,650
pages; faults and politeness off) and call the same extraction functions
(``crawlers.extract_list`` / ``crawlers.extract_article``) on every page, following the same
links (items, further pages, sub-columns inside the same scope) and obeying robots.txt; neither
checks attachments. Our crawler also writes the store and the WARC evidence, which the spider
does not. Scrapy runs in its own process (its reactor cannot be restarted) with 16 concurrent
requests; our crawler runs all 12 sites at once (one request in flight per site) and parses in
a worker process (``PARSE_WORKERS``, env BENCH_PARSE_WORKERS). Pages are counted when they were
fetched and parsed successfully. Each side runs ``ROUNDS`` times, alternating, and its best rate
counts: on a shared 2-core machine either side's rate varies by a fifth from run to run.
BENCH_DOCS_PER_SITE=40 gives the smaller province (about 920 pages) used before.

Last line: ``ratio_vs_scrapy=<ours / scrapy pages per second> pages_per_s=<ours>``.
"""

from __future__ import annotations

import json
import subprocess
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._crawl_bench import demo_province  # noqa: E402

SITES = 12
DOCS_PER_SITE = int(os.environ.get("BENCH_DOCS_PER_SITE", "100"))
CONCURRENCY = 16
PARSE_WORKERS = int(os.environ.get("BENCH_PARSE_WORKERS", "1"))  # 1 is best on 2 cores (2 oversubscribe them)
ROUNDS = 3  # each side runs this many times, alternating; the best rate of each counts


def run_ours(path: Path, round_no: int) -> tuple[int, float]:
    """One full crawl into a fresh store and evidence folder (the same work every round)."""
    from crawlers.engine import crawl
    from evaluator.config import load_assessment
    from evaluator.store import Store

    folder = path.parent / f"ours-{round_no}"
    assessment = load_assessment(
        path, store_url=f"sqlite:///{folder / 'store.db'}", evidence_dir=folder / "evidence", output_dir=folder / "output"
    )
    limits = replace(assessment.limits, min_delay=0.0, check_attachments=False)
    assessment = assessment.with_overrides(
        limits=limits, concurrency=CONCURRENCY, sites=tuple(replace(s, limits=None) for s in assessment.sites)
    )
    store = Store.open(assessment.store_url)
    started = time.monotonic()
    results = crawl(assessment, store, parse_workers=PARSE_WORKERS)
    elapsed = time.monotonic() - started
    store.close()
    return sum(r.pages_ok for r in results), elapsed


def run_scrapy(path: Path) -> tuple[int, float]:
    out = subprocess.run([sys.executable, __file__, "scrapy", str(path)], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return int(data["pages"]), float(data["seconds"])


def _scrapy_main(path: Path) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawlers import extract_article, extract_list
    from crawlers.scope import Scope, UrlError, canonical_url
    from evaluator.config import load_assessment

    assessment = load_assessment(path)
    counts = {"pages": 0}

    class Spider(scrapy.Spider):
        name = "bureaus"

        def _seeds(self) -> Any:
            for site in assessment.sites:
                scope = Scope.for_site(site.base_url, site.entry_points, site.extra_hosts)
                for url in site.entry_points or (site.base_url,):
                    yield scrapy.Request(url, callback=self.parse_list, cb_kwargs={"scope": scope})

        async def start(self) -> Any:  # Scrapy >= 2.13
            for request in self._seeds():
                yield request

        def start_requests(self) -> Any:  # older Scrapy
            return self._seeds()

        def _headers(self, response: Any) -> dict[str, str]:
            return {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}

        def _follow(self, url: str, base: str, scope: Any, callback: Any, method: str = "GET", body: str | None = None) -> Any:
            try:
                url = canonical_url(url, base)
            except UrlError:
                return None
            if not scope.allows(url):
                return None
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else None
            return scrapy.Request(url, method=method, body=body, headers=headers, callback=callback, cb_kwargs={"scope": scope})

        def parse_list(self, response: Any, scope: Any) -> Any:
            page = extract_list(response.body, response.url, self._headers(response), status=response.status)
            counts["pages"] += 1
            follow = [self._follow(i.url, response.url, scope, self.parse_article) for i in page.items]
            follow += [self._follow(r.url, response.url, scope, self.parse_list, r.method, r.body) for r in page.next_requests]
            for col in page.columns:
                req = col.request
                follow.append(self._follow(req.url if req else col.url, response.url, scope, self.parse_list,
                                           req.method if req else "GET", req.body if req else None))
            yield from (r for r in follow if r is not None)

        def parse_article(self, response: Any, scope: Any) -> Any:
            extract_article(response.body, response.url, self._headers(response), status=response.status)
            counts["pages"] += 1
            return None

    process = CrawlerProcess(settings={
        "LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": CONCURRENCY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 1,
        "TELNETCONSOLE_ENABLED": False, "USER_AGENT": assessment.effective_user_agent.encode("ascii", "replace").decode(),
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    })
    process.crawl(Spider)
    started = time.monotonic()
    process.start()
    print(json.dumps({"pages": counts["pages"], "seconds": time.monotonic() - started}))


def main() -> None:
    scrapy_rate = ours_rate = 0.0
    with tempfile.TemporaryDirectory() as tmp, demo_province(SITES, DOCS_PER_SITE, 0, Path(tmp)) as path:
        for round_no in range(ROUNDS):
            scrapy_pages, scrapy_s = run_scrapy(path)
            ours_pages, ours_s = run_ours(path, round_no)
            print(f"round {round_no + 1}: scrapy {scrapy_pages} pages in {scrapy_s:.1f} s = {scrapy_pages / scrapy_s:.1f} pages/s; "
                  f"ours {ours_pages} pages in {ours_s:.1f} s = {ours_pages / ours_s:.1f} pages/s (with store and WARC)")
            scrapy_rate = max(scrapy_rate, scrapy_pages / scrapy_s)
            ours_rate = max(ours_rate, ours_pages / ours_s)
    print(f"ratio_vs_scrapy={ours_rate / scrapy_rate:.2f} pages_per_s={ours_rate:.1f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "scrapy":
        _scrapy_main(Path(sys.argv[2]))
    else:
        main()
