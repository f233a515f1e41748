"""Load catalogues and rubrics by built-in id or by path.

>>> catalogue = load_catalogue("mee-2019")          # rubrics/data/mee-2019.yaml
>>> rubric = load_rubric("default", catalogue)       # rubrics/data/default-rubric.yaml
>>> custom = load_catalogue("guangdong-2020.yaml")   # or .xlsx in the layout of docs/catalogue.md

Every problem is a :class:`evaluator.errors.ConfigError` naming the file, the line, the field
and the fix.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import cast

import yaml

from evaluator.errors import ConfigError
from rubrics.model import Catalogue, Rubric
from rubrics.validate import catalogue_from_node, rubric_from_node
from rubrics.yamlsource import Node, parse_yaml

__all__ = [
    "load_catalogue",
    "load_rubric",
    "builtin_catalogues",
    "builtin_rubrics",
    "catalogue_from_text",
    "rubric_from_text",
    "DEFAULT_CATALOGUE",
    "DEFAULT_RUBRIC",
]

DEFAULT_CATALOGUE = "mee-2019"
DEFAULT_RUBRIC = "default"


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, str]]:
    text = resources.files("rubrics").joinpath("data/builtin.yaml").read_text(encoding="utf-8")
    return cast(dict[str, dict[str, str]], yaml.safe_load(text))


def builtin_catalogues() -> tuple[str, ...]:
    """Ids of the catalogues shipped with the toolkit (``mee-2019``)."""
    return tuple(_index()["catalogues"])


def builtin_rubrics() -> tuple[str, ...]:
    """Ids of the rubrics shipped with the toolkit (``default``)."""
    return tuple(_index()["rubrics"])


def _data_path(name: str) -> Path:
    return Path(str(resources.files("rubrics").joinpath("data", name)))


def _resolve(id_or_path: str | Path, kind: str, builtins: tuple[str, ...], base: Path | None) -> Path:
    key = str(id_or_path)
    if key in builtins:
        return _data_path(_index()[kind + "s"][key])
    path = Path(key).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.exists():
        raise ConfigError(
            f"no built-in {kind} '{key}' and no such file",
            field=kind,
            fix=f"Use a built-in {kind} ({', '.join(builtins)}) or the path of a {kind} file",
        )
    if path.is_dir():
        raise ConfigError(f"'{path}' is a folder, not a {kind} file", field=kind)
    return path


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", path=str(path)) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError("the file is neither UTF-8 nor GB18030 text", path=str(path), fix="Save it as UTF-8")


def catalogue_from_text(text: str, path: str | None = None) -> Catalogue:
    """Validate catalogue YAML text (``path`` only names it in messages)."""
    return catalogue_from_node(parse_yaml(text, path), path)


def load_catalogue(id_or_path: str | Path = DEFAULT_CATALOGUE, *, base: Path | None = None) -> Catalogue:
    """Load a catalogue: a built-in id, or a YAML or XLSX file (relative paths from ``base``)."""
    path = _resolve(id_or_path, "catalogue", builtin_catalogues(), base)
    return _load_catalogue_cached(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load_catalogue_cached(path: str, _mtime: int) -> Catalogue:
    if path.lower().endswith((".xlsx", ".xlsm")):
        from rubrics.xlsxsource import catalogue_node_from_xlsx

        return catalogue_from_node(catalogue_node_from_xlsx(Path(path)), path)
    return catalogue_from_text(_read_text(Path(path)), path)


def rubric_from_text(text: str, catalogue: Catalogue | None = None, path: str | None = None) -> Rubric:
    """Validate rubric YAML text against ``catalogue`` (default: the catalogue the rubric names)."""
    root = parse_yaml(text, path)
    if catalogue is None:
        catalogue = _rubric_catalogue(root, path)
    return rubric_from_node(root, catalogue, path)


def _rubric_catalogue(root: Node, path: str | None) -> Catalogue:
    name = DEFAULT_CATALOGUE
    if isinstance(root.value, dict) and "catalogue" in root.value:
        name = root.value["catalogue"].text()
    base = Path(path).parent if path else None
    try:
        return load_catalogue(name, base=base)
    except ConfigError as exc:
        if exc.path is None and isinstance(root.value, dict) and "catalogue" in root.value:
            node = root.value["catalogue"]
            raise node.error(exc.message, exc.fix) from exc
        raise


def load_rubric(
    id_or_path: str | Path = DEFAULT_RUBRIC, catalogue: Catalogue | None = None, *, base: Path | None = None
) -> Rubric:
    """Load a rubric (built-in id or YAML path) and check it against ``catalogue``.

    Without ``catalogue`` the rubric is checked against the catalogue its ``catalogue:`` key
    names (``mee-2019`` when absent).
    """
    path = _resolve(id_or_path, "rubric", builtin_rubrics(), base)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(
            f"a rubric must be a YAML file, not '{path.suffix or path.name}'",
            path=str(path),
            fix="Copy rubrics/data/default-rubric.yaml and edit it",
        )
    return rubric_from_text(_read_text(path), catalogue, str(path))
