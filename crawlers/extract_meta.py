"""Article metadata: meta tags, the 政府信息公开 metadata block, header lines, gkmlpt DETAIL.

The order in which sources are tried for each field is data (``crawlers/data/fields.yaml``):
metas first, then the labelled block (``<td>索引号：</td><td>…</td>``, ``<p><strong>索引号</strong>：…``,
``<li>索引号：…</li>``, a ``来源：… 发布时间：…`` line), then fallbacks. Commented-out fields are
never read (comments are not text) and attributes such as a stale ``alt="时间：…"`` are ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree

from crawlers._data import require
from crawlers._html import MAX_FIELD_CHARS, clean_text, element_text, is_ancestor
from crawlers.dates import fold_text, parse_date

__all__ = [
    "FieldValue",
    "LabelReader",
    "read_fields",
    "find_detail_object",
    "doc_number_in",
    "is_none_value",
    "value_date",
    "normalise_doc_number",
]

DATE_FIELDS = ("publish_date", "formation_date")
_CHINA = timezone(timedelta(hours=8))
_MAX_LABEL_ELEMENT_CHARS = 400
_MAX_LABEL_ELEMENT_RAW = 4000  # raw (unspaced) length beyond which an element cannot qualify
_DETAIL_START = re.compile(r"\bDETAIL\s*:\s*\{")
_MAX_DETAIL_CHARS = 2_000_000


@dataclass(frozen=True)
class FieldValue:
    """A field's value and where it came from (``meta``, ``metadata_block``, ``header``, ``detail``)."""

    value: Any
    source: str


@dataclass
class _Hit:
    label: str
    value: str
    element: etree._Element
    order: int


@lru_cache(maxsize=1)
def _field_labels() -> frozenset[str]:
    labels: set[str] = set()
    for steps in require("fields", "fields").values():
        for step in steps:
            labels.update(step.get("label", []))
    return frozenset(labels)


@lru_cache(maxsize=1)
def _label_regex() -> tuple[re.Pattern[str], frozenset[str]]:
    labels: set[str] = set(require("fields", "line_labels"))
    for steps in require("fields", "fields").values():
        for step in steps:
            labels.update(step.get("label", []))
    # Labels may carry spaces between characters (索 引 号); _canonical maps them back.
    alternatives = sorted(labels, key=len, reverse=True)
    parts = [r"\s*".join(re.escape(ch) for ch in label) for label in alternatives]
    pattern = re.compile(
        r"(?:^|(?<=[\s:：;；,，|｜\]】)）>]))(?P<label>" + "|".join(parts) + r")\s*[:：]", re.M
    )
    return pattern, frozenset(labels)


def _canonical(raw: str) -> str:
    return re.sub(r"\s+", "", raw)


def is_none_value(value: str) -> bool:
    """True for values that mean "none" (``无``, ``-``, ``/`` …)."""
    none_values = {v.lower() for v in require("fields", "none_values")}
    return clean_text(value).strip("。.;； ").lower() in none_values


