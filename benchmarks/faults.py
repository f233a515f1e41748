"""Run the whole fault matrix and print it as a table: fault | what happened | recorded as | data lost.

Every probe of ``tests/test_faults_*.py`` runs against servers started on 127.0.0.1 (network,
content, security), a demo province (SIGKILL of real ``evaluator crawl`` / ``classify`` /
``score`` processes, 10 kills per stage by default), disk-full and lock simulations (storage)
and hostile input files. "data lost" must read ``none`` on every row.

Usage::

    python benchmarks/faults.py                 # everything, 10 kills per stage
    python benchmarks/faults.py --kills 3       # quicker
    python benchmarks/faults.py --only network,content

The last line is ``faults=<n> data_lost=<n>`` (rows whose data_lost is not ``none``); the exit
status is 1 when any row lost data.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Matrix sections in the order of the table, each a test module with a ``matrix(tmp, **options)``.
SECTIONS = ("network", "content", "process", "storage", "input", "security")


def _cell(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs per stage (crawl, classify, score)")
    parser.add_argument("--only", default="", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    parser.add_argument("--width", type=int, default=70, help="column width of the 'what happened' and 'recorded as' cells")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    logging.disable(logging.CRITICAL)  # the table is the output; crawl logs would drown it

    rows: list[tuple[str, str, str, str, str]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        for section in chosen:
            module = importlib.import_module(f"tests.test_faults_{section}")
            section_start = time.monotonic()
            try:
                for outcome in module.matrix(Path(folder) / section, kills=args.kills):
                    rows.append((section, outcome.fault, outcome.happened, outcome.recorded_as, outcome.data_lost))
                    print(f"  {section}: {outcome.fault}: {outcome.data_lost}", file=sys.stderr, flush=True)
            except Exception as exc:  # a probe that crashes is a row that lost data
                rows.append((section, f"{section} matrix crashed", f"{type(exc).__name__}: {exc}",
                             traceback.format_exc(limit=1).splitlines()[-1], "unknown (crashed)"))
            print(f"  {section}: {time.monotonic() - section_start:.1f} s", file=sys.stderr, flush=True)

    width = args.width
    headers = ("section", "fault", "what happened", "recorded as", "data lost")
    widths = [max(len(headers[0]), *(len(r[0]) for r in rows)), 48, width, width, 12]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(_cell(value, w).ljust(w) for value, w in zip(row, widths)))
    lost = sum(1 for r in rows if r[4] != "none")
    print()
    print(f"elapsed={time.monotonic() - started:.1f}s kills_per_stage={args.kills}")
    print(f"faults={len(rows)} data_lost={lost}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
