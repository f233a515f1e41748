"""Fault matrix, input: every bad input is refused with a message naming the file, the line (and
column for malformed YAML) or the cell, the problem and the fix — never a traceback, never a hang.

Assessment files (malformed YAML, YAML alias bombs, wrong types, unknown catalogue or item ids,
a period ending before it starts, non-http site URLs), XLSX catalogues (garbage, merged cells,
formulas) and review workbooks (garbage, merged cells, formulas, a sheet exported for another
assessment).
"""

from __future__ import annotations

import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from evaluator.config import load_assessment
from evaluator.errors import ConfigError
from evaluator.review import META_SHEET, SHEET, export_review, import_review
from rubrics.importer import import_catalogue
from rubrics.loader import load_catalogue
from tests._fault_fixtures import FaultOutcome
from tests._scoring_fixtures import StoreBuilder, make_assessment, make_catalogue, make_site, open_store, run_scoring

BASE = """\
name: 测试评估
period:
  start: 2025-01-01
  end: 2025-12-31
limits:
  max_pages: 100
sites:
  - id: alpha
    name: 甲市生态环境局
    region: 甲市
    base_url: https://sthjj.alpha.gov.cn/
    not_applicable: [radiation-permit]
"""

pytestmark = pytest.mark.timeout(30)  # an alias bomb must fail fast, not hang

_FIX_YAML = "Check the indentation and quoting on this line (regular expressions and texts with ': ' need quotes)"
_FIX_URL = "Write the full address, for example https://sthjj.example.gov.cn/"


def _alias_bomb(levels: int = 9) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