class LabelReader:
    """Finds ``label → value`` pairs in a parsed page, preferring the innermost element."""

    def __init__(self, doc: lxml.html.HtmlElement) -> None:
        self._hits: dict[str, list[_Hit]] = {}
        self._scan(doc)
        self._resolve()

    def _scan(self, doc: lxml.html.HtmlElement) -> None:
        pattern, known = _label_regex()
        longest = max(map(len, known), default=0)
        stats = _text_stats(doc)
        for order, element in enumerate(doc.iter(etree.Element)):
            if element.tag in ("html", "body", "head", "title", "script", "style", "option", "select"):
                continue
            raw, visible, colon = stats[element]
            if raw > _MAX_LABEL_ELEMENT_RAW or visible > _MAX_LABEL_ELEMENT_CHARS:
                continue  # its cleaned text could not be shorter than the visible characters
            if not colon and visible > longest:
                continue  # no "label：value", and too long to be a bare label cell: most elements
            # Pieces of text are joined with a space, so that "来源：某局<span>发布时间：…</span>"
            # still separates the two labels.
            text = clean_text(" ".join(element.itertext()), limit=None)
            if not text or len(text) > _MAX_LABEL_ELEMENT_CHARS:
                continue
            matches = list(pattern.finditer(text))
            if matches:
                for index, match in enumerate(matches):
                    end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
                    value = text[match.end() : end].strip(" :：")
                    if not value and index + 1 == len(matches):
                        value = _following_value(element)
                    self._add(_canonical(match.group("label")), value, element, order)
                continue
            bare = text.rstrip(" :：")
            if _canonical(bare) in known and len(bare) <= 12:
                self._add(_canonical(bare), _following_value(element), element, order)

    def _add(self, label: str, value: str, element: etree._Element, order: int) -> None:
        self._hits.setdefault(label, []).append(_Hit(label, value[:MAX_FIELD_CHARS], element, order))

    def _resolve(self) -> None:
        # An element whose descendant also carries the label is a container: keep the inner one.
        for label, hits in self._hits.items():
            inner = []
            for hit in hits:
                if any(other is not hit and is_ancestor(hit.element, other.element) for other in hits):
                    continue
                inner.append(hit)
            self._hits[label] = sorted(inner, key=lambda h: h.order)

    def all(self, label: str) -> list[_Hit]:
        """Every innermost hit of ``label`` in document order."""
        return list(self._hits.get(label, []))

    def source_of(self, hit: _Hit) -> str:
        """``metadata_block`` when the hit sits in a block of 3+ labelled fields, else ``header``.

        Only field labels count (索引号, 发布日期 …), not widgets such as 浏览次数 or 字号.
        """
        field_labels = _field_labels()
        node = hit.element
        for _ in range(4):
            node = node.getparent()
            if node is None:
                break
            labels = {
                label
                for label, hits in self._hits.items()
                if label in field_labels
                and any(h.element is node or is_ancestor(node, h.element) for h in hits)
            }
            if len(labels) >= 3:
                return "metadata_block"
        return "header"



def _text_stats(doc: etree._Element) -> dict[etree._Element, tuple[int, int, bool]]:
    """Per element, in one bottom-up pass over the tree, what ``itertext()`` would give:
    raw length, non-space characters, and whether a colon occurs (comments are not text,
    their tails are)."""
    stats: dict[etree._Element, tuple[int, int, bool]] = {}
    for node in reversed(list(doc.iter(etree.Element))):
        text = node.text or ""
        raw, visible, colon = len(text), _visible(text), ":" in text or "：" in text
        for child in node:
            if isinstance(child.tag, str):
                r, v, c = stats[child]
                raw, visible, colon = raw + r, visible + v, colon or c
            tail = child.tail
            if tail:
                raw, visible, colon = raw + len(tail), visible + _visible(tail), colon or ":" in tail or "：" in tail
        stats[node] = (raw, visible, colon)
    return stats


def _visible(text: str) -> int:
    return sum(map(len, text.split())) if text else 0


def _following_value(element: etree._Element) -> str:
    """The value after a bare label: its tail text, else the next sibling's text."""
    tail = clean_text(element.tail or "").strip(" :：")
    if tail:
        return tail
    sibling = element.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if sibling is not None:
        return clean_text(element_text(sibling)).strip(" :：")
    return ""


def find_detail_object(html: str) -> dict[str, Any] | None:
    """The ``DETAIL: {…}`` object a gkmlpt detail page embeds in its script, or ``None``."""
    match = _DETAIL_START.search(html)
    if not match:
        return None
    start = match.end() - 1
    depth, in_string, escaped = 0, "", False
    limit = min(len(html), start + _MAX_DETAIL_CHARS)
    for index in range(start, limit):
        ch = html[index]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == in_string:
                in_string = ""
            continue
        if ch in "\"'":
            in_string = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                try:
                    value = json.loads(html[start : index + 1])
                except ValueError:
                    return None
                return value if isinstance(value, dict) else None
    return None


