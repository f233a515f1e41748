"""Compare a scored demo-province store with the generator's truth, item by item.

    python scripts/compare_truth.py ASSESSMENT.yaml [--seed 0] [--tolerance 1]

Prints every (site, item) whose item score or status differs from the truth, the criteria
behind the difference, and the two rankings. Exit status 1 when anything differs beyond the
tolerance. The end-to-end test checks the same thing; this script is for finding out why.
"""

from __future__ import annotations

import argparse
import sys

from evaluator.config import load_assessment
from evaluator.demo.truth import province_truth
from evaluator.store import Store
from reports.data import load_report_data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assessment")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--tolerance", type=float, default=1.0)
    args = parser.parse_args()
    assessment = load_assessment(args.assessment)
    store = Store.open(assessment.store_url, create=False)
    data = load_report_data(assessment, store)
    truth = province_truth(args.seed, len(assessment.sites), pages=args.pages)
    scores = data.item_scores.set_index(["site_id", "item_id", "criterion"])
    problems = 0
    for site in truth["sites"]:
        for item_id, expected in site["items"].items():
            key = (site["site_id"], item_id, "item")
            if key not in scores.index:
                print(f"{site['site_id']} {item_id}: missing from the store")
                problems += 1
                continue
            got = scores.loc[key]
            exp_value = expected.get("score")
            value = got["value"]
            same_status = got["status"] == expected["status"]
            close = (exp_value is None and value != value) or (
                exp_value is not None and value == value and abs(value - exp_value) <= args.tolerance
            )
            if same_status and close:
                continue
            problems += 1
            crit = {c: (scores.loc[(site["site_id"], item_id, c)]["value"] if (site["site_id"], item_id, c) in scores.index else None,
                        expected.get(c)) for c in ("coverage", "timeliness", "completeness")}
            print(f"{site['site_id']} {item_id}: status {got['status']} (truth {expected['status']}), "
                  f"item {value} (truth {exp_value}); " + ", ".join(f"{c} {g} vs {e}" for c, (g, e) in crit.items()))
    got_rank = [(r.rank, r.site_id, round(r.total, 2) if r.total == r.total else None) for r in data.ranking.itertuples()]
    exp_rank = sorted(((s["rank"], s["site_id"], round(s["total"], 2) if s["total"] is not None else None) for s in truth["sites"]),
                      key=lambda r: (r[0] is None, r[0] or 0))
    print("engine ranking:", got_rank)
    print("truth ranking: ", exp_rank)
    if [r[1] for r in got_rank] != [r[1] for r in exp_rank]:
        problems += 1
    print(f"{problems} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
