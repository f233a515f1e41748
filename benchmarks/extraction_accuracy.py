"""Extraction accuracy against the demo province's truth, per CMS family.

Starts the demo province on 127.0.0.1, fetches article pages from their URLs, runs
``crawlers.extract_article`` and compares title, publish date, formation date (成文日期, where the
page states it) and 文号 (bracket style normalised) with what the generator put there. Pages the
demo serves as a 412 challenge are not observable: they count as correct when recognised as
blocked and are left out of the field comparison.

    .venv/bin/python benchmarks/extraction_accuracy.py [--seed 0] [--sites 8] [--docs 40]

The last line is ``accuracy=<fraction of correct fields> …`` (name=value pairs).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict

import requests

from crawlers import extract_article
from crawlers.extract_meta import normalise_doc_number
from evaluator.demo.render import url_for
from evaluator.demo.server import DemoProvince

FIELDS = ("title", "publish_date", "formation_date", "doc_number")


def _expected(doc) -> dict[str, object]:
    return {
        "title": doc.title,
        "publish_date": doc.publish_date,
        "formation_date": doc.formation_date if doc.formation_shown != "none" else None,
        "doc_number": normalise_doc_number(doc.doc_number),
    }


def _got(article) -> dict[str, object]:
    return {
        "title": article.title,
        "publish_date": article.publish_date,
        "formation_date": article.formation_date,
        "doc_number": normalise_doc_number(article.doc_number),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="demo province seed")
    parser.add_argument("--sites", type=int, default=8, help="number of demo sites (families rotate)")
    parser.add_argument("--docs", type=int, default=40, help="articles fetched per site")
    parser.add_argument("--show", type=int, default=3, help="mismatches printed per family and field")
    args = parser.parse_args()

    correct: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    blocked = Counter()
    blocked_missed = 0
    mismatches: dict[tuple[str, str], list[str]] = defaultdict(list)
    pages = 0
    started = time.perf_counter()
    session = requests.Session()
    with DemoProvince(seed=args.seed, sites=args.sites) as province:
        for endpoint in province.endpoints:
            site = province.site(endpoint.site_id)
            for doc in site.documents[: args.docs]:
                url = url_for(site, doc, endpoint.origins)
                response = session.get(url, timeout=30)
                pages += 1
                article = extract_article(response.content, url, response.headers, status=response.status_code)
                if response.status_code == 412:
                    blocked[site.family] += 1
                    blocked_missed += 0 if article.blocked else 1
                    continue
                expected, got = _expected(doc), _got(article)
                for field in FIELDS:
                    total[(site.family, field)] += 1
                    if got[field] == expected[field]:
                        correct[(site.family, field)] += 1
                    elif len(mismatches[(site.family, field)]) < args.show:
                        mismatches[(site.family, field)].append(f"{url}: got {got[field]!r}, expected {expected[field]!r}")
    elapsed = time.perf_counter() - started

    families = sorted({family for family, _ in total})
    print(f"{'family':8s} " + " ".join(f"{f:>15s}" for f in FIELDS) + "   blocked")
    for family in families:
        cells = [f"{correct[(family, f)]:>6d}/{total[(family, f)]:<4d}" + f"{correct[(family, f)] / max(1, total[(family, f)]):>5.0%}"[-4:] for f in FIELDS]
        print(f"{family:8s} " + " ".join(f"{c:>15s}" for c in cells) + f"   {blocked[family]}")
    for (family, field), lines in sorted(mismatches.items()):
        for line in lines:
            print(f"  mismatch {family}/{field}: {line}")
    fields_total = sum(total.values()) + sum(blocked.values())
    fields_correct = sum(correct.values()) + sum(blocked.values()) - blocked_missed
    per_field = {f: sum(correct[(fam, f)] for fam in families) / max(1, sum(total[(fam, f)] for fam in families)) for f in FIELDS}
    print(
        f"accuracy={fields_correct / max(1, fields_total):.4f} "
        + " ".join(f"{f}={v:.4f}" for f, v in per_field.items())
        + f" pages={pages} blocked={sum(blocked.values())} blocked_missed={blocked_missed} seconds={elapsed:.1f}"
    )


if __name__ == "__main__":
    main()