def value_date(value: Any) -> date | None:
    """A date from a JSON value: epoch seconds or milliseconds (China time) or a date string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and value > 0:
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=_CHINA).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        if value.strip().isdigit():
            return value_date(int(value.strip()))
        return parse_date(value)
    return None


@lru_cache(maxsize=1)
def _doc_number_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p) for p in require("fields", "doc_number_patterns")]


def doc_number_in(text: str) -> str | None:
    """The first 文号 (``环办综合函〔2021〕495号``, ``生态环境部令第26号`` …) in ``text``."""
    for pattern in _doc_number_patterns():
        match = pattern.search(text)
        if match:
            return re.sub(r"\s+", "", match.group(0))
    return None


_YEAR_BRACKETS = re.compile(r"[\[［(（〔【]\s*((?:19|20)\d{2})\s*[\]］)）〕】]")


def normalise_doc_number(value: str | None) -> str | None:
    """A 文号 in one canonical form for comparison and de-duplication.

    Full-width digits and letters become ASCII, spaces go, and the brackets around the year
    (〔〕 [] （） ［］ ()) become 〔〕: ``甲环罚［２０２５］2号`` → ``甲环罚〔2025〕2号``.
    """
    if not value:
        return None
    text = re.sub(r"\s+", "", fold_text(value))
    return _YEAR_BRACKETS.sub(lambda m: f"〔{m.group(1)}〕", text)


def _convert(field: str, raw: Any) -> Any:
    """Turn a raw value into the field's type; ``None`` when it does not fit."""
    if field in DATE_FIELDS:
        return value_date(raw) if not isinstance(raw, str) else parse_date(raw)
    if not isinstance(raw, (str, int)):
        return None
    text = clean_text(str(raw))
    if not text:
        return None
    if field == "doc_number":
        return doc_number_in(text) or (text if len(text) <= 60 else None)
    if field == "index_number":
        return text.split(" ")[0] if len(text) <= 80 else None
    if field in ("publisher", "topic"):
        return text[:120]
    return text


def read_fields(
    doc: lxml.html.HtmlElement,
    metas: dict[str, str],
    detail: dict[str, Any] | None,
    reader: LabelReader | None = None,
    *,
    exclude: etree._Element | None = None,
) -> dict[str, FieldValue]:
    """Read every field of ``fields.yaml`` from metas, the DETAIL object and labelled elements.

    A field whose label says "无" is returned with value ``None`` (and its source), so callers
    know the page states there is none and do not look further. Publish-date labels inside
    ``exclude`` (the article body) are ignored: a "时间：" line there is content, not metadata.
    """
    reader = reader or LabelReader(doc)
    found: dict[str, FieldValue] = {}
    for field, steps in require("fields", "fields").items():
        result = _read_field(field, steps, metas, detail, reader, exclude if field == "publish_date" else None)
        if result is not None:
            found[field] = result
    return found


def _read_field(
    field: str,
    steps: list[dict[str, list[str]]],
    metas: dict[str, str],
    detail: dict[str, Any] | None,
    reader: LabelReader,
    exclude: etree._Element | None,
) -> FieldValue | None:
    for step in steps:
        for name in step.get("meta", []):
            raw = metas.get(name.lower())
            value = _convert(field, raw) if raw else None
            if value:
                return FieldValue(value, "meta")
        for key in step.get("detail", []):
            if detail is None or key not in detail or detail[key] in (None, "", 0):
                continue
            raw = detail[key]
            if isinstance(raw, str) and is_none_value(raw):
                return FieldValue(None, "detail")
            value = _convert(field, raw)
            if value:
                return FieldValue(value, "detail")
        for label in step.get("label", []):
            for hit in reader.all(label):
                if not hit.value:
                    continue
                if exclude is not None and (hit.element is exclude or is_ancestor(exclude, hit.element)):
                    continue
                if is_none_value(hit.value) and field not in DATE_FIELDS:
                    return FieldValue(None, reader.source_of(hit))
                value = _convert(field, hit.value)
                if value:
                    return FieldValue(value, reader.source_of(hit))
    return None
