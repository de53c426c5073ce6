"""Published tables as files: CSV in the conventions of the published tables (tests/fixtures/published/
README.md, so a table can be compared cell by cell with a published one, or re-scored with `ywtb score`)
and Excel workbooks that print as the annexes were printed: a title with the period, the category row
and one- or two-level Chinese headers repeated on every page, percentages with two decimals, '—' where
not applicable, 备注 notes under the table, A4 landscape one page wide.

What a cell prints is what it stores (two decimals, rounded half up): a reader who copies a cell gets
the printed number. Every file is written beside its target and renamed over it (publish/atomic.py).
Text never becomes a formula or a link, in either format: a department name or a matter name is data
typed by people, and a workbook sent to departments must not run it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from pathlib import Path

import xlsxwriter

from dagster_project.defs.publish.atomic import staged
from dagster_project.scoring.engine import printed

PCT = "_pct"
DASH = "—"
NUMERIC = ("rank", "count", "pct", "decimal")
# A cell starting with one of these is read as a formula (or a DDE command) by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# For every workbook: typed text stays text, never a number, a formula or a link.
TEXT_STAYS_TEXT = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


@dataclass(frozen=True)
class Column:
    header: str  # as in the seeds: `上级_下级` for a two-level header, `_pct` for a percentage
    kind: str  # rank | text | pct | count | decimal
    scale: float = 1.0  # printed in units of this (万件: 10000)


@dataclass(frozen=True)
class Sheet:
    """A printed table. `rows` hold unrounded values in the columns' order: None prints '—', a str in
    a numeric column prints as that text ('未报送'). `groups` is the row above the headers, as
    (label, columns spanned) covering every column; an empty label leaves its columns' headers to
    span it (序号, 部门). `notes` are the 备注 lines under the table."""

    name: str  # the sheet's tab, e.g. 附件1
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]
    groups: Sequence[tuple[str, int]] = ()
    notes: Sequence[str] = ()

    def __post_init__(self) -> None:
        for column in self.columns:
            if column.kind not in (*NUMERIC, "text"):
                raise ValueError(f"{self.name}: column {column.header!r} has unknown kind {column.kind!r}")
        spanned = sum(span for _, span in self.groups)
        if self.groups and (spanned != len(self.columns) or min(span for _, span in self.groups) < 1):
            raise ValueError(
                f"{self.name}: the groups span {spanned} columns, the table has {len(self.columns)}"
            )


# ------------------------------------------------------------------------------------------- values


def stored(sheet: Sheet, column: Column, value: object) -> float | int | str | None:
    """The value as printed: a fraction whose percentage has two decimals, a decimal with two, a
    whole count as an integer; text as it is. A value that cannot be printed fails, naming the cell."""
    if value is None or isinstance(value, str) or column.kind == "text":
        return value if value is None or isinstance(value, str) else str(value)
    # inf, nan and 1e308 (whose percentage is inf) have no printed form; a bool is not a count
    if isinstance(value, bool) or not isinstance(value, Real | Decimal) or not math.isfinite(value * 100):
        raise ValueError(
            f"{sheet.name}, column {column.header}: {value!r} is not a number that can be printed"
        )
    value = float(value) / column.scale
    match column.kind:
        case "pct":
            # Decimal division: 83.51 / 100 in floats is 0.8351000000000001
            return float(Decimal(repr(printed(value * 100))) / 100) + 0.0
        case "decimal":
            return printed(value) + 0.0  # + 0.0: never a printed '-0.00'
        case _:  # rank, count
            return int(value) if float(value).is_integer() else printed(value) + 0.0


def guarded(text: str) -> str:
    """A text cell a spreadsheet would run as a formula, with a leading quote (OWASP's convention)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(sheet: Sheet, column: Column, value: object) -> str:
    """A cell as the seeds write it: '—' is an empty field, a percentage is its printed number."""
    value = stored(sheet, column, value)
    if value is None:
        return ""
    if isinstance(value, str):
        return guarded(value)
    match column.kind:
        case "pct":
            return f"{value * 100:.2f}"
        case "decimal":
            return f"{value:.2f}"
        case _:
            return f"{value}" if isinstance(value, int) else f"{value:.2f}"


def write_csv(path: Path, sheet: Sheet) -> None:
    with staged(path) as staging, staging.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([guarded(c.header) for c in sheet.columns])
        for row in sheet.rows:
            writer.writerow([csv_cell(sheet, c, v) for c, v in zip(sheet.columns, row, strict=True)])


# ------------------------------------------------------------------------------------------ headers


def header_levels(header: str) -> tuple[str, str | None]:
    """('办事指南异常数', '准确类') for a two-level header, ('即办事项占比', None) for one level."""
    label = header.removesuffix(PCT)
    top, sep, bottom = label.partition("_")
    return (top, bottom) if sep else (label, None)


def header_paths(sheet: Sheet) -> list[tuple[str, ...]]:
    """Each column's labels from the top header row down: (group, top, bottom), without the empty
    ones. A group over one column that only repeats its header ('目录编制完成率（3分）' over
    '目录编制完成率') takes the header's place."""
    groups = [(label, span) for label, span in sheet.groups for _ in range(span)]
    paths = []
    for col, column in enumerate(sheet.columns):
        top, bottom = header_levels(column.header)
        group, span = groups[col] if groups else ("", 1)
        if span == 1 and bottom is None and group.startswith(top):
            paths.append((group,))
        else:
            paths.append(tuple(label for label in (group, top, bottom) if label))
    return paths


def header_cells(paths: list[tuple[str, ...]]) -> list[tuple[int, int, int, int, str]]:
    """The header's cells as (first row, first column, last row, last column, label), rows counted
    from the first header row. A label spans the columns after it that share it and everything above
    it; a column's last label reaches down to the last header row."""
    depth = max(len(p) for p in paths)
    cells = []
    for level in range(depth):
        col = 0
        while col < len(paths):
            path = paths[col]
            if level >= len(path):
                col += 1
                continue
            if level == len(path) - 1:
                cells.append((level, col, depth - 1, col, path[level]))
                col += 1
                continue
            end = col
            while (
                end + 1 < len(paths)
                and len(paths[end + 1]) > level + 1
                and paths[end + 1][: level + 1] == path[: level + 1]
            ):
                end += 1
            cells.append((level, col, level, end, path[level]))
            col = end + 1
    return cells


# ----------------------------------------------------------------------------------------- workbook

FONT = {"font_name": "SimSun", "font_size": 10, "font_charset": 134}
BOX = FONT | {"border": 1, "align": "center", "valign": "vcenter"}
NUMBER_FORMATS = {"rank": "0", "count": "0", "pct": "0.00%", "decimal": "0.00"}
POINTS_PER_LINE = 13.5  # a row of 10-point text
TITLE_SIZE = 16
CM_PER_INCH = 2.54  # xlsxwriter takes margins in inches; the office states them in centimetres


def text_width(text: str) -> int:
    """Width in Excel's units (one Latin character): a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a cell `width` wide (10-point text, its padding included)."""
    return max(1, math.ceil(text_width(text) / (width * 1.05)))


def column_widths(sheet: Sheet, paths: list[tuple[str, ...]]) -> list[float]:
    """Names as wide as the longest; numbers as wide as '100.00%', their headers wrapped to 4 characters
    a line: a table of 24 columns then prints one page wide at a readable size. A table narrower than
    its title is widened to carry it on one line."""
    widths = []
    for col, column in enumerate(sheet.columns):
        cells = [shown(column, stored(sheet, column, row[col])) for row in sheet.rows]
        longest = max((text_width(t) for t in cells), default=0)
        leaf = paths[col][-1]
        if column.kind == "text":
            widths.append(min(max(longest, text_width(leaf), 8) + 2, 40))
        elif column.kind == "rank":
            widths.append(max(text_width(leaf), 4) + 2)
        else:
            widths.append(max(longest + 1.5, 8))  # never '###' for a long number (-100.00%)
    title = text_width(sheet.title) * TITLE_SIZE / 10 + 4
    return [w * max(1, title / sum(widths)) for w in widths]


def number_format(column: Column, value: float | int) -> str:
    """A count that is not whole (a mean of counts) shows its two decimals, as the CSV does."""
    return "decimal" if column.kind in ("rank", "count") and isinstance(value, float) else column.kind


def shown(column: Column, value: float | int | str | None) -> str:
    """A stored value as the workbook's number formats display it."""
    if value is None:
        return DASH
    if isinstance(value, str):
        return value
    return {"pct": f"{value:.2%}", "decimal": f"{value:.2f}"}.get(number_format(column, value), f"{value}")


def write_workbook(path: Path, sheets: Sequence[Sheet], created: dt.datetime) -> None:
    """`created` is stamped into the file so that the same tables give the same bytes."""
    with staged(path) as staging:
        workbook = xlsxwriter.Workbook(
            staging,
            TEXT_STAYS_TEXT,
        )
        workbook.set_properties({"created": created})
        formats = {
            "title": workbook.add_format(
                {
                    "font_name": "SimHei",
                    "font_charset": 134,
                    "font_size": TITLE_SIZE,
                    "align": "center",
                    "valign": "vcenter",
                }
            ),
            "header": workbook.add_format(BOX | {"bold": True, "text_wrap": True}),
            "text": workbook.add_format(BOX | {"align": "left", "text_wrap": True}),
            "label": workbook.add_format(BOX),  # '—' and text in a numeric column
            "note": workbook.add_format(FONT | {"align": "left", "valign": "top", "text_wrap": True}),
        } | {kind: workbook.add_format(BOX | {"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
        for sheet in sheets:
            write_sheet(workbook.add_worksheet(sheet.name), sheet, formats)
        workbook.close()


def write_sheet(ws, sheet: Sheet, formats: dict) -> None:
    paths = header_paths(sheet)
    widths = column_widths(sheet, paths)
    last = len(sheet.columns) - 1
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)

    ws.merge_range(0, 0, 0, last, "", formats["title"])
    ws.write_string(0, 0, sheet.title, formats["title"])
    ws.set_row(0, 2.2 * TITLE_SIZE)

    first = 1  # the first header row
    depth = max(len(p) for p in paths)
    line_counts = [1] * depth
    for top, left, bottom, right, label in header_cells(paths):
        if (top, left) == (bottom, right):
            ws.write_string(first + top, left, label, formats["header"])
        else:
            ws.merge_range(first + top, left, first + bottom, right, "", formats["header"])
            ws.write_string(first + top, left, label, formats["header"])
        rows_spanned = bottom - top + 1
        needed = lines_needed(label, sum(widths[left : right + 1]))
        line_counts[bottom] = max(line_counts[bottom], needed - (rows_spanned - 1))
    for level, lines in enumerate(line_counts):
        ws.set_row(first + level, POINTS_PER_LINE * lines + 6)

    body = first + depth
    for r, row in enumerate(sheet.rows):
        lines = 1  # a name longer than its column wraps (a matter's name in a feedback form)
        for col, (column, value) in enumerate(zip(sheet.columns, row, strict=True)):
            value = stored(sheet, column, value)
            if isinstance(value, str):
                lines = max(lines, lines_needed(value, widths[col]))
            if value is None:
                ws.write_string(body + r, col, DASH, formats["label"])
            elif isinstance(value, str):
                ws.write_string(body + r, col, value, formats["text" if column.kind == "text" else "label"])
            else:
                ws.write_number(body + r, col, value, formats[number_format(column, value)])
        ws.set_row(body + r, POINTS_PER_LINE * lines + 4)

    below = body + len(sheet.rows)
    for n, note in enumerate(sheet.notes):
        numbered = f"{n + 1}. {note}" if len(sheet.notes) > 1 else note
        text = ("备注：" if n == 0 else "　　　") + numbered
        ws.merge_range(below + n, 0, below + n, last, "", formats["note"])
        ws.write_string(below + n, 0, text, formats["note"])
        ws.set_row(below + n, POINTS_PER_LINE * lines_needed(text, sum(widths)) + 4)

    set_printing(ws, first, body - 1)
    ws.freeze_panes(body, 2)


def set_printing(ws, first_header: int, last_header: int) -> None:
    """As the annexes were printed: A4 landscape, one page wide and as many long as it takes, the
    header rows on every page, centred, page numbers in the footer."""
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(first_header, last_header)
    ws.set_margins(*(cm / CM_PER_INCH for cm in (1.5, 1.5, 2.0, 2.0)))  # left, right, top, bottom
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.8 / CM_PER_INCH})
