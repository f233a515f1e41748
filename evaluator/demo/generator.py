"""Deterministic generator of the demo province's sites.

``generate_site(seed, index)`` builds one city bureau site — its 政府信息公开 column tree and
every document in it — from ``random.Random(f"{seed}:{index}")`` alone: the same seed and index
always give the same site, and nothing else (no global random, no ``hash()``) is consulted.
What varies between sites (CMS family, encoding, quality profile, missing and empty columns,
late publications, omitted elements, broken attachments) is driven by the data files
``data/profiles.yaml``, ``data/columns.yaml``, ``data/content.yaml`` and ``data/names.yaml``.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar

from evaluator.demo.content import (
    DATA_DIR,
    Composed,
    compose,
    compose_noise,
    kind_elements,
    kind_placeholders,
    kinds_of,
    load_data,
    topic_of,
    violation,
)
from evaluator.demo.model import FAMILIES, DemoAttachment, DemoColumn, DemoDocument, DemoSite, SiteFaults

DEFAULT_SEED = 0  # the seed `evaluator demo serve` uses unless told otherwise
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@lru_cache(maxsize=1)
def _workdays() -> tuple[date, ...]:
    """Working days from two years before the period to the end of the reference date's year."""
    start, _, ref, _ = demo_period()
    day, last = date(start.year - 2, 1, 1), date(ref.year, 12, 31)
    days = []
    while day <= last:
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError as exc:
            raise ValueError(
                f"{DATA_DIR / 'profiles.yaml'}: period: chinese_calendar has no holiday data for {day.year}; "
                "choose a demo period within the years it covers"
            ) from exc
        if working:
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def _position(day: date, index: int) -> date:
    days = _workdays()
    if not 0 <= index < len(days):
        raise ValueError(f"{day.isoformat()} is outside the demo calendar ({days[0].isoformat()} – {days[-1].isoformat()})")
    return days[index]


def add_workdays(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself when count is 0)."""
    if count <= 0:
        return day
    return _position(day, bisect_right(_workdays(), day) + count - 1)


def workday_on_or_after(day: date) -> date:
    """``day`` when it is a working day, else the next working day."""
    return _position(day, bisect_left(_workdays(), day))


def workday_on_or_before(day: date) -> date:
    """``day`` when it is a working day, else the previous working day."""
    return _position(day, bisect_right(_workdays(), day) - 1)


def demo_period() -> tuple[date, date, date, str]:
    """The demo assessment's (start, end, reference date, round) from data/profiles.yaml."""
    period = load_data("profiles")["period"]
    return period["start"], period["end"], period["reference"], str(period["round"])


def city_name(index: int) -> str:
    """甲市, 乙市 … for the first sites, then 第N市."""
    names = load_data("names")
    cities = names["cities"]
    return cities[index - 1] if index <= len(cities) else names["numbered_city"].format(n=index)


def site_family(index: int) -> str:
    """CMS families rotate: city-01 trs, city-02 hanweb, city-03 gkmlpt, city-04 generic, …"""
    return FAMILIES[(index - 1) % len(FAMILIES)]


def site_profile(index: int) -> str:
    """The quality profile of site ``index`` (data/profiles.yaml ``order``, cycled)."""
    order = load_data("profiles")["order"]
    return str(order[(index - 1) % len(order)])


def site_encoding(index: int) -> tuple[str, str | None]:
    """(served encoding, declared charset). TRS and generic sites alternate UTF-8 and GBK.

    TRS sites start with UTF-8, generic ones with GBK; the first generic site (city-04)
    declares utf-8 while serving GBK — the one wrong declaration of the province.
    """
    family = site_family(index)
    if family not in ("trs", "generic"):
        return "utf-8", "utf-8"
    turn = (index - 1) // len(FAMILIES)
    gbk = turn % 2 == (1 if family == "trs" else 0)
    encoding = "gbk" if gbk else "utf-8"
    if index == 4:
        return encoding, "utf-8"
    return encoding, encoding


def site_id_of(index: int) -> str:
    """``city-01`` … ``city-300``."""
    return f"city-{index:02d}"


