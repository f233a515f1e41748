"""Small catalogue, rubric and assessment texts for the catalogue/rubric/config tests.

Tests derive invalid variants with :func:`edit`, which replaces exactly one occurrence, so every
expected error message can name an exact line of these texts.
"""

from __future__ import annotations

MINI_CATALOGUE = """\
id: mini
title: 测试目录
source: 测试
version: "1"
aspects:
  - id: licensing
    name: 行政许可
  - id: enforcement
    name: 行政处罚
items:
  - id: eia-approval
    aspect: licensing
    name: 建设项目环境影响评价文件审批
    elements:
      - id: acceptance
        name: 受理公示
        cues: [受理]
      - id: decision
        name: 审批决定
        cues: [批复]
    completeness: stages
    time_limit: 自该信息形成或者变更之日起20个工作日内
    provenance: attested
    mode: 主动
    audience: 全社会
    subject: 市级生态环境部门
    channels_required: [政府网站]
    event_driven: false
    double_publicity: true
    hints:
      title_include: ['批复']
  - id: penalty-decision        # 2
    aspect: enforcement         # 2
    name: 行政处罚决定            # 2
    elements:                   # 2
      - id: party               # 2
        name: 当事人             # 2
    completeness: per_document  # 2
    time_limit: 每年1月31日前     # 2
    provenance: reconstructed   # 2
    mode: 主动                  # 2
    audience: 全社会             # 2
    subject: 市级生态环境部门      # 2
    channels_required: [政府网站] # 2
    event_driven: false         # 2
    double_publicity: true      # 2
"""

MINI_RUBRIC = """\
id: mini-rubric
title: 测试评分规则
criterion_weights:
  coverage: 0.4
  timeliness: 0.3
  completeness: 0.3
item_criterion_weights:
  penalty-decision: {coverage: 0.5, timeliness: 0.5, completeness: 0}
aspect_weights:
  licensing: 60
  enforcement: 40
item_weights:
  eia-approval: 2
grade_bands:
  - {name: 优秀, min_score: 90}
  - {name: 合格, min_score: 60}
  - {name: 不合格, min_score: 0}
coverage_column_only: 30
attachment_weight: 0.1
double_publicity: true
double_publicity_days: 5
event_driven_empty_is_failure: true
"""


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    """1-based line number of the single line containing ``fragment``."""
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) == 1, f"{fragment!r} on lines {lines}"
    return lines[0]

ASSESSMENT = """\
name: 测试评估
period:
  start: 2024-01-01
  end: 2024-12-31
reference_date: 2025-01-10
assessor: 测试组
store: sqlite:///custom.db
output_dir: out
concurrency: 2
limits:
  max_pages: 100
  min_delay: 0.5
sites:
  - id: alpha
    name: 甲市生态环境局
    region: 甲市
    base_url: https://sthjj.alpha.gov.cn/
    entry_points: [/xxgk/, https://sthjj.alpha.gov.cn/zwgk/]
    extra_hosts: [www.alpha.gov.cn]
    family: trs
    column_map:
      https://sthjj.alpha.gov.cn/xxgk/hpsp/: [eia-approval]
      行政处罚: penalty-decision
    not_applicable: [radiation-permit]
    limits:
      max_pages: 50
  - id: beta
    name: 乙市生态环境局
    region: 乙市
    base_url: http://www.beta.gov.cn/sthjj/
"""
