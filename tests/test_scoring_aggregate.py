"""Item, aspect and total scores, grades, ranking with ties, and determinism."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluator.errors import ConfigError
from evaluator.scoring import score_assessment, write_scores_files
from evaluator.scoring.aggregate import aspect_scores, item_score, rank_sites, total_score
from evaluator.store import schema
from rubrics.model import CriterionWeights
from tests._scoring_fixtures import (
    StoreBuilder, make_assessment, make_catalogue, make_rubric, make_site, open_store, perfect_crawl, run_scoring,
)

FULL = "当事人 违法事实 依据 罚款 履行方式 行政复议"


@pytest.mark.parametrize(
    "values, weights, expected",
    [
        ({"coverage": 100, "timeliness": 50, "completeness": 80}, (0.4, 0.3, 0.3), 0.4 * 100 + 0.3 * 50 + 0.3 * 80),
        ({"coverage": 100, "timeliness": None, "completeness": 80}, (0.4, 0.3, 0.3), (40 + 24) / 0.7),
        ({"coverage": 40, "timeliness": 0, "completeness": 0}, (0.5, 0.25, 0.25), 20.0),
        ({"coverage": None, "timeliness": None, "completeness": None}, (0.4, 0.3, 0.3), None),
    ],
)
def test_item_score(values, weights, expected) -> None:
    got = item_score(values, CriterionWeights(*weights))
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_aspect_and_total_by_hand() -> None:
    cat, rubric = make_catalogue(), make_rubric(item_weights={"penalty-decision": 2.0})
    items = {"eia-approval": 80.0, "penalty-process": None, "penalty-decision": 60.0, "enforcement-decision": 90.0,
             "air-quality": 50.0, "env-bulletin": None, "policy-documents": None}
    aspects = aspect_scores(items, cat, rubric)
    assert aspects == {"licensing": 80.0, "enforcement": pytest.approx(70.0), "quality": 50.0, "service": None}
    # (30 × 80 + 30 × 70 + 20 × 50) / (30 + 30 + 20): the unscored aspect leaves the denominator
    assert total_score(aspects, rubric) == pytest.approx(68.75)
    assert total_score({"licensing": None}, rubric) is None


@pytest.mark.parametrize(
    "totals, expected",
    [
        ({"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0}, [("a", 1), ("b", 2), ("c", 2), ("d", 4)]),
        ({"d": 80.001, "c": 80.004, "b": 95.0, "a": None}, [("b", 1), ("c", 2), ("d", 2), ("a", None)]),
        ({"b": 80.006, "a": 80.004}, [("b", 1), ("a", 2)]),  # 80.01 > 80.00 after rounding
        ({"x": None, "w": None}, [("w", None), ("x", None)]),
        ({"a": 50.0, "b": 50.0, "c": 50.0}, [("a", 1), ("b", 1), ("c", 1)]),
    ],
)
def test_rank_sites(totals, expected) -> None:
    assert rank_sites(totals) == expected


@pytest.mark.parametrize("total, grade", [(90.0, "优秀"), (89.99, "良好"), (75.0, "良好"), (60.0, "合格"),
                                          (59.99, "不合格"), (0.0, "不合格"), (None, None)])
def test_grade_bands(total, grade) -> None:
    assert make_rubric().grade(total) == grade


def _province(tmp_path):
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    for sid in "abcd":
        b.observed(sid)
    b.doc("a", "决定书", items=("penalty-decision",), publish="2025-05-06", formation="2025-05-06", body=FULL)
    for sid in "bc":  # identical inputs: a tie
        b.doc(sid, "决定书", items=("penalty-decision",), publish="2025-05-06", body=FULL)
    assessment = make_assessment(tuple(make_site(s) for s in "edcba"))  # e is never observed
    return store, assessment


def test_ranking_with_ties_end_to_end(tmp_path) -> None:
    store, assessment = _province(tmp_path)
    result = run_scoring(store, assessment)
    assert [(s.site_id, s.rank) for s in result.sites] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", None)]
    a = result.site("a")
    # a: penalty-decision 100; eia, air, bulletin 0 (no column, nothing published: coverage 0,
    # timeliness 0 or null); enforcement-decision 0; policy-documents 0
    assert a.aspects == {"licensing": 0.0, "enforcement": pytest.approx(50.0), "quality": 0.0, "service": 0.0}
    assert a.total == pytest.approx(30 * 50 / 100)
    assert a.grade == "不合格"
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.site_scores.c.site_id, schema.site_scores.c.rank)
                            .where(schema.site_scores.c.scope == "total").order_by(schema.site_scores.c.site_id)).all()
    assert [tuple(r) for r in rows] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", None)]


def test_identical_inputs_give_identical_outputs(tmp_path) -> None:
    store, assessment = _province(tmp_path)
    first = run_scoring(store, assessment)
    csv1, json1 = write_scores_files(first, tmp_path / "one")
    with store.engine.connect() as conn:
        cols = [c for c in schema.scores.c if c.name not in ("id", "computed_at")]
        rows1 = conn.execute(select(*cols).order_by(schema.scores.c.site_id, schema.scores.c.item_id, schema.scores.c.criterion)).all()
    second = run_scoring(store, assessment)  # rescoring replaces the round's rows
    csv2, json2 = write_scores_files(second, tmp_path / "two")
    with store.engine.connect() as conn:
        rows2 = conn.execute(select(*cols).order_by(schema.scores.c.site_id, schema.scores.c.item_id, schema.scores.c.criterion)).all()
    assert rows1 == rows2 and len(rows2) == 5 * 7 * 4
    assert csv1.read_bytes() == csv2.read_bytes()
    assert json1.read_bytes() == json2.read_bytes()


def test_missing_aspect_weight_is_a_config_error(tmp_path) -> None:
    rubric = make_rubric(aspect_weights={"licensing": 50, "enforcement": 50}, path="rubric.yaml")
    with pytest.raises(ConfigError) as err:
        score_assessment(make_assessment(), open_store(tmp_path), make_catalogue(), rubric)
    assert str(err.value) == ("rubric.yaml: aspect_weights: no weight for the aspect 'quality' (环境质量与污染源信息) of "
                              "catalogue test-catalogue. Add quality: <weight> under aspect_weights, or use a rubric made for this catalogue")


def test_per_item_criterion_weights(tmp_path) -> None:
    store = open_store(tmp_path)
    b = StoreBuilder(store)
    b.observed("a")
    b.doc("a", "决定书", items=("penalty-decision",), publish="2025-05-06", body=FULL)  # timeliness 0
    rubric_changes = {"item_criterion_weights": {"penalty-decision": CriterionWeights(0.5, 0.5, 0.0)}}
    score = run_scoring(store, **rubric_changes).item("a", "penalty-decision")
    assert score.criteria["item"].value == pytest.approx(50.0)
    assert score.criteria["item"].findings[0]["text"] == "事项得分50（覆盖性 100×0.5，及时性 0×0.5，完整性 100×0）。"


def test_engine_agrees_with_the_independent_demo_truth(tmp_path) -> None:
    """On a flawless crawl of the demo province the engine reproduces the truth module's
    statuses, coverage and timeliness exactly, completeness within 1 point, and the ranking."""
    from evaluator.classify import classify_store
    from evaluator.demo.generator import demo_period
    from evaluator.demo.truth import province_truth
    from rubrics import load_catalogue, load_rubric

    store = open_store(tmp_path)
    sites = perfect_crawl(store, seed=0, n=6)
    start, end, ref, round_ = demo_period()
    assessment = make_assessment(sites, round=round_, period_start=start, period_end=end, reference_date=ref)
    catalogue = load_catalogue("mee-2019")
    rubric = load_rubric("default", catalogue)
    classify_store(assessment, store, catalogue)
    result = score_assessment(assessment, store, catalogue, rubric)
    truth = province_truth(0, 6, catalogue=catalogue, rubric=rubric)
    for site in truth["sites"]:
        for item_id, expected in site["items"].items():
            got = result.item(site["site_id"], item_id)
            where = (site["site_id"], item_id)
            assert got.status == expected["status"], where
            for criterion in ("coverage", "timeliness"):
                value = got.criteria[criterion].value
                assert (value is None and expected[criterion] is None) or value == pytest.approx(expected[criterion]), (where, criterion)
            if expected["status"] == "scored":
                assert got.criteria["completeness"].value == pytest.approx(expected["completeness"], abs=1.0), where
                assert got.criteria["item"].value == pytest.approx(expected["score"], abs=1.0), where
    assert [(s.rank, s.site_id) for s in result.sites] == [(r["rank"], r["site_id"]) for r in truth["ranking"]]
