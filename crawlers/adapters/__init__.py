"""Site adapters per CMS family (site_patterns.md §1–§3, §11).

``get_adapter(family)`` returns the :class:`ListAdapter` for ``trs``, ``hanweb``, ``gkmlpt`` or
``generic``; :func:`crawlers.detect.detect_family` chooses the family, and a site's configured
``family`` overrides it.
"""

from __future__ import annotations

from crawlers.adapters.base import ListAdapter
from crawlers.adapters.generic import GenericAdapter
from crawlers.adapters.gkmlpt import GkmlptAdapter
from crawlers.adapters.hanweb import HanwebAdapter
from crawlers.adapters.trs import TrsAdapter
from crawlers.detect import check_family

__all__ = ["ListAdapter", "ADAPTERS", "get_adapter"]

ADAPTERS: dict[str, ListAdapter] = {
    "trs": TrsAdapter(),
    "hanweb": HanwebAdapter(),
    "gkmlpt": GkmlptAdapter(),
    "generic": GenericAdapter(),
}


def get_adapter(family: str) -> ListAdapter:
    """The adapter of ``family``; raises :class:`~evaluator.errors.ConfigError` for unknown names."""
    return ADAPTERS[check_family(family)]
