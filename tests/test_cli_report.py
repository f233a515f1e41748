"""`evaluator report`: writes the requested formats and prints their paths; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.cli import main
from tests._report_fixtures import build_province, city_names


@pytest.fixture(scope="module")
def assessment_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli_report")
    province = build_province(root / "store.db")
    province.store.close()
    sites = "\n".join(
        f"  - id: {site_id}\n    name: {name}\n    region: {name}\n"
        f"    base_url: https://sthjj.{site_id}.example.gov.cn/"
        for site_id, name in city_names(6)
    )
    path = root / "assessment.yaml"
    path.write_text(
        "name: 江南省城市生态环境局政务公开评估\n"
        'round: "2025"\n'
        "period:\n  start: 2025-01-01\n  end: 2025-06-30\n"
        "reference_date: 2025-07-15\n"
        f"store: sqlite:///{root / 'store.db'}\n"
        "output_dir: reports-out\n"
        f"sites:\n{sites}\n",
        encoding="utf-8",
    )
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "csv,json"], ["2025/scores.csv", "2025/scores.json"]),
        (["--format", "html", "--site", "bailu"], ["2025/cities/bailu.html", "2025/checklists/bailu.html"]),
        (["-f", "html", "-s", "bailu", "--lang", "en"], ["2025/cities/bailu.en.html", "2025/checklists/bailu.en.html"]),
        (["--format", "json", "--round", "2024"], ["2024/scores.json"]),
    ],
)
def test_report_writes_and_prints_paths(assessment_file: Path, capsys, args: list[str], expected: list[str]) -> None:
    code, out, err = _run(["report", str(assessment_file), *args], capsys)
    assert code == 0, err
    out_dir = assessment_file.parent / "reports-out"
    assert out.splitlines() == [str(out_dir / p) for p in expected]
    assert all((out_dir / p).is_file() for p in expected)


def test_out_option(assessment_file: Path, tmp_path: Path, capsys) -> None:
    code, out, _err = _run(["report", str(assessment_file), "--format", "json", "--out", str(tmp_path)], capsys)
    assert code == 0 and out.strip() == str(tmp_path / "2025" / "scores.json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "unknown report format(s) docx: choose from html,pdf,xlsx,csv,json"),
        (["--lang", "fr"], "unknown report language 'fr': use one of zh, en (--lang zh|en)"),
        (["--site", "atlantis"], "no scores for site(s) atlantis in round '2025'"),
        (["--round", "1999"], "has no scores for round '1999' (rounds in the store: 2024, 2025)"),
    ],
)
def test_report_errors(assessment_file: Path, capsys, args: list[str], message: str) -> None:
    code, out, err = _run(["report", str(assessment_file), *args], capsys)
    assert code == 2 and out == ""
    assert message in " ".join(err.split())


def test_missing_store(tmp_path: Path, capsys) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        "name: x\nperiod:\n  start: 2025-01-01\n  end: 2025-06-30\n"
        f"store: sqlite:///{tmp_path / 'none.db'}\n"
        "sites:\n  - id: a\n    name: 甲市\n    region: 甲市\n    base_url: https://a.example.gov.cn/\n",
        encoding="utf-8",
    )
    code, _out, err = _run(["report", str(path)], capsys)
    assert code == 2 and "run `evaluator crawl` first" in " ".join(err.split())
