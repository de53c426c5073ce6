"""The scored tables of a month, from the warehouse, with the rubric in settings (YWTB_RUBRIC):

scorecard.item_scores   every item of every organisation: value, points, and the reason for a loss
scorecard.org_scores    category subtotals, deductions, total and rank per organisation and group
scorecard.annex1..8     the annexes the rubric publishes, in printed order (English column names,
                        the printed header as each column's comment)
scorecard.rectification_ledger
                        the 问题整改台账: one row per organisation and item that lost points, carried
                        from last month's ledger (new, open, or closed the month it was fixed)

and the files people read: out/<YYYY-MM>/annex1.csv … and annexes.xlsx. The figures are year to
date, as the report prints them; a month's scores depend only on that month's marts and on which extracts each organisation
delivered (completeness.extracts_by_org): no data is scored by the rubric's no-data policy, not as
a '—'. The ledger of a month also reads last month's ledger, so a rerun of a month gives the same.
"""

import calendar
import datetime as dt
from itertools import groupby
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from dagster_project import settings
from dagster_project.defs.partitions import monthly_asset, monthly_multi_asset, partition_month
from dagster_project.defs.publish.comments import descriptions, scorecard_contracts
from dagster_project.defs.publish.computed_tables import replace_table_month
from dagster_project.defs.publish.exports import Column, Sheet, header_levels, write_csv, write_workbook
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.months import add_months
from dagster_project.scoring import month_scores
from dagster_project.scoring.engine import NO_DATA_TEXT
from dagster_project.scoring.ledger import STATUS_LABELS, ledger, shown
from dagster_project.scoring.printed_annexes import max_points
from schemas.marts import scorecard as contracts
from schemas.rubric import Annex, AnnexColumn, Category, Item, Rubric, load_rubric, resolve

SCHEMA = "scorecard"
UPSTREAM = [
    dg.AssetKey(["indicators", "ind_indicator_values"]),
    dg.AssetKey(["marts", "fct_assessed_inputs"]),
    dg.AssetKey(["reference", "ref_organisations"]),
    dg.AssetKey(["completeness", "extracts_by_org"]),
]
LEDGER = "rectification_ledger"


def annex_tables(rubric: Rubric) -> list[str]:
    return list(rubric.annexes)


# The asset graph shows the annexes of the profile's rubric (the definitions are loaded for one
# profile); a rubric configured instead must publish the same annexes (its rules and layouts may differ).
PUBLISHED_ANNEXES = annex_tables(load_rubric(settings.rubric())) if settings.rubric() else []


def unscored() -> str | None:
    """Why this profile's months are not scored (no points rubric), or None if they are: its
    scorecard, annexes, ledger, forms and 通报 are then not made; its targets still are checked."""
    if settings.rubric() is None:
        return (
            f"profile {settings.profile()} has no scoring rubric (profile.yaml rubric: null): nothing scored"
        )
    return None


def configured_rubric() -> Rubric:
    rubric = load_rubric(settings.rubric())
    if annex_tables(rubric) != PUBLISHED_ANNEXES:
        raise ValueError(
            f"rubric {rubric.rubric} publishes {annex_tables(rubric) or 'no annexes'}; "
            f"the pipeline publishes {PUBLISHED_ANNEXES} (set YWTB_RUBRIC to a rubric with those annexes)"
        )
    return rubric


def read_month(con: duckdb.DuckDBPyConnection, month: dt.date) -> tuple[pl.DataFrame, ...]:
    params = {"month": month}
    organisations = con.sql("select * from reference.ref_organisations").pl()
    indicators = con.sql(
        "select org_code, period_window, indicator_code, value from indicators.ind_indicator_values where month = $month",
        params=params,
    ).pl()
    assessed = con.sql(
        "select org_code, indicator_code, value from marts.fct_assessed_inputs where month = $month",
        params=params,
    ).pl()
    return organisations, indicators, assessed, read_deliveries(con, month)


