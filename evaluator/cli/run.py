"""CLI commands: filled in by the stage that owns this module."""
from evaluator.cli import app  # noqa: F401
