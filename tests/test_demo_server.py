"""The demo province over HTTP: serving, HTTP semantics and the fault knobs."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import format_datetime

import pytest
import requests

from evaluator.demo.model import SiteFaults
from evaluator.demo.render import column_url, entry_point_path, url_for
from evaluator.demo.server import DemoProvince
from tests._demo_fixtures import fetch, neutral


@contextmanager
def one_site(faults: SiteFaults, **options: object) -> Iterator[tuple[DemoProvince, str]]:
    """A fresh one-site province (site city-01, TRS) with ``faults``; yields it and its base URL."""
    with DemoProvince(seed=0, sites=1, pages=30, faults={"city-01": faults}, **options) as province:
        yield province, province.sites[0][1].rstrip("/")


def urls_of(province: DemoProvince, site_id: str) -> list[str]:
    site = province.site(site_id)
    endpoint = province.endpoint(site_id)
    urls = [endpoint.base_url.rstrip("/") + entry_point_path(site)]
    urls += [url_for(site, doc, endpoint.origins) for doc in site.documents[:6]]
    urls += [column_url(site, col, endpoint.origins).split("#")[0] for col in site.columns[:6]]
    return urls


# ---------------------------------------------------------------- serving


def test_province_serves_every_site_on_its_own_ports(demo_province: DemoProvince) -> None:
    assert [s[0] for s in demo_province.sites] == ["city-01", "city-02", "city-03"]
    ports = {url.split(":")[2].split("/")[0] for _, base, portal in demo_province.sites for url in (base, portal)}
    assert len(ports) == 6
    for site_id, base, portal in demo_province.sites:
        site = demo_province.site(site_id)
        response = fetch(base.rstrip("/") + entry_point_path(site))
        assert response.status_code == 200 and site.name in response.content.decode(site.encoding)
        assert fetch(portal).status_code == 200
        assert fetch(base + "robots.txt").status_code == 404
        assert fetch(base + "no-such-page.html").status_code == 404


def test_request_log_counts_per_site_host_and_path(demo_province: DemoProvince) -> None:
    site_id, base, _ = demo_province.sites[1]
    path = entry_point_path(demo_province.site(site_id))
    before = demo_province.hits(site_id, path)
    fetch(base.rstrip("/") + path)
    fetch(base.rstrip("/") + path + "?x=1")
    assert demo_province.hits(site_id, path) == before + 2
    assert demo_province.hits(site_id, path, host="portal") == 0


@pytest.mark.parametrize("position", [0, 1, 2])
def test_same_seed_serves_identical_bytes(demo_province: DemoProvince, position: int) -> None:
    site_id = demo_province.sites[position][0]
    first = [(u, neutral(fetch(u).content, demo_province.endpoint(site_id))) for u in urls_of(demo_province, site_id)]
    with DemoProvince(seed=0, sites=3, pages=50) as other:
        second = [neutral(fetch(u).content, other.endpoint(site_id)) for u in urls_of(other, site_id)]
    assert [body for _, body in first] == second
    with DemoProvince(seed=1, sites=3, pages=50) as different:
        third = [neutral(fetch(u).content, different.endpoint(site_id)) for u in urls_of(different, site_id)]
    assert third != second


def test_hanweb_dataproxy_post_over_http(demo_province: DemoProvince) -> None:
    site_id, base, _ = demo_province.sites[1]
    site = demo_province.site(site_id)
    col = max(site.columns, key=lambda c: len(site.documents_in(c.key)))
    page = fetch(column_url(site, col, demo_province.endpoint(site_id).origins)).text
    columnid = re.search(r"columnid=(\d+)", page).group(1)
    unitid = re.search(r"unitid=(\d+)", page).group(1)
    response = fetch(
        base + "module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
        method="POST",
        data={"col": "1", "appid": "1", "webid": "12", "path": "/", "columnid": columnid, "unitid": unitid,
              "webname": site.name, "permissiontype": "0"},
    )
    assert response.headers["Content-Type"] == "text/xml;charset=UTF-8"
    total = int(re.search(r"<totalrecord>(\d+)</totalrecord>", response.text).group(1))
    assert total == len(site.documents_in(col.key))
    assert response.text.count("<record>") == min(45, total)


# ---------------------------------------------------------------- HTTP semantics


def _article_url(province: DemoProvince, position: int = 0) -> str:
    site_id = province.sites[position][0]
    site = province.site(site_id)
    doc = next(d for d in site.documents if not d.on_portal)
    return url_for(site, doc, province.endpoint(site_id).origins)


def test_articles_have_validators_and_answer_conditional_requests(demo_province: DemoProvince) -> None:
    url = _article_url(demo_province)
    response = fetch(url)
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{20}"', etag) and modified.endswith(" GMT")
    assert "Date" not in response.headers  # no timestamps: the same request gets the same bytes
    assert fetch(url, headers={"If-None-Match": etag}).status_code == 304
    assert fetch(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert fetch(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200
    listing = fetch(demo_province.sites[0][1].rstrip("/") + entry_point_path(demo_province.site("city-01")))
    assert "ETag" not in listing.headers


def test_head_gives_headers_without_body(demo_province: DemoProvince) -> None:
    url = _article_url(demo_province, 2)
    get, head = fetch(url), fetch(url, method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))
    assert head.headers["ETag"] == get.headers["ETag"]


def test_content_type_charset_per_site(demo_province: DemoProvince) -> None:
    kinds = {}
    for site_id, base, _ in demo_province.sites:
        site = demo_province.site(site_id)
        kinds[site_id] = fetch(base.rstrip("/") + entry_point_path(site)).headers["Content-Type"]
    assert kinds == {"city-01": "text/html; charset=utf-8", "city-02": "text/html; charset=utf-8", "city-03": "text/html"}


def test_attachments_support_byte_ranges() -> None:
    with DemoProvince(seed=0, sites=1, pages=200) as province:
        site = province.site("city-01")
        doc, att = next((d, a) for d in site.documents for a in d.attachments if not a.broken)
        from evaluator.demo.render import attachment_url

        url = attachment_url(site, doc, att, province.endpoint("city-01").origins)
        whole = fetch(url)
        assert whole.headers["Accept-Ranges"] == "bytes"
        part = fetch(url, headers={"Range": "bytes=0-9"})
        assert part.status_code == 206 and part.content == whole.content[:10]
        assert part.headers["Content-Range"] == f"bytes 0-9/{len(whole.content)}"
        tail = fetch(url, headers={"Range": "bytes=-5"})
        assert tail.content == whole.content[-5:]
        beyond = fetch(url, headers={"Range": f"bytes={len(whole.content)}-"})
        assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(whole.content)}"


# ---------------------------------------------------------------- fault knobs


def test_robots_txt_from_disallow_rules() -> None:
    with one_site(SiteFaults(robots_disallow=("/module/", "/was5/"))) as (_, base):
        response = fetch(base + "/robots.txt")
        assert response.status_code == 200
        assert response.text == "User-agent: *\nDisallow: /module/\nDisallow: /was5/\n"


def test_error_rate_one_always_answers_5xx() -> None:
    with one_site(SiteFaults(error_rate=1.0)) as (province, base):
        path = entry_point_path(province.site("city-01"))
        statuses = {fetch(base + path).status_code for _ in range(6)}
        assert statuses <= {500, 502, 503} and statuses
        assert fetch(base + "/robots.txt").status_code == 404  # robots.txt is exempt from random faults


def test_fault_decisions_are_deterministic_and_retries_are_new_draws() -> None:
    def statuses() -> list[int]:
        with one_site(SiteFaults(error_rate=0.5)) as (province, base):
            path = entry_point_path(province.site("city-01"))
            return [fetch(base + path).status_code for _ in range(12)]

    first = statuses()
    assert first == statuses()
    assert 200 in first and set(first) - {200}


def test_reset_rate_one_resets_the_connection() -> None:
    with one_site(SiteFaults(reset_rate=1.0)) as (province, base):
        with pytest.raises(requests.ConnectionError):
            fetch(base + entry_point_path(province.site("city-01")))


def test_timeout_rate_holds_the_connection_past_the_client_timeout() -> None:
    with one_site(SiteFaults(timeout_rate=1.0), timeout_sleep=3.0) as (province, base):
        with pytest.raises(requests.exceptions.ReadTimeout):
            fetch(base + entry_point_path(province.site("city-01")), timeout=0.3)


def test_truncate_rate_sends_less_than_content_length() -> None:
    with one_site(SiteFaults(truncate_rate=1.0)) as (province, base):
        path = entry_point_path(province.site("city-01"))
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            fetch(base + path)
        host, port = base.split("//")[1].split(":")
        with socket.create_connection((host, int(port)), timeout=5) as conn:
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            raw = b""
            while chunk := conn.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        declared = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        assert 0 < len(body) < declared


def test_challenge_paths_answer_412_with_cookie() -> None:
    with one_site(SiteFaults(challenge_paths=("/xxgk/",))) as (province, base):
        response = fetch(base + entry_point_path(province.site("city-01")))
        assert response.status_code == 412
        assert re.fullmatch(r"[A-Za-z0-9]{16}S", next(iter(response.cookies.keys())))
        assert "$_ts" in response.text
        assert fetch(base + "/robots.txt").status_code == 404


def test_redirect_loop_paths_loop_forever() -> None:
    with one_site(SiteFaults(redirect_loop_paths=("/xxgk/",))) as (province, base):
        url = base + entry_point_path(province.site("city-01"))
        first = fetch(url)
        assert first.status_code == 302 and first.headers["Location"].endswith("index.html?r=1")
        with pytest.raises(requests.TooManyRedirects):
            fetch(url, allow_redirects=True)


def test_oversize_paths_are_padded() -> None:
    with one_site(SiteFaults(oversize_paths=("/xxgk/",)), oversize_bytes=300_000) as (province, base):
        response = fetch(base + entry_point_path(province.site("city-01")))
        assert response.status_code == 200 and len(response.content) >= 300_000
        assert response.content.rstrip().endswith(b"-->")


def test_blocked_columns_answer_412_over_http() -> None:
    with DemoProvince(seed=0, sites=8, pages=50) as province:
        site = province.site("city-08")
        endpoint = province.endpoint("city-08")
        for key in site.faults.challenge_column_keys:
            col = site.column(key)
            assert fetch(column_url(site, col, endpoint.origins)).status_code == 412
        open_col = next(c for c in site.columns if c.key not in site.faults.challenge_column_keys and not c.on_portal)
        assert fetch(column_url(site, open_col, endpoint.origins)).status_code == 200
        assert not province.errors


def test_stop_wakes_sleeping_timeouts_and_frees_ports() -> None:
    province = DemoProvince(seed=0, sites=1, pages=20, faults={"city-01": SiteFaults(timeout_rate=1.0)})
    province.start()
    base = province.sites[0][1]
    with pytest.raises(requests.exceptions.ReadTimeout):
        fetch(base + "xxgk/index.html", timeout=0.2)
    province.stop()
    with pytest.raises(requests.ConnectionError):
        fetch(base + "xxgk/index.html", timeout=1)


def test_port_base_is_validated() -> None:
    with pytest.raises(ValueError, match="port_base 65530 leaves no room for 8 ports below 65536"):
        DemoProvince(sites=4, port_base=65530)
    with pytest.raises(ValueError, match="sites must be at least 1, got 0"):
        DemoProvince(sites=0)


def test_if_modified_since_uses_http_dates(demo_province: DemoProvince) -> None:
    url = _article_url(demo_province, 1)
    modified = fetch(url).headers["Last-Modified"]
    from email.utils import parsedate_to_datetime

    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
    assert fetch(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_cli_demo_serve_prints_urls_writes_assessment_and_stops_on_ctrl_c(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    import yaml

    out = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-m", "evaluator", "demo", "serve", "--sites", "2", "--seed", "0", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if line.startswith("serving") or not line:
                break
        printed = "".join(lines)
        assert "serving; press Ctrl-C to stop" in printed, printed + process.stderr.read()
        data = yaml.safe_load((out / "assessment.yaml").read_text(encoding="utf-8"))
        assert [s["id"] for s in data["sites"]] == ["city-01", "city-02"]
        for site in data["sites"]:
            assert site["entry_points"][0] in printed
            assert fetch(site["entry_points"][0]).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert stdout.strip().endswith("stopped")


def test_cli_demo_serve_reports_a_busy_port(tmp_path) -> None:
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "evaluator", "demo", "serve", "--sites", "1", "--port-base", str(port),
             "--out", str(tmp_path)],
            capture_output=True, text=True, encoding="utf-8", timeout=30,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port} for site 1 (bureau)" in result.stdout + result.stderr


def test_challenge_paths_apply_below_the_portal_channel_too() -> None:
    with DemoProvince(seed=0, sites=4, pages=50, faults={"city-04": SiteFaults(challenge_paths=("/xxgk/",))}) as province:
        site = province.site("city-04")
        endpoint = province.endpoint("city-04")
        portal_col = next(c for c in site.columns if c.on_portal)
        assert fetch(column_url(site, portal_col, endpoint.origins)).status_code == 200
        channel = endpoint.portal_url.rstrip("/")
        assert fetch(channel + "/xxgk/index.jhtml").status_code == 412
        assert fetch(endpoint.base_url + "xxgk/index.jhtml").status_code == 412
        assert fetch(channel.rsplit("/", 1)[0] + "/").status_code == 200  # the portal's own home page


def test_cli_demo_serve_rejects_a_port_base_without_room(tmp_path) -> None:
    from typer.testing import CliRunner

    from evaluator.cli import _register, app

    _register()
    result = CliRunner().invoke(app, ["demo", "serve", "--sites", "12", "--port-base", "65530", "--out", str(tmp_path)])
    assert result.exit_code == 2
    words = " ".join(result.output.replace("│", " ").split())  # the message is boxed and wrapped
    assert "Invalid value for --port-base: port_base 65530 leaves no room for 24 ports below 65536" in words
