"""The store: schema creation, versioning, idempotent writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from evaluator.errors import StoreError, StoreVersionError
from evaluator.store import Store, schema, url_key
from evaluator.store.schema import SCHEMA_VERSION


def _site(name: str = "甲市生态环境局") -> dict:
    return {"site_id": "city-01", "name": name, "region": "示范省", "base_url": "http://127.0.0.1:1/", "config": {}}


def _count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_schema_created_and_version_recorded(store_url: str) -> None:
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        version = conn.execute(
            select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
        ).scalar_one()
    assert version == str(SCHEMA_VERSION)
    store.close()
    Store.open(store_url).close()  # reopening an existing store of this version works


def test_upsert_updates_instead_of_duplicating(store_url: str) -> None:
    store = Store.open(store_url)
    store.upsert(schema.sites, _site(), key=("site_id",))
    store.upsert(schema.sites, _site("甲市生态环境局（新）"), key=("site_id",))
    assert _count(store, schema.sites) == 1
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.sites.c.name)).scalar_one() == "甲市生态环境局（新）"
    store.close()


def test_upsert_can_keep_existing_columns(store_url: str) -> None:
    store = Store.open(store_url)
    row = {
        "round": "2025", "site_id": "city-01", "url": "http://x/a.html", "title": "首次标题",
        "first_seen": "2026-01-01T00:00:00+00:00", "last_seen": "2026-01-01T00:00:00+00:00",
    }
    store.upsert(schema.documents, row, key=("round", "site_id", "url"))
    later = dict(row, title="更新标题", first_seen="2026-02-01T00:00:00+00:00", last_seen="2026-02-01T00:00:00+00:00")
    store.upsert(schema.documents, later, key=("round", "site_id", "url"), update=["title", "last_seen"])
    with store.engine.connect() as conn:
        got = conn.execute(select(schema.documents.c.title, schema.documents.c.first_seen, schema.documents.c.last_seen)).one()
    assert got == ("更新标题", "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00")
    assert _count(store, schema.documents) == 1
    store.close()


def test_upsert_returns_the_id_of_the_inserted_or_updated_row(store_url: str) -> None:
    store = Store.open(store_url)
    row = {"round": "2025", "site_id": "city-01", "url": "http://x/a.html", "title": "一", "first_seen": "t0", "last_seen": "t0"}
    other = dict(row, url="http://x/b.html")
    first = store.upsert(schema.documents, row, key=("round", "site_id", "url"), returning="id")
    second = store.upsert(schema.documents, other, key=("round", "site_id", "url"), returning="id")
    again = store.upsert(schema.documents, dict(row, title="二"), key=("round", "site_id", "url"), returning="id")
    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(schema.documents.c.url, schema.documents.c.id)).all())
    assert (first, second, again) == (ids["http://x/a.html"], ids["http://x/b.html"], ids["http://x/a.html"])
    assert first != second
    with pytest.raises(ValueError, match="exactly one row"):
        store.upsert(schema.documents, [row, other], key=("round", "site_id", "url"), returning="id")
    store.close()


def test_store_of_another_schema_version_is_refused(store_url: str) -> None:
    Store.open(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StoreVersionError) as excinfo:
        Store.open(store_url)
    message = str(excinfo.value)
    assert "has schema version 999" in message
    assert f"uses version {SCHEMA_VERSION}" in message
    assert "Use a new store file" in message


def test_database_that_is_not_a_store_is_refused(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(StoreVersionError, match="has tables but is not an assessment store"):
        Store.open(store_url)


def test_plain_path_opens_sqlite_and_creates_folders(tmp_path) -> None:
    path = tmp_path / "nested" / "dir" / "a.db"
    store = Store.open(str(path))
    assert store.engine.dialect.name == "sqlite"
    assert path.exists()
    store.close()


def test_unknown_driver_gives_a_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot open the store 'nosuchdb://x'.*Use a SQLAlchemy URL"):
        Store.open("nosuchdb://x")


def test_open_without_create_reports_missing_store(tmp_path) -> None:
    with pytest.raises(StoreError, match="no store at .*run `evaluator crawl` first"):
        Store.open(f"sqlite:///{tmp_path / 'absent.db'}", create=False)


def test_rounds_lists_rounds_with_data(store_url: str) -> None:
    store = Store.open(store_url)
    for rnd in ("2025", "2024"):
        store.upsert(schema.documents, {"round": rnd, "site_id": "s", "url": f"http://x/{rnd}", "first_seen": "t", "last_seen": "t"}, key=("round", "site_id", "url"))
    assert store.rounds() == ["2024", "2025"]
    store.close()


def test_url_key_depends_on_method_and_body() -> None:
    url = "http://127.0.0.1/module/web/jpage/dataproxy.jsp?startrecord=1"
    assert url_key(url) == url_key(url, "get")
    assert url_key(url, "POST", "columnid=1") != url_key(url, "POST", "columnid=2")
    assert url_key(url) != url_key(url, "POST")


def test_store_creation_is_all_or_nothing(tmp_path, monkeypatch) -> None:
    """A failure while the schema is being created leaves no half-made store behind."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    original = schema.meta.insert

    def failing_insert(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(schema.meta, "insert", failing_insert)
    with pytest.raises(OSError):
        Store.open(url)
    monkeypatch.setattr(schema.meta, "insert", original)
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars().all()
    engine.dispose()
    assert tables == []
    Store.open(url).close()  # and the next open creates it properly
