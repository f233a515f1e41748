"""The crawler against the demo province: every document of every observable column is found.

Each of the first four demo sites is one CMS family (TRS, Hanweb, gkmlpt, generic). With 240
documents per site the lists run to many pages, so this exercises every family's pagination:
TRS ``index_N.html`` from ``createPageHTML``, Hanweb's datastore then ``dataproxy.jsp`` POSTs
(each built from the previous request's form body), the gkmlpt JSON API and 下一页 links.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from crawlers.engine import crawl
from evaluator.config import load_assessment
from evaluator.demo.render import url_for
from evaluator.demo.server import DemoProvince
from evaluator.store import Store, schema

PAGES = 240


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoProvince, Store]]:
    folder = tmp_path_factory.mktemp("crawl-demo")
    with DemoProvince(seed=0, sites=4, pages=PAGES) as province:
        path = province.write_assessment(folder / "assessment.yaml", store_url=f"sqlite:///{folder / 's.db'}")
        assessment = load_assessment(path)
        store = Store.open(assessment.store_url)
        stats = crawl(assessment, store)
        assert all(s.status == "finished" for s in stats), [(s.site_id, s.status, s.error) for s in stats]
        yield province, store
        store.close()


@pytest.mark.parametrize("site_id, family", [("city-01", "trs"), ("city-02", "hanweb"), ("city-03", "gkmlpt"), ("city-04", "generic")])
def test_every_observable_document_is_stored(crawled, site_id: str, family: str) -> None:
    province, store = crawled
    site = province.site(site_id)
    assert site.family == family
    endpoint = province.endpoint(site_id)
    origins = endpoint.origins
    blocked = {c.key for c in site.columns if c.blocked}
    expected = {url_for(site, doc, origins) for doc in site.documents if doc.column_key not in blocked}
    with store.engine.connect() as conn:
        stored = {row.url for row in conn.execute(
            select(schema.documents.c.url).where(schema.documents.c.site_id == site_id))}
    missing = sorted(expected - stored)
    assert not missing, f"{len(missing)} of {len(expected)} documents not crawled, e.g. {missing[:3]}"


def test_hanweb_lists_are_paged_by_chained_posts(tmp_path) -> None:
    """A Hanweb column of ~100 records: 45 in the datastore, then two dataproxy.jsp POST
    windows, each built from the previous request's form body."""
    with DemoProvince(seed=0, sites=2, pages=400) as province:
        path = province.write_assessment(tmp_path / "assessment.yaml", store_url=f"sqlite:///{tmp_path / 's.db'}")
        assessment = load_assessment(path)
        store = Store.open(assessment.store_url)
        crawl(assessment, store, site_ids=["city-02"])
        site = province.site("city-02")
        origins = province.endpoint("city-02").origins
        biggest = max(site.columns, key=lambda c: len(site.documents_in(c.key)))
        expected = {url_for(site, doc, origins) for doc in site.documents_in(biggest.key)}
        with store.engine.connect() as conn:
            stored = {r.url for r in conn.execute(select(schema.documents.c.url).where(schema.documents.c.site_id == "city-02"))}
            posts = conn.execute(select(schema.fetches.c.url, schema.fetches.c.status).where(
                (schema.fetches.c.site_id == "city-02") & (schema.fetches.c.method == "POST"))).all()
        store.close()
    assert len(expected) > 90
    assert expected <= stored, f"{len(expected - stored)} of the column's {len(expected)} documents missing"
    windows = {url.split("startrecord=")[1].split("&")[0] for url, status in posts if status == "ok"}
    assert {"46", "91"} <= windows, windows