def province_sites(seed: int, n: int) -> list[tuple[int, str, str, str]]:
    """(index, site_id, name, family) of the first ``n`` sites, without building documents.

    The identity of a site does not depend on the seed (only its content does); ``seed`` is
    accepted so callers state which province they mean.
    """
    if n < 1:
        raise ValueError(f"a demo province needs at least one site, got n={n}")
    return [(i, site_id_of(i), f"{city_name(i)}生态环境局", site_family(i)) for i in range(1, n + 1)]


_VIOLATION_KEYS = frozenset(
    ("v_fact", "v_evidence", "v_rule", "v_law", "v_article", "fine", "inspect_date", "notice_date")
)
_COMPANY_KEYS = frozenset(
    ("company", "credit", "industry", "product", "unit", "capacity", "project", "address", "legal_rep", "park")
)


@dataclass
class _Draft:
    """A document before ids, 索引号 and sorting are attached."""

    item_ids: tuple[str, ...]
    column_key: str
    text: Composed
    publish: date
    formation: date | None
    shown: str
    attachments: tuple[DemoAttachment, ...]
    project: str | None = None
    stage: str | None = None
    on_portal: bool = False
    priority: int = 2  # trimming order for `pages=`: 0 noise, 1 history, 2 scalable, 3 fixed
    topic: str = ""


