"""Classification quality on the demo province: precision, recall and F1 per catalogue item.

The truth is the generator's own (evaluator.demo.generator): every document's true item ids,
its title, its column path and its body paragraphs. No crawl is needed. Run::

    .venv/bin/python benchmarks/classification.py [--seed 0] [--sites 12]

The last line is ``macro_f1=<x>`` (the mean F1 over items with documents or predictions).
"""

from __future__ import annotations

import argparse
from collections import Counter

from evaluator.classify import classify, compile_catalogue
from evaluator.demo.generator import generate_site, province_sites
from rubrics import load_catalogue

ROOT = "政府信息公开"


def column_path(site, key: str) -> str:
    """The column's path as the crawler writes it: names from the root joined by " > "."""
    names = []
    current = site.column(key)
    while current is not None:
        names.append(current.name)
        current = site.column(current.parent_key) if current.parent_key else None
    return " > ".join([ROOT, *reversed(names)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sites", type=int, default=12)
    args = parser.parse_args()
    catalogue = load_catalogue("mee-2019")
    compiled = compile_catalogue(catalogue)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    methods: Counter[str] = Counter()
    documents = 0
    for index, _site_id, _name, _family in province_sites(args.seed, args.sites):
        site = generate_site(args.seed, index)
        for doc in site.documents:
            documents += 1
            got = classify(doc.title, column_path(site, doc.column_key), "\n".join(doc.paragraphs), compiled)
            predicted = {c.item_id for c in got}
            methods.update(c.method for c in got)
            truth = set(doc.item_ids)
            for item in predicted & truth:
                tp[item] += 1
            for item in predicted - truth:
                fp[item] += 1
            for item in truth - predicted:
                fn[item] += 1
    print(f"{'item':28} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    f1s = []
    for item in catalogue.item_ids:
        if not (tp[item] or fp[item] or fn[item]):
            continue
        p = tp[item] / (tp[item] + fp[item]) if tp[item] + fp[item] else 0.0
        r = tp[item] / (tp[item] + fn[item]) if tp[item] + fn[item] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        f1s.append(f1)
        print(f"{item:28} {tp[item]:5} {fp[item]:5} {fn[item]:5} {p:9.3f} {r:7.3f} {f1:6.3f}")
    print(f"documents={documents} " + " ".join(f"method/{m}={n}" for m, n in sorted(methods.items())))
    print(f"macro_f1={sum(f1s) / len(f1s):.4f}")


if __name__ == "__main__":
    main()
