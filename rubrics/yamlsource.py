"""YAML read with line numbers, and typed accessors that raise precise :class:`ConfigError`.

``parse_yaml(text, path)`` composes the document (``yaml.compose``) and wraps every node in a
:class:`Node` that remembers its file, line and dotted field path (``items[3].time_limit``). The
validators of catalogues, rubrics and assessment files read values only through the accessors
below, so every error names the file, the line, the field and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from evaluator.errors import ConfigError

__all__ = ["Node", "parse_yaml", "closest"]

_TYPE_NAMES = {
    str: "a text",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping (key: value lines)",
    date: "a date (YYYY-MM-DD)",
}


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known word closest to ``word`` (difflib), or ``None`` when nothing is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass
class Node:
    """A YAML value with where it came from.

    ``value`` is a ``dict[str, Node]`` for mappings, a ``list[Node]`` for sequences, else the
    plain scalar (str, int, float, bool, date, None). ``line`` is 1-based.
    """

    value: Any
    file: str | None
    line: int | None
    field: str
    column: int | None = None

    # ---------------------------------------------------------------- errors
    def error(self, message: str, fix: str | None = None, *, field: str | None = None) -> ConfigError:
        """A :class:`ConfigError` located at this node."""
        return ConfigError(message, path=self.file, line=self.line, field=field or self.field or None, fix=fix)

    def child_field(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.field}[{key}]"
        return f"{self.field}.{key}" if self.field else key

    # ---------------------------------------------------------------- mappings
    def mapping(
        self,
        known: Iterable[str],
        required: Iterable[str] = (),
        what: str | None = None,
    ) -> dict[str, "Node"]:
        """This node as a mapping; unknown keys and missing required keys are errors."""
        if not isinstance(self.value, dict):
            raise self.error(f"expected {_TYPE_NAMES[dict]}, got {self.describe()}")
        known = list(known)
        for key, child in self.value.items():
            if key not in known:
                suggestion = closest(key, known)
                fix = f"Did you mean '{suggestion}'?" if suggestion else "Known keys: " + ", ".join(known) + "."
                raise ConfigError(
                    f"unknown key '{key}'", path=child.file, line=child.line, field=child.field, fix=fix
                )
        for key in required:
            if key not in self.value:
                where = what or (self.field or "the file")
                raise self.error(
                    f"missing required key '{key}' in {where}",
                    f"Add '{key}: …' (see docs/catalogue.md).",
                    field=self.child_field(key),
                )
        return dict(self.value)

    def items(self) -> Iterator[tuple[str, "Node"]]:
        """Key/node pairs of a mapping node (any keys)."""
        if not isinstance(self.value, dict):
            raise self.error(f"expected {_TYPE_NAMES[dict]}, got {self.describe()}")
        return iter(self.value.items())

    def seq(self) -> list["Node"]:
        """This node as a list of nodes."""
        if not isinstance(self.value, list):
            raise self.error(f"expected {_TYPE_NAMES[list]}, got {self.describe()}")
        return list(self.value)

    # ---------------------------------------------------------------- scalars
    def describe(self) -> str:
        value = self.value
        if isinstance(value, dict):
            return "a mapping"
        if isinstance(value, list):
            return "a list"
        if value is None:
            return "nothing (empty value)"
        if isinstance(value, bool):
            return f"{str(value).lower()} (true/false)"
        if isinstance(value, (int, float)):
            return f"the number {value}"
        if isinstance(value, date):
            return f"the date {value.isoformat()}"
        text = str(value)
        return f"'{text[:60]}'" + ("…" if len(text) > 60 else "")

    def text(self, *, allow_empty: bool = False) -> str:
        """A text value; numbers written without quotes (``version: 2019``) are accepted."""
        value = self.value
        if isinstance(value, bool) or isinstance(value, (dict, list)) or value is None:
            raise self.error(f"expected {_TYPE_NAMES[str]}, got {self.describe()}")
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        text = str(value).strip()
        if not text and not allow_empty:
            raise self.error("must not be empty")
        return text

    def opt_text(self) -> str:
        """A text value where an empty value means ``""``."""
        return "" if self.value is None else self.text(allow_empty=True)

    def integer(self, *, minimum: int | None = None) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected {_TYPE_NAMES[int]}, got {self.describe()}")
        if minimum is not None and value < minimum:
            raise self.error(f"must be at least {minimum}, got {value}")
        return value

    def number(self, *, minimum: float | None = None, maximum: float | None = None) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"expected {_TYPE_NAMES[float]}, got {self.describe()}")
        number = float(value)
        if minimum is not None and number < minimum:
            raise self.error(f"must be at least {minimum:g}, got {number:g}")
        if maximum is not None and number > maximum:
            raise self.error(f"must be at most {maximum:g}, got {number:g}")
        return number

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"expected {_TYPE_NAMES[bool]}, got {self.describe()}")
        return self.value

    def as_date(self) -> date:
        """A date written ``YYYY-MM-DD`` (YAML reads it as a date; quoted text is parsed too)."""
        value = self.value
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.error(f"expected {_TYPE_NAMES[date]}, got {self.describe()}", "Write the date as YYYY-MM-DD.")

    def text_list(self, *, allow_scalar: bool = False) -> tuple[str, ...]:
        """A list of non-empty texts; an empty value is an empty list."""
        if self.value is None:
            return ()
        if allow_scalar and not isinstance(self.value, (list, dict)):
            return (self.text(),)
        return tuple(child.text() for child in self.seq())


class _Constructor(SafeConstructor):
    """Builds scalars only; mappings and sequences are walked by :func:`_wrap`."""


#: At most this many values in one document once aliases are expanded (an alias bomb — nine
#: aliases of nine aliases of … — would otherwise expand to billions of values).
MAX_VALUES = 100_000


class _Walk:
    """The state of one :func:`_wrap` walk: values produced, nodes on the current path, and the
    top-level key being read (where an alias problem is reported)."""

    def __init__(self, file: str | None, constructor: _Constructor) -> None:
        self.file = file
        self.constructor = constructor
        self.values = 0
        self.path: set[int] = set()
        self.top: tuple[str | None, int | None] = (None, None)

    def error(self, message: str, fix: str) -> ConfigError:
        field, line = self.top
        return ConfigError(message, path=self.file, line=line, field=field, fix=fix)

    def count(self) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.error(f"the aliases (*name) expand to more than {MAX_VALUES} values",
                             "Write the values out instead of repeating aliases")


def _wrap(node: yaml.Node, file: str | None, field: str, walk: _Walk) -> Node:
    walk.count()
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in walk.path:
            raise walk.error("an alias refers to the list or mapping that contains it", "Remove the recursive alias")
        walk.path.add(id(node))
        try:
            return _wrap_collection(node, file, field, walk)
        finally:
            walk.path.discard(id(node))
    line = node.start_mark.line + 1
    column = node.start_mark.column + 1
    try:
        value = walk.constructor.construct_object(node)
    except ConstructorError as exc:
        raise ConfigError(f"cannot read this value: {exc.problem}", path=file, line=line, field=field or None) from exc
    except ValueError:
        # e.g. an impossible date such as 2024-02-30 read by YAML's timestamp rule
        value = str(node.value)
    return Node(value, file, line, field, column)


def _wrap_collection(node: yaml.Node, file: str | None, field: str, walk: _Walk) -> Node:
    line = node.start_mark.line + 1
    column = node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Node] = {}
        seen_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(
                    "a key must be plain text", path=file, line=key_node.start_mark.line + 1, field=field or None
                )
            key = str(walk.constructor.construct_object(key_node))
            key_line = key_node.start_mark.line + 1
            child_field = f"{field}.{key}" if field else key
            if key in result:
                raise ConfigError(
                    f"duplicate key '{key}' (first written on line {seen_lines[key]})",
                    path=file,
                    line=key_line,
                    field=child_field,
                    fix="Keep one of the two.",
                )
            if not field:
                walk.top = (key, key_line)
            child = _wrap(value_node, file, child_field, walk)
            child.line = key_line  # report a key's problems on the key's own line
            result[key] = child
            seen_lines[key] = key_line
        return Node(result, file, line, field, column)
    children = [_wrap(child, file, f"{field}[{i}]", walk) for i, child in enumerate(node.value)]
    return Node(children, file, line, field, column)


def parse_yaml(text: str, file: str | None = None) -> Node:
    """Parse one YAML document into located :class:`Node` objects.

    Malformed YAML raises :class:`ConfigError` with the line and column of the problem.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        raise ConfigError(
            f"malformed YAML: {problem}",
            path=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            fix="Check the indentation and quoting on this line (regular expressions and texts with ': ' need quotes)",
        ) from exc
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        raise ConfigError(
            f"malformed YAML: unacceptable character #x{code:04x}: {exc.reason}",
            path=file, line=line, column=column,
            fix="Remove the control character (the file may not be a text file)",
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"malformed YAML: {exc}", path=file) from exc
    if root is None:
        raise ConfigError("the file is empty", path=file, fix="See docs/catalogue.md for the format")
    return _wrap(root, file, "", _Walk(file, _Constructor()))
