"""``evaluator init``: write a commented assessment file to start from."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from evaluator.cli import app

console = Console()


@app.command("init")
def init(
    directory: Path = typer.Argument(Path("."), help="Folder to write assessment.yaml into (created if missing)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing assessment.yaml."),
) -> None:
    """Write a commented assessment.yaml (Chinese and English comments, two example sites).

    Edit the sites and the period, then run the assessment.

    Example:

        evaluator init my-assessment
        evaluator run my-assessment/assessment.yaml
    """
    from evaluator.config import load_assessment, write_assessment_template

    path = write_assessment_template(directory, overwrite=force)
    assessment = load_assessment(path)  # the template must always be valid
    console.print(f"wrote {path} ({len(assessment.sites)} example sites)", highlight=False)
