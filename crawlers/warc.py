"""WARC evidence: every response and every failure of a crawl, replayable later.

One gzip-compressed WARC file per site and run (a new file each run, so a file cut mid-record
by a kill is never appended to). Each fetch writes a ``request`` record and a ``response``
record; a failure without a response (DNS, connect, timeout) and a decision not to fetch
(robots_disallowed, off_scope) write a ``metadata`` record with a JSON body
(``{"status": …, "error": …}``). Every record is its own gzip member, so the store can point
at it with a byte offset and :func:`read_record` can replay it without reading the file.

Payloads are stored *decoded*: when the server sent ``Content-Encoding: gzip`` the response
record holds the decompressed body and the header is renamed ``X-Decoded-Content-Encoding``.
The store's ``sha256`` is the SHA-256 of exactly the payload :func:`read_record` returns.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawlers.http import FetchResult

SOFTWARE = "eco-disclosure-evaluator crawler (warcio)"
_NO_RECORD = "no complete WARC record at offset {offset}; the file may have been cut by an interrupted crawl"


@dataclass(frozen=True)
class WarcPointer:
    """Where a fetch's evidence sits: file, byte offset and record id of the main record."""

    warc_file: str
    offset: int
    record_id: str
    sha256: str | None = None


@dataclass
class ReplayedRecord:
    """A record read back from a WARC file."""

    record_id: str
    record_type: str
    target_uri: str
    date: str
    http_status: int | None
    http_headers: dict[str, str]
    payload: bytes
    warc_headers: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """SHA-256 of the payload (compare with ``fetches.sha256``)."""
        return hashlib.sha256(self.payload).hexdigest()

    def json(self) -> Any:
        """The JSON body of a ``metadata`` record."""
        return json.loads(self.payload.decode("utf-8"))


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class WarcWriter:
    """Appends records to one new WARC file. Thread-safe; flushes after every record so the
    store never points at bytes still in a buffer."""

    def __init__(self, path: Path, *, info: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "xb")  # never reuse a file: a previous run may have cut it
        self._writer = WARCWriter(self._fh, gzip=True)
        self._lock = threading.Lock()
        fields = {"software": SOFTWARE, "format": "WARC File Format 1.1"}
        fields.update(info or {})
        record = self._writer.create_warcinfo_record(self.path.name, fields)
        self._write(record)

    def _write(self, record: Any) -> tuple[int, str]:
        offset = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        return offset, record.rec_headers.get_header("WARC-Record-ID")

    def write_fetch(self, result: FetchResult) -> WarcPointer:
        """Write the request and the response (or the failure) of one fetch.

        Returns the pointer to the response record, or to the metadata record of a failure
        that produced no response; ``sha256`` is the payload hash (None for failures).
        """
        with self._lock:
            req = self._request_record(result)
            _, req_id = self._write(req)
            if result.http_status is None:
                meta = self._metadata_record(
                    result.url,
                    {"status": result.status, "error": result.error, "method": result.method, "elapsed": round(result.elapsed, 3)},
                    concurrent_to=req_id,
                )
                offset, rec_id = self._write(meta)
                return WarcPointer(str(self.path), offset, rec_id, None)
            status_line = f"{result.http_status} {result.reason or 'Unknown'}"
            headers = list(result.headers.items())
            http_headers = StatusAndHeaders(status_line, headers, protocol=result.http_version)
            warc_headers = {"WARC-Concurrent-To": req_id}
            if result.final_url and result.final_url != result.url:
                warc_headers["WARC-Refers-To-Target-URI"] = result.url
            if result.status not in ("ok", "not_modified"):
                warc_headers["WARC-Crawl-Status"] = result.status
            if result.truncated:
                warc_headers["WARC-Truncated"] = "length"
            record = self._writer.create_warc_record(
                result.final_url or result.url,
                "response",
                payload=BytesIO(result.body),
                length=len(result.body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            offset, rec_id = self._write(record)
            return WarcPointer(str(self.path), offset, rec_id, sha256_hex(result.body))

    def write_decision(self, url: str, status: str, detail: dict[str, Any]) -> WarcPointer:
        """Record a request that was deliberately not made (robots_disallowed, off_scope …)."""
        with self._lock:
            record = self._metadata_record(url, {"status": status, **detail})
            offset, rec_id = self._write(record)
            return WarcPointer(str(self.path), offset, rec_id, None)

    def _request_record(self, result: FetchResult) -> Any:
        parts = urlsplit(result.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        headers = [("Host", parts.netloc), *result.request_headers.items()]
        http_headers = StatusAndHeaders(f"{result.method} {target} HTTP/1.1", headers, is_http_request=True)
        body = result.request_body or b""
        return self._writer.create_warc_record(
            result.url, "request", payload=BytesIO(body), length=len(body), http_headers=http_headers
        )

    def _metadata_record(self, url: str, data: dict[str, Any], concurrent_to: str | None = None) -> Any:
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        warc_headers = {"WARC-Concurrent-To": concurrent_to} if concurrent_to else {}
        return self._writer.create_warc_record(
            url,
            "metadata",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict=warc_headers,
        )

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            if not self._fh.closed:
                self._fh.close()

    def __enter__(self) -> "WarcWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _replay(record: Any) -> ReplayedRecord:
    http_status = None
    http_headers: dict[str, str] = {}
    if record.http_headers is not None and record.rec_type == "response":
        code = record.http_headers.get_statuscode()
        http_status = int(code) if code and code.isdigit() else None
        http_headers = dict(record.http_headers.headers)
    elif record.http_headers is not None:
        http_headers = dict(record.http_headers.headers)
    payload = record.content_stream().read()
    rec = record.rec_headers
    return ReplayedRecord(
        record_id=rec.get_header("WARC-Record-ID") or "",
        record_type=record.rec_type,
        target_uri=rec.get_header("WARC-Target-URI") or "",
        date=rec.get_header("WARC-Date") or "",
        http_status=http_status,
        http_headers=http_headers,
        payload=payload,
        warc_headers=dict(rec.headers),
    )


def read_record(warc_file: str | Path, offset: int) -> ReplayedRecord:
    """Read the record starting at ``offset`` of ``warc_file`` (as stored in ``fetches``).

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` when no complete
    record starts at that offset.
    """
    with open(warc_file, "rb") as fh:
        fh.seek(offset)
        try:
            for record in ArchiveIterator(fh):
                return _replay(record)
        except Exception as exc:  # warcio raises several types for damaged data
            raise ValueError(f"{warc_file}: {_NO_RECORD.format(offset=offset)} ({exc})") from exc
    raise ValueError(f"{warc_file}: {_NO_RECORD.format(offset=offset)}")


def iter_records(warc_file: str | Path) -> Iterator[tuple[int, ReplayedRecord]]:
    """Every complete record of a file with its offset; a tail cut by a kill is skipped."""
    with open(warc_file, "rb") as fh:
        iterator = ArchiveIterator(fh)
        while True:
            try:
                record = next(iterator)
                offset = iterator.get_record_offset()
                replayed = _replay(record)
            except StopIteration:
                return
            except Exception:  # truncated or damaged tail: stop at the last complete record
                return
            yield offset, replayed
