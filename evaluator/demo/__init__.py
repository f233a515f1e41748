"""The demo province: generated city bureau sites and the ground truth of their assessment.

>>> from evaluator.demo import generate_site, province_truth
>>> site = generate_site(0, 1)            # 甲市生态环境局, a TRS site
>>> truth = province_truth(0, 12)         # expected scores and ranking of 12 sites

The generator (:func:`generate_site`) decides what every site holds; the renderer
(:mod:`evaluator.demo.render`) serves it as a real CMS would; the truth (:func:`province_truth`)
states what an assessment of those pages must find, scored by docs/scoring.md without calling
the scoring engine.
"""

from evaluator.demo.assessment import demo_assessment, write_demo_assessment
from evaluator.demo.generator import DEFAULT_SEED, demo_period, generate_site, province_sites
from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument, DemoSite, SiteFaults
from evaluator.demo.truth import lag_workdays, province_truth, rank_sites, site_truth, write_truth

__all__ = [
    "DEFAULT_SEED",
    "DemoAttachment",
    "DemoColumn",
    "DemoDocument",
    "DemoSite",
    "SiteFaults",
    "demo_assessment",
    "demo_period",
    "generate_site",
    "lag_workdays",
    "province_sites",
    "province_truth",
    "rank_sites",
    "site_truth",
    "write_demo_assessment",
    "write_truth",
]
