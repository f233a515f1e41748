"""Multi-stage items: which stage a document is, and which project it belongs to.

A document's stage is the first of the item's elements (in catalogue order: 受理公示 →
拟审批公示 → 审批决定) whose cue appears in its title. Its project is :func:`project_key` of
the title, so that the three notices of one EIA match across documents.
"""

from __future__ import annotations

from collections.abc import Iterable

from rubrics.model import Item

from evaluator.scoring.inputs import settings

__all__ = ["project_key", "stage_of", "stage_cues"]


def stage_cues(item: Item) -> tuple[str, ...]:
    """All stage cue words of an item (an element without cues is matched by its name)."""
    cues: list[str] = []
    for element in item.elements:
        cues.extend(element.cues or (element.name,))
    return tuple(c for c in cues if c)


def stage_of(title: str, item: Item) -> int | None:
    """Index of the first element whose cue appears in ``title``; ``None`` when none does."""
    for n, element in enumerate(item.elements):
        if any(cue and cue in title for cue in (element.cues or (element.name,))):
            return n
    return None


def project_key(title: str, site_name: str = "", cues: Iterable[str] = ()) -> str:
    """The project a stage notice is about: the title without stage cues and boilerplate.

    Removed in order: the stage ``cues`` (longest first), ``site_name``, the words of
    ``project_key.remove_words`` (关于, 的, 公示, 公告), then brackets, punctuation and spaces.

    >>> project_key("关于《某某化工项目环境影响报告书》的批复", "某市生态环境局", ["批复", "受理"])
    '某某化工项目环境影响报告书'
    """
    conf = settings()["project_key"]
    key = title
    for cue in sorted(set(cues), key=len, reverse=True):
        if cue:
            key = key.replace(cue, "")
    if site_name:
        key = key.replace(site_name, "")
    for word in conf["remove_words"]:
        key = key.replace(word, "")
    drop = set(conf["remove_chars"])
    return "".join(ch for ch in key if ch not in drop)
