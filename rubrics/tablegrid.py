"""Published tables as plain grids: HTML ``<table>`` and XLSX sheets with merged cells expanded.

A grid is a list of rows, each a list of cell texts of equal length; a merged cell (``rowspan`` /
``colspan`` in HTML, a merged range in XLSX) repeats its text in every position it covers, so
the importer can read a merged 一级事项 cell on every row it spans. Sources are untrusted: sizes
are bounded and texts are truncated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from evaluator.errors import ConfigError

__all__ = ["Grid", "read_source", "grids_from_bytes", "MAX_SOURCE_BYTES"]

MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 4000
_XLSX_MAGIC = b"PK\x03\x04"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.IGNORECASE)


@dataclass
class Grid:
    """One table: ``rows`` of cell texts; ``name`` says where it came from (sheet or table n)."""

    name: str
    rows: list[list[str]]
    title: str = ""


def read_source(source: str | Path | bytes, *, timeout: float = 30.0) -> tuple[bytes, str, str | None]:
    """The bytes of ``source`` (a path, an http(s) URL or bytes), a label for messages, and the
    HTTP charset when fetched."""
    if isinstance(source, bytes):
        return _bounded(source, "the given bytes"), "<bytes>", None
    text = str(source)
    if text.startswith(("http://", "https://")):
        import requests

        try:
            with requests.get(text, timeout=timeout, stream=True, headers={"User-Agent": "eco-disclosure-evaluator catalogue importer"}) as response:
                response.raise_for_status()
                chunks, size = [], 0
                for chunk in response.iter_content(65536):
                    size += len(chunk)
                    if size > MAX_SOURCE_BYTES:
                        raise ConfigError(
                            f"the page is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB", path=text,
                            fix="Save the table and import the file",
                        )
                    chunks.append(chunk)
                charset = response.encoding if "charset" in response.headers.get("Content-Type", "").lower() else None
                return b"".join(chunks), text, charset
        except requests.RequestException as exc:
            raise ConfigError(f"cannot fetch the catalogue: {exc}", path=text, fix="Check the URL, or save the page and import the file") from exc
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError("no such file", path=text, fix="Give the path of an HTML or XLSX file, or an http(s) URL")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise ConfigError(f"the file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB", path=text)
    return path.read_bytes(), text, None


def _bounded(data: bytes, label: str) -> bytes:
    if len(data) > MAX_SOURCE_BYTES:
        raise ConfigError(f"{label} are larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    return data


def clean(text: Any) -> str:
    """Cell text: NFKC-normalised (full-width to ASCII), whitespace runs collapsed, bounded."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = re.sub(r"[ \t\u3000\xa0]+", " ", value)
    value = re.sub(r"\s*\n\s*", "\n", value).strip()
    return value[:MAX_CELL_CHARS]


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Decode HTML bytes: BOM, HTTP charset, ``<meta charset>``, then charset detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    candidates = []
    if http_charset:
        candidates.append(http_charset)
    match = _META_CHARSET.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for name in candidates:
        name = "gb18030" if name.lower() in ("gb2312", "gbk", "gb18030") else name
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ConfigError("cannot tell the text encoding of the page", fix="Save the page as UTF-8 and import the file")
    return str(best)


def grids_from_bytes(data: bytes, http_charset: str | None = None) -> list[Grid]:
    """All tables of an XLSX workbook or an HTML page, as grids."""
    if data.startswith(_XLSX_MAGIC):
        return _xlsx_grids(data)
    return _html_grids(decode_html(data, http_charset))


