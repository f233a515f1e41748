"""Benchmark: how fast the demo province is generated and its truth computed.

Usage: .venv/bin/python benchmarks/bench_demo_generator.py [--sites 20] [--pages 2000] [--repeat 15]

Prints one line per measurement and, last, ``name=value`` pairs:
site_2000_ms_median (one 2,000-document site, built from scratch, CPU time), site_default_ms_median,
province_sites_per_s (sites × pages generated per second) and truth_12_sites_s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from evaluator.demo import generate_site, province_truth


def _site_ms(seed: int, index: int, pages: int | None, repeat: int) -> float:
    times = []
    generate_site(seed + 1, index, pages=pages)  # warm the data files and the calendar
    for _ in range(repeat):
        generate_site.cache_clear()
        start = time.process_time()
        generate_site(seed, index, pages=pages)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20, help="sites generated for the throughput figure")
    parser.add_argument("--pages", type=int, default=2000, help="documents per site")
    parser.add_argument("--repeat", type=int, default=15, help="repetitions of the single-site timing")
    args = parser.parse_args()
    seed = 20250101
    big = _site_ms(seed, 2, args.pages, args.repeat)
    print(f"one site with {args.pages} documents: {big:.1f} ms (median CPU time of {args.repeat})")
    small = _site_ms(seed, 2, None, args.repeat)
    print(f"one site of the default size: {small:.1f} ms")
    generate_site.cache_clear()
    start = time.perf_counter()
    for index in range(1, args.sites + 1):
        generate_site(seed, index, pages=args.pages)
    elapsed = time.perf_counter() - start
    rate = args.sites / elapsed
    print(f"{args.sites} sites × {args.pages} documents: {elapsed:.2f} s ({rate:.1f} sites/s)")
    start = time.perf_counter()
    province_truth(seed, 12)
    truth_s = time.perf_counter() - start
    print(f"truth of the 12-site province: {truth_s:.2f} s")
    print(f"site_{args.pages}_ms_median={big:.1f} site_default_ms_median={small:.1f} "
          f"province_sites_per_s={rate:.1f} truth_12_sites_s={truth_s:.2f}")


if __name__ == "__main__":
    main()
