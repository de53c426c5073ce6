"""The facts a month's 情况通报 states, read from the warehouse once by `gather()`: the 全市 figures of
总体情况 (month, year to date, last month), the scores of each group, the shortfalls that cost points,
the units whose data did not arrive, and the data of the charts. The .docx, the HTML page and the
Markdown are all written from one Facts object (through compose.py), so they cannot disagree, and
every fact comes from a published table, so the report agrees with the annexes by construction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb
import polars as pl

from dagster_project.months import add_months
from dagster_project.scoring.engine import printed
from schemas.report_template import ReportTemplate, ReportTemplateError
from schemas.rubric import Rubric

# 全市 is the city departments and the counties; a county's row already holds its departments.
CITY_LEVELS = ("city_dept", "county")
# Rules whose full-marks value is a fixed value the rubric states, which the body can cite.
FIXED_TARGET_RULES = {"linear", "proportional", "piecewise", "tiers", "steps", "capped_count", "deduction"}


@dataclass(frozen=True)
class CityFigure:
    label: str
    unit: str  # empty for a rate
    month: float | None
    year_to_date: float | None
    last_month: float | None

    @property
    def is_rate(self) -> bool:
        return not self.unit


@dataclass(frozen=True)
class Topic:
    label: str
    snapshot: bool
    figures: tuple[CityFigure, ...]


@dataclass
class Facts:
    month: dt.date
    previous: dt.date | None  # last month, when the warehouse holds it
    rubric: Rubric
    template: ReportTemplate
    overview: list[Topic]
    scores: pl.DataFrame  # org_scores of the month
    shortfalls: pl.DataFrame  # item_scores rows that lost points, with category_label, rule, better, cited
    missing: pl.DataFrame  # org_name, extract, extract_label: data that did not arrive
    trend: pl.DataFrame  # month, applied_cases, finished_cases over the year (全市)
    finished: pl.DataFrame  # org_code, org_name, scoring_group, this_month, last_month
    annexes: list[str]  # titles, in order: the rubric's annexes, then the template's
    notes: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.template.number(self.month)

    @property
    def issued_on(self) -> dt.date:
        return self.template.issued_on(self.month)

    @property
    def period(self) -> str:
        """2021年1—6月, or 2021年1月 in January."""
        m = self.month
        return f"{m.year}年{m.month}月" if m.month == 1 else f"{m.year}年1—{m.month}月"

    def words(self, text: str) -> str:
        """A template text with its placeholders filled in."""
        m = self.month
        return text.format(year=m.year, month=m.month, period=self.period, number=self.number)

    def group_label(self, group: str) -> str:
        return self.rubric.groups[group].label


def city_figures(
    con: duckdb.DuckDBPyConnection, template: ReportTemplate, month: dt.date, last: dt.date
) -> list[Topic]:
    """Each figure of the template's 总体情况, summed over the city: a rate is a ratio of the sums."""
    codes = sorted({f.indicator for t in template.overview for f in t.figures})
    sums = con.sql(
        """
        select month, period_window, indicator_code,
               sum(numerator)::double as numerator, sum(denominator)::double as denominator
        from indicators.ind_indicator_values
        where month in ($month, $last) and indicator_code in $codes and org_level in $levels
        group by all
        """,
        params={"month": month, "last": last, "codes": codes, "levels": list(CITY_LEVELS)},
    ).fetchall()
    found = {(m, w, code): (n, d) for m, w, code, n, d in sums}
    known = {code for _, _, code in found}
    for i, topic in enumerate(template.overview):
        for j, figure in enumerate(topic.figures):
            if figure.indicator not in known:
                raise ReportTemplateError(
                    f"report template: overview[{i}].figures[{j}]: the warehouse has no indicator "
                    f"{figure.indicator!r} for {month:%Y-%m}"
                )

    def value(m: dt.date, window: str, code: str, take: str) -> float | None:
        if (m, window, code) not in found:
            return None
        numerator, denominator = found[m, window, code]
        if take == "numerator" or denominator is None:
            return numerator
        if take == "denominator":
            return denominator
        return numerator / denominator if denominator else None

    return [
        Topic(
            topic.label,
            topic.snapshot,
            tuple(
                CityFigure(
                    f.label,
                    f.unit,
                    value(month, "month", f.indicator, f.take),
                    value(month, "ytd", f.indicator, f.take),
                    value(last, "month", f.indicator, f.take),
                )
                for f in topic.figures
            ),
        )
        for topic in template.overview
    ]


