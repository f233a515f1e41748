"""Fixtures of the demo province: a small province served on 127.0.0.1 for the whole session.

``demo_province`` serves sites 1–3 of seed 0 (TRS, Hanweb, gkmlpt) with 50 documents each and
the generator's own fault knobs (none for these profiles). Import it in a test module with
``from tests._demo_fixtures import demo_province  # noqa: F401``.

Helpers: :func:`fetch` (one GET/POST/HEAD with a short timeout), :func:`demo_site` (a generated
site model without a server), :func:`neutral` (page bytes with the servers' origins replaced,
so pages served on different ports compare byte for byte).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from evaluator.demo.generator import generate_site
from evaluator.demo.model import DemoSite
from evaluator.demo.server import DemoProvince, SiteEndpoint

DEMO_SEED = 0
DEMO_SITES = 3
DEMO_PAGES = 50


@pytest.fixture(scope="session")
def demo_province() -> Iterator[DemoProvince]:
    """A running demo province of 3 sites × 50 documents (seed 0), stopped after the session."""
    province = DemoProvince(seed=DEMO_SEED, sites=DEMO_SITES, pages=DEMO_PAGES)
    with province:
        yield province
    assert not province.errors, "the demo server hit renderer errors:\n" + "\n".join(province.errors)


def demo_site(index: int, pages: int | None = DEMO_PAGES, seed: int = DEMO_SEED) -> DemoSite:
    """The model of site ``index`` (1-based) of the demo province."""
    return generate_site(seed, index, pages=pages)


def fetch(url: str, method: str = "GET", timeout: float = 5.0, **kwargs: Any) -> requests.Response:
    """One request without retries or redirects (unless ``allow_redirects`` is passed)."""
    kwargs.setdefault("allow_redirects", False)
    with requests.Session() as session:
        return session.request(method, url, timeout=timeout, **kwargs)


def neutral(body: bytes, endpoint: SiteEndpoint) -> bytes:
    """``body`` with the endpoint's bureau and portal origins replaced by placeholders."""
    origins = endpoint.origins
    return body.replace(origins.bureau.encode(), b"@BUREAU").replace(origins.portal.encode(), b"@PORTAL")
