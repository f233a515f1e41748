"""Build :class:`Catalogue` and :class:`Rubric` objects from located YAML nodes, checking everything.

Every problem raises :class:`ConfigError` naming the file, the line, the field and the fix:
unknown keys (with the closest known key), missing required fields, wrong types, duplicate ids,
unknown aspect, item and channel names, weights that do not sum, grade bands out of order,
time limits no rule understands.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from importlib import resources
from typing import Any, cast

import yaml

from rubrics.model import (
    Aspect,
    Audience,
    Catalogue,
    CompletenessMode,
    ContentElement,
    CriterionWeights,
    DetectionHints,
    GradeBand,
    Item,
    Mode,
    Provenance,
    Rubric,
    TimeLimit,
)
from rubrics.timelimit import TIME_LIMIT_KINDS, parse_time_limit, time_limit_from_fields
from rubrics.yamlsource import Node, closest

__all__ = ["catalogue_from_node", "rubric_from_node", "vocabulary", "CATALOGUE_KEYS", "ITEM_KEYS", "RUBRIC_KEYS"]

CATALOGUE_KEYS = ("id", "title", "source", "version", "provenance_note", "aspects", "items")
CATALOGUE_REQUIRED = ("id", "title", "source", "version", "aspects", "items")
ASPECT_KEYS = ("id", "name")
ITEM_KEYS = (
    "id",
    "aspect",
    "name",
    "aliases",
    "elements",
    "completeness",
    "time_limit",
    "provenance",
    "mode",
    "audience",
    "legal_basis",
    "subject",
    "channels_required",
    "channels_optional",
    "event_driven",
    "double_publicity",
    "hints",
    "levels",
    "responsible",
    "notes",
)
ITEM_REQUIRED = (
    "id",
    "aspect",
    "name",
    "elements",
    "completeness",
    "time_limit",
    "provenance",
    "mode",
    "audience",
    "subject",
    "channels_required",
    "event_driven",
    "double_publicity",
)
ELEMENT_KEYS = ("id", "name", "cues")
HINT_KEYS = ("column_aliases", "title_include", "title_exclude", "body_include")
TIME_LIMIT_KEYS = ("text", "kind", "days", "month", "day", "period")
RUBRIC_KEYS = (
    "id",
    "title",
    "catalogue",
    "criterion_weights",
    "item_criterion_weights",
    "aspect_weights",
    "item_weights",
    "grade_bands",
    "coverage_column_only",
    "attachment_weight",
    "double_publicity",
    "double_publicity_days",
    "event_driven_empty_is_failure",
)
RUBRIC_REQUIRED = ("id", "title", "criterion_weights", "aspect_weights", "grade_bands")
CRITERIA = ("coverage", "timeliness", "completeness")
COMPLETENESS_MODES = ("per_document", "stages", "across_documents")
PROVENANCES = ("attested", "reconstructed")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
WEIGHT_TOLERANCE = 1e-6


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The closed vocabularies (channels, mode, audience, levels, tick marks) from the data file."""
    text = resources.files("rubrics").joinpath("data/vocabulary.yaml").read_text(encoding="utf-8")
    return cast(dict[str, Any], yaml.safe_load(text))


def _choice(node: Node, choices: tuple[str, ...] | list[str]) -> str:
    value = node.text()
    if value not in choices:
        suggestion = closest(value, choices)
        fix = f"Did you mean '{suggestion}'?" if suggestion else "Use one of: " + ", ".join(choices) + "."
        raise node.error(f"'{value}' is not one of {', '.join(choices)}", fix)
    return value


def _ident(node: Node, what: str) -> str:
    value = node.text()
    if not ID_PATTERN.match(value):
        raise node.error(
            f"'{value}' is not a valid {what} id",
            "Use lower-case ASCII letters, digits, '-' and '_' (for example 'eia-approval')",
        )
    return value


