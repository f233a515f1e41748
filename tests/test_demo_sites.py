"""Rendering of the demo sites: each CMS family's URL layout, lists, articles and quirks.

These tests call :func:`evaluator.demo.render.render` directly (no sockets); the HTTP layer is
tested in test_demo_server.py.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pypdf
import pytest
from bs4 import BeautifulSoup, Comment

from evaluator.demo.generator import generate_site
from evaluator.demo.model import DemoColumn, DemoDocument, DemoSite
from evaluator.demo.render import (
    Origins,
    attachment_url,
    column_url,
    entry_point_path,
    render,
    url_for,
)
from evaluator.demo.render.common import cn_numeral_date, doc_number_variant
from evaluator.demo.render.files import docx_bytes, pdf_bytes
from tests._demo_fixtures import demo_site

ORIGINS = Origins("http://127.0.0.1:9101", "http://127.0.0.1:9102")
FAMILY_SITE = {"trs": 1, "hanweb": 2, "gkmlpt": 3, "generic": 4}
CHINA = timezone(timedelta(hours=8))


def get(site: DemoSite, url: str, host: str | None = None, method: str = "GET", body: str | None = None):
    """Render a path or an absolute URL of either origin."""
    if url.startswith(ORIGINS.portal):
        host, url = "portal", url[len(ORIGINS.portal) :]
    elif url.startswith(ORIGINS.bureau):
        host, url = "bureau", url[len(ORIGINS.bureau) :]
    path, _, query = url.partition("?")
    return render(site, path.split("#")[0], query, method, body, host=host or "bureau", origins=ORIGINS)


def text_of(site: DemoSite, response) -> str:
    return response.body.decode("gbk" if site.encoding == "gbk" else "utf-8")


def doc_url(site: DemoSite, doc: DemoDocument) -> str:
    return url_for(site, doc, ORIGINS)


def largest_column(site: DemoSite) -> DemoColumn:
    counts = {col.key: len(site.documents_in(col.key)) for col in site.columns if not col.blocked}
    return site.column(max(counts, key=lambda key: (counts[key], key)))


# ---------------------------------------------------------------- all families


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_entry_point_links_every_column(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    response = get(site, entry_point_path(site))
    assert response.status == 200 and response.kind == "root"
    hrefs = {a["href"] for a in BeautifulSoup(text_of(site, response), "lxml").find_all("a", href=True)}
    for col in site.columns:
        assert column_url(site, col, ORIGINS if col.on_portal else None) in hrefs, col


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_every_document_and_attachment_is_served_where_url_for_says(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    for doc in site.documents:
        response = get(site, doc_url(site, doc))
        assert response.status == 200, doc_url(site, doc)
        page = text_of(site, response)
        assert doc.title.replace('"', "&quot;") in page or doc.title in page
        for att in doc.attachments:
            assert get(site, attachment_url(site, doc, att, ORIGINS)).status == (404 if att.broken else 200)


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_unknown_paths_404_and_wrong_host_404(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    doc = next(d for d in site.documents if not d.on_portal)
    assert get(site, "/no/such/page.html").status == 404
    assert get(site, url_for(site, doc), host="portal").status == 404
    assert get(site, "/robots.txt").status == 404


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_same_site_renders_identical_bytes_after_regeneration(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    urls = [entry_point_path(site), *(doc_url(site, d) for d in site.documents[:5])]
    first = [get(site, url).body for url in urls]
    generate_site.cache_clear()
    again = demo_site(FAMILY_SITE[family])
    assert again is not site
    assert [get(again, url).body for url in urls] == first


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_article_metadata_block_and_formation_date_placement(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    seen = set()
    for doc in site.documents:
        soup = BeautifulSoup(text_of(site, get(site, doc_url(site, doc))), "lxml")
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
        visible = soup.get_text(" ")
        assert doc.index_number in visible
        assert doc.publisher in visible
        has_row = "成文日期" in visible
        assert has_row == (doc.formation_shown == "meta_block" and doc.formation_date is not None), doc
        if doc.formation_shown == "signature" and doc.formation_date is not None:
            last = soup.find_all("p", style="text-align:right;")[-1].get_text()
            assert last in (
                f"{doc.formation_date.year}年{doc.formation_date.month}月{doc.formation_date.day}日",
                cn_numeral_date(doc.formation_date),
            )
            seen.add("numeral" if "〇" in last or "二" in last[:4] else "arabic")
        if doc.doc_number:
            assert doc_number_variant(doc) in visible
    assert seen  # signature dates are shown


def test_doc_numbers_use_all_bracket_variants() -> None:
    forms = set()
    for index in range(1, 9):
        for doc in demo_site(index).documents:
            number = doc_number_variant(doc)
            if number:
                forms.update(ch for ch in number if ch in "〔[（［")
    assert forms == {"〔", "[", "（", "［"}


def test_signature_dates_appear_in_both_forms() -> None:
    forms = set()
    for index in range(1, 9):
        site = demo_site(index)
        for doc in site.documents:
            if doc.formation_shown == "signature" and doc.formation_date:
                page = text_of(site, get(site, doc_url(site, doc)))
                forms.add(cn_numeral_date(doc.formation_date) in page)
    assert forms == {True, False}


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_boilerplate_of_a_government_site(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    soup = BeautifulSoup(text_of(site, get(site, entry_point_path(site))), "lxml")
    jiucuo = soup.find("script", id="_jiucuo_")
    assert jiucuo["src"].endswith("/exposure/jiucuo.js") and re.fullmatch(r"\w{10}", jiucuo["sitecode"])
    assert len(soup.select(".gov-links a")) >= 50
    assert soup.select("select option[value^=http]")
    assert soup.find("script", src=re.compile(r"dcs\.conac\.cn"))


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_blocked_columns_answer_412_challenge(family: str) -> None:
    base = demo_site(FAMILY_SITE[family])
    col = largest_column(base)
    blocked = DemoSite(**{**base.__dict__, "columns": tuple(
        DemoColumn(**{**c.__dict__, "blocked": True}) if c.key == col.key else c for c in base.columns
    )})
    doc = blocked.documents_in(col.key)[0]
    for url in (column_url(blocked, col, ORIGINS).split("#")[0] if family != "gkmlpt" else
                f"/gkmlpt/api/all/{column_url(blocked, col).split('#')[1]}?page=1", doc_url(blocked, doc)):
        response = get(blocked, url)
        assert response.status == 412 and response.kind == "challenge"
        cookie = dict(response.headers)["Set-Cookie"]
        assert re.match(r"[A-Za-z0-9]{16}S=", cookie)
        assert b"$_ts" in response.body and b"<meta http-equiv" in response.body


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_columns_with_a_note_render_an_empty_list(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    col = next(c for c in site.columns if c.note)
    if family == "gkmlpt":
        number = column_url(site, col).split("#")[1]
        data = json.loads(get(site, f"/gkmlpt/api/all/{number}?page=1").body)
        assert data == {"articles": [], "total": 0}
    else:
        response = get(site, column_url(site, col, ORIGINS))
        assert response.status == 200
        assert col.note in text_of(site, response)


# ---------------------------------------------------------------- TRS


def test_trs_list_pagination_is_only_in_create_page_html() -> None:
    site = demo_site(1, pages=200)
    col = largest_column(site)
    docs = site.documents_in(col.key)
    pages = -(-len(docs) // 15)
    assert pages >= 2
    base = column_url(site, col).rsplit("/", 1)[0]
    seen: list[str] = []
    for page in range(pages):
        name = "index.html" if page == 0 else f"index_{page}.html"
        html = text_of(site, get(site, f"{base}/{name}"))
        assert f'createPageHTML({pages}, {page}, "index", "html");' in html
        soup = BeautifulSoup(html, "lxml")
        assert not [a for a in soup.find_all("a", href=True) if "index_" in a["href"]]
        rows = soup.select("ul.xxgk-list li")
        assert len(rows) == min(15, len(docs) - 15 * page)
        for row in rows:
            href = row.a["href"]
            assert re.fullmatch(r"\./\d{6}/t\d{8}_\d+\.html", href)
            seen.append(href)
    assert get(site, f"{base}/index_{pages}.html").status == 404
    assert get(site, f"{base}/index_0.html").status == 404
    expected = [url_for(site, d).rsplit("/", 2) for d in docs]
    assert seen == [f"./{parts[1]}/{parts[2]}" for parts in expected]
    dates = [d.publish_date for d in docs]
    assert dates == sorted(dates, reverse=True)


def test_trs_article_meta_set_body_and_decoys() -> None:
    site = demo_site(1)
    doc = next(d for d in site.documents if d.formation_shown == "meta_block" and d.attachments)
    html = text_of(site, get(site, url_for(site, doc)))
    soup = BeautifulSoup(html, "lxml")
    metas = {m.get("name"): m.get("content") for m in soup.find_all("meta") if m.get("name")}
    assert metas["ArticleTitle"] == doc.title
    assert metas["PubDate"].startswith(doc.publish_date.isoformat())
    assert metas["ContentSource"] == doc.publisher
    assert metas["ColumnName"] == site.column(doc.column_key).name
    assert soup.find("div", class_="TRS_Editor").get_text().strip().startswith(doc.paragraphs[0][:10])
    assert soup.find("span", alt="时间：2017-11-08 20:26") is not None
    comments = [c for c in soup.find_all(string=lambda s: isinstance(s, Comment)) if "成文日期" in c]
    decoy = re.search(r"\d{4}-\d{2}-\d{2}", comments[0]).group(0)
    assert decoy != doc.formation_date.isoformat()
    link = soup.find("div", class_="fj").a["href"]
    assert re.fullmatch(r"\./P0\d{8}\w+\.\w+", link)


def test_trs_url_date_is_sometimes_not_the_publish_date() -> None:
    site = demo_site(1, pages=200)
    shifted = [d for d in site.documents if f"t{d.publish_date:%Y%m%d}_" not in url_for(site, d)]
    assert shifted and len(shifted) < len(site.documents) / 3
    for doc in shifted:
        row_date = re.search(r"/t(\d{8})_", url_for(site, doc)).group(1)
        assert row_date == f"{doc.publish_date + timedelta(days=1):%Y%m%d}"


# ---------------------------------------------------------------- Hanweb


def _hanweb_params(html: str) -> dict[str, str]:
    nextgroup = re.search(r"<nextgroup><!\[CDATA\[<a href=\"([^\"]+)\"", html).group(1)
    return dict(pair.split("=", 1) for pair in nextgroup.split("?", 1)[1].split("&"))


def test_hanweb_column_records_are_in_datastore_cdata_only() -> None:
    site = demo_site(2, pages=200)
    col = largest_column(site)
    docs = site.documents_in(col.key)
    html = text_of(site, get(site, column_url(site, col)))
    soup = BeautifulSoup(html, "html.parser")
    naive = [a["href"] for a in soup.find_all("a", href=True) if "/art/" in a["href"]]
    assert naive == []  # a naive link extractor finds no articles
    script = soup.find("script", type="text/xml").string
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", script)
    assert len(records) == min(45, len(docs))
    first = BeautifulSoup(records[0], "html.parser").a
    assert first["title"] == docs[0].title
    assert first["href"] == url_for(site, docs[0])
    params = _hanweb_params(html)
    assert params["webname"] == quote(quote(site.name, safe=""), safe="")  # percent-encoded twice
    assert f"<div id=\"{params['unitid']}\">" in html
    assert re.fullmatch(r"/col/col\d+/index\.html", column_url(site, col))


def test_hanweb_visible_titles_are_truncated_with_full_title_attribute() -> None:
    site = demo_site(2)
    long_docs = [d for d in site.documents if len(d.title) > 22]
    assert long_docs
    for doc in long_docs[:5]:
        html = text_of(site, get(site, column_url(site, site.column(doc.column_key))))
        assert f'title="{doc.title}"' in html
        assert f">{doc.title[:22]}...</a>" in html


def test_hanweb_dataproxy_post_and_get() -> None:
    site = demo_site(2, pages=200)
    col = largest_column(site)
    docs = site.documents_in(col.key)
    params = _hanweb_params(text_of(site, get(site, column_url(site, col))))
    form = (
        f"col=1&appid=1&webid={params['webid']}&path=/&columnid={params['columnid']}&sourceContentType=1"
        f"&unitid={params['unitid']}&webname={params['webname']}&permissiontype=0"
    )
    response = get(site, "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15", method="POST", body=form)
    assert response.content_type.startswith("text/xml")
    xml = response.body.decode("utf-8")
    assert f"<totalrecord>{len(docs)}</totalrecord>" in xml
    assert f"<totalpage>{-(-len(docs) // 15)}</totalpage>" in xml
    titles = re.findall(r'title="([^"]+)"', xml)
    assert titles == [d.title for d in docs[15:60]]
    query = f"page=3&webid={params['webid']}&columnid={params['columnid']}&unitid={params['unitid']}"
    paged = get(site, "/module/web/jpage/dataproxy.jsp?" + query).body.decode("utf-8")
    assert re.findall(r'title="([^"]+)"', paged) == [d.title for d in docs[30:45]]
    wrong = get(site, "/module/web/jpage/dataproxy.jsp?" + query.replace(params["unitid"], "1")).body.decode()
    assert "<totalrecord>0</totalrecord>" in wrong and "<record>" not in wrong
    beyond = get(site, f"/module/web/jpage/dataproxy.jsp?startrecord={len(docs) + 1}&endrecord={len(docs) + 45}",
                 method="POST", body=form).body.decode()
    assert "<record>" not in beyond


def test_hanweb_article_urls_maketime_and_downfile() -> None:
    site = demo_site(2)
    for doc in site.documents:
        day = doc.publish_date
        assert re.fullmatch(rf"/art/{day.year}/{day.month}/{day.day}/art_\d+_{doc.doc_id}\.html", url_for(site, doc))
    doc = next(d for d in site.documents if d.attachments)
    response = get(site, url_for(site, doc))
    soup = BeautifulSoup(text_of(site, response), "lxml")
    metas = {m.get("name"): m.get("content") for m in soup.find_all("meta") if m.get("name")}
    assert metas["PubDate"][:10] == doc.publish_date.isoformat()
    assert metas["Maketime"] > metas["PubDate"]
    assert response.last_modified.strftime("%Y-%m-%d %H:%M:%S") == metas["Maketime"]
    assert "<!--ZJEG_RSS.content.begin-->" in text_of(site, response)
    link = soup.find("div", class_="fj").a["href"]
    assert re.fullmatch(r"/module/download/downfile\.jsp\?classid=0&filename=[0-9a-f]+\.\w+&showname=.+", link)


# ---------------------------------------------------------------- gkmlpt


def test_gkmlpt_json_api_pages_of_twenty() -> None:
    site = demo_site(3, pages=200)
    col = largest_column(site)
    docs = site.documents_in(col.key)
    number = column_url(site, col).split("#")[1]
    index = text_of(site, get(site, entry_point_path(site)))
    sid = re.search(r'"SID": "(\d+)"', index).group(1)
    got: list[dict] = []
    page = 1
    while True:
        data = json.loads(get(site, f"/gkmlpt/api/all/{number}?page={page}&sid={sid}").body)
        assert data["total"] == len(docs)
        if not data["articles"]:
            break
        assert len(data["articles"]) <= 20
        got.extend(data["articles"])
        page += 1
    assert page - 1 == -(-len(docs) // 20)
    assert [a["id"] for a in got] == [d.doc_id for d in docs]
    for article, doc in zip(got, docs):
        published = datetime.fromtimestamp(article["publish_time"], CHINA).date()
        assert published == doc.publish_date and article["first_publish_time"] == article["publish_time"]
        assert article["url"] == url_for(site, doc, ORIGINS)
    wrong = json.loads(get(site, f"/gkmlpt/api/all/{number}?page=1&sid=1").body)
    assert wrong == {"articles": [], "total": 0}
    assert get(site, "/gkmlpt/api/all/1?page=1").status == 404


def test_gkmlpt_post_page_has_detail_object_and_table() -> None:
    site = demo_site(3)
    doc = next(d for d in site.documents if d.formation_shown == "meta_block" and d.formation_date)
    path = url_for(site, doc)
    assert re.fullmatch(rf"/gkmlpt/content/\d+/{doc.doc_id // 1000}/post_{doc.doc_id}\.html", path)
    html = text_of(site, get(site, path))
    detail = json.loads(re.search(r"DETAIL: (\{.*\}),\nTREE:", html).group(1))
    assert detail["id"] == doc.doc_id and detail["title"] == doc.title
    assert detail["identifier"] == doc.index_number
    assert detail["formation_date"] == doc.formation_date.isoformat()
    table = BeautifulSoup(html, "lxml").find("table", class_="xxgk-table").get_text()
    assert "索引号" in table and "成文日期" in table
    attached = next(d for d in site.documents if d.attachments)
    assert re.fullmatch(r"/attachment/0/\w{1,3}/\w+\.\w+", attachment_url(site, attached, attached.attachments[0]))


# ---------------------------------------------------------------- generic


def test_generic_lists_have_yearless_dates_and_next_links() -> None:
    site = demo_site(4, pages=200)
    col = largest_column(site)
    docs = site.documents_in(col.key)
    pages = -(-len(docs) // 15)
    url = column_url(site, col, ORIGINS)
    html = text_of(site, get(site, url))
    soup = BeautifulSoup(html, "lxml")
    dates = [span.get_text() for span in soup.select("ul.list li span.date")]
    assert dates == [f"[{d.publish_date:%m-%d}]" for d in docs[:15]]
    links = {a.get_text(): a["href"] for a in soup.select("div.pages a")}
    assert links == {"下一页": "index_2.jhtml", "尾页": f"index_{pages}.jhtml"}
    last = text_of(site, get(site, url.replace("index.jhtml", f"index_{pages}.jhtml")))
    assert "下一页 尾页" in last and f"当前第{pages}/{pages}页" in last
    article = text_of(site, get(site, doc_url(site, docs[0])))
    assert f"发布时间：{docs[0].publish_date.year}年{docs[0].publish_date:%m}月{docs[0].publish_date:%d}日" in article


# ---------------------------------------------------------------- portal, encodings, files


def test_portal_columns_are_linked_absolutely_and_served_by_the_portal() -> None:
    site = next(demo_site(i) for i in range(4, 13) if any(c.on_portal for c in demo_site(i).columns))
    col = next(c for c in site.columns if c.on_portal)
    url = column_url(site, col, ORIGINS)
    assert url.startswith(ORIGINS.portal + "/c")
    assert url in text_of(site, get(site, entry_point_path(site)))
    assert get(site, url).status == 200
    assert get(site, url[len(ORIGINS.portal) :], host="bureau").status == 404
    channel = get(site, "/" + url[len(ORIGINS.portal) :].split("/")[1] + "/", host="portal")
    assert channel.status == 200 and channel.kind == "root"


def test_gbk_sites_encode_bytes_and_declare_charset() -> None:
    site = demo_site(5)
    assert site.encoding == "gbk"
    response = get(site, entry_point_path(site))
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")
    html = response.body.decode("gbk")
    assert f"charset={site.declared_charset}" in html
    assert site.name in html


def test_wrong_declared_charset_is_served_as_declared() -> None:
    site = next(demo_site(i) for i in range(1, 13) if demo_site(i).encoding == "gbk" and demo_site(i).declared_charset == "utf-8")
    response = get(site, entry_point_path(site))
    assert b'<meta charset="utf-8">' in response.body
    assert response.content_type in ("text/html", "text/html; charset=utf-8")
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")


def test_attachment_files_are_real_pdf_and_docx() -> None:
    pdf = pdf_bytes("附件1：环评报告表", ["city-01 document 1 attachment ab12", "(brackets) ok"])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "附件1：环评报告表"
    assert "city-01 document 1 attachment ab12" in reader.pages[0].extract_text()
    docx = zipfile.ZipFile(io.BytesIO(docx_bytes("标题", ["第一段", "<&>"])))
    assert set(docx.namelist()) == {"[Content_Types].xml", "_rels/.rels", "word/document.xml"}
    assert "第一段" in docx.read("word/document.xml").decode() and "&lt;&amp;&gt;" in docx.read("word/document.xml").decode()
    assert docx_bytes("标题", ["x"]) == docx_bytes("标题", ["x"])


def test_served_pdf_attachment_opens() -> None:
    site, doc, att = next(
        (s, d, a) for s in (demo_site(i) for i in range(1, 13)) for d in s.documents for a in d.attachments
        if a.ext == "pdf" and not a.broken
    )
    response = get(site, attachment_url(site, doc, att, ORIGINS))
    assert response.content_type == "application/pdf" and response.etag
    assert f"document {doc.doc_id}" in pypdf.PdfReader(io.BytesIO(response.body)).pages[0].extract_text()


def test_slow_column_pages_are_tagged_with_their_column() -> None:
    site = demo_site(8)
    assert site.faults.slow_column_keys
    col = site.column(site.faults.slow_column_keys[0])
    assert get(site, column_url(site, col, ORIGINS)).column_key == col.key
    doc = site.documents_in(col.key)[0]
    assert get(site, doc_url(site, doc)).column_key == col.key
    assert get(site, entry_point_path(site)).column_key is None


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_bureau_home_page_links_the_section_and_top_columns(family: str) -> None:
    site = demo_site(FAMILY_SITE[family])
    response = get(site, "/")
    assert response.status == 200 and response.kind == "home"
    hrefs = {a["href"] for a in BeautifulSoup(text_of(site, response), "lxml").find_all("a", href=True)}
    assert entry_point_path(site) in hrefs
    top = [c for c in site.columns if c.parent_key is None]
    assert all(column_url(site, c, ORIGINS if c.on_portal else None) in hrefs for c in top)
    assert get(site, "/", host="portal").kind == "portal_home"


@pytest.mark.parametrize("family", sorted(FAMILY_SITE))
def test_no_dead_links_on_either_host(family: str) -> None:
    """Every link between the two hosts resolves, except attachments the model marks broken."""
    from urllib.parse import urljoin

    site = demo_site(FAMILY_SITE[family], pages=30)
    broken = {attachment_url(site, d, a, ORIGINS) for d in site.documents for a in d.attachments if a.broken}
    queue = [ORIGINS.bureau + "/", ORIGINS.portal + "/"]
    seen = set(queue)
    while queue:
        url = queue.pop()
        response = get(site, url)
        if url in broken:
            assert response.status == 404
            continue
        assert response.status == 200, url
        targets: list[str] = []
        if response.content_type.startswith("application/json"):  # gkmlpt list API
            targets = [article["url"] for article in json.loads(response.body)["articles"]]
        elif response.content_type.startswith("text/html") and response.kind != "attachment":
            page = text_of(site, response)
            records = "".join(re.findall(r"<!\[CDATA\[(.*?)\]\]>", page))  # Hanweb datastore records
            for a in BeautifulSoup(page + records, "lxml").find_all("a", href=True):
                target = urljoin(url, a["href"])
                route = re.fullmatch(r"(.*)/gkmlpt/index#(\d+)", target)
                if route:  # the directory app's client-side route: its list comes from the API
                    targets.append(f"{route.group(1)}/gkmlpt/api/all/{route.group(2)}?page=1")
                targets.append(target.split("#")[0])
        for target in targets:
            if target.startswith((ORIGINS.bureau, ORIGINS.portal)) and target not in seen:
                seen.add(target)
                queue.append(target)
    assert len(seen) > 40
