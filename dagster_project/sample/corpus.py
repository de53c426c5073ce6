"""A corpus of bad deliveries, generated from a good one: each fault spoils one file the way real
exports go wrong, and says what the pipeline must make of it — the month fails naming the file and
the problem, rows go to quarantine with a reason, or the file is accepted as if it were clean (and,
if so, anything odd about it is reported).

`make_corpus(good_month_dir, out)` writes one month folder per fault; the tests ingest each and check
the answer, and a data engineer can run `ywtb validate` on them to see the same answers by hand.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from schemas.raw import CONTRACTS

Outcome = Literal["file_fails", "accepted"]


@dataclass(frozen=True)
class Fault:
    name: str
    extract: str  # the extract whose file is spoiled
    spoil: Callable[[Path], None]  # edits the delivered file in place
    outcome: Outcome
    says: str = ""  # words the failure (or the report of an accepted file) must contain
    same_rows: bool = True  # accepted: the loaded rows equal the clean file's, value for value


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
)


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
