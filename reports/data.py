"""Everything a report needs, read from the store into pandas DataFrames.

:func:`load_report_data` reads one round of an assessment from the store — the scores and
site scores written by the scoring engine, the overrides entered by assessors, and the
documents, fetches, columns and crawl runs written by the crawler — and returns a
:class:`ReportData`. Reports, notebooks and the public ``evaluator.load`` helper all start here.

Conventions (see docs/scoring.md):

- ``scores.value`` is the value in force: when an assessor override applied, the scoring engine
  stores the adjusted value there and the computed one in ``original_value``, with the
  override's reason and author (the ``item`` row likewise holds the item score after and
  before overrides). ``item_scores`` carries both as ``value`` and ``original``.
- Values are kept unrounded; reports round for display.
- Crawled text (titles, publishers, attachment names, finding sentences quoting them) is
  untrusted: it is bounded in length here and escaped by the renderers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Table, select

from evaluator.errors import ReportError
from evaluator.settings import Assessment
from evaluator.store import Store, schema
from rubrics.model import Catalogue, Rubric

__all__ = ["ReportData", "load_report_data", "CRITERIA", "OK_FETCH_STATUSES", "MAX_TEXT"]

CRITERIA = ("coverage", "timeliness", "completeness")
OK_FETCH_STATUSES = frozenset({"ok", "not_modified"})
MAX_TEXT = {"title": 300, "text": 1000, "url": 2000, "reason": 1000, "name": 200}
PAGE_KINDS = frozenset({"column", "list", "api", "article"})
_DOCUMENT_COLUMNS = ("id", "site_id", "url", "title", "publish_date", "formation_date", "warc_record_id",
                     "sha256", "publisher", "fetch_id")
_FETCH_COLUMNS = ("id", "site_id", "url", "kind", "status", "http_status", "error", "fetched_at",
                  "warc_record_id", "sha256")

_EVIDENCE_FIELDS = (
    "url",
    "title",
    "publish_date",
    "formation_date",
    "fetched_at",
    "warc_record_id",
    "sha256",
    "publisher",
    "lag_workdays",
)


@dataclass(frozen=True)
class ReportData:
    """One round of an assessment, ready for reporting.

    Attributes:
        assessment: the assessment settings.
        catalogue, rubric: the catalogue and rubric the round was scored with.
        round: the round reported; ``previous_round`` the latest earlier round with scores.
        sites: one row per site (index ``site_id``): ``name``, ``region``, ``base_url``.
        ranking: one row per site, in rank order (unranked sites last): ``site_id``, ``name``,
            ``region``, ``total``, ``rank``, ``grade``, one column per aspect id, and — when a
            previous round exists — ``previous_total``, ``previous_rank``, ``change`` (total
            points) and ``rank_change`` (positive = moved up).
        item_scores: one row per (site, item, criterion) with ``criterion`` in coverage,
            timeliness, completeness, item: ``aspect_id``, ``original``, ``value``,
            ``status``, ``overridden``, ``override_reason``, ``override_author`` and
            ``findings`` (the stored findings, a list of dicts, unbounded).
        findings: one row per finding: ``site_id``, ``item_id``, ``criterion``,
            ``finding_no`` (0-based within the criterion), ``code``, ``text`` (Chinese) and
            ``text_en`` (English, when the scoring engine wrote one), both bounded.
        evidence: one row per evidence record of a finding: the finding key plus ``url``,
            ``title``, ``publish_date``, ``formation_date``, ``fetched_at``,
            ``warc_record_id``, ``sha256`` (gaps filled from the documents and fetches tables).
        overrides: the overrides the scores reflect: ``site_id``, ``item_id``,
            ``criterion``, ``original``, ``value``, ``reason``, ``author``, ``created_at``
            (from the latest matching row of the ``overrides`` table).
        crawl: one row per site (index ``site_id``): ``pages``, ``attachments``,
            ``documents``, ``failures``, ``columns``, ``columns_failed``, ``runs``.
        failures: one row per failed fetch: ``site_id``, ``url``, ``kind``, ``status``,
            ``http_status``, ``error``, ``fetched_at``.
        columns: the column tree of every site: ``site_id``, ``url``, ``name``, ``path``,
            ``status``, ``item_count``.
        previous: the previous round's ranking (``site_id``, ``total``, ``rank``, ``grade``)
            or ``None``.
    """

    assessment: Assessment
    catalogue: Catalogue
    rubric: Rubric
    round: str
    previous_round: str | None
    sites: pd.DataFrame
    ranking: pd.DataFrame
    item_scores: pd.DataFrame
    findings: pd.DataFrame
    evidence: pd.DataFrame
    overrides: pd.DataFrame
    crawl: pd.DataFrame
    failures: pd.DataFrame
    columns: pd.DataFrame
    previous: pd.DataFrame | None

    @property
    def site_ids(self) -> list[str]:
        """Site ids in rank order."""
        return list(self.ranking["site_id"])

    def item_matrix(self) -> pd.DataFrame:
        """Item scores as a site × item table (rows in rank order, columns in catalogue order).

        Cells are ``NaN`` where the pair is not scored (not applicable, not assessable, …).
        """
        items = self.item_scores[self.item_scores["criterion"] == "item"]
        scored = items[items["status"] == "scored"]
        matrix = scored.pivot(index="site_id", columns="item_id", values="value")
        return matrix.reindex(index=self.site_ids, columns=list(self.catalogue.item_ids))

    def status_matrix(self) -> pd.DataFrame:
        """The status of every (site, item) pair as a site × item table."""
        items = self.item_scores[self.item_scores["criterion"] == "item"]
        matrix = items.pivot(index="site_id", columns="item_id", values="status")
        return matrix.reindex(index=self.site_ids, columns=list(self.catalogue.item_ids))

    def site_name(self, site_id: str) -> str:
        """The display name of a site (its id when the store does not know it)."""
        if site_id in self.sites.index:
            return str(self.sites.at[site_id, "name"])
        return site_id


# -- helpers -------------------------------------------------------------------------------
def clip(value: Any, limit: int) -> str:
    """``value`` as a string of at most ``limit`` characters (``…`` marks a cut)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read(
    store: Store,
    table: Table,
    round_: str | None = None,
    columns: Iterable[str] | None = None,
    **equal: Any,
) -> pd.DataFrame:
    """Rows of ``table`` (of one round, with ``equal`` column values) as a DataFrame; only
    ``columns`` when given (documents' body text, for one, is never needed here)."""
    names = list(columns) if columns is not None else [c.name for c in table.columns]
    stmt = select(*(table.c[n] for n in names))
    if round_ is not None:
        stmt = stmt.where(table.c.round == round_)
    for column, value in equal.items():
        stmt = stmt.where(table.c[column] == value)
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=names)


