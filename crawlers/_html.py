"""Small HTML helpers shared by the extractors and adapters (parsing, text, links)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from crawlers._data import require
from crawlers.encoding import decode_html

__all__ = [
    "MAX_INPUT_CHARS",
    "parse_document",
    "to_text",
    "clean_text",
    "element_text",
    "absolute_url",
    "meta_map",
    "remove_hidden",
    "text_lengths",
    "drop_tree",
    "xpath",
]

# Crawled content is untrusted: extraction works on at most this many characters of a page.
MAX_INPUT_CHARS = 5_000_000
MAX_FIELD_CHARS = 500

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_PSEUDO_LINK = re.compile(r"^\s*(?:javascript:|mailto:|tel:|#|data:|about:)", re.I)


def to_text(html: bytes | str, headers: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """Decode ``html`` (bytes via :func:`crawlers.encoding.decode_html`) and bound its size.

    Returns ``(text, encoding)``; ``encoding`` is ``None`` when ``html`` was already text.
    """
    if isinstance(html, bytes):
        text, encoding = decode_html(html, headers)
    else:
        text, encoding = html, None
    return text[:MAX_INPUT_CHARS], encoding


# One parser for every page, like lxml.html's, but without its Python element classes: building
# an lxml.html element proxy calls back into Python for every node, which costs more than the
# whole libxml2 parse on a typical page. The extractors use the plain lxml.etree API.
_PARSER = etree.HTMLParser()


def parse_document(text: str) -> etree._Element:
    """Parse HTML text into an lxml tree (its ``html`` element); never raises on empty or odd input."""
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        text = "<html><body></body></html>"
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        root = etree.fromstring("<html><body></body></html>", _PARSER)
    return root


@lru_cache(maxsize=256)
def xpath(expression: str) -> etree.XPath:
    """A compiled XPath (the expressions come from the data files; compiling is the costly part)."""
    return etree.XPath(expression)


def drop_tree(element: etree._Element) -> None:
    """Remove ``element`` and its content, keeping its tail text in place (lxml.html's drop_tree)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def clean_text(text: str | None, limit: int | None = MAX_FIELD_CHARS) -> str:
    """Collapse spaces (incl. U+3000 and NBSP) and newlines to single spaces; cut at ``limit``."""
    if not text:
        return ""
    value = " ".join(text.split())  # every whitespace run, U+3000 and NBSP included
    if "\u200b" in value or "\ufeff" in value:  # zero-width spaces are not whitespace to str.split
        value = " ".join(value.replace("\u200b", " ").replace("\ufeff", " ").split())
    return value[:limit] if limit else value


def element_text(element: etree._Element) -> str:
    """Text of an element; comments are not text (a commented-out 成文日期 is never read)."""
    return "".join(element.itertext())


def text_lengths(root: etree._Element) -> dict[etree._Element, int]:
    """Raw text length (with whitespace) of every element under ``root``, in one pass.

    An upper bound of the cleaned length: callers skip containers too big to matter without
    building their text (which is quadratic over a deep page).
    """
    lengths: dict[etree._Element, int] = {}
    for element in root.iter(etree.Element):
        lengths[element] = len(element.text or "")
    # Elements come in document order; add each one's total to its parent, deepest first.
    for element in reversed(list(lengths)):
        parent = element.getparent()
        if parent is not None and parent in lengths:
            lengths[parent] += lengths[element] + len(element.tail or "")
    return lengths


@lru_cache(maxsize=65536)
def absolute_url(base: str, href: str | None) -> str | None:
    """Resolve ``href`` against the page URL; ``None`` for pseudo-links and empty hrefs.

    Relative links resolve against the page's directory (``index_3.html`` → its column).
    """
    if not href:
        return None
    href = href.strip().replace("\\", "/")
    if not href or _PSEUDO_LINK.match(href):
        return None
    url, _ = urldefrag(urljoin(base, href))
    scheme = urlsplit(url).scheme
    # A saved page read from disk (file:) may link to its neighbours; nothing else but http(s).
    if scheme not in ("http", "https") and not (scheme == "file" and urlsplit(base).scheme == "file"):
        return None
    return url


def meta_map(doc: lxml.html.HtmlElement) -> dict[str, str]:
    """``<meta name|property=… content=…>`` values keyed by lower-case name (first wins)."""
    metas: dict[str, str] = {}
    for meta in doc.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if name and content is not None and name not in metas:
            metas[name] = clean_text(content)
    return metas


def remove_hidden(doc: etree._Element) -> None:
    """Drop scripts, styles, selects and elements hidden by their style attribute (in place)."""
    patterns = [re.compile(p, re.I) for p in require("body", "hidden_styles")]
    doomed = []
    for expression in require("body", "drop_xpaths"):
        doomed.extend(xpath(expression)(doc))
    for element in _STYLED(doc):
        if any(p.search(element.get("style")) for p in patterns):
            doomed.append(element)
    for element in doomed:
        drop_tree(element)


_STYLED = etree.XPath("//*[@style]")


def is_ancestor(ancestor: etree._Element, element: etree._Element) -> bool:
    """True when ``ancestor`` contains ``element`` (strictly: an element is not its own ancestor)."""
    node = element.getparent()
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False
