"""The crawl engine: one site is one unit of work; sites run in parallel.

:func:`crawl_site` crawls one site of an assessment into the store, writing WARC evidence;
:func:`crawl` runs several sites on a thread pool bounded by ``Assessment.concurrency``, with
one :class:`~crawlers.politeness.HostGate` shared by all of them, so a slow or dead host only
ever delays its own site.

Flow per site: the frontier is seeded with the entry points (kind ``column``); a column or list
page goes through ``extract_list`` (items → ``article`` entries carrying the row's title and
date, further pages → ``list`` entries, sub-columns → ``column`` entries and ``columns`` rows);
an article goes through ``extract_article`` (→ a ``documents`` row, attachments → ``attachment``
entries checked with HEAD / ranged GET). Every request is checked against the scope and
robots.txt, spaced by the host gate, written to the WARC file and recorded in ``fetches`` with a
status of the failure taxonomy, in the same transaction as its results and its frontier state.

Resumption: when the last run of a site did not finish, the next run continues its frontier;
otherwise a new run starts from the seeds again (a recrawl, with conditional requests: a 304
keeps the stored document and replays its evidence to follow its links again).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update

from crawlers.attachments import check_attachment, save_attachment
from crawlers.frontier import KINDS, PAGE_KINDS, Entry, Frontier
from crawlers.http import FetchResult, Fetcher, RequestsFetcher
from crawlers.model import Article, ListPage, Request
from crawlers.parsing import ParsePool, Parsed, default_tools, parse_page
from crawlers.pipeline import (
    PATH_SEP,
    attachment_entries,
    bound,
    decision_row,
    document_row,
    fetch_row,
    list_outlinks,
)
from crawlers.politeness import HostGate, RobotsCache, RobotsRules, host_of
from crawlers.scope import Scope, UrlError, canonical_url
from crawlers.stats import CrawlStats
from crawlers.storage_errors import describe_storage_error
from crawlers.warc import WarcPointer, WarcWriter, read_record
from evaluator.errors import CrawlError
from evaluator.settings import Assessment, CrawlLimits, SiteConfig
from evaluator.store import Store, schema, utcnow

log = logging.getLogger("crawlers.engine")

#: Consecutive network failures (dns, connect, timeout) after which a host is not tried again
#: in this run; its remaining requests are recorded with the same status.
HOST_DOWN_AFTER = 3
_NETWORK = ("dns", "connect", "timeout")
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}

# The per-page statements, built once: building a SQLAlchemy expression costs more than
# running it, and the crawler runs these for every page.
_F = schema.fetches
_THIS_FETCH = (_F.c.round == bindparam("b_round")) & (_F.c.site_id == bindparam("b_site")) & (_F.c.url_key == bindparam("b_key"))
_PREVIOUS_FETCH = select(_F).where(_THIS_FETCH)
_FETCH_STATUS = select(_F.c.status).where(_THIS_FETCH)


class ListExtractor(Protocol):
    """``crawlers.extract_list``: ``(html, url, headers, *, family, status) -> ListPage``."""

    def __call__(self, html: bytes | str, url: str, headers: Any = None, **kw: Any) -> ListPage: ...


class ArticleExtractor(Protocol):
    """``crawlers.extract_article``: ``(html, url, headers, *, family, status) -> Article``."""

    def __call__(self, html: bytes | str, url: str, headers: Any = None, **kw: Any) -> Article: ...


ProgressCallback = Callable[[CrawlStats], None]


Parser = Callable[..., Parsed]


_WRITE_LOCKS: "weakref.WeakKeyDictionary[Store, threading.Lock]" = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(store: Store) -> threading.Lock | None:
    """The process-wide write lock of a SQLite store (None for other databases)."""
    if store.engine.dialect.name != "sqlite":
        return None
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(store)
        if lock is None:
            lock = _WRITE_LOCKS[store] = threading.Lock()
        return lock


def _effective_limits(assessment: Assessment, site: SiteConfig, max_pages: int | None) -> CrawlLimits:
    limits = assessment.limits_for(site)
    if max_pages is not None:
        limits = replace(limits, max_pages=max_pages)
    return limits


class _SiteCrawl:
    """The state of one site's crawl run."""

    def __init__(
        self,
        assessment: Assessment,
        site: SiteConfig,
        store: Store,
        *,
        fetcher: Fetcher,
        parser: Parser,
        gate: HostGate,
        limits: CrawlLimits,
        resume: bool,
        progress: ProgressCallback | None,
        stop: threading.Event,
    ) -> None:
        self.assessment = assessment
        self.site = site
        self.store = store
        self.fetcher = fetcher
        self.parser = parser
        self.gate = gate
        self.limits = limits
        self.resume = resume
        self.progress = progress
        self.stop = stop
        self.round = assessment.round
        self.frontier = Frontier(store, self.round, site.id)
        entries = site.entry_points or (site.base_url,)
        self.seeds = [canonical_url(u) for u in entries]
        self.scope = Scope.for_site(site.base_url, self.seeds, site.extra_hosts)
        self.robots = RobotsCache(self._load_robots)
        self.stats = CrawlStats(site_id=site.id)
        self.family: str | None = site.family  # forced by the assessment; else detected per page
        self.families: Counter[str] = Counter()  # families the extractors used, for sites.family
        self.column_paths: dict[str, str] = {}
        # What this run knows of the store, so that a page does not query for it: request keys
        # with a fetch row, document URLs, and the rows listed per column (see _start).
        self.fetched_keys: set[str] = set()
        self.document_urls: set[str] = set()
        self.listed: dict[str, dict[str, int]] = {}
        self.host_failures: dict[str, tuple[int, str]] = {}
        self.delays_set: set[str] = set()
        self.off_scope_seen: set[str] = set()
        self.warc: WarcWriter | None = None
        self.run_id: int | None = None
        self.site_dir = Path(assessment.evidence_dir) / self.round / site.id

    @contextmanager
    def _begin(self) -> Iterator[Any]:
        """A write transaction. On SQLite, writers of this process queue on a Python lock
        instead of SQLite's sleep-and-retry busy handler, which stalls threads for up to
        100 ms at a time when many sites write at once."""
        lock = _write_lock(self.store)
        if lock is None:
            with self.store.engine.begin() as conn:
                yield conn
            return
        with lock, self.store.engine.begin() as conn:
            yield conn

    # -- run lifecycle ---------------------------------------------------------------------
    def run(self) -> CrawlStats:
        self._start()
        try:
            self._loop()
            self.stats.status = "interrupted" if self.stop.is_set() else "finished"
        except KeyboardInterrupt:
            self.stats.status = "interrupted"
            raise
        except Exception as exc:  # a storage failure or a bug: recorded, the other sites go on
            self.stats.status = "failed"
            message = describe_storage_error(exc, store_url=str(self.store.engine.url), warc_file=self.stats.warc_file)
            self.stats.error = message or f"{type(exc).__name__}: {exc}"
            if message:
                log.error("site %s: %s", self.site.id, message)
            else:
                log.exception("site %s: crawl stopped by an error", self.site.id)
        finally:
            self._finish()
        return self.stats

    def _start(self) -> None:
        runs = schema.crawl_runs
        with self._begin() as conn:
            self.store.upsert(
                schema.sites,
                {
                    "site_id": self.site.id,
                    "name": self.site.name,
                    "region": self.site.region,
                    "base_url": self.site.base_url,
                    "config": {"entry_points": list(self.site.entry_points), "extra_hosts": list(self.site.extra_hosts)},
                },
                key=("site_id",),
                conn=conn,
            )
            unfinished = conn.execute(
                select(runs.c.run_id).where(
                    (runs.c.round == self.round)
                    & (runs.c.site_id == self.site.id)
                    & runs.c.status.in_(("running", "interrupted", "failed"))
                )
            ).all()
            last = conn.execute(
                select(runs.c.status)
                .where((runs.c.round == self.round) & (runs.c.site_id == self.site.id))
                .order_by(runs.c.run_id.desc())
                .limit(1)
            ).scalar()
            if unfinished:
                conn.execute(
                    update(runs)
                    .where(runs.c.run_id.in_([r for (r,) in unfinished]) & (runs.c.status == "running"))
                    .values(status="interrupted")
                )
            result = conn.execute(
                insert(runs).values(
                    round=self.round, site_id=self.site.id, started_at=utcnow(), status="running", stats={}
                )
            )
            self.run_id = int(result.inserted_primary_key[0])
        self.stats.run_id = self.run_id
        continuing = self.resume and last is not None and last != "finished"
        if not continuing:
            with self._begin() as conn:
                self.frontier.reset(conn=conn)
        else:
            self._load_column_paths()
            self.listed = self.frontier.listed_items()
        self._load_known()
        self.stats.inc("crawl/resumed" if continuing else "crawl/started")
        stamp = utcnow().replace(":", "").replace("-", "")[:15]
        path = self.site_dir / f"{self.site.id}-run{self.run_id:05d}-{stamp}.warc.gz"
        self.warc = WarcWriter(
            path,
            info={
                "isPartOf": f"{self.assessment.name} / {self.round}",
                "site": self.site.id,
                "operator": self.assessment.assessor,
                "http-header-user-agent": self.assessment.effective_user_agent,
                "robots": "obey" if self.limits.respect_robots else "ignore",
            },
        )
        self.stats.warc_file = str(path)
        with self._begin() as conn:
            conn.execute(update(runs).where(runs.c.run_id == self.run_id).values(warc_file=str(path)))
        for host in self.scope.hosts:
            self.gate.set_delay(host, self.limits.min_delay)
        seeds = [
            Entry(url=url, kind="column", column_url=url, info={"page": 1, "seed": True}) for url in self.seeds
        ]
        with self._begin() as conn:
            self.frontier.add(seeds, conn=conn)
        log.info("site %s: run %s %s, evidence %s", self.site.id, self.run_id, "resumed" if continuing else "started", path)

    def _finish(self) -> None:
        self.stats.finished = time.monotonic()
        if self.warc is not None:
            self.warc.close()
        runs = schema.crawl_runs
        family = self.site.family or (self.families.most_common(1)[0][0] if self.families else None)
        try:
            with self._begin() as conn:
                if family:
                    conn.execute(update(schema.sites).where(schema.sites.c.site_id == self.site.id).values(family=family))
                conn.execute(
                    update(runs)
                    .where(runs.c.run_id == self.run_id)
                    .values(finished_at=utcnow(), status=self.stats.status, stats=self.stats.as_dict())
                )
        except Exception:  # the store itself failed: nothing more can be recorded
            log.exception("site %s: could not record the end of run %s", self.site.id, self.run_id)
        log.info("site %s: run %s %s: %s", self.site.id, self.run_id, self.stats.status, self.stats.as_dict())

    def _load_known(self) -> None:
        """Request keys fetched and documents stored earlier in this round (a recrawl's
        conditional requests and "new document" counts need them)."""
        f, d = schema.fetches, schema.documents
        with self.store.engine.connect() as conn:
            self.fetched_keys = set(conn.execute(
                select(f.c.url_key).where((f.c.round == self.round) & (f.c.site_id == self.site.id))
            ).scalars())
            self.document_urls = set(conn.execute(
                select(d.c.url).where((d.c.round == self.round) & (d.c.site_id == self.site.id))
            ).scalars())

    def _load_column_paths(self) -> None:
        t = schema.columns
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.url, t.c.path).where((t.c.round == self.round) & (t.c.site_id == self.site.id))
            ).all()
        self.column_paths = {url: path for url, path in rows}

    def _save_stats(self) -> None:
        runs = schema.crawl_runs
        with self._begin() as conn:
            conn.execute(update(runs).where(runs.c.run_id == self.run_id).values(stats=self.stats.as_dict()))

    # -- the loop ----------------------------------------------------------------------------
    def _loop(self) -> None:
        handled = self.frontier.pages_handled()
        since_save = 0
        while not self.stop.is_set():
            batch = self.frontier.next_batch(50)
            if not batch:
                return
            for i, entry in enumerate(batch):
                if self.stop.is_set():
                    return
                if entry.kind in PAGE_KINDS and handled >= self.limits.max_pages:
                    self.stats.inc("crawl/stopped/max_pages")
                    log.info("site %s: max_pages=%d reached", self.site.id, self.limits.max_pages)
                    return
                added = self._handle(entry)
                if entry.kind in PAGE_KINDS:
                    handled += 1
                since_save += 1
                if since_save >= 25:
                    self._save_stats()
                    since_save = 0
                if self.progress is not None:
                    self.progress(self.stats)
                nxt = batch[i + 1] if i + 1 < len(batch) else None
                if nxt is not None and added is not None and added < _PRIORITY[nxt.kind]:
                    break  # something more urgent was discovered: re-read the queue in order

    def _handle(self, entry: Entry) -> int | None:
        """Process one frontier entry; returns the best priority of the entries it added."""
        if entry.kind == "attachment":
            self._handle_attachment(entry)
            return None
        if self.limits.respect_robots and not self.robots.rules(entry.url).allowed(entry.url):
            self._record_skip(entry, "robots_disallowed", "disallowed by robots.txt")
            self.stats.inc("crawl/skipped/robots")
            return None
        previous = self._previous_fetch(entry.key)
        result = self._fetch(entry.request, headers=self._conditional(previous))
        return self._handle_page(entry, result, previous)

    # -- fetching ----------------------------------------------------------------------------
    def _fetch(self, request: Request, **kw: Any) -> FetchResult:
        """Fetch through the host gate, unless the host is down for this run."""
        host = host_of(request.url)
        down = self.host_failures.get(host)
        if down and down[0] >= HOST_DOWN_AFTER:
            self.stats.inc("crawl/skipped/host_down")
            return FetchResult(
                url=request.url,
                method=request.method,
                status=down[1],
                error=f"not attempted: {host} failed {down[0]} times in a row in this run (last: {down[1]})",
            )
        if host not in self.delays_set and self.limits.respect_robots:
            rules = self.robots.known(request.url)
            if rules is not None:  # the robots.txt request itself comes before its rules
                delay = rules.crawl_delay()
                if delay:
                    self.gate.set_delay(host, max(delay, self.limits.min_delay))
                    self.stats.inc("crawl/robots/crawl_delay")
                self.delays_set.add(host)
        self.gate.wait(host)
        result = self.fetcher.fetch(request, scope=self._redirect_allowed, **kw)
        if result.status in _NETWORK:
            count = (down[0] if down else 0) + 1
            self.host_failures[host] = (count, result.status)
            if count == HOST_DOWN_AFTER:
                log.warning("site %s: host %s looks down (%d %s failures)", self.site.id, host, count, result.status)
        else:
            self.host_failures.pop(host, None)
        self.stats.inc("crawl/bytes", len(result.body))
        return result

    def _redirect_allowed(self, url: str) -> bool:
        """May a redirect lead to ``url``? Only inside the site's scope."""
        try:
            return self.scope.allows(canonical_url(url))
        except UrlError:
            return False

    def _load_robots(self, url: str) -> RobotsRules:
        robots_url = canonical_url("/robots.txt", url)
        entry = Entry(url=robots_url, kind="robots", parent_url=None)
        previous = self._previous_fetch(entry.key)
        if self.frontier.state_of(entry.key) == "done" and previous and previous["warc_file"]:
            try:
                record = read_record(previous["warc_file"], previous["warc_offset"])
                rules = RobotsRules.from_response(record.http_status, record.payload, previous["status"])
                self.stats.inc(f"crawl/robots/{rules.state}")
                return rules
            except (OSError, ValueError):
                log.warning("site %s: robots.txt evidence unreadable, fetching again", self.site.id)
        result = self._fetch(Request(robots_url), accept_any=True, max_bytes=500 * 1024, truncate_ok=True)
        rules = RobotsRules.from_response(result.http_status, result.body, result.status)
        self.stats.inc(f"crawl/robots/{rules.state}")
        pointer = self.warc.write_fetch(result) if self.warc else None
        with self._begin() as conn:
            self.frontier.add([entry], conn=conn)
            self._upsert_fetch(conn, fetch_row(
                result, entry, round=self.round, site_id=self.site.id, run_id=self.run_id, pointer=pointer,
                encoding=None, now=utcnow(), previous_sha256=previous["sha256"] if previous else None,
            ))
            self.frontier.mark(entry, "done", conn=conn)
        if rules.note:
            log.info("site %s: %s: %s", self.site.id, robots_url, rules.note)
        return rules

    def _previous_fetch(self, key: str) -> dict[str, Any] | None:
        if key not in self.fetched_keys:  # a first visit in this round: nothing to ask the store
            return None
        with self.store.engine.connect() as conn:
            row = conn.execute(_PREVIOUS_FETCH, self._fetch_params(key)).mappings().first()
        return dict(row) if row else None

    def _fetch_params(self, key: str) -> dict[str, str]:
        return {"b_round": self.round, "b_site": self.site.id, "b_key": key}

    def _upsert_fetch(self, conn: Any, row: dict[str, Any]) -> int:
        """Write the fetch row of a request; returns its id."""
        fetch_id = self.store.upsert(schema.fetches, row, key=("round", "site_id", "url_key"), conn=conn, returning="id")
        self.fetched_keys.add(row["url_key"])
        return int(fetch_id)

    @staticmethod
    def _conditional(previous: dict[str, Any] | None) -> dict[str, str] | None:
        """If-None-Match / If-Modified-Since from the last good fetch of this request."""
        entry_prev = previous if previous and previous["status"] in ("ok", "not_modified") else None
        if entry_prev is None or not entry_prev["warc_file"] or not Path(entry_prev["warc_file"]).exists():
            return None
        headers: dict[str, str] = {}
        if entry_prev["etag"]:
            headers["If-None-Match"] = entry_prev["etag"]
        if entry_prev["last_modified"]:
            headers["If-Modified-Since"] = entry_prev["last_modified"]
        return headers or None

    # -- pages -------------------------------------------------------------------------------
    def _handle_page(self, entry: Entry, result: FetchResult, previous: dict[str, Any] | None) -> int | None:
        body = result.body
        pointer: WarcPointer | None = None
        if result.status == "not_modified" and previous:
            if self.warc is not None:  # the 304 itself is evidence of the revalidation
                self.warc.write_fetch(result)
            try:
                record = read_record(previous["warc_file"], previous["warc_offset"])
                body = record.payload
                pointer = WarcPointer(previous["warc_file"], previous["warc_offset"], previous["warc_record_id"], previous["sha256"])
            except (OSError, ValueError, TypeError):
                log.warning("site %s: evidence of %s unreadable; fetching it again", self.site.id, entry.url)
                if self.warc is not None:
                    self.warc.write_fetch(result)
                result = self._fetch(entry.request)
                body = result.body
        parsed: ListPage | Article | None = None
        encoding: str | None = None
        if result.ok or (result.http_status and body):
            outcome = self.parser(
                entry.kind, body, result.final_url or entry.url, result.headers,
                http_status=result.http_status, family=self.family, observed=result.ok,
                request=None if entry.kind == "article" else entry.request,
            )
            encoding, parsed = outcome.encoding, outcome.page
            if outcome.status is not None:
                if outcome.status == "parse_error":
                    log.warning("site %s: cannot parse %s: %s", self.site.id, entry.url, outcome.error)
                result.status, result.error = outcome.status, outcome.error
            if outcome.family and outcome.page is not None:
                self.families[outcome.family] += 1
        if pointer is None and self.warc is not None:
            pointer = self.warc.write_fetch(result)
        now = utcnow()
        added: int | None = None
        with self._begin() as conn:
            row = fetch_row(
                result, entry, round=self.round, site_id=self.site.id, run_id=self.run_id, pointer=pointer,
                encoding=encoding, now=now, previous_sha256=previous["sha256"] if previous else None,
            )
            if result.status == "not_modified" and previous:
                row.update(length=previous["length"], etag=previous["etag"] or row["etag"],
                           last_modified=previous["last_modified"] or row["last_modified"],
                           content_type=previous["content_type"], encoding=previous["encoding"], changed=False)
            fetch_id = self._upsert_fetch(conn, row)
            info = dict(entry.info)
            if isinstance(parsed, ListPage):
                added = self._store_list(conn, entry, parsed, info)
            elif isinstance(parsed, Article):
                self._store_document(conn, entry, parsed, fetch_id, pointer, now, changed=row["changed"])
            elif entry.kind == "article" and result.status == "not_html":
                self._store_document(conn, entry, None, fetch_id, pointer, now, changed=None)
            if entry.kind == "column" and not result.ok:
                self._column_status(conn, entry, result.status)
            self.frontier.mark(entry, "done" if result.ok else "failed", conn=conn, info=info)
        key = "crawl/pages/ok" if result.status == "ok" else (
            "crawl/pages/not_modified" if result.status == "not_modified" else f"crawl/pages/failed/{result.status}"
        )
        self.stats.inc(key)
        if not result.ok:
            log.info("site %s: %s %s: %s", self.site.id, entry.url, result.status, result.error or "")
        return added

    def _store_list(self, conn: Any, entry: Entry, page: ListPage, info: dict[str, Any]) -> int | None:
        column_url = entry.column_url or entry.url
        if entry.kind == "column":
            self._ensure_column(conn, entry, page)
        path = self.column_paths.get(column_url, "")
        out = list_outlinks(
            page, entry, scope=self.scope, column_path=path, max_depth=self.limits.max_depth,
            max_list_pages=self.limits.max_list_pages, round=self.round, site_id=self.site.id,
        )
        for row in out.columns:
            parent_path = self.column_paths.get(row["parent_url"] or "", path)
            row["path"] = bound(f"{parent_path}{PATH_SEP}{row['name']}" if parent_path else row["name"], 2000)
            if row["url"] not in self.column_paths:
                self.column_paths[row["url"]] = row["path"]
                self.stats.inc("crawl/columns")
        if out.columns:
            self.store.upsert(schema.columns, out.columns, key=("round", "site_id", "url"), update=(), conn=conn)
        for url, kind, note in out.off_scope:
            if url in self.off_scope_seen:  # a portal link on every list page is recorded once
                continue
            self.off_scope_seen.add(url)
            self._record_skip(Entry(url=url, kind=kind), "off_scope", note, conn=conn)
            self.stats.inc("crawl/skipped/off_scope")
        for reason, n in out.skipped.items():
            self.stats.inc(f"crawl/skipped/{reason}", n)
        self.frontier.add(out.entries, conn=conn)
        info["items"] = len(page.items)
        if page.page_count is not None:
            info["page_count"] = page.page_count
        # the column's item count: rows listed on its pages handled so far, this one included
        listed = self.listed.setdefault(column_url, {})
        listed[entry.key] = len(page.items)
        total = sum(listed.values())
        values: dict[str, Any] = {"item_count": total}
        if entry.kind == "column":
            values["status"] = "ok" if page.items else "empty"
            values["family"] = page.family
        elif total > 0:
            values["status"] = "ok"
        t = schema.columns
        conn.execute(
            update(t).where((t.c.round == self.round) & (t.c.site_id == self.site.id) & (t.c.url == column_url)).values(**values)
        )
        return min((_PRIORITY[e.kind] for e in out.entries), default=None)

    def _ensure_column(self, conn: Any, entry: Entry, page: ListPage | None) -> None:
        """Make sure the column row of a column request exists (entry points have none yet)."""
        column_url = entry.column_url or entry.url
        if column_url in self.column_paths:
            return
        name = bound((page.title if page else "") or entry.info.get("name") or "政府信息公开", 300)
        parent = entry.parent_url if not entry.info.get("seed") else None
        parent_path = self.column_paths.get(parent or "", "")
        path = f"{parent_path}{PATH_SEP}{name}" if parent_path else name
        self.store.upsert(
            schema.columns,
            {
                "round": self.round, "site_id": self.site.id, "url": column_url, "name": name,
                "parent_url": parent, "path": path, "family": page.family if page else self.family,
                "item_count": None, "status": "pending",
            },
            key=("round", "site_id", "url"),
            update=(),
            conn=conn,
        )
        self.column_paths[column_url] = path
        self.stats.inc("crawl/columns")

    def _column_status(self, conn: Any, entry: Entry, status: str) -> None:
        self._ensure_column(conn, entry, None)
        t = schema.columns
        conn.execute(
            update(t)
            .where((t.c.round == self.round) & (t.c.site_id == self.site.id) & (t.c.url == (entry.column_url or entry.url)))
            .values(status=status)
        )

    def _store_document(
        self, conn: Any, entry: Entry, article: Article | None, fetch_id: int | None,
        pointer: WarcPointer | None, now: str, *, changed: bool | None,
    ) -> None:
        path = self.column_paths.get(entry.column_url or "", entry.info.get("column_path", ""))
        row = document_row(article, entry, round=self.round, site_id=self.site.id, column_path=path,
                           fetch_id=fetch_id, pointer=pointer, now=now)
        existed = entry.url in self.document_urls
        doc_id = self.store.upsert(schema.documents, row, key=("round", "site_id", "url"),
                                   update=[c for c in row if c not in ("round", "site_id", "url", "first_seen")],
                                   conn=conn, returning="id")
        self.document_urls.add(entry.url)
        self.stats.inc("crawl/documents")
        if not existed:
            self.stats.inc("crawl/documents/new")
        elif changed:
            self.stats.inc("crawl/documents/changed")
        if article is None or not article.attachments:
            return
        rows, entries = attachment_entries(article, entry, self.scope)
        for r in rows:
            r["document_id"] = doc_id
        self.store.upsert(schema.attachments, rows, key=("document_id", "url"), update=("name", "ext"), conn=conn)
        off = [r for r in rows if r["status"] == "off_scope"]
        if off:
            a = schema.attachments
            conn.execute(
                update(a).where((a.c.document_id == doc_id) & a.c.url.in_([r["url"] for r in off])).values(status="off_scope")
            )
        if self.limits.check_attachments:
            self.frontier.add(entries, conn=conn)

    # -- attachments -------------------------------------------------------------------------
    def _handle_attachment(self, entry: Entry) -> None:
        if self.limits.respect_robots and not self.robots.rules(entry.url).allowed(entry.url):
            self._record_skip(entry, "robots_disallowed", "disallowed by robots.txt")
            self.stats.inc("crawl/skipped/robots")
            self._update_attachment(entry, {"reachable": None, "status": "robots_disallowed"})
            return

        def fetch(request: Request, **kw: Any) -> FetchResult:
            return self._fetch(request, **kw)

        check = check_attachment(fetch, entry.url, keep_bytes=self.limits.max_attachment_bytes)
        pointers = [self.warc.write_fetch(r) for r in check.results] if self.warc else []
        last, pointer = check.results[-1], (pointers[-1] if pointers else None)
        saved = None
        if check.body is not None:
            folder = self.site_dir / "attachments"
            saved = str(save_attachment(folder, entry.info.get("name", ""), entry.url, entry.info.get("ext"), check.body))
            self.stats.inc("crawl/attachments/kept")
        previous = self._previous_fetch(entry.key)
        with self._begin() as conn:
            row = fetch_row(last, entry, round=self.round, site_id=self.site.id, run_id=self.run_id, pointer=pointer,
                            encoding=None, now=utcnow(), previous_sha256=previous["sha256"] if previous else None)
            if last.status != check.status:
                row["status"] = check.status
            self._upsert_fetch(conn, row)
            self._update_attachment(entry, {
                "reachable": check.reachable, "status": check.status, "size": check.size,
                "sha256": check.sha256, "saved_path": saved, "warc_record_id": pointer.record_id if pointer else None,
            }, conn=conn)
            self.frontier.mark(entry, "done" if check.reachable else "failed", conn=conn)
        self.stats.inc("crawl/attachments/ok" if check.reachable else f"crawl/attachments/failed/{check.status}")

    def _update_attachment(self, entry: Entry, values: dict[str, Any], conn: Any = None) -> None:
        d, a = schema.documents, schema.attachments
        doc_ids = select(d.c.id).where(
            (d.c.round == self.round) & (d.c.site_id == self.site.id) & (d.c.url == entry.info.get("document_url"))
        ).scalar_subquery()
        stmt = update(a).where((a.c.document_id == doc_ids) & (a.c.url == entry.url)).values(**values)
        if conn is not None:
            conn.execute(stmt)
            return
        with self._begin() as own:
            own.execute(stmt)

    # -- decisions not to fetch --------------------------------------------------------------
    def _record_skip(self, entry: Entry, status: str, note: str, *, conn: Any = None) -> None:
        """Record a request not made (robots_disallowed, off_scope) in the WARC and fetches;
        a frontier entry is marked failed, and a column gets the status."""
        pointer = self.warc.write_decision(entry.url, status, {"kind": entry.kind, "note": note}) if self.warc else None
        row = decision_row(entry.url, entry.kind, status, note, round=self.round, site_id=self.site.id,
                           run_id=self.run_id, pointer=pointer, now=utcnow(), method=entry.method, body=entry.body)

        def write(c: Any) -> None:
            # an off_scope note never overwrites a real fetch of the same URL
            existing = (
                c.execute(_FETCH_STATUS, self._fetch_params(row["url_key"])).scalar()
                if row["url_key"] in self.fetched_keys else None
            )
            if existing is None or existing in ("off_scope", "robots_disallowed"):
                self._upsert_fetch(c, row)
            if entry.id is not None:
                self.frontier.mark(entry, "failed", conn=c)
                if entry.kind == "column":
                    self._column_status(c, entry, status)

        if conn is not None:
            write(conn)
            return
        with self._begin() as own:
            write(own)


