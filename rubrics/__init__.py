"""Catalogues and scoring rubrics as data (YAML), with their loader and validator.

>>> from rubrics import load_catalogue, load_rubric
>>> catalogue = load_catalogue("mee-2019")
>>> rubric = load_rubric("default", catalogue)
>>> catalogue.item("eia-approval").time_limit.days
20
"""

from rubrics.loader import (
    DEFAULT_CATALOGUE,
    DEFAULT_RUBRIC,
    builtin_catalogues,
    builtin_rubrics,
    catalogue_from_text,
    load_catalogue,
    load_rubric,
    rubric_from_text,
)
from rubrics.model import (
    Aspect,
    Catalogue,
    ContentElement,
    CriterionWeights,
    DetectionHints,
    GradeBand,
    Item,
    Rubric,
    TimeLimit,
)
from rubrics.timelimit import parse_time_limit

__all__ = [
    "Aspect",
    "Catalogue",
    "ContentElement",
    "CriterionWeights",
    "DetectionHints",
    "GradeBand",
    "Item",
    "Rubric",
    "TimeLimit",
    "DEFAULT_CATALOGUE",
    "DEFAULT_RUBRIC",
    "builtin_catalogues",
    "builtin_rubrics",
    "catalogue_from_text",
    "load_catalogue",
    "load_rubric",
    "parse_time_limit",
    "rubric_from_text",
    "import_catalogue",
    "ImportResult",
]


def __getattr__(name: str) -> object:
    # The importer pulls in requests/lxml/openpyxl: load it only when asked for.
    if name in ("import_catalogue", "ImportResult"):
        from rubrics import importer

        return getattr(importer, name)
    raise AttributeError(f"module 'rubrics' has no attribute {name!r}")
