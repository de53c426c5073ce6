"""The weekly bulletin (周通报) of the daily monitoring: the facts of one week (Monday..Sunday, named
by its Monday) read from the warning ledgers, and the short 公文 composed from them with the words of
the profile's `bulletin:` block (report.yaml). The .docx and HTML are laid out by the monthly report's
renderers (docx.py, render.py), so the bulletin has the same 版头, 期号, 主送, 成文日期 and 版记.

Counts follow docs/monitoring.md ("A weekly bulletin counts"): cases rather than warnings
(count(distinct case_id)); new = first seen in the week; closed = closed in the week; open at the
week's end = first seen by its Sunday and not closed by then. 差评: open = not rectified by the
Sunday, overdue = open and overdue since a day of the week or before, not revisited = 回访 not done as
last seen by the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from dagster_project.months import add_months
from dagster_project.report.compose import NUMERALS, Notice, Paragraph, Section, Table
from dagster_project.report.facts import num, pct
from schemas.report_template import Bulletin, Figure, ReportTemplate


class WeekError(ValueError):
    """A week that cannot be reported; one line saying why."""


def parse_week(text: str) -> dt.date:
    try:
        monday = dt.date.fromisoformat(text)
    except ValueError:
        raise WeekError(f"week {text!r}: name it by its Monday as YYYY-MM-DD, e.g. 2021-06-14") from None
    if monday.weekday() != 0:
        start = monday - dt.timedelta(days=monday.weekday())
        raise WeekError(f"week {text!r}: {monday} is a {monday:%A}; a week is named by its Monday ({start})")
    return monday


def monitored_in_week(con: duckdb.DuckDBPyConnection, monday: dt.date) -> list[dt.date]:
    from dagster_project.defs.resources import table_exists

    if not table_exists(con, "monitoring", "monitored_days"):
        return []
    return [
        r[0]
        for r in con.execute(
            "select as_of_date from monitoring.monitored_days where as_of_date between $a and $b order by 1",
            {"a": monday, "b": monday + dt.timedelta(days=6)},
        ).fetchall()
    ]


def require_monitored(con: duckdb.DuckDBPyConnection, monday: dt.date) -> list[dt.date]:
    days = monitored_in_week(con, monday)
    if not days:
        raise WeekError(
            f"week of {monday} ({monday}..{monday + dt.timedelta(days=6)}): no as-of day of it was "
            "monitored; run `ywtb monitor --as-of <day>` for its days first"
        )
    return days


@dataclass(frozen=True)
class MonthToDate:
    figure: Figure
    this: float | None
    last: float | None  # None: no as-of extract at the same point of last month (or nothing to divide)


@dataclass
class WeekFacts:
    monday: dt.date
    days: list[dt.date]  # the monitored as-of days of the week
    template: ReportTemplate
    cases: pl.DataFrame  # per department: org_name and the case counts (CASE_COUNTS)
    ratings: pl.DataFrame  # per department: org_name and the 差评 counts (RATING_COUNTS)
    as_of: dt.date  # the week's latest as-of day, of which the month-to-date figures are
    previous_as_of: dt.date | None  # the same point of last month, when it was delivered
    month_to_date: list[MonthToDate]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def bulletin(self) -> Bulletin:
        return self.template.bulletin

    @property
    def number(self) -> int:
        return self.bulletin.number(self.monday)

    @property
    def issued_on(self) -> dt.date:
        return self.sunday + dt.timedelta(days=self.bulletin.issued_days_after_week)

    def words(self, text: str) -> str:
        return text.format(
            year=self.monday.year,
            number=self.number,
            week=f"{md(self.monday)}至{md(self.sunday)}",
            days=days_text(self.days),
        )


def md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def days_text(days: list[dt.date]) -> str:
    """6月15日、16日、17日: the month is named once per month."""
    parts, month = [], None
    for d in days:
        parts.append(f"{d.day}日" if d.month == month else md(d))
        month = d.month
    return "、".join(parts)


# (column, printed header) of the two tables, in order.
CASE_COUNTS = (
    ("new_cases", "本周新增预警办件"),
    ("became_late", "其中转为超期"),
    ("open_cases", "周末仍在办预警办件"),
    ("open_late", "其中已超期"),
    ("closed_cases", "本周办结销号"),
)
RATING_COUNTS = (
    ("new_ratings", "本周新增差评"),
    ("not_rectified", "未整改差评"),
    ("overdue", "其中逾期未整改"),
    ("not_revisited", "未回访差评"),
)

CASES_SQL = """
select dept_code,
    count(distinct case_id) filter (where first_seen_on between $monday and $sunday) as new_cases,
    count(distinct case_id) filter (where level = 'red' and first_seen_on between $monday and $sunday)
        as became_late,
    count(distinct case_id) filter (where closed_on is null or closed_on > $sunday) as open_cases,
    count(distinct case_id) filter (where level = 'red' and (closed_on is null or closed_on > $sunday))
        as open_late,
    count(distinct case_id) filter (where closed_on between $monday and $sunday) as closed_cases