def _regexes(node: Node) -> tuple[str, ...]:
    patterns = node.text_list()
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            child = node.seq()[i]
            raise child.error(
                f"invalid regular expression '{pattern}': {exc.msg}",
                "Fix the pattern (write it in single quotes in YAML)",
            ) from exc
    return patterns


# ───────────────────────────────────────────── catalogue


def catalogue_from_node(root: Node, path: str | None = None) -> Catalogue:
    """Validate a catalogue document and build the :class:`Catalogue`."""
    top = root.mapping(CATALOGUE_KEYS, CATALOGUE_REQUIRED, what="the catalogue")
    aspects: list[Aspect] = []
    aspect_lines: dict[str, int | None] = {}
    for node in top["aspects"].seq():
        fields = node.mapping(ASPECT_KEYS, ASPECT_KEYS, what=f"aspect {node.field}")
        aspect_id = _ident(fields["id"], "aspect")
        if aspect_id in aspect_lines:
            raise fields["id"].error(
                f"duplicate aspect id '{aspect_id}' (first on line {aspect_lines[aspect_id]})",
                "Aspect ids must be unique",
            )
        aspect_lines[aspect_id] = fields["id"].line
        aspects.append(Aspect(id=aspect_id, name=fields["name"].text()))
    if not aspects:
        raise top["aspects"].error("the catalogue has no aspects", "List at least one aspect (id and name)")

    items: list[Item] = []
    item_lines: dict[str, int | None] = {}
    for node in top["items"].seq():
        item = _item(node, [a.id for a in aspects])
        if item.id in item_lines:
            raise node.value["id"].error(
                f"duplicate item id '{item.id}' (first on line {item_lines[item.id]})", "Item ids must be unique"
            )
        item_lines[item.id] = node.value["id"].line
        items.append(item)
    if not items:
        raise top["items"].error("the catalogue has no items", "List at least one item")
    return Catalogue(
        id=_ident(top["id"], "catalogue"),
        title=top["title"].text(),
        source=top["source"].text(),
        version=top["version"].text(),
        aspects=tuple(aspects),
        items=tuple(items),
        path=path,
        provenance_note=top["provenance_note"].opt_text() if "provenance_note" in top else "",
    )


def _item(node: Node, aspect_ids: list[str]) -> Item:
    label = node.value.get("id").value if isinstance(node.value, dict) and "id" in node.value else node.field
    fields = node.mapping(ITEM_KEYS, ITEM_REQUIRED, what=f"item '{label}'")
    item_id = _ident(fields["id"], "item")
    aspect = fields["aspect"].text()
    if aspect not in aspect_ids:
        suggestion = closest(aspect, aspect_ids)
        raise fields["aspect"].error(
            f"unknown aspect id '{aspect}'",
            (f"Did you mean '{suggestion}'? " if suggestion else "")
            + "Known aspects: "
            + ", ".join(aspect_ids),
        )
    elements = _elements(fields["elements"])
    completeness = cast(CompletenessMode, _choice(fields["completeness"], COMPLETENESS_MODES))
    if completeness == "stages" and len(elements) < 2:
        raise fields["completeness"].error(
            "completeness 'stages' needs at least two elements (one per stage, in order)",
            "Add the stages as elements or use 'per_document'",
        )
    vocab = vocabulary()
    channels = list(vocab["channels"])
    required = tuple(_choice(c, channels) for c in fields["channels_required"].seq()) if fields["channels_required"].value else ()
    optional: tuple[str, ...] = ()
    if "channels_optional" in fields and fields["channels_optional"].value:
        optional = tuple(_choice(c, channels) for c in fields["channels_optional"].seq())
    both = set(required) & set(optional)
    if both:
        raise fields["channels_optional"].error(
            f"channel '{sorted(both)[0]}' is listed as both required and optional", "Keep it in one of the two lists"
        )
    levels: tuple[str, ...] = ()
    if "levels" in fields and fields["levels"].value:
        levels = tuple(_choice(c, list(vocab["levels"])) for c in fields["levels"].seq())
    return Item(
        id=item_id,
        aspect=aspect,
        name=fields["name"].text(),
        elements=elements,
        completeness=completeness,
        time_limit=_time_limit(fields["time_limit"]),
        provenance=cast(Provenance, _choice(fields["provenance"], PROVENANCES)),
        mode=cast(Mode, _choice(fields["mode"], list(vocab["mode"]))),
        audience=cast(Audience, _choice(fields["audience"], list(vocab["audience"]))),
        legal_basis=fields["legal_basis"].text_list() if "legal_basis" in fields else (),
        subject=fields["subject"].text(),
        channels_required=required,
        channels_optional=optional,
        hints=_hints(fields["hints"]) if "hints" in fields else DetectionHints(),
        event_driven=fields["event_driven"].boolean(),
        double_publicity=fields["double_publicity"].boolean(),
        levels=levels,
        responsible=fields["responsible"].opt_text() if "responsible" in fields else "",
        notes=fields["notes"].opt_text() if "notes" in fields else "",
        aliases=fields["aliases"].text_list() if "aliases" in fields else (),
    )


