"""The ``evaluator`` command line: a thin layer over the library, one module per stage.

Each command parses options, builds the settings, calls one public function and prints.
Errors the toolkit knows about (:class:`evaluator.errors.EvaluatorError`) are printed as one
clear line and exit with status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from evaluator.errors import EvaluatorError

app = typer.Typer(
    name="evaluator",
    help="Assess government-information disclosure (政务公开) of city ecology and environment bureaus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _register() -> None:
    # Imported here so that each stage's module registers its commands on ``app``.
    from evaluator.cli import catalogue, crawl, demo, extract, init, report, review, run, score  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``evaluator`` console script and ``python -m evaluator``."""
    _register()
    try:
        app(args=argv, standalone_mode=True)
    except EvaluatorError as exc:
        # The message may quote user or crawled text: escape it so "[...]" is not read as markup.
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