@dataclass
class _Builder:
    """The state of one site's generation: its random stream, profile, names and drafts."""

    index: int
    rng: random.Random
    profile: dict[str, Any]
    base_ctx: dict[str, Any]
    start: date
    end: date
    ref: date
    drafts: list[_Draft] = field(default_factory=list)
    column_of: dict[str, str] = field(default_factory=dict)  # item id (or item/stage) -> column key
    portal_columns: set[str] = field(default_factory=set)

    # -- names -----------------------------------------------------------------------------
    def company_ctx(self) -> dict[str, Any]:
        rng, names = self.rng, load_data("names")
        rnd = rng.random

        def pick(options: list[Any]) -> Any:
            return options[int(rnd() * len(options))]

        industry = pick(names["industries"])
        city = self.base_ctx["city"]
        company = f"{city}{pick(names['trades'])}{industry['industry']}有限公司"
        capacity = pick(names["capacities"])
        bits = rng.getrandbits(50)
        serial = "".join(_CREDIT_ALPHABET[(bits >> (5 * i)) % 31] for i in range(10))
        credit = f"{names['credit_prefix']}{330100 + self.index:06d}{serial}"
        street = pick(names["streets"])
        return {
            "company": company,
            "credit": credit,
            "industry": industry["industry"],
            "product": industry["product"],
            "unit": industry["unit"],
            "capacity": capacity,
            "project": f"{company}年产{capacity}{industry['unit']}{industry['product']}项目",
            "address": f"{city}{pick(names['parks'])}{street}{1 + int(rnd() * 399)}号",
            "legal_rep": pick(names["legal_reps"]),
            "park": f"{city}{pick(names['parks'])}",
        }

    def ctx(
        self,
        formation: date,
        publish: date,
        company: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        *,
        needs: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Placeholders of one document; company names, violations and derived dates only when ``needs`` them."""
        ctx = dict(self.base_ctx)
        if company is not None:
            ctx.update(company)
        elif needs & _COMPANY_KEYS:
            ctx.update(self.company_ctx())
        ctx.update(
            year=formation.year,
            prev_year=formation.year - 1,
            seq=1 + int(self.rng.random() * 180),
            f_date=_cn(formation),
            report_year=formation.year,
            report_month=formation.month,
            quarter=(formation.month - 1) // 3 + 1,
        )
        if "p_date" in needs:
            ctx["p_date"] = _cn(publish)
        if "valid_to" in needs:
            ctx["valid_to"] = _cn(date(formation.year + 5, formation.month, 1) + timedelta(days=formation.day - 2))
        if "term_end" in needs:
            ctx["term_end"] = _cn(formation + timedelta(days=29))
        if needs & _VIOLATION_KEYS:
            v = violation(self.rng)
            ctx.update(v_fact=v["fact"], v_evidence=v["evidence"], v_rule=v["rule"], v_law=v["law"], v_article=v["article"])
            ctx["fine"] = self.rng.randint(int(v["fine"][0]), int(v["fine"][1]))
            ctx["inspect_date"] = _cn(workday_on_or_before(formation - timedelta(days=self.rng.randint(40, 90))))
            ctx["notice_date"] = _cn(workday_on_or_before(formation - timedelta(days=self.rng.randint(15, 30))))
        ctx.update(extra or {})
        return ctx

    # -- dates -----------------------------------------------------------------------------
    def lag(self) -> int:
        p = self.profile
        lo, hi = p["lag_late"] if self.rng.random() < p["late_share"] else p["lag_ok"]
        return int(lo) + int(self.rng.random() * (int(hi) - int(lo) + 1))

    def publish_after(self, formation: date, lag: int) -> date:
        return min(add_workdays(formation, lag), workday_on_or_before(self.ref))

    def spread(self, count: int, first: date, last: date) -> list[date]:
        span = (last - first).days
        return [workday_on_or_after(first + timedelta(days=int((i + self.rng.random()) * span / count))) for i in range(count)]

    # -- documents -------------------------------------------------------------------------
    def attachments(self, specs: tuple[tuple[str, str], ...]) -> tuple[DemoAttachment, ...]:
        """Attachments with stable hex keys; each broken with the profile's chance."""
        if not specs:
            return ()
        out = []
        for number, (name, ext) in enumerate(specs, start=1):
            broken = self.rng.random() < self.profile["broken_attachment"]
            label = f"附件{number}：{name}.{ext}" if len(specs) > 1 else f"附件：{name}.{ext}"
            out.append(DemoAttachment(name=label, ext=ext, broken=broken, key=f"{self.rng.getrandbits(128):032x}"))
        return tuple(out)

    def drops(self, item_id: str, kind: str) -> frozenset[str]:
        """Elements a document leaves out (never all of them); none on profiles that drop nothing."""
        share = self.profile["drop_element"]
        if not share:
            return frozenset()
        elements = kind_elements(item_id, kind)
        dropped = {e for e in elements if self.rng.random() < share}
        if len(dropped) >= len(elements):
            dropped.discard(elements[0])
        return frozenset(dropped)

    def add(
        self,
        item_id: str,
        kind: str,
        formation: date,
        publish: date,
        *,
        priority: int,
        column_key: str | None = None,
        company: dict[str, Any] | None = None,
        stage: str | None = None,
        project: str | None = None,
        pin_shown: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> tuple[_Draft, dict[str, Any]]:
        if pin_shown is None:
            hidden = bool(self.profile["hide_formation"]) and self.rng.random() < self.profile["hide_formation"]
        else:
            hidden = pin_shown == "none"
        drop = self.drops(item_id, kind) if stage is None else frozenset()
        ctx = self.ctx(formation, publish, company, extra, needs=kind_placeholders(item_id, kind))
        text = compose(item_id, kind, ctx, self.rng, drop=drop, signature_date=None if hidden else formation)
        shown = "none" if hidden else ("signature" if text.signature else "meta_block")
        key = column_key or self.column_of[item_id]
        draft = _Draft(
            item_ids=(item_id,),
            column_key=key,
            text=text,
            publish=publish,
            formation=formation,
            shown=shown,
            attachments=self.attachments(text.attachments),
            project=project,
            stage=stage,
            on_portal=key in self.portal_columns,
            priority=priority,
            topic=topic_of(item_id),
        )
        self.drafts.append(draft)
        return draft, ctx

    def add_noise(self, column: str, formation: date, publish: date, priority: int) -> None:
        ctx = self.ctx(formation, publish, company={})
        text = compose_noise(column, ctx, self.rng)
        key = self.column_of[f"noise/{column}"]
        self.drafts.append(
            _Draft((), key, text, publish, formation, "none", (), on_portal=key in self.portal_columns,
                   priority=priority, topic="综合政务")
        )


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- schedules ---------------------------------------------------------------------------------
def _kinds(item_id: str, entry: dict[str, Any]) -> list[str]:
    return list(entry.get("kinds") or kinds_of(item_id))


def _schedule_events(b: _Builder, item_id: str, entry: dict[str, Any], count: int, priority: int) -> None:
    """``count`` documents spread over the year (pairs when ``paired``; late profiles' pinned lags first)."""
    kinds = _kinds(item_id, entry)
    if entry.get("paired"):
        pairs = max(1, count // 2) if count else 0
        for formation in b.spread(pairs, date(b.start.year, 1, 6), date(b.end.year, 12, 5)) if pairs else []:
            publish = b.publish_after(formation, b.lag())
            first, ctx = b.add(item_id, kinds[0], formation, publish, priority=priority)
            preset = {name: ctx[name] for name in load_data("content")["items"][item_id]["kinds"][kinds[1]].get("vars", {})}
            b.add(item_id, kinds[1], formation, publish, priority=priority, extra=preset, pin_shown=first.shown)
        return
    pinned = list(b.profile.get("pinned_lags") or []) if item_id == "penalty-decision" else []
    for i, formation in enumerate(b.spread(count, date(b.start.year, 1, 3), date(b.end.year, 12, 10)) if count else []):
        if pinned:
            formation, publish = pinned.pop(0)
            b.add(item_id, kinds[i % len(kinds)], formation, publish, priority=priority, pin_shown="signature")
            continue
        b.add(item_id, kinds[i % len(kinds)], formation, b.publish_after(formation, b.lag()), priority=priority)


def _schedule_stages(
    b: _Builder, item_id: str, entry: dict[str, Any], projects: int, first: date, last: date, priority: int
) -> None:
    """``projects`` projects accepted between ``first`` and ``last``, each through the item's stages."""
    stages = _kinds(item_id, entry)
    for accepted in b.spread(projects, first, last) if projects else []:
        company = b.company_ctx()
        company["report_kind"] = b.rng.choice(("报告书", "报告表", "报告表"))
        project = company["project"] if item_id == "eia-approval" else company["company"]
        present = list(stages)
        if b.rng.random() < b.profile["drop_stage"]:
            present.remove(b.rng.choice(stages))
        formation, previous_publish = accepted, accepted
        for number, stage in enumerate(stages):
            if number:
                formation = add_workdays(formation, b.rng.randint(12, 25) if number == 1 else b.rng.randint(5, 12))
            publish = max(b.publish_after(formation, b.lag()), previous_publish)
            previous_publish = publish
            if stage not in present or formation > b.ref:
                continue
            key = b.column_of.get(f"{item_id}/{stage}") or b.column_of[item_id]
            b.add(item_id, stage, formation, publish, priority=priority if publish >= b.start else 1,
                  column_key=key, company=company, stage=stage, project=project)


def _frequency_publish(b: _Builder, first_day: date, day: int) -> date | None:
    """Publication date of a periodic report due by ``day`` of the month starting ``first_day``."""
    roll = b.rng.random()
    if roll < b.profile["frequency_skip_share"]:
        return None
    if roll < b.profile["frequency_skip_share"] + b.profile["frequency_late_share"]:
        return workday_on_or_after(first_day.replace(day=b.rng.randint(day + 2, 27)))
    publish = workday_on_or_after(first_day.replace(day=b.rng.randint(1, max(1, day - 4))))
    return publish if publish.day <= day else workday_on_or_before(first_day.replace(day=day))


def _schedule_monthly(b: _Builder, item_id: str, entry: dict[str, Any]) -> None:
    """One report a month (December before the period to the reference month) plus daily samples."""
    kind = _kinds(item_id, entry)[0]
    month = date(b.start.year - 1, 12, 1)
    while month <= b.ref:
        reported = (month - timedelta(days=1)).replace(day=1)
        publish = _frequency_publish(b, month, int(entry["day"]))
        if publish is not None and publish <= b.ref:
            formation = workday_on_or_before(publish - timedelta(days=b.rng.randint(0, 3)))
            extra = {"report_year": reported.year, "report_month": reported.month}
            b.add(item_id, kind, formation, publish, priority=3 if b.start <= publish <= b.end else 1, extra=extra)
        month = (month + timedelta(days=32)).replace(day=1)
    samples = entry.get("samples")
    if samples:
        for number in sorted(b.rng.sample(range(1, 13), k=int(samples["count"]))):
            if b.rng.random() < b.profile["frequency_skip_share"]:
                continue
            publish = workday_on_or_after(date(b.start.year, number, b.rng.randint(int(entry["day"]) + 1, 26)))
            extra = {"report_year": publish.year, "report_month": publish.month, "report_day": publish.day}
            b.add(item_id, str(samples["kind"]), publish, publish, priority=2, extra=extra)


def _schedule_quarterly(b: _Builder, item_id: str, entry: dict[str, Any]) -> None:
    """One report a quarter, published in the following quarter."""
    kind = _kinds(item_id, entry)[0]
    quarter_start = date(b.start.year - 1, 10, 1)
    while quarter_start <= b.ref:
        reported = (quarter_start - timedelta(days=80)).replace(day=1)
        publish = _frequency_publish(b, quarter_start, int(entry["day"]))
        if publish is not None and publish <= b.ref:
            formation = workday_on_or_before(publish - timedelta(days=b.rng.randint(0, 5)))
            extra = {"report_year": reported.year, "quarter": (reported.month - 1) // 3 + 1}
            b.add(item_id, kind, formation, publish, priority=3 if b.start <= publish <= b.end else 1, extra=extra)
        quarter_start = date(quarter_start.year + (quarter_start.month + 3 > 12), (quarter_start.month + 2) % 12 + 1, 1)


def _schedule_annual(b: _Builder, item_id: str, entry: dict[str, Any]) -> None:
    """One edition a year before its deadline (after it on late profiles), for the period's year and the one before."""
    kind = _kinds(item_id, entry)[0]
    month, day = (int(part) for part in str(entry["deadline"]).split("-"))
    for year in (b.start.year - 1, b.start.year):
        deadline = date(year, month, day)
        late = b.profile["annual_late"] and year >= b.start.year
        if late:
            publish = workday_on_or_after(deadline + timedelta(days=b.rng.randint(10, 80)))
        else:
            publish = workday_on_or_before(deadline - timedelta(days=b.rng.randint(0, 50)))
        formation = workday_on_or_before(publish - timedelta(days=b.rng.randint(0, 6)))
        edition = year - 1 if entry.get("edition") == "previous" else year
        b.add(item_id, kind, formation, publish, priority=3 if year >= b.start.year else 1, extra={"report_year": edition})


def _schedule_yearly(b: _Builder, item_id: str, entry: dict[str, Any], count: int) -> None:
    """``count`` documents inside the yearly window (one in the year before the period)."""
    kinds = _kinds(item_id, entry)
    (m1, d1), (m2, d2) = ((int(x) for x in str(part).split("-")) for part in entry["window"])
    for year, n in ((b.start.year - 1, 1), (b.start.year, count)):
        for i, formation in enumerate(b.spread(n, date(year, m1, d1), date(year, m2, d2)) if n else []):
            publish = b.publish_after(formation, b.lag())
            b.add(item_id, kinds[i % len(kinds)], formation, publish, priority=3 if year >= b.start.year else 1,
                  extra={"report_year": year})


def _nominal(item_id: str, entry: dict[str, Any]) -> int:
    """How many documents a plan entry yields before profiles act (sizes ``pages=``)."""
    schedule = entry["schedule"]
    if schedule == "stages":
        return int(entry["projects"]) * len(_kinds(item_id, entry))
    if schedule == "monthly":
        return 14
    if schedule == "quarterly":
        return 6
    if schedule == "annual":
        return 2
    if schedule == "yearly":
        return int(entry["count"]) + 1
    return int(entry["count"])


# -- columns -----------------------------------------------------------------------------------
def _build_columns(b: _Builder, family: str, present_items: list[str], split_eia: bool) -> list[DemoColumn]:
    """The column tree: groups, item columns (EIA optionally split by stage), news and notices.

    TRS and generic sites use the directory names of data/columns.yaml as keys; Hanweb and
    gkmlpt sites number their columns. Keys of item columns are recorded in ``b.column_of``.
    """
    spec = load_data("columns")
    rng = b.rng
    numeric = family in ("hanweb", "gkmlpt")
    base = rng.randint(1200, 8900) * 10
    counter = iter(range(10_000))

    def key_for(name: str) -> str:
        return str(base + next(counter)) if numeric else name

    candidates = sorted(i for i in spec["portal_candidates"] if i in present_items)
    portal_items = set(rng.sample(candidates, k=min(rng.choice([0, 1, 1, 2]), len(candidates))))
    groups = {g["key"]: (key_for(g["key"]), rng.choice(g["names"])) for g in spec["groups"]}
    used_groups: list[str] = []
    columns: list[DemoColumn] = []

    def group_key(group: str) -> str:
        if group not in used_groups:
            used_groups.append(group)
        return groups[group][0]

    for item_id in present_items:
        col = spec["columns"][item_id]
        key, on_portal = key_for(col["key"]), item_id in portal_items
        name, parent = rng.choice(col["names"]), group_key(col["group"])
        columns.append(DemoColumn(key, name, (item_id,), parent, on_portal, False, col.get("note")))
        b.column_of[item_id] = key
        if on_portal:
            b.portal_columns.add(key)
        if item_id == "eia-approval" and split_eia:
            for stage, child in col["stages"].items():
                child_key = key_for(f"{col['key']}/{child['key']}" if not numeric else child["key"])
                columns.append(DemoColumn(child_key, rng.choice(child["names"]), (item_id,), key, on_portal, False))
                b.column_of[f"{item_id}/{stage}"] = child_key
                if on_portal:
                    b.portal_columns.add(child_key)
    for name, col in spec["noise_columns"].items():
        key = key_for(col["key"])
        columns.append(DemoColumn(key, rng.choice(col["names"]), (), group_key(col["group"]), False, False))
        b.column_of[f"noise/{name}"] = key
    group_columns = [DemoColumn(groups[g][0], groups[g][1], (), None, False, False) for g in used_groups]
    return group_columns + columns


# -- the site ------------------------------------------------------------------------------------
def _choose_items(rng: random.Random, index: int, profile: dict[str, Any]) -> tuple[list[str], set[str], tuple[str, ...]]:
    """(items with a column, items whose column stays empty, not-applicable items)."""
    data = load_data("profiles")
    plan_items = [item for item in data["plan"] if not item.startswith("noise/")]
    all_items = plan_items + ["penalty-process", "enforcement-process"]
    not_applicable = tuple(data["not_applicable"].get(index, ()))
    candidates = sorted(i for i in plan_items if i not in data["never_missing"] and i not in not_applicable)
    missing = set(rng.sample(candidates, k=min(int(profile["missing_items"]), len(candidates))))
    remaining = sorted(i for i in candidates if i not in missing)
    empty = set(rng.sample(remaining, k=min(int(profile["empty_items"]), len(remaining))))
    for item in data["event_items"]:
        if item in remaining and rng.random() < float(data["event_empty_share"]):
            empty.add(item)
    present = [i for i in all_items if i not in missing and i not in not_applicable]
    ordered = [i for i in load_data("columns")["columns"] if i in present]
    return ordered, empty, not_applicable


def _faults(b: _Builder, item_columns: list[DemoColumn], empty: set[str]) -> tuple[SiteFaults, set[str]]:
    """Blocked (412 challenge) and slow columns for the broken profile."""
    profile = b.profile
    eligible = sorted(c.key for c in item_columns if c.parent_key is not None and c.item_ids and c.note is None
                      and c.item_ids[0] not in empty and c.item_ids[0] not in ("eia-approval", "air-quality", "water-quality")
                      and not any(other.parent_key == c.key for other in item_columns))
    blocked = b.rng.sample(eligible, k=min(int(profile["blocked_columns"]), len(eligible)))
    rest = [k for k in eligible if k not in blocked]
    slow = b.rng.sample(rest, k=min(int(profile["slow_columns"]), len(rest)))
    faults = SiteFaults(
        latency_ms=int(profile.get("slow_latency_ms", 0)) if slow else 0,
        challenge_column_keys=tuple(sorted(blocked)),
        slow_column_keys=tuple(sorted(slow)),
    )
    return faults, set(blocked)


@lru_cache(maxsize=64)
def generate_site(seed: int, index: int, *, pages: int | None = None) -> DemoSite:
    """Build demo site ``index`` (1-based) of the province ``seed``; identical for identical arguments.

    ``pages`` sets the number of documents (article pages) exactly; None gives the default
    size (about 55–125 documents, depending on the site's profile).
    """
    if index < 1:
        raise ValueError(f"site index starts at 1, got {index}")
    if pages is not None and pages < 1:
        raise ValueError(f"pages must be at least 1, got {pages}")
    data = load_data("profiles")
    rng = random.Random(f"{seed}:{index}")
    profile_name = site_profile(index)
    profile = data["profiles"][profile_name]
    family = site_family(index)
    encoding, declared = site_encoding(index)
    city = city_name(index)
    start, end, ref, _ = demo_period()
    names = load_data("names")
    base_ctx = {
        "city": city,
        "bureau": f"{city}生态环境局",
        "abbr": city[:-1] if city.endswith("市") else city,
        "province": names["province"],
        "province_abbr": names["province"][0],
        "river": rng.choice(names["rivers"]),
        "district": rng.choice(names["districts"]),
    }
    b = _Builder(index, rng, profile, base_ctx, start, end, ref)
    present, empty, not_applicable = _choose_items(rng, index, profile)
    split_eia = family == "gkmlpt" or rng.random() < 0.3
    columns = _build_columns(b, family, present, split_eia)
    faults, blocked = _faults(b, columns, empty)
    columns = [DemoColumn(c.key, c.name, c.item_ids, c.parent_key, c.on_portal, c.key in blocked, c.note) for c in columns]

    _plan_documents(b, data["plan"], present, empty, pages)
    org_code = f"11{330100 + index:06d}{rng.randrange(10**9):09d}X"
    documents = _finish(b, org_code)
    return DemoSite(
        index=index,
        site_id=site_id_of(index),
        name=base_ctx["bureau"],
        city=city,
        region=f"{names['province']}{city}",
        family=family,
        encoding=encoding,
        declared_charset=declared,
        profile=profile_name,
        columns=tuple(columns),
        documents=documents,
        faults=faults,
        not_applicable=not_applicable,
        seed=seed,
        org_code=org_code,
    )


def _plan_documents(b: _Builder, plan: dict[str, Any], present: list[str], empty: set[str], pages: int | None) -> None:
    """Draft every document of the plan (data/profiles.yaml), then fit them to ``pages``."""
    factor = float(b.profile["count_factor"])
    scale = 1.0
    if pages is not None:
        counted = [(i, e) for i, e in plan.items() if i in present or i.startswith("noise/")]
        fixed = sum(_nominal(i, e) for i, e in counted if not e.get("scalable"))
        scalable = sum(_nominal(i, e) for i, e in counted if e.get("scalable"))
        scale = max(0.0, (pages - fixed) / max(1.0, scalable * factor))
    start, end = b.start, b.end
    for item_id, entry in plan.items():
        noise = item_id.startswith("noise/")
        if not noise and (item_id not in present or item_id in empty):
            continue
        schedule = entry["schedule"]
        weight = factor * (scale if entry.get("scalable") else 1.0)
        priority = 2 if entry.get("scalable") else 3
        if noise:
            count = round(int(entry["count"]) * weight)
            for formation in b.spread(count, date(start.year, 1, 3), date(end.year, 12, 20)) if count else []:
                b.add_noise(item_id.split("/", 1)[1], formation, b.publish_after(formation, b.rng.randint(0, 2)), priority=0)
        elif schedule == "stages":
            projects = max(1, round(int(entry["projects"]) * weight))
            _schedule_stages(b, item_id, entry, projects, date(start.year, 1, 6), date(end.year, 10, 31), priority)
        elif schedule == "events":
            _schedule_events(b, item_id, entry, max(1, round(int(entry["count"]) * weight)), priority)
        elif schedule == "monthly":
            _schedule_monthly(b, item_id, entry)
        elif schedule == "quarterly":
            _schedule_quarterly(b, item_id, entry)
        elif schedule == "annual":
            _schedule_annual(b, item_id, entry)
        elif schedule == "yearly":
            _schedule_yearly(b, item_id, entry, max(1, round(int(entry["count"]) * factor)))
        else:
            raise ValueError(f"{DATA_DIR / 'profiles.yaml'}: plan.{item_id}.schedule: unknown schedule {schedule!r} "
                             "(stages | events | monthly | quarterly | annual | yearly)")
    _add_history(b, plan, present, empty)
    if pages is not None:
        _fit(b, pages)


def _add_history(b: _Builder, plan: dict[str, Any], present: list[str], empty: set[str]) -> None:
    """Documents formed and published in the year before the period, and one EIA project spanning both."""
    events = [i for i, e in plan.items()
              if e["schedule"] == "events" and not i.startswith("noise/") and i in present and i not in empty]
    count = int(load_data("profiles")["history"]["events"])
    prev = b.start.year - 1
    for formation in b.spread(count, date(prev, 7, 1), date(prev, 11, 20)) if events else []:
        item_id = b.rng.choice(events)
        kinds = _kinds(item_id, plan[item_id])
        publish = min(b.publish_after(formation, b.lag()), workday_on_or_before(date(prev, 12, 31)))
        b.add(item_id, kinds[0], formation, publish, priority=1)
    if "eia-approval" in present and "eia-approval" not in empty:
        _schedule_stages(b, "eia-approval", plan["eia-approval"], 1, date(prev, 11, 3), date(prev, 11, 28), 1)


def _fit(b: _Builder, pages: int) -> None:
    """Trim (noise, then history, then scalable, oldest first) or pad with news to exactly ``pages``."""
    if len(b.drafts) > pages:
        order = sorted(range(len(b.drafts)), key=lambda i: (b.drafts[i].priority, b.drafts[i].publish, i))
        drop = set(order[: len(b.drafts) - pages])
        b.drafts = [d for i, d in enumerate(b.drafts) if i not in drop]
    missing = pages - len(b.drafts)
    if missing > 0:
        for formation in b.spread(missing, date(b.start.year, 1, 3), date(b.end.year, 12, 20)):
            b.add_noise("news", formation, b.publish_after(formation, b.rng.randint(0, 2)), priority=0)


def _finish(b: _Builder, org_code: str) -> tuple[DemoDocument, ...]:
    """Attach doc ids and 索引号 (``org_code``/year-serial), and sort newest first."""
    serial: dict[int, int] = {}
    numbered = sorted(enumerate(b.drafts), key=lambda pair: (pair[1].publish, pair[0]))
    documents = []
    for position, draft in numbered:
        serial[draft.publish.year] = serial.get(draft.publish.year, 0) + 1
        text = draft.text
        documents.append(
            DemoDocument(
                doc_id=10_000 + position,
                item_ids=draft.item_ids,
                column_key=draft.column_key,
                title=text.title,
                publish_date=draft.publish,
                formation_date=draft.formation,
                formation_shown=draft.shown,
                doc_number=text.doc_number,
                index_number=f"{org_code}/{draft.publish.year}-{serial[draft.publish.year]:05d}",
                publisher=b.base_ctx["bureau"],
                topic=draft.topic,
                paragraphs=text.paragraphs,
                elements_present=text.elements_present,
                attachments=draft.attachments,
                project=draft.project,
                stage=draft.stage,
                on_portal=draft.on_portal,
                signature=text.signature,
            )
        )
    documents.reverse()  # numbered in (publish_date, doc_id) order: reversed is newest first
    return tuple(documents)
