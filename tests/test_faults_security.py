"""Fault matrix, security: the crawler never leaves its scope, never runs crawled code, saves
attachments under safe names, and hostile crawled text stays inert all the way to the reports.

Scope is asserted on the wire: a second local server ("another host") must receive zero
requests whatever the bureau site links or redirects to.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable, Iterator
from pathlib import Path

import lxml.html
import pytest

from crawlers.attachments import MAX_NAME_CHARS, sanitise_name, save_attachment
from evaluator.pipeline import RunOptions, run
from evaluator.store import Store
from tests._fault_fixtures import (
    FaultOutcome,
    FaultServer,
    Route,
    article_page,
    assessment_for,
    crawl_sites,
    documents,
    fault_limits,
    fetch_rows,
    list_page,
    page,
    redirect,
    site,
)

PSEUDO = ("file:///etc/passwd", "ftp://127.0.0.1/pub/a.pdf", "javascript:alert(1)", "data:text/html,<b>x</b>",
          "vbscript:msgbox(1)", "mailto:a@b.cn")


@pytest.fixture
def elsewhere() -> Iterator[FaultServer]:
    """Another host: the crawler of the bureau site must never send it a request."""
    with FaultServer({"/": page("elsewhere")}, prefixes={"/": page("elsewhere")}) as server:
        yield server


def bureau(other: FaultServer, extra: dict[str, Route] | None = None) -> FaultServer:
    """A bureau site whose list links off-scope articles, pseudo-URLs and redirects away."""
    items = [("/xxgk/ok.html", "关于正常文件的通知", "2025-03-01"),
             (other.url("/xxgk/offsite.html"), "外站文件", "2025-03-02"),
             ("/xxgk/to-other.html", "跳转外站", "2025-03-03")]
    items += [(href, f"伪链接{i}", "2025-03-04") for i, href in enumerate(PSEUDO)]
    atts = [(other.url("/files/a.pdf"), "外站附件.pdf"), *((href, f"伪附件{i}.pdf") for i, href in enumerate(PSEUDO))]
    routes: dict[str, Route] = {
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/": page(list_page("政府信息公开", items=items, columns=[(other.url("/col/"), "外站栏目")])),
        "/xxgk/ok.html": page(article_page("关于正常文件的通知", "2025-03-01", "正文", atts)),
        "/xxgk/to-other.html": redirect(other.url("/landing.html")),
    }
    routes.update(extra or {})
    return FaultServer(routes)


# -- probes -------------------------------------------------------------------------------------
def _scope_outcome(fault: str, tmp: Path, other: FaultServer, extra: dict[str, Route], url: str) -> FaultOutcome:
    with bureau(other, extra) as server:
        stats, store = crawl_sites(tmp, [site("s1", server)])
    rows = fetch_rows(store)
    store.close()
    row = rows.get(server.url(url), {})
    return FaultOutcome(fault, f"run {stats[0].status}; requests to the other host: {len(other.hits)}",
                        row.get("status", "(nothing)"),
                        lost=len(other.hits) + (0 if server.url("/xxgk/ok.html") in rows else 1),
                        details={"status": row.get("status"), "row": row, "other_hits": list(other.hits),
                                 "rows": rows, "stats": stats[0]})


def probe_offsite_links(tmp: Path, other: FaultServer) -> FaultOutcome:
    return _scope_outcome("links to another host (article, column, attachment)", tmp, other, {}, "/xxgk/ok.html")


def probe_redirect_offsite(tmp: Path, other: FaultServer) -> FaultOutcome:
    return _scope_outcome("redirect to another host", tmp, other, {}, "/xxgk/to-other.html")


def probe_redirect_file(tmp: Path, other: FaultServer) -> FaultOutcome:
    return _scope_outcome("redirect to file:///etc/passwd", tmp, other,
                          {"/xxgk/to-other.html": redirect("file:///etc/passwd")}, "/xxgk/to-other.html")


def probe_redirect_ftp(tmp: Path, other: FaultServer) -> FaultOutcome:
    return _scope_outcome("redirect to ftp://", tmp, other,
                          {"/xxgk/to-other.html": redirect("ftp://127.0.0.1/pub/x.pdf")}, "/xxgk/to-other.html")


#: (probe, expected status of the probed URL)
PROBES: list[tuple[Callable[[Path, FaultServer], FaultOutcome], str]] = [
    (probe_offsite_links, "ok"),
    (probe_redirect_offsite, "off_scope"),
    (probe_redirect_file, "off_scope"),
    (probe_redirect_ftp, "off_scope"),
]


@pytest.mark.parametrize("probe, status", PROBES, ids=[p.__name__.removeprefix("probe_") for p, _ in PROBES])
def test_nothing_outside_the_scope_is_ever_requested(probe: Callable[[Path, FaultServer], FaultOutcome], status: str,
                                                     tmp_path: Path, elsewhere: FaultServer) -> None:
    outcome = probe(tmp_path, elsewhere)
    assert outcome.details["other_hits"] == []
    assert outcome.details["status"] == status, outcome.details["row"]
    assert outcome.data_lost == "none"


def test_offsite_links_are_recorded_not_followed(tmp_path: Path, elsewhere: FaultServer) -> None:
    outcome = probe_offsite_links(tmp_path, elsewhere)
    rows = outcome.details["rows"]
    assert rows[elsewhere.url("/xxgk/offsite.html")]["status"] == "off_scope"
    assert rows[elsewhere.url("/col/")]["status"] == "off_scope"
    assert not any(url.startswith(("file:", "ftp:", "javascript:", "data:", "vbscript:", "mailto:")) for url in rows)
    assert outcome.details["stats"].get("crawl/skipped/bad_url") == len(PSEUDO)


def probe_scripts_never_run(tmp: Path) -> FaultOutcome:
    """A page whose scripts, styles, images, frames and refresh would each request a beacon."""
    beacon_page = (
        "<html><head><title>含脚本的页面</title><link rel='stylesheet' href='/beacon/css'>"
        "<script src='/beacon/script.js'></script><script>fetch('/beacon/fetch');location='/beacon/nav'</script>"
        "<meta http-equiv='refresh' content='0;url=/beacon/refresh'></head><body onload=\"fetch('/beacon/onload')\">"
        "<h1>含脚本的页面</h1><p class='date'>发布日期：2025-03-01</p><div class='body'>正文</div>"
        "<img src='/beacon/img.png'><iframe src='/beacon/frame'></iframe></body></html>"
    )
    server = FaultServer({"/robots.txt": page("", "text/plain", status=404),
                          "/xxgk/": page(list_page("栏目", items=[("/xxgk/s.html", "含脚本的页面", "2025-03-01")])),
                          "/xxgk/s.html": page(beacon_page)})
    with server:
        stats, store = crawl_sites(tmp, [site("s1", server)], real_extractors=True)
    docs = documents(store)
    store.close()
    beacons = [p for p in server.paths() if p.startswith("/beacon")]
    return FaultOutcome("crawled page with scripts, embeds, onload and meta refresh",
                        f"run {stats[0].status}; beacon requests: {len(beacons)}", "page stored as text; nothing executed",
                        lost=0 if server.url("/xxgk/s.html") in docs else 1,
                        details={"beacons": beacons, "stats": stats[0]})


def test_crawled_scripts_and_embeds_are_never_fetched(tmp_path: Path) -> None:
    outcome = probe_scripts_never_run(tmp_path)
    assert outcome.details["stats"].status == "finished"
    assert outcome.details["beacons"] == []
    assert outcome.data_lost == "none"


# -- attachment names -----------------------------------------------------------------------------
HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\evil.dll",
    "/etc/shadow",
    "C:\\autoexec.bat",
    "a\x00b.pdf",
    "..",
    ".",
    ".hidden",
    "名" * 500 + ".pdf",
    "x" * 5000,
    "report.pdf\n.exe",
    "%2e%2e%2fetc%2fpasswd",
    "<script>alert(1)</script>.pdf",
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_attachment_names_cannot_escape_the_folder(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "evidence" / "attachments"
    url = "http://127.0.0.1/files/../../" + name.replace("\x00", "")
    safe = sanitise_name(name, url, "pdf")
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe and "\n" not in safe
    assert not safe.startswith(".")
    assert len(safe) <= MAX_NAME_CHARS + len(".pdf")
    saved = save_attachment(folder, name, url, "pdf", b"%PDF-1.4 x")
    assert saved.parent == folder.resolve()
    assert saved.read_bytes() == b"%PDF-1.4 x"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [saved.name]


def probe_hostile_attachment_names(tmp: Path) -> FaultOutcome:
    """Attachments named with path traversal and absolute paths, downloaded and kept."""
    atts = [("/files/1.pdf", "../../../../tmp/pwned.pdf"), ("/files/2.pdf", "/etc/cron.d/x.pdf"),
            ("/files/3.pdf", "附件：" + "很长的附件名称" * 40 + ".pdf")]
    server = FaultServer({
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/": page(list_page("栏目", items=[("/xxgk/a.html", "附件测试", "2025-03-01")])),
        "/xxgk/a.html": page(article_page("附件测试", "2025-03-01", "正文", atts)),
        **{path: page(f"%PDF-1.4 {path}".encode(), "application/pdf") for path, _ in atts},
    })
    with server:
        stats, store = crawl_sites(tmp, [site("s1", server)])
    docs = documents(store)
    store.close()
    evidence = (tmp / "evidence").resolve()
    saved = sorted(tmp.rglob("*.pdf"))
    outside = [p for p in saved if not p.resolve().is_relative_to(evidence)]
    return FaultOutcome("attachment names with ../, absolute paths, 280 CJK characters",
                        f"run {stats[0].status}; {len(saved)} files kept, {len(outside)} outside the evidence folder",
                        "sanitised names <sha256>-<name> under evidence/…/attachments",
                        lost=len(atts) - len(saved) + len(outside) + (0 if docs else 1),
                        details={"stats": stats[0], "saved": saved, "outside": outside})


def test_hostile_attachment_names_from_a_crawl_are_saved_inside_the_evidence(tmp_path: Path) -> None:
    outcome = probe_hostile_attachment_names(tmp_path)
    assert outcome.details["stats"].status == "finished"
    assert outcome.details["stats"].get("crawl/attachments/kept") == 3
    assert outcome.details["outside"] == []
    assert not Path("/tmp/pwned.pdf").exists()
    assert outcome.data_lost == "none"


# -- hostile content all the way into the reports ----------------------------------------------------
HOSTILE_TITLE = '关于<script>alert("t")</script>建设项目环境影响报告表的批复<img src=x onerror=alert(2)>'
HOSTILE_PUBLISHER = '<svg onload=alert(3)>生态环境局'
HOSTILE_ATTACHMENT = '"><a href="javascript:alert(4)">附件</a>.pdf'


def _hostile_site() -> FaultServer:
    """Markup as *text* (escaped in the page, so it is what the page shows and what is stored),
    plus live scripts and a javascript: link in the page itself."""
    title, publisher, attachment = (html_lib.escape(t) for t in (HOSTILE_TITLE, HOSTILE_PUBLISHER, HOSTILE_ATTACHMENT))
    article = (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<table><tr><td>发布机构：</td><td>{publisher}</td></tr><tr><td>发布日期：</td><td>2025-03-05</td></tr>"
        "<tr><td>文号：</td><td>甲环审〔2025〕1号</td></tr></table>"
        "<div class='content'><p>经研究，同意该项目建设。<script>document.write('<b>pwned</b>')</script></p>"
        f"<p><a href='/files/a.pdf'>{attachment}</a></p><p><a href='javascript:alert(5)'>点击</a></p></div></body></html>"
    )
    listing = list_page("环评审批", items=[("/xxgk/hpsp/1.html", HOSTILE_TITLE, "2025-03-05")])
    return FaultServer({
        "/robots.txt": page("", "text/plain", status=404),
        "/xxgk/hpsp/": page(listing),
        "/xxgk/hpsp/1.html": page(article),
        "/files/a.pdf": page(b"%PDF-1.4 a", "application/pdf"),
    })


#: data: URLs a report may embed (its own raster charts and fonts): never scriptable.
_INERT_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:font/")


def _executable_markup(html: str) -> list[str]:
    """Scripts that are not the report's own, event-handler attributes and javascript: links."""
    found = []
    root = lxml.html.fromstring(html)
    own = (Path(__file__).parents[1] / "reports" / "static" / "sort.js").read_text(encoding="utf-8").strip()
    for script in root.iter("script"):
        if (script.text or "").strip() != own:
            found.append(f"<script> {(script.text or script.get('src') or '')[:60]!r}")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, value in el.attrib.items():
            if attr.lower().startswith("on"):
                found.append(f"{el.tag} {attr}={value[:40]!r}")
            target = value.strip().lower()
            if attr.lower() in ("href", "src", "action", "formaction", "xlink:href") and (
                target.startswith(("javascript:", "vbscript:"))
                or (target.startswith("data:") and not target.startswith(_INERT_DATA))
            ):
                found.append(f"{el.tag} {attr}={value[:40]!r}")
        if el.tag in ("iframe", "object", "embed", "base", "form", "frame"):
            found.append(f"<{el.tag}>")
        if el.tag == "meta" and el.get("http-equiv", "").lower() == "refresh":
            found.append("<meta refresh>")
    return found


