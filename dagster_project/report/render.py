"""The 情况通报 as a self-contained HTML page and as Markdown, from the month's facts."""

from __future__ import annotations

from html import escape

import polars as pl

from dagster_project.report import charts
from dagster_project.report.facts import Facts, change, num, pct, top_and_bottom
from schemas.rubric import Item, Rubric

CSS = f"""
body {{ font-family: {charts.FONT}; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.6; }}
h1 {{ text-align: center; font-size: 1.6em; }} h2 {{ border-bottom: 2px solid #2f6db5; padding-bottom: .2em; }}
table {{ border-collapse: collapse; margin: .6em 0 1.2em; font-size: .9em; }}
th, td {{ border: 1px solid #bbb; padding: .25em .6em; text-align: center; }}
th {{ background: #ddebf7; }} td.name {{ text-align: left; }} .muted {{ color: #777; }}
details {{ margin: .3em 0; }} summary {{ cursor: pointer; }} figure {{ margin: 1em 0; overflow-x: auto; }}
"""


def unit_of(rubric: Rubric, item: Item) -> str:
    if item.ratio:
        return "rate"
    code = item.input or item.scoring.total_input or item.scoring.classes[0].input
    return rubric.inputs[code].unit


def show(rubric: Rubric, item_code: str, value: float | None) -> str:
    return pct(value) if unit_of(rubric, rubric.item(item_code)) == "rate" else num(value)


