"""Turn fetched and parsed pages into store rows and new frontier entries.

Pure functions: they take the parsed page and the frontier entry that led to it and return
rows (dicts for :mod:`evaluator.store.schema` tables) and :class:`~crawlers.frontier.Entry`
objects; the engine writes them in one transaction. Crawled text is untrusted: every string
is bounded here (titles, names, bodies) before it reaches the store; escaping is the job of
whoever renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawlers.frontier import Entry
from crawlers.http import FetchResult
from crawlers.model import Article, ListPage
from crawlers.scope import Scope, UrlError, canonical_url
from crawlers.warc import WarcPointer

MAX_TITLE = 1000
MAX_NAME = 300
MAX_FIELD = 300
MAX_BODY = 500_000
MAX_HEADER_VALUE = 2000
MAX_ERROR = 1000
PATH_SEP = " > "


def bound(text: str | None, limit: int) -> str | None:
    """Cut untrusted text to ``limit`` characters (None stays None) and drop NUL bytes."""
    if text is None:
        return None
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def iso(value: date | None) -> str | None:
    """A date as ``YYYY-MM-DD`` (None stays None)."""
    return value.isoformat() if value else None


@dataclass
class Outlinks:
    """What a list page asks the crawler to do next."""

    entries: list[Entry] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)  # rows for ``columns`` (discovered)
    off_scope: list[tuple[str, str, str]] = field(default_factory=list)  # (url, kind, note)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count


def _skip(out: Outlinks, reason: str) -> None:
    out.skipped[reason] = out.skipped.get(reason, 0) + 1


def list_outlinks(
    page: ListPage,
    entry: Entry,
    *,
    scope: Scope,
    column_path: str,
    max_depth: int,
    max_list_pages: int,
    round: str,
    site_id: str,
) -> Outlinks:
    """Items, further pages and sub-columns of a parsed list page.

    Items become ``article`` entries carrying the list row's title and date; further pages
    become ``list`` entries of the same column (page number in ``info``, capped by
    ``max_list_pages``); sub-columns become ``column`` entries and ``columns`` rows (status
    ``pending`` until listed). Links outside the scope are returned in ``off_scope``.
    """
    out = Outlinks()
    column_url = entry.column_url or entry.url
    base = entry.url
    for item in page.items:
        try:
            url = canonical_url(item.url, base)
        except UrlError:
            _skip(out, "bad_url")
            continue
        title = bound(item.title, MAX_TITLE) or ""
        verdict = scope.check(url)
        if not verdict.allowed:
            note = f"listed in column {column_url} as «{title}» ({item.date_text or iso(item.date) or 'no date'})"
            out.off_scope.append((url, "article", f"{verdict.reason}: {note}"))
            continue
        if entry.depth + 1 > max_depth:
            _skip(out, "depth")
            continue
        out.entries.append(
            Entry(
                url=url,
                kind="article",
                depth=entry.depth + 1,
                column_url=column_url,
                parent_url=entry.url,
                info={
                    "title": title,
                    "list_date": iso(item.date),
                    "date_text": bound(item.date_text, 64) or "",
                    "column_path": column_path,
                },
            )
        )
    page_no = int(entry.info.get("page", 1))
    for req in page.next_requests:
        try:
            url = canonical_url(req.url, base)
        except UrlError:
            _skip(out, "bad_url")
            continue
        if not scope.allows(url):
            out.off_scope.append((url, "list", f"{scope.check(url).reason}: next page of column {column_url}"))
            continue
        if page_no + 1 > max_list_pages:
            _skip(out, "list_pages")
            continue
        out.entries.append(
            Entry(
                url=url,
                kind="list",
                method=req.method.upper(),
                body=req.body,
                depth=entry.depth,
                column_url=column_url,
                parent_url=entry.url,
                info={"page": page_no + 1},
            )
        )
    for col in page.columns:
        try:
            url = _column_identity(col.url, base, routed=col.request is not None)
            parent = canonical_url(col.parent_url, base) if col.parent_url else column_url
        except UrlError:
            _skip(out, "bad_url")
            continue
        name = bound(col.name.strip(), MAX_NAME) or url
        verdict = scope.check(url)
        row = {
            "round": round,
            "site_id": site_id,
            "url": url,
            "name": name,
            "parent_url": parent,
            "path": "",  # filled by the engine from the parent's path
            "family": page.family,
            "item_count": None,
            "status": "pending" if verdict.allowed else "off_scope",
        }
        out.columns.append(row)
        if not verdict.allowed:
            out.off_scope.append((url, "column", f"{verdict.reason}: column «{name}» linked from {entry.url}"))
            continue
        if entry.depth + 1 > max_depth:
            _skip(out, "depth")
            continue
        request = col.request
        req_url, method, body = url, "GET", None
        if request is not None:
            try:
                req_url = canonical_url(request.url, base)
            except UrlError:
                _skip(out, "bad_url")
                continue
            method, body = request.method.upper(), request.body
        out.entries.append(
            Entry(
                url=req_url,
                kind="column",
                method=method,
                body=body,
                depth=entry.depth + 1,
                column_url=url,
                parent_url=entry.url,
                info={"page": 1, "name": name},
            )
        )
    return out


def _column_identity(href: str, base: str, *, routed: bool) -> str:
    """The URL that names a column. Columns listed through their own request (a gkmlpt
    directory app, whose columns are ``…/gkmlpt/index#<column id>``) keep the fragment: it is
    the only thing that tells one column of the app from another."""
    url = canonical_url(href, base)
    fragment = urlsplit(urljoin(base, href)).fragment if routed else ""
    return f"{url}#{fragment}" if fragment else url


def document_row(
    article: Article | None,
    entry: Entry,
    *,
    round: str,
    site_id: str,
    column_path: str,
    fetch_id: int | None,
    pointer: WarcPointer | None,
    now: str,
) -> dict[str, Any]:
    """The ``documents`` row of an article page (``article`` None: a document linked from a
    list that is not a page, e.g. a PDF; only the list row's title and date are known).

    The list row's title and date are the fallback for the article's own; ``list_date`` is
    always the list row's date. The column path is the list's, else the breadcrumb.
    """
    info = entry.info
    list_title = info.get("title") or ""
    sources: dict[str, str] = {}
    if article is not None:
        sources.update({k: bound(str(v), 64) or "" for k, v in list(article.sources.items())[:50]})
    title = (article.title if article else "") or list_title
    if article is None or not article.title:
        if list_title:
            sources["title"] = "list_page"
    publish = iso(article.publish_date) if article else None
    breadcrumb = PATH_SEP.join(article.column_path) if article and article.column_path else ""
    return {
        "round": round,
        "site_id": site_id,
        "url": entry.url,
        "host": urlsplit(entry.url).netloc,
        "column_url": entry.column_url,
        "column_path": bound(column_path or breadcrumb, MAX_TITLE) or "",
        "title": bound(title, MAX_TITLE) or "",
        "publish_date": publish,
        "formation_date": iso(article.formation_date) if article else None,
        "list_date": info.get("list_date"),
        "doc_number": bound(article.doc_number, MAX_FIELD) if article else None,
        "index_number": bound(article.index_number, MAX_FIELD) if article else None,
        "publisher": bound(article.publisher, MAX_FIELD) if article else None,
        "topic": bound(article.topic, MAX_FIELD) if article else None,
        "body_text": bound(article.body_text, MAX_BODY) or "" if article else "",
        "sources": sources,
        "fetch_id": fetch_id,
        "sha256": pointer.sha256 if pointer else None,
        "warc_record_id": pointer.record_id if pointer else None,
        "first_seen": now,
        "last_seen": now,
    }


def attachment_entries(article: Article, entry: Entry, scope: Scope) -> tuple[list[dict[str, Any]], list[Entry]]:
    """Attachment rows (without ``document_id``) and the ``attachment`` entries to check."""
    rows: list[dict[str, Any]] = []
    entries: list[Entry] = []
    seen: set[str] = set()
    for att in article.attachments:
        try:
            url = canonical_url(att.url, entry.url)
        except UrlError:
            continue
        if url in seen:
            continue
        seen.add(url)
        name = bound(att.name, MAX_NAME) or ""
        ext = bound((att.ext or "").lower(), 16)
        allowed = scope.allows(url)
        rows.append(
            {"url": url, "name": name, "ext": ext, "status": None if allowed else "off_scope", "reachable": None}
        )
        if allowed:
            entries.append(
                Entry(
                    url=url,
                    kind="attachment",
                    depth=entry.depth + 1,
                    column_url=entry.column_url,
                    parent_url=entry.url,
                    info={"document_url": entry.url, "name": name, "ext": ext},
                )
            )
    return rows, entries


def fetch_row(
    result: FetchResult,
    entry: Entry,
    *,
    round: str,
    site_id: str,
    run_id: int | None,
    pointer: WarcPointer | None,
    encoding: str | None,
    now: str,
    previous_sha256: str | None,
) -> dict[str, Any]:
    """The ``fetches`` row of one request (its latest fetch in this round)."""
    headers = {k: bound(v, MAX_HEADER_VALUE) for k, v in list(result.headers.items())[:100]}
    sha = pointer.sha256 if pointer else None
    changed = None if previous_sha256 is None or sha is None else sha != previous_sha256
    return {
        "round": round,
        "site_id": site_id,
        "run_id": run_id,
        "url_key": entry.key,
        "url": entry.url,
        "final_url": result.final_url or entry.url,
        "method": entry.method,
        "kind": entry.kind,
        "status": result.status,
        "http_status": result.http_status,
        "content_type": bound(result.header("content-type"), 200) or None,
        "encoding": encoding,
        "headers": headers,
        "length": len(result.body) if result.http_status is not None else None,
        "sha256": sha,
        "etag": bound(result.header("etag"), 500) or None,
        "last_modified": bound(result.header("last-modified"), 100) or None,
        "warc_file": pointer.warc_file if pointer else None,
        "warc_offset": pointer.offset if pointer else None,
        "warc_record_id": pointer.record_id if pointer else None,
        "error": bound(result.error, MAX_ERROR),
        "fetched_at": now,
        "changed": changed,
    }


def decision_row(
    url: str,
    kind: str,
    status: str,
    note: str,
    *,
    round: str,
    site_id: str,
    run_id: int | None,
    pointer: WarcPointer | None,
    now: str,
    method: str = "GET",
    body: str | None = None,
) -> dict[str, Any]:
    """The ``fetches`` row of a request deliberately not made (off_scope, robots_disallowed)."""
    entry = Entry(url=url, kind=kind, method=method, body=body)
    return {
        "round": round,
        "site_id": site_id,
        "run_id": run_id,
        "url_key": entry.key,
        "url": url,
        "final_url": None,
        "method": method,
        "kind": kind,
        "status": status,
        "http_status": None,
        "content_type": None,
        "encoding": None,
        "headers": {},
        "length": None,
        "sha256": None,
        "etag": None,
        "last_modified": None,
        "warc_file": pointer.warc_file if pointer else None,
        "warc_offset": pointer.offset if pointer else None,
        "warc_record_id": pointer.record_id if pointer else None,
        "error": bound(note, MAX_ERROR),
        "fetched_at": now,
        "changed": None,
    }
