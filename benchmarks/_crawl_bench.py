"""Shared helpers of the crawl benchmarks: the demo province in a separate process.

The server runs in its own process so that the crawler's figures (CPU, RSS) are its own.
Run directly it serves: ``python benchmarks/_crawl_bench.py SITES PAGES LATENCY_MS OUT_DIR``
prints ``READY <assessment.yaml>`` and serves until its stdin closes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def demo_province(sites: int, pages: int, latency_ms: int, out: Path, seed: int = 0) -> Iterator[Path]:
    """Serve a demo province with every fault off except ``latency_ms``; yields the
    assessment file written for it."""
    proc = subprocess.Popen(
        [sys.executable, __file__, str(sites), str(pages), str(latency_ms), str(out), str(seed)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(ROOT), text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"the demo server did not start: {line!r}")
        yield Path(line.split(" ", 1)[1])
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _serve(sites: int, pages: int, latency_ms: int, out: Path, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    from evaluator.demo.model import SiteFaults
    from evaluator.demo.generator import province_sites
    from evaluator.demo.server import DemoProvince

    faults = {site_id: SiteFaults(latency_ms=latency_ms) for _, site_id, _, _ in province_sites(seed, sites)}
    with DemoProvince(seed=seed, sites=sites, pages=pages, faults=faults) as province:
        for site_id, _, _ in province.sites:  # generate every site before the clock starts
            province.site(site_id)
        path = province.write_assessment(out / "assessment.yaml")
        print(f"READY {path}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    n, p, lat, folder = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    _serve(n, p, lat, folder, int(sys.argv[5]) if len(sys.argv) > 5 else 0)
