"""A full demo-province run shared by the end-to-end, notebook and CLI-run tests.

The province has four sites (one per CMS family: TRS, Hanweb, gkmlpt, generic) so every
adapter, encoding path and quality profile of the first four cities takes part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluator.config import load_assessment
from evaluator.pipeline import RunOptions, RunResult, run
from evaluator.settings import Assessment

E2E_SEED = 0
E2E_SITES = 4


@dataclass(frozen=True)
class DemoRun:
    path: Path
    assessment: Assessment
    result: RunResult
    seed: int


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """Serve a 4-site demo province, run every stage into a temporary folder, stop the servers."""
    from evaluator.demo.server import DemoProvince

    folder = tmp_path_factory.mktemp("demo-run")
    with DemoProvince(seed=E2E_SEED, sites=E2E_SITES) as province:
        path = province.write_assessment(
            folder / "assessment.yaml", store_url=f"sqlite:///{folder / 'store.db'}", output_dir=str(folder / "output")
        )
        assessment = load_assessment(path)
        result = run(assessment, RunOptions())
    yield DemoRun(path=path, assessment=assessment, result=result, seed=E2E_SEED)
