"""The three criteria of a scored (site, item) pair, one function each (docs/scoring.md).

Every criterion follows the :class:`Criterion` protocol: it receives the item, the item's
documents in the period (``D``) and an :class:`ItemContext`, and returns a
:class:`CriterionResult` — a value in 0..100, or ``None`` when the criterion cannot be checked
for this item — with the findings that explain it.
"""

from __future__ import annotations

import calendar as _calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from rubrics.model import Item, Rubric

from evaluator.scoring.docdates import signature_date
from evaluator.scoring.findings import evidence, finding, fmt, text
from evaluator.scoring.inputs import Column, Doc
from evaluator.scoring.stages import project_key, stage_cues, stage_of
from evaluator.workdays import WorkdayCalendar

__all__ = ["CriterionResult", "ItemContext", "Criterion", "coverage", "timeliness", "completeness", "CRITERIA"]


@dataclass
class CriterionResult:
    """``value``: 0..100, or ``None`` = not checkable; ``findings``: sentences with evidence."""

    value: float | None
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ItemContext:
    """What a criterion may look at besides ``D``: the site's item columns and all its documents."""

    site_name: str
    start: date
    end: date
    reference: date
    rubric: Rubric
    calendar: WorkdayCalendar
    columns: list[Column]  # columns of the item on this site
    all_docs: list[Doc]  # the item's documents of the site, any date (republications removed)
    duplicates: list[Doc] = field(default_factory=list)  # republications in the period, not counted

    @property
    def observed_until(self) -> date:
        return min(self.end, self.reference)


class Criterion(Protocol):
    """``(item, docs, ctx) -> CriterionResult``; ``docs`` is ``D``, sorted by URL."""

    def __call__(self, item: Item, docs: list[Doc], ctx: ItemContext) -> CriterionResult: ...


def _column_names(columns: list[Column], limit: int = 5) -> str:
    names = sorted({c.path or c.name for c in columns})
    shown = "、".join(names[:limit])
    return shown + (f" 等{len(names)}个" if len(names) > limit else "")


# -- coverage ------------------------------------------------------------------------------
def coverage(item: Item, docs: list[Doc], ctx: ItemContext) -> CriterionResult:
    """100 with documents in the period; ``coverage_column_only`` with an empty column; else 0."""
    if docs:
        found = [finding("coverage.present", [evidence(d) for d in docs], item=item.name, n=len(docs))]
        if ctx.columns:
            found.append(finding("coverage.columns", columns=_column_names(ctx.columns)))
        undated = [d for d in docs if d.publication_date is None]
        if undated:
            found.append(finding("coverage.undated", [evidence(d) for d in undated], n=len(undated)))
        if ctx.duplicates:
            found.append(finding("coverage.duplicates", [evidence(d) for d in ctx.duplicates], n=len(ctx.duplicates)))
        return CriterionResult(100.0, found)
    if ctx.columns:
        return CriterionResult(
            float(ctx.rubric.coverage_column_only),
            [finding("coverage.column_only", columns=_column_names(ctx.columns), item=item.name)],
        )
    return CriterionResult(0.0, [finding("coverage.missing", item=item.name)])


# -- timeliness ----------------------------------------------------------------------------
def timeliness(item: Item, docs: list[Doc], ctx: ItemContext) -> CriterionResult:
    """By the item's time-limit kind; see docs/scoring.md "Timeliness"."""
    kind = item.time_limit.kind
    if kind == "workdays_from_formation" and item.time_limit.days is not None:
        return _workdays(item, docs, ctx)
    if kind == "annual_deadline" and item.time_limit.month and item.time_limit.day:
        return _annual(item, ctx)
    if kind == "frequency" and item.time_limit.period:
        return _frequency(item, ctx)
    return CriterionResult(None, [finding("timeliness.not_checkable", text=item.time_limit.text)])


def workday_limit(item: Item, rubric: Rubric) -> int:
    """N of the item: the 双公示 days when the rubric's option is on and the item is flagged."""
    if rubric.double_publicity and item.double_publicity:
        return rubric.double_publicity_days
    return int(item.time_limit.days or 0)


