"""Report builder: provincial ranking, city reports and self-audit checklists in HTML, PDF,
XLSX, CSV and JSON.

Example::

    from evaluator.store import Store
    from reports import build_reports, load_report_data

    data = load_report_data(assessment, Store.open(assessment.store_url))
    paths = build_reports(assessment, Store.open(assessment.store_url), formats=("html", "pdf"))
"""

from reports.build import FORMATS, build_from_data, build_reports
from reports.data import ReportData, load_report_data

__all__ = ["FORMATS", "ReportData", "build_from_data", "build_reports", "load_report_data"]
