"""List rows: the densest repeated block of link + date, and one row's item.

A row is the smallest ancestor of a link (``li``, ``tr``, ``dd`` … up to a few levels) that
holds a date; the date is read from the row's text outside the link, so a date inside a title
is not taken for the row date. Rows are grouped by parent and tag; the group with the most dated
rows is the list. Visible titles truncated with "..." are replaced by ``@title``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from crawlers._data import require
from crawlers._html import absolute_url, clean_text, element_text, text_lengths
from crawlers.adapters._nav import is_column_url
from crawlers.dates import find_dates
from crawlers.model import ListItem

# Any date far in the future: lets yearless dates count as "a date is present" while scanning.
_PRESENCE_CONTEXT = date(9999, 12, 31)

__all__ = [
    "Row",
    "find_rows",
    "item_from_row",
    "items_in_order",
    "dense_items",
    "newest_full_date",
    "anchor_title",
]


@dataclass
class Row:
    """A list row: its element, its main link and the text outside the link."""

    element: etree._Element
    anchor: etree._Element
    url: str
    outside_text: str


@lru_cache(maxsize=1)
def _settings() -> dict:
    keys = (
        "row_tags", "row_max_levels", "row_max_chars", "min_dated_rows", "undated_min_rows",
        "undated_min_title", "truncation_marks", "yearless_slack_days", "undated_min_same_host",
    )
    return {key: require("lists", key) for key in keys}


def anchor_title(anchor: etree._Element) -> str:
    """The full title of a list link: ``@title`` when the text is truncated or shorter."""
    text = clean_text(element_text(anchor))
    attr = clean_text(anchor.get("title") or "")
    marks = tuple(_settings()["truncation_marks"])
    if attr and (text.endswith(marks) or len(attr) > len(text) or not text):
        return attr
    return text


def _outside_text(row: etree._Element, anchor: etree._Element) -> str:
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node is anchor:
            if node.tail and node is not row:
                parts.append(node.tail)
            return
        if isinstance(node.tag, str) and node.tag not in ("script", "style"):
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
        if node.tail and node is not row:
            parts.append(node.tail)

    walk(row)
    return clean_text(" ".join(parts), limit=None)


def find_rows(root: etree._Element, base_url: str) -> list[Row]:
    """One row per link: the smallest ancestor holding a date, else the link's nearest row tag."""
    settings = _settings()
    row_tags = set(settings["row_tags"])
    # Keyed by the element itself: holding it keeps lxml's proxy (and its identity) alive.
    rows: dict[etree._Element, Row] = {}
    too_big: dict[etree._Element, bool] = {}  # per-container verdict, computed once per page
    max_chars = int(settings["row_max_chars"])
    lengths = text_lengths(root)

    def oversized(node: etree._Element) -> bool:
        if node not in too_big:
            if lengths.get(node, 0) > 10 * max_chars:
                too_big[node] = True
            else:
                links = sum(1 for a in node.iter("a") if a.get("href"))
                too_big[node] = links > 3 or len(clean_text(element_text(node), limit=None)) > max_chars
        return too_big[node]

    for anchor in root.iter("a"):
        url = absolute_url(base_url, anchor.get("href"))
        title = anchor_title(anchor)
        if url is None or not title:
            continue
        chosen: etree._Element | None = None
        fallback: etree._Element | None = None
        node = anchor
        for _ in range(int(settings["row_max_levels"])):
            node = node.getparent()
            if node is None or node.tag in ("body", "html"):
                break
            if oversized(node):
                break
            if fallback is None and node.tag in row_tags:
                fallback = node
            if find_dates(_outside_text(node, anchor), context=_PRESENCE_CONTEXT):
                chosen = node
                break
        row = chosen if chosen is not None else fallback if fallback is not None else anchor.getparent()
        if row is None:
            continue
        existing = rows.get(row)
        # A row with several links keeps the one with the longest title (not a tag link).
        if existing is None or len(title) > len(anchor_title(existing.anchor)):
            rows[row] = Row(row, anchor, url, _outside_text(row, anchor))
    return list(rows.values())


def item_from_row(row: Row, context: date | None) -> ListItem:
    """The row's item: absolute URL, full title and the row's own date (yearless → context)."""
    dates = find_dates(row.outside_text, context=context) if context else find_dates(row.outside_text)
    full = [d for d in dates if not d.yearless]
    chosen = full[0] if full else dates[0] if dates else None
    return ListItem(
        url=row.url,
        title=anchor_title(row.anchor)[:300],
        date=chosen.value if chosen else None,
        date_text=chosen.text[:40] if chosen else "",
    )


def items_in_order(rows: list[Row], anchor: date) -> list[ListItem]:
    """Items of ``rows`` (de-duplicated by URL), resolving yearless dates row after row.

    Lists run newest first, so a yearless date is the latest one not after the previous yearless
    row's date plus a month of slack (for out-of-order rows); the first is bounded by ``anchor``.
    A block of ``[11-21] … [01-08] [12-03]`` thus spans two year boundaries correctly.
    """
    slack = timedelta(days=int(_settings()["yearless_slack_days"]))
    bound = anchor
    seen: set[str] = set()
    items: list[ListItem] = []
    for row in rows:
        if row.url in seen:
            continue
        seen.add(row.url)
        item = item_from_row(row, bound)
        if item.date is not None and _is_yearless(row.outside_text):
            bound = min(anchor, item.date + slack)
        items.append(item)
    return items


def _is_yearless(text: str) -> bool:
    return not [d for d in find_dates(text) if not d.yearless]


def newest_full_date(rows: list[Row]) -> date | None:
    """The newest full (with year) date among the rows, a context for yearless ones."""
    values = [d.value for row in rows for d in find_dates(row.outside_text) if not d.yearless]
    return max(values) if values else None


def _same_host_share(group: list[Row], base_url: str) -> float:
    host = urlsplit(base_url).hostname
    return sum(1 for row in group if urlsplit(row.url).hostname == host) / len(group)


def _mostly_columns(group: list[Row]) -> bool:
    """Links of a navigation tree (column-shaped URLs), not documents."""
    return sum(1 for row in group if is_column_url(row.url)) * 2 > len(group)


def dense_items(root: etree._Element, base_url: str, context: date | None) -> list[ListItem]:
    """Items of the densest repeated block of link + date (or of titled links when undated)."""
    settings = _settings()
    rows = find_rows(root, base_url)
    anchor_date = context or newest_full_date(rows) or date.today()
    groups: dict[tuple[etree._Element | None, str], list[Row]] = {}
    for row in rows:
        key = (row.element.getparent(), str(row.element.tag))
        groups.setdefault(key, []).append(row)

    def dated(group: list[Row]) -> int:
        return sum(1 for row in group if find_dates(row.outside_text, context=anchor_date))

    best = max(groups.values(), key=lambda g: (dated(g), len(g)), default=[])
    if dated(best) < int(settings["min_dated_rows"]):
        titled = [
            g
            for g in groups.values()
            if len(g) >= int(settings["undated_min_rows"])
            and sum(len(anchor_title(r.anchor)) for r in g) / len(g) >= int(settings["undated_min_title"])
            and _same_host_share(g, base_url) >= float(settings["undated_min_same_host"])
            and not _mostly_columns(g)
        ]
        best = max(titled, key=len, default=[])
    return items_in_order(best, anchor_date)
