"""Import a published province or city catalogue (HTML table or XLSX) into our catalogue format.

>>> result = import_catalogue("guangdong.html")          # or a URL, or bytes
>>> result.catalogue.items[0].id                          # mee-2019 ids where the name matches
'eia-approval'
>>> result.unmapped[:1]                                    # what could not be mapped, and why
[Unmapped(row=7, column='公开时限', value='视情况', reason='…')]

Column labels, tick marks, channel names and defaults are data (``rubrics/data/
import_headers.yaml`` and ``vocabulary.yaml``). Items whose name matches an item of the match
catalogue (``mee-2019``, by name or alias) keep its id, detection hints and completeness mode;
the others get ``item-NN`` ids and hints made from their name. The YAML text always loads with
:func:`rubrics.load_catalogue`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, cast

import yaml

from evaluator.errors import ConfigError
from rubrics.loader import catalogue_from_text, load_catalogue
from rubrics.model import Catalogue, Item
from rubrics.tablegrid import Grid, grids_from_bytes, read_source
from rubrics.timelimit import parse_time_limit
from rubrics.validate import vocabulary

__all__ = ["import_catalogue", "write_import", "ImportResult", "Unmapped"]

_HEADER_ROWS_SCANNED = 15
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\(?[0-9]+[)、.．]|（[一二三四五六七八九十0-9]+）)\s*")


class Unmapped(NamedTuple):
    """A cell the importer could not map: 1-based ``row`` of the table, column label, text, why."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    """The imported catalogue as YAML text and as a loaded :class:`Catalogue`, plus the report."""

    catalogue_yaml_text: str
    catalogue: Catalogue
    unmapped: list[Unmapped]
    matched_ids: tuple[str, ...] = ()  # items that kept an id of the match catalogue
    source: str = ""
    table: str = ""  # which table or sheet was read

    def report_text(self) -> str:
        """The unmapped report as plain text (one line per cell)."""
        lines = [
            f"Import report for {self.source} ({self.table})",
            f"{len(self.catalogue.items)} items in {len(self.catalogue.aspects)} aspects; "
            f"{len(self.matched_ids)} matched to known ids; {len(self.unmapped)} cells not mapped.",
            "",
        ]
        lines += [f"row {u.row}, {u.column}: {u.value!r}: {u.reason}" for u in self.unmapped] or ["Every cell was mapped."]
        return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _headers() -> dict[str, Any]:
    text = resources.files("rubrics").joinpath("data/import_headers.yaml").read_text(encoding="utf-8")
    return cast(dict[str, Any], yaml.safe_load(text))


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text)


def _key(name: str) -> str:
    """A name for matching: no numbering, brackets' content, punctuation or spaces."""
    name = _NUMBERING.sub("", _norm(name))
    name = re.sub(r"[(（][^)）]*[)）]", "", name)
    return re.sub(r"[、，,。.;；:：“”\"'《》/\-—·]", "", name)


# ─────────────────────────────────────────── header detection


def _label_role(cell: str) -> str | None:
    """The role of a header cell: a field name, ``tick:<field>:<value>``, or None."""
    text = _norm(cell)
    if not text:
        return None
    best: tuple[int, str] | None = None
    for key, labels in _headers()["ticks"].items():
        for label in labels:
            if text == _norm(label):
                return "tick:" + key
    for role, labels in _headers()["fields"].items():
        for label in labels:
            normal = _norm(label)
            if text == normal or text.startswith(normal):
                if best is None or len(normal) > best[0]:
                    best = (len(normal), role)
    return best[1] if best else None


@dataclass
class _Layout:
    header_rows: int  # index of the first data row
    roles: dict[int, str]  # column -> role
    labels: dict[int, str]  # column -> header text (for the report)
    score: int