def probe_reports_inert(tmp: Path) -> FaultOutcome:
    """Crawl, classify, score and report a page whose title, publisher and attachment name are
    markup; then look for anything executable in the HTML and PDF reports."""
    with _hostile_site() as server:
        assessment = assessment_for(tmp, [site("s1", server, "/xxgk/hpsp/")], fault_limits())
        result = run(assessment, RunOptions(formats=("html", "pdf"), site_ids=("s1",)))
    store = Store.open(assessment.store_url)
    docs = documents(store)
    store.close()
    found: dict[str, list[str]] = {}
    for path in result.report_paths:
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            found[path.name] = _executable_markup(text) + (["javascript:alert"] if "javascript:alert" in text else [])
        elif path.suffix == ".pdf":
            data = path.read_bytes()
            found[path.name] = [m.decode() for m in (b"/JavaScript", b"/JS ", b"/OpenAction", b"/Launch", b"/AA ",
                                                     b"javascript:") if m in data]
    bad = sum(len(v) for v in found.values())
    return FaultOutcome("hostile crawled text (<script>, onerror=, javascript:) in titles, publishers, attachment names",
                        f"{len(result.report_paths)} reports built; executable markup found: {bad}",
                        "stored verbatim as text; escaped in HTML, plain text in PDF",
                        lost=bad + (0 if len(docs) == 1 else 1),
                        details={"docs": docs, "found": found, "paths": result.report_paths,
                                 "status": result.crawl_stats["s1"].status})


def test_hostile_crawled_content_is_inert_in_every_report(tmp_path: Path) -> None:
    outcome = probe_reports_inert(tmp_path)
    assert outcome.details["status"] == "finished"
    (doc,) = outcome.details["docs"].values()
    assert doc["title"] == HOSTILE_TITLE  # stored as text, verbatim; escaping is the renderer's job
    assert doc["publisher"] == HOSTILE_PUBLISHER
    assert {p.suffix for p in outcome.details["paths"]} == {".html", ".pdf"}
    assert outcome.details["found"] == {p.name: [] for p in outcome.details["paths"]}
    assert outcome.data_lost == "none"


def matrix(tmp: Path, **_: object) -> Iterator[FaultOutcome]:
    """Every security probe, for ``benchmarks/faults.py``."""
    with FaultServer({"/": page("elsewhere")}, prefixes={"/": page("elsewhere")}) as other:
        for probe, _status in PROBES:
            other.hits.clear()
            yield probe(tmp / probe.__name__, other)
    for plain in (probe_scripts_never_run, probe_hostile_attachment_names, probe_reports_inert):
        yield plain(tmp / plain.__name__)
