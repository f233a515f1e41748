"""The whole assessment in one call: crawl → classify → score → report.

Each stage reads only what the previous stage stored, so :func:`run` can start at any stage
(``start="score"`` rescoring with a changed rubric skips the crawl) and a run interrupted at any
point continues where it stopped when started again (the crawl frontier lives in the store;
classification and scoring are idempotent rewrites of one round).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator.errors import CrawlError, EvaluatorError
from evaluator.settings import Assessment
from evaluator.store import Store

STAGES = ("crawl", "classify", "score", "report")
DEFAULT_FORMATS = ("html", "pdf", "xlsx", "csv", "json")


@dataclass(frozen=True)
class RunOptions:
    """What :func:`run` does. ``start``/``stop`` name stages of :data:`STAGES`."""

    start: str = "crawl"
    stop: str = "report"
    site_ids: tuple[str, ...] | None = None
    formats: tuple[str, ...] = DEFAULT_FORMATS
    lang: str = "zh"
    max_pages: int | None = None
    fresh: bool = False  # forget the crawl frontier of this round and start the crawl anew

    def stages(self) -> tuple[str, ...]:
        for name in (self.start, self.stop):
            if name not in STAGES:
                raise EvaluatorError(f"unknown stage {name!r}: choose one of {', '.join(STAGES)}")
        first, last = STAGES.index(self.start), STAGES.index(self.stop)
        if first > last:
            raise EvaluatorError(f"--from {self.start} comes after --to {self.stop}: nothing to run")
        return STAGES[first : last + 1]


@dataclass
class RunResult:
    """What a run did: stages run, crawl statistics per site, report paths."""

    stages: tuple[str, ...] = ()
    crawl_stats: dict[str, Any] = field(default_factory=dict)
    classified: int = 0
    ranking: list[tuple[int | None, str, float | None]] = field(default_factory=list)
    report_paths: list[Path] = field(default_factory=list)


StageCallback = Callable[[str, str], None]  # (stage, message)


def run(
    assessment: Assessment,
    options: RunOptions | None = None,
    *,
    store: Store | None = None,
    on_stage: StageCallback | None = None,
    crawl_progress: Callable[[Any], None] | None = None,
) -> RunResult:
    """Run the assessment's stages in order and return what each produced.

    ``on_stage(stage, message)`` is called as each stage starts and ends (the CLI prints it);
    ``crawl_progress(stats)`` is called by the crawler as each site advances (the CLI's per-site
    progress display).
    """
    options = options or RunOptions()
    stages = options.stages()
    notify = on_stage or (lambda _stage, _message: None)
    own_store = store is None
    store = store or Store.open(assessment.store_url)
    result = RunResult(stages=stages)
    try:
        if "crawl" in stages:
            result.crawl_stats = _crawl(assessment, store, options, notify, crawl_progress)
        if "classify" in stages:
            from evaluator.classify import classify_store

            notify("classify", "按目录事项分类文档 classifying documents")
            result.classified = classify_store(assessment, store)
            notify("classify", f"{result.classified} classifications")
        if "score" in stages:
            result.ranking = _score(assessment, store, notify)
        if "report" in stages:
            from reports import build_reports

            notify("report", "生成评估报告 building reports")
            result.report_paths = build_reports(
                assessment, store, formats=options.formats, site_ids=options.site_ids, lang=options.lang
            )
            notify("report", f"{len(result.report_paths)} files")
    finally:
        if own_store:
            store.close()
    return result


def _crawl(
    assessment: Assessment,
    store: Store,
    options: RunOptions,
    notify: StageCallback,
    progress: Callable[[Any], None] | None,
) -> dict[str, Any]:
    from crawlers.engine import crawl

    notify("crawl", "采集站点 crawling sites")
    stats = crawl(
        assessment,
        store,
        site_ids=options.site_ids,
        max_pages=options.max_pages,
        resume=not options.fresh,
        progress=progress,
    )
    by_site = {s.site_id: s for s in stats}
    pages = sum(n for s in stats for key, n in s.counters.items() if key.startswith("crawl/pages/"))
    notify("crawl", f"{len(stats)} sites, {pages} pages")
    stopped = [s for s in stats if s.status in ("failed", "interrupted")]
    if stopped:
        # Scoring a half-crawled site would read "not crawled yet" as "not published".
        reasons = "; ".join(f"{s.site_id}: {s.error or s.status}" for s in stopped)
        raise CrawlError(
            f"the crawl did not finish ({reasons}). Nothing was scored; what was crawled is kept. "
            "Fix the cause and run the same command again to continue the crawl"
        )
    return by_site


def _score(assessment: Assessment, store: Store, notify: StageCallback) -> list[tuple[int | None, str, float | None]]:
    from evaluator.scoring import score_assessment, write_scores_files

    notify("score", "评分 scoring")
    scored = score_assessment(assessment, store)
    write_scores_files(scored, Path(assessment.output_dir) / assessment.round)
    ranking = [(row.rank, row.site_id, row.total) for row in scored.ranking]
    notify("score", f"{len(ranking)} sites ranked")
    return ranking


def stage_names() -> Sequence[str]:
    """The stage names accepted by ``--from`` and ``--to``."""
    return STAGES