def _layout(grid: Grid) -> _Layout | None:
    best: _Layout | None = None
    for top in range(min(_HEADER_ROWS_SCANNED, len(grid.rows))):
        row = grid.rows[top]
        roles = {c: _label_role(cell) for c, cell in enumerate(row)}
        if "item" not in roles.values() and "subitem" not in roles.values():
            continue
        labels = dict(enumerate(row))
        first_data = top + 1
        if top + 1 < len(grid.rows):
            below = grid.rows[top + 1]
            below_roles = {c: _label_role(cell) for c, cell in enumerate(below)}
            is_sub_header = any(below_roles.values()) and all(
                below_roles[c] is not None or not below[c] or below[c] == row[c] for c in range(len(below))
            )
            if is_sub_header:
                for c, role in below_roles.items():
                    if role is not None and below[c] != row[c]:
                        roles[c] = role
                        labels[c] = f"{row[c]}/{below[c]}" if row[c] and row[c] != below[c] else below[c]
                first_data = top + 2
        found = {c: r for c, r in roles.items() if r is not None}
        # A role claimed by several columns (a colspan group label) keeps its first column only.
        seen: set[str] = set()
        for c in sorted(found):
            if not found[c].startswith("tick:") and found[c] in seen:
                found[c] = "group"
            seen.add(found[c])
        score = sum(1 for r in found.values() if r != "group")
        if best is None or score > best.score:
            best = _Layout(first_data, {c: r for c, r in found.items() if r != "group"}, labels, score)
    return best if best and best.score >= 3 else None


def _resolve_levels(roles: dict[int, str]) -> dict[int, str]:
    """一级目录 is the aspect only when the table has no 一级事项 column."""
    if "aspect" not in roles.values():
        return {c: ("aspect" if r == "directory" else r) for c, r in roles.items()}
    return roles


# ─────────────────────────────────────────── cell readers


@dataclass
class _Row:
    number: int  # 1-based row of the table
    cells: dict[str, str] = field(default_factory=dict)  # role -> text
    ticks: dict[str, list[str]] = field(default_factory=dict)  # field -> ticked values
    labels: dict[str, str] = field(default_factory=dict)  # role -> column label
    extra: list[tuple[str, str]] = field(default_factory=list)  # (label, text) of unknown columns


def _ticked(text: str) -> bool:
    vocab = vocabulary()
    value = _norm(text)
    return bool(value) and (value in vocab["ticked"] or any(value.startswith(t) for t in vocab["ticked"]))


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[\n、，,;；/]+", text) if p.strip()]


def _channels(row: _Row, unmapped: list[Unmapped]) -> tuple[list[str], list[str]]:
    text = row.cells.get("channels", "")
    label = row.labels.get("channels", "公开渠道和载体")
    if not text:
        return list(_headers()["defaults"]["channels_required"]), []
    variants: list[tuple[str, str]] = []
    for channel, others in vocabulary()["channels"].items():
        for name in [channel, *others]:
            variants.append((_norm(name), channel))
    variants.sort(key=lambda pair: -len(pair[0]))
    required: list[str] = []
    optional: list[str] = []
    checkbox = "■" in text or "□" in text or "☑" in text or "☐" in text
    for mark, body in re.findall(r"([■□☑☐]?)\s*([^■□☑☐]+)", text) if checkbox else [("", text)]:
        target = optional if mark in ("□", "☐") else required
        parts = []
        for channel in vocabulary()["channels"]:  # names with "/" must not be split
            if "/" in channel and channel in _norm(body):
                parts.append(channel)
                body = _norm(body).replace(channel, "、")
        for part in parts + _split_list(body):
            normal = _norm(part)
            channel = next((c for v, c in variants if normal == v or v in normal), None)
            if channel is None:
                unmapped.append(Unmapped(row.number, label, part, "unknown channel; not recorded"))
            elif channel not in required and channel not in optional:
                target.append(channel)
    if not required:
        required = [c for c in _headers()["defaults"]["channels_required"] if c not in optional]
        unmapped.append(
            Unmapped(row.number, label, text, f"no required (■) channel; recorded {'、'.join(required)} as required")
        )
    return required, optional


def _choice(row: _Row, name: str, unmapped: list[Unmapped]) -> str:
    """公开对象 / 公开方式 from a text cell or √ sub-columns."""
    mapping: dict[str, list[str]] = vocabulary()[name]
    default = _headers()["defaults"][name]
    ticked = row.ticks.get(name, [])
    if ticked:
        if len(ticked) > 1:
            unmapped.append(
                Unmapped(row.number, row.labels.get(name, name), "、".join(ticked), f"several ticked; kept {ticked[0]}")
            )
        return ticked[0]
    text = _norm(row.cells.get(name, ""))
    if not text:
        return default
    found = [
        value for value, labels in mapping.items() if any(_norm(label) in text for label in labels)
    ]
    if not found:
        unmapped.append(Unmapped(row.number, row.labels.get(name, name), text, f"not understood; recorded {default}"))
        return default
    if len(found) > 1:
        unmapped.append(
            Unmapped(row.number, row.labels.get(name, name), text, f"both {' and '.join(found)}; kept {found[0]}")
        )
    return found[0]


