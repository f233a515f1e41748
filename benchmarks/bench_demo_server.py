"""Benchmark: serve the demo province at scale and fetch pages from it concurrently.

Usage: .venv/bin/python benchmarks/bench_demo_server.py [--sites 300] [--pages 2000]
       [--requests 3000] [--workers 16] [--seed 0]

Starts ``--sites`` bureau sites (and their portals) with ``--pages`` documents each, fetches
``--requests`` URLs (entry points, column lists and articles of randomly chosen sites, chosen by
a fixed random seed) from ``--workers`` threads, and prints the figures. The last line is
``name=value`` pairs.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from evaluator.demo.render import column_url, entry_point_path, url_for
from evaluator.demo.server import DemoProvince


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    province = DemoProvince(seed=args.seed, sites=args.sites, pages=args.pages, faults={})
    province.faults = {e[0]: _no_faults() for e in province._listing}  # measure serving, not injected faults
    province.start()
    start_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    urls: list[str] = []
    endpoints = province.endpoints
    while len(urls) < args.requests:
        endpoint = rng.choice(endpoints)
        site = province.site(endpoint.site_id)
        kind = rng.random()
        if kind < 0.1:
            urls.append(endpoint.base_url.rstrip("/") + entry_point_path(site))
        elif kind < 0.4:
            col = rng.choice([c for c in site.columns if not c.blocked])
            urls.append(column_url(site, col, endpoint.origins).split("#")[0])
        else:
            urls.append(url_for(site, rng.choice(site.documents), endpoint.origins))

    local = __import__("threading").local()

    def get(url: str) -> tuple[int, int]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.get(url, timeout=30)
        return response.status_code, len(response.content)

    fetch_started = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(get, urls))
    fetch_s = time.perf_counter() - fetch_started
    ok = sum(1 for status, _ in results if status == 200)
    volume = sum(size for _, size in results)

    stop_started = time.perf_counter()
    province.stop()
    stop_s = time.perf_counter() - stop_started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"served {len(results)} requests from {args.sites} sites x {args.pages} pages in {fetch_s:.1f} s")
    print(
        f"sites={args.sites} pages={args.pages} ports={2 * args.sites} start_s={start_s:.2f} "
        f"requests={len(results)} ok={ok} req_per_s={len(results) / fetch_s:.0f} "
        f"mb_served={volume / 1e6:.1f} stop_s={stop_s:.2f} max_rss_mb={rss_mb:.0f} errors={len(province.errors)}"
    )


def _no_faults():
    from evaluator.demo.model import SiteFaults

    return SiteFaults()


if __name__ == "__main__":
    main()