def _load_catalogue_and_rubric(assessment: Assessment) -> tuple[Catalogue, Rubric]:
    from rubrics import load_catalogue, load_rubric

    base = assessment.path.parent if assessment.path else None
    catalogue = load_catalogue(assessment.catalogue, base=base)
    return catalogue, load_rubric(assessment.rubric, catalogue, base=base)


def _previous_round(store: Store, round_: str) -> str | None:
    with store.engine.connect() as conn:
        found = sorted(
            r for (r,) in conn.execute(select(schema.site_scores.c.round).distinct()) if r < round_
        )
    return found[-1] if found else None


def _sites(store: Store, assessment: Assessment, site_ids: Iterable[str]) -> pd.DataFrame:
    stored = _read(store, schema.sites).set_index("site_id")
    configured = {s.id: s for s in assessment.sites}
    rows = []
    for site_id in site_ids:
        if site_id in stored.index:
            rec = stored.loc[site_id]
            name, region, base = rec["name"], rec["region"], rec["base_url"]
        elif site_id in configured:
            cfg = configured[site_id]
            name, region, base = cfg.name, cfg.region, cfg.base_url
        else:
            name, region, base = site_id, "", ""
        rows.append(
            {
                "site_id": site_id,
                "name": clip(name, MAX_TEXT["name"]),
                "region": clip(region, MAX_TEXT["name"]),
                "base_url": clip(base, MAX_TEXT["url"]),
            }
        )
    return pd.DataFrame(rows, columns=["site_id", "name", "region", "base_url"]).set_index("site_id")


