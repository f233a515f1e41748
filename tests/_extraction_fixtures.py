"""Saved-page cases for the extraction tests: ``tests/pages/<case>.<html|xml|json>`` + ``.expected.json``.

See ``tests/pages/README.md`` for how a case is annotated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from crawlers.model import Request

PAGES = Path(__file__).with_name("pages")
_DATA_SUFFIXES = (".html", ".xml", ".json")


@dataclass(frozen=True)
class PageCase:
    """One saved page and what extraction must find in it."""

    name: str
    data: bytes
    expected: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.expected["kind"]

    @property
    def url(self) -> str:
        return self.expected["url"]

    @property
    def headers(self) -> dict[str, str] | None:
        return self.expected.get("headers")

    @property
    def status(self) -> int | None:
        return self.expected.get("status")

    @property
    def context(self) -> date | None:
        value = self.expected.get("context")
        return date.fromisoformat(value) if value else None

    @property
    def request(self) -> Request | None:
        value = self.expected.get("request")
        return Request(value["url"], value.get("method", "GET"), value.get("body")) if value else None


def load_cases(kind: str | None = None) -> list[PageCase]:
    """Every case in ``tests/pages`` (of one ``kind``, ``article`` or ``list``), sorted by name."""
    cases = []
    for expected_path in sorted(PAGES.glob("*.expected.json")):
        name = expected_path.name.removesuffix(".expected.json")
        data_path = next((PAGES / f"{name}{s}" for s in _DATA_SUFFIXES if (PAGES / f"{name}{s}").exists()), None)
        if data_path is None:
            raise FileNotFoundError(f"{expected_path}: no {name}.html/.xml/.json beside it")
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if kind is None or expected["kind"] == kind:
            cases.append(PageCase(name, data_path.read_bytes(), expected))
    return cases


def request_dict(request: Request | None) -> dict[str, Any] | None:
    """A request as the expected files write it (url, method, body)."""
    if request is None:
        return None
    return {"url": request.url, "method": request.method, "body": request.body}
