"""The built-in rubric and rubric validation (rubrics/loader.py, validate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.errors import ConfigError
from rubrics import Catalogue, CriterionWeights, builtin_rubrics, catalogue_from_text, load_catalogue, load_rubric
from rubrics import rubric_from_text
from tests._catalogue_fixtures import MINI_CATALOGUE, MINI_RUBRIC, edit, line_of


@pytest.fixture(scope="module")
def mini() -> Catalogue:
    return catalogue_from_text(MINI_CATALOGUE, "c.yaml")


def test_default_rubric() -> None:
    assert builtin_rubrics() == ("default",)
    rubric = load_rubric("default")
    assert rubric.criterion_weights == CriterionWeights(coverage=0.4, timeliness=0.3, completeness=0.3)
    assert rubric.aspect_weights == {
        "licensing": 25, "enforcement": 25, "public-service": 20, "environment-info": 15, "eco-management": 15,
    }  # fmt: skip
    assert set(rubric.item_weights) == set(load_catalogue("mee-2019").item_ids)
    assert set(rubric.item_weights.values()) == {1.0}
    assert [(b.name, b.min_score) for b in rubric.grade_bands] == [("优秀", 90), ("良好", 75), ("合格", 60), ("不合格", 0)]
    assert (rubric.coverage_column_only, rubric.attachment_weight) == (40, 0.2)
    assert (rubric.double_publicity, rubric.double_publicity_days, rubric.event_driven_empty_is_failure) == (False, 7, False)
    assert rubric.item_criterion_weights == {}


def test_every_key_of_the_default_rubric_is_commented() -> None:
    text = (Path(__file__).parents[1] / "rubrics" / "data" / "default-rubric.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith((" ", "#", "-")):  # a top-level key
            commented = "#" in line or lines[number - 1].startswith("#")
            assert commented, f"line {number + 1} has no comment: {line}"


@pytest.mark.parametrize(
    ("score", "grade"), [(100, "优秀"), (90, "优秀"), (89.99, "良好"), (75, "良好"), (60, "合格"), (59.9, "不合格"), (0, "不合格")]
)
def test_grades(score: float, grade: str) -> None:
    assert load_rubric("default").grade(score) == grade


def test_mini_rubric(mini: Catalogue) -> None:
    rubric = rubric_from_text(MINI_RUBRIC, mini, "r.yaml")
    assert rubric.weights_for("penalty-decision") == CriterionWeights(0.5, 0.5, 0.0)
    assert rubric.weights_for("eia-approval") == CriterionWeights(0.4, 0.3, 0.3)
    assert rubric.item_weights == {"eia-approval": 2.0, "penalty-decision": 1.0}
    assert (rubric.coverage_column_only, rubric.attachment_weight, rubric.double_publicity_days) == (30, 0.1, 5)
    assert rubric.double_publicity and rubric.event_driven_empty_is_failure


def test_optional_keys_take_the_documented_defaults(mini: Catalogue) -> None:
    text = MINI_RUBRIC.split("coverage_column_only")[0]
    rubric = rubric_from_text(text, mini)
    assert (rubric.coverage_column_only, rubric.attachment_weight, rubric.double_publicity) == (40.0, 0.2, False)
    assert (rubric.double_publicity_days, rubric.event_driven_empty_is_failure) == (7, False)


SUM_FIX = "Make coverage + timeliness + completeness equal 1 (for example 0.4, 0.3, 0.3)"
ERRORS = [
    ("  completeness: 0.3\nitem_criterion", "  completeness: 0.4\nitem_criterion",
     f"r.yaml:3: criterion_weights: criterion weights sum to 1.1, not 1. {SUM_FIX}"),
    ("  penalty-decision: {coverage: 0.5, timeliness: 0.5, completeness: 0}",
     "  penalty-decision: {coverage: 0.5, timeliness: 0.6, completeness: 0}",
     f"r.yaml:8: item_criterion_weights.penalty-decision: criterion weights sum to 1.1, not 1. {SUM_FIX}"),
    ("  licensing: 60", "  licensing: 50",
     "r.yaml:9: aspect_weights: aspect weights sum to 90, not 100. Make the aspect weights add up to 100"),
    ("  licensing: 60\n  enforcement: 40\n", "  licensing: 100\n",
     "r.yaml:9: aspect_weights: no weight for aspect 'enforcement'. Give every aspect of the catalogue a weight "
     "(0 to leave it out)"),
    ("  licensing: 60", "  licensng: 60",
     "r.yaml:10: aspect_weights.licensng: unknown aspect id 'licensng' (not in catalogue mini). "
     "Did you mean 'licensing'? Known aspects: licensing, enforcement"),
    ("  eia-approval: 2", "  eia-aproval: 2",
     "r.yaml:13: item_weights.eia-aproval: unknown item id 'eia-aproval' (not in catalogue mini). "
     "Did you mean 'eia-approval'?"),
    ("  penalty-decision: {", "  penalty-decisio: {",
     "r.yaml:8: item_criterion_weights.penalty-decisio: unknown item id 'penalty-decisio' (not in catalogue mini). "
     "Did you mean 'penalty-decision'?"),
    ("  eia-approval: 2", "  eia-approval: 0",
     "r.yaml:13: item_weights.eia-approval: an item weight must be greater than 0. "
     "Use not_applicable in the assessment to drop an item"),
    ("  - {name: 合格, min_score: 60}", "  - {name: 合格, min_score: 95}",
     "r.yaml:16: grade_bands[1].min_score: grade bands must be in descending order: '合格' (95) comes after "
     "'优秀' (90). List the bands from the highest min_score to the lowest"),
    ("  - {name: 合格, min_score: 60}", "  - {name: 合格, min_score: 90}",
     "r.yaml:16: grade_bands[1].min_score: grade bands must be in descending order: '合格' (90) comes after "
     "'优秀' (90). List the bands from the highest min_score to the lowest"),
    ("  - {name: 合格, min_score: 60}", "  - {name: 合格, min_score: 160}",
     "r.yaml:16: grade_bands[1].min_score: must be at most 100, got 160"),
    ("  - {name: 合格, min_score: 60}", "  - {name: 合格, minimum: 60}",
     "r.yaml:16: grade_bands[1].minimum: unknown key 'minimum'. Known keys: name, min_score."),
    ("attachment_weight: 0.1", "attachment_weight: 1.5", "r.yaml:19: attachment_weight: must be at most 1, got 1.5"),
    ("double_publicity_days: 5", "double_publicity_days: five",
     "r.yaml:21: double_publicity_days: expected an integer, got 'five'"),
    ("double_publicity: true", "double_publicty: true",
     "r.yaml:20: double_publicty: unknown key 'double_publicty'. Did you mean 'double_publicity'?"),
    ("coverage_column_only: 30", "coverage_column_only: '30'",
     "r.yaml:18: coverage_column_only: expected a number, got '30'"),
    ("criterion_weights:\n  coverage: 0.4\n  timeliness: 0.3\n  completeness: 0.3\n", "",
     "r.yaml:1: criterion_weights: missing required key 'criterion_weights' in the rubric. "
     "Add 'criterion_weights: …' (see docs/catalogue.md)."),
    ("  timeliness: 0.3\n  completeness: 0.3\nitem", "  timeliness: 0.6\nitem",
     "r.yaml:3: criterion_weights.completeness: missing required key 'completeness' in the criterion weights. "
     "Add 'completeness: …' (see docs/catalogue.md)."),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), ERRORS)
def test_rubric_errors(mini: Catalogue, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        rubric_from_text(edit(MINI_RUBRIC, old, new), mini, "r.yaml")
    assert str(info.value) == message


def test_rubric_checked_against_the_catalogue_it_names(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINI_CATALOGUE, encoding="utf-8")
    rubric_path = tmp_path / "rubric.yaml"
    rubric_path.write_text("catalogue: mini.yaml\n" + MINI_RUBRIC, encoding="utf-8")
    assert load_rubric(rubric_path).aspect_weights == {"licensing": 60, "enforcement": 40}


def test_default_rubric_does_not_fit_another_catalogue(mini: Catalogue) -> None:
    path = Path(__file__).parents[1] / "rubrics" / "data" / "default-rubric.yaml"
    line = line_of(path.read_text(encoding="utf-8"), "  public-service: 20")
    with pytest.raises(ConfigError) as info:
        load_rubric("default", mini)
    assert str(info.value).endswith(
        f"default-rubric.yaml:{line}: aspect_weights.public-service: unknown aspect id 'public-service' "
        "(not in catalogue mini). Known aspects: licensing, enforcement"
    )


def test_unknown_catalogue_named_in_the_rubric(tmp_path: Path) -> None:
    path = tmp_path / "rubric.yaml"
    path.write_text("catalogue: nowhere.yaml\n" + MINI_RUBRIC, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert str(info.value) == (
        f"{path}:1: catalogue: no built-in catalogue 'nowhere.yaml' and no such file. "
        "Use a built-in catalogue (mee-2019) or the path of a catalogue file"
    )


def test_rubric_must_be_yaml(tmp_path: Path) -> None:
    path = tmp_path / "rubric.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert str(info.value) == f"{path}: a rubric must be a YAML file, not '.xlsx'. Copy rubrics/data/default-rubric.yaml and edit it"
