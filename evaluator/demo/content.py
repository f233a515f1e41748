"""Chinese text of the demo documents: titles, paragraphs, signatures, attachments.

The wording lives in ``data/content.yaml`` (per catalogue item and document kind) and the
names in ``data/names.yaml``; this module only draws from them with the caller's
``random.Random`` and fills the placeholders. Leaving an element out removes its paragraphs,
so a document's ``elements_present`` is exactly what its text says.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")


def cn_date(day: date) -> str:
    """A date as Chinese documents write it: ``2025年3月5日`` (no zero padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


@lru_cache(maxsize=None)
def load_data(name: str) -> dict[str, Any]:
    """Parse ``data/<name>.yaml`` once; ValueError naming the file when it is not a mapping."""
    path = DATA_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class Composed:
    """The text of one document, before dates and ids are attached."""

    title: str
    paragraphs: tuple[str, ...]
    signature: tuple[str, ...]
    elements_present: tuple[str, ...]
    doc_number: str | None
    attachments: tuple[tuple[str, str], ...]  # (display name without extension, ext)


def kinds_of(item_id: str) -> tuple[str, ...]:
    """The document kinds the content data defines for ``item_id``, in file order."""
    return tuple(load_data("content")["items"][item_id]["kinds"])


def topic_of(item_id: str) -> str:
    """The 主题分类 of an item's documents."""
    return str(load_data("content")["items"][item_id]["topic"])


@lru_cache(maxsize=None)
def kind_elements(item_id: str, kind: str) -> tuple[str, ...]:
    """The element ids a document of ``kind`` carries when nothing is left out."""
    spec = _kind_spec(item_id, kind)
    elements = tuple(spec.get("elements", {}))
    extra = spec.get("signature_element")
    return elements + ((extra,) if extra else ())


def _fill(template: str, ctx: dict[str, Any], where: str) -> str:
    try:
        return template.format_map(ctx)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{DATA_DIR / 'content.yaml'}: {where}: bad placeholder in {template!r}: {exc}") from exc


def _pick(rng: random.Random, value: Any) -> str:
    return str(rng.choice(value)) if isinstance(value, list) else str(value)


def draw_vars(rng: random.Random, spec: dict[str, Any], ctx: dict[str, Any], where: str) -> None:
    """Draw the kind's ``vars`` into ``ctx`` (ints, rounded floats or choices); preset names are kept."""
    for name, rule in spec.items():
        if name in ctx:  # preset by the caller (e.g. the policy a 解读 explains)
            continue
        kind = rule[0]
        if kind == "int":
            ctx[name] = int(rule[1]) + int(rng.random() * (int(rule[2]) - int(rule[1]) + 1))
        elif kind == "float":
            ctx[name] = round(rng.uniform(float(rule[1]), float(rule[2])), int(rule[3]))
        elif kind == "choice":
            ctx[name] = _fill(str(rng.choice(rule[1])), ctx, f"{where}.vars.{name}")
        else:
            raise ValueError(f"{DATA_DIR / 'content.yaml'}: {where}.vars.{name}: unknown kind {kind!r} (int | float | choice)")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for v in value.values() for text in _strings(v)]
    if isinstance(value, list):
        return [text for v in value for text in _strings(v)]
    return []


@lru_cache(maxsize=None)
def kind_placeholders(item_id: str, kind: str) -> frozenset[str]:
    """Every placeholder the templates of ``item_id`` / ``kind`` name (so callers fill only those)."""
    spec = _kind_spec(item_id, kind)
    names = set()
    for text in _strings(spec):
        names.update(field for _, field, _, _ in string.Formatter().parse(text) if field)
    return frozenset(names)


@lru_cache(maxsize=None)
def _kind_spec(item_id: str, kind: str) -> dict[str, Any]:
    return load_data("content")["items"][item_id]["kinds"][kind]


def compose(
    item_id: str,
    kind: str,
    ctx: dict[str, Any],
    rng: random.Random,
    *,
    drop: frozenset[str] = frozenset(),
    signature_date: date | None = None,
) -> Composed:
    """Write one document of ``item_id`` / ``kind``.

    ``ctx`` holds the placeholders (city, company, dates …) and is extended with the kind's
    vars. Elements in ``drop`` are left out with their paragraphs. ``signature_date`` closes
    the body with the issuing body and that date; None writes no signature (and the
    signature element, when the kind has one, is then absent). A template naming an unknown
    placeholder raises ValueError naming the item, the kind and the template.
    """
    spec = _kind_spec(item_id, kind)
    where = f"items.{item_id}.kinds.{kind}"
    draw_vars(rng, spec.get("vars", {}), ctx, where)
    rnd = rng.random

    def choice(options: list[Any]) -> Any:
        return options[int(rnd() * len(options))]

    template = ""
    try:
        number_patterns = spec.get("doc_number")
        if number_patterns:
            template = choice(number_patterns) if isinstance(number_patterns, list) else number_patterns
            doc_number: str | None = template.format_map(ctx)
        else:
            doc_number = None
        ctx["doc_number"] = doc_number or ""
        template = choice(spec["titles"])
        title = template.format_map(ctx)
        paragraphs = []
        for template in spec.get("intro", ()):
            paragraphs.append((choice(template) if isinstance(template, list) else template).format_map(ctx))
        present: list[str] = []
        for element, texts in spec.get("elements", {}).items():
            if element in drop:
                continue
            present.append(element)
            for template in texts:
                paragraphs.append((choice(template) if isinstance(template, list) else template).format_map(ctx))
        for template in spec.get("outro", ()):
            paragraphs.append((choice(template) if isinstance(template, list) else template).format_map(ctx))
        attachments = tuple((a["name"].format_map(ctx), str(a["ext"])) for a in spec.get("attachments", ()))
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{DATA_DIR / 'content.yaml'}: {where}: bad placeholder in {template!r}: {exc}") from exc
    signature: tuple[str, ...] = ()
    sig_element = spec.get("signature_element")
    if spec.get("signature") and signature_date is not None and (sig_element is None or sig_element not in drop):
        signature = (str(ctx["bureau"]), cn_date(signature_date))
        if sig_element:
            present.append(sig_element)
    return Composed(title, tuple(paragraphs), signature, tuple(present), doc_number, attachments)


def compose_noise(column: str, ctx: dict[str, Any], rng: random.Random) -> Composed:
    """A news item or notice that belongs to no catalogue item."""
    spec = load_data("content")["noise"][column]
    where = f"noise.{column}"
    draw_vars(rng, spec.get("vars", {}), ctx, where)
    title = _fill(_pick(rng, spec["titles"]), ctx, where + ".titles")
    paragraphs = tuple(_fill(_pick(rng, p), ctx, where + ".paragraphs") for p in spec["paragraphs"])
    return Composed(title, paragraphs, (), (), None, ())


def violation(rng: random.Random) -> dict[str, Any]:
    """One environmental violation (fact, evidence, rule, law, article, fine range)."""
    return dict(rng.choice(load_data("content")["violations"]))
