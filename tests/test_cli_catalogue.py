"""`evaluator catalogue show|validate|import` and `evaluator init`: output, exit codes, error text."""

from __future__ import annotations

from pathlib import Path

import pytest

import evaluator.cli
from tests._catalogue_fixtures import MINI_CATALOGUE, MINI_RUBRIC, edit
from tests.test_catalogue_import import TWO_ROW_HEADER


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``evaluator ARGS`` through the real entry point; return (exit code, stdout, stderr).

    Only this area's command modules are registered, so the test does not depend on the other
    stages' modules.
    """
    import evaluator.cli.catalogue  # noqa: F401
    import evaluator.cli.init  # noqa: F401

    monkeypatch.setattr(evaluator.cli, "_register", lambda: None)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as info:
            evaluator.cli.main(list(args))
        out, err = capsys.readouterr()
        return int(info.value.code or 0), out, err

    return run


def test_show_builtin(cli) -> None:
    code, out, err = cli("catalogue", "show", "mee-2019")
    assert (code, err) == (0, "")
    assert "25 items in 5 aspects" in out.splitlines()
    for text in ("eia-approval", "建设项目环境影响评价文件审批", "20个工作日（自形成/变更）", "每年6月5日前",
                 "每月至少1次（10日前）", "依申请/特定群体", "reconstructed", "行政处罚行政强制和行政命令"):  # fmt: skip
        assert text in out, text


def test_show_defaults_to_the_builtin(cli) -> None:
    code, out, _ = cli("catalogue", "show")
    assert code == 0 and "25 items in 5 aspects" in out


def test_show_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_CATALOGUE, encoding="utf-8")
    code, out, _ = cli("catalogue", "show", str(path))
    assert code == 0
    assert "2 items in 2 aspects" in out.splitlines()
    assert "每年1月31日前" in out


def test_show_unknown(cli) -> None:
    code, out, err = cli("catalogue", "show", "mee-2020")
    assert (code, out) == (2, "")
    assert err == (
        "error: catalogue: no built-in catalogue 'mee-2020' and no such file. "
        "Use a built-in catalogue (mee-2019) or the path of a catalogue file\n"
    )


def test_validate_ok(cli, tmp_path: Path) -> None:
    catalogue = tmp_path / "mini.yaml"
    catalogue.write_text(MINI_CATALOGUE, encoding="utf-8")
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(MINI_RUBRIC, encoding="utf-8")
    assert cli("catalogue", "validate", str(catalogue)) == (0, "ok: catalogue mini: 2 items in 2 aspects\n", "")
    assert cli("catalogue", "validate", str(rubric), "--catalogue", str(catalogue)) == (
        0, "ok: rubric mini-rubric: 2 aspects, grade bands 优秀/合格/不合格\n", "",
    )  # fmt: skip
    builtin = Path(__file__).parents[1] / "rubrics" / "data"
    assert cli("catalogue", "validate", str(builtin / "default-rubric.yaml"))[1] == (
        "ok: rubric default: 5 aspects, grade bands 优秀/良好/合格/不合格\n"
    )
    assert cli("catalogue", "validate", str(builtin / "mee-2019.yaml"))[1] == (
        "ok: catalogue mee-2019: 25 items in 5 aspects\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("title: 测试目录", "titel: 测试目录", "2: titel: unknown key 'titel'. Did you mean 'title'?"),
        ("    aspect: enforcement         # 2", "    aspect: other",
         "33: items[1].aspect: unknown aspect id 'other'. Known aspects: licensing, enforcement"),
        ("    name: 行政处罚决定            # 2", "    name: [行政处罚决定",
         "35:13: malformed YAML: expected ',' or ']', but got ':'. Check the indentation and quoting on this line "
         "(regular expressions and texts with ': ' need quotes)"),
    ],
)  # fmt: skip
def test_validate_catalogue_errors(cli, tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(edit(MINI_CATALOGUE, old, new), encoding="utf-8")
    code, out, err = cli("catalogue", "validate", str(path))
    assert (code, out) == (2, "")
    assert err == f"error: {path.resolve()}:{message}\n"


def test_validate_rubric_error(cli, tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINI_CATALOGUE, encoding="utf-8")
    path = tmp_path / "rubric.yaml"
    path.write_text("catalogue: mini.yaml\n" + edit(MINI_RUBRIC, "  licensing: 60", "  licensing: 50"), encoding="utf-8")
    code, _, err = cli("catalogue", "validate", str(path))
    assert code == 2
    assert err == f"error: {path}:10: aspect_weights: aspect weights sum to 90, not 100. Make the aspect weights add up to 100\n"


def test_validate_missing_file(cli, tmp_path: Path) -> None:
    code, _, err = cli("catalogue", "validate", str(tmp_path / "none.yaml"))
    assert (code, err) == (2, f"error: {tmp_path / 'none.yaml'}: no such file. Check the path\n")


def test_import(cli, tmp_path: Path) -> None:
    source = tmp_path / "city.html"
    source.write_text(TWO_ROW_HEADER.format(charset="utf-8"), encoding="utf-8")
    output = tmp_path / "city.yaml"
    code, out, err = cli("catalogue", "import", str(source), "-o", str(output), "--id", "city-2024")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "imported 5 items in 2 aspects (4 matched to mee-2019 ids); 2 cells not mapped",
        f"catalogue: {output}",
        f"report: {output}.report.txt",
    ]
    assert cli("catalogue", "validate", str(output))[1] == "ok: catalogue city-2024: 5 items in 2 aspects\n"
    code, _, err = cli("catalogue", "import", str(source), "-o", str(output))
    assert (code, err) == (2, f"error: {output}: the file already exists. Choose another path or pass --force\n")
    assert cli("catalogue", "import", str(source), "-o", str(output), "--force")[0] == 0


def test_import_error(cli, tmp_path: Path) -> None:
    source = tmp_path / "empty.html"
    source.write_text("<html><body>没有表格</body></html>", encoding="utf-8")
    code, _, err = cli("catalogue", "import", str(source), "-o", str(tmp_path / "x.yaml"))
    assert code == 2
    assert err == f"error: {source}: the page has no table. Import the page that shows the catalogue table, or its XLSX\n"


def test_init(cli, tmp_path: Path) -> None:
    target = tmp_path / "round-2024"
    code, out, err = cli("init", str(target))
    assert (code, err) == (0, "")
    assert out == f"wrote {target / 'assessment.yaml'} (2 example sites)\n"
    code, _, err = cli("init", str(target))
    assert (code, err) == (
        2, f"error: {target / 'assessment.yaml'}: the file already exists. Choose another folder or pass --force to replace it\n",
    )  # fmt: skip
    assert cli("init", str(target), "--force")[0] == 0


def test_help_texts(cli) -> None:
    code, out, _ = cli("catalogue", "import", "--help")
    assert code == 0
    for text in ("--output", "Where to write the catalogue YAML", "--id", "--title", "--timeout", "--force", "Example"):
        assert text in out, text
