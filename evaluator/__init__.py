"""Assessment of government-information disclosure by city ecology and environment bureaus.

The public API (used by notebooks and users' scripts) is listed in ``__all__``.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
