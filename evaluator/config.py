"""The assessment file: read, validate and turn into an :class:`~evaluator.settings.Assessment`.

Settings are layered: the defaults of :mod:`evaluator.settings`, then the assessment YAML, then
the environment (``EVALUATOR_STORE_URL``, ``EVALUATOR_OUTPUT_DIR``), then keyword overrides
(the CLI's flags). Every problem in the file is a :class:`ConfigError` naming the file, the
line, the field and the fix.

>>> assessment = load_assessment("assessment.yaml", output_dir="out")
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from evaluator.errors import ConfigError
from evaluator.settings import Assessment, CrawlLimits, SiteConfig
from rubrics.loader import DEFAULT_CATALOGUE, DEFAULT_RUBRIC, load_catalogue, load_rubric
from rubrics.model import Catalogue
from rubrics.validate import ID_PATTERN
from rubrics.yamlsource import Node, closest, parse_yaml

__all__ = ["load_assessment", "write_assessment_template", "ASSESSMENT_KEYS", "SITE_KEYS", "ENV_OVERRIDES"]

ASSESSMENT_KEYS = (
    "name",
    "round",
    "catalogue",
    "rubric",
    "period",
    "reference_date",
    "assessor",
    "user_agent",
    "store",
    "output_dir",
    "evidence_dir",
    "holidays_file",
    "concurrency",
    "limits",
    "sites",
)
ASSESSMENT_REQUIRED = ("name", "period", "sites")
SITE_KEYS = (
    "id",
    "name",
    "region",
    "base_url",
    "entry_points",
    "extra_hosts",
    "family",
    "column_map",
    "not_applicable",
    "limits",
)
SITE_REQUIRED = ("id", "name", "region", "base_url")
LIMIT_KEYS = tuple(f.name for f in dataclasses.fields(CrawlLimits))
# Environment variable -> Assessment field.
ENV_OVERRIDES = {"EVALUATOR_STORE_URL": "store_url", "EVALUATOR_OUTPUT_DIR": "output_dir"}
_PATH_FIELDS = ("output_dir", "evidence_dir", "holidays_file")


def _families() -> tuple[str, ...]:
    from crawlers.model import FAMILIES

    return tuple(FAMILIES)


def _limits(node: Node, base: CrawlLimits) -> CrawlLimits:
    fields = node.mapping(LIMIT_KEYS, what="the crawl limits")
    values: dict[str, Any] = {}
    for key, child in fields.items():
        kind = type(getattr(CrawlLimits(), key))
        if kind is bool:
            values[key] = child.boolean()
        elif kind is int:
            values[key] = child.integer(minimum=0)
        else:
            values[key] = child.number(minimum=0)
        if key in ("max_pages", "max_list_pages", "max_body_bytes") and values[key] == 0:
            raise child.error(f"{key} must be greater than 0")
    return dataclasses.replace(base, **values)


def _http_url(node: Node) -> str:
    url = node.text()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise node.error(
            f"'{url}' is not an http(s) URL",
            "Write the full address, for example https://sthjj.example.gov.cn/",
        )
    return url


def _item_ids(node: Node, catalogue: Catalogue, *, allow_scalar: bool = True) -> tuple[str, ...]:
    children = [node] if allow_scalar and not isinstance(node.value, list) else node.seq()
    ids = []
    known = list(catalogue.item_ids)
    for child in children:
        item_id = child.text()
        if item_id not in known:
            suggestion = closest(item_id, known)
            raise child.error(
                f"unknown item id '{item_id}' (not in catalogue {catalogue.id})",
                f"Did you mean '{suggestion}'?" if suggestion else "Run 'evaluator catalogue show' to list the item ids",
            )
        ids.append(item_id)
    return tuple(ids)


def _site(node: Node, catalogue: Catalogue, limits: CrawlLimits) -> SiteConfig:
    label = node.value["id"].value if isinstance(node.value, dict) and "id" in node.value else node.field
    fields = node.mapping(SITE_KEYS, SITE_REQUIRED, what=f"site '{label}'")
    site_id = fields["id"].text()
    if not ID_PATTERN.match(site_id):
        raise fields["id"].error(
            f"'{site_id}' is not a valid site id", "Use lower-case ASCII letters, digits, '-' and '_' (for example 'guangzhou')"
        )
    base_url = _http_url(fields["base_url"])
    entry_points: list[str] = []
    if "entry_points" in fields and fields["entry_points"].value is not None:
        for child in fields["entry_points"].seq():
            text = child.text()
            if text.startswith("/"):
                text = urljoin(base_url, text)
            entry_points.append(_http_url(Node(text, child.file, child.line, child.field)))
    extra_hosts: list[str] = []
    if "extra_hosts" in fields:
        for child in fields["extra_hosts"].seq() if fields["extra_hosts"].value is not None else []:
            host = child.text().lower()
            if "/" in host or " " in host:
                raise child.error(f"'{host}' is not a host name", "Write only the host, for example www.city.gov.cn")
            extra_hosts.append(host)
    family = None
    if "family" in fields and fields["family"].value is not None:
        family = fields["family"].text()
        families = _families()
        if family not in families:
            suggestion = closest(family, families)
            raise fields["family"].error(
                f"unknown site family '{family}'",
                (f"Did you mean '{suggestion}'? " if suggestion else "") + "Known families: " + ", ".join(families),
            )
    column_map: dict[str, tuple[str, ...]] = {}
    if "column_map" in fields and fields["column_map"].value is not None:
        for column, child in fields["column_map"].items():
            column_map[column] = _item_ids(child, catalogue)
    not_applicable: tuple[str, ...] = ()
    if "not_applicable" in fields and fields["not_applicable"].value is not None:
        not_applicable = _item_ids(fields["not_applicable"], catalogue, allow_scalar=False)
    site_limits = _limits(fields["limits"], limits) if "limits" in fields else None
    return SiteConfig(
        id=site_id,
        name=fields["name"].text(),
        region=fields["region"].text(),
        base_url=base_url,
        entry_points=tuple(entry_points),
        extra_hosts=tuple(extra_hosts),
        family=family,
        column_map=column_map,
        not_applicable=not_applicable,
        limits=site_limits,
    )


def _default_round(start: date, end: date) -> str:
    return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"


def load_assessment(path: str | Path, **overrides: Any) -> Assessment:
    """Read and validate an assessment file; ``overrides`` (Assessment field names) win last.

    Overrides whose value is ``None`` are ignored, so CLI flags that were not given can be
    passed through unchanged. Relative paths in the file are relative to the file's folder.
    """
    from evaluator.store import default_store_url

    path = Path(path)
    if not path.exists():
        raise ConfigError("no such assessment file", path=str(path), fix="Create one with 'evaluator init DIR'")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError("the file is not UTF-8 text", path=str(path), fix="Save it as UTF-8") from exc
    root = parse_yaml(text, str(path))
    fields = root.mapping(ASSESSMENT_KEYS, ASSESSMENT_REQUIRED, what="the assessment")
    base = path.parent

    period = fields["period"].mapping(("start", "end"), ("start", "end"), what="the period")
    start, end = period["start"].as_date(), period["end"].as_date()
    if end < start:
        raise period["end"].error(
            f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})", "Swap start and end"
        )
    reference = fields["reference_date"].as_date() if "reference_date" in fields else end
    if reference < start:
        raise fields["reference_date"].error(
            f"the reference date {reference.isoformat()} is before the period starts ({start.isoformat()})",
            "The reference date is the day of the assessment: on or after the period's start",
        )

    catalogue_name = fields["catalogue"].text() if "catalogue" in fields else DEFAULT_CATALOGUE
    rubric_name = fields["rubric"].text() if "rubric" in fields else DEFAULT_RUBRIC
    catalogue = _located_load(fields.get("catalogue"), lambda: load_catalogue(catalogue_name, base=base))
    _located_load(fields.get("rubric"), lambda: load_rubric(rubric_name, catalogue, base=base))

    limits = _limits(fields["limits"], CrawlLimits()) if "limits" in fields else CrawlLimits()
    sites: list[SiteConfig] = []
    seen: dict[str, int | None] = {}
    for child in fields["sites"].seq():
        site = _site(child, catalogue, limits)
        if site.id in seen:
            raise child.value["id"].error(
                f"duplicate site id '{site.id}' (first on line {seen[site.id]})", "Give every site its own id"
            )
        seen[site.id] = child.value["id"].line
        sites.append(site)
    if not sites:
        raise fields["sites"].error("the assessment has no sites", "List at least one site (see 'evaluator init')")

    values: dict[str, Any] = {
        "name": fields["name"].text(),
        "round": fields["round"].text() if "round" in fields else _default_round(start, end),
        "period_start": start,
        "period_end": end,
        "reference_date": reference,
        "sites": tuple(sites),
        "catalogue": catalogue_name,
        "rubric": rubric_name,
        "store_url": fields["store"].text() if "store" in fields else default_store_url(path),
        "path": path.resolve(),
    }
    for key in ("assessor", "user_agent"):
        if key in fields:
            values[key] = fields[key].opt_text()
    if "concurrency" in fields:
        values["concurrency"] = fields["concurrency"].integer(minimum=1)
    values["limits"] = limits
    for key in _PATH_FIELDS:
        if key in fields and fields[key].value is not None:
            values[key] = base / fields[key].text()
        elif key != "holidays_file":
            values[key] = base / getattr(Assessment, key)
    if values.get("holidays_file") is not None and not values["holidays_file"].is_file():
        raise fields["holidays_file"].error(
            f"no such file: {values['holidays_file']}", "Give the path of the holidays file relative to the assessment file"
        )

    for variable, key in ENV_OVERRIDES.items():
        if os.environ.get(variable):
            values[key] = Path(os.environ[variable]) if key in _PATH_FIELDS else os.environ[variable]
    known = {f.name for f in dataclasses.fields(Assessment)}
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"unknown setting '{key}'", field=key, fix="Use a field of evaluator.settings.Assessment")
        if value is not None:
            values[key] = Path(value) if key in _PATH_FIELDS else value
    return Assessment(**values)


def _located_load(node: Node | None, load: Any) -> Any:
    """Run a catalogue/rubric load; an error without a file location is placed on ``node``."""
    try:
        return load()
    except ConfigError as exc:
        if node is not None and exc.path is None:
            raise node.error(exc.message, exc.fix) from exc
        raise


def write_assessment_template(directory: str | Path, *, overwrite: bool = False) -> Path:
    """Write a commented ``assessment.yaml`` (two example sites) into ``directory``; return its path."""
    directory = Path(directory)
    target = directory / "assessment.yaml"
    if target.exists() and not overwrite:
        raise ConfigError(
            "the file already exists", path=str(target), fix="Choose another folder or pass --force to replace it"
        )
    directory.mkdir(parents=True, exist_ok=True)
    template = resources.files("rubrics").joinpath("data/assessment-template.yaml").read_text(encoding="utf-8")
    target.write_text(template, encoding="utf-8")
    return target
