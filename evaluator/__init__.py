"""Assessment of government-information disclosure by city ecology and environment bureaus.

The public API (used by notebooks and users' scripts) is listed in ``__all__``.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]

# Rubric engine. ``evaluator.classify`` is the function (it shadows the module of the same
# name: import from the module with ``from evaluator.classify import classify_store``).
from evaluator.classify import Classification, classify  # noqa: E402

__all__ += ["classify", "Classification"]

# Imported on first use so that ``import evaluator`` stays light.
_LAZY = {
    "score_assessment": "evaluator.scoring",
    "WorkdayCalendar": "evaluator.workdays",
    "load": "evaluator.results",
    "Results": "evaluator.results",
    "run": "evaluator.pipeline",
    "RunOptions": "evaluator.pipeline",
    "load_assessment": "evaluator.config",
}
__all__ += list(_LAZY)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evaluator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
