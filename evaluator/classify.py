"""Classify documents to catalogue items (multi-label), explaining every decision.

Three signals are tried in order; the first that yields an item decides:

1. ``column_map`` — the assessment's explicit map for the site (column URL, full column path
   or column name → item ids);
2. ``column_alias`` — the deepest column name that stands for items by their
   ``column_aliases`` (see :func:`column_alias_matches`). Items whose ``title_exclude``
   matches the title are dropped; when the column fits several items the title rules narrow
   them when they can. The title rules (step 3) win over the alias of a *parent* column, and
   over an alias the title excludes; an excluded alias still decides when no title rule
   matches (the site's placement beats the body text);
3. ``title_rule`` — an item's ``title_include`` pattern matches the title and none of its
   ``title_exclude`` patterns does; failing that ``body_rule`` — a ``body_include`` pattern
   matches the (bounded) body text.

Each :class:`Classification` records the method, the rule that fired and a confidence (from
``evaluator/scoring/data/classification.yaml``).

Usage::

    >>> from evaluator import classify
    >>> classify("关于某某项目环境影响报告表的批复", column_path="政府信息公开 > 通知公告")
    [Classification(item_id='eia-approval', method='title_rule', rule="title_include: 批复", ...)]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from evaluator.errors import ConfigError
from rubrics.model import Catalogue, Item

__all__ = ["Classification", "classify", "classify_store", "compile_catalogue", "column_alias_matches",
           "CompiledCatalogue"]


@dataclass(frozen=True)
class Classification:
    """One document → item decision: which signal (``method``) and which ``rule`` decided it."""

    item_id: str
    method: str  # column_map | column_alias | title_rule | body_rule
    rule: str
    confidence: float


@lru_cache(maxsize=1)
def _settings() -> dict[str, Any]:
    text = resources.files("evaluator.scoring").joinpath("data/classification.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class _ItemRules:
    item_id: str
    aliases: tuple[str, ...]  # lower case
    include: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    body: tuple[re.Pattern[str], ...]

    def excluded(self, title: str) -> re.Pattern[str] | None:
        return next((p for p in self.exclude if p.search(title)), None)

    def included(self, title: str) -> re.Pattern[str] | None:
        return next((p for p in self.include if p.search(title)), None)


@dataclass(frozen=True)
class CompiledCatalogue:
    """A catalogue's detection hints compiled once (cached per catalogue object)."""

    catalogue: Catalogue
    rules: tuple[_ItemRules, ...]
    item_ids: frozenset[str]
    separator: re.Pattern[str]

    def split_path(self, column_path: str) -> list[str]:
        """Column names of a path, root first (empty parts dropped)."""
        return [p.strip() for p in self.separator.split(column_path or "") if p.strip()]


def _compile(pattern: str, catalogue: Catalogue, item: Item, field: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(
            f"invalid regular expression {pattern!r} ({exc})",
            path=catalogue.path or f"catalogue {catalogue.id}",
            field=f"items.{item.id}.hints.{field}",
            fix="Fix the pattern (Python re syntax) or quote it as a plain word",
        ) from None


_CACHE: dict[int, CompiledCatalogue] = {}


def compile_catalogue(catalogue: Catalogue) -> CompiledCatalogue:
    """Compile (once per catalogue object) the detection hints of every item."""
    hit = _CACHE.get(id(catalogue))
    if hit is not None and hit.catalogue is catalogue:
        return hit
    rules = tuple(
        _ItemRules(
            item_id=item.id,
            aliases=tuple(a.lower() for a in item.hints.column_aliases if a),
            include=tuple(_compile(p, catalogue, item, "title_include") for p in item.hints.title_include),
            exclude=tuple(_compile(p, catalogue, item, "title_exclude") for p in item.hints.title_exclude),
            body=tuple(_compile(p, catalogue, item, "body_include") for p in item.hints.body_include),
        )
        for item in catalogue.items
    )
    compiled = CompiledCatalogue(
        catalogue=catalogue,
        rules=rules,
        item_ids=frozenset(catalogue.item_ids),
        separator=re.compile(_settings()["path_separator"]),
    )
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(catalogue)] = compiled
    return compiled


def _resolve(catalogue: Catalogue | CompiledCatalogue | str) -> CompiledCatalogue:
    if isinstance(catalogue, CompiledCatalogue):
        return catalogue
    if isinstance(catalogue, str):
        from rubrics import load_catalogue  # the loader lives with the catalogue data

        catalogue = load_catalogue(catalogue)
    return compile_catalogue(catalogue)


