"""A corpus of bad deliveries, generated from a good one: each fault spoils one file the way real
exports go wrong (or the way an attacker would), and says what the pipeline must make of it — the
month fails naming the file and the problem, the spoiled rows (and only those) go to quarantine with
a reason, personal data typed into text is masked, or the file is accepted as if it were clean (and,
if so, anything odd about it is reported).

`make_corpus(good_month_dir, out)` writes one month folder per fault; the tests ingest each and check
the answer, and a data engineer can run `ywtb validate` on them to see the same answers by hand.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import xlsxwriter

from schemas.raw import CONTRACTS

Outcome = Literal["file_fails", "accepted", "quarantined", "masked"]


@dataclass(frozen=True)
class Fault:
    name: str
    extract: str  # the extract whose file is spoiled
    spoil: Callable[[Path], None]  # edits the delivered file in place (or replaces it)
    outcome: Outcome
    # file_fails: words the failure must contain; accepted: words of the report (encoding, unknown
    # columns); quarantined: the reason of each spoiled row; masked: a value that must not survive.
    says: str = ""
    rows: tuple[int, ...] = ()  # quarantined, masked: the data rows spoiled (source_row, from 1)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def _lines(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    path.write_text("\n".join(edit(_text(path).split("\n"))), encoding="utf-8")


def _column(path: Path, header: str, change: Callable[[str], str]) -> None:
    """Rewrite one column's values (a CSV without quoted commas, as the generator writes it)."""

    def edit(lines: list[str]) -> list[str]:
        i = lines[0].split(",").index(header)
        out = [lines[0]]
        for line in lines[1:]:
            if not line:
                out.append(line)
                continue
            cells = line.split(",")
            cells[i] = change(cells[i])
            out.append(",".join(cells))
        return out

    _lines(path, edit)


def truncated(path: Path) -> None:
    """The transfer stopped half-way through a row."""
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2)
    path.write_bytes(data[: cut + 1 + (data.find(b",", cut + 1) - cut)])


def wrong_delimiter(path: Path) -> None:
    path.write_text(_text(path).replace(",", ";"), encoding="utf-8")


def gb18030(path: Path) -> None:
    """Re-exported by another office in GB18030 while the month's other files are UTF-8."""
    path.write_bytes(_text(path).encode("gb18030"))


def utf16(path: Path) -> None:
    path.write_bytes(_text(path).encode("utf-16"))


def duplicate_header(path: Path) -> None:
    _lines(path, lambda lines: [lines[0].replace("事项编码", "实施机构编码", 1), *lines[1:]])


def extra_column(path: Path) -> None:
    _lines(path, lambda lines: [f"{lines[0]},备注", *(f"{line}," if line else line for line in lines[1:])])


