"""The demo province generator: determinism, site identities, profiles and the text of documents."""

from __future__ import annotations

import random
import re
import statistics
from datetime import date

import pytest

from evaluator.demo import generate_site, province_sites
from evaluator.demo.content import compose, kind_elements, load_data
from evaluator.demo.generator import add_workdays, demo_period
from evaluator.demo.truth import lag_workdays

SEED = 20250101


def _fresh(seed: int, index: int, pages: int | None = None):
    """A site built from scratch (not the lru_cache's copy)."""
    generate_site.cache_clear()
    return generate_site(seed, index, pages=pages)


def _province(seed: int = SEED, n: int = 12):
    return [generate_site(seed, i) for i in range(1, n + 1)]


# -- determinism ---------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [1, 2, 3, 4, 8])
def test_same_seed_gives_identical_site(index: int) -> None:
    first = _fresh(SEED, index)
    second = _fresh(SEED, index)
    assert first is not second
    assert first == second


@pytest.mark.parametrize("index", [1, 3])
def test_different_seed_gives_different_content(index: int) -> None:
    one, other = _fresh(1, index), _fresh(2, index)
    assert (one.site_id, one.name, one.family, one.profile) == (other.site_id, other.name, other.family, other.profile)
    assert [d.title for d in one.documents] != [d.title for d in other.documents]


def test_generation_does_not_touch_the_global_random() -> None:
    random.seed(99)
    expected = random.random()
    random.seed(99)
    _fresh(SEED, 5)
    assert random.random() == expected


# -- identities ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "index, site_id, name, family, encoding, declared, profile",
    [
        (1, "city-01", "甲市生态环境局", "trs", "utf-8", "utf-8", "diligent"),
        (2, "city-02", "乙市生态环境局", "hanweb", "utf-8", "utf-8", "late"),
        (3, "city-03", "丙市生态环境局", "gkmlpt", "utf-8", "utf-8", "sloppy"),
        (4, "city-04", "丁市生态环境局", "generic", "gbk", "utf-8", "sparse"),
        (5, "city-05", "戊市生态环境局", "trs", "gbk", "gbk", "diligent"),
        (8, "city-08", "辛市生态环境局", "generic", "utf-8", "utf-8", "broken"),
        (10, "city-10", "癸市生态环境局", "hanweb", "utf-8", "utf-8", "sparse"),
        (11, "city-11", "子市生态环境局", "gkmlpt", "utf-8", "utf-8", "late"),
        (12, "city-12", "丑市生态环境局", "generic", "gbk", "gbk", "sloppy"),
        (13, "city-13", "寅市生态环境局", "trs", "gbk", "gbk", "diligent"),
    ],
)
def test_site_identity(index: int, site_id: str, name: str, family: str, encoding: str, declared: str, profile: str) -> None:
    site = generate_site(SEED, index)
    assert (site.site_id, site.name, site.family, site.encoding, site.declared_charset, site.profile) == (
        site_id, name, family, encoding, declared, profile,
    )
    assert site.region == f"示范省{site.city}"
    assert site.seed == SEED


def test_numbered_cities_beyond_the_list() -> None:
    rows = province_sites(SEED, 30)
    assert rows[0] == (1, "city-01", "甲市生态环境局", "trs")
    assert rows[29] == (30, "city-30", "第30市生态环境局", "hanweb")
    assert {family for _, _, _, family in rows[:4]} == {"trs", "hanweb", "gkmlpt", "generic"}


def test_profile_mix_of_the_twelve_site_demo() -> None:
    counts = {p: sum(s.profile == p for s in _province()) for p in ("diligent", "late", "sparse", "sloppy", "broken")}
    assert counts == {"diligent": 3, "late": 3, "sparse": 2, "sloppy": 3, "broken": 1}


