"""`evaluator run` from the command line: stages, formats and error messages."""

from __future__ import annotations

import subprocess
import sys

from tests._e2e_fixtures import DemoRun


def _evaluator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evaluator", *args], capture_output=True, text=True, timeout=300)


def test_run_from_score_rescores_and_writes_the_chosen_formats(demo_run: DemoRun) -> None:
    done = _evaluator("run", str(demo_run.path), "--from", "score", "--format", "csv,json")
    assert done.returncode == 0, done.stderr
    assert "score" in done.stdout and "report" in done.stdout and "crawl" not in done.stdout.split("排名")[0]
    best_site = demo_run.result.ranking[0][1]
    assert demo_run.assessment.site(best_site).name in done.stdout
    written = [line for line in done.stdout.splitlines() if line.endswith((".csv", ".json"))]
    assert written and all(line.endswith((".csv", ".json")) for line in written)


def test_unknown_format_is_refused(demo_run: DemoRun) -> None:
    done = _evaluator("run", str(demo_run.path), "--from", "report", "--format", "html,docx")
    assert done.returncode == 2
    assert "unknown format docx; choose from html,pdf,xlsx,csv,json" in done.stderr


def test_unknown_stage_is_refused(demo_run: DemoRun) -> None:
    done = _evaluator("run", str(demo_run.path), "--from", "scrape")
    assert done.returncode == 2
    assert "error: unknown stage 'scrape': choose one of crawl, classify, score, report" in done.stderr


def test_missing_assessment_file_is_refused(tmp_path) -> None:
    done = _evaluator("run", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert "nope.yaml" in done.stderr and "error:" in done.stderr