def _elements(node: Node) -> tuple[ContentElement, ...]:
    result: list[ContentElement] = []
    seen: set[str] = set()
    for child in node.seq():
        fields = child.mapping(ELEMENT_KEYS, ("id", "name"), what=f"element {child.field}")
        element_id = _ident(fields["id"], "element")
        if element_id in seen:
            raise fields["id"].error(f"duplicate element id '{element_id}'", "Element ids must be unique within an item")
        seen.add(element_id)
        cues = fields["cues"].text_list() if "cues" in fields else ()
        result.append(ContentElement(id=element_id, name=fields["name"].text(), cues=cues))
    if not result:
        raise node.error("an item needs at least one content element", "List the 公开内容（要素） with cue words")
    return tuple(result)


def _hints(node: Node) -> DetectionHints:
    if node.value is None:
        return DetectionHints()
    fields = node.mapping(HINT_KEYS)
    return DetectionHints(
        column_aliases=fields["column_aliases"].text_list() if "column_aliases" in fields else (),
        title_include=_regexes(fields["title_include"]) if "title_include" in fields else (),
        title_exclude=_regexes(fields["title_exclude"]) if "title_exclude" in fields else (),
        body_include=fields["body_include"].text_list() if "body_include" in fields else (),
    )


def _time_limit(node: Node) -> TimeLimit:
    where = {"path": node.file, "line": node.line, "field": node.field}
    if isinstance(node.value, dict):
        fields = node.mapping(TIME_LIMIT_KEYS, ("kind",), what="the time limit")

        def number(key: str) -> int | None:
            return fields[key].integer(minimum=1) if key in fields else None

        kind = _choice(fields["kind"], TIME_LIMIT_KINDS)
        text = fields["text"].text() if "text" in fields else kind
        return time_limit_from_fields(
            text,
            kind,
            days=number("days"),
            month=number("month"),
            day=number("day"),
            period=fields["period"].text() if "period" in fields else None,
            **where,
        )
    return parse_time_limit(node.text(), **where)


# ───────────────────────────────────────────── rubric


def _weights(node: Node) -> CriterionWeights:
    fields = node.mapping(CRITERIA, CRITERIA, what="the criterion weights")
    values = {k: fields[k].number(minimum=0, maximum=1) for k in CRITERIA}
    total = sum(values.values())
    if not math.isclose(total, 1.0, abs_tol=WEIGHT_TOLERANCE):
        raise node.error(
            f"criterion weights sum to {total:g}, not 1",
            "Make coverage + timeliness + completeness equal 1 (for example 0.4, 0.3, 0.3)",
        )
    return CriterionWeights(**values)


