"""Fixtures of the rubric engine's tests: a small catalogue and rubric built from
rubrics/model.py, an assessment, and a store filled by inserting rows directly."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from evaluator.settings import Assessment, SiteConfig
from evaluator.store import Store, schema, url_key
from rubrics.model import (
    Aspect,
    Catalogue,
    ContentElement,
    CriterionWeights,
    DetectionHints,
    GradeBand,
    Item,
    Rubric,
    TimeLimit,
)

WD20 = TimeLimit("workdays_from_formation", "自该信息形成或者变更之日起20个工作日内", days=20)
PENALTY_ELEMENTS = tuple(
    ContentElement(eid, name, cues)
    for eid, name, cues in [
        ("party", "当事人", ("当事人",)),
        ("facts", "违法事实", ("违法事实",)),
        ("basis", "处罚依据", ("依据",)),
        ("content", "处罚内容", ("罚款", "处罚如下")),
        ("manner", "履行方式和期限", ("履行方式", "缴纳")),
        ("remedy", "救济途径", ("行政复议", "行政诉讼")),
    ]
)


def make_catalogue() -> Catalogue:
    """Seven items covering every time-limit kind, completeness mode and status rule."""
    items = (
        Item(
            id="eia-approval", aspect="licensing", name="建设项目环境影响评价文件审批",
            elements=(
                ContentElement("accept", "受理公示", ("受理",)),
                ContentElement("intent", "拟审批公示", ("拟审批", "拟批准", "拟作出")),
                ContentElement("decision", "审批决定", ("批复", "审批意见")),
            ),
            completeness="stages", time_limit=WD20, provenance="attested", double_publicity=True,
            hints=DetectionHints(
                column_aliases=("环评", "环境影响评价"),
                title_include=(r"环境影响.*(批复|受理|拟)", r"环评.*(批复|受理|拟审批)"),
                body_include=(r"环境影响报告[书表]",),
            ),
        ),
        Item(
            id="penalty-process", aspect="enforcement", name="行政处罚流程", elements=(
                ContentElement("notice", "行政处罚事先告知书", ("告知书",)),),
            completeness="per_document",
            time_limit=TimeLimit("workdays_from_receipt", "自收到申请之日起20个工作日内", days=20),
            provenance="attested", mode="依申请", audience="特定群体",
            hints=DetectionHints(title_include=(r"事先告知书", r"听证告知")),
        ),
        Item(
            id="penalty-decision", aspect="enforcement", name="行政处罚决定", elements=PENALTY_ELEMENTS,
            completeness="per_document", time_limit=WD20, provenance="attested", double_publicity=True,
            hints=DetectionHints(
                column_aliases=("行政处罚",),
                title_include=(r"行政处罚决定书", r"处罚决定"),
                title_exclude=(r"告知书", r"听证"),
            ),
        ),
        Item(
            id="enforcement-decision", aspect="enforcement", name="行政强制决定",
            elements=(ContentElement("seizure", "查封、扣押决定书全文", ("查封", "扣押")),),
            completeness="per_document", time_limit=WD20, provenance="attested", event_driven=True,
            hints=DetectionHints(column_aliases=("行政强制", "查封扣押"), title_include=(r"查封|扣押",)),
        ),
        Item(
            id="air-quality", aspect="quality", name="环境空气质量",
            elements=(ContentElement("monthly", "月报", ("月报",)),),
            completeness="across_documents",
            time_limit=TimeLimit("frequency", "每月10日前", period="month", day=10),
            provenance="reconstructed",
            hints=DetectionHints(column_aliases=("空气质量",), title_include=(r"空气质量.*(月报|状况)",)),
        ),
        Item(
            id="env-bulletin", aspect="quality", name="生态环境状况公报",
            elements=(ContentElement("bulletin", "上年度公报", ("公报",)),),
            completeness="across_documents",
            time_limit=TimeLimit("annual_deadline", "每年6月5日前", month=6, day=5),
            provenance="reconstructed",
            hints=DetectionHints(column_aliases=("状况公报",), title_include=(r"环境状况公报",)),
        ),
        Item(
            id="policy-documents", aspect="service", name="政策文件与解读",
            elements=(ContentElement("doc", "政策文件", ("通知", "办法")), ContentElement("reading", "政策解读", ("解读",))),
            completeness="across_documents",
            time_limit=TimeLimit("as_occurs", "按实际更新"), provenance="reconstructed",
            hints=DetectionHints(column_aliases=("政策文件", "政策解读"), title_include=(r"解读", r"规范性文件")),
        ),
    )
    aspects = (
        Aspect("licensing", "行政许可"),
        Aspect("enforcement", "行政处罚行政强制和行政命令"),
        Aspect("quality", "环境质量与污染源信息"),
        Aspect("service", "公共服务事项"),
    )
    return Catalogue("test-catalogue", "测试目录", "tests", "1", aspects, items)


def make_rubric(**changes: Any) -> Rubric:
    rubric = Rubric(
        id="test-rubric", title="测试评分规则",
        criterion_weights=CriterionWeights(0.4, 0.3, 0.3),
        item_criterion_weights={},
        aspect_weights={"licensing": 30, "enforcement": 30, "quality": 20, "service": 20},
        item_weights={},
        grade_bands=(GradeBand("优秀", 90), GradeBand("良好", 75), GradeBand("合格", 60), GradeBand("不合格", 0)),
    )
    return replace(rubric, **changes)


def make_site(site_id: str = "a", **changes: Any) -> SiteConfig:
    site = SiteConfig(id=site_id, name=f"{site_id.upper()}市生态环境局", region="测试省",
                      base_url=f"http://{site_id}.example.gov.cn/")
    return replace(site, **changes)


def make_assessment(sites: tuple[SiteConfig, ...] | None = None, path: Path | None = None, **changes: Any) -> Assessment:
    assessment = Assessment(
        name="测试省评估", round="2025", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        reference_date=date(2026, 1, 15), sites=sites or (make_site("a"),), catalogue="test-catalogue",
        rubric="test-rubric", path=path,
    )
    return replace(assessment, **changes)


class StoreBuilder:
    """Inserts crawler-shaped rows into a store for one round."""

    _ids = itertools.count(1)

    def __init__(self, store: Store, round_: str = "2025") -> None:
        self.store = store
        self.round = round_

    def fetch(self, site_id: str, url: str, status: str = "ok", kind: str = "column",
              column_url: str | None = None, warc: str | None = None) -> int:
        key = url_key(url)
        with self.store.engine.begin() as conn:
            res = conn.execute(schema.fetches.insert().values(
                round=self.round, site_id=site_id, url_key=key, url=url, kind=kind, status=status,
                fetched_at="2026-01-10T08:00:00+00:00", sha256="f" * 64, warc_record_id=warc, headers={}))
            if column_url is not None:
                conn.execute(schema.frontier.insert().values(
                    round=self.round, site_id=site_id, url_key=key, url=url, kind=kind, column_url=column_url,
                    state="done" if status == "ok" else "failed", discovered_at="2026-01-10T08:00:00+00:00", info={}))
            return int(res.inserted_primary_key[0])

    def observed(self, site_id: str) -> None:
        """Mark the site as crawled: its home page was fetched."""
        self.fetch(site_id, f"http://{site_id}.example.gov.cn/", kind="column")

    def column(self, site_id: str, url: str, name: str, *, path: str = "", parent_url: str | None = "root",
               status: str = "ok") -> None:
        with self.store.engine.begin() as conn:
            conn.execute(schema.columns.insert().values(
                round=self.round, site_id=site_id, url=url, name=name, path=path or f"政府信息公开 > {name}",
                parent_url=parent_url, status=status))

    def doc(self, site_id: str, title: str, *, items: tuple[str, ...] = (), publish: str | None = None,
            formation: str | None = None, list_date: str | None = None, body: str = "", column_path: str = "",
            url: str | None = None, attachments: tuple[tuple[str, bool | None], ...] = (),
            doc_number: str | None = None) -> int:
        n = next(self._ids)
        url = url or f"http://{site_id}.example.gov.cn/doc/t{n}.html"
        fetch_id = self.fetch(site_id, url, kind="article", warc=f"<urn:uuid:{n:08d}>")
        with self.store.engine.begin() as conn:
            res = conn.execute(schema.documents.insert().values(
                round=self.round, site_id=site_id, url=url, host="", column_path=column_path, title=title,
                publish_date=publish, formation_date=formation, list_date=list_date, body_text=body,
                doc_number=doc_number, sources={}, fetch_id=fetch_id, sha256="a" * 64,
                warc_record_id=f"<urn:uuid:{n:08d}>", first_seen="2026-01-10", last_seen="2026-01-10"))
            doc_id = int(res.inserted_primary_key[0])
            for item in items:
                conn.execute(schema.classifications.insert().values(
                    round=self.round, site_id=site_id, document_id=doc_id, item_id=item, method="column_map",
                    rule="test", confidence=1.0))
            for att_url, reachable in attachments:
                conn.execute(schema.attachments.insert().values(document_id=doc_id, url=att_url, reachable=reachable))
        return doc_id


def open_store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'store.db'}")


def run_scoring(store: Store, assessment: Assessment | None = None, **rubric_changes: Any):
    """Score with the test catalogue and rubric; returns the ScoreResult."""
    from evaluator.scoring import score_assessment

    return score_assessment(assessment or make_assessment(), store, make_catalogue(), make_rubric(**rubric_changes))


def texts(findings: list[dict[str, Any]]) -> list[str]:
    return [f["text"] for f in findings]


def perfect_crawl(store: Store, seed: int, n: int) -> tuple[SiteConfig, ...]:
    """Store the demo province as a flawless crawl would: every column (blocked ones with a
    failed status and no documents), every visible document with its column path, the
    formation date where the page states it, body with 落款, 文号 and attachments."""
    from evaluator.demo.generator import generate_site

    b = StoreBuilder(store, round_="2025")
    sites = []
    for index in range(1, n + 1):
        s = generate_site(seed, index)
        base = f"http://{s.site_id}.demo/"
        root = base + "xxgk/"
        sites.append(SiteConfig(s.site_id, s.name, s.region, base, not_applicable=s.not_applicable))
        b.fetch(s.site_id, root)
        b.column(s.site_id, root, "政府信息公开", path="政府信息公开", parent_url=None)

        def path_of(key: str, site=s) -> str:
            names, current = [], site.column(key)
            while current is not None:
                names.append(current.name)
                current = site.column(current.parent_key) if current.parent_key else None
            return " > ".join(["政府信息公开", *reversed(names)])

        blocked = {c.key for c in s.columns if c.blocked}
        listed = {d.column_key for d in s.documents}
        for c in s.columns:
            status = "blocked_challenge" if c.blocked else ("ok" if c.key in listed else "empty")
            parent = f"{base}{c.parent_key}/" if c.parent_key else root
            b.column(s.site_id, f"{base}{c.key}/", c.name, path=path_of(c.key), parent_url=parent, status=status)
        for d in s.documents:
            if d.column_key in blocked:
                continue
            shown = d.formation_date if d.formation_shown != "none" else None
            b.doc(s.site_id, d.title, publish=d.publish_date.isoformat(),
                  formation=shown.isoformat() if shown else None, body="\n".join(d.paragraphs + d.signature),
                  column_path=path_of(d.column_key), url=f"{base}{d.column_key}/{d.doc_id}.html",
                  doc_number=d.doc_number,
                  attachments=tuple((f"{base}f/{a.key}.{a.ext}", not a.broken) for a in d.attachments))
    return tuple(sites)
