"""The crawl queue, kept in the store (table ``frontier``) so that a crawl can be resumed.

A row is one request to make for one site and round. Enqueueing is idempotent (an upsert
that does nothing when the request key exists), so re-discovering a link never duplicates it.
Rows move ``pending`` → ``done`` | ``failed``; the state change is written in the same
transaction as everything the page produced (fetch row, documents, new links), so a crawl
killed at any moment either stored a page completely or will fetch it again.

Requests are served by kind (robots, columns, list pages, articles, attachments), then in
discovery order, so the column tree is known before articles are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, case, delete, func, select, update

from crawlers.model import Request
from evaluator.store import Store, schema, url_key, utcnow

KINDS = ("robots", "column", "list", "api", "article", "attachment")
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}
#: Kinds that count as pages against ``CrawlLimits.max_pages``.
PAGE_KINDS = ("column", "list", "api", "article")


@dataclass(frozen=True)
class Entry:
    """One request of the frontier (read back from, or about to be written to, the store)."""

    url: str
    kind: str
    method: str = "GET"
    body: str | None = None
    depth: int = 0
    column_url: str | None = None
    parent_url: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    attempts: int = 0

    @cached_property
    def key(self) -> str:
        """The request key (method + URL + body)."""
        return url_key(self.url, self.method, self.body)

    @property
    def request(self) -> Request:
        """The HTTP request to make."""
        return Request(url=self.url, method=self.method, body=self.body)


_T = schema.frontier
_THIS_REQUEST = (_T.c.round == bindparam("b_round")) & (_T.c.site_id == bindparam("b_site")) & (_T.c.url_key == bindparam("b_key"))
# Built once: ``mark`` runs for every page, and building the expression costs more than running it.
_MARK = update(_T).where(_THIS_REQUEST).values(state=bindparam("state"), attempts=_T.c.attempts + 1)
_MARK_INFO = update(_T).where(_THIS_REQUEST).values(state=bindparam("state"), attempts=_T.c.attempts + 1, info=bindparam("info"))
LIST_KINDS = ("column", "list", "api")


class Frontier:
    """The store-backed queue of one site in one round."""

    def __init__(self, store: Store, round: str, site_id: str) -> None:
        self.store = store
        self.round = round
        self.site_id = site_id
        self.table = schema.frontier

    def _where(self) -> Any:
        t = self.table
        return (t.c.round == self.round) & (t.c.site_id == self.site_id)

    def add(self, entries: Iterable[Entry], *, conn: Any = None) -> None:
        """Enqueue requests; those already known (same key) are left as they are."""
        now = utcnow()
        rows: dict[str, dict[str, Any]] = {}
        for e in entries:
            if e.kind not in _PRIORITY:
                raise ValueError(f"unknown frontier kind {e.kind!r} (known: {', '.join(KINDS)})")
            rows.setdefault(
                e.key,
                {
                    "round": self.round,
                    "site_id": self.site_id,
                    "url_key": e.key,
                    "url": e.url,
                    "method": e.method.upper(),
                    "body": e.body,
                    "kind": e.kind,
                    "depth": e.depth,
                    "column_url": e.column_url,
                    "parent_url": e.parent_url,
                    "info": e.info,
                    "state": "pending",
                    "attempts": 0,
                    "discovered_at": now,
                },
            )
        if rows:
            self.store.upsert(self.table, list(rows.values()), key=("round", "site_id", "url_key"), update=(), conn=conn)

    def next_batch(self, limit: int = 50) -> list[Entry]:
        """The next pending requests, by kind priority then discovery order."""
        t = self.table
        priority = case(_PRIORITY, value=t.c.kind, else_=len(KINDS))
        stmt = (
            select(t)
            .where(self._where() & (t.c.state == "pending"))
            .order_by(priority, t.c.id)
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            return [self._entry(row) for row in conn.execute(stmt).mappings()]

    def mark(self, entry: Entry, state: str, *, conn: Any = None, info: dict[str, Any] | None = None) -> None:
        """Move a request to ``done`` or ``failed`` (``info`` replaces the row's info)."""
        if state not in ("done", "failed", "pending"):
            raise ValueError(f"unknown frontier state {state!r}")
        params: dict[str, Any] = {"b_round": self.round, "b_site": self.site_id, "b_key": entry.key, "state": state}
        if info is not None:
            params["info"] = info
        stmt = _MARK if info is None else _MARK_INFO
        if conn is not None:
            conn.execute(stmt, params)
            return
        with self.store.engine.begin() as own:
            own.execute(stmt, params)

    def get(self, key: str) -> Entry | None:
        """The request with this key, if known."""
        t = self.table
        with self.store.engine.connect() as conn:
            row = conn.execute(select(t).where(self._where() & (t.c.url_key == key))).mappings().first()
        return self._entry(row) if row else None

    def state_of(self, key: str) -> str | None:
        """The state of the request with this key (None: not in the frontier)."""
        t = self.table
        with self.store.engine.connect() as conn:
            return conn.execute(select(t.c.state).where(self._where() & (t.c.url_key == key))).scalar()

    def reset(self, *, conn: Any = None) -> None:
        """Forget the queue of this site and round (a new full crawl starts from the seeds)."""
        if conn is not None:
            conn.execute(delete(self.table).where(self._where()))
            return
        with self.store.engine.begin() as own:
            own.execute(delete(self.table).where(self._where()))

    def counts(self) -> dict[str, int]:
        """Requests per state."""
        t = self.table
        stmt = select(t.c.state, func.count()).where(self._where()).group_by(t.c.state)
        with self.store.engine.connect() as conn:
            return {state: n for state, n in conn.execute(stmt)}

    def pages_handled(self) -> int:
        """Page requests (``PAGE_KINDS``) no longer pending: what ``max_pages`` counts."""
        t = self.table
        stmt = select(func.count()).where(
            self._where() & (t.c.state != "pending") & t.c.kind.in_(PAGE_KINDS)
        )
        with self.store.engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def listed_items(self) -> dict[str, dict[str, int]]:
        """Per column URL, the rows listed on each of its handled list pages (request key →
        ``info["items"]``): what a column's item count adds up."""
        t = self.table
        stmt = select(t.c.column_url, t.c.url, t.c.url_key, t.c.info).where(
            self._where() & t.c.kind.in_(LIST_KINDS) & (t.c.state != "pending")
        )
        out: dict[str, dict[str, int]] = {}
        with self.store.engine.connect() as conn:
            for column_url, url, key, info in conn.execute(stmt):  # a column's own page has no column_url
                out.setdefault(column_url or url, {})[key] = int((info or {}).get("items", 0))
        return out

    @staticmethod
    def _entry(row: Any) -> Entry:
        return Entry(
            url=row["url"],
            kind=row["kind"],
            method=row["method"],
            body=row["body"],
            depth=row["depth"],
            column_url=row["column_url"],
            parent_url=row["parent_url"],
            info=dict(row["info"] or {}),
            id=row["id"],
            attempts=row["attempts"],
        )
