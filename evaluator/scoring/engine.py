"""Score one assessment round: status and criteria per (site, item), aggregates, ranking.

::

    result = score_assessment(assessment, store)       # writes tables scores + site_scores
    write_scores_files(result, assessment.output_dir)  # scores.csv, scores.json

Rescoring replaces the round's scores in one transaction; identical inputs give identical
rows and byte-identical files (timestamps live only in the store's ``computed_at``).
"""

from __future__ import annotations

import csv
import gc
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from rubrics.model import Catalogue, Rubric

from evaluator.scoring import aggregate
from evaluator.scoring.criteria import CRITERIA, ItemContext
from evaluator.scoring.findings import finding, fmt, label
from evaluator.scoring.inputs import Override, deduplicate, load_overrides, load_round
from evaluator.classify import compile_catalogue
from evaluator.scoring.status import decide_status, site_item_columns
from evaluator.store import schema, utcnow
from evaluator.workdays import CalendarCoverageWarning, WorkdayCalendar

__all__ = ["CriterionScore", "ItemScore", "SiteScore", "ScoreResult", "score_assessment", "write_scores_files",
           "load_catalogue_for", "load_rubric_for", "calendar_for"]

CRITERION_NAMES = ("coverage", "timeliness", "completeness")


@dataclass
class CriterionScore:
    """One criterion (or the item score): the value used, and the computed one if overridden."""

    value: float | None
    findings: list[dict[str, Any]] = field(default_factory=list)
    original: float | None = None  # the computed value, when an override replaced it
    overridden: bool = False
    reason: str | None = None
    author: str | None = None


@dataclass
class ItemScore:
    site_id: str
    item_id: str
    aspect_id: str
    status: str  # scored | not_applicable | not_assessable | incomplete_observation | nothing_to_publish
    criteria: dict[str, CriterionScore]  # coverage, timeliness, completeness, item


@dataclass
class SiteScore:
    site_id: str
    name: str
    region: str
    aspects: dict[str, float | None]
    total: float | None
    grade: str | None
    rank: int | None


