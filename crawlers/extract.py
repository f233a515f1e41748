"""The public extraction API: :func:`extract_article` and :func:`extract_list`.

Both accept the page as bytes (decoded by :func:`crawlers.encoding.decode_html` using the HTTP
headers, the meta charset and detection) or as text, and never raise on odd markup: whatever
cannot be found is left empty and ``sources`` says where each found field came from.

Example::

    from crawlers import extract_article
    article = extract_article(open("page.html", "rb").read(), "https://sthjj.example.gov.cn/a/t20240305_1.html")
    article.title, article.publish_date, article.sources["publish_date"]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from email.utils import parsedate_to_datetime

import lxml.html

from crawlers._html import clean_text, meta_map, parse_document, remove_hidden, to_text
from crawlers.adapters import get_adapter
from crawlers.dates import date_from_url, find_dates, fold_text
from crawlers.detect import detect_family, is_challenge
from crawlers.extract_body import (
    attachments,
    block_text,
    breadcrumb,
    clean_title_tag,
    find_body,
    heading_title,
    signature_date,
)
from crawlers.extract_meta import LabelReader, doc_number_in, find_detail_object, read_fields
from crawlers.model import Article, ListPage, Request

__all__ = ["extract_article", "extract_list"]

_HEADER_SCAN_LINES = 8
_BODY_TOP_LINES = 5


def extract_article(
    html: bytes | str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    family: str | None = None,
    status: int | None = None,
) -> Article:
    """Parse an article page into an :class:`~crawlers.model.Article`.

    ``headers`` are the HTTP response headers (for the charset); ``family`` forces a CMS family
    (a site's configured adapter); ``status`` is the HTTP status, which helps recognise a
    412/202 JavaScript challenge (then ``blocked`` is True and nothing else is filled).
    """
    text, encoding = to_text(html, headers)
    article = Article(url=url, family=detect_family(text, url, override=family), encoding=encoding)
    if is_challenge(status, text):
        article.blocked = True
        return article
    doc = parse_document(text)
    metas = meta_map(doc)
    detail = find_detail_object(text) if "DETAIL" in text else None
    title_tag = clean_text(doc.findtext(".//title") or "")
    remove_hidden(doc)
    reader = LabelReader(doc)
    body = find_body(doc, text)
    fields = read_fields(doc, metas, detail, reader, exclude=body.element)
    article.body_text = body.text
    article.sources["body_text"] = body.source

    _set_title(article, doc, fields, title_tag, metas)
    _set_dates(article, doc, fields)
    for name in ("doc_number", "index_number", "publisher", "topic"):
        if name in fields:
            setattr(article, name, fields[name].value)
            article.sources[name] = fields[name].source
    if "doc_number" not in fields:
        _doc_number_fallback(article)
    article.column_path = breadcrumb(doc, article.title)
    if article.column_path:
        article.sources["column_path"] = "breadcrumb"
    elif metas.get("columnname"):
        article.column_path = [metas["columnname"][:60]]
        article.sources["column_path"] = "meta"
    article.attachments = attachments(doc, url)
    return article


def _set_title(article: Article, doc: lxml.html.HtmlElement, fields: dict, title_tag: str, metas: dict) -> None:
    if "title" in fields and fields["title"].value:
        article.title, article.sources["title"] = fields["title"].value, fields["title"].source
        return
    heading = heading_title(doc, title_tag, metas)
    if heading:
        article.title, article.sources["title"] = heading, "heading"
        return
    cleaned = clean_title_tag(title_tag, metas)
    if cleaned:
        article.title, article.sources["title"] = cleaned, "title_tag"


def _set_dates(article: Article, doc: lxml.html.HtmlElement, fields: dict) -> None:
    if "publish_date" in fields and fields["publish_date"].value:
        article.publish_date = fields["publish_date"].value
        article.sources["publish_date"] = fields["publish_date"].source
    else:
        header = _header_date(doc, article.title, article.body_text)
        if header is not None:
            article.publish_date, article.sources["publish_date"] = header, "header"
        else:
            from_url = date_from_url(article.url)
            if from_url is not None:
                article.publish_date, article.sources["publish_date"] = from_url, "url"
    if "formation_date" in fields and fields["formation_date"].value:
        article.formation_date = fields["formation_date"].value
        article.sources["formation_date"] = fields["formation_date"].source
    else:
        signed = signature_date(article.body_text)
        if signed is not None:
            article.formation_date, article.sources["formation_date"] = signed[1], "signature"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", fold_text(text))


def _header_date(doc: lxml.html.HtmlElement, title: str, body_text: str) -> date | None:
    """The first full date in the lines between the visible title and the start of the body."""
    body = doc.find("body")
    if body is None or not title:
        return None
    lines = block_text(body).split("\n")
    wanted = _squash(title)
    first_body_line = body_text.split("\n", 1)[0] if body_text else None
    for index, line in enumerate(lines):
        if wanted and (_squash(line) == wanted or (len(wanted) >= 8 and wanted in _squash(line))):
            for following in lines[index + 1 : index + 1 + _HEADER_SCAN_LINES]:
                if first_body_line and following == first_body_line:
                    return None
                dates = [d for d in find_dates(following) if not d.yearless]
                if dates:
                    return dates[0].value
            return None
    return None


def _doc_number_fallback(article: Article) -> None:
    top = "\n".join(article.body_text.split("\n")[:_BODY_TOP_LINES])
    number = doc_number_in(top)
    if number:
        article.doc_number, article.sources["doc_number"] = number, "body"
        return
    number = doc_number_in(article.title)
    if number:
        article.doc_number, article.sources["doc_number"] = number, "title"


def _context_date(headers: Mapping[str, str] | None) -> date | None:
    """The HTTP ``Date`` header's day, used to resolve yearless list dates."""
    for key, value in (headers or {}).items():
        if key.lower() == "date" and value:
            try:
                return parsedate_to_datetime(value).date()
            except (TypeError, ValueError, IndexError):
                return None
    return None


def extract_list(
    html: bytes | str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    family: str | None = None,
    status: int | None = None,
    context: date | None = None,
    request: Request | None = None,
) -> ListPage:
    """Parse a list page (or a Hanweb ``dataproxy.jsp`` XML / gkmlpt JSON response).

    Items carry absolute URLs, full titles and the date shown in the same row. Yearless dates
    (``[12-29]``) are resolved against ``context``, else the HTTP ``Date`` header, else the newest
    full date on the page, else today. ``next_requests`` are the further pages of the same list;
    pass the ``request`` that fetched a Hanweb ``dataproxy.jsp`` POST so the next one can be built.
    """
    text, encoding = to_text(html, headers)
    chosen = detect_family(text, url, override=family)
    if is_challenge(status, text):
        return ListPage(url=url, family=chosen, encoding=encoding, blocked=True)
    anchor = context or _context_date(headers)
    page = get_adapter(chosen).parse(text, url, context=anchor, request=request)
    page.encoding = encoding
    return page
