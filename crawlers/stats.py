"""Crawl statistics: counters with path-like keys, as Scrapy's stats collector keeps them.

Keys used by the engine (all counts):

- ``crawl/pages/ok``, ``crawl/pages/not_modified``, ``crawl/pages/failed/<status>``
- ``crawl/documents``, ``crawl/documents/new``, ``crawl/documents/changed``
- ``crawl/columns``, ``crawl/bytes``, ``crawl/robots/<state>``
- ``crawl/skipped/robots``, ``crawl/skipped/off_scope``, ``crawl/skipped/depth``,
  ``crawl/skipped/list_pages``, ``crawl/skipped/bad_url``, ``crawl/skipped/host_down``
- ``crawl/attachments/ok``, ``crawl/attachments/failed/<status>``, ``crawl/attachments/kept``
- ``crawl/stopped/max_pages``

They are stored in ``crawl_runs.stats`` and feed the terminal summary and the reports.
:func:`describe_status` gives the plain words of a fetch status (``crawlers/data/fetch_statuses.yaml``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from crawlers._data import load as _load_data


def describe_status(status: str, lang: str | None = None) -> str:
    """A fetch status in plain words: ``describe_status("timeout")`` is ``"响应超时 timed out"``;
    ``lang="zh"`` or ``"en"`` gives one language. ``http_<code>`` statuses without words of
    their own use their class (``http_4xx``, ``http_5xx``) or ``http_other``."""
    words = _load_data("fetch_statuses")
    entry = words.get(status)
    code = status[5:] if status.startswith("http_") else ""
    if entry is None and code:
        entry = words.get(f"http_{code[:1]}xx") if code[:1] in ("4", "5") else None
        entry = entry or words["http_other"]
    texts = {k: str(v).format(code=code, status=status) for k, v in (entry or words["unknown"]).items()}
    return texts[lang] if lang else f"{texts['zh']} {texts['en']}"


@dataclass
class CrawlStats:
    """The counters of one site's crawl run."""

    site_id: str
    run_id: int | None = None
    status: str = "running"  # running | finished | interrupted | failed
    warc_file: str | None = None
    error: str | None = None
    counters: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def inc(self, key: str, n: int = 1) -> None:
        """Add ``n`` to counter ``key``."""
        with self._lock:
            self.counters[key] += n

    def get(self, key: str) -> int:
        """The value of one counter (0 when never incremented)."""
        with self._lock:
            return self.counters.get(key, 0)

    def as_dict(self) -> dict[str, int]:
        """All counters, sorted by key (what ``crawl_runs.stats`` stores)."""
        with self._lock:
            return dict(sorted(self.counters.items()))

    @property
    def pages(self) -> int:
        """Pages requested in this run (ok, not modified or failed)."""
        d = self.as_dict()
        return sum(v for k, v in d.items() if k.startswith("crawl/pages/"))

    @property
    def pages_ok(self) -> int:
        """Pages observed (ok or not modified)."""
        return self.get("crawl/pages/ok") + self.get("crawl/pages/not_modified")

    @property
    def documents(self) -> int:
        """Document rows written in this run."""
        return self.get("crawl/documents")

    def failures(self) -> dict[str, int]:
        """Failed pages and attachments by status (``timeout`` → 3 …)."""
        out: Counter[str] = Counter()
        for key, value in self.as_dict().items():
            for prefix in ("crawl/pages/failed/", "crawl/attachments/failed/"):
                if key.startswith(prefix):
                    out[key[len(prefix):]] += value
            if key == "crawl/skipped/robots":
                out["robots_disallowed"] += value
        return dict(sorted(out.items()))

    @property
    def elapsed(self) -> float:
        """Seconds since the run started (until it finished)."""
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Pages per second."""
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly summary of the run."""
        return {
            "site_id": self.site_id,
            "run_id": self.run_id,
            "status": self.status,
            "pages": self.pages,
            "documents": self.documents,
            "failures": self.failures(),
            "elapsed": round(self.elapsed, 3),
            "warc_file": self.warc_file,
            "error": self.error,
        }
