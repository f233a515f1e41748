"""One typed error per failure kind, handled in one place (the CLI prints ``str(error)``).

Every message says which file, which line or field, and what to do.
"""

from __future__ import annotations


class EvaluatorError(Exception):
    """Base of all errors the toolkit reports to users."""


class ConfigError(EvaluatorError):
    """A catalogue, rubric, assessment or review file is invalid.

    ``str()`` reads ``<file>:<line>: <field>: <problem>. <fix>`` with the parts that are known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = where + (f"{self.field}: " if self.field else "") + self.message
        if self.fix:
            text += f". {self.fix}" if not text.endswith(".") else f" {self.fix}"
        return text


class StoreError(EvaluatorError):
    """The store cannot be opened or written."""


class StoreVersionError(StoreError):
    """The store was written by another schema version."""


class CrawlError(EvaluatorError):
    """A crawl cannot start or continue (not a per-page failure: those are recorded)."""


class ReportError(EvaluatorError):
    """A report cannot be built (for example no CJK font for the PDF)."""
