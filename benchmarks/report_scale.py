"""Report building at provincial scale: a synthetic 300-city province.

Times the provincial HTML and PDF (goal: PDF under 60 s) and the HTML city reports and
checklists of every city, and samples city PDFs to project their total. Peak memory is the
process's maximum resident set size. Run: ``.venv/bin/python benchmarks/report_scale.py
[--cities N] [--city-pdfs K]``. The last line is ``name=value`` pairs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports import build_from_data, load_report_data  # noqa: E402
from reports.context import city_context, province_context  # noqa: E402
from reports.html import render, write_html  # noqa: E402
from reports.i18n import labels  # noqa: E402
from reports.pdf import write_pdf  # noqa: E402
from tests._report_fixtures import build_province  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=300)
    parser.add_argument("--city-pdfs", type=int, default=3, help="city PDFs to time (projected to all)")
    args = parser.parse_args()
    issued = date(2025, 7, 31)
    L = labels("zh")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        province = build_province(root / "store.db", args.cities)
        print(f"fixture: {args.cities} cities in {time.perf_counter() - started:.1f} s")

        t0 = time.perf_counter()
        data = load_report_data(province.assessment, province.store)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        ctx = province_context(data, L, issued)
        write_html(root / "province.html", render("province.html.j2", ctx))
        t_html = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf_ctx = province_context(data, L, issued, raster=True)
        pdf = write_pdf(render("province.html.j2", pdf_ctx, pdf=True), root / "province.pdf")
        t_pdf = time.perf_counter() - t0
        print(f"load {t_load:.1f} s; provincial HTML {t_html:.1f} s; provincial PDF {t_pdf:.1f} s "
              f"({pdf.stat().st_size / 1e6:.1f} MB)")

        t0 = time.perf_counter()
        city_paths = build_from_data(data, ("html",), None, "zh", root / "out", issued=issued)
        t_cities = time.perf_counter() - t0
        city_html = [p for p in city_paths if p.parent.name == "cities"]
        print(f"city HTML reports + checklists: {len(city_paths)} files in {t_cities:.1f} s "
              f"({t_cities / max(len(city_html), 1):.2f} s per city)")

        t0 = time.perf_counter()
        for site_id in data.site_ids[: args.city_pdfs]:
            html = render("city.html.j2", city_context(data, site_id, L, issued, raster=True), pdf=True)
            write_pdf(html, root / "cities" / f"{site_id}.pdf")
        per_pdf = (time.perf_counter() - t0) / max(args.city_pdfs, 1)
        print(f"city PDF: {per_pdf:.1f} s each, projected {per_pdf * len(data.site_ids) / 60:.1f} min "
              f"for all {len(data.site_ids)} on one core")
        province.store.close()
    total = t_load + t_html + t_pdf + t_cities
    print(f"seconds={total:.1f} peak_mb={_peak_mb():.0f} province_pdf_seconds={t_pdf:.1f} "
          f"city_html_seconds={t_cities:.1f} city_pdf_seconds_each={per_pdf:.1f}")


if __name__ == "__main__":
    main()
