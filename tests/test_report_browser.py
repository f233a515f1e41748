"""The provincial HTML report rendered by headless Chromium: not blank, ranking table visible."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reports import load_report_data
from reports.context import province_context
from reports.html import render, write_html
from reports.i18n import labels
from tests._report_fixtures import build_province

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p and Path(p).exists()), None)
HEADER_RGB = (0xE8, 0xEE, 0xF5)  # thead background in report.css
GRADE_RGB = [(0x00, 0x9E, 0x73), (0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00), (0xD5, 0x5E, 0x00)]


def _screenshot(html: Path, png: Path, profile: Path) -> np.ndarray:
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--screenshot={png}", "--window-size=1280,2000", "--hide-scrollbars",
        html.as_uri(),
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=True)
    return np.asarray(Image.open(png).convert("RGB"))


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium; "
                                             "`make test` installs it)")
def test_province_report_renders_with_ranking_table(tmp_path: Path) -> None:
    province = build_province(tmp_path / "store.db")
    data = load_report_data(province.assessment, province.store)
    province.store.close()
    html = write_html(tmp_path / "province.html",
                      render("province.html.j2", province_context(data, labels("zh"), date(2025, 7, 31))))
    pixels = _screenshot(html, tmp_path / "province.png", tmp_path / "profile")
    assert pixels.shape == (2000, 1280, 3)
    # Not blank: plenty of ink and many distinct colours.
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200
    # The ranking table: rows whose header band colour fills a wide stretch of the page.
    header_mask = np.all(pixels == HEADER_RGB, axis=2)
    header_rows = np.where(header_mask.sum(axis=1) > 600)[0]
    assert len(header_rows) > 10, "no table header band visible"
    # The ranking table has six body rows below its header, each with a grade badge.
    top = header_rows.min()
    region = pixels[top: top + 400]
    badge_rows = set()
    for colour in GRADE_RGB:
        ys = np.where(np.all(region == colour, axis=2).sum(axis=1) > 10)[0]
        badge_rows |= {int(y) // 20 for y in ys}
    assert len(badge_rows) >= 5, badge_rows