#: (case id, file text, expected message after "<path>")
ASSESSMENT_CASES: list[tuple[str, str, str]] = [
    ("tab", BASE.replace("  max_pages: 100", "\tmax_pages: 100"),
     f":6:1: malformed YAML: found character '\\t' that cannot start any token. {_FIX_YAML}"),
    ("unclosed-list", BASE.replace("[radiation-permit]", "[radiation-permit"),
     f":13:1: malformed YAML: expected ',' or ']', but got '<stream end>'. {_FIX_YAML}"),
    ("bad-indent", BASE.replace("    name: 甲市", "   name: 甲市"),
     f":9:4: malformed YAML: expected <block end>, but found '<block mapping start>'. {_FIX_YAML}"),
    ("unquoted-colon", BASE.replace("name: 测试评估", "name: a: b"),
     f":1:8: malformed YAML: mapping values are not allowed here. {_FIX_YAML}"),
    ("nul-byte", "name: x\x00\n" + BASE,
     ":1:8: malformed YAML: unacceptable character #x0000: special characters are not allowed. "
     "Remove the control character (the file may not be a text file)"),
    ("duplicate-key", BASE + "name: again\n", ":13: name: duplicate key 'name' (first written on line 1). Keep one of the two."),
    ("list-root", "- a\n- b\n", ":1: expected a mapping (key: value lines), got a list"),
    ("empty", "", ": the file is empty. See docs/catalogue.md for the format"),
    ("int-as-text", BASE.replace("max_pages: 100", "max_pages: many"), ":6: limits.max_pages: expected an integer, got 'many'"),
    ("negative", BASE.replace("max_pages: 100", "max_pages: -5"), ":6: limits.max_pages: must be at least 0, got -5"),
    ("float-for-int", BASE.replace("max_pages: 100", "max_pages: 1.5"), ":6: limits.max_pages: expected an integer, got the number 1.5"),
    ("bool-as-text", BASE.replace("max_pages: 100", "respect_robots: sometimes"),
     ":6: limits.respect_robots: expected true or false, got 'sometimes'"),
    ("list-for-int", BASE + "concurrency: [1]\n", ":13: concurrency: expected an integer, got a list"),
    ("mapping-for-list", BASE.split("sites:")[0] + "sites: {id: a}\n", ":7: sites: expected a list, got a mapping"),
    ("impossible-date", BASE.replace("start: 2025-01-01", "start: 2025-13-01"),
     ":3: period.start: expected a date (YYYY-MM-DD), got '2025-13-01'. Write the date as YYYY-MM-DD."),
    ("end-before-start", BASE.replace("end: 2025-12-31", "end: 2024-12-31"),
     ":4: period.end: the period ends (2024-12-31) before it starts (2025-01-01). Swap start and end"),
    ("unknown-catalogue", BASE + "catalogue: mee-2091\n",
     ":13: catalogue: no built-in catalogue 'mee-2091' and no such file. "
     "Use a built-in catalogue (mee-2019) or the path of a catalogue file"),
    ("unknown-rubric", BASE + "rubric: strict\n",
     ":13: rubric: no built-in rubric 'strict' and no such file. Use a built-in rubric (default) or the path of a rubric file"),
    ("unknown-item", BASE.replace("[radiation-permit]", "[radiation-permits]"),
     ":12: sites[0].not_applicable[0]: unknown item id 'radiation-permits' (not in catalogue mee-2019). "
     "Did you mean 'radiation-permit'?"),
    ("unknown-item-in-column-map", BASE + "    column_map: {行政处罚: penalty-decisions}\n",
     ":13: sites[0].column_map.行政处罚: unknown item id 'penalty-decisions' (not in catalogue mee-2019). "
     "Did you mean 'penalty-decision'?"),
    ("ftp-site", BASE.replace("https://sthjj.alpha.gov.cn/", "ftp://sthjj.alpha.gov.cn/"),
     f":11: sites[0].base_url: 'ftp://sthjj.alpha.gov.cn/' is not an http(s) URL. {_FIX_URL}"),
    ("file-site", BASE.replace("https://sthjj.alpha.gov.cn/", "file:///etc/passwd"),
     f":11: sites[0].base_url: 'file:///etc/passwd' is not an http(s) URL. {_FIX_URL}"),
    ("javascript-site", BASE.replace("https://sthjj.alpha.gov.cn/", "javascript:alert(1)"),
     f":11: sites[0].base_url: 'javascript:alert(1)' is not an http(s) URL. {_FIX_URL}"),
    ("no-scheme", BASE.replace("https://sthjj.alpha.gov.cn/", "sthjj.alpha.gov.cn"),
     f":11: sites[0].base_url: 'sthjj.alpha.gov.cn' is not an http(s) URL. {_FIX_URL}"),
    ("ftp-entry-point", BASE + "    entry_points: [ftp://a.gov.cn/x]\n",
     f":13: sites[0].entry_points[0]: 'ftp://a.gov.cn/x' is not an http(s) URL. {_FIX_URL}"),
    ("unknown-key", BASE + "sitez: []\n", ":13: sitez: unknown key 'sitez'. Did you mean 'sites'?"),
    ("python-tag", BASE.replace("name: 测试评估", "name: !!python/object/apply:os.system ['echo pwned']"),
     ":1: name: expected a text, got a list"),
    ("alias-bomb", _alias_bomb() + BASE,
     ":6: l5: the aliases (*name) expand to more than 100000 values. Write the values out instead of repeating aliases"),
    ("recursive-alias", "loop: &loop [*loop]\n" + BASE,
     ":1: loop: an alias refers to the list or mapping that contains it. Remove the recursive alias"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in ASSESSMENT_CASES], ids=[c[0] for c in ASSESSMENT_CASES])
