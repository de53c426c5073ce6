"""The facts a month's 情况通报 states, read from the warehouse: headline figures against last month,
the scores of each group, who is below each threshold the rubric states, the problem ledger, charts'
data and data completeness. Every fact comes from a published table (scorecard, marts, completeness),
so the report agrees with the annexes by construction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from dagster_project.months import add_months
from dagster_project.scoring.engine import printed
from schemas.rubric import Rubric

# The headline counts, summed over city departments and counties (a county holds its departments).
HEADLINE = {
    "applied_cases": "申请件",
    "accepted_cases": "受理件",
    "finished_cases": "办结件",
    "active_evaluations": "主动评价数",
}
# Rules whose full-marks value is a threshold the rubric states (not the group's best, not a count).
THRESHOLD_RULES = {"linear", "proportional", "piecewise", "tiers", "steps"}


@dataclass
class Facts:
    month: dt.date
    previous: dt.date | None
    rubric: Rubric
    headline: pl.DataFrame  # measure, label, this_month, last_month
    scores: pl.DataFrame  # org_scores of the month, with org_name and group label
    items: pl.DataFrame  # item_scores of the month with org_name and category label
    thresholds: pl.DataFrame  # item, label, threshold, org_name, value (below the threshold)
    ops: pl.DataFrame  # this month's and last month's case flow per organisation
    trend: pl.DataFrame  # month, applied_cases, finished_cases, active_evaluation_rate (city-wide)
    completeness: pl.DataFrame  # org_name, extract_label, rows_loaded, rows_quarantined, has_arrived
    unused_matters: pl.DataFrame  # org_name, matters without a case this year
    notes: list[str] = field(default_factory=list)

    def group_label(self, group: str) -> str:
        return self.rubric.groups[group].label


def gather(con: duckdb.DuckDBPyConnection, rubric: Rubric, month: dt.date) -> Facts:
    params = {"month": month}
    last = add_months(month, -1)
    has_last = (
        con.execute("select count(*) from marts.ops_case_flow where month = ?", [last]).fetchall()[0][0] > 0
    )
    names = "select org_code, org_name, org_level from reference.ref_organisations"

    ops = con.sql(
        f"""
        select o.org_name, o.org_level, f.org_code, f.month, f.applied_cases, f.accepted_cases, f.finished_cases,
               f.active_evaluations
        from marts.ops_case_flow f join ({names}) o using (org_code)
        where f.month in ($month, $last) and o.org_level in ('city_dept', 'county')
        """,
        params=params | {"last": last},
    ).pl()
    headline = pl.DataFrame(
        [
            {
                "measure": measure,
                "label": label,
                "this_month": ops.filter(pl.col("month") == month)[measure].sum(),
                "last_month": ops.filter(pl.col("month") == last)[measure].sum() if has_last else None,
            }
            for measure, label in HEADLINE.items()
        ]
    )
    scores = con.sql(
        f"select s.*, o.org_level from scorecard.org_scores s join ({names}) o using (org_code, org_name) where s.month = $month",
        params=params,
    ).pl()
    categories = {c.code: c.label for c in rubric.categories}
    rules = {i.code: i.scoring.rule for c in rubric.categories for i in c.items}
    items = (
        con.sql(
            f"select i.*, o.org_name from scorecard.item_scores i join ({names}) o using (org_code) where i.month = $month",
            params=params,
        )
        .pl()
        .with_columns(
            category_label=pl.col("category").replace_strict(categories, default=pl.col("category")),
            rule=pl.col("item").replace_strict(rules, default=None),
        )
    )
    thresholds = (
        items.filter(
            pl.col("rule").is_in(list(THRESHOLD_RULES)),
            pl.col("status") == "scored",
            pl.col("full_marks_at").is_not_null(),
            pl.col("value") < pl.col("full_marks_at") - 1e-12,
        )
        .select("scoring_group", "item", "item_label", "full_marks_at", "org_name", "value", "points_lost")
        .sort("item", "scoring_group", "value")
    )
    trend = con.sql(
        """
        select v.month,
               (sum(v.numerator) filter (where v.indicator_code = 'applied_cases'))::bigint as applied_cases,
               (sum(v.numerator) filter (where v.indicator_code = 'finished_cases'))::bigint as finished_cases,
               (sum(v.numerator) filter (where v.indicator_code = 'active_evaluations')
                 / nullif(sum(v.numerator) filter (where v.indicator_code = 'finished_cases'), 0))::double
                 as active_evaluation_rate
        from marts.ind_indicator_values v
        where v.period_window = 'month' and v.org_level in ('city_dept', 'county')
          and v.month between date_trunc('year', $month::date) and $month
        group by all order by v.month
        """,
        params=params,
    ).pl()
    completeness = con.sql(
        f"""
        select coalesce(o.org_name, c.org_code) as org_name, o.org_level, c.extract, c.extract_label,
               c.rows_loaded, c.rows_quarantined, c.has_arrived
        from completeness.extracts_by_org c left join ({names}) o using (org_code)
        where c.month = $month
        """,
        params=params,
    ).pl()
    unused = con.sql(
        f"""
        select o.org_name, count(*) as matters
        from completeness.matters_without_cases m join ({names}) o on o.org_code = m.dept_code
        where m.month = $month group by all order by matters desc, o.org_name
        """,
        params=params,
    ).pl()
    notes = [] if has_last else [f"仓库中没有{last:%Y年%-m月}的数据，环比从缺。"]
    return Facts(
        month,
        last if has_last else None,
        rubric,
        headline,
        scores,
        items,
        thresholds,
        ops,
        trend,
        completeness,
        unused,
        notes,
    )


def pct(x: float | None) -> str:
    return "—" if x is None else f"{printed(x * 100):.2f}%"


def num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{int(x):,}" if float(x).is_integer() else f"{printed(x):.2f}"


def change(this: float | None, last: float | None) -> str:
    if this is None or last is None:
        return "—"
    if last == 0:
        return "新增" if this else "持平"
    return f"{'+' if this >= last else ''}{(this - last) / last * 100:.1f}%"


def top_and_bottom(facts: Facts, group: str, n: int = 2) -> tuple[pl.DataFrame, pl.DataFrame]:
    ranked = facts.scores.filter(pl.col("scoring_group") == group).sort(
        "total_points", "org_code", descending=[True, False]
    )
    return ranked.head(n), ranked.tail(n).reverse()