def _legal_basis(text: str) -> list[str]:
    titles = re.findall(r"《([^》]{1,80})》", text)
    found = [t.strip() for t in titles] if titles else _split_list(text)
    numbers = re.findall(r"[\u4e00-\u9fff]{1,8}[〔\[(（]\d{4}[〕\])）]\d+号", _norm(text))
    return list(dict.fromkeys(found + [n for n in numbers if n not in found]))


def _elements(texts: Sequence[str]) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for text in texts:
        for part in re.split(r"[\n;；。]+", text):
            name = _NUMBERING.sub("", part).strip(" ：:，,、")
            if not name or name in seen:
                continue
            seen.add(name)
            head = re.split(r"[：:]", name, maxsplit=1)
            phrases = _split_list(head[-1]) or [name]
            cues = [p for p in phrases if 2 <= len(p) <= 20][:6] or [name[:20]]
            elements.append({"id": f"e{len(elements) + 1}", "name": name[:120], "cues": cues})
    return elements


# ─────────────────────────────────────────── rows to items


def _rows(grid: Grid, layout: _Layout) -> list[_Row]:
    rows: list[_Row] = []
    header_texts = [_norm(t) for t in grid.rows[max(0, layout.header_rows - 1)]]
    for index in range(layout.header_rows, len(grid.rows)):
        cells = grid.rows[index]
        if not any(cells) or [_norm(t) for t in cells] == header_texts:
            continue
        row = _Row(number=index + 1)
        distinct = {t for t in cells if t}
        if len(distinct) == 1 and len(cells) > 2:
            row.cells["section"] = distinct.pop()  # a full-width heading row such as 一、行政许可
            rows.append(row)
            continue
        for c, text in enumerate(cells):
            role = layout.roles.get(c)
            if role is None:
                if text and c not in layout.roles:
                    label = layout.labels.get(c, f"column {c + 1}") or f"column {c + 1}"
                    row.extra.append((label, text))
                continue
            if role.startswith("tick:"):
                _, name, value = role.split(":", 2)
                if _ticked(text):
                    row.ticks.setdefault(name, []).append(value)
                continue
            if role in row.cells and row.cells[role] != text:
                row.cells[role] += "\n" + text
            else:
                row.cells[role] = text
            row.labels[role] = layout.labels.get(c, role)
        rows.append(row)
    return rows


@dataclass
class _Group:
    aspect: str
    name: str
    rows: list[_Row]


def _groups(rows: list[_Row], unmapped: list[Unmapped]) -> list[_Group]:
    groups: list[_Group] = []
    section = ""
    for row in rows:
        if "section" in row.cells:
            section = _NUMBERING.sub("", row.cells["section"]).strip()
            continue
        aspect = _NUMBERING.sub("", row.cells.get("aspect", "")).strip() or section
        name = _NUMBERING.sub("", row.cells.get("item", "")).strip()
        if not name and "subitem" in row.cells:
            name = _NUMBERING.sub("", row.cells["subitem"]).strip()
        if not name:
            if groups:
                groups[-1].rows.append(row)  # a continuation row of the previous item
            else:
                unmapped.append(Unmapped(row.number, "二级事项", "", "row without an item name; skipped"))
            continue
        if not aspect:
            aspect = "未分类"
            unmapped.append(Unmapped(row.number, "一级事项", "", "no aspect for this item; put under 未分类"))
        if groups and groups[-1].name == name and groups[-1].aspect == aspect:
            groups[-1].rows.append(row)
        else:
            groups.append(_Group(aspect, name, [row]))
    return groups


def _match(name: str, catalogue: Catalogue, taken: set[str]) -> Item | None:
    key = _key(name)
    if len(key) < 2:
        return None
    exact, partial = None, None
    for item in catalogue.items:
        if item.id in taken:
            continue
        names = [_key(n) for n in (item.name, *item.aliases)]
        if key in names:
            exact = exact or item
        elif any(len(n) >= 4 and (n in key or key in n) for n in names):
            partial = partial or item
    return exact or partial


