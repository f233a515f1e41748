"""Catalogues as XLSX workbooks in the toolkit's own layout (one row per item).

Sheets (the first row of each is the header, names as in the YAML format):

- ``catalogue``: two columns, ``key`` and ``value`` (id, title, source, version, provenance_note)
- ``aspects``: ``id``, ``name``
- ``items``: one row per item with the item keys of the YAML format; the detection hints are
  the columns ``column_aliases``, ``title_include``, ``title_exclude``, ``body_include``
- ``elements``: ``item``, ``id``, ``name``, ``cues``

List cells hold one value per line (``;`` or ``；`` also separate values, except in the regular
expression columns, which are split by lines only). Boolean cells take true/false, 是/否 or √.
The workbook becomes the same located tree as a YAML file (line = row number), so it is
validated by exactly the same rules.

Published catalogues in other layouts are imported with :mod:`rubrics.importer` instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evaluator.errors import ConfigError
from rubrics.model import Catalogue
from rubrics.validate import HINT_KEYS, ITEM_KEYS
from rubrics.yamlsource import Node

__all__ = ["catalogue_node_from_xlsx", "catalogue_to_xlsx", "LIST_COLUMNS", "REGEX_COLUMNS"]

SHEETS = ("catalogue", "aspects", "items", "elements")
ITEM_COLUMNS = tuple(k for k in ITEM_KEYS if k not in ("elements", "hints")) + HINT_KEYS
LIST_COLUMNS = ("aliases", "legal_basis", "channels_required", "channels_optional", "levels") + HINT_KEYS + ("cues",)
REGEX_COLUMNS = ("title_include", "title_exclude")
BOOL_COLUMNS = ("event_driven", "double_publicity")
_TRUE = ("true", "yes", "是", "√", "1")
_FALSE = ("false", "no", "否", "", "0", "×")


def _split(value: str, regex: bool) -> list[str]:
    parts = value.splitlines() if regex else re.split(r"[\n;；]", value)
    return [p.strip() for p in parts if p.strip()]


def _cell(value: Any, column: str, path: Path, sheet: str, row: int) -> Any:
    if value is None:
        return [] if column in LIST_COLUMNS else None
    if column in LIST_COLUMNS:
        return _split(str(value), column in REGEX_COLUMNS)
    if column in BOOL_COLUMNS:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(
            f"'{value}' is not true or false", path=str(path), line=row, field=f"{sheet}.{column}", fix="Write 是 or 否"
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if not isinstance(value, str) else value.strip()


def _located(value: Any, path: Path, row: int, field: str) -> Node:
    if isinstance(value, list):
        return Node([_located(v, path, row, f"{field}[{i}]") for i, v in enumerate(value)], str(path), row, field)
    if isinstance(value, dict):
        return Node({k: _located(v, path, row, f"{field}.{k}") for k, v in value.items()}, str(path), row, field)
    return Node(value, str(path), row, field)


def _rows(ws: Any, sheet: str, path: Path, known: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ConfigError(f"sheet '{sheet}' is empty", path=str(path), fix="Add a header row")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    for col, name in enumerate(header, start=1):
        if name and name not in known:
            from rubrics.yamlsource import closest

            suggestion = closest(name, known)
            raise ConfigError(
                f"unknown column '{name}' in sheet '{sheet}'",
                path=str(path),
                line=1,
                field=f"{sheet}.{name}",
                fix=f"Did you mean '{suggestion}'?" if suggestion else "Known columns: " + ", ".join(known),
            )
    result = []
    for number, values in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        record = {
            header[i]: _cell(v, header[i], path, sheet, number)
            for i, v in enumerate(values)
            if i < len(header) and header[i]
        }
        result.append((number, record))
    return result


def catalogue_node_from_xlsx(path: Path) -> Node:
    """Read a workbook in the toolkit's layout into a located tree for :mod:`rubrics.validate`."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zipfile, KeyError, InvalidFileException)
        raise ConfigError(f"cannot open the workbook: {exc}", path=str(path), fix="Save it as .xlsx") from exc
    missing = [s for s in SHEETS if s not in wb.sheetnames]
    if missing:
        raise ConfigError(
            f"the workbook has no sheet '{missing[0]}'",
            path=str(path),
            fix="A catalogue workbook has the sheets catalogue, aspects, items and elements; "
            "published catalogues in other layouts are read by 'evaluator catalogue import'",
        )
    top: dict[str, Node] = {}
    for number, record in _rows(wb["catalogue"], "catalogue", path, ("key", "value")):
        key = str(record.get("key") or "").strip()
        if key:
            top[key] = _located(record.get("value"), path, number, key)
    aspects = [_located(record, path, n, f"aspects[{i}]") for i, (n, record) in enumerate(_rows(wb["aspects"], "aspects", path, ("id", "name")))]
    elements: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, record in _rows(wb["elements"], "elements", path, ("item", "id", "name", "cues")):
        elements.setdefault(str(record.pop("item", "") or ""), []).append((number, record))
    items = []
    for i, (number, record) in enumerate(_rows(wb["items"], "items", path, ITEM_COLUMNS)):
        field = f"items[{i}]"
        hints = {k: record.pop(k) for k in HINT_KEYS if k in record}
        record = {k: v for k, v in record.items() if v is not None}
        node = _located(record, path, number, field)
        node.value["hints"] = _located(hints, path, number, f"{field}.hints")
        own = elements.pop(str(record.get("id", "")), [])
        node.value["elements"] = Node(
            [_located(r, path, n, f"{field}.elements[{j}]") for j, (n, r) in enumerate(own)], str(path), number, f"{field}.elements"
        )
        items.append(node)
    for item_id, rows in elements.items():
        raise ConfigError(
            f"element row for unknown item '{item_id}'",
            path=str(path),
            line=rows[0][0],
            field="elements.item",
            fix="Use an id from the items sheet",
        )
    top["aspects"] = Node(aspects, str(path), 1, "aspects")
    top["items"] = Node(items, str(path), 1, "items")
    wb.close()
    return Node(top, str(path), 1, "")


def catalogue_to_xlsx(catalogue: Catalogue, path: Path) -> Path:
    """Write ``catalogue`` as a workbook in the toolkit's layout (the inverse of the reader)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "catalogue"
    ws.append(["key", "value"])
    for key in ("id", "title", "source", "version", "provenance_note"):
        ws.append([key, getattr(catalogue, key)])
    ws = wb.create_sheet("aspects")
    ws.append(["id", "name"])
    for aspect in catalogue.aspects:
        ws.append([aspect.id, aspect.name])
    ws = wb.create_sheet("items")
    ws.append(list(ITEM_COLUMNS))
    for item in catalogue.items:
        row: list[Any] = []
        for column in ITEM_COLUMNS:
            value = getattr(item.hints, column) if column in HINT_KEYS else getattr(item, column)
            if column == "time_limit":
                value = item.time_limit.text
            if isinstance(value, tuple):
                value = "\n".join(value)
            row.append(value)
        ws.append(row)
    ws = wb.create_sheet("elements")
    ws.append(["item", "id", "name", "cues"])
    for item in catalogue.items:
        for element in item.elements:
            ws.append([item.id, element.id, element.name, "\n".join(element.cues)])
    wb.save(path)
    return path
