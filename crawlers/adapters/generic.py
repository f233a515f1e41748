"""Generic lists: the densest repeated block of link + date, 下一页/尾页/共N页 pagination."""

from __future__ import annotations

from datetime import date

from crawlers._html import clean_text, element_text, meta_map, parse_document, remove_hidden
from crawlers.adapters._nav import column_links, dedupe_requests, pager_requests, stated_page_count
from crawlers.adapters._rows import dense_items
from crawlers.extract_body import breadcrumb, clean_title_tag
from crawlers.model import ListPage, Request

__all__ = ["GenericAdapter", "parse_html_list"]


def parse_html_list(doc: str, url: str, family: str, context: date | None) -> ListPage:
    """The family-independent part of an HTML list page: items, column name, columns, pager."""
    tree = parse_document(doc)
    metas = meta_map(tree)
    title_tag = clean_text(tree.findtext(".//title") or "")
    remove_hidden(tree)
    root = tree.find("body")
    if root is None:
        root = tree
    crumbs = breadcrumb(tree, "")
    column_title = metas.get("columnname") or (crumbs[-1] if crumbs else clean_title_tag(title_tag, metas))
    items = dense_items(root, url, context)
    pager = pager_requests(root, url)
    exclude = {item.url for item in items} | {r.url for r in pager}
    page = ListPage(url=url, family=family, title=column_title, items=items)
    page.columns = column_links(root, url, exclude)
    page.page_count = stated_page_count(clean_text(element_text(root), limit=None))
    page.next_requests = pager
    return page


class GenericAdapter:
    """Lists of unknown CMSs (JEECMS, Lonsun, ASP.NET …): see :func:`parse_html_list`."""

    family = "generic"

    def parse(
        self, doc: str, url: str, *, context: date | None = None, request: Request | None = None
    ) -> ListPage:
        """Parse an HTML list page; ``next_requests`` follow its 下一页 and 尾页 links."""
        page = parse_html_list(doc, url, self.family, context)
        page.next_requests = dedupe_requests(page.next_requests, url)
        return page
