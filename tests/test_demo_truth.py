"""Ground truth of the demo province: working-day lags, statuses, scores by hand, ranking, stability."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

import pytest

from evaluator.demo import generate_site
from evaluator.demo.generator import demo_period
from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument, DemoSite, SiteFaults
from evaluator.demo.truth import lag_workdays, province_truth, rank_sites, site_truth, write_truth
from rubrics.loader import load_catalogue, load_rubric

CATALOGUE = load_catalogue("mee-2019")
RUBRIC = load_rubric("default")
PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
REF = date(2026, 1, 31)
_province = lru_cache(maxsize=8)(province_truth)  # several tests read the same province
ALL_PENALTY = ("party", "facts", "basis", "penalty", "performance", "remedy", "authority-date")


# -- working days, counted by hand ---------------------------------------------------------------
@pytest.mark.parametrize(
    "formation, publication, expected, why",
    [
        # 09-27 Sat off, 09-28 Sun 调休 workday, 09-29 Mon, 09-30 Tue, 10-01..08 国庆 off, 10-09 Thu, 10-10 Fri
        ("2025-09-26", "2025-10-10", 5, "9/28 9/29 9/30 10/9 10/10"),
        # … then 10-11 Sat 调休 workday, 13-17, 20-24, 27-31
        ("2025-09-26", "2025-10-31", 21, "5 + 10/11 + 3 full weeks"),
        # 9/22-26 (5), 9/28 (6), 9/29-30 (8), 10/9-11 (11), 10/13-17 (16), 10/20-24 (21)
        ("2025-09-19", "2025-10-24", 21, "across 国庆 and both 调休 days"),
        ("2025-09-30", "2025-10-08", 0, "only holidays in between"),
        ("2025-10-10", "2025-10-11", 1, "a 调休 Saturday counts"),
        # 1/26 Sun 调休, 1/27 Mon, 1/28-2/4 春节 off, 2/5-7, 2/8 Sat 调休, 2/10 Mon
        ("2025-01-24", "2025-02-10", 7, "across 春节"),
        ("2025-03-05", "2025-03-05", 0, "same day"),
        ("2025-03-06", "2025-03-05", 0, "published before formation"),
        ("2025-03-07", "2025-03-10", 1, "a plain weekend"),
    ],
)
def test_lag_in_working_days(formation: str, publication: str, expected: int, why: str) -> None:
    assert lag_workdays(date.fromisoformat(formation), date.fromisoformat(publication)) == expected, why


# -- a hand-built site, scored by hand -----------------------------------------------------------
def _doc(doc_id: int, item: str, column: str, formation: date | None, publish: date, *, elements=(), shown="meta_block",
         broken: bool | None = None, project=None, stage=None) -> DemoDocument:
    attachments = () if broken is None else (DemoAttachment("附件：a.pdf", "pdf", broken, f"{doc_id:032x}"),)
    return DemoDocument(
        doc_id=doc_id, item_ids=(item,), column_key=column, title=f"文件{doc_id}", publish_date=publish,
        formation_date=formation, formation_shown=shown, doc_number=None, index_number=f"x/2025-{doc_id:05d}",
        publisher="测试市生态环境局", topic="", paragraphs=("正文",), elements_present=tuple(elements),
        attachments=attachments, project=project, stage=stage, on_portal=False,
    )


def _column(key: str, item: str | None, *, blocked=False, note=None) -> DemoColumn:
    return DemoColumn(key, key, (item,) if item else (), None, False, blocked, note)


def _site(columns, documents, not_applicable=()) -> DemoSite:
    return DemoSite(
        index=99, site_id="city-99", name="测试市生态环境局", city="测试市", region="示范省测试市", family="trs",
        encoding="utf-8", declared_charset="utf-8", profile="diligent", columns=tuple(columns),
        documents=tuple(sorted(documents, key=lambda d: (d.publish_date, d.doc_id), reverse=True)),
        faults=SiteFaults(), not_applicable=tuple(not_applicable),
    )


def _hand_site() -> DemoSite:
    d = date
    docs = [
        # penalty: lag 5 (on time), all elements, attachment fine
        _doc(1, "penalty-decision", "cf", d(2025, 9, 26), d(2025, 10, 10), elements=ALL_PENALTY, broken=False),
        # penalty: lag 21 (late), remedy missing, attachment broken
        _doc(2, "penalty-decision", "cf", d(2025, 9, 26), d(2025, 10, 31), elements=ALL_PENALTY[:5] + ALL_PENALTY[6:], broken=True),
        # penalty: lag 3 but the page states no formation date: not timely; no attachments
        _doc(3, "penalty-decision", "cf", d(2025, 3, 3), d(2025, 3, 6), elements=ALL_PENALTY[:6], shown="none"),
        # penalty published in 2024: outside the period, ignored
        _doc(4, "penalty-decision", "cf", d(2024, 11, 1), d(2024, 11, 5), elements=()),
        # air quality: monthly reports published on the 5th of Jan..Nov and on the 15th of December
        *[_doc(10 + m, "air-quality", "kq", d(2025, m, 3), d(2025, m, 5 if m < 12 else 15), elements=("monthly",))
          for m in range(1, 13)],
        # EIA: project A complete (acceptance in 2024), project B without its proposed-approval stage
        _doc(30, "eia-approval", "hp", d(2024, 12, 2), d(2024, 12, 4), project="A", stage="acceptance", elements=("acceptance",)),
        _doc(31, "eia-approval", "hp", d(2025, 1, 6), d(2025, 1, 8), project="A", stage="proposed-approval", elements=("proposed-approval",)),
        _doc(32, "eia-approval", "hp", d(2025, 1, 20), d(2025, 1, 22), project="A", stage="approval-decision", elements=("approval-decision",)),
        _doc(33, "eia-approval", "hp", d(2025, 5, 6), d(2025, 5, 8), project="B", stage="acceptance", elements=("acceptance",)),
        _doc(34, "eia-approval", "hp", d(2025, 6, 6), d(2025, 7, 18), project="B", stage="approval-decision", elements=("approval-decision",)),
        # bulletin: published 2025-07-01, after the 06-05 deadline
        _doc(40, "env-bulletin", "gb", d(2025, 6, 30), d(2025, 7, 1), elements=("bulletin",)),
        # discharge permits sit behind a blocked column
        _doc(50, "discharge-permit", "pw", d(2025, 4, 1), d(2025, 4, 3), elements=("unit",)),
    ]
    columns = [
        _column("cf", "penalty-decision"), _column("kq", "air-quality"), _column("hp", "eia-approval"),
        _column("gb", "env-bulletin"), _column("pw", "discharge-permit", blocked=True), _column("tf", "emergencies"),
        _column("zd", "key-units"), _column("cfgz", "penalty-process", note="依申请"),
    ]
    return _site(columns, docs, not_applicable=("radiation-permit",))


@pytest.fixture(scope="module")
def hand_truth() -> dict:
    return site_truth(_hand_site(), CATALOGUE, RUBRIC, PERIOD, REF, url_for=lambda site, doc: f"/doc/{doc.doc_id}.html")


def test_penalty_decision_by_hand(hand_truth: dict) -> None:
    item = hand_truth["items"]["penalty-decision"]
    assert item["status"] == "scored"
    assert item["documents_in_period"] == 3
    assert item["coverage"] == 100.0
    assert item["timeliness"] == pytest.approx(100 / 3)  # only doc 1: doc 2 is 21 days late, doc 3 has no formation date
    elements = (7 / 7 + 6 / 7 + 6 / 7) / 3 * 100
    attachments = 2 / 3 * 100  # doc 2's attachment is broken; doc 3 has none
    completeness = 0.8 * elements + 0.2 * attachments
    assert item["completeness"] == pytest.approx(completeness)
    assert item["score"] == pytest.approx(0.4 * 100 + 0.3 * 100 / 3 + 0.3 * completeness)
    lags = {d["doc_id"]: (d["lag_workdays"], d["observed_lag_workdays"]) for d in item["documents"]}
    assert lags == {1: (5, 5), 2: (21, 21), 3: (3, None), 4: (2, 2)}
    assert item["documents"][0]["url"].startswith("/doc/")


def test_monthly_item_by_hand(hand_truth: dict) -> None:
    item = hand_truth["items"]["air-quality"]
    assert item["timeliness"] == pytest.approx(100 * 11 / 12)  # December's report came on the 15th
    assert item["completeness"] == pytest.approx(0.8 * 50 + 0.2 * 100)  # monthly without daily
    assert item["score"] == pytest.approx(0.4 * 100 + 0.3 * 100 * 11 / 12 + 0.3 * 60)


def test_stages_by_hand(hand_truth: dict) -> None:
    item = hand_truth["items"]["eia-approval"]
    assert item["completeness_detail"]["projects"] == ["A", "B"]
    assert item["completeness_detail"]["complete_projects"] == ["A"]
    assert item["completeness"] == pytest.approx(0.8 * 50 + 0.2 * 100)
    # in the period: docs 31 (lag 2), 32 (2), 33 (2), 34 (lag 29: 6/6 → 7/18)
    assert item["timeliness"] == pytest.approx(75.0)


def test_annual_deadline_by_hand(hand_truth: dict) -> None:
    item = hand_truth["items"]["env-bulletin"]
    assert item["timeliness"] == 0.0
    assert item["timeliness_detail"] == {"years_checked": [2025], "years_met": []}
    empty = hand_truth["items"]["key-units"]
    assert (empty["status"], empty["column_state"], empty["coverage"], empty["timeliness"], empty["completeness"]) == (
        "scored", "empty", 40.0, 0.0, 0.0,
    )
    assert empty["score"] == pytest.approx(16.0)


@pytest.mark.parametrize(
    "item_id, status, column_state",
    [
        ("radiation-permit", "not_applicable", "absent"),
        ("penalty-process", "not_assessable", "note_only"),
        ("enforcement-process", "not_assessable", "absent"),
        ("discharge-permit", "incomplete_observation", "blocked"),
        ("emergencies", "nothing_to_publish", "empty"),
        ("administrative-order", "scored", "absent"),
    ],
)
def test_statuses(hand_truth: dict, item_id: str, status: str, column_state: str) -> None:
    item = hand_truth["items"][item_id]
    assert (item["status"], item["column_state"]) == (status, column_state)
    if status != "scored":
        assert item["score"] is None and item["reason"]


def test_absent_item_scores_zero(hand_truth: dict) -> None:
    item = hand_truth["items"]["administrative-order"]
    assert (item["coverage"], item["timeliness"], item["completeness"], item["score"]) == (0.0, 0.0, 0.0, 0.0)


def test_aspects_and_total_by_hand(hand_truth: dict) -> None:
    items = hand_truth["items"]

    def aspect(aspect_id: str) -> float:
        scores = [v["score"] for v in items.values() if v["aspect"] == aspect_id and v["status"] == "scored"]
        return sum(scores) / len(scores)

    for aspect_id in ("licensing", "enforcement", "environment-info"):
        assert hand_truth["aspects"][aspect_id] == pytest.approx(aspect(aspect_id))
    weights = RUBRIC.aspect_weights
    expected = sum(weights[a] * s for a, s in hand_truth["aspects"].items()) / sum(weights.values())
    assert hand_truth["total"] == pytest.approx(expected)
    assert hand_truth["grade"] == RUBRIC.grade(expected)


@pytest.mark.parametrize(
    "totals, ranks",
    [
        ([90.004, 90.001, 80.0], [1, 1, 3]),
        ([70.0, None, 85.0], [2, None, 1]),
        ([60.0, 60.0, 60.0], [1, 1, 1]),
    ],
)
def test_ranking_rounds_to_two_decimals_and_shares_ranks(totals: list, ranks: list) -> None:
    truths = [{"site_id": f"city-{i:02d}", "total": t, "rank": None} for i, t in enumerate(totals, start=1)]
    rank_sites(truths)
    assert [t["rank"] for t in truths] == ranks


# -- the province --------------------------------------------------------------------------------
PROFILE_ORDER = ["diligent", "late", "broken", "sloppy", "sparse"]


@pytest.mark.parametrize("seed", [20250101, 0, 1, 2])
def test_true_ranking_is_strict_between_profiles(seed: int) -> None:
    truth = _province(seed, 12)
    profiles = [row["profile"] for row in truth["ranking"]]
    assert [PROFILE_ORDER.index(p) for p in profiles] == sorted(PROFILE_ORDER.index(p) for p in profiles)
    totals = [row["total"] for row in truth["ranking"]]
    assert totals == sorted(totals, reverse=True)
    assert truth["ranking"][0]["grade"] == "优秀" and truth["ranking"][-1]["grade"] in ("合格", "不合格")


def test_province_truth_is_deterministic_and_seed_dependent(tmp_path) -> None:
    generate_site.cache_clear()
    first = write_truth(tmp_path / "a", 7, 3).read_bytes()
    generate_site.cache_clear()
    second = write_truth(tmp_path / "b", 7, 3).read_bytes()
    assert first == second
    other = write_truth(tmp_path / "c", 8, 3).read_bytes()
    assert other != first
    data = json.loads(first)
    start, end, ref, round_id = demo_period()
    assert data["period"] == {"start": start.isoformat(), "end": end.isoformat()}
    assert (data["reference_date"], data["round"], data["catalogue"], data["rubric"]) == (ref.isoformat(), round_id, "mee-2019", "default")
    assert [s["site_id"] for s in data["sites"]] == ["city-01", "city-02", "city-03"]


def test_province_statuses_cover_every_kind() -> None:
    truth = _province(20250101, 12)
    statuses = {item["status"] for site in truth["sites"] for item in site["items"].values()}
    assert statuses == {"scored", "not_applicable", "not_assessable", "incomplete_observation", "nothing_to_publish"}
    broken = next(s for s in truth["sites"] if s["profile"] == "broken")
    assert len(broken["blocked_columns"]) == 2


def test_truth_matches_what_is_served() -> None:
    """Every document the truth lists is served at its URL with its title; blocked ones answer 412."""
    render = pytest.importorskip("evaluator.demo.render")
    truth = province_truth(20250101, 4, pages=50)
    for site_truth_ in truth["sites"]:
        site = generate_site(20250101, int(site_truth_["site_id"][-2:]), pages=50)
        blocked = set(site_truth_["blocked_columns"])
        for item in site_truth_["items"].values():
            for doc in item["documents"]:
                response = render.render(site, doc["url"], host="portal" if doc["on_portal"] else "bureau")
                if doc["column"] in blocked:
                    assert response.status == 412
                    continue
                assert response.status == 200, doc["url"]
                assert doc["title"] in response.body.decode(site.encoding), doc["url"]


def test_truth_columns_match_what_is_served() -> None:
    """Every column the truth lists answers at its URL: 412 when blocked, 200 otherwise."""
    render = pytest.importorskip("evaluator.demo.render")
    truth = _province(0, 8)
    statuses = set()
    for site_truth_ in truth["sites"]:
        site = generate_site(0, int(site_truth_["site_id"][-2:]))
        for column in site_truth_["columns"]:
            path = column["url"].split("#", 1)[0]  # gkmlpt columns are routes of the directory app
            response = render.render(site, path, host="portal" if column["on_portal"] else "bureau")
            assert response.status == (412 if column["blocked"] else 200), column["url"]
            statuses.add(response.status)
    assert statuses == {200, 412}
