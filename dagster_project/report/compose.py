"""The 通报's text, from the month's facts: what every renderer (.docx, HTML, Markdown) lays out.

A 公文 (GB/T 9704-2012) has a 版头 (发文机关 and 期号 over a red line), a title, the 主送机关, the body
in numbered sections, the 附件说明, the signature and 成文日期, and the 版记 (抄送, 印发机关 and date).
The sentences are written here once; the renderers only choose fonts and places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from dagster_project.report.facts import CityFigure, Facts, num, pct, problems, top_and_bottom, unranked

NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""  # a numbered lead in 楷体 or bold: （一）办件情况。


@dataclass(frozen=True)
class Chart:
    key: str  # charts.draw(facts, key)
    caption: str


@dataclass(frozen=True)
class Table:
    """A table of the body: its caption above it, a header row repeated on every page, and the
    columns' widths in mm (summing to the 156 mm text width)."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Section:
    heading: str  # 一、总体情况
    blocks: list[Paragraph | Chart | Table] = field(default_factory=list)


@dataclass(frozen=True)
class Notice:
    issuer: str
    masthead: str
    number: str  # 第6期
    title: str
    addressees: str | None
    opening: str
    sections: list[Section]
    annexes: list[str]
    signature: str
    issued_on: dt.date
    copied_to: str | None
    printed_by: str
    notes: list[str]


def chinese_date(day: dt.date) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704-2012 prescribes: 2021年7月10日."""
    return f"{day.year}年{day.month}月{day.day}日"


def width(text: str) -> float:
    """In full-width characters: digits and Latin letters are half as wide as Chinese ones (and as
    “”—, which Chinese fonts draw full width)."""
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in text)


def masthead_size(text: str, line_pt: float = 442) -> float:
    """发文机关标志: as large as fits one line of the 156 mm text width, at most 小初 (36 pt)."""
    return min(36.0, int(line_pt / max(width(text), 1) * 0.92))


def annex_lines(annexes: list[str]) -> list[tuple[str, str, float]]:
    """附件说明: (lead, title, where the title starts in characters). 附件：is two characters in; a
    title that runs on aligns with the first character of the title above (GB/T 9704 7.3.4)."""
    many = len(annexes) > 1
    lines = []
    for n, title in enumerate(annexes, start=1):
        number = f"{n}．" if many else ""
        lines.append((("附件：" if n == 1 else "") + number, title, 2 + width("附件：") + width(number)))
    return lines


def amount(figure: CityFigure, value: float | None) -> str:
    return pct(value) if figure.is_rate else f"{num(value)}{figure.unit}"


def change(figure: CityFigure) -> str:
    """较上月增长10.5% for a count, 提高0.52个百分点 for a rate."""
    this, last = figure.month, figure.last_month
    if this is None or last is None:
        return ""
    if figure.is_rate:
        points = (this - last) * 100
        if abs(points) < 0.005:
            return "与上月持平"
        return f"较上月{'提高' if points > 0 else '下降'}{abs(points):.2f}个百分点"
    if this == last:
        return "与上月持平"
    if last == 0:
        return "上月为0"
    ratio = (this - last) / last * 100
    return f"较上月{'增长' if ratio > 0 else '下降'}{abs(ratio):.1f}%"


def overview_paragraph(facts: Facts, topic) -> str:
    m = facts.month
    parts = []
    for figure in topic.figures:
        clause = f"{figure.label}{amount(figure, figure.month)}"
        if facts.previous and (said := change(figure)):
            clause += f"（{said}）"
        parts.append(clause)
    if topic.snapshot:
        return f"截至{m.month}月末，全市" + "，".join(parts) + "。"
    text = f"{m.month}月，全市" + "，".join(parts)
    if m.month > 1:
        year = "，".join(f"{f.label}{amount(f, f.year_to_date)}" for f in topic.figures)
        text += f"；{facts.period.removeprefix(f'{m.year}年')}累计{year}"
    return text + "。"


def overview(facts: Facts) -> Section:
    section = Section(f"{NUMERALS[0]}、总体情况")
    for n, topic in enumerate(facts.overview):
        section.blocks.append(
            Paragraph(overview_paragraph(facts, topic), lead=f"（{NUMERALS[n]}）{topic.label}。")
        )
    if facts.trend.height > 1:
        section.blocks.append(Chart("trend", f"{facts.period}全市各月申请、办结件数"))
    for group in facts.template.ranking.groups:
        if facts.finished.filter(facts.finished["scoring_group"] == group).height:
            label = f"{facts.group_label(group)}{facts.month.month}月办结件数"
            section.blocks.append(Chart(f"finished:{group}", label))
    return section


def scores(facts: Facts) -> Section:
    section = Section(f"{NUMERALS[1]}、得分情况")
    for n, group in enumerate(facts.template.ranking.groups):
        label = facts.group_label(group)
        top, bottom = top_and_bottom(facts, group)
        if top.is_empty():
            continue

        def named(frame) -> str:
            return "、".join(
                f"{r['org_name']}（{r['total_points']:.2f}分）" for r in frame.iter_rows(named=True)
            )

        mean = facts.scores.filter(facts.scores["scoring_group"] == group)["total_points"].mean()
        text = f"平均得分{mean:.2f}分。排名前{top.height}位的是{named(top)}"
        text += f"；排名后{bottom.height}位的是{named(bottom)}。" if bottom.height else "。"
        if absent := unranked(facts, group):
            text += f"{'、'.join(absent)}未报送数据，未参与排名。"
        section.blocks.append(Paragraph(text, lead=f"（{NUMERALS[n]}）{label}。"))
        section.blocks.append(Chart(f"scores:{group}", f"{label}综合得分（分）"))
    return section


def shortfall_text(facts: Facts, shortfall, named: bool = True) -> str:
    """未达到85.00%的有…等N个单位; `named` puts the item's label first."""
    shown = value_shown(facts, shortfall.item)
    names = "、".join(
        f"{r['org_name']}（{'无数据' if r['value'] is None else shown(r['value'])}）"
        for r in shortfall.rows.iter_rows(named=True)
    )
    more = f"等{shortfall.count}个单位" if shortfall.count > shortfall.rows.height else ""
    label = shortfall.label if named else ""
    if shortfall.cited is None:
        return f"{label}失分较多的有{names}{more}。"
    word = "高于" if shortfall.better == "lower" else "未达到"
    target = shown(shortfall.cited)
    if target.endswith("%"):  # a target is cited as written: 85%, 50.71%
        target = target.removesuffix("%").rstrip("0").rstrip(".") + "%"
    return f"{label}{word}{target}的有{names}{more}。"