def classify(
    title: str,
    column_path: str = "",
    body: str = "",
    catalogue: Catalogue | CompiledCatalogue | str = "mee-2019",
    *,
    column_url: str = "",
    column_map: Mapping[str, Sequence[str]] | None = None,
) -> list[Classification]:
    """Classify one document; returns its items in catalogue order (empty: unclassified).

    ``column_map`` is the site's explicit map (``SiteConfig.column_map``): keys are column
    URLs, full column paths or column names. ``catalogue`` is a built-in id, a path, or a
    loaded :class:`~rubrics.model.Catalogue`.
    """
    cc = _resolve(catalogue)
    conf = _settings()["confidence"]
    title = (title or "")[: _settings()["max_title_chars"]]
    segments = cc.split_path(column_path)

    if column_map:
        keys = [column_url, (column_path or "").strip(), *reversed(segments)]
        for key in keys:
            if key and key in column_map:
                ids = [i for i in column_map[key] if i in cc.item_ids]
                if ids:
                    return _ordered(cc, [Classification(i, "column_map", f"column_map: {key}", conf["column_map"]) for i in ids])

    by_title = _title_rules(cc, title, conf["title_rule"])
    for depth, segment in enumerate(reversed(segments)):
        hits = column_alias_matches(cc, segment)
        if not hits:
            continue
        kept = [(r, a) for r, a in hits if r.excluded(title) is None]
        if len(kept) > 1:
            narrowed = [(r, a, r.included(title)) for r, a in kept]
            narrowed = [(r, a, p) for r, a, p in narrowed if p is not None]
            if narrowed:
                return _ordered(cc, [
                    Classification(r.item_id, "column_alias",
                                   f"column_alias: {a} ⊂ {segment}; title_include: {p.pattern}",
                                   conf["column_alias"])
                    for r, a, p in narrowed
                ])
        if kept and (depth == 0 or not by_title):
            return _ordered(cc, [
                Classification(r.item_id, "column_alias", f"column_alias: {a} ⊂ {segment}", conf["column_alias"])
                for r, a in kept
            ])
        if by_title:  # the title overrides a parent column's alias, or an alias its title excludes
            return by_title
        return _ordered(cc, [  # excluded by the title, but no title rule offers anything better
            Classification(r.item_id, "column_alias",
                           f"column_alias: {a} ⊂ {segment}; title_exclude {r.excluded(title).pattern} "  # type: ignore[union-attr]
                           "overruled: no title rule matched", conf["column_alias"])
            for r, a in hits
        ])
    if by_title:
        return by_title

    found: list[Classification] = []
    text = (body or "")[: _settings()["max_body_chars"]]
    if text:
        for r in cc.rules:
            pattern = next((p for p in r.body if p.search(text)), None)
            if pattern is not None and r.excluded(title) is None:
                found.append(Classification(r.item_id, "body_rule", f"body_include: {pattern.pattern}", conf["body_rule"]))
    return found


def column_alias_matches(cc: CompiledCatalogue, column_name: str) -> list[tuple[_ItemRules, str]]:
    """Items a column name stands for, with the alias that matched (catalogue order).

    An item matches when one of its ``column_aliases`` is in the name and none of its
    ``title_exclude`` patterns is (「行政处罚事先告知」 is not a 行政处罚决定 column). The most
    specific alias wins: when several items match, only those with the longest matching alias
    stay (「水环境质量」 is water quality, not air quality's 「环境质量」); equal lengths all stay
    (「行政处罚与行政强制」).
    """
    name = column_name.lower()
    hits = []
    for r in cc.rules:
        matching = [a for a in r.aliases if a in name]
        if matching and r.excluded(column_name) is None:
            hits.append((r, max(matching, key=len)))
    if len(hits) > 1:
        longest = max(len(a) for _, a in hits)
        hits = [(r, a) for r, a in hits if len(a) == longest]
    return hits


def _title_rules(cc: CompiledCatalogue, title: str, confidence: float) -> list[Classification]:
    found = []
    for r in cc.rules:
        pattern = r.included(title)
        if pattern is not None and r.excluded(title) is None:
            found.append(Classification(r.item_id, "title_rule", f"title_include: {pattern.pattern}", confidence))
    return found


def _ordered(cc: CompiledCatalogue, found: list[Classification]) -> list[Classification]:
    order = {r.item_id: n for n, r in enumerate(cc.rules)}
    seen: dict[str, Classification] = {}
    for c in found:
        seen.setdefault(c.item_id, c)
    return sorted(seen.values(), key=lambda c: order[c.item_id])


def classify_store(assessment: Any, store: Any, catalogue: Catalogue | None = None) -> int:
    """Classify every document of the assessment's round; returns the classifications written.

    Idempotent: a site's previous classifications of the round are replaced, in one
    transaction for the whole round.
    """
    from sqlalchemy import delete, select  # here: `import evaluator` (parse workers) needs no SQL

    from evaluator.store import schema

    if catalogue is None:
        from evaluator.scoring.engine import load_catalogue_for

        catalogue = load_catalogue_for(assessment)
    cc = compile_catalogue(catalogue)
    docs = schema.documents
    written = 0
    with store.engine.begin() as conn:
        for site in assessment.sites:
            rows = conn.execute(
                select(docs.c.id, docs.c.title, docs.c.column_path, docs.c.column_url, docs.c.body_text)
                .where(docs.c.round == assessment.round, docs.c.site_id == site.id)
                .order_by(docs.c.id)
            ).all()
            out = []
            for doc_id, title, path, col_url, body in rows:
                for c in classify(title, path or "", body or "", cc, column_url=col_url or "", column_map=site.column_map):
                    out.append({
                        "round": assessment.round, "site_id": site.id, "document_id": doc_id,
                        "item_id": c.item_id, "method": c.method, "rule": c.rule, "confidence": c.confidence,
                    })
            conn.execute(
                delete(schema.classifications).where(
                    schema.classifications.c.round == assessment.round,
                    schema.classifications.c.site_id == site.id,
                )
            )
            if out:
                conn.execute(schema.classifications.insert(), out)
            written += len(out)
    return written
