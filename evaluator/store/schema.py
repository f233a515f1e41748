"""SQLAlchemy Core schema of the assessment store.

One store holds several rounds of an assessment (for example ``2024`` and ``2025``): crawl
runs, documents, classifications and scores are keyed by ``round``. Writes are idempotent:
each table with a natural key has a unique constraint on it and is written by upsert.

Dates are ISO strings (``YYYY-MM-DD``) and timestamps ISO strings in UTC, so that SQLite and
PostgreSQL stores read back identically. JSON columns hold lists/dicts.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

sites = Table(
    "sites",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False, default=""),
    Column("base_url", Text, nullable=False),
    Column("family", String(16)),  # detected or configured CMS family
    Column("config", JSON, nullable=False, default=dict),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("status", String(16), nullable=False),  # running | finished | interrupted | failed
    Column("warc_file", Text),
    Column("stats", JSON, nullable=False, default=dict),  # path-like counters crawl/pages/...
    Index("ix_crawl_runs_round_site", "round", "site_id"),
)

# The crawl queue. A row is one request to make; ``state`` moves pending -> done | failed.
frontier = Table(
    "frontier",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("url_key", String(64), nullable=False),  # sha1 of method + canonical URL + body
    Column("url", Text, nullable=False),
    Column("method", String(8), nullable=False, default="GET"),
    Column("body", Text),
    Column("kind", String(16), nullable=False),  # robots | column | list | api | article | attachment
    Column("depth", Integer, nullable=False, default=0),
    Column("column_url", Text),  # the column this request belongs to
    Column("parent_url", Text),
    Column("info", JSON, nullable=False, default=dict),  # list-row title/date, page number …
    Column("state", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("discovered_at", String(32), nullable=False),
    UniqueConstraint("round", "site_id", "url_key", name="uq_frontier_key"),
    Index("ix_frontier_state", "round", "site_id", "state"),
)

fetches = Table(
    "fetches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("run_id", Integer),
    Column("url_key", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("final_url", Text),
    Column("method", String(8), nullable=False, default="GET"),
    Column("kind", String(16), nullable=False),
    Column("status", String(32), nullable=False),  # ok | not_modified | dns | connect | timeout | http_<code> | blocked_challenge | robots_disallowed | too_large | not_html | parse_error | off_scope
    Column("http_status", Integer),
    Column("content_type", Text),
    Column("encoding", String(32)),
    Column("headers", JSON, nullable=False, default=dict),
    Column("length", Integer),
    Column("sha256", String(64)),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("warc_file", Text),
    Column("warc_offset", Integer),
    Column("warc_record_id", Text),
    Column("error", Text),
    Column("fetched_at", String(32), nullable=False),
    Column("changed", Boolean),  # payload differs from the previous fetch of the same URL
    UniqueConstraint("round", "site_id", "url_key", name="uq_fetches_key"),
)

# The 政府信息公开 column tree of a site as the crawler found it.
columns = Table(
    "columns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_url", Text),
    Column("path", Text, nullable=False, default=""),  # names from the root, joined by " > "
    Column("family", String(16)),
    Column("item_count", Integer),  # documents listed (None: not yet listed)
    Column("status", String(32), nullable=False, default="ok"),  # ok | empty | <failure status>
    UniqueConstraint("round", "site_id", "url", name="uq_columns_url"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("host", Text, nullable=False, default=""),
    Column("column_url", Text),
    Column("column_path", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("publish_date", String(10)),
    Column("formation_date", String(10)),
    Column("list_date", String(10)),  # the date beside the link on the list page
    Column("doc_number", Text),  # 文号
    Column("index_number", Text),  # 索引号
    Column("publisher", Text),  # 发布机构 / 来源
    Column("topic", Text),  # 主题分类
    Column("body_text", Text, nullable=False, default=""),
    Column("sources", JSON, nullable=False, default=dict),  # field -> where it came from
    Column("fetch_id", Integer),
    Column("sha256", String(64)),
    Column("warc_record_id", Text),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    UniqueConstraint("round", "site_id", "url", name="uq_documents_url"),
    Index("ix_documents_site", "round", "site_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("ext", String(16)),
    Column("reachable", Boolean),  # None: not checked
    Column("status", String(32)),  # fetch status taxonomy
    Column("size", Integer),
    Column("sha256", String(64)),
    Column("saved_path", Text),
    Column("warc_record_id", Text),
    UniqueConstraint("document_id", "url", name="uq_attachments_url"),
)

classifications = Table(
    "classifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("method", String(16), nullable=False),  # column_map | column_alias | title_rule | body_rule
    Column("rule", Text, nullable=False),
    Column("confidence", Float, nullable=False),
    UniqueConstraint("document_id", "item_id", name="uq_classifications_doc_item"),
    Index("ix_classifications_site", "round", "site_id"),
)

# One row per (round, site, item, criterion). criterion: coverage | timeliness |
# completeness | item. value is 0..100 or NULL when the criterion could not be assessed.
scores = Table(
    "scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("criterion", String(16), nullable=False),
    Column("value", Float),
    Column("status", String(32), nullable=False),  # scored | not_applicable | not_assessable | incomplete_observation | nothing_to_publish
    Column("findings", JSON, nullable=False, default=list),  # [{"text": 中文句子, "evidence": [...]}]
    Column("computed_at", String(32), nullable=False),
    # Assessor overrides (added by the scoring engine): when an override applies, ``value``
    # is the adjusted value and ``original_value`` the computed one.
    Column("original_value", Float),
    Column("override_reason", Text),
    Column("override_author", Text),
    UniqueConstraint("round", "site_id", "item_id", "criterion", name="uq_scores_key"),
)

# Aggregates per site: one row per (round, site, scope), scope = aspect id or "total".
site_scores = Table(
    "site_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("value", Float),
    Column("rank", Integer),
    Column("grade", String(8)),
    Column("computed_at", String(32), nullable=False),
    UniqueConstraint("round", "site_id", "scope", name="uq_site_scores_key"),
)

overrides = Table(
    "overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round", String(32), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("criterion", String(16), nullable=False),
    Column("value", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("source", Text),  # e.g. the review workbook it came from
)
