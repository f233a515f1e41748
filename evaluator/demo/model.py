"""The demo province's data model: sites, columns, documents and attachments.

These frozen dataclasses are the contract between the generator (:mod:`evaluator.demo.generator`),
which decides what every demo site holds, the renderer (:mod:`evaluator.demo.render`), which turns
it into the HTML/XML/JSON a real CMS would serve, and the truth (:mod:`evaluator.demo.truth`),
which states what an assessment of those pages must find. Fields may be added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FAMILIES: tuple[str, ...] = ("trs", "hanweb", "gkmlpt", "generic")
PROFILES: tuple[str, ...] = ("diligent", "late", "sparse", "sloppy", "broken")


@dataclass(frozen=True)
class DemoAttachment:
    """A file attached to an article page."""

    name: str  # display name, e.g. "附件1：环评报告表.pdf"
    ext: str  # pdf | docx | doc | xls
    broken: bool  # served as 404 (or truncated): not reachable
    key: str  # stable id used in URLs (hex, usable as a Hanweb downfile.jsp id)


@dataclass(frozen=True)
class DemoDocument:
    """One article page (or one entry of a 信息公开目录) of a demo site."""

    doc_id: int  # unique within the site, stable for the seed
    item_ids: tuple[str, ...]  # true catalogue items (mee-2019 ids); () for news/noise
    column_key: str  # DemoColumn.key it is listed under
    title: str
    publish_date: date  # the real 发布日期
    formation_date: date | None  # the true 成文日期 / decision date (None: the document has none)
    formation_shown: str  # where the page states it: "meta_block" (成文日期 row) | "signature" (落款) | "none" (unstated: unknown to an assessor)
    doc_number: str | None  # 文号, e.g. "甲环罚〔2025〕12号"
    index_number: str  # 索引号, e.g. "113301000024820000/2025-00123"
    publisher: str  # 发布机构
    topic: str  # 主题分类
    paragraphs: tuple[str, ...]  # body text paragraphs (real Chinese text for the item)
    elements_present: tuple[str, ...]  # ids of the item's content elements whose text is in the body
    attachments: tuple[DemoAttachment, ...]
    project: str | None  # EIA / hazardous-waste project name (stage items)
    stage: str | None  # element id of the stage (stage items)
    on_portal: bool  # served on the city portal host instead of the bureau host
    signature: tuple[str, ...] = ()  # closing lines (落款): issuing body and date in 2025年3月5日 form; () when none


@dataclass(frozen=True)
class DemoColumn:
    """A column (栏目) of the site's 政府信息公开 section."""

    key: str  # stable id, also used in URLs (TRS dir name / Hanweb col id / gkmlpt col id)
    name: str  # realistic variant, e.g. "环评审批公示", "行政处罚信息"
    item_ids: tuple[str, ...]  # items the column is for; () for 新闻动态/通知公告
    parent_key: str | None  # tree: None = child of the 政府信息公开 root
    on_portal: bool  # the column lives on the city portal's host
    blocked: bool  # answers with a 412 JS challenge (anti-bot): cannot be observed
    note: str | None = None  # a text-only column page (e.g. "本栏目信息依申请提供"), no documents


@dataclass(frozen=True)
class SiteFaults:
    """Network faults the demo server injects for a site (all off by default)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    reset_rate: float = 0.0
    truncate_rate: float = 0.0
    challenge_paths: tuple[str, ...] = ()
    redirect_loop_paths: tuple[str, ...] = ()
    oversize_paths: tuple[str, ...] = ()
    robots_disallow: tuple[str, ...] = ()
    challenge_column_keys: tuple[str, ...] = ()  # keys of the blocked columns (their URLs are the renderer's)
    slow_column_keys: tuple[str, ...] = ()  # columns whose pages answer after latency_ms


@dataclass(frozen=True)
class DemoSite:
    """One city bureau site of the demo province."""

    index: int
    site_id: str  # "city-01" …
    name: str  # "甲市生态环境局"
    city: str  # "甲市"
    region: str  # "示范省甲市"
    family: str  # trs | hanweb | gkmlpt | generic
    encoding: str  # utf-8 | gbk: the bytes actually served
    declared_charset: str | None  # what the page / HTTP header claims (may be wrong, or None)
    profile: str  # diligent | late | sparse | sloppy | broken
    columns: tuple[DemoColumn, ...]
    documents: tuple[DemoDocument, ...]  # sorted by publish_date descending, then doc_id
    faults: SiteFaults
    not_applicable: tuple[str, ...]  # items that do not apply (e.g. radiation-permit)
    seed: int = 0  # the province seed the site was generated from
    org_code: str = ""  # 统一社会信用代码 prefix of 索引号

    def column(self, key: str) -> DemoColumn:
        """The column with ``key``; KeyError naming the known keys otherwise."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"no column {key!r} on {self.site_id}")

    def documents_in(self, column_key: str) -> tuple[DemoDocument, ...]:
        """Documents listed under ``column_key``, newest first."""
        return tuple(doc for doc in self.documents if doc.column_key == column_key)