@dataclass
class ScoreResult:
    """Everything one scoring run computed, in deterministic order (sites by ranking)."""

    assessment: str
    round: str
    catalogue: Catalogue
    rubric: Rubric
    items: list[ItemScore]
    sites: list[SiteScore]
    warnings: list[str] = field(default_factory=list)

    @property
    def ranking(self) -> list[SiteScore]:
        """Sites in ranking order (ties by site id, unranked last)."""
        return list(self.sites)

    def item(self, site_id: str, item_id: str) -> ItemScore:
        for score in self.items:
            if score.site_id == site_id and score.item_id == item_id:
                return score
        raise KeyError((site_id, item_id))

    def site(self, site_id: str) -> SiteScore:
        for score in self.sites:
            if score.site_id == site_id:
                return score
        raise KeyError(site_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written to scores.json."""
        items_by_site: dict[str, list[ItemScore]] = {}
        for it in self.items:
            items_by_site.setdefault(it.site_id, []).append(it)
        return {
            "assessment": self.assessment,
            "round": self.round,
            "catalogue": self.catalogue.id,
            "rubric": self.rubric.id,
            "warnings": self.warnings,
            "sites": [
                {
                    "site_id": s.site_id, "name": s.name, "region": s.region, "total": s.total,
                    "grade": s.grade, "rank": s.rank, "aspects": s.aspects,
                    "items": [
                        {
                            "item_id": it.item_id, "aspect_id": it.aspect_id, "status": it.status,
                            "criteria": {
                                name: {
                                    "value": c.value, "original_value": c.original if c.overridden else None,
                                    "override_reason": c.reason, "override_author": c.author,
                                    "findings": c.findings,
                                }
                                for name, c in it.criteria.items()
                            },
                        }
                        for it in items_by_site.get(s.site_id, [])
                    ],
                }
                for s in self.sites
            ],
        }


def _base(assessment: Any) -> Path | None:
    return Path(assessment.path).parent if assessment.path is not None else None


def load_catalogue_for(assessment: Any) -> Catalogue:
    """The catalogue named by the assessment (built-in id, or a path relative to its file)."""
    from rubrics import load_catalogue

    return load_catalogue(assessment.catalogue, base=_base(assessment))


def load_rubric_for(assessment: Any, catalogue: Catalogue) -> Rubric:
    """The rubric named by the assessment, checked against ``catalogue``."""
    from rubrics import load_rubric

    return load_rubric(assessment.rubric, catalogue, base=_base(assessment))


def calendar_for(assessment: Any) -> WorkdayCalendar:
    """The working-day calendar: chinese-calendar plus the assessment's holiday file."""
    path = assessment.holidays_file
    if path is not None and not Path(path).is_absolute() and assessment.path is not None:
        path = Path(assessment.path).parent / path
    return WorkdayCalendar.from_file(path)


def score_assessment(
    assessment: Any,
    store: Any,
    catalogue: Catalogue | None = None,
    rubric: Rubric | None = None,
    *,
    calendar: WorkdayCalendar | None = None,
) -> ScoreResult:
    """Score every (site, item) of the assessment's round and store the scores.

    Reads documents, classifications, columns, fetch failures and overrides of the round;
    writes ``scores`` and ``site_scores`` (replacing the round's previous rows).
    """
    catalogue = catalogue or load_catalogue_for(assessment)
    rubric = rubric or load_rubric_for(assessment, catalogue)
    aggregate.check_weights(catalogue, rubric)
    calendar = calendar or calendar_for(assessment)
    with _gc_paused():
        inputs = load_round(store, assessment.round, [s.id for s in assessment.sites])
        overrides = load_overrides(store, assessment.round)
        result = _score_all(assessment, catalogue, rubric, calendar, inputs, overrides)
        _store_result(store, result)
    return result


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: scoring allocates many small long-lived objects
    (documents, findings, evidence) and makes no reference cycles, so the collector would
    only rescan them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _score_all(
    assessment: Any, catalogue: Catalogue, rubric: Rubric, calendar: WorkdayCalendar,
    inputs: dict[str, Any], overrides: dict[tuple[str, str, str], Override],
) -> ScoreResult:
    items: list[ItemScore] = []
    item_values: dict[str, dict[str, float | None]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarCoverageWarning)
        compiled = compile_catalogue(catalogue)
        for site in assessment.sites:
            item_values[site.id] = {}
            columns = site_item_columns(site, inputs[site.id], compiled)
            for item in catalogue.items:
                score = _score_pair(site, item, inputs[site.id], columns.get(item.id, []), assessment, rubric,
                                    calendar, overrides)
                items.append(score)
                item_values[site.id][item.id] = score.criteria["item"].value if score.status == "scored" else None
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, CalendarCoverageWarning)})
    for note in notes:
        warnings.warn(CalendarCoverageWarning(note), stacklevel=2)

    totals: dict[str, float | None] = {}
    aspects: dict[str, dict[str, float | None]] = {}
    for site in assessment.sites:
        aspects[site.id] = aggregate.aspect_scores(item_values[site.id], catalogue, rubric)
        totals[site.id] = aggregate.total_score(aspects[site.id], rubric)
    by_id = {s.id: s for s in assessment.sites}
    sites = [
        SiteScore(sid, by_id[sid].name, by_id[sid].region, aspects[sid], totals[sid], rubric.grade(totals[sid]), rank)
        for sid, rank in aggregate.rank_sites(totals)
    ]
    return ScoreResult(assessment.name, assessment.round, catalogue, rubric, items, sites, notes)


