"""Benchmark: serve the demo province at scale and fetch pages from it concurrently.

Usage: .venv/bin/python benchmarks/bench_demo_server.py [--sites 300] [--pages 2000]
       [--requests 3000] [--workers 16] [--seed 0]

Starts ``--sites`` bureau sites (and their portals) with ``--pages`` documents each, then
fetches ``--requests`` URLs spread evenly over all sites (entry point, column lists and
articles, chosen with a fixed random seed) from ``--workers`` threads. Sites are visited in
batches of ``--workers`` sites, as a crawl with that concurrency does, so each site model is
generated about once (the generator keeps 64 sites cached). Prints the figures; the last line is
``name=value`` pairs.
"""

from __future__ import annotations

import argparse
import random
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from evaluator.demo.generator import province_sites
from evaluator.demo.model import SiteFaults
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
    # measure serving, not the injected faults of the broken profile
    quiet = {site_id: SiteFaults() for _, site_id, _, _ in province_sites(args.seed, args.sites)}
    province = DemoProvince(seed=args.seed, sites=args.sites, pages=args.pages, faults=quiet)
    province.start()
    start_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    endpoints = province.endpoints
    per_site = max(args.requests // len(endpoints), 1)
    local = threading.local()

    def get(url: str) -> tuple[int, int]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.get(url, timeout=30)
        return response.status_code, len(response.content)

    results: list[tuple[int, int]] = []
    generate_s = serve_s = 0.0
    with ThreadPoolExecutor(args.workers) as pool:
        for first in range(0, len(endpoints), args.workers):
            urls: list[str] = []
            for endpoint in endpoints[first : first + args.workers]:
                generating = time.perf_counter()
                site = province.site(endpoint.site_id)  # generates the model once; the server reuses it
                generate_s += time.perf_counter() - generating
                columns = [c for c in site.columns if not c.blocked]
                open_keys = {c.key for c in columns}
                documents = [d for d in site.documents if d.column_key in open_keys]
                urls.append(endpoint.base_url.rstrip("/") + entry_point_path(site))
                for _ in range(per_site - 1):
                    if rng.random() < 0.3 or not documents:
                        urls.append(column_url(site, rng.choice(columns), endpoint.origins).split("#")[0])
                    else:
                        urls.append(url_for(site, rng.choice(documents), endpoint.origins))
            serving = time.perf_counter()
            results.extend(pool.map(get, urls))
            serve_s += time.perf_counter() - serving
    fetch_s = generate_s + serve_s
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
        f"generate_s={generate_s:.1f} serve_s={serve_s:.1f} served_req_per_s={len(results) / serve_s:.0f} "
        f"mb_served={volume / 1e6:.1f} stop_s={stop_s:.2f} max_rss_mb={rss_mb:.0f} errors={len(province.errors)}"
    )


if __name__ == "__main__":
    main()