from monitoring.case_warnings
where first_seen_on <= $sunday
group by dept_code
"""

RATINGS_SQL = """
select dept_code,
    count(*) filter (where first_seen_on between $monday and $sunday) as new_ratings,
    count(*) filter (where closed_on is null or closed_on > $sunday) as not_rectified,
    count(*) filter (where (closed_on is null or closed_on > $sunday) and overdue_since <= $sunday)
        as overdue,
    count(*) filter (where not coalesce(is_revisited, false)) as not_revisited
from monitoring.rating_warnings
where first_seen_on <= $sunday
group by dept_code
"""


def per_department(con: duckdb.DuckDBPyConnection, sql: str, monday: dt.date, columns) -> pl.DataFrame:
    """The counts per department with its name, in the office's order (city departments, then each
    county's), departments with nothing to report left out."""
    names = [c for c, _ in columns]
    frame = con.sql(
        f"""
        select coalesce(o.org_name, c.dept_code) as org_name, c.*
        from ({sql}) as c
        left join reference.ref_organisations as o on o.org_code = c.dept_code
        where {" or ".join(f"c.{n} > 0" for n in names)}
        order by o.org_level != 'city_dept', o.region_code, c.dept_code
        """,
        params={"monday": monday, "sunday": monday + dt.timedelta(days=6)},
    ).pl()
    return frame.select("dept_code", "org_name", *names)


def same_point_last_month(day: dt.date) -> dt.date:
    """The as-of day a month before; the 31st of a shorter month is its last day."""
    first = add_months(day.replace(day=1), -1)
    return min(first + dt.timedelta(days=day.day - 1), day.replace(day=1) - dt.timedelta(days=1))


def delivered_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> bool:
    return (
        con.execute("select count(*) from daily.cases where as_of_date = $d", {"d": day}).fetchall()[0][0] > 0
    )


def value(pair: tuple[float | None, float | None] | None, take: str) -> float | None:
    """A figure from its summed (numerator, denominator), as the monthly report takes it."""
    if pair is None:
        return None
    numerator, denominator = pair
    if take == "numerator" or denominator is None:
        return numerator
    if take == "denominator":
        return denominator
    return numerator / denominator if denominator else None


def gather_week(con: duckdb.DuckDBPyConnection, template: ReportTemplate, monday: dt.date, month_to_date):
    """`month_to_date(days, codes, levels)` computes the figures of as-of days (month_to_date.py); it
    is given, not called here, so that the scratch build runs with no connection open."""
    days = require_monitored(con, monday)
    as_of = days[-1]
    previous = same_point_last_month(as_of)
    has_previous = delivered_as_of(con, previous)
    figures = template.bulletin.figures
    cases = per_department(con, CASES_SQL, monday, CASE_COUNTS)
    ratings = per_department(con, RATINGS_SQL, monday, RATING_COUNTS)
    return (
        WeekFacts(
            monday=monday,
            days=days,
            template=template,
            cases=cases,
            ratings=ratings,
            as_of=as_of,
            previous_as_of=previous if has_previous else None,
            month_to_date=[],
        ),
        [as_of, *([previous] if has_previous else [])],
        sorted({f.indicator for f in figures}),
    )


def with_month_to_date(facts: WeekFacts, computed: dict) -> WeekFacts:
    this = computed.get(facts.as_of, {})
    last = computed.get(facts.previous_as_of, {}) if facts.previous_as_of else {}
    facts.month_to_date = [
        MonthToDate(
            f,
            value(this.get(f.indicator), f.take),
            value(last.get(f.indicator), f.take) if facts.previous_as_of else None,
        )
        for f in facts.bulletin.figures
    ]
    return facts


# ------------------------------------------------------------------------------------ the text


def amount(figure: Figure, x: float | None) -> str:
    return pct(x) if not figure.unit else f"{num(x)}{figure.unit}"


def change(row: MonthToDate) -> str:
    if row.this is None or row.last is None:
        return "—"
    if not row.figure.unit:
        points = (row.this - row.last) * 100
        return (
            "持平" if abs(points) < 0.005 else f"{'提高' if points > 0 else '下降'}{abs(points):.2f}个百分点"
        )
    if row.this == row.last:
        return "持平"
    if row.last == 0:
        return "上月同期为0"
    ratio = (row.this - row.last) / row.last * 100
    return f"{'增长' if ratio > 0 else '下降'}{abs(ratio):.1f}%"


def most(frame: pl.DataFrame, column: str, unit: str, n: int = 3) -> str:
    """The n departments with the most, by name: 大竹县行政审批局（3件）."""
    top = frame.filter(pl.col(column) > 0).sort(column, "dept_code", descending=[True, False]).head(n)
    return "、".join(f"{r['org_name']}（{r[column]}{unit}）" for r in top.iter_rows(named=True))


def total(frame: pl.DataFrame, column: str) -> int:
    return int(frame[column].sum()) if frame.height else 0


# widths in mm, summing to the 156 mm text width
NAME_WIDTH = 62.0  # the longest names (达州高新区人力资源和社会保障局) on one line


