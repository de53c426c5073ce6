"""A published table of a profile's target rubric (重庆 2021's "四个指标" tables) read as numbers:
which table it is (by its header), each row's organisation (by the names the profile knows) and the
printed values under the indicator codes of the warehouse."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from dagster_project.defs.publish.four_indicators import SCALE, shown_value
from dagster_project.sample.calibration.four_indicators import FOUR, MATTERS
from dagster_project.sample.calibration.printed_table import CalibrationError
from dagster_project.scoring.printed_annexes import TableError
from dagster_project.scoring.target_tables import cell_value, layout, read_rows, read_text
from schemas.profile import Profile
from schemas.rubric import Rubric, TableColumn, TargetTable, load_rubric


@dataclass(frozen=True)
class TargetRow:
    line: int  # in the file, the header being line 1
    printed_name: str
    org_code: str
    matters: int
    wanted: dict[str, float | None]  # indicator code -> the printed number (None: empty cell)


@dataclass(frozen=True)
class PrintedTargetTable:
    name: str  # the table's key in the rubric, e.g. depts_4ind
    table: TargetTable
    columns: dict[str, TableColumn]  # indicator code -> its column
    rows: list[TargetRow]

    def shows(self, indicator: str, value: float) -> float:
        """The number the table prints for a computed value of `indicator`."""
        return shown_value(self.columns[indicator], value)

    def header_of(self, indicator: str) -> str:
        return self.columns[indicator].header


def read_header(path: Path) -> list[str]:
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(read_text(path), newline="")), [])]
    except OSError as e:
        raise CalibrationError(f"{path}: cannot be read: {e.strerror}") from None
    except TableError as e:
        raise CalibrationError(str(e)) from None


def target_table_of(header: list[str], profile: Profile) -> str | None:
    """The target rubric's table whose printed layout the header is, if any."""
    if profile.targets is None:
        return None
    tables = load_rubric(profile.targets).tables
    return next((name for name, t in tables.items() if layout(t) == header), None)


def read_target_table(path: Path, profile: Profile) -> PrintedTargetTable:
    """The table's rows as numbers in the printed units (a percentage as printed, 62.5 for "62.50"),
    read as `ywtb score` reads a received table (UTF-8 or GB18030, '—' is an empty cell)."""
    name = target_table_of(read_header(path), profile)
    if name is None:
        raise CalibrationError(f"{path}: the header is not a table of profile {profile.name}'s target rubric")
    rubric = load_rubric(profile.targets)
    table = rubric.tables[name]
    columns = _indicator_columns(path, rubric, name, table)
    level = rubric.groups[table.group].org_level
    try:
        header, body = read_rows(path, name, table)
    except TableError as e:
        raise CalibrationError(str(e)) from None
    rows, seen = [], {}
    for line, values in body:
        cells = dict(zip(header, values, strict=True))
        printed_name = cells[table.name]
        code = org_code_of(profile, name, printed_name, level)
        if code is None:
            raise CalibrationError(
                f"{path}, row {line}: {printed_name!r} is not a {rubric.groups[table.group].label} ({level}) "
                f"of profile {profile.name}: add it to its ref_organisations.csv or ref_org_aliases.csv"
            )
        if code in seen:
            raise CalibrationError(
                f"{path}, row {line}: {printed_name!r} is the organisation of row {seen[code]} again"
            )
        seen[code] = line
        numbers = {ind: _number(path, line, col, cells[col.header]) for ind, col in columns.items()}
        matters = numbers.pop(MATTERS)
        if matters is None or matters < 0:
            raise CalibrationError(
                f"{path}, row {line}: {printed_name}: {columns[MATTERS].header} must be a number of matters"
            )
        rows.append(TargetRow(line, printed_name, code, int(matters), numbers))
    return PrintedTargetTable(name, table, columns, rows)


def org_code_of(profile: Profile, table: str, printed_name: str, level: str) -> str | None:
    """The organisation a printed name stands for: the table's printed rows, the organisation's name,
    or one of its aliases; only an organisation of the table's level."""
    by_code = {o.org_code: o for o in profile.organisations}
    candidates = [r.org_code for r in profile.table_rows(table) if r.printed_name == printed_name]
    candidates += [o.org_code for o in profile.organisations if o.org_name == printed_name]
    candidates += [code for alias, code in profile.aliases.items() if alias == printed_name]
    return next((c for c in candidates if by_code[c].org_level == level), None)


def _indicator_columns(path: Path, rubric: Rubric, name: str, table: TargetTable) -> dict[str, TableColumn]:
    columns = {}
    for column in table.columns:
        spec = rubric.inputs.get(column.input) if column.input else None
        if spec is not None and spec.indicator in (MATTERS, *FOUR):
            columns[spec.indicator] = column
    if set(columns) != {MATTERS, *FOUR}:
        raise CalibrationError(
            f"{path}: table {name} ({table.title}) is not a 四个指标 table: the calibration makes matters "
            "for 事项数 and the four indicators only"
        )
    return columns


def _number(path: Path, line: int, column: TableColumn, text: str) -> float | None:
    try:
        value = cell_value(column, text)
    except ValueError as e:
        raise CalibrationError(f"{path}, row {line}: {column.header}: {e}") from None
    return None if value is None else float(value * SCALE[column.unit])