def read_deliveries(con: duckdb.DuckDBPyConnection, month: dt.date) -> pl.DataFrame | None:
    """Per organisation and extract: whether rows of it were loaded in the month, and in the year to
    date. A county's rows include its departments' (cases name the department). None when the
    completeness table was never built."""
    if not _exists(con, "completeness", "extracts_by_org"):
        return None
    return con.sql(
        """
        with owners as (
            select org_code as owner, org_code from reference.ref_organisations
            union all
            select c.org_code, d.org_code from reference.ref_organisations c
            join reference.ref_organisations d on d.region_code = c.org_code and d.org_level in ('county_dept', 'street')
            where c.org_level = 'county'
        )
        select w.owner as org_code, e.extract,
               bool_or(e.rows_loaded > 0 and e.month = $month) as in_month,
               bool_or(e.rows_loaded > 0) as in_year
        from completeness.extracts_by_org e join owners w using (org_code)
        where e.month between date_trunc('year', $month::date) and $month
        group by all
        """,
        params={"month": month},
    ).pl()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
        > 0
    )


def previous_ledger(con: duckdb.DuckDBPyConnection, rubric: Rubric, month: dt.date) -> pl.DataFrame | None:
    if not _exists(con, SCHEMA, LEDGER):
        return None
    return con.sql(
        f"select * from {SCHEMA}.{LEDGER} where month = $month and rubric = $rubric",
        params={"month": add_months(month, -1), "rubric": rubric.rubric},
    ).pl()


