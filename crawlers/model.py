"""Types returned by the extraction functions and consumed by the crawl engine.

``extract_article`` returns an :class:`Article`; ``extract_list`` returns a :class:`ListPage`
whose ``items`` are documents to fetch, ``next_requests`` further pages of the same list
(already built for the CMS family: ``index_3.html``, a Hanweb ``dataproxy.jsp`` POST, a gkmlpt
API page …) and ``columns`` sub-columns found on the page (the 政府信息公开 tree).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

FAMILIES = ("trs", "hanweb", "gkmlpt", "generic")


@dataclass(frozen=True)
class Request:
    """One HTTP request the crawler should make. ``body`` is form-encoded text for POST."""

    url: str
    method: str = "GET"
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A link to a file attached to an article; ``ext`` is the real extension (lower case)."""

    url: str
    name: str
    ext: str


@dataclass(frozen=True)
class ColumnLink:
    """A column (栏目) of the 政府信息公开 tree found on a page."""

    url: str
    name: str
    parent_url: str | None = None
    request: Request | None = None  # how to list it when not a plain GET of ``url``


@dataclass(frozen=True)
class ListItem:
    """One row of a list: the document's absolute URL, its full title and the row's date."""

    url: str
    title: str
    date: date | None = None
    date_text: str = ""


@dataclass
class ListPage:
    """A parsed list page (or list API response)."""

    url: str
    family: str
    title: str = ""  # the column name when the page shows it
    items: list[ListItem] = field(default_factory=list)
    page_count: int | None = None
    next_requests: list[Request] = field(default_factory=list)
    columns: list[ColumnLink] = field(default_factory=list)
    encoding: str | None = None
    blocked: bool = False  # an anti-bot challenge was served instead of the page

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass
class Article:
    """A parsed article page. ``sources`` says where each field came from:
    ``meta``, ``metadata_block``, ``header``, ``body``, ``signature``, ``url``, ``title_tag``,
    ``list_page`` …"""

    url: str
    family: str
    title: str = ""
    publish_date: date | None = None
    formation_date: date | None = None
    doc_number: str | None = None  # 文号
    index_number: str | None = None  # 索引号
    publisher: str | None = None  # 发布机构 / 来源
    topic: str | None = None  # 主题分类
    column_path: list[str] = field(default_factory=list)  # breadcrumb names after 首页
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    blocked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
