"""The assessment settings object, passed down through every stage.

An :class:`Assessment` is built once (defaults, then the assessment YAML, then environment,
then CLI flags) by :func:`evaluator.config.load_assessment` and handed to the crawler, the
classifier, the scorer and the report builder. Nothing reads globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36 eco-disclosure-evaluator/0.1 (+assessor: {assessor})"
)


@dataclass(frozen=True)
class CrawlLimits:
    """Per-site crawl limits and politeness. Defaults are safe for real government sites."""

    max_pages: int = 5000
    max_depth: int = 6
    max_list_pages: int = 200  # per column: caps endless pagination
    min_delay: float = 1.0  # seconds between requests to one host
    respect_robots: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_attachment_bytes: int = 2 * 1024 * 1024  # attachments up to this size are kept
    retries: int = 3
    backoff: float = 0.5
    check_attachments: bool = True


@dataclass(frozen=True)
class SiteConfig:
    """One bureau site to assess."""

    id: str
    name: str
    region: str
    base_url: str
    entry_points: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()  # e.g. the city portal or the province's gkmlpt host
    family: str | None = None  # force a CMS adapter: trs | hanweb | gkmlpt | generic
    column_map: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column URL or name -> item ids
    not_applicable: tuple[str, ...] = ()
    limits: CrawlLimits | None = None  # None: the assessment's defaults


@dataclass(frozen=True)
class Assessment:
    """Everything one assessment round needs. See README "The assessment file"."""

    name: str
    round: str
    period_start: date
    period_end: date
    reference_date: date
    sites: tuple[SiteConfig, ...]
    catalogue: str = "mee-2019"  # built-in id or path
    rubric: str = "default"  # built-in id or path
    store_url: str = ""  # SQLAlchemy URL; default sqlite beside the assessment file
    output_dir: Path = Path("output")
    evidence_dir: Path = Path("evidence")
    assessor: str = "独立第三方评估组"
    user_agent: str = ""
    holidays_file: Path | None = None  # extra holiday/workday dates beyond chinese-calendar's data
    limits: CrawlLimits = field(default_factory=CrawlLimits)
    concurrency: int = 8  # sites (hosts) crawled in parallel
    path: Path | None = None  # the assessment file, for messages and relative paths

    def site(self, site_id: str) -> SiteConfig:
        for site in self.sites:
            if site.id == site_id:
                return site
        known = ", ".join(s.id for s in self.sites)
        raise KeyError(f"no site {site_id!r} in the assessment (known: {known})")

    def limits_for(self, site: SiteConfig) -> CrawlLimits:
        return site.limits or self.limits

    def with_overrides(self, **changes: object) -> "Assessment":
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def effective_user_agent(self) -> str:
        return self.user_agent or DEFAULT_USER_AGENT.format(assessor=self.assessor)