def read_printed_names(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """table -> org_code -> the name that table prints: the profile's aliases with `printed_in`."""
    names: dict[str, dict[str, str]] = {}
    for table, code, alias in con.execute(
        """select unnest(string_split(trim(printed_in), ' ')), org_code, alias_name
           from reference.ref_org_aliases where nullif(trim(printed_in), '') is not null"""
    ).fetchall():
        names.setdefault(table, {})[code] = alias
    return names


def printed_as(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """The annex with the names its printed table spells otherwise (the order stays the ranking)."""
    if not names:
        return frame
    return frame.with_columns(org_name=pl.col("org_code").replace_strict(names, default=pl.col("org_name")))


def build_month(
    rubric: Rubric,
    month: dt.date,
    frames: tuple,
    previous: pl.DataFrame | None = None,
    printed_names: dict[str, dict[str, str]] | None = None,
) -> dict[str, pl.DataFrame]:
    """Every scorecard table of the month, validated against its contract; `previous`: last month's
    ledger; `printed_names`: the names each annex prints otherwise than the reference."""
    inputs = month_scores.gather_inputs(rubric, *frames)
    cards = month_scores.score_month(rubric, inputs)
    items = contracts.item_scores.validate(month_scores.item_scores_frame(month, rubric, cards))
    tables = {
        "item_scores": items,
        LEDGER: contracts.rectification_ledger.validate(ledger(month, rubric, items, previous)),
        "org_scores": contracts.org_scores(rubric).validate(
            month_scores.org_scores_frame(month, rubric, inputs, cards)
        ),
    }
    for name, annex in rubric.annexes.items():
        schema = contracts.annex(rubric, name, annex, month_scores.field_name, max_points)
        frame = month_scores.annex_frame(month, rubric, name, inputs, cards)
        tables[name] = schema.validate(printed_as(frame, (printed_names or {}).get(name, {})))
    return tables


def comments(rubric: Rubric, table: str) -> dict[str, str]:
    """Each column's Chinese description, from the table's contract (the one place it is written)."""
    return descriptions(scorecard_contracts(rubric)[table])


@monthly_multi_asset(
    [[SCHEMA, name] for name in ("item_scores", "org_scores", LEDGER, *PUBLISHED_ANNEXES)],
    deps=UPSTREAM,
    kinds={"duckdb", "pandera"},
)
def scorecard_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Scores every organisation with the rubric and lays out the annexes, validated by their contracts."""
    if reason := unscored():
        context.log.info(reason)
        for key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=key, metadata={"skipped": reason})
        return
    rubric = configured_rubric()
    counts: dict[str, int] = {}
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            month = partition_month(key)
            tables = build_month(
                rubric,
                month,
                read_month(con, month),
                previous_ledger(con, rubric, month),
                read_printed_names(con),
            )
            con.execute("begin")
            for name, frame in tables.items():
                replace_table_month(con, f"{SCHEMA}.{name}", frame, month, comments(rubric, name))
                counts[name] = counts.get(name, 0) + frame.height
            con.execute("commit")
            context.log.info(f"scorecard {key}: {', '.join(f'{n} {f.height}' for n, f in tables.items())}")
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=[SCHEMA, name], metadata={"rows": rows, "rubric": rubric.rubric})


# ------------------------------------------------------------------------------------------ ledger

LEDGER_FILE = "问题整改台账.xlsx"
LEDGER_COLUMNS = [
    Column("序号", "rank"),
    Column("组别", "text"),
    Column("单位", "text"),
    Column("指标", "text"),
    Column("当前值", "text"),
    Column("满分要求", "text"),
    Column("失分", "decimal"),
    Column("首次出现", "text"),
    Column("状态", "text"),
    Column("责任单位", "text"),
    Column("整改时限", "text"),
    Column("整改情况", "text"),
]


def read_ledger(con: duckdb.DuckDBPyConnection, rubric: Rubric, month: dt.date) -> pl.DataFrame:
    """The month's ledger in its order, with the organisations' names."""
    return con.sql(
        f"""select l.*, o.org_name from {SCHEMA}.{LEDGER} l
            join reference.ref_organisations o using (org_code)
            where l.month = $month and l.rubric = $rubric order by l.line""",
        params={"month": month, "rubric": rubric.rubric},
    ).pl()


def ledger_cells(rubric: Rubric, row: dict) -> dict[str, object]:
    """One ledger row as printed; 责任单位 and 整改情况 are left for the office to fill."""
    return {
        "组别": rubric.groups[row["scoring_group"]].label,
        "单位": row["org_name"],
        "指标": row["item_label"],
        "当前值": shown(rubric, row["item"], row["value"], row["item_status"]),
        "满分要求": shown(rubric, row["item"], row["full_marks_at"]),
        "失分": row["points_lost"],
        "首次出现": f"{row['first_month']:%Y-%m}",
        "状态": STATUS_LABELS[row["status"]],
        "责任单位": "",
        "整改时限": "" if row["rectify_by"] is None else f"{row['rectify_by']:%Y-%m-%d}",
        "整改情况": "",
    }


def ledger_sheet(rubric: Rubric, month: dt.date, frame: pl.DataFrame) -> Sheet:
    rows = [
        (n, *ledger_cells(rubric, row).values()) for n, row in enumerate(frame.iter_rows(named=True), start=1)
    ]
    return Sheet(
        name="问题整改台账",
        title=f"一网通办问题整改台账（{month.year}年{month.month}月）",
        columns=LEDGER_COLUMNS,
        rows=rows,
    )


def write_ledger(con: duckdb.DuckDBPyConnection, rubric: Rubric, month: dt.date, folder: Path) -> Path:
    path = folder / LEDGER_FILE
    sheet = ledger_sheet(rubric, month, read_ledger(con, rubric, month))
    write_workbook(path, [sheet], created=dt.datetime.combine(month, dt.time()))
    return path


# --------------------------------------------------------------------------------------------- files


def column_kind(rubric: Rubric, column: AnnexColumn) -> str:
    if column.field:
        return "rank" if column.field == "rank" else "text"
    if column.score:
        return "decimal"
    unit = rubric.inputs[column.input].unit
    if column.header.endswith("_pct"):
        return "pct"
    return "count" if unit == "count" and column.scale == 1 else "decimal"


def year_to_date(month: dt.date) -> str:
    """The period of the annexes' figures: 2021年1月1日至6月30日 for June."""
    return f"{month.year}年1月1日至{month.month}月{calendar.monthrange(month.year, month.month)[1]}日"


def scored_in(rubric: Rubric, column: AnnexColumn) -> tuple[Category | None, Item | None]:
    """The category and item that score a column (in any group); the item is None for a category
    subtotal, and both are None for 序号, the name, the total and counts no item reads."""
    codes = set(column.score)
    for category in rubric.categories:
        items = {i.code: i for i in category.items}
        if codes == {category.code}:
            return category, None
        if codes and codes <= items.keys():
            return category, items[codes.pop()] if len(codes) == 1 else None
        if column.input and (item := next((i for i in category.items if column.input in i.inputs), None)):
            return category, item
    return None, None


def points_label(entry: Category | Item, groups: tuple[str, ...]) -> str:
    """'事项梳理（32分）' with the points of the annex's groups ('事项梳理' when they differ)."""
    points = {resolve(entry.max, g) for g in groups}
    return f"{entry.label}（{points.pop():g}分）" if len(points) == 1 else entry.label


def column_groups(rubric: Rubric, annex: Annex) -> tuple[tuple[str, int], ...]:
    """The row above the headers that says what the columns are scored under, as (label, span).

    Columns are grouped under the rubric's categories ('事项梳理（32分）'); a table within one category
    (附件5: 数据共享) under its items, which shows that two counts make one item. A count no item reads
    (依申请事项数, 主动评价数) sits with the column after it, the rate it explains; 序号, the name and
    the total stand alone. A table with a two-level header of its own (附件4/6: 办事指南异常数 over its
    classes) already shows its items, and one whose groups are all single columns needs no row.
    """
    placed = [scored_in(rubric, c) for c in annex.columns]
    by_item = len({category.code for category, _ in placed if category}) == 1
    labels: list[str] = []
    for category, item in placed:
        entry = item if by_item else category
        labels.append(points_label(entry, annex.groups) if entry else "")
    for i in reversed(range(len(labels) - 1)):
        if not labels[i] and annex.columns[i].input:
            labels[i] = labels[i + 1]
    spans = [(label, len(list(run))) for label, run in groupby(labels)]
    two_levels = any(header_levels(c.header)[1] for c in annex.columns)
    if two_levels or all(span == 1 for label, span in spans if label):
        return ()
    return tuple(spans)


def annex_sheet(rubric: Rubric, name: str, annex: Annex, frame: pl.DataFrame, month: dt.date) -> Sheet:
    fields = [month_scores.field_name(c) for c in annex.columns]
    return Sheet(
        name=name.replace("annex", "附件"),
        title=f"{annex.title}（{year_to_date(month)}）",
        columns=[Column(c.header, column_kind(rubric, c), c.scale) for c in annex.columns],
        rows=annex_values(frame.sort("rank", nulls_last=True), fields),
        groups=column_groups(rubric, annex),
        notes=annex.notes,
    )


def annex_values(frame: pl.DataFrame, fields: list[str]) -> list[tuple]:
    """The annex's cells in printed order: 未报送 where the organisation delivered no data."""
    rows = []
    for row in frame.iter_rows(named=True):
        missing = set((row.get("no_data_inputs") or "").split(","))
        rows.append(tuple(NO_DATA_TEXT if f in missing else row[f] for f in fields))
    return rows


def export_month(con: duckdb.DuckDBPyConnection, rubric: Rubric, month: dt.date, folder: Path) -> list[Path]:
    sheets = []
    for name, annex in rubric.annexes.items():
        frame = con.sql(f"select * from {SCHEMA}.{name} where month = $month", params={"month": month}).pl()
        sheet = annex_sheet(rubric, name, annex, frame, month)
        write_csv(folder / f"{name}.csv", sheet)
        sheets.append(sheet)
    workbook = folder / "annexes.xlsx"
    write_workbook(workbook, sheets, created=dt.datetime.combine(month, dt.time()))
    return [folder / f"{name}.csv" for name in rubric.annexes] + [workbook]


@monthly_asset(
    ["exports", "annexes"],
    deps=[dg.AssetKey([SCHEMA, name]) for name in PUBLISHED_ANNEXES],
    kinds={"csv", "excel"},
    description="The annexes as files: out/<YYYY-MM>/annex1.csv … (the seeds' conventions) and annexes.xlsx (the printed layout).",
)
def annexes(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    if reason := unscored():
        return dg.MaterializeResult(metadata={"skipped": reason})
    rubric = configured_rubric()
    written: list[Path] = []
    with warehouse.writer() as con:  # the writers' lock: never read a month another run is rewriting
        for key in sorted(context.partition_keys):
            written += export_month(con, rubric, partition_month(key), exports.month_dir(key))
    return dg.MaterializeResult(metadata={"files": len(written), "folder": str(exports.folder)})