def _score_pair(
    site: Any,
    item: Any,
    inputs: Any,
    columns: list[Any],
    assessment: Any,
    rubric: Rubric,
    calendar: WorkdayCalendar,
    overrides: dict[tuple[str, str, str], Override],
) -> ItemScore:
    all_docs, duplicates = deduplicate(sorted(inputs.docs_by_item.get(item.id, []), key=lambda d: d.url))
    start, end = assessment.period_start, assessment.period_end
    docs = [d for d in all_docs if d.publication_date is None or start <= d.publication_date <= end]
    duplicates = [d for d in duplicates if d.publication_date is None or start <= d.publication_date <= end]
    status, reason = decide_status(item, site, inputs, columns, bool(docs), rubric)
    if status != "scored":
        crit = {name: CriterionScore(None, list(reason)) for name in (*CRITERION_NAMES, "item")}
        return ItemScore(site.id, item.id, item.aspect, status, crit)
    ctx = ItemContext(site.name, start, end, assessment.reference_date, rubric, calendar, columns, all_docs,
                      duplicates)
    crit: dict[str, CriterionScore] = {}
    for name in CRITERION_NAMES:
        res = CRITERIA[name](item, docs, ctx)
        score = CriterionScore(res.value, res.findings)
        ov = overrides.get((site.id, item.id, name))
        if ov is not None:
            score = CriterionScore(ov.value, res.findings, res.value, True, ov.reason, ov.author)
        crit[name] = score
    weights = rubric.weights_for(item.id)
    value = aggregate.item_score({n: crit[n].value for n in CRITERION_NAMES}, weights)
    original = aggregate.item_score({n: (crit[n].original if crit[n].overridden else crit[n].value)
                                     for n in CRITERION_NAMES}, weights)
    w = weights.as_dict()
    parts = {
        lang: ("，" if lang == "zh" else ", ").join(
            f"{label(n, lang)} {fmt(crit[n].value)}×{fmt(w[n])}" for n in CRITERION_NAMES if crit[n].value is not None)
        for lang in ("zh", "en")
    }
    item_findings = [finding("item.score", score=fmt(value), parts=parts)]
    for n in CRITERION_NAMES:
        if crit[n].overridden:
            item_findings.append(finding(
                "item.override", criterion={lang: label(n, lang) for lang in ("zh", "en")}, author=crit[n].author,
                original=fmt(crit[n].original), value=fmt(crit[n].value), reason=crit[n].reason))
    any_override = any(crit[n].overridden for n in CRITERION_NAMES)
    crit["item"] = CriterionScore(value, item_findings, original if any_override else None, any_override)
    return ItemScore(site.id, item.id, item.aspect, status, crit)


def _store_result(store: Any, result: ScoreResult) -> None:
    now = utcnow()
    rows = []
    for it in result.items:
        for name, c in it.criteria.items():
            rows.append({
                "round": result.round, "site_id": it.site_id, "item_id": it.item_id, "criterion": name,
                "value": c.value, "status": it.status, "findings": c.findings, "computed_at": now,
                "original_value": c.original if c.overridden else None,
                "override_reason": c.reason, "override_author": c.author,
            })
    site_rows = []
    for s in result.sites:
        for aspect_id, value in s.aspects.items():
            site_rows.append({"round": result.round, "site_id": s.site_id, "scope": aspect_id, "value": value,
                              "rank": None, "grade": None, "computed_at": now})
        site_rows.append({"round": result.round, "site_id": s.site_id, "scope": "total", "value": s.total,
                          "rank": s.rank, "grade": s.grade, "computed_at": now})
    with store.engine.begin() as conn:
        conn.execute(delete(schema.scores).where(schema.scores.c.round == result.round))
        conn.execute(delete(schema.site_scores).where(schema.site_scores.c.round == result.round))
        if rows:
            conn.execute(schema.scores.insert(), rows)
        if site_rows:
            conn.execute(schema.site_scores.insert(), site_rows)


CSV_COLUMNS = (
    "round", "site_id", "site_name", "region", "site_total", "site_grade", "site_rank", "aspect_id", "item_id",
    "item_name", "criterion", "status", "value", "original_value", "override_reason", "override_author",
    "findings", "evidence_urls",
)


def write_scores_files(result: ScoreResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``scores.csv`` (one row per site × item × criterion) and ``scores.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = {item.id: item.name for item in result.catalogue.items}
    sites = {s.site_id: s for s in result.sites}
    csv_path, json_path = out / "scores.csv", out / "scores.json"
    # written beside the target and renamed: a run killed midway leaves the previous file whole
    csv_tmp, json_tmp = out / "scores.csv.part", out / "scores.json.part"
    with csv_tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        order = {s.site_id: n for n, s in enumerate(result.sites)}
        for it in sorted(result.items, key=lambda i: order[i.site_id]):
            s = sites[it.site_id]
            for name, c in it.criteria.items():
                urls = sorted({e["url"] for f in c.findings for e in f.get("evidence", []) if e.get("url")})
                writer.writerow([
                    result.round, s.site_id, _cell(s.name), _cell(s.region), _num(s.total), s.grade or "", s.rank or "",
                    it.aspect_id, it.item_id, names[it.item_id], name, it.status, _num(c.value),
                    _num(c.original) if c.overridden else "", _cell(c.reason or ""), _cell(c.author or ""),
                    _cell(" ".join(f["text"] for f in c.findings)), _cell(" ".join(urls)),
                ])
    json_tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    csv_tmp.replace(csv_path)
    json_tmp.replace(json_path)
    return csv_path, json_path


def _cell(text: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula (findings quote crawled
    titles; reasons come from review workbooks)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))
