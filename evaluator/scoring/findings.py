"""Findings: Chinese sentences (with English beside them) that state facts, with evidence.

A finding is a plain dict, stored as JSON in ``scores.findings``::

    {"code": "timeliness.late", "text": "3件超过20个工作日公开，…", "text_en": "…",
     "evidence": [{"url", "title", "publish_date", "formation_date", "lag_workdays",
                   "fetched_at", "warc_record_id", "sha256"}, …], "evidence_total": 3}

The sentence templates live in ``evaluator/scoring/data/findings.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from evaluator.scoring.inputs import Doc, settings

__all__ = ["finding", "evidence", "label", "fmt", "text"]


@lru_cache(maxsize=1)
def _templates() -> dict[str, dict[str, str]]:
    raw = resources.files("evaluator.scoring").joinpath("data/findings.yaml").read_text("utf-8")
    return yaml.safe_load(raw)


def text(code: str, lang: str = "zh", **values: Any) -> str:
    """The sentence ``code`` in ``lang`` (zh | en) with its placeholders filled.

    A value may be a ``{"zh": …, "en": …}`` dict when it differs by language.
    """
    filled = {k: (v[lang] if isinstance(v, dict) else v) for k, v in values.items()}
    return _templates()[code][lang].format(**filled)


def label(name: str, lang: str = "zh") -> str:
    """Display name of a criterion (coverage | timeliness | completeness | item)."""
    return _templates()[f"label.{name}"][lang]


def fmt(value: float | None) -> str:
    """A number as shown in sentences: one decimal, without a trailing ``.0``."""
    if value is None:
        return "—"
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def evidence(doc: Doc, *, lag: int | None = None, formation: Any = None) -> dict[str, Any]:
    """One evidence entry for a document (title bounded; dates as ISO strings).

    The plain entry (no lag, the stored formation date) is built once per document and shared
    by every finding that cites it; entries are never modified after creation.
    """
    plain = lag is None and formation is None
    if plain and doc.evidence is not None:
        return doc.evidence
    form = formation if formation is not None else doc.formation_date
    pub = doc.publication_date
    entry = {
        "url": doc.url,
        "title": doc.title[: settings()["max_evidence_title"]],
        "publish_date": pub.isoformat() if pub else None,
        "formation_date": form.isoformat() if form else None,
        "lag_workdays": lag,
        "fetched_at": doc.fetched_at,
        "warc_record_id": doc.warc_record_id,
        "sha256": doc.sha256,
    }
    if plain:
        doc.evidence = entry
    return entry


def finding(code: str, evidence_entries: Iterable[dict[str, Any]] = (), **values: Any) -> dict[str, Any]:
    """Build a finding; evidence beyond ``max_evidence`` entries is counted, not kept."""
    entries = list(evidence_entries)
    cap = settings()["max_evidence"]
    out: dict[str, Any] = {
        "code": code,
        "text": text(code, "zh", **values),
        "text_en": text(code, "en", **values),
        "evidence": entries[:cap],
    }
    if len(entries) > cap:
        out["evidence_total"] = len(entries)
    return out
