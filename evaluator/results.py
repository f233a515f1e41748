"""Finished assessments as pandas DataFrames: the analyst's entry point.

    import evaluator
    results = evaluator.load("assessment.yaml")
    results.ranking[["rank", "name", "total", "grade"]]
    results.documents.groupby("site_id")["lag_workdays"].median()

Everything here is read from the store; nothing is recomputed except each document's
publication lag in working days (from its stored formation and publication dates), so the
numbers match the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from evaluator.settings import Assessment
from evaluator.store import Store, schema
from reports.data import ReportData

__all__ = ["Results", "load"]


@dataclass(frozen=True)
class Results:
    """One round of an assessment. The DataFrames are those of
    :class:`reports.data.ReportData` plus ``documents`` and ``classifications``.

    - ``ranking``: one row per site in rank order (``rank``, ``name``, ``total``, ``grade`` and
      one column per aspect id).
    - ``item_scores``: one row per (site, item, criterion); ``value`` after assessor overrides,
      ``original`` before.
    - ``findings`` / ``evidence``: the findings' Chinese sentences and their evidence records.
    - ``documents``: every stored document of the round with ``items`` (the item ids it was
      classified to, comma-separated), ``publication_date`` (publish date, else the list date)
      and ``lag_workdays`` (working days from formation to publication; NaN when undetermined).
    - ``classifications``: one row per (document, item) with method, rule and confidence.
    """

    assessment: Assessment
    round: str
    ranking: pd.DataFrame
    item_scores: pd.DataFrame
    findings: pd.DataFrame
    evidence: pd.DataFrame
    overrides: pd.DataFrame
    crawl: pd.DataFrame
    failures: pd.DataFrame
    columns: pd.DataFrame
    documents: pd.DataFrame
    classifications: pd.DataFrame
    report_data: ReportData  # everything the reports are built from, for the same round

    def item_matrix(self) -> pd.DataFrame:
        """Item scores as a site × item table (rows in rank order, columns in catalogue order);
        NaN where the pair is not scored."""
        return self.report_data.item_matrix()

    def city(self, site_id: str) -> pd.DataFrame:
        """One site's item scores, one row per item with its criteria side by side."""
        rows = self.item_scores[self.item_scores["site_id"] == site_id]
        wide = rows.pivot(index="item_id", columns="criterion", values="value")
        status = rows[rows["criterion"] == "item"].set_index("item_id")["status"]
        return wide.join(status.rename("status"))


def load(assessment: Assessment | str | Path, round: str | None = None) -> Results:  # noqa: A002
    """Load one round of a finished assessment (an :class:`Assessment` or its YAML path)."""
    from evaluator.config import load_assessment
    from evaluator.scoring.engine import calendar_for
    from reports.data import load_report_data

    if not isinstance(assessment, Assessment):
        assessment = load_assessment(Path(assessment))
    store = Store.open(assessment.store_url, create=False)
    try:
        data = load_report_data(assessment, store, round)
        documents = _documents(store, data.round)
        classifications = _classifications(store, data.round)
    finally:
        store.close()
    documents = _with_items_and_lags(documents, classifications, calendar_for(assessment))
    return Results(
        assessment=assessment,
        round=data.round,
        ranking=data.ranking,
        item_scores=data.item_scores,
        findings=data.findings,
        evidence=data.evidence,
        overrides=data.overrides,
        crawl=data.crawl,
        failures=data.failures,
        columns=data.columns,
        documents=documents,
        classifications=classifications,
        report_data=data,
    )


def _documents(store: Store, round_: str) -> pd.DataFrame:
    d = schema.documents
    wanted = [d.c.id, d.c.site_id, d.c.url, d.c.title, d.c.column_path, d.c.publish_date, d.c.formation_date,
              d.c.list_date, d.c.doc_number, d.c.publisher, d.c.first_seen, d.c.last_seen]
    with store.engine.connect() as conn:
        rows = conn.execute(select(*wanted).where(d.c.round == round_).order_by(d.c.site_id, d.c.id)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in wanted]).rename(columns={"id": "document_id"})


def _classifications(store: Store, round_: str) -> pd.DataFrame:
    c = schema.classifications
    wanted = [c.c.document_id, c.c.site_id, c.c.item_id, c.c.method, c.c.rule, c.c.confidence]
    with store.engine.connect() as conn:
        rows = conn.execute(select(*wanted).where(c.c.round == round_).order_by(c.c.document_id, c.c.item_id)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[col.name for col in wanted])


def _with_items_and_lags(documents: pd.DataFrame, classifications: pd.DataFrame, calendar) -> pd.DataFrame:
    items = classifications.groupby("document_id")["item_id"].agg(lambda ids: ",".join(sorted(ids)))
    documents = documents.copy()
    documents["items"] = documents["document_id"].map(items).fillna("")
    documents["publication_date"] = documents["publish_date"].where(documents["publish_date"].notna(), documents["list_date"])

    def lag(row: pd.Series) -> float:
        if not isinstance(row["formation_date"], str) or not isinstance(row["publication_date"], str):
            return float("nan")  # undetermined: a date is missing
        value = calendar.lag(date.fromisoformat(row["formation_date"]), date.fromisoformat(row["publication_date"]))
        return float("nan") if value is None else float(value)

    documents["lag_workdays"] = documents.apply(lag, axis=1) if len(documents) else pd.Series(dtype=float)
    return documents
