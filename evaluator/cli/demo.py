"""`evaluator demo …`: serve the demo province (generated bureau sites) on 127.0.0.1."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer
from rich.console import Console

from evaluator.cli import app
from evaluator.demo.render import entry_point_path
from evaluator.demo.server import DemoProvince

console = Console()

demo_app = typer.Typer(
    name="demo",
    help="The demo province: generated bureau sites in four CMS families, served on 127.0.0.1.",
    add_completion=False,
    invoke_without_command=True,
)
app.add_typer(demo_app, name="demo")


@demo_app.callback()
def demo_command(
    ctx: typer.Context,
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo's assessment, store, evidence and reports.", file_okay=False),
    sites: int = typer.Option(12, "--sites", min=1, max=300, help="Number of city bureau sites."),
    seed: int = typer.Option(0, "--seed", help="Province seed: the same seed gives the same province and ranking."),
    formats: str = typer.Option("html,pdf,xlsx,csv,json", "--format", help="Report formats, comma-separated."),
    lang: str = typer.Option("zh", "--lang", help="Report language: zh or en."),
) -> None:
    """Run the whole assessment on the demo province: serve, crawl, score, report, stop.

    Starts the simulated province on 127.0.0.1, writes its assessment.yaml into --out, runs
    every stage and prints where the reports are. A rerun starts the demo afresh.

        evaluator demo --out demo-output
        evaluator demo --sites 4 --format html
    """
    if ctx.invoked_subcommand is not None:
        return
    from evaluator.cli.run import parse_formats, print_run_summary, run_with_display
    from evaluator.config import load_assessment
    from evaluator.pipeline import RunOptions

    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    chosen = parse_formats(formats)
    out = out.resolve()
    _clear_previous_demo(out)
    console.print(f"示范省 demo province: seed {seed}, {sites} sites → {out}", highlight=False)
    with DemoProvince(seed=seed, sites=sites) as province:
        path = province.write_assessment(out / "assessment.yaml", output_dir=str(out / "reports"))
        assessment = load_assessment(path)
        result = run_with_display(assessment, RunOptions(formats=chosen, lang=lang))
    print_run_summary(result, assessment)
    province_html = next((p for p in result.report_paths if p.name == "province.html"), None)
    console.print(f"assessment: {path}", highlight=False, soft_wrap=True)
    if province_html is not None:
        console.print(f"open the provincial report: file://{province_html}", highlight=False, soft_wrap=True)
    console.print(f"analyse it in pandas: notebooks/explore_assessment.ipynb with EVALUATOR_ASSESSMENT={path}", highlight=False, soft_wrap=True)


def _clear_previous_demo(out: Path) -> None:
    """Remove what an earlier demo run left in ``out`` (its servers' ports change between runs)."""
    import shutil

    for name in ("assessment.db", "assessment.db-wal", "assessment.db-shm"):
        (out / name).unlink(missing_ok=True)
    for folder in ("evidence", "reports"):
        if (out / folder).is_dir():
            shutil.rmtree(out / folder)


@demo_app.command("serve")
def serve_command(
    sites: int = typer.Option(12, "--sites", min=1, max=2000, help="Number of city bureau sites."),
    seed: int = typer.Option(0, "--seed", help="Province seed: the same seed serves the same bytes."),
    pages: int = typer.Option(None, "--pages", min=1, help="Documents per site (default: by profile, ~60–120)."),
    port_base: int = typer.Option(
        0, "--port-base", min=0, max=65535,
        help="First port: site i gets port_base+2(i-1) (bureau) and the next one (portal). 0 = free ports.",
    ),
    out: Path = typer.Option(
        Path("demo"), "--out", help="Folder for assessment.yaml (created if missing).", file_okay=False
    ),
) -> None:
    """Serve the demo province until Ctrl-C and write a ready assessment.yaml.

    Example: evaluator demo serve --sites 12 --seed 0 --port-base 18000 --out demo/
    """
    try:
        province = DemoProvince(seed=seed, sites=sites, pages=pages, port_base=port_base)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--port-base") from exc
    try:
        province.start()
    except OSError as exc:
        console.print(f"[bold red]error:[/] {exc.strerror or exc}", highlight=False)
        raise typer.Exit(2) from exc
    try:
        out.mkdir(parents=True, exist_ok=True)
        assessment = province.write_assessment(out / "assessment.yaml")
        console.print(f"示范省 demo province: seed {seed}, {sites} sites", highlight=False)
        for endpoint in province.endpoints:
            site = province.site(endpoint.site_id)
            entry = endpoint.base_url.rstrip("/") + entry_point_path(site)
            console.print(
                f"{endpoint.site_id}  {endpoint.family:<8} {endpoint.name}  {entry}  portal {endpoint.portal_url}",
                highlight=False, soft_wrap=True,
            )
        console.print(f"assessment: {assessment}", highlight=False, soft_wrap=True)
        console.print(f"crawl it:   evaluator run {assessment}", highlight=False, soft_wrap=True)
        console.print("serving; press Ctrl-C to stop", highlight=False)
        _wait_for_interrupt()
    finally:
        province.stop()
    console.print("stopped")


def _wait_for_interrupt() -> None:
    """Block until SIGINT or SIGTERM."""
    done = threading.Event()

    def stop(signum: int, frame: object) -> None:
        done.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not done.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