def missing_column(path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        i = lines[0].split(",").index("办件编号")
        return [
            ",".join(c for j, c in enumerate(line.split(",")) if j != i) if line else line for line in lines
        ]

    _lines(path, edit)


def thousands_separators(path: Path) -> None:
    _column(
        path,
        "法定时限（工作日）",
        lambda v: (
            f'"{int(v) // 1000},{int(v) % 1000:03d}"'
            if v and int(v) >= 1000
            else f'"0,{int(v):03d}"'
            if v
            else v
        ),
    )


def full_width_digits(path: Path) -> None:
    table = str.maketrans("0123456789", "０１２３４５６７８９")
    _column(path, "承诺时限（工作日）", lambda v: v.translate(table))


def excel_serial_dates(path: Path) -> None:
    """Timestamps as Excel serial numbers (days since 1899-12-30), as a spreadsheet round trip leaves them."""
    import datetime as dt

    epoch = dt.datetime(1899, 12, 30)

    def serial(v: str) -> str:
        if not v:
            return v
        t = dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
        return repr((t - epoch).total_seconds() / 86400)

    _column(path, "申请时间", serial)


def blank_lines(path: Path) -> None:
    _lines(path, lambda lines: [lines[0], "", *[x for line in lines[1:] for x in (line, "")]])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def header_only(path: Path) -> None:
    _lines(path, lambda lines: [lines[0], ""])


def _cells(path: Path, header: str, rows: tuple[int, ...], change: Callable[[str], str]) -> None:
    """Rewrite one column's values in some data rows (1-based, as source_row counts them)."""

    def edit(lines: list[str]) -> list[str]:
        i = lines[0].split(",").index(header)
        out = [lines[0]]
        for n, line in enumerate(lines[1:], start=1):
            if n in rows:
                cells = line.split(",")
                cells[i] = change(cells[i])
                line = ",".join(cells)
            out.append(line)
        return out

    _lines(path, edit)


def _stray_quotes(path: Path, rows: tuple[int, ...], where: str) -> None:
    """A `"` typed into 事项编码: at the start of the value, or inside it, or (`pair`) at the start
    on the first row and the end on the last, which makes one well-formed quoted value of them."""
    first, last = rows[0], rows[-1]
    _cells(
        path, "事项编码", (first,), lambda v: f'"{v}' if where in ("start", "pair") else f'{v[:3]}"{v[3:]}'
    )
    if where == "pair":
        _cells(path, "事项编码", (last,), lambda v: f'{v}"')


def fully_quoted(path: Path) -> None:
    """Every value quoted, as some exporters write them: quoting alone changes no value."""
    _lines(
        path, lambda lines: [",".join(f'"{c}"' for c in line.split(",")) if line else line for line in lines]
    )


def header_padding(path: Path, pad: str) -> None:
    _lines(path, lambda lines: [",".join(h + pad for h in lines[0].split(",")), *lines[1:]])


def timestamps_with_fraction(path: Path) -> None:
    """Database exports print `2021-06-01 10:00:00.0`."""
    for header in ("申请时间", "受理时间", "办结时间"):
        _column(path, header, lambda v: f"{v}.0" if v else v)


def replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def replace_with_broken_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.with_name("gone.csv"))


def _value(path: Path, header: str, rows: tuple[int, ...], value: str, only: str = "") -> None:
    def change(v: str) -> str:
        return value

    if only:  # the rows must be of this kind (e.g. a rate): the corpus fails loudly if they are not
        lines = _text(path).split("\n")
        kind = lines[0].split(",").index("指标代码")
        for r in rows:
            assert lines[r].split(",")[kind].endswith(only), (path.name, r)
    _cells(path, header, rows, change)


def _append(path: Path, header: str, rows: tuple[int, ...], text: str) -> None:
    _cells(path, header, rows, lambda v: v + text)


# --- workbooks -------------------------------------------------------------------------------------

Writer = Callable[
    [object, int, int, str, str, int], bool
]  # (sheet, row, col, header, value, data row) -> written