def test_bad_assessment_file_is_refused_with_its_location(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "assessment.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_assessment(path)
    assert str(err.value) == f"{path}{expected}"


def test_malformed_yaml_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "assessment.yaml"
    path.write_text(BASE.replace("name: 测试评估", "name: a: b"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_assessment(path)
    assert (err.value.line, err.value.column) == (1, 8)


def test_non_utf8_assessment_file(tmp_path: Path) -> None:
    path = tmp_path / "assessment.yaml"
    path.write_bytes(BASE.encode("gbk"))
    with pytest.raises(ConfigError) as err:
        load_assessment(path)
    assert str(err.value) == f"{path}: the file is not UTF-8 text. Save it as UTF-8"


# -- XLSX catalogues ----------------------------------------------------------------------------------
def _catalogue_book(path: Path, rows: list[list[Any]], merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws.append(["序号", "公开事项", "公开内容", "公开时限", "公开主体"])
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def test_garbage_xlsx_catalogue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "目录.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    with pytest.raises(ConfigError) as err:
        import_catalogue(str(path))
    assert str(err.value) == f"{path}: cannot open the workbook: File is not a zip file. Save it again as .xlsx"
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    assert str(err.value) == f"{path}: cannot open the workbook: File is not a zip file. Save it as .xlsx"


def test_xlsx_catalogue_merged_cells_fill_every_row(tmp_path: Path) -> None:
    path = _catalogue_book(tmp_path / "目录.xlsx", [
        [1, "环评审批", "受理公示、拟审批公示、审批决定", "20个工作日", "市生态环境局"],
        [2, "行政处罚", "行政处罚决定书", "7个工作日", None],
    ], merges=("E2:E3",))
    result = import_catalogue(str(path))
    assert [item.subject for item in result.catalogue.items] == ["市生态环境局", "市生态环境局"]


def test_xlsx_catalogue_formula_without_value_is_named_not_dropped(tmp_path: Path) -> None:
    path = _catalogue_book(tmp_path / "目录.xlsx", [
        [1, "环评审批", "受理公示", "20个工作日", "市生态环境局"],
        [2, '=HYPERLINK("http://evil.example/","行政处罚")', "行政处罚决定书", "=1/0", "市生态环境局"],
    ])
    with pytest.raises(ConfigError) as err:
        import_catalogue(str(path))
    assert str(err.value) == (
        f"{path}: sheet 目录 cell B3 holds a formula without a stored value "
        "('=HYPERLINK(\"http://evil.example/\",\"行政处罚\")'); so do D3. "
        "Open the workbook in Excel or WPS and save it (so the values are stored), or type the values, and import again"
    )


# -- review workbooks -----------------------------------------------------------------------------------
CAT = make_catalogue()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    tmp = tmp_path_factory.mktemp("review")
    store = open_store(tmp)
    builder = StoreBuilder(store)
    for sid in "ab":
        builder.observed(sid)
    builder.doc("a", "决定书", items=("penalty-decision",), publish="2025-05-06",
                body="当事人 违法事实 依据 罚款 履行方式 行政复议")
    assessment = make_assessment((make_site("a"), make_site("b")))
    run_scoring(store, assessment)
    path = tmp / "review.xlsx"
    export_review(assessment, store, path, CAT)
    return store, assessment, path


def _edited(source: Path, target: Path, edit: Callable[[Any], None]) -> Path:
    shutil.copy(source, target)
    wb = load_workbook(target)
    edit(wb)
    wb.save(target)
    return target


def _set(row: int, value: Any, reason: Any) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        wb[SHEET].cell(row, 11).value = value
        wb[SHEET].cell(row, 12).value = reason

    return edit


def _merge(cells: str, value: Any = 60) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        ws = wb[SHEET]
        first = ws[cells.split(":")[0]]
        for row in range(first.row, int(cells.split(":")[1][1:]) + 1):
            ws.cell(row, 11).value = value
            ws.cell(row, 12).value = "复核"
        ws.merge_cells(cells)

    return edit


def _meta(key: str, value: str) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        for r in wb[META_SHEET].iter_rows():
            if r[0].value == key:
                r[1].value = value

    return edit


_NOTHING = "nothing was imported (correct them and import again):\n"
REVIEW_CASES: list[tuple[str, Callable[[Any], None], str]] = [
    ("formula-value", _set(2, "=50+10", "复核"),
     f"1 invalid row(s) in sheet '评分复核'; {_NOTHING}  row 2: 调整值 holds a formula ('=50+10'); type the value itself"),
    ("formula-reason", _set(2, 60, '=HYPERLINK("http://x","y")'),
     f"1 invalid row(s) in sheet '评分复核'; {_NOTHING}  row 2: 调整理由 holds a formula "
     "('=HYPERLINK(\"http://x\",\"y\")'); type the value itself"),
    ("merged-values", _merge("K2:K4"),
     "cells K2:K4 of sheet '评分复核' are merged. Unmerge them and fill in every row"),
    ("text-value", _set(2, "六十", "复核"),
     f"1 invalid row(s) in sheet '评分复核'; {_NOTHING}  row 2: adjusted value '六十' is not a number; enter a number from 0 to 100"),
    ("out-of-range", _set(2, 1e308, "复核"),
     f"1 invalid row(s) in sheet '评分复核'; {_NOTHING}  row 2: adjusted value 1e+308 is out of range; enter a number from 0 to 100"),
    ("another-assessment", _meta("assessment", "另一个评估"),
     "the workbook was exported for assessment '另一个评估' round '2025', not for '测试省评估' round '2025'. "
     "Export a review workbook for this assessment and round and enter the adjustments there"),
    ("another-round", _meta("round", "2024"),
     "the workbook was exported for assessment '测试省评估' round '2024', not for '测试省评估' round '2025'. "
     "Export a review workbook for this assessment and round and enter the adjustments there"),
    ("no-meta-sheet", lambda wb: wb.remove(wb[META_SHEET]),
     "the workbook has no '评分复核' and 'meta' sheets. "
     "Import the workbook written by `evaluator review export`, with its hidden meta sheet"),
]


@pytest.mark.parametrize("edit, expected", [c[1:] for c in REVIEW_CASES], ids=[c[0] for c in REVIEW_CASES])
def test_bad_review_workbook_is_refused_and_imports_nothing(edit: Callable[[Any], None], expected: str,
                                                            exported: tuple[Any, Any, Path], tmp_path: Path) -> None:
    store, assessment, source = exported
    path = _edited(source, tmp_path / "review.xlsx", edit)
    with pytest.raises(ConfigError) as err:
        import_review(assessment, store, path, author="张三", catalogue=CAT)
    assert str(err.value) == f"{path}: {expected}"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM overrides").scalar() == 0


def test_garbage_review_workbook(exported: tuple[Any, Any, Path], tmp_path: Path) -> None:
    store, assessment, _ = exported
    path = tmp_path / "review.xlsx"
    path.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(ConfigError) as err:
        import_review(assessment, store, path, author="张三", catalogue=CAT)
    assert str(err.value) == f"{path}: not an Excel workbook (BadZipFile). Import the .xlsx written by `evaluator review export`"


def probe_input_matrix(tmp: Path) -> FaultOutcome:
    """Every assessment case of the table, for the benchmark: refused with a located message."""
    located, hung = 0, []

    def too_slow(_signum: int, _frame: Any) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, too_slow)
    try:
        for name, text, expected in ASSESSMENT_CASES:
            path = tmp / f"{name}.yaml"
            path.write_text(text, encoding="utf-8")
            signal.setitimer(signal.ITIMER_REAL, 10.0)
            try:
                load_assessment(path)
            except ConfigError as exc:
                located += str(exc) == f"{path}{expected}"
            except TimeoutError:
                hung.append(name)
            except Exception:  # noqa: BLE001 - counted as a failure of the matrix
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return FaultOutcome(f"{len(ASSESSMENT_CASES)} malformed assessment files (YAML, types, ids, URLs, alias bombs)",
                        f"{located} refused with the expected located message"
                        + (f"; hung > 10 s: {', '.join(hung)}" if hung else ""), "ConfigError file:line[:col]: field: fix",
                        lost=len(ASSESSMENT_CASES) - located)


def probe_review_matrix(tmp: Path) -> FaultOutcome:
    """Every review-workbook case of the table, for the benchmark."""
    tmp.mkdir(parents=True, exist_ok=True)
    store = open_store(tmp)
    builder = StoreBuilder(store)
    builder.observed("a")
    builder.doc("a", "决定书", items=("penalty-decision",), publish="2025-05-06", body="当事人 违法事实")
    assessment = make_assessment((make_site("a"),))
    run_scoring(store, assessment)
    source = tmp / "review.xlsx"
    export_review(assessment, store, source, CAT)
    refused = 0
    for name, edit, expected in REVIEW_CASES:
        path = _edited(source, tmp / f"{name}.xlsx", edit)
        try:
            import_review(assessment, store, path, author="张三", catalogue=CAT)
        except ConfigError as exc:
            refused += str(exc) == f"{path}: {expected}".replace("测试省评估", assessment.name)
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT count(*) FROM overrides").scalar()
    store.close()
    return FaultOutcome(f"{len(REVIEW_CASES)} bad review workbooks (formulas, merged cells, another assessment …)",
                        f"{refused} refused with the expected message, {stored} overrides stored",
                        "ConfigError naming row or cells; nothing imported",
                        lost=len(REVIEW_CASES) - refused + stored)


def matrix(tmp: Path, **_: object) -> Iterator[FaultOutcome]:
    """Every input probe, for ``benchmarks/faults.py``."""
    tmp.mkdir(parents=True, exist_ok=True)
    yield probe_input_matrix(tmp)
    yield probe_review_matrix(tmp / "review")