def crawl_site(
    assessment: Assessment,
    site: SiteConfig,
    store: Store,
    *,
    fetcher: Fetcher | None = None,
    extract_article: ArticleExtractor | None = None,
    extract_list: ListExtractor | None = None,
    progress: ProgressCallback | None = None,
    max_pages: int | None = None,
    resume: bool = True,
    gate: HostGate | None = None,
    stop: threading.Event | None = None,
    parser: Parser | None = None,
) -> CrawlStats:
    """Crawl one site of ``assessment`` into ``store``; returns the run's statistics.

    ``fetcher`` defaults to a :class:`RequestsFetcher` built from the site's limits and the
    assessment's user agent; ``extract_article``/``extract_list`` default to
    :func:`crawlers.extract_article`/:func:`crawlers.extract_list`. ``max_pages`` overrides
    ``CrawlLimits.max_pages``. ``resume`` continues an unfinished previous run (False: start
    again from the seeds). ``gate`` shares per-host politeness with other sites; ``stop`` ends
    the run early (status ``interrupted``); ``parser`` replaces the inline parse step
    (:func:`crawlers.parsing.parse_page`), e.g. by a shared :class:`~crawlers.parsing.ParsePool`.
    A site that fails with an unexpected error returns status ``failed`` (also recorded in
    ``crawl_runs``).
    """
    limits = _effective_limits(assessment, site, max_pages)
    if parser is None:
        tools = default_tools(extract_article, extract_list)

        def parser(*args: Any, **kw: Any) -> Parsed:
            return parse_page(tools, *args, **kw)

    own_fetcher = fetcher is None
    fetcher = fetcher or RequestsFetcher.from_limits(limits, assessment.effective_user_agent)
    try:
        crawl = _SiteCrawl(
            assessment, site, store,
            fetcher=fetcher, parser=parser,
            gate=gate or HostGate(limits.min_delay), limits=limits, resume=resume,
            progress=progress, stop=stop or threading.Event(),
        )
        return crawl.run()
    finally:
        if own_fetcher:
            fetcher.close()


