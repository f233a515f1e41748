"""The built-in catalogue and the catalogue loader's validation (rubrics/loader.py, validate.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluator.errors import ConfigError
from rubrics import Catalogue, builtin_catalogues, catalogue_from_text, load_catalogue
from rubrics.validate import vocabulary
from rubrics.xlsxsource import catalogue_to_xlsx
from tests._catalogue_fixtures import MINI_CATALOGUE, edit

EXPECTED_IDS = [
    "eia-approval", "pollution-facility-removal", "hazardous-waste-permit", "discharge-permit", "radiation-permit",
    "penalty-process", "penalty-decision", "enforcement-process", "enforcement-decision", "administrative-order",
    "random-inspection", "policy-consultation", "complaints", "proposals", "policy-documents",
    "enterprise-disclosure", "air-quality", "water-quality", "env-bulletin", "key-units", "solid-waste-info",
    "ecological-construction", "emergencies", "inspection-rectification", "pollution-control-work",
]  # fmt: skip
ATTESTED = {
    "eia-approval", "pollution-facility-removal", "hazardous-waste-permit", "penalty-process", "penalty-decision",
    "enforcement-process", "enforcement-decision", "policy-consultation", "ecological-construction",
}  # fmt: skip


@pytest.fixture(scope="module")
def mee() -> Catalogue:
    return load_catalogue("mee-2019")


def test_builtin_catalogue_header(mee: Catalogue) -> None:
    assert builtin_catalogues() == ("mee-2019",)
    assert mee.id == "mee-2019"
    assert mee.source == "环办厅函〔2019〕672号，生态环境部办公厅 2019-08-05"
    assert "attested" in mee.provenance_note and "reconstructed" in mee.provenance_note
    assert mee.path is not None and mee.path.endswith("mee-2019.yaml")


def test_builtin_catalogue_items_and_aspects(mee: Catalogue) -> None:
    assert list(mee.item_ids) == EXPECTED_IDS
    assert [a.name for a in mee.aspects] == [
        "行政许可", "行政处罚行政强制和行政命令", "公共服务事项", "环境质量与污染源信息", "生态建设与环境管理",
    ]  # fmt: skip
    assert [len(mee.items_of(a.id)) for a in mee.aspects] == [5, 6, 5, 5, 4]


def test_builtin_provenance_follows_the_catalogue_notes(mee: Catalogue) -> None:
    assert {i.id for i in mee.items if i.provenance == "attested"} == ATTESTED


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("event_driven", {"enforcement-decision", "administrative-order", "emergencies", "pollution-facility-removal"}),
        ("double_publicity",
         {"eia-approval", "pollution-facility-removal", "hazardous-waste-permit", "discharge-permit",
          "radiation-permit", "penalty-decision"}),
    ],
)  # fmt: skip
def test_builtin_flags(mee: Catalogue, flag: str, expected: set[str]) -> None:
    assert {i.id for i in mee.items if getattr(i, flag)} == expected


def test_on_request_items_are_not_observable(mee: Catalogue) -> None:
    hidden = {i.id for i in mee.items if not i.observable}
    assert hidden == {"penalty-process", "enforcement-process"}
    for item_id in hidden:
        item = mee.item(item_id)
        assert (item.mode, item.audience, item.time_limit.kind) == ("依申请", "特定群体", "workdays_from_receipt")
        assert item.channels_required == ("精准推送",)


@pytest.mark.parametrize(
    ("item_id", "kind", "fields"),
    [
        ("eia-approval", "workdays_from_formation", {"days": 20}),
        ("complaints", "frequency", {"period": "quarter"}),
        ("proposals", "frequency", {"period": "year"}),
        ("air-quality", "frequency", {"period": "month", "day": 10}),
        ("env-bulletin", "annual_deadline", {"month": 6, "day": 5}),
        ("key-units", "annual_deadline", {"month": 3, "day": 31}),
        ("pollution-control-work", "frequency", {"period": "half-year"}),
    ],
)
def test_builtin_time_limits(mee: Catalogue, item_id: str, kind: str, fields: dict[str, object]) -> None:
    limit = mee.item(item_id).time_limit
    assert limit.kind == kind
    for name, value in fields.items():
        assert getattr(limit, name) == value


def test_builtin_stages_and_penalty_elements(mee: Catalogue) -> None:
    assert [i.id for i in mee.items if i.completeness == "stages"] == ["eia-approval", "hazardous-waste-permit"]
    assert [e.name for e in mee.item("eia-approval").elements] == ["受理情况公示", "拟审批公示", "审批决定（环评批复）"]
    penalty = mee.item("penalty-decision")
    assert [e.name for e in penalty.elements] == [
        "当事人", "违法事实", "处罚依据", "处罚内容", "履行方式和期限", "救济途径", "作出机关和日期",
    ]  # fmt: skip
    assert "存在以下环境违法行为" in penalty.elements[1].cues


def test_builtin_items_are_complete(mee: Catalogue) -> None:
    channels = set(vocabulary()["channels"])
    for item in mee.items:
        assert item.subject == "市级生态环境部门", item.id
        assert item.legal_basis, item.id
        assert item.elements and all(e.cues for e in item.elements), item.id
        assert set(item.channels_required) | set(item.channels_optional) <= channels, item.id
        assert item.hints.column_aliases and item.hints.title_include, item.id
        for pattern in item.hints.title_include + item.hints.title_exclude:
            re.compile(pattern)


@pytest.mark.parametrize(
    ("item_id", "title"),
    [
        ("eia-approval", "关于某某项目环境影响报告表的批复"),
        ("eia-approval", "建设项目环境影响评价文件受理情况公示"),
        ("penalty-decision", "某市生态环境局行政处罚决定书（某环罚〔2024〕12号）"),
        ("enforcement-decision", "查封（扣押）决定书"),
        ("administrative-order", "责令改正违法行为决定书"),
        ("air-quality", "2024年5月全市环境空气质量状况"),
        ("env-bulletin", "2023年某市生态环境状况公报"),
        ("key-units", "2024年某市环境监管重点单位名录"),
    ],
)
def test_builtin_title_hints_match_real_titles(mee: Catalogue, item_id: str, title: str) -> None:
    hints = mee.item(item_id).hints
    assert any(re.search(p, title) for p in hints.title_include)
    assert not any(re.search(p, title) for p in hints.title_exclude)


def test_minimal_catalogue_loads() -> None:
    catalogue = catalogue_from_text(MINI_CATALOGUE, "c.yaml")
    assert catalogue.item_ids == ("eia-approval", "penalty-decision")
    assert catalogue.item("penalty-decision").time_limit.kind == "annual_deadline"
    assert catalogue.item("eia-approval").hints.title_include == ("批复",)


def test_custom_time_limit_mapping() -> None:
    text = edit(
        MINI_CATALOGUE,
        "    time_limit: 每年1月31日前     # 2",
        "    time_limit: {kind: frequency, period: month, day: 15, text: 每月15日前发布上月月报}",
    )
    limit = catalogue_from_text(text).item("penalty-decision").time_limit
    assert (limit.kind, limit.period, limit.day, limit.text) == ("frequency", "month", 15, "每月15日前发布上月月报")


CHANNELS = "政府网站, 政府公报, 两微一端, 发布会/听证会, 广播电视, 纸质媒体, 公开查阅点, 政务服务中心, 便民服务站, 入户/现场, 社区/企事业单位/村公示栏, 精准推送, 其他"
TIME_FIX = (
    "Use one of the accepted wordings (自该信息形成或者变更之日起20个工作日内、自收到申请之日起20个工作日内、"
    "每年1月31日前、每月10日前、至少1次/半年、每季度、链接至市生态环境局对应栏目、按实际更新) or write a mapping "
    'with an explicit kind (see docs/catalogue.md, "Time limits")'
)

ERRORS = [
    ("title: 测试目录", "titel: 测试目录", "c.yaml:2: titel: unknown key 'titel'. Did you mean 'title'?"),
    ("source: 测试\n", "",
     "c.yaml:1: source: missing required key 'source' in the catalogue. Add 'source: …' (see docs/catalogue.md)."),
    ("    completeness: per_document  # 2", "    completness: per_document",
     "c.yaml:38: items[1].completness: unknown key 'completness'. Did you mean 'completeness'?"),
    ("    subject: 市级生态环境部门      # 2\n", "",
     "c.yaml:32: items[1].subject: missing required key 'subject' in item 'penalty-decision'. "
     "Add 'subject: …' (see docs/catalogue.md)."),
    ("  - id: penalty-decision        # 2", "  - id: eia-approval",
     "c.yaml:32: items[1].id: duplicate item id 'eia-approval' (first on line 11). Item ids must be unique"),
    ("  - id: enforcement", "  - id: licensing",
     "c.yaml:8: aspects[1].id: duplicate aspect id 'licensing' (first on line 6). Aspect ids must be unique"),
    ("    aspect: enforcement         # 2", "    aspect: enforcment",
     "c.yaml:33: items[1].aspect: unknown aspect id 'enforcment'. Did you mean 'enforcement'? "
     "Known aspects: licensing, enforcement"),
    ("    aspect: enforcement         # 2", "    aspect: other",
     "c.yaml:33: items[1].aspect: unknown aspect id 'other'. Known aspects: licensing, enforcement"),
    ("    completeness: per_document  # 2", "    completeness: per_doc",
     "c.yaml:38: items[1].completeness: 'per_doc' is not one of per_document, stages, across_documents. "
     "Did you mean 'per_document'?"),
    ("    event_driven: false         # 2", "    event_driven: 'no'",
     "c.yaml:45: items[1].event_driven: expected true or false, got 'no'"),
    ("    channels_required: [政府网站] # 2", "    channels_required: 政府网站",
     "c.yaml:44: items[1].channels_required: expected a list, got '政府网站'"),
    ("    channels_required: [政府网站] # 2", "    channels_required: [政府官网]",
     f"c.yaml:44: items[1].channels_required[0]: '政府官网' is not one of {CHANNELS}. Did you mean '政府网站'?"),
    ("    mode: 主动                  # 2", "    mode: 依申请公开",
     "c.yaml:41: items[1].mode: '依申请公开' is not one of 主动, 依申请. Did you mean '依申请'?"),
    ("    provenance: reconstructed   # 2", "    provenance: official",
     "c.yaml:40: items[1].provenance: 'official' is not one of attested, reconstructed. "
     "Use one of: attested, reconstructed."),
    ("    time_limit: 每年1月31日前     # 2", "    time_limit: 视情况",
     f"c.yaml:39: items[1].time_limit: cannot understand the time limit '视情况': no known wording matches. {TIME_FIX}"),
    ("    time_limit: 每年1月31日前     # 2", "    time_limit: {kind: frequency, text: 每月}",
     "c.yaml:39: items[1].time_limit: a 'frequency' time limit needs 'period'. Add 'period: …'"),
    ("      title_include: ['批复']", "      title_include: ['批复(']",
     "c.yaml:31: items[0].hints.title_include[0]: invalid regular expression '批复(': missing ), unterminated "
     "subpattern. Fix the pattern (write it in single quotes in YAML)"),
    ("      - id: party               # 2", "      - id: Party",
     "c.yaml:36: items[1].elements[0].id: 'Party' is not a valid element id. Use lower-case ASCII letters, "
     "digits, '-' and '_' (for example 'eia-approval')"),
    ("      - id: decision", "      - id: acceptance",
     "c.yaml:18: items[0].elements[1].id: duplicate element id 'acceptance'. Element ids must be unique within an item"),
    ("    elements:                   # 2\n      - id: party               # 2\n        name: 当事人             # 2\n",
     "    elements: []\n",
     "c.yaml:35: items[1].elements: an item needs at least one content element. List the 公开内容（要素） with cue words"),
    ("    completeness: stages", "    completeness: stages\n    levels: [市级, 区级]",
     "c.yaml:22: items[0].levels[1]: '区级' is not one of 省级, 市级, 县级, 乡级, 村级. Use one of: 省级, 市级, 县级, 乡级, 村级."),
    ("title: 测试目录", "title: 测试目录\ntitle: again",
     "c.yaml:3: title: duplicate key 'title' (first written on line 2). Keep one of the two."),
    ("title: 测试目录", 'title: ""', "c.yaml:2: title: must not be empty"),
    ("aspects:\n  - id: licensing\n    name: 行政许可\n  - id: enforcement\n    name: 行政处罚\n", "aspects: {}\n",
     "c.yaml:5: aspects: expected a list, got a mapping"),
    ("    name: 行政处罚决定            # 2", "    name: [行政处罚决定",
     "c.yaml:35:13: malformed YAML: expected ',' or ']', but got ':'. Check the indentation and quoting on this "
     "line (regular expressions and texts with ': ' need quotes)"),
    ("    name: 行政处罚\n", "    name: 行政处罚\n   bad: : x\n",
     "c.yaml:10:4: malformed YAML: expected <block end>, but found '<block mapping start>'. Check the indentation "
     "and quoting on this line (regular expressions and texts with ': ' need quotes)"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), ERRORS)
def test_catalogue_errors(old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        catalogue_from_text(edit(MINI_CATALOGUE, old, new), "c.yaml")
    assert str(info.value) == message


def test_empty_file() -> None:
    with pytest.raises(ConfigError) as info:
        catalogue_from_text("# nothing\n", "c.yaml")
    assert str(info.value) == "c.yaml: the file is empty. See docs/catalogue.md for the format"


def test_unknown_builtin_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_catalogue("mee-2020")
    assert str(info.value) == (
        "catalogue: no built-in catalogue 'mee-2020' and no such file. "
        "Use a built-in catalogue (mee-2019) or the path of a catalogue file"
    )


def test_load_from_path_relative_to_base(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(MINI_CATALOGUE, encoding="utf-8")
    catalogue = load_catalogue("mine.yaml", base=tmp_path)
    assert catalogue.id == "mini"
    assert catalogue.path == str((tmp_path / "mine.yaml").resolve())


def test_gb18030_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(MINI_CATALOGUE.encode("gb18030"))
    assert load_catalogue(path).item("penalty-decision").name == "行政处罚决定"


def test_error_in_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(edit(MINI_CATALOGUE, "title: 测试目录", "titel: 测试目录"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    assert str(info.value) == f"{path.resolve()}:2: titel: unknown key 'titel'. Did you mean 'title'?"


def test_xlsx_round_trip(tmp_path: Path, mee: Catalogue) -> None:
    path = catalogue_to_xlsx(mee, tmp_path / "mee.xlsx")
    loaded = load_catalogue(path)
    assert loaded.items == mee.items
    assert loaded.aspects == mee.aspects
    assert (loaded.id, loaded.title, loaded.source, loaded.provenance_note) == (
        mee.id, mee.title, mee.source, mee.provenance_note,
    )  # fmt: skip


def test_xlsx_errors_name_sheet_row_and_column(tmp_path: Path, mee: Catalogue) -> None:
    from openpyxl import load_workbook

    path = catalogue_to_xlsx(mee, tmp_path / "mee.xlsx")
    wb = load_workbook(path)
    ws = wb["items"]
    header = [c.value for c in ws[1]]
    ws.cell(row=4, column=header.index("time_limit") + 1, value="看情况")
    wb.save(path)
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    assert str(info.value).startswith(f"{path.resolve()}:4: items[2].time_limit: cannot understand the time limit '看情况'")

    wb = load_workbook(path)
    wb["items"].cell(row=1, column=1, value="ids")
    wb.save(path)
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    assert str(info.value) == f"{path.resolve()}:1: items.ids: unknown column 'ids' in sheet 'items'. Did you mean 'id'?"

    del wb["elements"]
    wb.save(path)
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    assert str(info.value) == (
        f"{path.resolve()}: the workbook has no sheet 'elements'. A catalogue workbook has the sheets catalogue, "
        "aspects, items and elements; published catalogues in other layouts are read by 'evaluator catalogue import'"
    )
