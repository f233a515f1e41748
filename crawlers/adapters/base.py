"""The site-adapter contract and the shared list-reading steps every family builds on."""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from crawlers.model import ListPage, Request

__all__ = ["ListAdapter"]


@runtime_checkable
class ListAdapter(Protocol):
    """Parses one list page (or list API response) of a CMS family.

    ``parse`` receives the decoded page text (HTML, XML or JSON) and its URL and returns a
    :class:`~crawlers.model.ListPage`: ``items`` (absolute URLs, full titles, row dates),
    ``page_count`` when the page states it, ``next_requests`` (further pages of the same list,
    already in the family's scheme) and ``columns`` (the 政府信息公开 column tree found on the
    page). ``context`` resolves yearless row dates; ``request`` is the request that fetched the
    page when it was not a plain GET (a Hanweb ``dataproxy.jsp`` POST), so the next one can be
    built. Adapters never raise on odd input: what is not found stays empty.
    """

    family: str

    def parse(
        self, doc: str, url: str, *, context: date | None = None, request: Request | None = None
    ) -> ListPage:
        """Parse ``doc`` fetched from ``url``."""
        ...
