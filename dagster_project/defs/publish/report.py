"""The month's 情况通报: out/<YYYY-MM>/report.docx (the document the office issues), report.html (the
same, self-contained: inline styles and SVG charts) and report.md, all three from one gather() of
the scorecard, operations and completeness tables of the month, with the city's report template."""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.publish.atomic import write_bytes, write_text
from dagster_project.defs.publish.completeness import COMPLETENESS_TABLES
from dagster_project.defs.publish.scored_tables import configured_rubric, scorecard_tables, unscored
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.report.compose import compose
from dagster_project.report.docx import write_docx
from dagster_project.report.facts import gather
from dagster_project.report.render import render_html, render_markdown
from schemas.report_template import ReportTemplate, check_template, load_report_template, template_path
from schemas.rubric import Rubric


def configured_template(rubric: Rubric) -> ReportTemplate:
    """The profile's (YWTB_PROFILE) words: schemas/profiles/<profile>/report.yaml."""
    template = load_report_template(settings.profile())
    check_template(template, rubric, template_path(settings.profile()))
    return template


def write_report(con: duckdb.DuckDBPyConnection, month: dt.date, folder: Path) -> list[Path]:
    rubric = configured_rubric()
    facts = gather(con, rubric, configured_template(rubric), month)
    notice = compose(facts)
    docx, html, md = folder / "report.docx", folder / "report.html", folder / "report.md"
    write_bytes(docx, write_docx(facts, notice))
    write_text(html, render_html(facts, notice))
    write_text(md, render_markdown(notice))
    return [docx, html, md]


@monthly_asset(
    ["exports", "report"],
    deps=[*scorecard_tables.keys, *COMPLETENESS_TABLES, dg.AssetKey(["indicators", "ops_case_flow"])],
    kinds={"docx", "html"},
    description="情况通报: out/<YYYY-MM>/report.docx, report.html and report.md.",
)
def report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    if reason := unscored():
        return dg.MaterializeResult(metadata={"skipped": reason})
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            written += write_report(con, partition_month(key), exports.month_dir(key))
    return dg.MaterializeResult(metadata={"files": [str(p) for p in written]})
