"""Report labels in Chinese (default) and English, from ``reports/static/labels.yaml``."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

from evaluator.errors import ReportError

__all__ = ["LANGUAGES", "Labels", "labels"]

LANGUAGES = ("zh", "en")


class Labels:
    """The labels of one language: ``L.key`` or ``L["key"]`` in templates, ``L.fmt(key, ...)``
    for labels with ``{placeholders}``. An unknown key is a bug and raises ``KeyError``."""

    def __init__(self, lang: str, table: dict[str, str]) -> None:
        self.lang = lang
        self._table = table

    def __getitem__(self, key: str) -> str:
        try:
            return self._table[key]
        except KeyError:
            raise KeyError(f"no report label {key!r} in reports/static/labels.yaml") from None

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]

    def fmt(self, key: str, **values: Any) -> str:
        """The label ``key`` with its ``{placeholders}`` filled from ``values``."""
        return self[key].format(**values)

    def keys(self) -> list[str]:
        return list(self._table)


@functools.lru_cache(maxsize=None)
def _load() -> dict[str, dict[str, str]]:
    text = resources.files("reports").joinpath("static/labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def labels(lang: str) -> Labels:
    """The labels of ``lang`` (``zh`` or ``en``).

    Raises:
        ReportError: the language is not supported.
    """
    if lang not in LANGUAGES:
        raise ReportError(
            f"unknown report language {lang!r}: use one of {', '.join(LANGUAGES)} (--lang zh|en)"
        )
    return Labels(lang, {key: value[lang] for key, value in _load().items()})
