"""`evaluator review export|import`: assessors adjust scores in a workbook, with reasons."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from evaluator.cli import app

console = Console()
review_app = typer.Typer(help="Assessor review: export scores to XLSX, import adjustments as overrides.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("export")
def export_command(
    assessment_file: Path = typer.Argument(..., help="The assessment YAML."),
    output: Path = typer.Option(Path("review.xlsx"), "--output", "-o", help="The workbook to write."),
    store_url: str = typer.Option(None, "--store", help="Store URL (default: the assessment's store)."),
) -> None:
    """Write every (site, item, criterion) score with findings and evidence links to a workbook.

    Fill 调整值 (a number 0–100) and 调整理由 (mandatory) on the rows to adjust, then import it:

        evaluator review export assessment.yaml -o review.xlsx
    """
    from evaluator.config import load_assessment
    from evaluator.review import export_review
    from evaluator.store import Store

    assessment = load_assessment(assessment_file, store_url=store_url)
    store = Store.open(assessment.store_url, create=False)
    try:
        rows = export_review(assessment, store, output)
    finally:
        store.close()
    console.print(f"{rows} score rows written to {output}", highlight=False)


@review_app.command("import")
def import_command(
    assessment_file: Path = typer.Argument(..., help="The assessment YAML the workbook was exported for."),
    workbook: Path = typer.Argument(..., help="The edited review workbook."),
    author: str = typer.Option(..., "--author", help="Name of the assessor making the adjustments."),
    store_url: str = typer.Option(None, "--store", help="Store URL (default: the assessment's store)."),
    rescore: bool = typer.Option(True, "--rescore/--no-rescore", help="Rescore the round after importing."),
) -> None:
    """Store the workbook's adjustments as overrides (all rows or none), then rescore.

        evaluator review import assessment.yaml review.xlsx --author 张三
    """
    from evaluator.cli.score import print_ranking
    from evaluator.config import load_assessment
    from evaluator.review import import_review
    from evaluator.scoring import score_assessment, write_scores_files
    from evaluator.store import Store

    assessment = load_assessment(assessment_file, store_url=store_url)
    store = Store.open(assessment.store_url, create=False)
    try:
        result = import_review(assessment, store, workbook, author)
        console.print(f"{result.overrides} adjustment(s) imported from {workbook} by {author}", highlight=False,
                      markup=False)
        if rescore and result.overrides:
            scored = score_assessment(assessment, store)
            paths = write_scores_files(scored, Path(assessment.output_dir) / assessment.round)
            print_ranking(scored)
            for path in paths:
                console.print(str(path), highlight=False)
    finally:
        store.close()