def _ranking(site_scores: pd.DataFrame, sites: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    aspect_ids = [a.id for a in catalogue.aspects]
    wide = site_scores.pivot(index="site_id", columns="scope", values="value")
    wide = wide.reindex(columns=["total", *aspect_ids])
    totals = site_scores[site_scores["scope"] == "total"].set_index("site_id")
    table = pd.DataFrame(index=sites.index)
    table["name"] = sites["name"]
    table["region"] = sites["region"]
    table["total"] = wide["total"]
    table["rank"] = totals["rank"].reindex(sites.index)
    table["grade"] = totals["grade"].reindex(sites.index)
    for aspect_id in aspect_ids:
        table[aspect_id] = wide[aspect_id]
    table = table.reset_index()
    table["_unranked"] = table["rank"].isna()
    table = table.sort_values(["_unranked", "rank", "site_id"], kind="stable").drop(columns="_unranked")
    table["rank"] = table["rank"].astype("Int64")
    return table.reset_index(drop=True)


def _with_previous(ranking: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    if previous is None:
        return ranking
    prev = previous.set_index("site_id")
    ranking = ranking.copy()
    ranking["previous_total"] = ranking["site_id"].map(prev["total"])
    ranking["previous_rank"] = ranking["site_id"].map(prev["rank"]).astype("Int64")
    ranking["change"] = ranking["total"] - ranking["previous_total"]
    ranking["rank_change"] = (ranking["previous_rank"] - ranking["rank"]).astype("Int64")
    return ranking


def _latest_overrides(overrides: pd.DataFrame) -> pd.DataFrame:
    if overrides.empty:
        return overrides
    ordered = overrides.sort_values(["created_at", "id"], kind="stable")
    return ordered.drop_duplicates(["site_id", "item_id", "criterion"], keep="last")


def _item_scores(scores: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The scores table with overrides made explicit.

    The scoring engine stores the value in force in ``value`` and, when an override applied,
    the computed value in ``original_value`` with the override's reason and author.
    """
    aspect_of = {item.id: item.aspect for item in catalogue.items}
    table = scores[["site_id", "item_id", "criterion", "value", "status", "findings",
                    "original_value", "override_reason", "override_author"]].copy()
    table["aspect_id"] = table["item_id"].map(aspect_of)
    table["overridden"] = table["original_value"].notna() | table["override_reason"].notna()
    table["original"] = table["original_value"].where(table["overridden"], table["value"])
    table["override_reason"] = table["override_reason"].map(lambda v: clip(v, MAX_TEXT["reason"]))
    table["override_author"] = table["override_author"].map(lambda v: clip(v, MAX_TEXT["name"]))
    table["findings"] = table["findings"].map(lambda v: v if isinstance(v, list) else [])
    order = {item_id: n for n, item_id in enumerate(catalogue.item_ids)}
    crit_order = {c: n for n, c in enumerate((*CRITERIA, "item"))}
    table["_i"] = table["item_id"].map(order).fillna(len(order))
    table["_c"] = table["criterion"].map(crit_order).fillna(len(crit_order))
    table = table.sort_values(["site_id", "_i", "_c"], kind="stable")
    columns = [
        "site_id",
        "item_id",
        "aspect_id",
        "criterion",
        "original",
        "value",
        "status",
        "overridden",
        "override_reason",
        "override_author",
        "findings",
    ]
    return table[columns].reset_index(drop=True)


def _overrides_in_force(item_scores: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """The overrides the scores reflect (criterion rows), with the time they were entered."""
    key = ["site_id", "item_id", "criterion"]
    applied = item_scores[item_scores["overridden"] & item_scores["criterion"].isin(CRITERIA)]
    applied = applied[[*key, "original", "value", "override_reason", "override_author"]].rename(
        columns={"override_reason": "reason", "override_author": "author"}
    )
    latest = _latest_overrides(overrides)
    if latest.empty:
        applied = applied.assign(created_at="")
    else:
        applied = applied.merge(latest[[*key, "created_at"]], on=key, how="left")
    columns = [*key, "original", "value", "reason", "author", "created_at"]
    return applied.reindex(columns=columns).reset_index(drop=True)


def _evidence_record(raw: Any) -> dict[str, str]:
    if isinstance(raw, str):
        raw = {"url": raw}
    if not isinstance(raw, Mapping):
        return {}
    record = {}
    for name in _EVIDENCE_FIELDS:
        value = raw.get(name)
        if name == "fetched_at" and value is None:
            value = raw.get("fetch_time")
        if name == "warc_record_id" and value is None:
            value = raw.get("warc_record")
        limit = MAX_TEXT["url"] if name == "url" else MAX_TEXT["title"]
        record[name] = clip(value, limit)
    return record


def _findings(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    finding_rows: list[dict[str, Any]] = []
    evidence_rows: list[dict[str, Any]] = []
    for rec in scores[["site_id", "item_id", "criterion", "findings"]].itertuples(index=False):
        findings = rec.findings if isinstance(rec.findings, list) else []
        for n, finding in enumerate(findings):
            if isinstance(finding, str):
                finding = {"text": finding}
            if not isinstance(finding, Mapping):
                continue
            key = {
                "site_id": rec.site_id,
                "item_id": rec.item_id,
                "criterion": rec.criterion,
                "finding_no": n,
            }
            finding_rows.append({
                **key,
                "code": clip(finding.get("code"), MAX_TEXT["name"]),
                "text": clip(finding.get("text"), MAX_TEXT["text"]),
                "text_en": clip(finding.get("text_en"), MAX_TEXT["text"]),
            })
            evidence = finding.get("evidence") or []
            if not isinstance(evidence, list):
                evidence = [evidence]
            for raw in evidence:
                record = _evidence_record(raw)
                if record.get("url") or record.get("warc_record_id"):
                    evidence_rows.append({**key, **record})
    key_cols = ["site_id", "item_id", "criterion", "finding_no"]
    findings_df = pd.DataFrame(finding_rows, columns=[*key_cols, "code", "text", "text_en"])
    evidence_df = pd.DataFrame(evidence_rows, columns=[*key_cols, *_EVIDENCE_FIELDS])
    return findings_df, evidence_df


def _fill_evidence(
    evidence: pd.DataFrame, documents: pd.DataFrame, fetches: pd.DataFrame, attachments: pd.DataFrame
) -> pd.DataFrame:
    """Fill gaps in evidence records from the stored documents, attachments and fetches of
    the same URL (the scoring engine may store only some fields)."""
    if evidence.empty:
        return evidence
    key = ["site_id", "url"]
    docs = documents[[*key, "title", "publish_date", "formation_date", "warc_record_id", "sha256",
                      "publisher", "fetch_id"]].drop_duplicates(key)
    fetched_by_id = fetches.set_index("id")["fetched_at"] if not fetches.empty else pd.Series(dtype=object)
    docs = docs.assign(fetched_at=docs["fetch_id"].map(fetched_by_id)).drop(columns="fetch_id")
    fetch = fetches[[*key, "fetched_at", "warc_record_id", "sha256"]].drop_duplicates(key)
    atts = attachments[[*key, "name", "warc_record_id", "sha256"]].rename(columns={"name": "title"})
    atts = atts.drop_duplicates(key)
    merged = evidence.copy()
    for source in (docs, atts, fetch):
        merged = merged.merge(source, on=key, how="left", suffixes=("", "_src"))
        for name in source.columns:
            if name in key or f"{name}_src" not in merged:
                continue
            missing = merged[name].fillna("") == ""
            merged.loc[missing, name] = merged.loc[missing, f"{name}_src"]
            merged = merged.drop(columns=f"{name}_src")
    for name in _EVIDENCE_FIELDS:
        limit = MAX_TEXT["url"] if name == "url" else MAX_TEXT["title"]
        merged[name] = merged[name].map(lambda v, limit=limit: clip(v, limit))
    return merged[evidence.columns].reset_index(drop=True)


def _crawl_stats(
    site_ids: list[str],
    fetches: pd.DataFrame,
    documents: pd.DataFrame,
    columns: pd.DataFrame,
    runs: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    failed = fetches[~fetches["status"].isin(OK_FETCH_STATUSES)]
    stats = pd.DataFrame(index=pd.Index(site_ids, name="site_id"))
    stats["pages"] = fetches[fetches["kind"].isin(PAGE_KINDS)].groupby("site_id").size()
    stats["attachments"] = fetches[fetches["kind"] == "attachment"].groupby("site_id").size()
    stats["documents"] = documents.groupby("site_id").size()
    stats["failures"] = failed.groupby("site_id").size()
    stats["columns"] = columns.groupby("site_id").size()
    stats["columns_failed"] = (
        columns[~columns["status"].isin({"ok", "empty"})].groupby("site_id").size()
    )
    stats["runs"] = runs.groupby("site_id").size()
    stats = stats.fillna(0).astype(int)
    failures = failed[["site_id", "url", "kind", "status", "http_status", "error", "fetched_at"]].copy()
    failures["url"] = failures["url"].map(lambda v: clip(v, MAX_TEXT["url"]))
    failures["error"] = failures["error"].map(lambda v: clip(v, MAX_TEXT["title"]))
    failures = failures.sort_values(["site_id", "status", "url"], kind="stable").reset_index(drop=True)
    return stats, failures


def _attachments(store: Store, round_: str) -> pd.DataFrame:
    att, doc = schema.attachments, schema.documents
    stmt = (
        select(doc.c.site_id, att.c.url, att.c.name, att.c.warc_record_id, att.c.sha256)
        .join(doc, doc.c.id == att.c.document_id)
        .where(doc.c.round == round_)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=["site_id", "url", "name", "warc_record_id", "sha256"])


def _ranking_frame(store: Store, round_: str) -> pd.DataFrame:
    totals = _read(store, schema.site_scores, round_, scope="total")
    return totals[["site_id", "value", "rank", "grade"]].rename(columns={"value": "total"})


def load_report_data(
    assessment: Assessment,
    store: Store,
    round: str | None = None,  # noqa: A002 - the store's word for it
    *,
    catalogue: Catalogue | None = None,
    rubric: Rubric | None = None,
) -> ReportData:
    """Read one round of ``assessment`` from ``store`` for reporting.

    ``round`` defaults to the assessment's round. ``catalogue`` and ``rubric`` default to the
    ones the assessment names. Raises :class:`ReportError` when the round has no scores.

    Example::

        data = load_report_data(assessment, Store.open(assessment.store_url))
        data.ranking[["rank", "name", "total", "grade"]]
    """
    round_ = round or assessment.round
    if catalogue is None or rubric is None:
        loaded_catalogue, loaded_rubric = _load_catalogue_and_rubric(assessment)
        catalogue = catalogue or loaded_catalogue
        rubric = rubric or loaded_rubric
    site_scores = _read(store, schema.site_scores, round_)
    if site_scores.empty:
        known = ", ".join(store.rounds()) or "none"
        raise ReportError(
            f"the store {store.engine.url!r} has no scores for round {round_!r} "
            f"(rounds in the store: {known}). Run `evaluator score` for this round first, "
            "or pass the round to report with --round"
        )
    scores = _read(store, schema.scores, round_)
    overrides = _read(store, schema.overrides, round_)
    site_ids = sorted(set(site_scores["site_id"]) | set(scores["site_id"]))
    sites = _sites(store, assessment, site_ids)
    previous_round = _previous_round(store, round_)
    previous = _ranking_frame(store, previous_round) if previous_round else None
    ranking = _with_previous(_ranking(site_scores, sites, catalogue), previous)

    item_scores = _item_scores(scores, catalogue)
    overrides_df = _overrides_in_force(item_scores, overrides)

    documents = _read(store, schema.documents, round_, _DOCUMENT_COLUMNS)
    fetches = _read(store, schema.fetches, round_, _FETCH_COLUMNS)
    columns = _read(store, schema.columns, round_)
    runs = _read(store, schema.crawl_runs, round_)
    attachments = _attachments(store, round_)
    findings, evidence = _findings(scores)
    evidence = _fill_evidence(evidence, documents, fetches, attachments)
    crawl, failures = _crawl_stats(site_ids, fetches, documents, columns, runs)
    columns_df = columns[["site_id", "url", "name", "path", "status", "item_count"]].copy()
    for name, limit in (("name", MAX_TEXT["name"]), ("path", MAX_TEXT["title"]), ("url", MAX_TEXT["url"])):
        columns_df[name] = columns_df[name].map(lambda v, limit=limit: clip(v, limit))

    return ReportData(
        assessment=assessment,
        catalogue=catalogue,
        rubric=rubric,
        round=round_,
        previous_round=previous_round,
        sites=sites,
        ranking=ranking,
        item_scores=item_scores,
        findings=findings,
        evidence=evidence,
        overrides=overrides_df,
        crawl=crawl,
        failures=failures,
        columns=columns_df.reset_index(drop=True),
        previous=previous,
    )
