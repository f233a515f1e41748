"""The assessment file of the demo province, pointing at wherever its sites are served."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml

from evaluator.demo.generator import demo_period, generate_site, province_sites

FALLBACK_ENTRY_POINT = "/xxgk/index.html"

DEMO_LIMITS: dict[str, Any] = {
    "min_delay": 0,
    "max_pages": 5000,
    "max_list_pages": 200,
    "respect_robots": True,
    "connect_timeout": 5.0,
    "read_timeout": 10.0,
    "retries": 1,
    "backoff": 0.1,
}


def _entry_point_path(site: Any) -> str:
    try:
        from evaluator.demo.render import entry_point_path
    except ImportError:
        return FALLBACK_ENTRY_POINT
    return str(entry_point_path(site))


def demo_assessment(
    site_urls: Mapping[str, tuple[str, str]],
    seed: int,
    n: int,
    *,
    store_url: str | None = None,
    output_dir: str | None = None,
    pages: int | None = None,
) -> dict[str, Any]:
    """The demo assessment as a mapping ready to dump (see :func:`write_demo_assessment`)."""
    start, end, ref, round_id = demo_period()
    missing = [site_id for _, site_id, _, _ in province_sites(seed, n) if site_id not in site_urls]
    if missing:
        raise ValueError(f"site_urls has no (base_url, portal_url) for {', '.join(missing)}; give one per demo site")
    sites = []
    for index, site_id, _name, _family in province_sites(seed, n):
        site = generate_site(seed, index, pages=pages)
        base_url, portal_url = site_urls[site_id]
        base = base_url.rstrip("/")
        entry: dict[str, Any] = {
            "id": site.site_id,
            "name": site.name,
            "region": site.region,
            "base_url": base + "/",
            "entry_points": [base + _entry_point_path(site)],
            "extra_hosts": [urlsplit(portal_url).netloc] if portal_url else [],
            "not_applicable": list(site.not_applicable),
        }
        sites.append(entry)
    data: dict[str, Any] = {
        "name": "示范省生态环境局政务公开第三方评估（演示）",
        "round": round_id,
        "catalogue": "mee-2019",
        "rubric": "default",
        "period": {"start": start, "end": end},
        "reference_date": ref,
        "assessor": "独立第三方评估组",
    }
    if store_url:
        data["store"] = store_url
    data.update(
        output_dir=output_dir or "output",
        evidence_dir="evidence",
        concurrency=4,
        limits=dict(DEMO_LIMITS),
        sites=sites,
    )
    return data


def write_demo_assessment(
    path: str | Path,
    site_urls: Mapping[str, tuple[str, str]],
    seed: int,
    n: int,
    store_url: str | None = None,
    output_dir: str | None = None,
    *,
    pages: int | None = None,
) -> Path:
    """Write ``assessment.yaml`` for the demo province served at ``site_urls``; return its path.

    ``site_urls`` maps each site id (``city-01`` …) to ``(base_url, portal_url)``: the bureau
    host's root and the city portal's root as the demo server serves them. The file names the
    catalogue ``mee-2019``, the rubric ``default``, the demo period and reference date, polite
    but fast crawl limits (``min_delay: 0``) and, per site, the 政府信息公开 entry point, the
    portal host as an extra host and the site's not-applicable items. The CMS family is left out
    so that the crawler's detection has to find it.
    """
    target = Path(path)
    if target.is_dir():
        target = target / "assessment.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = demo_assessment(site_urls, seed, n, store_url=store_url, output_dir=output_dir, pages=pages)
    header = (
        "# 演示省评估任务文件，由 evaluator.demo.write_demo_assessment 生成。\n"
        f"# Demo province assessment (seed {seed}, {n} sites), written by evaluator.demo.write_demo_assessment.\n"
    )
    target.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