def annex_titles(rubric: Rubric, template: ReportTemplate) -> list[str]:
    """The rubric prints 附件N before a title; the 附件说明 numbers them itself."""
    return [re.sub(r"^附件\s*\d+\s*", "", a.title) for a in rubric.annexes.values()] + list(
        template.annexes_after
    )


def gather(con: duckdb.DuckDBPyConnection, rubric: Rubric, template: ReportTemplate, month: dt.date) -> Facts:
    params = {"month": month}
    last = add_months(month, -1)
    has_last = (
        con.execute("select count(*) from scorecard.org_scores where month = ?", [last]).fetchall()[0][0] > 0
    )
    names = "select org_code, org_name, org_level from reference.ref_organisations"
    scores = con.sql(
        f"""select s.*, o.org_level from scorecard.org_scores s join ({names}) o using (org_code, org_name)
            where s.month = $month""",
        params=params,
    ).pl()
    categories = {c.code: c.label for c in rubric.categories}
    rules = {i.code: i.scoring.rule for c in rubric.categories for i in c.items}
    # a deduction's full marks are at zero: any count above it loses
    better = {
        i.code: "lower" if i.scoring.rule == "deduction" else i.scoring.better
        for c in rubric.categories
        for i in c.items
    }
    cited = template.problems.thresholds
    shortfalls = (
        con.sql(
            f"""select i.*, o.org_name from scorecard.item_scores i join ({names}) o using (org_code)
                where i.month = $month and i.points_lost > 1e-9""",
            params=params,
        )
        .pl()
        .with_columns(
            category_label=pl.col("category").replace_strict(categories, default=pl.col("category")),
            rule=pl.col("item").replace_strict(rules, default=None),
            better=pl.col("item").replace_strict(better, default="higher"),
        )
        .with_columns(
            # the value the body names: the template's where it cites another, else the rubric's
            cited=pl.col("item")
            .replace_strict(cited, default=None, return_dtype=pl.Float64)
            .fill_null(pl.when(pl.col("rule").is_in(list(FIXED_TARGET_RULES))).then(pl.col("full_marks_at")))
        )
    )
    missing = con.sql(
        f"""
        select o.org_name, o.org_level, c.extract, c.extract_label
        from completeness.extracts_by_org c join ({names}) o using (org_code)
        where c.month = $month and not c.has_arrived and c.extract in $extracts
          and o.org_level in ('city_dept', 'county_dept')
        order by c.extract, o.org_level, c.org_code
        """,
        params=params | {"extracts": list(template.problems.missing_extracts) or [""]},
    ).pl()
    trend = con.sql(
        """
        select month,
               (sum(numerator) filter (where indicator_code = 'applied_cases'))::bigint as applied_cases,
               (sum(numerator) filter (where indicator_code = 'finished_cases'))::bigint as finished_cases
        from indicators.ind_indicator_values
        where period_window = 'month' and org_level in $levels
          and month between date_trunc('year', $month::date) and $month
        group by all order by month
        """,
        params=params | {"levels": list(CITY_LEVELS)},
    ).pl()
    finished = con.sql(
        """
        select s.scoring_group, s.org_code, s.org_name,
               coalesce(t.finished_cases, 0) as this_month, l.finished_cases as last_month
        from scorecard.org_scores s
        left join indicators.ops_case_flow t on t.org_code = s.org_code and t.month = $month
        left join indicators.ops_case_flow l on l.org_code = s.org_code and l.month = $last
        where s.month = $month
        """,
        params=params | {"last": last},
    ).pl()
    if not has_last:
        finished = finished.with_columns(last_month=pl.lit(None, dtype=pl.Int64))
    notes = [] if has_last else [f"仓库中没有{last.year}年{last.month}月的数据，与上月的比较从缺。"]
    return Facts(
        month=month,
        previous=last if has_last else None,
        rubric=rubric,
        template=template,
        overview=city_figures(con, template, month, last),
        scores=scores,
        shortfalls=shortfalls,
        missing=missing,
        trend=trend,
        finished=finished,
        annexes=annex_titles(rubric, template),
        notes=notes,
    )