def crawl(
    assessment: Assessment,
    store: Store,
    site_ids: Iterable[str] | None = None,
    *,
    fetcher: Fetcher | None = None,
    extract_article: ArticleExtractor | None = None,
    extract_list: ListExtractor | None = None,
    progress: ProgressCallback | None = None,
    max_pages: int | None = None,
    resume: bool = True,
    stop: threading.Event | None = None,
    parse_workers: int = 0,
) -> list[CrawlStats]:
    """Crawl the assessment's sites (or ``site_ids``) in parallel; one stats object per site,
    in the assessment's order.

    At most ``Assessment.concurrency`` sites run at once; all share one host gate, so two
    sites linking to the same city portal never exceed its politeness delay together. A site
    whose crawl fails with an unexpected error is reported with status ``failed`` and does not
    stop the others. ``parse_workers`` > 0 parses pages in that many worker processes (the
    extractors must then be module-level functions). Raises :class:`CrawlError` for an unknown
    site id.
    """
    chosen = list(assessment.sites)
    if site_ids is not None:
        wanted = list(dict.fromkeys(site_ids))
        known = {s.id for s in assessment.sites}
        missing = [s for s in wanted if s not in known]
        if missing:
            raise CrawlError(
                f"unknown site id {', '.join(missing)} (the assessment has: {', '.join(sorted(known))}). "
                "Use one of the ids under `sites:` in the assessment file."
            )
        chosen = [s for s in assessment.sites if s.id in wanted]
    stop = stop or threading.Event()
    gate = HostGate(assessment.limits.min_delay)
    results: dict[str, CrawlStats] = {}
    pool = ParsePool(default_tools(extract_article, extract_list), parse_workers) if parse_workers > 0 else None

    def one(site: SiteConfig) -> CrawlStats:
        try:
            return crawl_site(
                assessment, site, store, fetcher=fetcher, extract_article=extract_article,
                extract_list=extract_list, progress=progress, max_pages=max_pages, resume=resume,
                gate=gate, stop=stop, parser=pool,
            )
        except Exception as exc:  # the run could not even start (store, evidence folder)
            message = describe_storage_error(exc, store_url=str(store.engine.url), warc_file=None)
            log.error("site %s: crawl failed: %s", site.id, message or exc)
            return CrawlStats(site_id=site.id, status="failed", error=message or f"{type(exc).__name__}: {exc}")

    workers = max(1, min(assessment.concurrency, len(chosen)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as threads:
            futures = {site.id: threads.submit(one, site) for site in chosen}
            try:
                for site_id, future in futures.items():
                    results[site_id] = future.result()
            except KeyboardInterrupt:
                stop.set()
                for site_id, future in futures.items():
                    results[site_id] = future.result()
    finally:
        if pool is not None:
            pool.close()
    return [results[s.id] for s in chosen]

