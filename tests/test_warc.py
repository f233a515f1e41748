"""WARC evidence: records replay, hashes match the store, a cut tail is harmless."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.engine import crawl_site
from crawlers.http import FetchResult, RequestsFetcher
from crawlers.model import Request
from crawlers.warc import WarcWriter, iter_records, read_record, sha256_hex
from evaluator.store import Store, schema
from tests._crawl_fixtures import TINY, LocalSite, Reply, make_assessment, site_config, three_column_site


def ok_result(url: str = "http://a.gov.cn/xxgk/1.html", body: bytes = "<p>正文</p>".encode()) -> FetchResult:
    return FetchResult(
        url=url, method="GET", status="ok", final_url=url, http_status=200, reason="OK",
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"x"'},
        request_headers={"User-Agent": "t"}, body=body,
    )


def test_response_record_replays(tmp_path: Path) -> None:
    result = ok_result()
    with WarcWriter(tmp_path / "a.warc.gz") as writer:
        pointer = writer.write_fetch(result)
    record = read_record(pointer.warc_file, pointer.offset)
    assert record.record_type == "response"
    assert record.record_id == pointer.record_id
    assert record.target_uri == result.url
    assert record.http_status == 200
    assert record.http_headers["ETag"] == '"x"'
    assert record.payload == result.body
    assert record.sha256 == pointer.sha256 == sha256_hex(result.body)


@pytest.mark.parametrize("status", ["dns", "connect", "timeout"])
def test_failures_without_a_response_are_metadata_records(tmp_path: Path, status: str) -> None:
    failed = FetchResult(url="http://a.invalid/", method="GET", status=status, error="no luck")
    with WarcWriter(tmp_path / "f.warc.gz") as writer:
        pointer = writer.write_fetch(failed)
    record = read_record(pointer.warc_file, pointer.offset)
    assert record.record_type == "metadata"
    assert record.json()["status"] == status and record.json()["error"] == "no luck"
    assert pointer.sha256 is None


def test_decisions_are_metadata_records(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "d.warc.gz") as writer:
        pointer = writer.write_decision("http://other.gov.cn/", "off_scope", {"kind": "article", "note": "off_host"})
    assert read_record(pointer.warc_file, pointer.offset).json() == {"status": "off_scope", "kind": "article", "note": "off_host"}


def test_a_new_file_per_run_never_appends(tmp_path: Path) -> None:
    WarcWriter(tmp_path / "x.warc.gz").close()
    with pytest.raises(FileExistsError):
        WarcWriter(tmp_path / "x.warc.gz")


def test_a_tail_cut_by_a_kill_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc.gz"
    with WarcWriter(path) as writer:
        first = writer.write_fetch(ok_result("http://a.gov.cn/1.html"))
        last = writer.write_fetch(ok_result("http://a.gov.cn/2.html", b"x" * 50_000))
    data = path.read_bytes()
    path.write_bytes(data[: last.offset + 300])  # the process died while writing
    records = list(iter_records(path))
    uris = [r.target_uri for _, r in records if r.record_type == "response"]
    assert uris == ["http://a.gov.cn/1.html"]
    assert read_record(path, first.offset).payload == "<p>正文</p>".encode()
    with pytest.raises(ValueError, match=f"no complete WARC record at offset {last.offset}; the file may have been cut"):
        read_record(path, last.offset)


def test_gzip_responses_are_stored_decoded(tmp_path: Path) -> None:
    page = "<html>生态环境</html>".encode()
    with LocalSite({"/z": Reply(200, gzip.compress(page), headers={"Content-Encoding": "gzip"})}) as site:
        result = RequestsFetcher(user_agent="t", retries=0).fetch(Request(site.url("/z")))
    with WarcWriter(tmp_path / "z.warc.gz") as writer:
        pointer = writer.write_fetch(result)
    record = read_record(pointer.warc_file, pointer.offset)
    assert record.payload == page
    assert record.http_headers.get("X-Decoded-Content-Encoding") == "gzip"
    assert "Content-Encoding" not in record.http_headers


def test_every_stored_fetch_replays_with_its_hash(tmp_path: Path) -> None:
    with three_column_site() as site:
        a = make_assessment(tmp_path, [site_config("s1", site.base, site.url("/xxgk/"))])
        store = Store.open(a.store_url)
        crawl_site(a, a.sites[0], store, **TINY)
    with store.engine.connect() as conn:
        fetches = conn.execute(select(schema.fetches)).mappings().all()
        documents = conn.execute(select(schema.documents)).mappings().all()
    assert len(fetches) >= 10
    by_id = {}
    for row in fetches:
        record = read_record(row["warc_file"], row["warc_offset"])
        assert record.record_id == row["warc_record_id"]
        if row["sha256"]:
            assert record.sha256 == row["sha256"], row["url"]
            assert record.target_uri == row["final_url"]
        by_id[row["id"]] = row
    for doc in documents:
        fetch = by_id[doc["fetch_id"]]
        assert (doc["sha256"], doc["warc_record_id"]) == (fetch["sha256"], fetch["warc_record_id"])
        assert doc["body_text"] in read_record(fetch["warc_file"], fetch["warc_offset"]).payload.decode()
