"""The assessment file (evaluator/config.py): defaults, layering, validation, the template."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evaluator.config import load_assessment, write_assessment_template
from evaluator.errors import ConfigError
from evaluator.settings import CrawlLimits
from tests._catalogue_fixtures import ASSESSMENT, MINI_CATALOGUE, edit


@pytest.fixture
def write(tmp_path: Path):
    def _write(text: str) -> Path:
        path = tmp_path / "assessment.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALUATOR_STORE_URL", raising=False)
    monkeypatch.delenv("EVALUATOR_OUTPUT_DIR", raising=False)


def test_full_file(write) -> None:
    path = write(ASSESSMENT)
    a = load_assessment(path)
    assert (a.name, a.round, a.catalogue, a.rubric) == ("测试评估", "2024", "mee-2019", "default")
    assert (a.period_start, a.period_end, a.reference_date) == (date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 10))
    assert (a.assessor, a.store_url, a.concurrency) == ("测试组", "sqlite:///custom.db", 2)
    assert a.output_dir == path.parent / "out"
    assert a.evidence_dir == path.parent / "evidence"
    assert a.limits == CrawlLimits(max_pages=100, min_delay=0.5)
    alpha, beta = a.sites
    assert alpha.entry_points == ("https://sthjj.alpha.gov.cn/xxgk/", "https://sthjj.alpha.gov.cn/zwgk/")
    assert alpha.extra_hosts == ("www.alpha.gov.cn",)
    assert alpha.family == "trs"
    assert alpha.column_map == {
        "https://sthjj.alpha.gov.cn/xxgk/hpsp/": ("eia-approval",),
        "行政处罚": ("penalty-decision",),
    }
    assert alpha.not_applicable == ("radiation-permit",)
    assert a.limits_for(alpha) == CrawlLimits(max_pages=50, min_delay=0.5)  # site limits over the assessment's
    assert a.limits_for(beta) == a.limits
    assert (beta.family, beta.entry_points, beta.limits) == (None, (), None)
    assert a.path == path.resolve()


def test_defaults(write) -> None:
    from evaluator.store import default_store_url

    minimal = "name: x\nperiod: {start: 2024-07-01, end: 2025-06-30}\nsites:\n" + ASSESSMENT.split("sites:\n")[1]
    path = write(minimal)
    a = load_assessment(path)
    assert a.round == "2024-2025"
    assert a.reference_date == date(2025, 6, 30)
    assert a.store_url == default_store_url(path)
    assert a.output_dir == path.parent / "output"
    assert (a.concurrency, a.limits, a.holidays_file, a.assessor) == (8, CrawlLimits(), None, "独立第三方评估组")


def test_round_defaults_to_the_year(write) -> None:
    assert load_assessment(write(ASSESSMENT)).round == "2024"
    assert load_assessment(write("round: 2024-复评\n" + ASSESSMENT)).round == "2024-复评"


def test_environment_then_overrides(write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(ASSESSMENT)
    monkeypatch.setenv("EVALUATOR_STORE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("EVALUATOR_OUTPUT_DIR", str(tmp_path / "env-out"))
    a = load_assessment(path)
    assert (a.store_url, a.output_dir) == ("postgresql+psycopg://u@h/db", tmp_path / "env-out")
    b = load_assessment(path, store_url="sqlite:///flag.db", output_dir=str(tmp_path / "flag-out"), concurrency=None)
    assert (b.store_url, b.output_dir, b.concurrency) == ("sqlite:///flag.db", tmp_path / "flag-out", 2)


def test_unknown_override(write) -> None:
    with pytest.raises(ConfigError) as info:
        load_assessment(write(ASSESSMENT), outputdir="x")
    assert str(info.value) == "outputdir: unknown setting 'outputdir'. Use a field of evaluator.settings.Assessment"


def test_catalogue_path_relative_to_the_file(write, tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINI_CATALOGUE, encoding="utf-8")
    text = "catalogue: mini.yaml\nrubric: " + str(tmp_path / "r.yaml") + "\n" + ASSESSMENT
    from tests._catalogue_fixtures import MINI_RUBRIC

    (tmp_path / "r.yaml").write_text(MINI_RUBRIC, encoding="utf-8")
    text = edit(text, "    not_applicable: [radiation-permit]", "    not_applicable: [eia-approval]")
    a = load_assessment(write(text))
    assert a.catalogue == "mini.yaml"
    assert a.sites[0].not_applicable == ("eia-approval",)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_assessment(tmp_path / "none.yaml")
    assert str(info.value) == f"{tmp_path / 'none.yaml'}: no such assessment file. Create one with 'evaluator init DIR'"


URL_FIX = "Write the full address, for example https://sthjj.example.gov.cn/"
ERRORS = [
    ("name: 测试评估", "nam: 测试评估", "1: nam: unknown key 'nam'. Did you mean 'name'?"),
    ("  end: 2024-12-31", "  end: 2023-12-31",
     "4: period.end: the period ends (2023-12-31) before it starts (2024-01-01). Swap start and end"),
    ("  end: 2024-12-31", "  end: 2024-13-01",
     "4: period.end: expected a date (YYYY-MM-DD), got '2024-13-01'. Write the date as YYYY-MM-DD."),
    ("  end: 2024-12-31", "  end: next year",
     "4: period.end: expected a date (YYYY-MM-DD), got 'next year'. Write the date as YYYY-MM-DD."),
    ("reference_date: 2025-01-10", "reference_date: 2023-01-10",
     "5: reference_date: the reference date 2023-01-10 is before the period starts (2024-01-01). "
     "The reference date is the day of the assessment: on or after the period's start"),
    ("    base_url: http://www.beta.gov.cn/sthjj/", "    base_url: ftp://www.beta.gov.cn/",
     f"30: sites[1].base_url: 'ftp://www.beta.gov.cn/' is not an http(s) URL. {URL_FIX}"),
    ("    base_url: http://www.beta.gov.cn/sthjj/", "    base_url: www.beta.gov.cn",
     f"30: sites[1].base_url: 'www.beta.gov.cn' is not an http(s) URL. {URL_FIX}"),
    ("    entry_points: [/xxgk/, https://sthjj.alpha.gov.cn/zwgk/]", "    entry_points: [xxgk/]",
     f"18: sites[0].entry_points[0]: 'xxgk/' is not an http(s) URL. {URL_FIX}"),
    ("  - id: beta", "  - id: alpha",
     "27: sites[1].id: duplicate site id 'alpha' (first on line 14). Give every site its own id"),
    ("  - id: beta", "  - id: Beta City",
     "27: sites[1].id: 'Beta City' is not a valid site id. "
     "Use lower-case ASCII letters, digits, '-' and '_' (for example 'guangzhou')"),
    ("      行政处罚: penalty-decision", "      行政处罚: penalty-decisions",
     "23: sites[0].column_map.行政处罚: unknown item id 'penalty-decisions' (not in catalogue mee-2019). "
     "Did you mean 'penalty-decision'?"),
    ("    not_applicable: [radiation-permit]", "    not_applicable: [marine-permit]",
     "24: sites[0].not_applicable[0]: unknown item id 'marine-permit' (not in catalogue mee-2019). "
     "Did you mean 'radiation-permit'?"),
    ("    not_applicable: [radiation-permit]", "    not_applicable: radiation-permit",
     "24: sites[0].not_applicable: expected a list, got 'radiation-permit'"),
    ("    family: trs", "    family: wordpress",
     "20: sites[0].family: unknown site family 'wordpress'. Known families: trs, hanweb, gkmlpt, generic"),
    ("    family: trs", "    family: hanwb",
     "20: sites[0].family: unknown site family 'hanwb'. Did you mean 'hanweb'? Known families: trs, hanweb, gkmlpt, generic"),
    ("concurrency: 2", "concurrency: two", "9: concurrency: expected an integer, got 'two'"),
    ("concurrency: 2", "concurrency: 0", "9: concurrency: must be at least 1, got 0"),
    ("  min_delay: 0.5", "  min_dealy: 0.5", "12: limits.min_dealy: unknown key 'min_dealy'. Did you mean 'min_delay'?"),
    ("  min_delay: 0.5", "  min_delay: fast", "12: limits.min_delay: expected a number, got 'fast'"),
    ("      max_pages: 50", "      max_pages: 0", "26: sites[0].limits.max_pages: max_pages must be greater than 0"),
    ("    extra_hosts: [www.alpha.gov.cn]", "    extra_hosts: [https://www.alpha.gov.cn/]",
     "19: sites[0].extra_hosts[0]: 'https://www.alpha.gov.cn/' is not a host name. "
     "Write only the host, for example www.city.gov.cn"),
    ("    region: 乙市\n", "",
     "27: sites[1].region: missing required key 'region' in site 'beta'. Add 'region: …' (see docs/catalogue.md)."),
    ("store: sqlite:///custom.db", "catalogue: nowhere.yaml",
     "7: catalogue: no built-in catalogue 'nowhere.yaml' and no such file. "
     "Use a built-in catalogue (mee-2019) or the path of a catalogue file"),
    ("store: sqlite:///custom.db", "rubric: nowhere.yaml",
     "7: rubric: no built-in rubric 'nowhere.yaml' and no such file. "
     "Use a built-in rubric (default) or the path of a rubric file"),
    ("sites:\n", "sites: []\nx:\n", "14: x: unknown key 'x'. Known keys: name, round, catalogue, rubric, period, "
     "reference_date, assessor, user_agent, store, output_dir, evidence_dir, holidays_file, concurrency, limits, sites."),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), ERRORS)
def test_errors(write, old: str, new: str, message: str) -> None:
    path = write(edit(ASSESSMENT, old, new))
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    assert str(info.value) == f"{path}:{message}"


def test_no_sites(write) -> None:
    path = write(ASSESSMENT.split("sites:\n")[0] + "sites: []\n")
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    assert str(info.value) == f"{path}:13: sites: the assessment has no sites. List at least one site (see 'evaluator init')"


def test_missing_holidays_file(write) -> None:
    path = write(edit(ASSESSMENT, "output_dir: out", "holidays_file: holidays.yaml"))
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    assert str(info.value) == (
        f"{path}:8: holidays_file: no such file: {path.parent / 'holidays.yaml'}. "
        "Give the path of the holidays file relative to the assessment file"
    )


def test_template_is_valid_and_commented(tmp_path: Path) -> None:
    path = write_assessment_template(tmp_path / "new")
    assert path == tmp_path / "new" / "assessment.yaml"
    a = load_assessment(path)
    assert [s.id for s in a.sites] == ["guangzhou", "zhaoqing"]
    assert a.sites[1].not_applicable == ("radiation-permit",)
    text = path.read_text(encoding="utf-8")
    for key in ("name:", "round:", "catalogue:", "rubric:", "period:", "reference_date:", "assessor:", "user_agent:",
                "store:", "output_dir:", "evidence_dir:", "holidays_file:", "concurrency:", "limits:", "sites:",
                "entry_points:", "extra_hosts:", "family:", "column_map:", "not_applicable:"):  # fmt: skip
        assert key in text, key
    assert "评估期" in text and "Assessment period" in text


def test_template_does_not_overwrite(tmp_path: Path) -> None:
    path = write_assessment_template(tmp_path)
    with pytest.raises(ConfigError) as info:
        write_assessment_template(tmp_path)
    assert str(info.value) == f"{path}: the file already exists. Choose another folder or pass --force to replace it"
    assert write_assessment_template(tmp_path, overwrite=True) == path