def _xlsx_grids(data: bytes) -> list[Grid]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(BytesIO(data), data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise ConfigError(f"cannot open the workbook: {exc}", fix="Save it again as .xlsx") from exc
    grids = []
    for ws in wb.worksheets:
        max_row = min(ws.max_row, MAX_ROWS)
        max_col = min(ws.max_column, MAX_COLUMNS)
        rows = [[clean(ws.cell(r, c).value) for c in range(1, max_col + 1)] for r in range(1, max_row + 1)]
        for merged in ws.merged_cells.ranges:
            value = clean(ws.cell(merged.min_row, merged.min_col).value)
            for r in range(merged.min_row, min(merged.max_row, max_row) + 1):
                for c in range(merged.min_col, min(merged.max_col, max_col) + 1):
                    rows[r - 1][c - 1] = value
        grids.append(Grid(name=f"sheet {ws.title}", rows=rows, title=ws.title))
    _refuse_unstored_formulas(data, grids)
    return grids


def _refuse_unstored_formulas(data: bytes, grids: list[Grid]) -> None:
    """A formula whose value was never stored (a workbook written by a program, not saved by
    Excel or WPS) reads as an empty cell: refuse it by name rather than import a wrong table."""
    from openpyxl import load_workbook

    formulas = load_workbook(BytesIO(data), data_only=False)
    for ws, grid in zip(formulas.worksheets, grids):
        found = [
            (cell.coordinate, str(cell.value))
            for row in ws.iter_rows(max_row=len(grid.rows), max_col=len(grid.rows[0]) if grid.rows else 0)
            for cell in row
            if cell.data_type == "f" and not grid.rows[cell.row - 1][cell.column - 1]
        ]
        if found:
            (first, formula), others = found[0], [c for c, _ in found[1:]]
            also = f"; so do {', '.join(others[:5])}{' …' if len(others) > 5 else ''}" if others else ""
            raise ConfigError(
                f"sheet {ws.title} cell {first} holds a formula without a stored value ({clean(formula)[:200]!r}){also}",
                fix="Open the workbook in Excel or WPS and save it (so the values are stored), or type the values, "
                "and import again",
            )


def _cell_text(cell: Any) -> str:
    # Checkbox inputs become ■ (checked) / □ (unchecked), line breaks become newlines.
    for box in cell.xpath(".//input[@type='checkbox']"):
        box.tail = ("■" if box.get("checked") is not None else "□") + (box.tail or "")
    for br in cell.xpath(".//br"):
        br.tail = "\n" + (br.tail or "")
    for block in cell.xpath(".//p|.//div|.//li"):
        block.tail = "\n" + (block.tail or "")
    return clean(cell.text_content())


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), MAX_ROWS))
    except ValueError:
        return 1


def _html_grids(text: str) -> list[Grid]:
    import lxml.html

    try:
        root = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ConfigError(f"cannot parse the page as HTML: {exc}") from exc
    titles = root.xpath("//title/text()")
    page_title = clean(titles[0]) if titles else ""
    grids = []
    for number, table in enumerate(root.xpath("//table"), start=1):
        if table.xpath(".//table"):
            continue  # a layout table around the real one
        rows: list[list[str | None]] = []
        pending: dict[tuple[int, int], str] = {}
        for r, tr in enumerate(table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")[:MAX_ROWS]):
            row: list[str | None] = []
            c = 0
            for cell in tr.xpath("./td|./th"):
                while (r, c) in pending:
                    row.append(pending.pop((r, c)))
                    c += 1
                value = _cell_text(cell)
                rowspan, colspan = _span(cell.get("rowspan")), min(_span(cell.get("colspan")), MAX_COLUMNS)
                for dc in range(colspan):
                    row.append(value)
                    for dr in range(1, rowspan):
                        pending[(r + dr, c + dc)] = value
                c += colspan
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            rows.append(row[:MAX_COLUMNS])
        width = max((len(row) for row in rows), default=0)
        grid = [[cell or "" for cell in row] + [""] * (width - len(row)) for row in rows]
        caption = table.xpath("./caption")
        title = clean(caption[0].text_content()) if caption else page_title
        if grid:
            grids.append(Grid(name=f"table {number}", rows=grid, title=title))
    if not grids:
        raise ConfigError("the page has no table", fix="Import the page that shows the catalogue table, or its XLSX")
    return grids
