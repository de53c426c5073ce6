"""Published tables as files: CSV in the conventions of ../shared/seeds/ (so a table can be compared
cell by cell with a published one, or re-scored with `ywtb score`) and one Excel workbook in the
printed layout (a title, one- or two-level Chinese headers, percentages with two decimals, '—'
where not applicable, 序号 in score order).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from dagster_project.scoring.engine import printed

PCT = "_pct"
DASH = "—"


@dataclass(frozen=True)
class Column:
    header: str  # as in the seeds: `上级_下级` for a two-level header, `_pct` for a percentage
    kind: str  # rank | text | pct | count | decimal
    scale: float = 1.0  # printed in units of this (万件: 10000)


@dataclass(frozen=True)
class Sheet:
    name: str  # the sheet's tab, e.g. 附件1
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]  # unrounded values in the columns' order; None is '—'


def csv_cell(column: Column, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and column.kind != "text":
        return value  # a word in a numeric column (未报送) is printed as it is
    if column.scale != 1:
        value = value / column.scale
    match column.kind:
        case "pct":
            return f"{printed(value * 100):.2f}"
        case "decimal":
            return f"{printed(value):.2f}"
        case "count":
            return f"{int(value)}" if float(value).is_integer() else f"{printed(value):.2f}"
        case _:
            return str(value)


def write_csv(path: Path, sheet: Sheet) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([c.header for c in sheet.columns])
        writer.writerows(
            [csv_cell(c, v) for c, v in zip(sheet.columns, row, strict=True)] for row in sheet.rows
        )


def header_levels(header: str) -> tuple[str, str | None]:
    """('办事指南异常数', '准确类') for a two-level header, ('即办事项占比', None) for one level."""
    label = header.removesuffix(PCT)
    top, sep, bottom = label.partition("_")
    return (top, bottom) if sep else (label, None)


def write_workbook(path: Path, sheets: Sequence[Sheet], created: dt.datetime) -> None:
    """`created` is stamped into the file so that the same tables give the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    workbook = xlsxwriter.Workbook(staging, {"strings_to_numbers": False})
    workbook.set_properties({"created": created})
    base = {"font_name": "SimSun", "font_size": 10, "border": 1, "align": "center", "valign": "vcenter"}
    fmt = {
        "title": workbook.add_format(
            {"font_name": "SimHei", "font_size": 14, "bold": True, "align": "center"}
        ),
        "header": workbook.add_format(base | {"bold": True, "text_wrap": True, "bg_color": "#DDEBF7"}),
        "rank": workbook.add_format(base),
        "text": workbook.add_format(base | {"align": "left"}),
        "pct": workbook.add_format(base | {"num_format": "0.00%"}),
        "count": workbook.add_format(base | {"num_format": "#,##0"}),
        "decimal": workbook.add_format(base | {"num_format": "0.00"}),
        "dash": workbook.add_format(base),
    }
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name)
        levels = [header_levels(c.header) for c in sheet.columns]
        two_levels = any(bottom for _, bottom in levels)
        width = len(sheet.columns)
        ws.merge_range(0, 0, 0, width - 1, sheet.title, fmt["title"])
        first = 1
        if two_levels:
            col = 0
            while col < width:
                top, bottom = levels[col]
                if bottom is None:
                    ws.merge_range(first, col, first + 1, col, top, fmt["header"])
                    col += 1
                    continue
                end = col
                while end + 1 < width and levels[end + 1][0] == top and levels[end + 1][1]:
                    end += 1
                if end > col:
                    ws.merge_range(first, col, first, end, top, fmt["header"])
                else:
                    ws.write(first, col, top, fmt["header"])
                for c in range(col, end + 1):
                    ws.write(first + 1, c, levels[c][1], fmt["header"])
                col = end + 1
        else:
            for col, (top, _) in enumerate(levels):
                ws.write(first, col, top, fmt["header"])
        body = first + (2 if two_levels else 1)
        for r, row in enumerate(sheet.rows):
            for col, (column, value) in enumerate(zip(sheet.columns, row, strict=True)):
                if isinstance(value, (int, float)) and column.scale != 1:
                    value = value / column.scale
                if value is None:
                    ws.write_string(body + r, col, DASH, fmt["dash"])
                elif isinstance(value, str) and column.kind != "text":
                    ws.write_string(body + r, col, value, fmt["dash"])
                elif column.kind in ("pct", "count", "decimal", "rank"):
                    # what is printed is what is stored: two decimals, rounded half up
                    stored = {"pct": printed(value, 4), "decimal": printed(value)}.get(column.kind, value)
                    ws.write_number(body + r, col, stored, fmt[column.kind])
                else:
                    ws.write_string(body + r, col, str(value), fmt["text"])
        ws.set_column(0, 0, 5)
        ws.set_column(1, 1, 24)
        ws.set_column(2, width - 1, 11)
        ws.set_row(first, 36 if not two_levels else 24)
        ws.freeze_panes(body, 2)
    workbook.close()
    staging.replace(path)
