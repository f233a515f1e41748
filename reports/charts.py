"""Charts as inline SVG strings (matplotlib, object API, no pyplot global state).

Labels are drawn literally: mathtext is off, so a ``$`` in a name is just a character.

All charts use the CJK font from :mod:`reports.fonts`, with text drawn as paths so that no
viewer ever shows empty boxes, and colour-blind-safe colours: the Okabe–Ito palette for
categories and viridis for the heatmap. Each SVG gets its own id prefix so that several charts
can live in one HTML document. ``raster=True`` returns an ``<img>`` with an inline PNG instead,
for the PDF edition (WeasyPrint draws outlined SVG text slowly at provincial scale).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from matplotlib import colormaps, font_manager, rc_context
from matplotlib.figure import Figure

from evaluator.errors import ReportError
from reports.fonts import CJKFont, find_cjk_font

__all__ = [
    "OKABE_ITO",
    "distribution_chart",
    "heatmap_charts",
    "aspect_chart",
    "radar_chart",
    "HEATMAP_ROWS",
]

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
GRADE_COLOURS = ("#009E73", "#0072B2", "#E69F00", "#D55E00")
HEATMAP_ROWS = 50  # cities per heatmap figure (one PDF page)
PNG_DPI = 180  # resolution of the raster charts of the PDF edition
_NAN_COLOUR = "#d9d9d9"
_registered: set[str] = set()


@functools.lru_cache(maxsize=1)
def _font() -> CJKFont | None:
    """The CJK font, or None (charts then leave text to the viewer's fonts)."""
    try:
        return find_cjk_font()
    except ReportError:
        return None


@contextmanager
def _style() -> Iterator[None]:
    font = _font()
    families = ["DejaVu Sans"]
    fonttype = "none"  # no CJK font here: leave text as text for the viewer's fonts
    if font is not None:
        if str(font.path) not in _registered:
            font_manager.fontManager.addfont(str(font.path))
            _registered.add(str(font.path))
        families = [font.family, "DejaVu Sans"]
        fonttype = "path"
    params = {
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "svg.fonttype": fonttype,
        "svg.hashsalt": "eco-disclosure-report",
        "axes.unicode_minus": False,
        "text.parse_math": False,
        "font.size": 9,
        "axes.edgecolor": "#5f6b7a",
        "axes.labelcolor": "#1f2933",
        "xtick.color": "#1f2933",
        "ytick.color": "#1f2933",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with rc_context(params):
        yield


def _png(fig: Figure) -> str:
    """The figure as an ``<img>`` with an inline PNG (for the PDF: far cheaper for WeasyPrint
    to draw than SVG with outlined text)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight", metadata={"Software": None})
    width_pt = fig.get_size_inches()[0] * 72
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="" style="max-width: {width_pt:.0f}pt" src="data:image/png;base64,{data}">'


def _finish(fig: Figure, raster: bool) -> str:
    return _png(fig) if raster else _svg(fig)


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    prefix = f"c{hashlib.sha1(text.encode()).hexdigest()[:10]}-"  # stable ids, unique per chart
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    return text


def distribution_chart(
    totals: Sequence[float], bands: Sequence[tuple[str, float]], xlabel: str, ylabel: str,
    *, raster: bool = False,
) -> str:
    """Histogram of total scores (5-point bins), bars coloured by grade band.

    ``bands`` are (name, minimum) highest first, as in the rubric.
    """
    with _style():
        fig = Figure(figsize=(8, 3.2))
        ax = fig.add_subplot()
        bins = np.arange(0, 105, 5)
        counts, edges = np.histogram(np.clip(np.asarray(totals, dtype=float), 0, 99.999), bins=bins)
        for left, count in zip(edges[:-1], counts):
            colour = GRADE_COLOURS[-1]
            for n, (_name, minimum) in enumerate(bands):
                if left >= minimum - 1e-9:
                    colour = GRADE_COLOURS[min(n, len(GRADE_COLOURS) - 1)]
                    break
            ax.bar(left + 2.5, count, width=4.6, color=colour, edgecolor="white")
        top = max(int(counts.max()) if len(counts) else 1, 1)
        for n, (name, minimum) in enumerate(bands):
            if minimum > 0:
                ax.axvline(minimum, color="#5f6b7a", linestyle="--", linewidth=0.8)
            ax.text(minimum + 1, top * 1.08, name, color=GRADE_COLOURS[min(n, 3)], fontsize=9)
        ax.set_xlim(0, 100)
        ax.set_ylim(0, top * 1.22)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.yaxis.get_major_locator().set_params(integer=True)
        return _finish(fig, raster)


def heatmap_charts(
    matrix: pd.DataFrame, row_labels: Sequence[str], col_labels: Sequence[str], colour_label: str,
    *, raster: bool = False,
) -> list[str]:
    """City × item heatmaps (viridis; grey = not scored), :data:`HEATMAP_ROWS` cities each.

    ``matrix`` holds item scores 0–100 (NaN where not scored), rows in rank order.
    """
    charts = []
    values = matrix.to_numpy(dtype=float)
    cmap = colormaps["viridis"].with_extremes(bad=_NAN_COLOUR)
    for start in range(0, max(len(values), 1), HEATMAP_ROWS):
        chunk = values[start : start + HEATMAP_ROWS]
        labels = list(row_labels[start : start + HEATMAP_ROWS])
        with _style():
            height = 2.6 + 0.24 * len(chunk)
            fig = Figure(figsize=(10, height))
            ax = fig.add_subplot()
            image = ax.imshow(np.ma.masked_invalid(chunk), cmap=cmap, vmin=0, vmax=100, aspect="auto")
            ax.set_xticks(range(len(col_labels)), labels=list(col_labels), rotation=90, fontsize=7.5)
            ax.set_yticks(range(len(labels)), labels=labels, fontsize=8)
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
            if len(chunk) <= 40:
                for (r, c), value in np.ndenumerate(chunk):
                    if not np.isnan(value):
                        ax.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=6.5,
                                color="white" if value < 60 else "black")
            bar = fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01)
            bar.set_label(colour_label)
            charts.append(_finish(fig, raster))
    return charts


def aspect_chart(ranking: pd.DataFrame, aspects: Sequence[tuple[str, str]], xlabel: str,
                 mean_label: str, *, raster: bool = False) -> str:
    """Per aspect: the province mean (bar), the min–max range and every city (dots).

    ``aspects`` are (aspect id, display name) in catalogue order.
    """
    with _style():
        fig = Figure(figsize=(8, 0.6 + 0.62 * len(aspects)))
        ax = fig.add_subplot()
        rng = np.random.default_rng(7)
        for n, (aspect_id, _name) in enumerate(aspects):
            values = ranking[aspect_id].dropna().to_numpy(dtype=float)
            if not len(values):
                continue
            y = len(aspects) - 1 - n
            ax.barh(y, values.mean(), height=0.55, color="#56B4E9", alpha=0.55,
                    label=mean_label if n == 0 else None)
            ax.plot([values.min(), values.max()], [y, y], color="#0072B2", linewidth=1)
            jitter = rng.uniform(-0.18, 0.18, len(values))
            ax.scatter(values, y + jitter, s=9, color="#0072B2", zorder=3)
            ax.text(min(values.mean() + 1, 97), y + 0.3, f"{values.mean():.1f}", fontsize=8)
        ax.set_yticks(range(len(aspects)), labels=[name for _id, name in reversed(aspects)])
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, fontsize=8)
        return _finish(fig, raster)


def radar_chart(
    labels: Sequence[str],
    site_values: Sequence[float | None],
    province_values: Sequence[float | None],
    site_label: str,
    province_label: str,
    *,
    raster: bool = False,
) -> str:
    """Radar of a site's aspect scores against the province average (0–100; None → 0)."""
    with _style():
        fig = Figure(figsize=(5.2, 4.6))
        ax = fig.add_subplot(projection="polar")
        angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False)
        closed = np.concatenate([angles, angles[:1]])

        def _close(values: Sequence[float | None]) -> np.ndarray:
            arr = np.array([0.0 if v is None or pd.isna(v) else float(v) for v in values])
            return np.concatenate([arr, arr[:1]])

        ax.plot(closed, _close(province_values), color=OKABE_ITO[1], linewidth=1.5,
                linestyle="--", label=province_label)
        ax.plot(closed, _close(site_values), color=OKABE_ITO[0], linewidth=2, label=site_label)
        ax.fill(closed, _close(site_values), color=OKABE_ITO[0], alpha=0.18)
        ax.set_xticks(angles, labels=list(labels), fontsize=8)
        ax.set_ylim(0, 100)
        ax.set_yticks([20, 40, 60, 80, 100], labels=["20", "40", "60", "80", "100"], fontsize=7)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=8)
        return _finish(fig, raster)
