"""Typed model of a disclosure catalogue and a scoring rubric.

These dataclasses are the contract between the data files under ``rubrics/data`` (or a user's
YAML/XLSX) and the rest of the toolkit: the crawler's classifier, the scoring engine, the demo
province and the reports all read catalogues and rubrics only through these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TimeLimitKind = Literal[
    "workdays_from_formation",  # 自该信息形成或者变更之日起N个工作日内
    "workdays_from_receipt",  # 自收到申请之日起N个工作日内 (on request)
    "annual_deadline",  # 每年M月D日前
    "frequency",  # 至少1次/月|季|半年|年, optional deadline day within the period
    "link_to_higher_level",  # 链接至上级对应栏目: satisfied by a link
    "as_occurs",  # 按实际更新 / 实时: no deadline can be checked
]
FrequencyPeriod = Literal["month", "quarter", "half-year", "year"]
Provenance = Literal["attested", "reconstructed"]
Mode = Literal["主动", "依申请"]
Audience = Literal["全社会", "特定群体"]
CompletenessMode = Literal["per_document", "stages", "across_documents"]


@dataclass(frozen=True)
class TimeLimit:
    """A publication time limit, parsed from its Chinese wording (kept in ``text``).

    - ``workdays_from_formation`` / ``workdays_from_receipt``: ``days`` working days.
    - ``annual_deadline``: published each year on or before ``month``-``day``.
    - ``frequency``: at least one publication per ``period``; when ``day`` is set, the
      publication must fall on or before that day of the period's first month
      (a monthly report "by the 10th").
    - ``link_to_higher_level`` and ``as_occurs`` carry no deadline.
    """

    kind: TimeLimitKind
    text: str
    days: int | None = None
    month: int | None = None
    day: int | None = None
    period: FrequencyPeriod | None = None


@dataclass(frozen=True)
class ContentElement:
    """One required content element (要素) and the cue words that show it is present."""

    id: str
    name: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class DetectionHints:
    """How documents and columns are recognised as belonging to an item.

    ``column_aliases`` match column names (substring, case-insensitive); ``title_include``
    and ``title_exclude`` are regular expressions over the title; ``body_include`` over the
    body text (weaker signal).
    """

    column_aliases: tuple[str, ...] = ()
    title_include: tuple[str, ...] = ()
    title_exclude: tuple[str, ...] = ()
    body_include: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One catalogue item (二级事项), identified by a stable ``id`` such as ``eia-approval``."""

    id: str
    aspect: str  # aspect id
    name: str
    elements: tuple[ContentElement, ...]
    completeness: CompletenessMode
    time_limit: TimeLimit
    provenance: Provenance
    mode: Mode = "主动"
    audience: Audience = "全社会"
    legal_basis: tuple[str, ...] = ()
    subject: str = ""
    channels_required: tuple[str, ...] = ()
    channels_optional: tuple[str, ...] = ()
    hints: DetectionHints = field(default_factory=DetectionHints)
    event_driven: bool = False
    double_publicity: bool = False  # 双公示: the stricter licensing/penalty rule may apply
    levels: tuple[str, ...] = ()  # 公开层级 such as 市级, 县级
    responsible: str = ""  # 责任部门
    notes: str = ""
    aliases: tuple[str, ...] = ()  # other names of the item in published catalogues (importer)

    @property
    def observable(self) -> bool:
        """False for items delivered to the parties on request: a web crawl cannot judge them."""
        return not (self.mode == "依申请" and self.audience == "特定群体")


@dataclass(frozen=True)
class Aspect:
    """A catalogue aspect (一级事项), such as 行政许可."""

    id: str
    name: str


@dataclass(frozen=True)
class Catalogue:
    """A disclosure catalogue: aspects and their items, in order."""

    id: str
    title: str
    source: str
    version: str
    aspects: tuple[Aspect, ...]
    items: tuple[Item, ...]
    path: str | None = None  # where it was loaded from, for error messages
    provenance_note: str = ""  # how the catalogue's wording was obtained; reports print it

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def items_of(self, aspect_id: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.aspect == aspect_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


@dataclass(frozen=True)
class CriterionWeights:
    coverage: float
    timeliness: float
    completeness: float

    def as_dict(self) -> dict[str, float]:
        return {"coverage": self.coverage, "timeliness": self.timeliness, "completeness": self.completeness}


@dataclass(frozen=True)
class GradeBand:
    name: str  # 优秀 / 良好 / 合格 / 不合格
    min_score: float


@dataclass(frozen=True)
class Rubric:
    """Scoring rules: see docs/scoring.md for what every number means."""

    id: str
    title: str
    criterion_weights: CriterionWeights
    item_criterion_weights: dict[str, CriterionWeights]  # per-item overrides
    aspect_weights: dict[str, float]  # aspect id -> weight (sum 100)
    item_weights: dict[str, float]  # item id -> weight inside its aspect (default 1)
    grade_bands: tuple[GradeBand, ...]  # highest first
    coverage_column_only: float = 40.0  # coverage score when a column exists but is empty
    attachment_weight: float = 0.2  # share of completeness given to reachable attachments
    double_publicity: bool = False  # apply the 7-working-day 双公示 rule to flagged items
    double_publicity_days: int = 7
    event_driven_empty_is_failure: bool = False
    path: str | None = None

    def weights_for(self, item_id: str) -> CriterionWeights:
        return self.item_criterion_weights.get(item_id, self.criterion_weights)

    def grade(self, score: float | None) -> str | None:
        if score is None:
            return None
        for band in self.grade_bands:
            if score >= band.min_score - 1e-9:
                return band.name
        return self.grade_bands[-1].name
