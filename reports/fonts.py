"""Find the CJK font shared by the charts (matplotlib) and the PDF (WeasyPrint).

Chinese text needs a font with CJK glyphs, otherwise charts show empty boxes ("tofu") and PDF
text disappears. The font is looked up with fontconfig (``fc-match``/``fc-list``), then at
the paths where Debian, Ubuntu, Fedora and Alpine install Noto CJK. When none is found,
:func:`find_cjk_font` raises :class:`ReportError` with the command that installs one.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import ReportError

__all__ = ["CJKFont", "find_cjk_font", "INSTALL_HINT"]

INSTALL_HINT = (
    "install a CJK font: on Debian/Ubuntu `sudo apt-get install -y fonts-noto-cjk` "
    "(or `make system-fonts`), on Fedora `sudo dnf install google-noto-sans-cjk-fonts`"
)

# Preferred families, most preferred first (Simplified Chinese faces of Noto / Source Han).
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
)
KNOWN_PATHS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
)


@dataclass(frozen=True)
class CJKFont:
    """A CJK font file and the family name fontconfig and matplotlib know it by."""

    path: Path
    family: str


def _fc(*args: str) -> str:
    exe = shutil.which(args[0])
    if exe is None:
        return ""
    try:
        done = subprocess.run(
            [exe, *args[1:]], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""


def _from_fontconfig() -> CJKFont | None:
    listed = _fc("fc-list", ":lang=zh-cn", "family", "file")
    by_family: dict[str, Path] = {}
    for line in listed.splitlines():
        file_part, _, family_part = line.partition(":")
        for family in family_part.split(","):
            family = family.strip()
            if family and Path(file_part).is_file():
                by_family.setdefault(family, Path(file_part.strip()))
    for family in PREFERRED_FAMILIES:
        if family in by_family:
            return CJKFont(by_family[family], family)
    matched = _fc("fc-match", "-f", "%{file}|%{family[0]}", ":lang=zh-cn").strip()
    file_part, _, family = matched.partition("|")
    if file_part and Path(file_part).is_file() and family and family in by_family:
        return CJKFont(Path(file_part), family)
    return None


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont:
    """The CJK font to use for charts and PDF reports.

    Raises:
        ReportError: no CJK font is installed; the message says how to install one.
    """
    found = _from_fontconfig()
    if found is not None:
        return found
    for path, family in KNOWN_PATHS:
        if Path(path).is_file():
            return CJKFont(Path(path), family)
    raise ReportError(
        "no CJK (Chinese) font was found with fc-list or at the usual paths, so Chinese text "
        f"in charts and PDF reports cannot be drawn; {INSTALL_HINT}. HTML, XLSX, CSV and JSON "
        "reports do not need it (use --format html,xlsx,csv,json)"
    )