def count_table(caption: str, frame: pl.DataFrame, columns) -> Table:
    width = (156 - NAME_WIDTH) / len(columns)
    rows = [tuple([r["org_name"], *(str(r[c]) for c, _ in columns)]) for r in frame.iter_rows(named=True)]
    rows.append(tuple(["合计", *(str(total(frame, c)) for c, _ in columns)]))
    return Table(
        caption=caption,
        header=("单位", *(h for _, h in columns)),
        rows=tuple(rows),
        widths=(NAME_WIDTH, *([width] * len(columns))),
    )


def compose_bulletin(facts: WeekFacts) -> Notice:
    b, report = facts.bulletin, facts.template
    c, r = facts.cases, facts.ratings
    end = md(facts.days[-1] - dt.timedelta(days=1))
    sections = []

    overview = Section(f"{NUMERALS[0]}、总体情况")
    overview.blocks.append(
        Paragraph(
            f"本周共监测{len(facts.days)}日（{days_text(facts.days)}零时数据）。全市新增预警办件"
            f"{total(c, 'new_cases')}件，其中转为超期{total(c, 'became_late')}件，本周办结销号"
            f"{total(c, 'closed_cases')}件；截至周末仍在办的预警办件{total(c, 'open_cases')}件，其中已超期"
            f"{total(c, 'open_late')}件。本周新增差评{total(r, 'new_ratings')}条；未整改差评"
            f"{total(r, 'not_rectified')}条，其中逾期未整改{total(r, 'overdue')}条；未回访差评"
            f"{total(r, 'not_revisited')}条。"
        )
    )
    sections.append(overview)

    cases = Section(f"{NUMERALS[1]}、办件预警情况")
    late = total(c, "became_late")
    text = (
        f"本周转为超期的办件{late}件，涉及{c.filter(pl.col('became_late') > 0).height}个单位，"
        f"较多的是{most(c, 'became_late', '件')}。"
        if late
        else "本周没有转为超期的办件。"
    )
    if total(c, "open_cases"):
        text += f"周末仍在办的预警办件较多的是{most(c, 'open_cases', '件')}。"
    cases.blocks.append(Paragraph(text))
    if c.height:
        cases.blocks.append(count_table("表1  各单位办件预警情况（件）", c, CASE_COUNTS))
    sections.append(cases)

    ratings = Section(f"{NUMERALS[2]}、差评整改和回访情况")
    open_ratings = total(r, "not_rectified")
    text = (
        f"截至周末，未整改差评{open_ratings}条，涉及{r.filter(pl.col('not_rectified') > 0).height}个单位，"
        f"较多的是{most(r, 'not_rectified', '条')}；其中逾期未整改{total(r, 'overdue')}条。"
        if open_ratings
        else "截至周末，所有差评均已整改。"
    )
    text += (
        f"未回访差评{total(r, 'not_revisited')}条。" if total(r, "not_revisited") else "所有差评均已回访。"
    )
    ratings.blocks.append(Paragraph(text))
    if r.height:
        ratings.blocks.append(count_table("表2  各单位差评整改和回访情况（条）", r, RATING_COUNTS))
    sections.append(ratings)

    figures = Section(f"{NUMERALS[3]}、本月累计主要指标")
    month = facts.as_of - dt.timedelta(days=1)
    said = "，".join(f"{m.figure.label}{amount(m.figure, m.this)}" for m in facts.month_to_date)
    text = f"{month.month}月1日至{month.day}日，全市{said}。"
    if facts.previous_as_of is None:
        text += "上月同期无数据。"
    else:
        last = facts.previous_as_of - dt.timedelta(days=1)
        text += f"上月同期为{last.month}月1日至{last.day}日。"
    figures.blocks.append(Paragraph(text))
    figures.blocks.append(
        Table(
            caption=f"表3  本月累计主要指标（截至{md(month)}）",
            header=("指标", "本月累计", "上月同期", "变化"),
            rows=tuple(
                (
                    m.figure.label,
                    amount(m.figure, m.this),
                    "无数据" if facts.previous_as_of is None else amount(m.figure, m.last),
                    change(m),
                )
                for m in facts.month_to_date
            ),
            widths=(48.0, 32.0, 32.0, 44.0),
        )
    )
    sections.append(figures)

    if b.requirements:
        asks = Section(f"{NUMERALS[4]}、工作要求")
        for n, req in enumerate(b.requirements):
            asks.blocks.append(Paragraph(req.text, lead=f"（{NUMERALS[n]}）{req.lead}"))
        sections.append(asks)

    issuer = report.issuer
    return Notice(
        issuer=issuer,
        masthead=b.masthead or report.masthead or issuer,
        number=facts.words(b.issue_number.format),
        title=facts.words(b.title),
        addressees=b.addressees,
        opening=facts.words(b.opening),
        sections=sections,
        annexes=[],
        signature=report.signature or issuer,
        issued_on=facts.issued_on,
        copied_to=b.copied_to,
        printed_by=report.printed_by,
        notes=[f"本通报数据截至{end}24时，取自日监测预警台账。"],
    )