def rubric_from_node(root: Node, catalogue: Catalogue, path: str | None = None) -> Rubric:
    """Validate a rubric document against ``catalogue`` and build the :class:`Rubric`."""
    top = root.mapping(RUBRIC_KEYS, RUBRIC_REQUIRED, what="the rubric")
    item_ids = list(catalogue.item_ids)
    aspect_ids = [a.id for a in catalogue.aspects]

    def known_item(node: Node, key: str) -> str:
        if key not in item_ids:
            suggestion = closest(key, item_ids)
            raise node.error(
                f"unknown item id '{key}' (not in catalogue {catalogue.id})",
                f"Did you mean '{suggestion}'?" if suggestion else "Run 'evaluator catalogue show' to list the item ids",
            )
        return key

    overrides: dict[str, CriterionWeights] = {}
    if "item_criterion_weights" in top and top["item_criterion_weights"].value is not None:
        for key, child in top["item_criterion_weights"].items():
            overrides[known_item(child, key)] = _weights(child)

    aspect_weights: dict[str, float] = {}
    aspect_node = top["aspect_weights"]
    for key, child in aspect_node.items():
        if key not in aspect_ids:
            suggestion = closest(key, aspect_ids)
            raise child.error(
                f"unknown aspect id '{key}' (not in catalogue {catalogue.id})",
                (f"Did you mean '{suggestion}'? " if suggestion else "") + "Known aspects: " + ", ".join(aspect_ids),
            )
        aspect_weights[key] = child.number(minimum=0)
    missing = [a for a in aspect_ids if a not in aspect_weights]
    if missing:
        raise aspect_node.error(
            f"no weight for aspect '{missing[0]}'", "Give every aspect of the catalogue a weight (0 to leave it out)"
        )
    total = sum(aspect_weights.values())
    if not math.isclose(total, 100.0, abs_tol=1e-6):
        raise aspect_node.error(f"aspect weights sum to {total:g}, not 100", "Make the aspect weights add up to 100")

    item_weights = {item_id: 1.0 for item_id in item_ids}
    if "item_weights" in top and top["item_weights"].value is not None:
        for key, child in top["item_weights"].items():
            weight = child.number(minimum=0)
            if weight <= 0:
                raise child.error("an item weight must be greater than 0", "Use not_applicable in the assessment to drop an item")
            item_weights[known_item(child, key)] = weight

    bands: list[GradeBand] = []
    for child in top["grade_bands"].seq():
        fields = child.mapping(("name", "min_score"), ("name", "min_score"), what="a grade band")
        band = GradeBand(name=fields["name"].text(), min_score=fields["min_score"].number(minimum=0, maximum=100))
        if bands and band.min_score >= bands[-1].min_score:
            raise fields["min_score"].error(
                f"grade bands must be in descending order: '{band.name}' ({band.min_score:g}) comes after "
                f"'{bands[-1].name}' ({bands[-1].min_score:g})",
                "List the bands from the highest min_score to the lowest",
            )
        bands.append(band)
    if not bands:
        raise top["grade_bands"].error("no grade bands", "List at least one band (name, min_score)")

    def opt(key: str, read: Any, default: Any) -> Any:
        return read(top[key]) if key in top else default

    return Rubric(
        id=_ident(top["id"], "rubric"),
        title=top["title"].text(),
        criterion_weights=_weights(top["criterion_weights"]),
        item_criterion_weights=overrides,
        aspect_weights=aspect_weights,
        item_weights=item_weights,
        grade_bands=tuple(bands),
        coverage_column_only=opt("coverage_column_only", lambda n: n.number(minimum=0, maximum=100), 40.0),
        attachment_weight=opt("attachment_weight", lambda n: n.number(minimum=0, maximum=1), 0.2),
        double_publicity=opt("double_publicity", lambda n: n.boolean(), False),
        double_publicity_days=opt("double_publicity_days", lambda n: n.integer(minimum=1), 7),
        event_driven_empty_is_failure=opt("event_driven_empty_is_failure", lambda n: n.boolean(), False),
        path=path,
    )
