"""Load the heuristics shipped as YAML in ``crawlers/data`` (patterns, labels, selectors)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from evaluator.errors import ConfigError

DATA_DIR = Path(__file__).with_name("data")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is present


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """Return the mapping in ``crawlers/data/<name>.yaml`` (cached; treat it as read-only)."""
    path = DATA_DIR / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read extraction data file ({exc.strerror})",
            path=str(path),
            fix="Reinstall the package; the crawlers/data folder is part of it",
        ) from exc
    try:
        value = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            path=str(path),
            line=mark.line + 1 if mark is not None else None,
            fix="Fix the YAML syntax at that line",
        ) from exc
    if not isinstance(value, dict):
        raise ConfigError("the file must hold a mapping at the top level", path=str(path))
    return value


def require(name: str, key: str) -> Any:
    """Return ``load(name)[key]``, with a clear error when the key is missing."""
    data = load(name)
    if key not in data:
        raise ConfigError(
            "missing key", path=str(DATA_DIR / f"{name}.yaml"), field=key, fix=f"Add '{key}:' to the file"
        )
    return data[key]
