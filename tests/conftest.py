"""Shared fixtures. Every web request in the tests goes to servers the tests start on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from evaluator.store import Store

# Session fixtures shared by several modules are registered here, once, so that each is set
# up once per session (importing them into each module would make one instance per module).
from tests._demo_fixtures import demo_province  # noqa: E402,F401
from tests._e2e_fixtures import demo_run  # noqa: E402,F401


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty store URL, on SQLite and (when TEST_POSTGRES_URL is set) on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("no PostgreSQL server: set TEST_POSTGRES_URL (make test starts one)")
    _reset_postgres(url)
    yield url
    _reset_postgres(url)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """A fresh SQLite store."""
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()

