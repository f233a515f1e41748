"""``evaluator extract``: parse one saved page or URL and print what extraction finds, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from crawlers import Request, decode_html, extract_article, extract_list
from crawlers.detect import is_challenge
from crawlers.http import RequestsFetcher
from evaluator.cli import app
from evaluator.errors import ConfigError, CrawlError
from evaluator.settings import DEFAULT_USER_AGENT, CrawlLimits


def _fetch(url: str) -> tuple[bytes, dict[str, str], int | None]:
    fetcher = RequestsFetcher.from_limits(CrawlLimits(), DEFAULT_USER_AGENT.format(assessor="evaluator extract"))
    try:
        result = fetcher.fetch(Request(url), accept_any=True)
    finally:
        fetcher.close()
    failed = result.http_status is not None and result.http_status >= 400
    if failed and result.body and is_challenge(result.http_status, decode_html(result.body, result.headers)[0]):
        failed = False  # a 412 challenge page: extraction reports it as blocked
    if not result.body or failed:
        detail = result.error or (f"HTTP {result.http_status}" if result.http_status else result.status)
        raise CrawlError(f"cannot fetch {url}: {detail}. Check the address, or save the page and pass the file")
    return result.body, result.headers, result.http_status


@app.command("extract")
def extract_command(
    file_or_url: str = typer.Argument(..., help="A saved page (HTML, or a dataproxy XML / gkmlpt JSON response) or an http(s):// URL."),
    url: str = typer.Option(None, "--url", help="The original URL of a saved page, to resolve relative links and read URL dates (default: the file's file:// URI)."),
    as_list: bool = typer.Option(False, "--list", help="Parse as a list page (items, pagination, columns) instead of an article."),
    family: str = typer.Option(None, "--family", help="Force the CMS family: trs, hanweb, gkmlpt or generic (default: detected)."),
    status: int = typer.Option(None, "--status", help="The HTTP status the saved page came with (412/202 help recognise a challenge)."),
) -> None:
    """Print the fields extracted from one page as JSON (UTF-8).

    Example:

        evaluator extract saved/t20240305_123.html --url http://sthjj.example.gov.cn/tzgg/202403/t20240305_123.html

        evaluator extract http://sthjj.example.gov.cn/tzgg/ --list
    """
    headers: dict[str, str] | None = None
    if file_or_url.startswith(("http://", "https://")):
        data, headers, status = _fetch(file_or_url)
        page_url = url or file_or_url
    else:
        path = Path(file_or_url)
        if not path.is_file():
            raise ConfigError("no such file", path=file_or_url, fix="Give a saved page or an http(s):// URL")
        data = path.read_bytes()
        page_url = url or path.resolve().as_uri()
    if as_list:
        result = extract_list(data, page_url, headers, family=family, status=status).to_dict()
    else:
        result = extract_article(data, page_url, headers, family=family, status=status).to_dict()
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
