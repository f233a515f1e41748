"""Load what scoring needs for one round from the store, in a few set-based queries.

Only classified documents are loaded (with their attachments and fetch time); columns and
failed list-page fetches per site; the latest assessor override per (site, item, criterion).
Everything comes back as plain slotted dataclasses grouped by site, ready for the criteria.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import and_, select

from evaluator.store import schema

__all__ = ["Doc", "Column", "PageFailure", "Override", "SiteInputs", "load_round", "load_overrides", "settings",
           "parse_date", "deduplicate"]


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    """The scoring heuristics of ``evaluator/scoring/data/scoring.yaml``."""
    raw = resources.files("evaluator.scoring").joinpath("data/scoring.yaml").read_text("utf-8")
    return yaml.safe_load(raw)


@lru_cache(maxsize=8192)
def parse_date(value: str | None) -> date | None:
    """An ISO date string from the store, or ``None`` when empty or malformed."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(slots=True)
class Doc:
    """A classified document of one site, as scoring sees it."""

    id: int
    url: str
    title: str
    publish_date: date | None
    formation_date: date | None
    list_date: date | None
    doc_number: str
    body: str
    sha256: str | None
    warc_record_id: str | None
    fetched_at: str | None
    attachments: list[tuple[str, bool | None]] = field(default_factory=list)
    evidence: dict[str, Any] | None = None  # its plain evidence entry, built once (findings.evidence)

    @property
    def publication_date(self) -> date | None:
        """``publish_date``, else the list page's date, else ``None`` (undated)."""
        return self.publish_date or self.list_date

    @property
    def attachments_ok(self) -> bool:
        """False when any attachment was checked and found unreachable."""
        return all(reachable is not False for _, reachable in self.attachments)


@dataclass(slots=True)
class Column:
    url: str
    name: str
    path: str
    parent_url: str | None
    status: str


@dataclass(slots=True)
class PageFailure:
    url: str
    column_url: str | None
    status: str


@dataclass(slots=True)
class Override:
    value: float
    reason: str
    author: str
    created_at: str


@dataclass
class SiteInputs:
    """Everything of one site in one round."""

    site_id: str
    docs_by_item: dict[str, list[Doc]] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)
    failures: list[PageFailure] = field(default_factory=list)
    observed_any: bool = False  # some fetch of the site succeeded


def load_round(store: Any, round_: str, site_ids: list[str]) -> dict[str, SiteInputs]:
    """Load one round's classified documents, columns and list-page failures, by site."""
    d, c, f = schema.documents, schema.classifications, schema.fetches
    out = {sid: SiteInputs(sid) for sid in site_ids}
    observed = set(settings()["observed_statuses"])
    list_kinds = list(settings()["list_kinds"])
    with store.engine.connect() as conn:
        docs: dict[int, Doc] = {}
        doc_site: dict[int, str] = {}
        classified = select(c.c.document_id).where(c.c.round == round_).distinct().subquery()
        rows = conn.execute(
            select(
                d.c.id, d.c.site_id, d.c.url, d.c.title, d.c.publish_date, d.c.formation_date,
                d.c.list_date, d.c.doc_number, d.c.body_text, d.c.sha256, d.c.warc_record_id,
                f.c.fetched_at,
            )
            .select_from(d.outerjoin(f, f.c.id == d.c.fetch_id))
            .where(d.c.round == round_, d.c.id.in_(select(classified.c.document_id)))
        )
        for doc_id, site_id, url, title, pub, form, listed, number, body, sha, warc, fetched in rows:
            if site_id not in out:
                continue
            docs[doc_id] = Doc(
                doc_id, url, title or "", parse_date(pub), parse_date(form), parse_date(listed), number or "",
                body or "", sha, warc, fetched,
            )
            doc_site[doc_id] = site_id
        a = schema.attachments
        for doc_id, url, reachable in conn.execute(
            select(a.c.document_id, a.c.url, a.c.reachable)
            .select_from(a.join(d, d.c.id == a.c.document_id))
            .where(d.c.round == round_)
            .order_by(a.c.document_id, a.c.url)
        ):
            if doc_id in docs:
                docs[doc_id].attachments.append((url, reachable))
        by_item: dict[str, dict[str, list[Doc]]] = defaultdict(lambda: defaultdict(list))
        for doc_id, site_id, item_id in conn.execute(
            select(c.c.document_id, c.c.site_id, c.c.item_id)
            .where(c.c.round == round_)
            .order_by(c.c.document_id, c.c.item_id)
        ):
            doc = docs.get(doc_id)
            if doc is not None:
                by_item[doc_site[doc_id]][item_id].append(doc)
        for sid, items in by_item.items():
            out[sid].docs_by_item = dict(items)

        col = schema.columns
        for r in conn.execute(
            select(col.c.site_id, col.c.url, col.c.name, col.c.path, col.c.parent_url, col.c.status)
            .where(col.c.round == round_)
            .order_by(col.c.site_id, col.c.url)
        ):
            if r.site_id in out:
                out[r.site_id].columns.append(Column(r.url, r.name or "", r.path or "", r.parent_url, r.status or "ok"))

        for (sid,) in conn.execute(
            select(f.c.site_id).where(f.c.round == round_, f.c.status.in_(list(observed))).distinct()
        ):
            if sid in out:
                out[sid].observed_any = True
        fr = schema.frontier
        for r in conn.execute(
            select(f.c.site_id, f.c.url, f.c.status, fr.c.column_url)
            .select_from(
                f.outerjoin(fr, and_(fr.c.round == f.c.round, fr.c.site_id == f.c.site_id, fr.c.url_key == f.c.url_key))
            )
            .where(f.c.round == round_, f.c.kind.in_(list_kinds), f.c.status.not_in(list(observed)))
            .order_by(f.c.site_id, f.c.url)
        ):
            if r.site_id in out:
                out[r.site_id].failures.append(PageFailure(r.url, r.column_url, r.status))
    return out


def deduplicate(docs: list[Doc]) -> tuple[list[Doc], list[Doc]]:
    """Split documents into distinct ones and republications of them.

    The same document is often published twice (the bureau's column and the city's 政府信息公开
    platform). Two documents are the same when title (without white space), publication date,
    文号 and the start of the body (``dedup_body_chars``) are all equal; the first by URL is
    kept. Returns (kept, duplicates), both in the input order.
    """
    size = int(settings()["dedup_body_chars"])
    seen: set[tuple[str, date | None, str, str]] = set()
    kept: list[Doc] = []
    dups: list[Doc] = []
    for doc in docs:
        key = ("".join(doc.title.split()), doc.publication_date, doc.doc_number, "".join(doc.body[:size].split()))
        if key in seen:
            dups.append(doc)
        else:
            seen.add(key)
            kept.append(doc)
    return kept, dups


def load_overrides(store: Any, round_: str) -> dict[tuple[str, str, str], Override]:
    """The latest override (by time, then id) per (site, item, criterion) of a round."""
    o = schema.overrides
    latest: dict[tuple[str, str, str], Override] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(
            select(o.c.site_id, o.c.item_id, o.c.criterion, o.c.value, o.c.reason, o.c.author, o.c.created_at)
            .where(o.c.round == round_)
            .order_by(o.c.created_at, o.c.id)
        ):
            latest[(r.site_id, r.item_id, r.criterion)] = Override(float(r.value), r.reason, r.author, r.created_at)
    return latest
