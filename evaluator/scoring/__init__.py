"""The scoring engine: coverage, timeliness and completeness per (site, item), aggregates,
grades and ranking, as defined by docs/scoring.md.

Public API::

    from evaluator.scoring import score_assessment, write_scores_files
    result = score_assessment(assessment, store)
    write_scores_files(result, "output")
"""

from __future__ import annotations

from evaluator.scoring.engine import (
    CriterionScore,
    ItemScore,
    ScoreResult,
    SiteScore,
    score_assessment,
    write_scores_files,
)
from evaluator.scoring.stages import project_key

__all__ = [
    "CriterionScore",
    "ItemScore",
    "ScoreResult",
    "SiteScore",
    "score_assessment",
    "write_scores_files",
    "project_key",
]