def _time_limit(group: _Group, unmapped: list[Unmapped]) -> Any:
    texts = [r.cells["time_limit"] for r in group.rows if r.cells.get("time_limit")]
    first = group.rows[0]
    if not texts:
        unmapped.append(Unmapped(first.number, "公开时限", "", "no time limit; recorded 按实际更新 (as_occurs)"))
        return {"kind": "as_occurs", "text": "未规定公开时限"}
    wording = texts[0].replace("\n", "")
    try:
        parse_time_limit(wording)
    except ConfigError:
        row = next(r for r in group.rows if r.cells.get("time_limit"))
        unmapped.append(
            Unmapped(row.number, row.labels.get("time_limit", "公开时限"), wording,
                     "time limit not understood; recorded as as_occurs (no deadline checked): edit it in the YAML")
        )
        return {"kind": "as_occurs", "text": wording}
    for other in texts[1:]:
        if _norm(other) != _norm(texts[0]):
            row = next(r for r in group.rows if r.cells.get("time_limit") == other)
            unmapped.append(Unmapped(row.number, "公开时限", other, f"the item has several time limits; kept '{wording}'"))
            break
    return wording


def _aspect_id(name: str, known: Catalogue, used: dict[str, str]) -> str:
    if name in used:
        return used[name]
    key = _key(name)
    for aspect in known.aspects:
        if _key(aspect.name) == key and aspect.id not in used.values():
            used[name] = aspect.id
            return aspect.id
    used[name] = f"aspect-{len(used) + 1}"
    return used[name]


def _item_dict(group: _Group, number: int, known: Catalogue, taken: set[str], aspect_id: str,
               unmapped: list[Unmapped]) -> tuple[dict[str, Any], bool]:
    first = group.rows[0]
    match = _match(group.name, known, taken)
    contents = [r.cells.get("content", "") for r in group.rows]
    subitems = [r.cells["subitem"] for r in group.rows if r.cells.get("subitem") and r.cells.get("item")]
    imported_elements = _elements(subitems + [c for c in contents if c]) or [
        {"id": "e1", "name": group.name, "cues": [group.name[:20]]}
    ]
    required, optional = _channels(first, unmapped)
    levels = list(dict.fromkeys(v for r in group.rows for v in r.ticks.get("level", [])))
    if not levels and first.cells.get("levels"):
        allowed = vocabulary()["levels"]
        levels = [v for v in allowed if v in _norm(first.cells["levels"])]
    notes = "；".join(dict.fromkeys(r.cells["notes"] for r in group.rows if r.cells.get("notes")))
    subject = first.cells.get("subject", "").replace("\n", "") or _headers()["defaults"]["subject"]
    if not first.cells.get("subject"):
        unmapped.append(Unmapped(first.number, "公开主体", "", f"no 公开主体; recorded {subject}"))
    item: dict[str, Any] = {
        "id": match.id if match else f"item-{number:02d}",
        "aspect": aspect_id,
        "name": group.name,
        "aliases": [],
        "elements": imported_elements,
        "completeness": "across_documents",
        "time_limit": _time_limit(group, unmapped),
        "provenance": "attested",
        "mode": _choice(first, "mode", unmapped),
        "audience": _choice(first, "audience", unmapped),
        "legal_basis": _legal_basis(first.cells.get("legal_basis", "")),
        "subject": subject,
        "channels_required": required,
        "channels_optional": optional,
        "event_driven": False,
        "double_publicity": False,
        "hints": {
            "column_aliases": [group.name],
            "title_include": [re.escape(group.name)],
            "title_exclude": [],
            "body_include": [],
        },
        "levels": levels,
        "responsible": first.cells.get("responsible", "").replace("\n", ""),
        "notes": notes,
    }
    if match:
        taken.add(match.id)
        item["aliases"] = [n for n in (match.name, *match.aliases) if n != group.name]
        item["completeness"] = match.completeness
        item["event_driven"] = match.event_driven
        item["double_publicity"] = match.double_publicity
        item["hints"] = {
            "column_aliases": list(dict.fromkeys([group.name, *match.hints.column_aliases])),
            "title_include": list(match.hints.title_include),
            "title_exclude": list(match.hints.title_exclude),
            "body_include": list(match.hints.body_include),
        }
        if match.completeness == "stages":
            # Stage order and stage cues drive the stage check: keep the known stages and
            # record the published wording of the content in the notes.
            item["elements"] = [{"id": e.id, "name": e.name, "cues": list(e.cues)} for e in match.elements]
            published = "；".join(c.replace("\n", "；") for c in contents if c)
            item["notes"] = "；".join(p for p in (notes, f"公开内容（原文）：{published}" if published else "") if p)
    for row in group.rows:
        for label, text in row.extra:
            unmapped.append(Unmapped(row.number, label, text, "column not recognised; not imported"))
    return item, match is not None