# ------------------------------------------------------------------------------------ the selections


def ranked(facts: Facts, group: str) -> pl.DataFrame:
    """The group's organisations by rank; an organisation without a rank (not ranked) is left out."""
    return (
        facts.scores.filter(pl.col("scoring_group") == group, pl.col("group_rank").is_not_null())
        .sort("group_rank", "org_code")
        .select("org_code", "org_name", "total_points", "group_rank")
    )


def unranked(facts: Facts, group: str) -> list[str]:
    return facts.scores.filter(pl.col("scoring_group") == group, pl.col("group_rank").is_null())[
        "org_name"
    ].to_list()


def top_and_bottom(facts: Facts, group: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The first `top` and the last `bottom` of a group, both in rank order (no one named twice)."""
    ranking = facts.template.ranking
    order = ranked(facts, group)
    top = order.head(ranking.top)
    bottom = order.tail(min(ranking.bottom, max(order.height - top.height, 0)))
    return top, bottom


@dataclass(frozen=True)
class Shortfall:
    """One item's organisations that fall short of one value (groups with another target apart)."""

    item: str
    label: str
    better: str
    cited: float | None  # the value the body names; None where the rule has none (relative_to_best)
    rows: pl.DataFrame  # org_name, value, points_lost, status: the costliest, as many as are named
    count: int  # every organisation short of it that lost at least the template's minimum


@dataclass(frozen=True)
class ProblemTopic:
    label: str
    points_lost: float
    shortfalls: tuple[Shortfall, ...]


def problems(facts: Facts) -> list[ProblemTopic]:
    """存在的问题: the categories that lost the most points, in each the items that lost the most,
    in each the organisations that lost the most, as many as the template names; shortfalls costing
    less than its `min_points_lost` are left to the ledger."""
    rules = facts.template.problems
    rows = facts.shortfalls.filter(pl.col("points_lost") >= rules.min_points_lost - 1e-9)
    # a value the body cites below the rubric's full marks: only those below it are named
    rows = rows.filter(
        pl.col("value").is_null()
        | pl.col("cited").is_null()
        | pl.when(pl.col("better") == "lower")
        .then(pl.col("value") > pl.col("cited") + 1e-12)
        .otherwise(pl.col("value") < pl.col("cited") - 1e-12)
    )
    topics = (
        rows.group_by("category", "category_label")
        .agg(pl.col("points_lost").sum())
        .sort("points_lost", "category", descending=[True, False])
        .head(rules.topics)
    )
    selected = []
    for topic in topics.iter_rows(named=True):
        mine = rows.filter(pl.col("category") == topic["category"])
        items = (
            mine.group_by("item")
            .agg(pl.col("points_lost").sum())
            .sort("points_lost", "item", descending=[True, False])
            .head(rules.items_per_topic)
        )
        shortfalls = []
        for item in items["item"]:
            lost = mine.filter(pl.col("item") == item)
            for (cited,), part in sorted(
                lost.group_by("cited"), key=lambda g: (-g[1]["points_lost"].sum(), g[0][0] or 0)
            ):
                part = part.sort("points_lost", "org_code", descending=[True, False])
                shortfalls.append(
                    Shortfall(
                        item=item,
                        label=part["item_label"][0],
                        better=part["better"][0],
                        cited=cited,
                        rows=part.head(rules.organisations_per_item).select(
                            "org_name", "value", "points_lost", "status"
                        ),
                        count=part.height,
                    )
                )
        selected.append(ProblemTopic(topic["category_label"], topic["points_lost"], tuple(shortfalls)))
    return selected


# ------------------------------------------------------------------------------------ printed values


def pct(x: float | None) -> str:
    return "—" if x is None else f"{printed(x * 100):.2f}%"


def num(x: float | None) -> str:
    """A count as a 公文 prints it (no thousands separator), a ratio with two decimals."""
    if x is None:
        return "—"
    return f"{int(x)}" if float(x).is_integer() else f"{printed(x):.2f}"