def _workdays(item: Item, docs: list[Doc], ctx: ItemContext) -> CriterionResult:
    if not docs:
        return CriterionResult(0.0, [finding("timeliness.empty", item=item.name)])
    limit = workday_limit(item, ctx.rubric)
    timely: list[dict[str, Any]] = []
    late: list[tuple[int, dict[str, Any]]] = []
    undetermined: list[dict[str, Any]] = []
    uncovered: list[dict[str, Any]] = []
    years: set[int] = set()
    inferred: list[dict[str, Any]] = []
    for doc in docs:
        pub = doc.publication_date
        form = doc.formation_date
        if form is None:
            form = signature_date(doc.body, pub)
            if form is not None:
                inferred.append(evidence(doc, formation=form))
        if pub is None or form is None:
            undetermined.append(evidence(doc, formation=form))
            continue
        lag = ctx.calendar.lag(form, pub)
        if lag is None:
            years |= {y for y in (form.year, pub.year) if y not in ctx.calendar.covered_years}
            uncovered.append(evidence(doc, formation=form))
        elif lag <= limit:
            timely.append(evidence(doc, lag=lag, formation=form))
        else:
            late.append((lag, evidence(doc, lag=lag, formation=form)))
    n_undet = len(undetermined) + len(uncovered)
    # the summary cites the timely documents (with their lag); the late and undetermined ones
    # are cited by the findings below
    found = [finding("timeliness.summary", timely, item=item.name, n=len(docs), timely=len(timely), late=len(late),
                     undetermined=n_undet, limit=limit)]
    if late:
        lags = [lag for lag, _ in late]
        late.sort(key=lambda x: (-x[0], x[1]["url"]))
        found.append(finding("timeliness.late", [e for _, e in late], late=len(late), limit=limit,
                             avg_lag=fmt(sum(lags) / len(lags)), max_lag=max(lags)))
    if undetermined:
        found.append(finding("timeliness.undetermined", undetermined, n=len(undetermined)))
    if uncovered:
        found.append(finding("timeliness.calendar", uncovered, n=len(uncovered),
                             years="、".join(str(y) for y in sorted(years))))
    if inferred:
        found.append(finding("timeliness.inferred", inferred, n=len(inferred)))
    return CriterionResult(100.0 * len(timely) / len(docs), found)


def _annual(item: Item, ctx: ItemContext) -> CriterionResult:
    month, day = int(item.time_limit.month or 1), int(item.time_limit.day or 1)
    md = {"zh": f"{month}月{day}日", "en": f"{month:02d}-{day:02d}"}
    checked = met = 0
    found: list[dict[str, Any]] = []
    dated = [d for d in ctx.all_docs if d.publication_date is not None]
    for year in range(ctx.start.year, ctx.observed_until.year + 1):
        try:
            deadline = date(year, month, day)
        except ValueError:  # 02-29 in a common year: the last day of February
            deadline = date(year, month, _calendar.monthrange(year, month)[1])
        if not ctx.start <= deadline <= ctx.observed_until:
            continue
        checked += 1
        hits = sorted((d for d in dated if date(year, 1, 1) <= d.publication_date <= deadline),  # type: ignore[operator]
                      key=lambda d: (d.publication_date, d.url))
        if hits:
            met += 1
            found.append(finding("timeliness.annual_met", [evidence(hits[0])], year=year,
                                 date=hits[0].publication_date.isoformat(), deadline=deadline.isoformat()))  # type: ignore[union-attr]
        else:
            found.append(finding("timeliness.annual_missed", year=year, deadline=deadline.isoformat()))
    undated = [d for d in ctx.all_docs if d.publication_date is None]
    if undated:
        found.append(finding("timeliness.undated_not_updated", [evidence(d) for d in undated], n=len(undated)))
    if not checked:
        return CriterionResult(None, [finding("timeliness.annual_none", deadline=md)] + found)
    return CriterionResult(100.0 * met / checked, found)


_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}