def _workbook(
    path: Path, sheets: int = 1, notes: bool = False, cell: Writer | None = None, drop: str = ""
) -> None:
    """The CSV delivered as an .xlsx, every value as text (as the platform's workbook export writes
    them), split over `sheets` sheets; `cell` may write some cells otherwise, `drop` leaves a column
    out of the second sheet."""
    rows = list(csv.reader(io.StringIO(_text(path), newline="")))
    header, body = rows[0], [r for r in rows[1:] if r]
    path.unlink()
    size = -(-len(body) // sheets)
    with xlsxwriter.Workbook(path.with_suffix(".xlsx"), {"strings_to_numbers": False}) as wb:
        if notes:
            wb.add_worksheet("填表说明").write_string(0, 0, "本表由平台导出，请勿修改表头")
        for k in range(sheets):
            ws = wb.add_worksheet(f"Sheet{k + 1}")
            keep = [j for j, h in enumerate(header) if not (k == 1 and h == drop)]
            ws.write_row(0, 0, [header[j] for j in keep])
            for i, row in enumerate(body[k * size : (k + 1) * size], start=1):
                for c, j in enumerate(keep):
                    value = row[j]
                    if cell is not None and cell(ws, i, c, header[j], value, i + k * size):
                        continue
                    if value:
                        ws.write_string(i, c, value)


def _formula_without_value(header: str):
    def cell(ws, r, c, h, v, n):
        if h == header and v:
            ws.write_formula(r, c, f'=DATEVALUE("{v[:10]}")', None, "")
            return True
        return False

    return cell


def _error_value(header: str, rows: tuple[int, ...]):
    def cell(ws, r, c, h, v, n):
        if h == header and n in rows:
            ws.write_formula(r, c, "=NA()", None, "#N/A")
            return True
        return False

    return cell


def _as_number(header: str, rows: tuple[int, ...] | None = None):
    def cell(ws, r, c, h, v, n):
        if h == header and v.isdigit() and (rows is None or n in rows):
            ws.write_number(r, c, float(v))
            return True
        return False

    return cell


ASSESSED = "assessed_inputs"
SECRET_ID, SECRET_PHONE = "11010519491231002X", "13800000000"

FAULTS = (
    Fault("truncated_file", "cases", truncated, "file_fails", "not a readable CSV"),
    Fault("wrong_delimiter", "cases", wrong_delimiter, "file_fails", "wrong delimiter"),
    Fault(
        "duplicate_header_columns",
        "cases",
        duplicate_header,
        "file_fails",
        "duplicate header columns: 实施机构编码",
    ),
    Fault("required_column_missing", "cases", missing_column, "file_fails", "办件编号"),
    Fault("utf16_encoding", "evaluations", utf16, "file_fails", "UTF-16"),
    Fault("empty_file", "certificates", empty, "file_fails", "empty file"),
    Fault("header_without_rows", "projects", header_only, "file_fails", "a header and no rows"),
    Fault("mixed_encodings_in_a_month", "evaluations", gb18030, "accepted", "gb18030"),
    Fault("extra_unknown_column", "cases", extra_column, "accepted", "备注"),
    Fault("thousands_separators", "cases", thousands_separators, "accepted"),
    Fault("full_width_digits", "cases", full_width_digits, "accepted"),
    Fault("excel_serial_dates", "cases", excel_serial_dates, "accepted"),
    Fault("blank_lines", "cases", blank_lines, "accepted"),
    # Quoting: one stray quote must never merge or split rows silently.
    Fault("stray_quote_opening_a_value", "cases", partial(_stray_quotes, rows=(10,), where="start"), "file_fails", "line 11: a quote that is never closed"),
    Fault("stray_quote_inside_a_value", "cases", partial(_stray_quotes, rows=(10,), where="inside"), "file_fails", "line 11: a quote inside a value"),
    Fault("stray_quotes_running_rows_together", "cases", partial(_stray_quotes, rows=(10, 20), where="pair"), "file_fails", "lines 11-21"),
    Fault("stray_quote_running_into_a_quoted_value", "evaluations", partial(_cells, header="办件编号", rows=(10,), change=lambda v: f'"{v}'), "file_fails", "line 11"),
    Fault("every_value_quoted", "cases", fully_quoted, "accepted"),
    # Headers as spreadsheets leave them.
    Fault("header_with_trailing_spaces", "cases", partial(header_padding, pad=" "), "accepted"),
    Fault("header_with_full_width_spaces", "cases", partial(header_padding, pad="\u3000"), "accepted"),
    Fault("timestamps_with_a_fraction", "cases", timestamps_with_fraction, "accepted"),
    # Something else where the file should be.
    Fault("a_folder_in_place_of_the_file", "cases", replace_with_folder, "file_fails", "a folder"),
    Fault("a_broken_link_in_place_of_the_file", "evaluations", replace_with_broken_link, "file_fails", "broken link"),
    # Numbers that parse but cannot be scored, or cannot be true.
    Fault("infinite_assessed_value", ASSESSED, partial(_value, header="指标值", rows=(2,), value="inf"), "quarantined", "non_finite_value(value)", rows=(2,)),
    Fault("nan_assessed_value", ASSESSED, partial(_value, header="指标值", rows=(3,), value="NaN"), "quarantined", "non_finite_value(value)", rows=(3,)),
    Fault("huge_assessed_value", ASSESSED, partial(_value, header="指标值", rows=(5,), value="1e308"), "quarantined", "out_of_range_value", rows=(5,)),
    Fault("negative_assessed_count", ASSESSED, partial(_value, header="指标值", rows=(6,), value="-3"), "quarantined", "out_of_range_value", rows=(6,)),
    Fault("rate_as_a_percentage", ASSESSED, partial(_value, header="指标值", rows=(4,), value="95", only="_rate"), "quarantined", "out_of_range_value", rows=(4,)),
    Fault("unknown_assessed_indicator", ASSESSED, partial(_value, header="指标代码", rows=(7,), value="bonus_points"), "quarantined", "unknown_indicator", rows=(7,)),
    Fault("infinite_time_limit", "cases", partial(_value, header="法定时限（工作日）", rows=(3,), value="inf"), "quarantined", "malformed_value(legal_limit_days)", rows=(3,)),
    Fault("impossible_time_limit", "cases", partial(_value, header="法定时限（工作日）", rows=(4,), value="1000000000000000"), "quarantined", "out_of_range_legal_limit_days", rows=(4,)),
    # Personal data typed into text columns.
    Fault("id_number_and_phone_in_a_matter_name", "matters", partial(_append, header="事项名称", rows=(2, 5), text=f"（申请人{SECRET_ID}，电话{SECRET_PHONE}）"), "masked", SECRET_ID, rows=(2, 5)),
    Fault("phone_in_an_indicator_name", ASSESSED, partial(_append, header="指标名称", rows=(1,), text=f" 联系人 {SECRET_PHONE}"), "masked", SECRET_PHONE, rows=(1,)),
    # Workbooks: every sheet read, nothing read as something it is not.
    Fault("workbook_over_two_sheets", "cases", partial(_workbook, sheets=2), "accepted", "xlsx"),
    Fault("workbook_with_a_notes_sheet", "cases", partial(_workbook, notes=True), "accepted", "xlsx"),
    Fault("workbook_sheets_with_different_headers", "cases", partial(_workbook, sheets=2, drop="受理时间"), "file_fails", "different headers"),
    Fault("workbook_formulas_without_values", "cases", partial(_workbook, cell=_formula_without_value("办结时间")), "file_fails", "formula cells without a computed value"),
    Fault("workbook_error_cells", "cases", partial(_workbook, cell=_error_value("办结时间", (2, 3))), "file_fails", "error value"),
    Fault("workbook_case_ids_as_numbers", "cases", partial(_workbook, cell=_as_number("办件编号")), "file_fails", "column 办件编号 (A)"),
    Fault("workbook_id_numbers_as_numbers", "cases", partial(_workbook, cell=_as_number("证件号码")), "file_fails", "column 证件号码"),
)  # fmt: skip


def file_of(folder: Path, extract: str) -> Path:
    stems = CONTRACTS[extract].file_stems
    return next(p for p in sorted(folder.iterdir()) if re.split(r"[_.]", p.name)[0] in stems)


def make_corpus(good_month: Path, out: Path) -> dict[str, Path]:
    """fault name -> a copy of the month folder with that one fault (out/<fault>/<YYYY-MM>/)."""
    folders = {}
    for fault in FAULTS:
        folder = out / fault.name / good_month.name
        shutil.copytree(good_month, folder, dirs_exist_ok=True)
        fault.spoil(file_of(folder, fault.extract))
        folders[fault.name] = folder
    return folders
