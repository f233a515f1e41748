"""Recognise a page's CMS family and anti-bot challenge pages.

Families (``trs``, ``hanweb``, ``gkmlpt``, ``generic``) are detected from markup and URL signals
in the order of site_patterns.md §11 (Hanweb before gkmlpt before TRS, since a TRS-looking site
may feed its lists from a Hanweb datastore). Signals and challenge fingerprints are data:
``crawlers/data/families.yaml`` and ``crawlers/data/challenge.yaml``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawlers._data import require
from crawlers.model import FAMILIES
from evaluator.errors import ConfigError

__all__ = ["detect_family", "is_challenge", "visible_text_length", "check_family"]

_SCRIPT_STYLE = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]+>")
_ENTITY = re.compile(r"&[#\w]+;")
_SCRIPT_OPEN = re.compile(r"<script", re.I)


@lru_cache(maxsize=1)
def _family_signals() -> list[tuple[str, list[re.Pattern[str]], list[re.Pattern[str]]]]:
    families = require("families", "families")
    signals = []
    for name in require("families", "order"):
        spec = families.get(name, {})
        markup = [re.compile(p, re.I) for p in spec.get("markup", [])]
        url = [re.compile(p, re.I) for p in spec.get("url", [])]
        signals.append((name, markup, url))
    return signals


def check_family(family: str, *, field: str = "family") -> str:
    """Return ``family`` if it names a known adapter, else raise :class:`ConfigError`."""
    if family not in FAMILIES:
        raise ConfigError(
            f"unknown CMS family '{family}'",
            field=field,
            fix=f"Use one of: {', '.join(FAMILIES)}",
        )
    return family


def detect_family(html: str, url: str, *, override: str | None = None) -> str:
    """The CMS family of a page: ``hanweb``, ``gkmlpt``, ``trs`` or ``generic``.

    ``override`` (a site's configured family) wins when given; it must be a known family.
    """
    if override:
        return check_family(override)
    for name, markup, url_patterns in _family_signals():
        if any(p.search(url) for p in url_patterns) or any(p.search(html) for p in markup):
            return name
    return "generic"


def visible_text_length(html: str) -> int:
    """Number of non-space characters a browser would show (scripts, styles, comments removed)."""
    text = _SCRIPT_STYLE.sub(" ", html)
    text = _COMMENT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub("x", text)
    return sum(map(len, text.split()))  # str.split() splits on exactly what str.isspace() accepts


@lru_cache(maxsize=1)
def _challenge_rules() -> tuple[set[int], int, list[re.Pattern[str]], list[re.Pattern[str]]]:
    statuses = {int(s) for s in require("challenge", "statuses")}
    limit = int(require("challenge", "max_visible_chars"))
    fingerprints = [re.compile(p, re.I) for p in require("challenge", "fingerprints")]
    status_prints = [re.compile(p, re.I) for p in require("challenge", "status_fingerprints")]
    return statuses, limit, fingerprints, status_prints


def is_challenge(status: int | None, html: str) -> bool:
    """True when the response is a JavaScript anti-bot challenge instead of content.

    A challenge has almost no visible text and at least one script; it carries a Ruishu
    fingerprint, or it came with HTTP 412/202 and its script sets cookies or reloads the page.
    """
    return _is_challenge(status, html)


@lru_cache(maxsize=2)  # the crawl's parse step and the extractor ask about the same text object
def _is_challenge(status: int | None, html: str) -> bool:
    statuses, limit, fingerprints, status_prints = _challenge_rules()
    if not _SCRIPT_OPEN.search(html):
        return False
    if visible_text_length(html) > limit:
        return False
    if any(p.search(html) for p in fingerprints):
        return True
    return status in statuses and any(p.search(html) for p in status_prints)
