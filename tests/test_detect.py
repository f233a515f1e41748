"""detect_family (order of site_patterns.md §11, overridable) and is_challenge (412/202 JS pages)."""

from __future__ import annotations

import pytest

from crawlers import detect_family
from crawlers.detect import is_challenge
from evaluator.errors import ConfigError
from tests._extraction_fixtures import PageCase, load_cases

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_saved_pages_family(case: PageCase) -> None:
    text = case.data.decode("utf-8", errors="replace")
    assert detect_family(text, case.url) == case.expected["family"]


@pytest.mark.parametrize(
    ("markup", "url", "family"),
    [
        ('<script type="text/xml"><datastore><recordset></recordset></datastore></script>', "http://a.gov.cn/zwgk/", "hanweb"),
        ("", "http://a.gov.cn/col/col12377/index.html", "hanweb"),
        ("", "http://a.gov.cn/art/2021/9/30/art_12377_1452512.html", "hanweb"),
        ('<meta name="Maketime" content="2019-03-22">', "http://a.gov.cn/x.html", "hanweb"),
        # a TRS-looking page whose list is Hanweb-fed is Hanweb (checked first)
        ('<script>createPageHTML(5,0,"index","html")</script><script type="text/xml"><datastore>', "http://a.gov.cn/x/", "hanweb"),
        ("", "http://www.zhaoqing.gov.cn/zqhjj/gkmlpt/index", "gkmlpt"),
        ("<script>var c = {DETAIL: {\"id\": 1}, TREE: []}</script>", "http://a.gov.cn/post_1.html", "gkmlpt"),
        ('<script>createPageHTML(120, 0, "index", "html")</script>', "http://a.gov.cn/x/", "trs"),
        ("<script>var countPage = 56//共多少页</script>", "http://a.gov.cn/x/", "trs"),
        ("<div class=TRS_Editor><p>正文</p></div>", "http://a.gov.cn/x/", "trs"),
        ('<div class="TRS_UEDITOR trs_paper_default">', "http://a.gov.cn/x/", "trs"),
        ("", "http://a.gov.cn/xxgk/202204/t20220417_123456.shtml", "trs"),
        ("<ul><li><a href='/tzgg/2891.jhtml'>通知</a>[01-11]</li></ul>", "http://a.gov.cn/tzgg/index.jhtml", "generic"),
    ],
)
def test_detect_family(markup: str, url: str, family: str) -> None:
    assert detect_family(markup, url) == family


def test_override_wins_and_is_checked() -> None:
    assert detect_family("<div class=TRS_Editor>", "http://a.gov.cn/", override="generic") == "generic"
    with pytest.raises(ConfigError) as error:
        detect_family("", "http://a.gov.cn/", override="TRS")
    assert str(error.value) == "family: unknown CMS family 'TRS'. Use one of: trs, hanweb, gkmlpt, generic"


RUISHU = (
    "<html><head><meta id=\"FSSBBIl1UgzbN7N\" content=\"7xtC2ZlbJ0pXo.Hv9W4dVbYwKq1nS8fEuR3aT6mLgI5cQzDkN2jPhO\" r='m'>"
    "<script r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=87213;$_ts.cd=\"qEcqrpAlrrlE\";</script>"
    "<script src='/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js' r='m'></script></head><body></body></html>"
)
COOKIE_JS = "<html><head><script>document.cookie='verify=abc;path=/';location.reload();</script></head><body></body></html>"
ARTICLE = "<html><body><script>var a=1;</script><div class=TRS_Editor>" + "<p>各县（市、区）生态环境分局：现将有关事项通知如下。</p>" * 20 + "</div></body></html>"
ERROR_412 = "<html><body><h1>412 Precondition Failed</h1><hr><center>nginx</center></body></html>"


@pytest.mark.parametrize(
    ("status", "html", "expected"),
    [
        (412, RUISHU, True),
        (200, RUISHU, True),  # the fingerprint alone
        (202, COOKIE_JS, True),
        (412, COOKIE_JS, True),
        (200, COOKIE_JS, False),  # a tiny redirect script with a 200 is not called a challenge
        (None, COOKIE_JS, False),
        (412, ERROR_412, False),  # a plain error page has no script
        (200, ARTICLE, False),
        (412, ARTICLE.replace("var a=1;", "document.cookie='x=1';"), False),  # real content
    ],
)
def test_is_challenge(status: int | None, html: str, expected: bool) -> None:
    assert is_challenge(status, html) is expected