def table(header: list[str], rows: list[list[str]], name_cols: tuple[int, ...] = (1,)) -> tuple[str, str]:
    """(HTML, Markdown) of one table."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=name' if i in name_cols else ''}>{escape(c)}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return f"<table><tr>{head}</tr>{body}</table>", "\n".join(md)


class Page:
    """Builds the HTML and the Markdown side by side, so the two never say different things."""

    def __init__(self) -> None:
        self.html: list[str] = []
        self.md: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.html.append(f"<h{level}>{escape(text)}</h{level}>")
        self.md.append(f"\n{'#' * level} {text}\n")

    def para(self, text: str) -> None:
        self.html.append(f"<p>{escape(text)}</p>")
        self.md.append(f"{text}\n")

    def table(self, header: list[str], rows: list[list[str]], name_cols: tuple[int, ...] = (1,)) -> None:
        html, md = table(header, rows, name_cols)
        self.html.append(html)
        self.md.append(md + "\n")

    def figure(self, svg: str, caption: str) -> None:
        self.html.append(f"<figure>{svg}<figcaption class=muted>{escape(caption)}</figcaption></figure>")
        self.md.append(f"*图：{caption}（见 report.html）*\n")


def render(facts: Facts) -> tuple[str, str]:
    rubric, month = facts.rubric, facts.month
    page = Page()
    title = f"一网通办工作情况通报（{month:%Y年%-m月}）"
    page.heading(title, 1)
    page.para(
        f"统计期间：{month.year}年1月1日至{month:%-m}月末（年累计），办件与评价数量为当月；评分细则：{rubric.title}。"
    )
    for note in facts.notes:
        page.para(note)

    page.heading("一、总体情况")
    page.table(
        ["指标", "本月", "上月", "环比"],
        [
            [r["label"], num(r["this_month"]), num(r["last_month"]), change(r["this_month"], r["last_month"])]
            for r in facts.headline.iter_rows(named=True)
        ],
        name_cols=(0,),
    )
    trend = facts.trend
    if trend.height:
        months = [f"{m:%-m}月" for m in trend["month"]]
        page.figure(
            charts.line(
                "本年各月申请件数（市级部门与县（市、区））", months, trend["applied_cases"].to_list(), num
            ),
            "各月申请件数",
        )
        page.figure(
            charts.line("本年各月主动评价率", months, trend["active_evaluation_rate"].to_list(), pct),
            "各月主动评价率 = 主动评价数 / 办结件数",
        )

    page.heading("二、考核得分")
    strips = []
    for group in rubric.groups:
        ranked = facts.scores.filter(pl.col("scoring_group") == group)
        if ranked.is_empty():
            continue
        top, bottom = top_and_bottom(facts, group)
        page.para(
            f"{facts.group_label(group)}：得分前两名为"
            + "、".join(f"{r['org_name']}（{r['total_points']:.2f}分）" for r in top.iter_rows(named=True))
            + "；后两名为"
            + "、".join(f"{r['org_name']}（{r['total_points']:.2f}分）" for r in bottom.iter_rows(named=True))
            + "。"
        )
        strips.append((facts.group_label(group), ranked["total_points"].to_list()))
    lowest = min((min(v) for _, v in strips if v), default=0)
    page.figure(
        charts.strips("各组综合得分分布", strips, low=min(60.0, lowest // 10 * 10), high=100),
        "每个点是一个单位的综合得分",
    )

    page.heading("三、未达标情况")
    if facts.thresholds.is_empty():
        page.para("各单位各项指标均达到细则规定的满分要求。")
    for (item, group), rows in facts.thresholds.group_by("item", "scoring_group", maintain_order=True):
        target = rows["full_marks_at"][0]
        label = rows["item_label"][0]
        better = rubric.item(item).scoring.better
        word = "高于" if better == "lower" else "低于"
        listed = "、".join(
            f"{r['org_name']}（{show(rubric, item, r['value'])}）" for r in rows.iter_rows(named=True)
        )
        page.para(
            f"{facts.group_label(group)}{label}{word}{show(rubric, item, target)}的单位（{rows.height}个）：{listed}。"
        )

    page.heading("四、办件量与评价")
    ops = facts.ops
    this = ops.filter(pl.col("month") == month).sort("org_level", "org_code")
    last = {
        r["org_code"]: r["finished_cases"] for r in ops.filter(pl.col("month") != month).iter_rows(named=True)
    }
    page.figure(
        charts.paired_bars(
            "各单位办结件数：本月与上月",
            this["org_name"].to_list(),
            [("本月", this["finished_cases"].to_list()), ("上月", [last.get(c) for c in this["org_code"]])],
            fmt=num,
        ),
        "办结件数（当月）",
    )
    rates = facts.items.filter(pl.col("item") == "active_evaluation").sort(
        "value", descending=True, nulls_last=True
    )
    if rates.height:
        page.figure(
            charts.paired_bars(
                "市级部门累计主动评价率",
                rates["org_name"].to_list(),
                [("主动评价率", rates["value"].to_list())],
                fmt=pct,
                reference=1.0,
            ),
            "虚线为100%",
        )

    page.heading("五、问题整改台账")
    ledger = facts.items.filter(pl.col("points_lost") > 1e-9).sort(
        "org_name", "points_lost", descending=[False, True]
    )
    page.table(
        ["序号", "单位", "类别", "指标", "当前值", "满分要求", "失分", "说明"],
        [
            [
                str(n),
                r["org_name"],
                r["category_label"],
                r["item_label"],
                show(rubric, r["item"], r["value"]),
                show(rubric, r["item"], r["full_marks_at"])
                if r["rule"] in ("linear", "proportional", "piecewise", "tiers", "steps")
                else "本组最优"
                if r["rule"] == "relative_to_best"
                else "0",
                f"{r['points_lost']:.2f}",
                r["reason"],
            ]
            for n, r in enumerate(ledger.iter_rows(named=True), start=1)
        ],
    )

    page.heading("六、各单位得分明细")
    for r in facts.scores.sort("scoring_group", "group_rank").iter_rows(named=True):
        mine = facts.items.filter(pl.col("org_code") == r["org_code"])
        html, md = table(
            ["类别", "指标", "值", "得分", "满分", "说明"],
            [
                [
                    i["category_label"],
                    i["item_label"],
                    show(rubric, i["item"], i["value"]),
                    num(i["points"]),
                    num(i["max_points"]),
                    i["reason"],
                ]
                for i in mine.iter_rows(named=True)
            ],
            name_cols=(1, 5),
        )
        summary = f"{facts.group_label(r['scoring_group'])} 第{r['group_rank']}名 {r['org_name']}：{r['total_points']:.2f}分"
        page.html.append(f"<details><summary>{escape(summary)}</summary>{html}</details>")
        page.md.append(f"**{summary}**\n\n{md}\n")

    page.heading("七、数据完整性")
    arrived = facts.completeness.filter(pl.col("org_level").is_in(["city_dept", "county_dept"]))
    missing = arrived.filter(pl.col("extract").is_in(["cases", "matters"]), ~pl.col("has_arrived"))
    if missing.is_empty():
        page.para("本月每个部门都收到了办件和事项清单数据。")
    else:
        page.para(
            "本月未收到以下部门的数据："
            + "；".join(f"{r['org_name']}（{r['extract_label']}）" for r in missing.iter_rows(named=True))
            + "。"
        )
    per_extract = (
        facts.completeness.group_by("extract_label")
        .agg(pl.col("rows_loaded").sum(), pl.col("rows_quarantined").sum())
        .sort("extract_label")
    )
    page.table(
        ["数据类别", "入库行数", "隔离行数"],
        [
            [r["extract_label"], num(r["rows_loaded"]), num(r["rows_quarantined"])]
            for r in per_extract.iter_rows(named=True)
        ],
        name_cols=(0,),
    )
    unknown = facts.completeness.filter(pl.col("org_level").is_null())
    if unknown.height:
        page.para("无法识别的机构编码（数据已隔离）：" + "、".join(sorted(set(unknown["org_name"]))) + "。")
    if facts.unused_matters.height:
        page.para(
            f"本年尚无办件的事项：{facts.unused_matters['matters'].sum()}项，涉及{facts.unused_matters.height}个部门，已生成各部门《办件情况反馈表》（feedback/ 目录）。"
        )
        page.table(
            ["序号", "部门", "无办件事项数"],
            [
                [str(n), r["org_name"], num(r["matters"])]
                for n, r in enumerate(facts.unused_matters.head(15).iter_rows(named=True), start=1)
            ],
        )

    html = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body>{''.join(page.html)}</body></html>\n"
    )
    return html, "\n".join(page.md).lstrip() + "\n"
