"""Article body, title, breadcrumb, attachments and the signature date.

Body boundaries are tried most specific first (``crawlers/data/body.yaml``): the
``ZJEG_RSS.content`` comment markers and ``ContentStart``/``ContentEnd`` metas in the raw markup,
then container selectors (``TRS_Editor``, ``TRS_UEDITOR``, ``#zoom``, ``article_zoom`` …), then
the densest text block. Title clean-up, breadcrumbs and attachment extensions are in
``crawlers/data/titles.yaml``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

import lxml.html
from lxml import etree

from crawlers._data import require
from crawlers._html import absolute_url, clean_text, drop_tree, element_text, is_ancestor, parse_document
from crawlers._html import xpath as compiled_xpath
from crawlers.dates import find_dates, fold_dates, fold_text
from crawlers.model import Attachment

__all__ = [
    "Body",
    "find_body",
    "block_text",
    "clean_title_tag",
    "heading_title",
    "breadcrumb",
    "attachments",
    "signature_date",
]

MAX_BODY_CHARS = 1_000_000
_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
    "section", "article", "blockquote", "center", "dd", "dt", "dl", "pre", "hr", "tbody", "form",
}
_DENSITY_TAGS = ("div", "td", "article", "section", "main")


@dataclass(frozen=True)
class Body:
    """The article body: its element (``None`` when taken from raw markers), text and source."""

    element: etree._Element | None
    text: str
    source: str


def block_text(element: etree._Element) -> str:
    """Text with a line break at every block element, blank and boilerplate lines dropped."""
    pieces: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("script", "style", "select", "noscript"):
            if node.tail:
                pieces.append(node.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            pieces.append("\n")
        if tag and node.text:
            pieces.append(node.text)
        for child in node:
            walk(child)
        if block:
            pieces.append("\n")
        if node.tail:
            pieces.append(node.tail)

    if element.text:
        pieces.append(element.text)
    for child in element:
        walk(child)
    lines = [clean_text(line, limit=None) for line in "".join(pieces).split("\n")]
    return "\n".join(line for line in lines if line and not _is_boilerplate(line))[:MAX_BODY_CHARS]


@lru_cache(maxsize=1)
def _boilerplate() -> tuple[frozenset[str], tuple[str, ...]]:
    return frozenset(require("body", "boilerplate_lines")), tuple(require("body", "boilerplate_prefixes"))


def _is_boilerplate(line: str) -> bool:
    exact, prefixes = _boilerplate()
    return line in exact or line.startswith(prefixes)


def _drop_inside(element: etree._Element) -> None:
    for xpath in require("body", "body_drop_xpaths"):
        for node in compiled_xpath(xpath)(element):
            if node is not element and node.getparent() is not None:
                drop_tree(node)


def find_body(doc: lxml.html.HtmlElement, raw: str) -> Body:
    """Locate the article body in ``doc`` (hidden elements already removed) or ``raw`` markup."""
    min_chars = int(require("body", "min_chars"))
    for marker in require("body", "markers"):
        begin = re.search(marker["begin"], raw, re.I)
        end = re.search(marker["end"], raw[begin.end() :], re.I) if begin else None
        if begin and end:
            fragment = parse_document(raw[begin.end() : begin.end() + end.start()])
            for node in compiled_xpath("//script|//style|//select")(fragment):
                drop_tree(node)
            container = fragment.find("body")
            if container is None:
                container = fragment
            _drop_inside(container)
            text = block_text(container)
            if len(text) >= min_chars:
                return Body(container, text, "marker")
    for xpath in require("body", "selectors"):
        matches = []
        for element in compiled_xpath(xpath)(doc):
            _drop_inside(element)
            text = block_text(element)
            if len(text) >= min_chars:
                matches.append((element, text))
        # A wrapper that contains another match (div.content around div.content) is not the body.
        inner = [(e, t) for e, t in matches if not any(o is not e and is_ancestor(e, o) for o, _ in matches)]
        if inner:
            element, text = max(inner, key=lambda match: len(match[1]))
            return Body(element, text, "selector")
    element = _densest(doc)
    if element is None:
        return Body(None, "", "none")
    return Body(element, block_text(element), "density")



def _densest(doc: lxml.html.HtmlElement) -> etree._Element | None:
    """The block whose direct paragraphs hold the most non-link text."""
    best: tuple[int, etree._Element] | None = None
    for element in doc.iter(*_DENSITY_TAGS):
        score = len(clean_text(element.text or "", limit=None))
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag in ("p", "span", "font", "strong", "b", "br", "center", "section"):
                text = clean_text(element_text(child), limit=None)
                links = sum(len(clean_text(element_text(a), limit=None)) for a in child.iter("a"))
                score += len(text) - 2 * links
            score += len(clean_text(child.tail or "", limit=None))
        if score > 0 and (best is None or score > best[0]):
            best = (score, element)
    return best[1] if best else None


def heading_title(doc: lxml.html.HtmlElement, title_tag: str, metas: dict[str, str]) -> str | None:
    """The visible heading that matches the ``<title>`` (site and column names removed).

    A logo heading such as ``<h1>某市生态环境局</h1>`` is in the ``<title>`` too, so headings that
    look like site names are skipped; without a match, the first long non-site heading is used.
    """
    candidates: list[str] = []
    for xpath in require("titles", "heading_xpaths"):
        for element in compiled_xpath(xpath)(doc):
            text = clean_text(element_text(element))
            if 4 <= len(text) <= 300 and text not in candidates and not _is_site_name(text):
                candidates.append(text)
    wanted = _squash(clean_title_tag(title_tag, metas))
    for text in candidates:
        squashed = _squash(text)
        if wanted and (squashed == wanted or wanted in squashed or (squashed in wanted and len(squashed) * 5 >= len(wanted) * 3)):
            return text
    for text in candidates:
        if len(text) >= 8:
            return text
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", fold_text(text))


def _is_site_name(part: str) -> bool:
    """A short name ending like a site or section name (某市生态环境局, 某某门户网站)."""
    cues = tuple(require("titles", "site_name_suffixes"))
    return len(part) <= 24 and part.endswith(cues)


def clean_title_tag(title_tag: str, metas: dict[str, str]) -> str:
    """The title inside a ``<title>``: without the site and column names.

    ``标题_站名`` → ``标题``; ``站名 栏目 标题`` (Hanweb) → ``标题``.
    """
    text = clean_text(title_tag)
    if not text:
        return ""
    known = {clean_text(metas.get(k, "")) for k in ("sitename", "columnname")} - {""}
    for separator in require("titles", "separators"):
        parts = [p.strip() for p in text.split(separator) if p.strip()]
        if len(parts) < 2:
            continue
        kept = [p for p in parts if p not in known and not _is_site_name(p)]
        if kept:
            return max(kept, key=len)
    parts = text.split(" ")
    if len(parts) >= 3:
        kept = [p for p in parts if p not in known and not _is_site_name(p)]
        if kept and (parts[0] in known or _is_site_name(parts[0])):
            return " ".join(kept)
    return text


def breadcrumb(doc: lxml.html.HtmlElement, title: str) -> list[str]:
    """Column names of the breadcrumb after 首页, without the article title itself."""
    prefixes = tuple(require("titles", "breadcrumb_prefixes"))
    element = None
    for xpath in require("titles", "breadcrumb_xpaths"):
        for node in compiled_xpath(xpath)(doc):
            if len(clean_text(element_text(node), limit=None)) <= 300 and node.find(".//a") is not None:
                element = node
                break
        if element is not None:
            break
    if element is None:
        need = max(map(len, prefixes), default=0)
        for node in doc.iter("div", "span", "p", "td", "nav"):
            if not _text_starts_with(node, prefixes, need):
                continue  # most elements: decided from their first characters
            if len(clean_text(element_text(node), limit=None)) <= 300:
                element = node  # keep the innermost match
    if element is None:
        return []
    names = [clean_text(element_text(a)) for a in element.iter("a")]
    if not names:
        text = clean_text(element_text(element))
        for prefix in prefixes:
            text = text.removeprefix(prefix)
        pattern = "|".join(re.escape(s) for s in require("titles", "breadcrumb_separators"))
        names = [part.strip() for part in re.split(pattern, text)]
    home = set(require("titles", "breadcrumb_home"))
    cleaned = []
    for name in names:
        for prefix in prefixes:
            name = name.removeprefix(prefix)
        name = name.strip(" >＞»›")
        if name and name not in home and name != title and name != "正文":
            cleaned.append(name[:60])
    return cleaned[:12]


def _text_starts_with(node: etree._Element, prefixes: tuple[str, ...], need: int) -> bool:
    """Whether the cleaned text of ``node`` starts with one of ``prefixes`` (at most ``need``
    characters long), reading only as much of its text as that takes."""
    head = ""
    for piece in node.itertext():
        head += piece
        if sum(map(len, head.split())) >= need:
            break
    return clean_text(head, limit=None).startswith(prefixes)


@lru_cache(maxsize=1)
def _attachment_rules() -> tuple[frozenset[str], list[re.Pattern[str]]]:
    extensions = frozenset(require("titles", "attachment_extensions"))
    prefixes = [re.compile("^" + p) for p in require("titles", "attachment_name_prefixes")]
    return extensions, prefixes


def _ext(name: str) -> str:
    return os.path.splitext(name.strip())[1].lstrip(".").lower()


def _unquote_twice(value: str) -> str:
    once = unquote(value)
    return unquote(once) if "%" in once else once


@lru_cache(maxsize=16384)  # navigation and footer links repeat on every page of a site
def _link_file(url: str) -> tuple[str, str, str]:
    """What a link's URL says of a file: known extension ("" if none), ``showname``, and the
    unquoted path."""
    extensions, _ = _attachment_rules()
    parts = urlsplit(url)
    query = parse_qs(parts.query) if parts.query else {}
    showname = _unquote_twice(query["showname"][0]) if "showname" in query else ""
    path = unquote(parts.path)
    candidates = [query.get("filename", [""])[0], path, showname]
    return next((e for e in map(_ext, candidates) if e in extensions), ""), showname, path


def attachments(doc: lxml.html.HtmlElement, base_url: str) -> list[Attachment]:
    """Links to attached files: URL, display name and real extension (also for ``downfile.jsp``)."""
    extensions, prefixes = _attachment_rules()
    found: dict[str, Attachment] = {}
    for anchor in doc.iter("a"):
        url = absolute_url(base_url, anchor.get("href"))
        if url is None or url in found:
            continue
        ext, showname, path = _link_file(url)
        if not ext and "/attachment/" not in path:
            continue  # most links of a page (navigation, footer) end here, before their text is read
        text = clean_text(element_text(anchor)) or clean_text(anchor.get("title"))
        if not ext:
            ext = _ext(text) if _ext(text) in extensions else ""
        if not ext:
            continue
        name = text
        for prefix in prefixes:
            name = prefix.sub("", name)
        name = name.strip() or showname or os.path.basename(path)
        found[url] = Attachment(url=url, name=name[:200], ext=ext)
    return list(found.values())


def signature_date(body_text: str) -> tuple[str, date] | None:
    """The date written under the signature at the end of the body (成文日期), if any.

    Returns ``(line, date)``: the last short line near the end that is only a date, such as
    ``2024年3月5日`` or ``二〇二四年三月五日``.
    """
    max_chars = int(require("fields", "signature_max_line_chars"))
    scan = int(require("fields", "signature_scan_lines"))
    lines = [line for line in body_text.split("\n") if line.strip()][-scan:]
    for line in reversed(lines):
        if len(line) > max_chars:
            continue
        dates = find_dates(line)
        if len(dates) != 1:
            continue
        folded = fold_dates(line)
        rest = folded[: dates[0].start] + folded[dates[0].end :]
        # Only the date (and perhaps an organisation name before it on the same line).
        if not re.search(r"[\d:：]", rest) and len(rest.strip(" （）()")) <= 20:
            return line, dates[0].value
    return None
