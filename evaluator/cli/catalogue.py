"""``evaluator catalogue``: show, validate and import disclosure catalogues."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evaluator.cli import app
from evaluator.errors import ConfigError

catalogue_app = typer.Typer(
    help="Show, validate and import disclosure catalogues (公开目录) and rubrics.",
    no_args_is_help=True,
)
app.add_typer(catalogue_app, name="catalogue")
console = Console()

_KIND_LABELS = {
    "workdays_from_formation": "{days}个工作日（自形成/变更）",
    "workdays_from_receipt": "{days}个工作日（自收到申请）",
    "annual_deadline": "每年{month}月{day}日前",
    "frequency": "{period}",
    "link_to_higher_level": "链接上级栏目",
    "as_occurs": "按实际更新",
}
_PERIODS = {"month": "每月", "quarter": "每季度", "half-year": "每半年", "year": "每年"}


def _time_limit_label(item: object) -> str:
    limit = item.time_limit  # type: ignore[attr-defined]
    if limit.kind == "frequency":
        label = _PERIODS[limit.period] + "至少1次"
        return label + (f"（{limit.day}日前）" if limit.day else "")
    return _KIND_LABELS[limit.kind].format(days=limit.days, month=limit.month, day=limit.day, period=limit.period)


@catalogue_app.command("show")
def show(
    catalogue: str = typer.Argument("mee-2019", help="A built-in catalogue id or the path of a YAML/XLSX catalogue."),
) -> None:
    """Print a catalogue as a table: aspect, item id, item, time limit, mode, provenance.

    Example:

        evaluator catalogue show mee-2019
    """
    from rubrics import load_catalogue

    loaded = load_catalogue(catalogue)
    table = Table(title=escape(f"{loaded.title}（{loaded.id}，{loaded.source}）"), show_lines=False)
    for header in ("方面 Aspect", "编号 Id", "事项 Item", "公开时限 Time limit", "公开方式 Mode", "来源 Provenance"):
        table.add_column(header, overflow="fold")
    names = {aspect.id: aspect.name for aspect in loaded.aspects}
    previous = None
    for item in loaded.items:
        aspect = names[item.aspect] if item.aspect != previous else ""
        previous = item.aspect
        mode = f"{item.mode}/{item.audience}"
        table.add_row(
            escape(aspect), item.id, escape(item.name), escape(_time_limit_label(item)), mode, item.provenance
        )
    console.print(table)
    console.print(f"{len(loaded.items)} items in {len(loaded.aspects)} aspects", highlight=False)
    if loaded.provenance_note:
        console.print(escape(loaded.provenance_note), highlight=False)


@catalogue_app.command("validate")
def validate(
    file: Path = typer.Argument(..., help="A catalogue (YAML/XLSX) or rubric (YAML) file to check."),
    catalogue: str = typer.Option(
        None, "--catalogue", "-c", help="Check a rubric against this catalogue instead of the one it names."
    ),
) -> None:
    """Check a catalogue or rubric file and report the first problem with its line and fix.

    Exit status 0 and an "ok" line when the file is valid, 2 with the error otherwise.

    Example:

        evaluator catalogue validate my-province.yaml
        evaluator catalogue validate my-rubric.yaml --catalogue my-province.yaml
    """
    from rubrics import load_catalogue, load_rubric
    from rubrics.yamlsource import parse_yaml

    if not file.exists():
        raise ConfigError("no such file", path=str(file), fix="Check the path")
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        loaded = load_catalogue(file)
        console.print(f"ok: catalogue {loaded.id}: {len(loaded.items)} items in {len(loaded.aspects)} aspects", highlight=False)
        return
    root = parse_yaml(file.read_text(encoding="utf-8-sig"), str(file))
    is_rubric = isinstance(root.value, dict) and "criterion_weights" in root.value
    if is_rubric:
        against = load_catalogue(catalogue) if catalogue else None
        rubric = load_rubric(file, against)
        bands = "/".join(band.name for band in rubric.grade_bands)
        console.print(
            f"ok: rubric {rubric.id}: {len(rubric.aspect_weights)} aspects, grade bands {escape(bands)}", highlight=False
        )
        return
    loaded = load_catalogue(file)
    console.print(f"ok: catalogue {loaded.id}: {len(loaded.items)} items in {len(loaded.aspects)} aspects", highlight=False)


@catalogue_app.command("import")
def import_(
    source: str = typer.Argument(..., help="A published catalogue: an HTML or XLSX file, or an http(s) URL of one."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the catalogue YAML."),
    catalogue_id: str = typer.Option(None, "--id", help="Id of the imported catalogue (default: from the file name)."),
    title: str = typer.Option(None, "--title", help="Title of the imported catalogue (default: the page title)."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for a URL."),
    force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists."),
) -> None:
    """Turn a published province or city catalogue (HTML table or XLSX) into catalogue YAML.

    Writes OUTPUT and, beside it, OUTPUT.report.txt listing every cell that could not be
    mapped. The result loads with 'evaluator catalogue show OUTPUT'.

    Example:

        evaluator catalogue import guangdong-catalogue.html -o guangdong.yaml
        evaluator catalogue import https://sthjj.example.gov.cn/gkml/ml.xlsx -o city.yaml --id city-2024
    """
    from rubrics.importer import import_catalogue, write_import

    if output.exists() and not force:
        raise ConfigError("the file already exists", path=str(output), fix="Choose another path or pass --force")
    result = import_catalogue(source, catalogue_id=catalogue_id, title=title, timeout=timeout)
    report = write_import(result, output)
    mapped = sum(1 for item in result.catalogue.items if item.id in result.matched_ids)
    console.print(
        f"imported {len(result.catalogue.items)} items in {len(result.catalogue.aspects)} aspects "
        f"({mapped} matched to mee-2019 ids); {len(result.unmapped)} cells not mapped",
        highlight=False,
    )
    console.print(escape(f"catalogue: {output}"), highlight=False)
    console.print(escape(f"report: {report}"), highlight=False)