def periods_within(start: date, end: date, period: str) -> list[tuple[date, date]]:
    """The calendar months/quarters/half-years/years lying wholly inside ``[start, end]``."""
    step = _PERIOD_MONTHS[period]
    out: list[tuple[date, date]] = []
    year, month = start.year, 1 + ((start.month - 1) // step) * step
    while True:
        first = date(year, month, 1)
        last_month = month + step - 1
        last = date(year, last_month, _calendar.monthrange(year, last_month)[1])
        if first > end:
            break
        if first >= start and last <= end:
            out.append((first, last))
        month += step
        if month > 12:
            year, month = year + 1, 1
    return out


def _period_label(first: date, period: str) -> dict[str, str]:
    if period == "month":
        return {"zh": f"{first.year}年{first.month}月", "en": f"{first.year}-{first.month:02d}"}
    if period == "quarter":
        q = (first.month - 1) // 3 + 1
        return {"zh": f"{first.year}年第{q}季度", "en": f"{first.year}-Q{q}"}
    if period == "half-year":
        h = 1 if first.month == 1 else 2
        return {"zh": f"{first.year}年{'上' if h == 1 else '下'}半年", "en": f"{first.year}-H{h}"}
    return {"zh": f"{first.year}年", "en": str(first.year)}


def _frequency(item: Item, ctx: ItemContext) -> CriterionResult:
    period = str(item.time_limit.period)
    by_day = item.time_limit.day
    period_text = {lang: text(f"period.{period}", lang) + (text("period.by_day", lang, day=by_day) if by_day else "")
                   for lang in ("zh", "en")}
    windows = periods_within(ctx.start, ctx.observed_until, period)
    dated = sorted((d for d in ctx.all_docs if d.publication_date is not None), key=lambda d: (d.publication_date, d.url))
    found: list[dict[str, Any]] = []
    met_evidence: list[dict[str, Any]] = []
    missed: list[dict[str, str]] = []
    for first, last in windows:
        due = last
        if by_day:
            due = date(first.year, first.month, min(int(by_day), _calendar.monthrange(first.year, first.month)[1]))
        hit = next((d for d in dated if first <= d.publication_date <= min(last, due)), None)  # type: ignore[operator]
        if hit is not None:
            met_evidence.append(evidence(hit))
        else:
            missed.append(_period_label(first, period))
    undated = [d for d in ctx.all_docs if d.publication_date is None]
    if not windows:
        found.append(finding("timeliness.frequency_none", period_text=period_text))
    else:
        found.append(finding("timeliness.frequency", met_evidence, item=item.name, period_text=period_text,
                             periods=len(windows), met=len(met_evidence)))
        if missed:
            found.append(finding("timeliness.frequency_missed",
                                 missed={lang: "、".join(m[lang] for m in missed) if lang == "zh" else ", ".join(m[lang] for m in missed)
                                         for lang in ("zh", "en")}))
    if undated:
        found.append(finding("timeliness.undated_not_updated", [evidence(d) for d in undated], n=len(undated)))
    if not windows:
        return CriterionResult(None, found)
    return CriterionResult(100.0 * len(met_evidence) / len(windows), found)


# -- completeness --------------------------------------------------------------------------
def _haystack(doc: Doc) -> str:
    """Where content elements are looked for: the body text only (a title naming a list or
    a decision does not publish its content; see docs/scoring.md, Decisions)."""
    return doc.body.lower()


def _has(element_cues: tuple[str, ...], hay: str) -> bool:
    return any(cue.lower() in hay for cue in element_cues if cue)


def completeness(item: Item, docs: list[Doc], ctx: ItemContext) -> CriterionResult:
    """Elements by the item's completeness mode, blended with reachable attachments."""
    if not docs:
        return CriterionResult(0.0, [finding("completeness.empty", item=item.name)])
    bad = [d for d in docs if not d.attachments_ok]
    attachments = 100.0 * (len(docs) - len(bad)) / len(docs)
    found: list[dict[str, Any]] = []
    elements: float
    if not item.elements:
        elements = 100.0  # nothing required, nothing missing
        found.append(finding("completeness.no_elements"))
    elif item.completeness == "stages":
        elements = _stages(item, docs, ctx, found)
    elif item.completeness == "across_documents":
        elements = _across(item, docs, found)
    else:
        elements = _per_document(item, docs, found)
    with_att = sum(1 for d in docs if d.attachments)
    if bad:
        found.append(finding("completeness.attachments", [evidence(d) for d in bad], n=len(bad), checked=with_att))
    w = ctx.rubric.attachment_weight
    return CriterionResult((1 - w) * elements + w * attachments, found)


def _cues(element: Any) -> tuple[str, ...]:
    return tuple(element.cues) or (element.name,)


def _per_document(item: Item, docs: list[Doc], found: list[dict[str, Any]]) -> float:
    shares: list[float] = []
    missing: Counter[str] = Counter()
    lacking: list[Doc] = []
    for doc in docs:
        hay = _haystack(doc)
        absent = [e.name for e in item.elements if not _has(_cues(e), hay)]
        shares.append(1 - len(absent) / len(item.elements))
        missing.update(absent)
        if absent:
            lacking.append(doc)
    value = 100.0 * sum(shares) / len(shares)
    found.append(finding("completeness.per_document", n=len(docs), pct=fmt(value), total=len(item.elements)))
    if lacking:
        order = {e.name: n for n, e in enumerate(item.elements)}
        top = sorted(missing.items(), key=lambda kv: (-kv[1], order[kv[0]]))[:3]
        found.append(finding("completeness.missing_elements", [evidence(d) for d in lacking], n=len(lacking),
                             missing="、".join(f"{name}（{count}件）" for name, count in top)))
    return value


def _across(item: Item, docs: list[Doc], found: list[dict[str, Any]]) -> float:
    hays = [_haystack(d) for d in docs]
    present = [e for e in item.elements if any(_has(_cues(e), h) for h in hays)]
    absent = [e.name for e in item.elements if e not in present]
    found.append(finding("completeness.across", found=len(present), total=len(item.elements)))
    if absent:
        found.append(finding("completeness.across_missing", missing="、".join(absent)))
    return 100.0 * len(present) / len(item.elements)


def _stages(item: Item, docs: list[Doc], ctx: ItemContext, found: list[dict[str, Any]]) -> float:
    cues = stage_cues(item)
    names = "→".join(e.name for e in item.elements)
    stages_of: dict[str, set[int]] = {}
    for doc in ctx.all_docs:
        stage = stage_of(doc.title, item)
        if stage is not None:
            stages_of.setdefault(project_key(doc.title, ctx.site_name, cues), set()).add(stage)
    in_period: dict[str, list[Doc]] = {}
    for doc in docs:
        if stage_of(doc.title, item) is not None:
            in_period.setdefault(project_key(doc.title, ctx.site_name, cues), []).append(doc)
    if not in_period:
        found.append(finding("completeness.no_projects", stages=names))
        return 0.0
    total = len(item.elements)
    complete = [k for k in in_period if len(stages_of.get(k, set())) == total]
    found.append(finding("completeness.stages", projects=len(in_period), complete=len(complete), stages=names))
    incomplete = sorted(k for k in in_period if k not in complete)
    if incomplete:
        shown = []
        for key in incomplete[:20]:
            lacking = [item.elements[n].name for n in range(total) if n not in stages_of.get(key, set())]
            shown.append({"zh": f"{key}（缺{'、'.join(lacking)}）", "en": f"{key} (missing {', '.join(lacking)})"})
        more = len(incomplete) - len(shown)
        listed = {
            "zh": "；".join(s["zh"] for s in shown) + (f" 等{len(incomplete)}个" if more else ""),
            "en": "; ".join(s["en"] for s in shown) + (f" and {more} more" if more else ""),
        }
        evid = [evidence(d) for key in incomplete for d in in_period[key]]
        found.append(finding("completeness.stages_incomplete", evid, n=len(incomplete), projects=listed))
    return 100.0 * len(complete) / len(in_period)


CRITERIA: dict[str, Criterion] = {"coverage": coverage, "timeliness": timeliness, "completeness": completeness}
