"""A synthetic province in a store, for the report tests and the report benchmark.

:func:`build_province` writes what the crawler and the scoring engine would have written for
``n_cities`` city bureaus over two rounds: sites, crawl runs, fetches (with failures), columns,
documents with attachments, scores of every (site, item, criterion) with findings and evidence,
site scores aggregated and ranked as docs/scoring.md says, and assessor overrides. Every status
occurs: scored, not_applicable, not_assessable, incomplete_observation, nothing_to_publish.

``hostile=True`` plants markup and script URLs in crawled text (titles, publishers,
attachment names, finding sentences, evidence URLs) for the safety tests.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from evaluator.settings import Assessment, SiteConfig
from evaluator.store import Store, schema
from rubrics import load_catalogue, load_rubric
from rubrics.model import Catalogue, Rubric

CITY_NAMES = ("临江市", "青山市", "云溪市", "白鹭市", "枫林市", "石湖市")
CITY_IDS = ("linjiang", "qingshan", "yunxi", "bailu", "fenglin", "shihu")
_SYLLABLES = "安宁平和江河湖海山川林泉溪岭云霞青白金石东西南北长丰兴华"
ROUNDS = ("2024", "2025")
HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>关于印发方案的通知'
HOSTILE_PUBLISHER = '<b onmouseover="alert(2)">生态环境局</b><script>alert(3)</script>'
HOSTILE_ATTACHMENT = '附件<svg onload=alert(4)>.pdf'
HOSTILE_URL = "javascript:alert(5)"
HOSTILE_FORMULA = '=HYPERLINK("https://evil.example/","点击查看")'
NOT_ASSESSABLE = ("penalty-process", "enforcement-process")
EVENT_DRIVEN = ("emergencies",)
BLOCKED_ITEMS = ("complaints", "proposals")
OVERRIDE_REASON = "经核实，3件审批公告的形成日期系系统录入错误，实际按期公开。"


@dataclass(frozen=True)
class Province:
    """What :func:`build_province` wrote: the assessment, its store and the rounds."""

    assessment: Assessment
    store: Store
    catalogue: Catalogue
    rubric: Rubric
    rounds: tuple[str, ...]


def city_names(n: int) -> list[tuple[str, str]]:
    """``n`` (site id, Chinese city name) pairs: the six fixed cities, then generated ones."""
    pairs = list(zip(CITY_IDS, CITY_NAMES))[:n]
    k = 0
    while len(pairs) < n:
        a, b = _SYLLABLES[k % len(_SYLLABLES)], _SYLLABLES[(k * 7 + 3) % len(_SYLLABLES)]
        pairs.append((f"city{len(pairs) + 1:03d}", f"{a}{b}{len(pairs) + 1}市"))
        k += 1
    return pairs


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aggregate(rubric: Rubric, catalogue: Catalogue, items: dict[str, float | None]) -> dict[str, float | None]:
    """Aspect scores and total from item scores (None = not scored), as docs/scoring.md says."""
    result: dict[str, float | None] = {}
    for aspect in catalogue.aspects:
        scored = [(rubric.item_weights.get(i.id, 1.0), items.get(i.id)) for i in catalogue.items_of(aspect.id)]
        scored = [(w, v) for w, v in scored if v is not None]
        wsum = sum(w for w, _ in scored)
        result[aspect.id] = sum(w * v for w, v in scored) / wsum if wsum else None
    present = [(rubric.aspect_weights[a], v) for a, v in result.items() if v is not None]
    asum = sum(w for w, _ in present)
    result["total"] = sum(w * v for w, v in present) / asum if asum else None
    return result


def _item_score(rubric: Rubric, item_id: str, criteria: dict[str, float | None]) -> float:
    weights = rubric.weights_for(item_id).as_dict()
    used = {c: v for c, v in criteria.items() if v is not None}
    return sum(weights[c] * v for c, v in used.items()) / sum(weights[c] for c in used)


def _ranks(totals: dict[str, float | None]) -> dict[str, int | None]:
    ordered = sorted((s for s in totals if totals[s] is not None), key=lambda s: (-round(totals[s], 2), s))
    ranks: dict[str, int | None] = {s: None for s in totals}
    for n, site_id in enumerate(ordered):
        prev = ordered[n - 1] if n else None
        same = prev is not None and round(totals[prev], 2) == round(totals[site_id], 2)
        ranks[site_id] = ranks[prev] if same else n + 1
    return ranks


def _status(site_index: int, item_id: str, n_cities: int) -> str:
    if item_id in NOT_ASSESSABLE:
        return "not_assessable"
    if site_index == 1 and item_id == "radiation-permit":
        return "not_applicable"
    if site_index == 4 % max(n_cities, 1) and item_id in BLOCKED_ITEMS:
        return "incomplete_observation"
    if item_id in EVENT_DRIVEN and site_index % 3 != 0:
        return "nothing_to_publish"
    return "scored"


def build_province(
    store_path: Path,
    n_cities: int = 6,
    *,
    seed: int = 20250101,
    hostile: bool = False,
    output_dir: Path | None = None,
) -> Province:
    """Fill a new SQLite store at ``store_path`` with a synthetic province; return it."""
    catalogue = load_catalogue("mee-2019")
    rubric = load_rubric("default", catalogue)
    store = Store.open(f"sqlite:///{store_path}")
    cities = city_names(n_cities)
    sites = tuple(
        SiteConfig(
            id=site_id, name=name, region=f"{name[:-1]}区域", base_url=f"https://sthjj.{site_id}.example.gov.cn/",
            not_applicable=("radiation-permit",) if n == 1 else (),
        )
        for n, (site_id, name) in enumerate(cities)
    )
    assessment = Assessment(
        name="江南省城市生态环境局政务公开评估（合成数据）",
        round=ROUNDS[-1],
        period_start=date(2025, 1, 1),
        period_end=date(2025, 6, 30),
        reference_date=date(2025, 7, 15),
        sites=sites,
        store_url=f"sqlite:///{store_path}",
        output_dir=output_dir or store_path.parent / "output",
        assessor="江南省政务公开第三方评估组",
    )
    store.upsert(
        schema.sites,
        [{"site_id": s.id, "name": s.name, "region": s.region, "base_url": s.base_url, "family": "trs",
          "config": {}} for s in sites],
        key=("site_id",),
    )
    for r_index, round_ in enumerate(ROUNDS):
        rng = random.Random(seed + r_index)
        _write_round(store, catalogue, rubric, sites, round_, rng, hostile, latest=r_index == len(ROUNDS) - 1)
    return Province(assessment, store, catalogue, rubric, ROUNDS)


def _write_round(store: Store, catalogue: Catalogue, rubric: Rubric, sites: tuple[SiteConfig, ...],
                 round_: str, rng: random.Random, hostile: bool, latest: bool) -> None:
    year = int(round_)
    stamp = f"{year}-07-15T08:00:00+00:00"
    score_rows, site_rows, fetch_rows, column_rows, doc_rows, run_rows, override_rows = [], [], [], [], [], [], []
    attachment_plan: list[tuple[str, str, str, bool]] = []
    item_values: dict[str, dict[str, float | None]] = {}
    n_cities = len(sites)
    for s_index, site in enumerate(sites):
        quality = 0.35 + 0.6 * ((n_cities - s_index) / n_cities) + rng.uniform(-0.08, 0.08)
        if latest and s_index == 2:
            quality += 0.1  # one city improves between rounds
        base = site.base_url.rstrip("/")
        run_rows.append({"round": round_, "site_id": site.id, "started_at": stamp, "finished_at": stamp,
                         "status": "finished", "warc_file": f"evidence/{round_}/{site.id}.warc.gz",
                         "stats": {"crawl/pages/fetched": 40, "crawl/documents": 25}})
        values: dict[str, float | None] = {}
        for i_index, item in enumerate(catalogue.items):
            status = _status(s_index, item.id, n_cities)
            column_url = f"{base}/xxgk/{item.id}/"
            column_status = "http_403" if status == "incomplete_observation" else "ok"
            column_rows.append({"round": round_, "site_id": site.id, "url": column_url,
                                "name": (item.hints.column_aliases or (item.name,))[0],
                                "parent_url": f"{base}/xxgk/", "path": f"政府信息公开 > {item.name}",
                                "family": "trs", "item_count": 0 if status != "scored" else 12,
                                "status": column_status})
            fetch_rows.append({
                "round": round_, "site_id": site.id, "url_key": _sha(column_url)[:40], "url": column_url,
                "kind": "list", "status": "ok" if column_status == "ok" else column_status,
                "http_status": 200 if column_status == "ok" else 403, "fetched_at": stamp,
                "sha256": _sha(column_url), "warc_record_id": f"<urn:uuid:{_sha(column_url)[:32]}>",
            })
            criteria: dict[str, float | None] = {}
            findings: dict[str, list[dict]] = {}
            if status == "scored":
                doc_url = f"{base}/xxgk/{item.id}/{year}06/t{year}0610_{i_index}.html"
                title = f"{site.name}生态环境局关于{item.name}的公告"
                if hostile and i_index % 5 == 0:
                    title = HOSTILE_TITLE
                elif hostile and i_index % 5 == 1:
                    title = HOSTILE_FORMULA
                pub = date(year, 6, 10)
                formed = pub - timedelta(days=rng.choice((5, 12, 40)))
                doc_rows.append({
                    "round": round_, "site_id": site.id, "url": doc_url, "host": base.split("//")[1],
                    "column_url": column_url, "column_path": f"政府信息公开 > {item.name}", "title": title,
                    "publish_date": pub.isoformat(), "formation_date": formed.isoformat(),
                    "doc_number": f"环审〔{year}〕{i_index + 1}号", "index_number": f"11{i_index:04d}/{year}-0{i_index}",
                    "publisher": HOSTILE_PUBLISHER if hostile else f"{site.name}生态环境局",
                    "body_text": item.name, "sources": {}, "sha256": _sha(doc_url),
                    "warc_record_id": f"<urn:uuid:{_sha(doc_url)[:32]}>", "first_seen": stamp, "last_seen": stamp,
                })
                fetch_rows.append({
                    "round": round_, "site_id": site.id, "url_key": _sha(doc_url)[:40], "url": doc_url,
                    "kind": "article", "status": "ok", "http_status": 200, "fetched_at": stamp,
                    "sha256": _sha(doc_url), "warc_record_id": f"<urn:uuid:{_sha(doc_url)[:32]}>",
                })
                att_url = f"{doc_url[:-5]}_fj1.pdf"
                att_name = HOSTILE_ATTACHMENT if hostile else f"{item.name}附件.pdf"
                reachable = rng.random() < quality + 0.2
                attachment_plan.append((doc_url, att_url, att_name, reachable))
                q = min(1.0, max(0.0, quality + rng.uniform(-0.3, 0.25)))
                criteria["coverage"] = 100.0 if q > 0.3 else (40.0 if q > 0.15 else 0.0)
                kind = item.time_limit.kind
                unchecked = kind in ("workdays_from_receipt", "as_occurs", "link_to_higher_level")
                criteria["timeliness"] = None if unchecked else round(min(100.0, max(0.0, 100 * q + rng.uniform(-20, 10))), 1)
                criteria["completeness"] = round(min(100.0, max(0.0, 100 * q + rng.uniform(-25, 5))), 1)
                evidence = [{"url": doc_url, "publish_date": pub.isoformat(), "formation_date": formed.isoformat()}]
                if not reachable or hostile:
                    evidence.append({"url": att_url, "title": att_name})
                if hostile and i_index % 5 == 0:
                    evidence.append({"url": HOSTILE_URL, "title": HOSTILE_TITLE})
                findings["coverage"] = [{"code": "coverage.present", "text": f"本期在“{item.name}”栏目公开信息12件。",
                                         "text_en": f"12 documents in the column of {item.id} this period.",
                                         "evidence": evidence[:1]}]
                if criteria["timeliness"] is not None and criteria["timeliness"] < 100:
                    late = max(1, round((100 - criteria["timeliness"]) / 100 * 12))
                    findings["timeliness"] = [{
                        "text": f"本期公开{item.name}信息12件，其中{late}件超过20个工作日公开，平均滞后{20 + late}个工作日。",
                        "evidence": evidence[:1]}]
                if criteria["completeness"] < 100:
                    text = f"部分信息缺少“{item.elements[0].name if item.elements else item.name}”要素。"
                    if hostile and i_index % 5 == 0:
                        text = f"标题《{HOSTILE_TITLE}》缺少要素。"
                    findings["completeness"] = [{"text": text, "evidence": evidence}]
            elif status == "incomplete_observation":
                fetch_rows.append({
                    "round": round_, "site_id": site.id, "url_key": _sha(column_url + "p2")[:40],
                    "url": column_url + "index_1.html", "kind": "list", "status": "blocked_challenge",
                    "http_status": 412, "fetched_at": stamp, "error": "WAF challenge page",
                })
            overridden = {}
            if latest and s_index == 0 and item.id == "eia-approval" and status == "scored":
                overridden["timeliness"] = 100.0  # the latest of the two overrides below
                override_rows.append({"round": round_, "site_id": site.id, "item_id": item.id,
                                      "criterion": "timeliness", "value": 100.0,
                                      "reason": OVERRIDE_REASON,
                                      "author": "张评估", "created_at": f"{year}-07-20T09:00:00+00:00",
                                      "source": "review.xlsx"})
                override_rows.append({"round": round_, "site_id": site.id, "item_id": item.id,
                                      "criterion": "timeliness", "value": 90.0, "reason": "初步调整",
                                      "author": "李评估", "created_at": f"{year}-07-18T09:00:00+00:00",
                                      "source": "review.xlsx"})
            item_value = _item_score(rubric, item.id, {**criteria, **overridden}) if status == "scored" else None
            values[item.id] = item_value
            # As the scoring engine stores them: ``value`` in force, ``original_value`` when overridden.
            for criterion in ("coverage", "timeliness", "completeness"):
                row = {"round": round_, "site_id": site.id, "item_id": item.id, "criterion": criterion,
                       "value": overridden.get(criterion, criteria.get(criterion)), "status": status,
                       "findings": findings.get(criterion, []), "computed_at": stamp}
                if criterion in overridden:
                    row.update(original_value=criteria[criterion], override_reason=OVERRIDE_REASON,
                               override_author="张评估")
                score_rows.append(row)
            item_row = {"round": round_, "site_id": site.id, "item_id": item.id, "criterion": "item",
                        "value": item_value, "status": status, "computed_at": stamp,
                        "findings": [{"code": "item.score", "text": f"事项得分{item_value:.1f}分。",
                                      "text_en": f"Item score {item_value:.1f}.", "evidence": []}]
                        if item_value is not None else []}
            if overridden:
                item_row["original_value"] = _item_score(rubric, item.id, criteria)
            score_rows.append(item_row)
        if s_index == 1:
            for k in range(3):
                url = f"{base}/xxgk/zfwj/t{year}05{k:02d}.html"
                fetch_rows.append({"round": round_, "site_id": site.id, "url_key": _sha(url)[:40], "url": url,
                                   "kind": "article", "status": "timeout", "fetched_at": stamp,
                                   "error": "read timeout after 30s"})
        item_values[site.id] = values
    aggregates = {site_id: _aggregate(rubric, catalogue, values) for site_id, values in item_values.items()}
    ranks = _ranks({s: agg["total"] for s, agg in aggregates.items()})
    for site_id, agg in aggregates.items():
        for scope, value in agg.items():
            site_rows.append({"round": round_, "site_id": site_id, "scope": scope, "value": value,
                              "rank": ranks[site_id] if scope == "total" else None,
                              "grade": rubric.grade(value) if scope == "total" else None, "computed_at": stamp})
    _insert(store, schema.crawl_runs, run_rows)
    store.upsert(schema.fetches, _uniform(fetch_rows), key=("round", "site_id", "url_key"))
    store.upsert(schema.columns, column_rows, key=("round", "site_id", "url"))
    store.upsert(schema.documents, doc_rows, key=("round", "site_id", "url"))
    store.upsert(schema.scores, _uniform(score_rows), key=("round", "site_id", "item_id", "criterion"))
    store.upsert(schema.site_scores, site_rows, key=("round", "site_id", "scope"))
    _insert(store, schema.overrides, override_rows)
    _write_attachments(store, round_, attachment_plan)


def _uniform(rows: list[dict]) -> list[dict]:
    """Rows with the same keys (executemany needs it); missing values are None."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return [{k: row.get(k) for k in keys} for row in rows]


def _insert(store: Store, table, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    if rows:
        with store.engine.begin() as conn:
            conn.execute(table.insert(), _uniform(rows))


def _write_attachments(store: Store, round_: str, plan: list[tuple[str, str, str, bool]]) -> None:
    from sqlalchemy import select

    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(schema.documents.c.url, schema.documents.c.id)
                                .where(schema.documents.c.round == round_)).all())
    rows = [{"document_id": ids[doc_url], "url": url, "name": name, "ext": "pdf", "reachable": ok,
             "status": "ok" if ok else "http_404"} for doc_url, url, name, ok in plan]
    store.upsert(schema.attachments, rows, key=("document_id", "url"))
