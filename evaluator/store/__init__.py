"""The assessment store: SQLite by default, any SQLAlchemy URL (PostgreSQL) for teams.

Usage::

    from evaluator.store import Store
    store = Store.open("sqlite:///assessment.db")      # creates the schema on first use
    store.upsert(schema.documents, rows, key=("round", "site_id", "url"))
    with store.engine.connect() as conn: ...

A store written by another schema version fails with :class:`StoreVersionError`, never
silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from evaluator.errors import StoreError, StoreVersionError
from evaluator.store import schema
from evaluator.store.schema import SCHEMA_VERSION, metadata

__all__ = ["Store", "schema", "url_key", "utcnow", "default_store_url"]


def utcnow() -> str:
    """Current UTC time as an ISO string (the store's timestamp format)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def url_key(url: str, method: str = "GET", body: str | None = None) -> str:
    """Stable key of a request: the same URL, method and body always give the same key."""
    raw = f"{method.upper()} {url}\n{body or ''}".encode()
    return hashlib.sha1(raw).hexdigest()


def default_store_url(assessment_path: Path) -> str:
    """The default store: ``<assessment name>.db`` beside the assessment file."""
    db = assessment_path.with_suffix(".db")
    return f"sqlite:///{db.resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions start (see _sqlite_begin):
    # sqlite3's own implicit transactions skip DDL, so a crash while creating the schema could
    # leave tables without the version row.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets report readers work while a crawl writes; busy_timeout waits for a lock
    # held by another process instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


class Store:
    """A connection to one assessment store (several rounds may share it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.schema = schema
        self._statements: dict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], Any] = {}

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> "Store":
        """Open (and on first use create) the store at a SQLAlchemy URL."""
        if "://" not in url:
            url = f"sqlite:///{Path(url).resolve()}"
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(url, future=True)
        except Exception as exc:  # bad URL or missing driver
            raise StoreError(
                f"cannot open the store {url!r}: {exc}. Use a SQLAlchemy URL such as "
                "sqlite:///assessment.db or postgresql+psycopg://user@host/db "
                "(PostgreSQL needs: pip install 'eco-disclosure-evaluator[postgres]')"
            ) from exc
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        store = cls(engine)
        store._check_or_create(create)
        return store

    def _check_or_create(self, create: bool) -> None:
        try:
            existing = set(inspect(self.engine).get_table_names())
        except Exception as exc:
            raise StoreError(f"cannot connect to the store {self.engine.url!r}: {exc}") from exc
        if "meta" in existing:
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
                ).first()
            found = int(row[0]) if row else None
            if found != SCHEMA_VERSION:
                raise StoreVersionError(
                    f"the store {self.engine.url!r} has schema version {found}, this toolkit "
                    f"uses version {SCHEMA_VERSION}. Use a new store file (store_url in the "
                    "assessment) or the toolkit version that wrote it."
                )
            metadata.create_all(self.engine)  # tables added since are harmless to create
            return
        if existing:
            raise StoreVersionError(
                f"the database {self.engine.url!r} has tables but is not an assessment store "
                f"(found: {', '.join(sorted(existing)[:5])}). Point store_url at an empty database."
            )
        if not create:
            raise StoreError(f"no store at {self.engine.url!r}; run `evaluator crawl` first")
        # One transaction: a store is either fully created, with its version row, or not at all.
        with self.engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(schema.meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            conn.execute(schema.meta.insert().values(key="created_at", value=utcnow()))

    # -- writing -------------------------------------------------------------------------
    def upsert(
        self,
        table: Table,
        rows: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        key: Iterable[str],
        *,
        update: Iterable[str] | None = None,
        conn: Any = None,
        returning: str | None = None,
    ) -> Any:
        """Insert rows, or update the existing row with the same ``key`` columns.

        ``update`` limits which columns an existing row takes from the new one (default: all
        non-key columns present in the row). Pass ``conn`` to join an open transaction.
        ``returning`` names a column whose value is returned for a single row (e.g. ``"id"``:
        the row's id, inserted or updated, without a second query); it needs updated columns.
        """
        if isinstance(rows, Mapping):
            rows = [rows]
        if not rows:
            return None
        key = tuple(key)
        columns = tuple(update if update is not None else (c for c in rows[0] if c not in key))
        if returning is not None and (len(rows) != 1 or not columns):
            raise ValueError("returning= needs exactly one row and at least one column to update")
        stmt = self._upsert_statement(table, key, columns, returning)
        params = list(rows) if returning is None else dict(rows[0])

        def execute(c: Any) -> Any:  # the returned value is read inside the transaction
            result = c.execute(stmt, params)
            return result.scalar_one() if returning is not None else None

        if conn is not None:
            return execute(conn)
        with self.engine.begin() as own:
            return execute(own)

    def _upsert_statement(self, table: Table, key: tuple[str, ...], columns: tuple[str, ...], returning: str | None = None) -> Any:
        # Building an ON CONFLICT statement aliases every column of the table (``excluded``);
        # the crawler upserts several rows per page, so each shape is built once and reused.
        cache_key = (table.name, key, columns, returning)
        stmt = self._statements.get(cache_key)
        if stmt is not None:
            return stmt
        dialect = self.engine.dialect.name
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
        if insert is None:
            raise StoreError(f"upsert is not supported on {dialect}; use SQLite or PostgreSQL")
        stmt = insert(table)
        stmt = (
            stmt.on_conflict_do_update(index_elements=list(key), set_={c: stmt.excluded[c] for c in columns})
            if columns
            else stmt.on_conflict_do_nothing(index_elements=list(key))
        )
        if returning is not None:
            stmt = stmt.returning(table.c[returning])
        self._statements[cache_key] = stmt
        return stmt

    def rounds(self) -> list[str]:
        """Rounds that have documents or scores, oldest first (lexical order)."""
        with self.engine.connect() as conn:
            found = {r for (r,) in conn.execute(select(schema.documents.c.round).distinct())}
            found |= {r for (r,) in conn.execute(select(schema.site_scores.c.round).distinct())}
        return sorted(found)

    def close(self) -> None:
        self.engine.dispose()
