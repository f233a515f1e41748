"""The analyst notebook runs top to bottom against a finished demo run and reproduces the ranking."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests._e2e_fixtures import DemoRun

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore_assessment.ipynb"


def _outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_executes_and_reproduces_the_ranking(demo_run: DemoRun, monkeypatch) -> None:
    monkeypatch.setenv("EVALUATOR_ASSESSMENT", str(demo_run.path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    text = _outputs_text(notebook)
    assert "ranking reproduced: True" in text
    best_site = demo_run.result.ranking[0][1]
    assert demo_run.assessment.site(best_site).name in text
    assert "largest gaps:" in text
    assert not any(o.get("output_type") == "error" for c in notebook.cells for o in c.get("outputs", []))
    assert os.environ["EVALUATOR_ASSESSMENT"] == str(demo_run.path)
