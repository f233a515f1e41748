"""Fetching and parsing bureau websites.

Extraction (public API): :func:`extract_article` and :func:`extract_list` turn a page (bytes or
text) into an :class:`Article` or a :class:`ListPage`; :func:`decode_html`, :func:`parse_date`
and :func:`detect_family` are the building blocks they use.
"""

from crawlers.dates import parse_date
from crawlers.detect import detect_family
from crawlers.encoding import decode_html
from crawlers.extract import extract_article, extract_list
from crawlers.model import Article, Attachment, ColumnLink, ListItem, ListPage, Request

__all__ = [
    # extraction
    "extract_article",
    "extract_list",
    "decode_html",
    "parse_date",
    "detect_family",
    "Article",
    "ListPage",
    "ListItem",
    "Attachment",
    "ColumnLink",
    "Request",
]