def test_exactly_one_site_declares_the_wrong_charset() -> None:
    wrong = [s.site_id for s in _province() if s.declared_charset != s.encoding]
    assert wrong == ["city-04"]


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: generate_site(1, 0), "site index starts at 1, got 0"),
        (lambda: generate_site(1, 1, pages=0), "pages must be at least 1, got 0"),
        (lambda: province_sites(1, 0), "a demo province needs at least one site, got n=0"),
        (lambda: add_workdays(date(2031, 1, 1), 1), "2031-01-01 is outside the demo calendar (2023-01-03 – 2026-12-31)"),
    ],
)
def test_bad_arguments_are_named(call, message: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_a_template_with_an_unknown_placeholder_names_item_kind_and_template() -> None:
    with pytest.raises(ValueError) as info:
        compose("penalty-decision", "decision", {"abbr": "甲", "year": 2025, "seq": 3}, random.Random(1))
    text = str(info.value)
    assert "content.yaml: items.penalty-decision.kinds.decision: bad placeholder in" in text


# -- structure -----------------------------------------------------------------------------------
@pytest.mark.parametrize("index", range(1, 13))
def test_site_structure_is_consistent(index: int) -> None:
    site = generate_site(SEED, index)
    keys = [c.key for c in site.columns]
    assert len(keys) == len(set(keys))
    by_key = {c.key: c for c in site.columns}
    assert all(c.parent_key is None or c.parent_key in by_key for c in site.columns)
    ids = [d.doc_id for d in site.documents]
    assert len(ids) == len(set(ids))
    assert [(d.publish_date, d.doc_id) for d in site.documents] == sorted(
        ((d.publish_date, d.doc_id) for d in site.documents), reverse=True
    )
    _, _, ref, _ = demo_period()
    for doc in site.documents:
        column = by_key[doc.column_key]
        assert doc.on_portal == column.on_portal
        assert column.note is None
        assert set(doc.item_ids) <= set(column.item_ids) or not doc.item_ids
        assert doc.publish_date <= ref
        assert doc.formation_date is None or doc.formation_date <= doc.publish_date
        assert re.fullmatch(r"11\d{6}\d{9}X/\d{4}-\d{5}", doc.index_number)
        assert doc.publisher == site.name
        for att in doc.attachments:
            assert re.fullmatch(r"[0-9a-f]{32}", att.key)
            assert att.name.endswith("." + att.ext)
        if doc.stage is not None:
            assert doc.project and doc.stage in doc.elements_present
    assert set(site.faults.challenge_column_keys) == {c.key for c in site.columns if c.blocked}


@pytest.mark.parametrize("index", range(1, 13))
def test_all_text_is_encodable_in_gbk(index: int) -> None:
    site = generate_site(SEED, index)
    for doc in site.documents:
        text = "".join((doc.title, *doc.paragraphs, *doc.signature, doc.doc_number or "", *(a.name for a in doc.attachments)))
        text.encode("gbk")
    "".join(c.name + (c.note or "") for c in site.columns).encode("gbk")


@pytest.mark.parametrize("pages", [50, 300, 2000])
def test_pages_sets_the_number_of_documents(pages: int) -> None:
    site = generate_site(SEED, 2, pages=pages)
    assert len(site.documents) == pages


def test_default_size_and_history() -> None:
    start, end, _, _ = demo_period()
    for site in _province():
        assert 50 <= len(site.documents) <= 140, site.site_id
        assert any(d.publish_date < start for d in site.documents), site.site_id
        assert any(d.item_ids == () for d in site.documents), site.site_id


# -- the text says what the model says -----------------------------------------------------------
PENALTY_MARKERS = [
    ("party", "当事人："),
    ("facts", "一、环境违法事实和证据"),
    ("basis", "二、行政处罚的依据、种类"),
    ("penalty", "决定对你单位处以罚款人民币"),
    ("performance", "三、履行方式和期限"),
    ("remedy", "四、申请复议或者提起诉讼的途径和期限"),
]


@pytest.mark.parametrize("element, marker", PENALTY_MARKERS)
def test_penalty_decision_text_follows_elements_present(element: str, marker: str) -> None:
    seen_with = seen_without = 0
    for site in _province():
        for doc in site.documents:
            if doc.item_ids != ("penalty-decision",):
                continue
            body = "\n".join(doc.paragraphs)
            if element in doc.elements_present:
                assert marker in body
                seen_with += 1
            else:
                assert marker not in body
                seen_without += 1
    assert seen_with and seen_without


def test_signature_carries_the_formation_date_when_shown() -> None:
    kinds = {"signature": 0, "meta_block": 0, "none": 0}
    for site in _province():
        for doc in site.documents:
            kinds[doc.formation_shown] += 1
            if doc.formation_shown == "signature":
                assert doc.signature == (site.name, f"{doc.formation_date.year}年{doc.formation_date.month}月{doc.formation_date.day}日")
            elif doc.formation_shown == "none":
                assert doc.signature == ()
                if doc.item_ids == ("penalty-decision",):
                    assert "authority-date" not in doc.elements_present
    assert all(kinds.values()), kinds


def test_penalty_decision_reads_like_one() -> None:
    doc = next(d for d in generate_site(SEED, 1).documents if d.item_ids == ("penalty-decision",))
    body = "\n".join(doc.paragraphs)
    assert re.search(r"当事人：.+有限公司", body)
    assert re.search(r"统一社会信用代码：91\d{6}[0-9A-Y]{10}", body)
    assert "经查" in body and "为证" in body
    assert re.search(r"依据《中华人民共和国.+》第.+条", body) or "《排污许可管理条例》" in body or "《建设项目环境保护管理条例》" in body
    assert re.search(r"处以罚款人民币\d+万元", body)
    assert "自收到本决定书之日起十五日内" in body and "指定银行" in body
    assert "六十日内" in body and "六个月内" in body
    assert re.fullmatch(r"甲环罚[〔\[（]2025[〕\]）]\d+号", doc.doc_number or "")


def test_eia_projects_go_through_their_stages_in_order() -> None:
    stages = list(kind_elements("eia-approval", "acceptance") + kind_elements("eia-approval", "proposed-approval")
                  + kind_elements("eia-approval", "approval-decision"))
    assert stages == ["acceptance", "proposed-approval", "approval-decision"]
    site = generate_site(SEED, 1)
    projects: dict[str, dict[str, date]] = {}
    for doc in site.documents:
        if doc.item_ids == ("eia-approval",):
            projects.setdefault(doc.project or "", {})[doc.stage or ""] = doc.formation_date
            assert doc.project in doc.title
    assert projects
    for dates in projects.values():
        ordered = [dates[s] for s in stages if s in dates]
        assert ordered == sorted(ordered)


def test_elements_present_are_the_kind_elements() -> None:
    content = load_data("content")["items"]
    for site in _province():
        for doc in site.documents:
            if not doc.item_ids:
                continue
            known = {e for kind in content[doc.item_ids[0]]["kinds"] for e in kind_elements(doc.item_ids[0], kind)}
            assert set(doc.elements_present) <= known


# -- profiles act through the truth --------------------------------------------------------------
def _dated_lags(profile: str) -> list[int]:
    start, end, _, _ = demo_period()
    lags = []
    for site in _province():
        if site.profile != profile:
            continue
        for doc in site.documents:
            if doc.item_ids in (("penalty-decision",), ("discharge-permit",), ("policy-consultation",)) and start <= doc.publish_date <= end:
                lags.append(lag_workdays(doc.formation_date, doc.publish_date))
    return lags


def test_late_sites_publish_later() -> None:
    late, diligent = _dated_lags("late"), _dated_lags("diligent")
    assert statistics.mean(late) > statistics.mean(diligent) + 8
    assert sum(lag > 20 for lag in late) > len(late) / 3
    assert sum(lag > 20 for lag in diligent) < len(diligent) / 10


def test_late_sites_publish_across_national_day() -> None:
    pairs = {(d.formation_date, d.publish_date) for s in _province() if s.profile == "late" for d in s.documents}
    assert (date(2025, 9, 26), date(2025, 10, 31)) in pairs
    assert (date(2025, 9, 26), date(2025, 10, 10)) in pairs


def _mean_share(profile: str) -> float:
    shares = [len(d.elements_present) / 7 for s in _province() if s.profile == profile for d in s.documents
              if d.item_ids == ("penalty-decision",)]
    return statistics.mean(shares)


def test_sloppy_sites_leave_elements_out() -> None:
    assert _mean_share("diligent") == 1.0
    assert _mean_share("sloppy") < 0.8


def test_sloppy_sites_have_broken_attachments_and_missing_stages() -> None:
    def broken_share(profile: str) -> float:
        atts = [a for s in _province() if s.profile == profile for d in s.documents for a in d.attachments]
        return sum(a.broken for a in atts) / len(atts)

    assert broken_share("sloppy") > 0.3 > 0.1 > broken_share("diligent")


def test_sparse_sites_have_fewer_columns_and_documents() -> None:
    sites = _province()
    sparse = [s for s in sites if s.profile == "sparse"]
    diligent = [s for s in sites if s.profile == "diligent"]
    assert max(len(s.columns) for s in sparse) < min(len(s.columns) for s in diligent)
    assert max(len(s.documents) for s in sparse) < min(len(s.documents) for s in diligent)


def test_broken_site_has_two_blocked_and_two_slow_columns() -> None:
    site = generate_site(SEED, 8)
    assert site.profile == "broken"
    blocked = [c for c in site.columns if c.blocked]
    assert len(blocked) == 2
    assert all(site.documents_in(c.key) for c in blocked)
    assert len(site.faults.slow_column_keys) == 2 and site.faults.latency_ms > 0
    assert not set(site.faults.slow_column_keys) & {c.key for c in blocked}


def test_province_exercises_the_catalogue() -> None:
    sites = _province()
    items_with_docs = {i for s in sites for d in s.documents for i in d.item_ids}
    content_items = {i for i, spec in load_data("content")["items"].items() if spec["kinds"]}
    assert items_with_docs == content_items
    assert any(s.on_portal for site in sites for s in site.columns)
    assert any(c.note for c in sites[0].columns)
    assert [s.not_applicable for s in sites if s.not_applicable] == [("radiation-permit",), ("hazardous-waste-permit",)]
    empty_event_columns = [
        c for s in sites for c in s.columns
        if c.item_ids and c.item_ids[0] in ("emergencies", "pollution-facility-removal") and not s.documents_in(c.key)
    ]
    assert empty_event_columns


def test_add_workdays_skips_holidays_and_counts_makeup_days() -> None:
    assert add_workdays(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_workdays(date(2025, 10, 10), 1) == date(2025, 10, 11)
    assert add_workdays(date(2025, 3, 5), 0) == date(2025, 3, 5)


# -- column names and the catalogue's aliases ----------------------------------------------------
def _column_names() -> list[tuple[str, str]]:
    """(expected item or "", name) for every name variant the generator may draw."""
    data = load_data("columns")
    rows = [("", name) for group in data["groups"] for name in group["names"]]
    rows += [("", name) for col in data["noise_columns"].values() for name in col["names"]]
    for item_id, col in data["columns"].items():
        rows += [(item_id, name) for name in col["names"]]
        rows += [(item_id, name) for child in col.get("stages", {}).values() for name in child["names"]]
    return rows


@pytest.mark.parametrize("item_id, name", _column_names())
def test_column_names_stand_for_their_item_under_the_catalogue_aliases(item_id: str, name: str) -> None:
    from evaluator.classify import column_alias_matches, compile_catalogue
    from rubrics.loader import load_catalogue

    matches = [r.item_id for r, _ in column_alias_matches(compile_catalogue(load_catalogue("mee-2019")), name)]
    assert matches == ([item_id] if item_id else [])