def value_shown(facts: Facts, code: str):
    """A rate as a percentage; a count with the unit the template gives its item (8次)."""
    item = facts.rubric.item(code)
    source = item.input or item.scoring.total_input or item.scoring.classes[0].input
    if item.ratio or facts.rubric.inputs[source].unit == "rate":
        return pct
    unit = facts.template.problems.units.get(code, "")
    return lambda value: f"{num(value)}{unit}"


def issues(facts: Facts) -> Section:
    section = Section(f"{NUMERALS[2]}、存在的问题")
    n = 0
    if facts.missing.height:
        by_extract = {}
        for r in facts.missing.iter_rows(named=True):
            by_extract.setdefault(r["extract_label"], []).append(r["org_name"])
        text = "；".join(f"{'、'.join(orgs)}未报送{label}数据" for label, orgs in by_extract.items())
        section.blocks.append(
            Paragraph(text + "，相关指标无法计算。", lead=f"（{NUMERALS[n]}）数据报送方面。")
        )
        n += 1
    for topic in problems(facts):
        # an item short of two groups' targets is one numbered point with two clauses
        by_item = groupby(topic.shortfalls, key=lambda s: s.item)
        clauses = [
            f"{k}."
            + "；".join(shortfall_text(facts, s, j == 0).removesuffix("。") for j, s in enumerate(parts))
            + "。"
            for k, (_, parts) in enumerate(by_item, start=1)
        ]
        section.blocks.append(Paragraph("".join(clauses), lead=f"（{NUMERALS[n]}）{topic.label}方面。"))
        n += 1
    if n == 0:
        section.blocks.append(Paragraph("本期各地各部门各项指标均达到考核细则的满分要求。"))
    return section


def requirements(facts: Facts) -> Section:
    section = Section(f"{NUMERALS[3]}、下步工作要求")
    for n, r in enumerate(facts.template.requirements):
        section.blocks.append(Paragraph(facts.words(r.text), lead=f"（{NUMERALS[n]}）{facts.words(r.lead)}"))
    return section


def compose(facts: Facts) -> Notice:
    t = facts.template
    return Notice(
        issuer=t.issuer,
        masthead=t.masthead or t.issuer,
        number=facts.words(t.issue_number.format),
        title=facts.words(t.title),
        addressees=t.addressees,
        opening=facts.words(t.opening),
        sections=[overview(facts), scores(facts), issues(facts), requirements(facts)],
        annexes=facts.annexes,
        signature=t.signature or t.issuer,
        issued_on=facts.issued_on,
        copied_to=t.copied_to,
        printed_by=t.printed_by,
        notes=facts.notes,
    )
