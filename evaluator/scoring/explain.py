"""Why a document got its items, and which findings it feeds (``evaluator explain URL``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from evaluator.classify import Classification, classify
from evaluator.errors import StoreError
from evaluator.store import schema
from rubrics.model import Catalogue

__all__ = ["Explanation", "ItemExplanation", "explain_document"]


@dataclass
class ItemExplanation:
    """One item of the document: how it was classified and the scores it contributes to."""

    item_id: str
    item_name: str
    classification: Classification
    status: str | None = None  # None: the round has not been scored
    values: dict[str, float | None] = field(default_factory=dict)
    findings: list[tuple[str, str]] = field(default_factory=list)  # (criterion, sentence) citing the document


@dataclass
class Explanation:
    url: str
    site_id: str
    round: str
    title: str
    column_path: str
    publish_date: str | None
    formation_date: str | None
    list_date: str | None
    stored: bool  # classifications come from the store (else computed now, not yet stored)
    items: list[ItemExplanation]


def explain_document(assessment: Any, store: Any, url: str, catalogue: Catalogue) -> Explanation:
    """Explain one document of the assessment's round, found by its URL."""
    d, c, s = schema.documents, schema.classifications, schema.scores
    with store.engine.connect() as conn:
        doc = conn.execute(select(d).where(d.c.round == assessment.round, d.c.url == url)).first()
        if doc is None:
            raise StoreError(
                f"no document with URL {url!r} in round {assessment.round!r} of the store; "
                "check the URL (as crawled, with http/https) or crawl the site first"
            )
        rows = conn.execute(
            select(c.c.item_id, c.c.method, c.c.rule, c.c.confidence).where(c.c.document_id == doc.id)
        ).all()
        scores = conn.execute(
            select(s.c.item_id, s.c.criterion, s.c.value, s.c.status, s.c.findings)
            .where(s.c.round == assessment.round, s.c.site_id == doc.site_id)
        ).all()
    rank = {name: n for n, name in enumerate(("coverage", "timeliness", "completeness", "item"))}
    scores = sorted(scores, key=lambda r: (r.item_id, rank.get(r.criterion, len(rank))))
    stored = bool(rows)
    if stored:
        found = [Classification(r.item_id, r.method, r.rule, r.confidence) for r in rows]
    else:
        site = next((x for x in assessment.sites if x.id == doc.site_id), None)
        found = classify(doc.title, doc.column_path, doc.body_text, catalogue, column_url=doc.column_url or "",
                         column_map=site.column_map if site else None)
    names = {item.id: item.name for item in catalogue.items}
    order = {item_id: n for n, item_id in enumerate(catalogue.item_ids)}
    items = []
    for cl in sorted(found, key=lambda x: order.get(x.item_id, len(order))):
        ex = ItemExplanation(cl.item_id, names.get(cl.item_id, cl.item_id), cl)
        for r in scores:
            if r.item_id != cl.item_id:
                continue
            ex.status = r.status
            ex.values[r.criterion] = r.value
            for f in r.findings or []:
                if any(e.get("url") == url for e in f.get("evidence", [])):
                    ex.findings.append((r.criterion, f.get("text", "")))
        items.append(ex)
    return Explanation(url, doc.site_id, assessment.round, doc.title, doc.column_path, doc.publish_date,
                       doc.formation_date, doc.list_date, stored, items)
