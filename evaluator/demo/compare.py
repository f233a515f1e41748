"""Compare a scored demo-province store with the generator's truth.

    python -m evaluator.demo.compare ASSESSMENT.yaml [--seed 0] [--tolerance 1]

:func:`compare_with_truth` returns one line per (site, item) whose status or item score
differs from the truth beyond the tolerance, plus a line when the rankings differ. The
end-to-end test asserts it returns nothing; the command prints it, to find out why.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from evaluator.settings import Assessment
from evaluator.store import Store


@dataclass
class Comparison:
    """Differences between the engine's scores and the truth."""

    differences: list[str] = field(default_factory=list)
    engine_ranking: list[tuple[int | None, str, float | None]] = field(default_factory=list)
    truth_ranking: list[tuple[int | None, str, float | None]] = field(default_factory=list)
    max_item_difference: float = 0.0

    @property
    def ranking_equal(self) -> bool:
        return [(r, s) for r, s, _ in self.engine_ranking] == [(r, s) for r, s, _ in self.truth_ranking]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def compare_with_truth(
    assessment: Assessment, store: Store, seed: int, *, pages: int | None = None, tolerance: float = 1.0
) -> Comparison:
    """Compare the stored scores of ``assessment`` with the demo generator's expected scores."""
    from evaluator.demo.truth import province_truth
    from reports.data import load_report_data

    data = load_report_data(assessment, store)
    truth = province_truth(seed, len(assessment.sites), pages=pages)
    scores = data.item_scores.set_index(["site_id", "item_id", "criterion"])
    result = Comparison()
    for site in truth["sites"]:
        for item_id, expected in site["items"].items():
            key = (site["site_id"], item_id, "item")
            if key not in scores.index:
                result.differences.append(f"{site['site_id']} {item_id}: not in the store")
                continue
            got = scores.loc[key]
            value, want = _number(got["value"]), _number(expected.get("score"))
            gap = abs(value - want) if value is not None and want is not None else 0.0
            result.max_item_difference = max(result.max_item_difference, gap)
            if got["status"] == expected["status"] and (value is None) == (want is None) and gap <= tolerance:
                continue
            criteria = []
            for criterion in ("coverage", "timeliness", "completeness"):
                ckey = (site["site_id"], item_id, criterion)
                mine = _number(scores.loc[ckey]["value"]) if ckey in scores.index else None
                criteria.append(f"{criterion} {_fmt(mine)} vs {_fmt(_number(expected.get(criterion)))}")
            result.differences.append(
                f"{site['site_id']} {item_id}: status {got['status']} vs {expected['status']}, "
                f"score {_fmt(value)} vs {_fmt(want)} ({'; '.join(criteria)})"
            )
    result.engine_ranking = [
        (None if _number(r.rank) is None else int(r.rank), r.site_id, _number(r.total)) for r in data.ranking.itertuples()
    ]
    result.truth_ranking = sorted(
        ((s["rank"], s["site_id"], _number(s["total"])) for s in truth["sites"]),
        key=lambda r: (r[0] is None, r[0] or 0, r[1]),
    )
    if not result.ranking_equal:
        result.differences.append(f"ranking {result.engine_ranking} vs truth {result.truth_ranking}")
    return result


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    from evaluator.config import load_assessment

    parser = argparse.ArgumentParser(description="Compare a scored demo province with its truth.")
    parser.add_argument("assessment", help="the demo assessment.yaml")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--tolerance", type=float, default=1.0, help="allowed item-score difference (points)")
    args = parser.parse_args(argv)
    assessment = load_assessment(args.assessment)
    store = Store.open(assessment.store_url, create=False)
    try:
        comparison = compare_with_truth(assessment, store, args.seed, pages=args.pages, tolerance=args.tolerance)
    finally:
        store.close()
    for line in comparison.differences:
        print(line)
    print(f"engine: {comparison.engine_ranking}")
    print(f"truth:  {comparison.truth_ranking}")
    print(f"{len(comparison.differences)} differences; largest item difference {comparison.max_item_difference:.2f}")
    return 1 if comparison.differences else 0


if __name__ == "__main__":
    sys.exit(main())