# ─────────────────────────────────────────── the import


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if slug and slug[0].isalnum() else ""


def import_catalogue(
    source: str | Path | bytes,
    *,
    catalogue_id: str | None = None,
    title: str | None = None,
    timeout: float = 30.0,
) -> ImportResult:
    """Read a published catalogue table and convert it; see the module docstring."""
    data, label, charset = read_source(source, timeout=timeout)
    try:
        grids = grids_from_bytes(data, charset)
    except ConfigError as exc:
        if exc.path is None:
            raise ConfigError(exc.message, path=label, fix=exc.fix) from exc
        raise
    found = [(grid, layout) for grid in grids if (layout := _layout(grid)) is not None]
    if not found:
        raise ConfigError(
            "no catalogue table found: no table has the header cells of a catalogue (一级事项, 二级事项, 公开内容, 公开时限 …)",
            path=label,
            fix="Add the missing header labels to rubrics/data/import_headers.yaml, or check that the page holds the table",
        )
    grid, layout = max(found, key=lambda pair: (pair[1].score, len(pair[0].rows)))
    layout.roles = _resolve_levels(layout.roles)
    unmapped: list[Unmapped] = []
    known = load_catalogue(_headers()["match_catalogue"])
    groups = _groups(_rows(grid, layout), unmapped)
    if not groups:
        raise ConfigError(f"the catalogue table ({grid.name}) has no item rows", path=label)
    taken: set[str] = set()
    aspect_ids: dict[str, str] = {}
    items, matched = [], []
    for number, group in enumerate(groups, start=1):
        item, is_match = _item_dict(group, number, known, taken, _aspect_id(group.aspect, known, aspect_ids), unmapped)
        items.append(item)
        if is_match:
            matched.append(item["id"])
    default_id = _slug(Path(label).stem) if label not in ("<bytes>",) and not label.startswith("http") else ""
    document = {
        "id": catalogue_id or default_id or "imported",
        "title": title or grid.title or "导入的公开目录",
        "source": label if label != "<bytes>" else "导入",
        "version": "imported",
        "provenance_note": f"由 {label} 的{grid.name}导入（evaluator catalogue import）；事项表述取自原表。",
        "aspects": [{"id": aspect_id, "name": name} for name, aspect_id in aspect_ids.items()],
        "items": items,
    }
    text = _yaml_text(document, label, grid, unmapped)
    catalogue = catalogue_from_text(text, f"<import of {label}>")
    return ImportResult(text, catalogue, unmapped, tuple(matched), label, grid.name)


def _yaml_text(document: dict[str, Any], label: str, grid: Grid, unmapped: list[Unmapped]) -> str:
    header = [
        f"# Catalogue imported from {label} ({grid.name}) by `evaluator catalogue import`.",
        "# Check the items, then assess with `catalogue: <this file>` in the assessment file.",
        f"# {len(unmapped)} cells could not be mapped:" if unmapped else "# Every cell was mapped.",
    ]
    for u in unmapped[:200]:
        value = u.value.replace("\n", " ")[:80]
        header.append(f"#   row {u.row}, {u.column}: {value!r}: {u.reason}")
    if len(unmapped) > 200:
        header.append(f"#   … and {len(unmapped) - 200} more (see the .report.txt file)")
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n\n" + body


def write_import(result: ImportResult, output: Path) -> Path:
    """Write the catalogue YAML to ``output`` and the report beside it; return the report path."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(result.catalogue_yaml_text, encoding="utf-8")
    report = output.with_name(output.name + ".report.txt")
    report.write_text(result.report_text(), encoding="utf-8")
    return report
