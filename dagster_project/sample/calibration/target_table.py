"""A published table of a profile's target rubric (重庆 2021's "四个指标" tables) read as numbers:
which table it is (by its header), each row's organisation (by the names the profile knows) and the
printed values under the indicator codes of the warehouse."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from dagster_project.defs.publish.four_indicators import shown_value, table_header
from dagster_project.sample.calibration.four_indicators import FOUR, MATTERS
from dagster_project.sample.calibration.printed_table import CalibrationError
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
        with path.open(encoding="utf-8-sig", newline="") as f:
            return next(csv.reader(f), [])
    except OSError as e:
        raise CalibrationError(f"{path}: cannot be read: {e.strerror}") from None


def target_table_of(header: list[str], profile: Profile) -> str | None:
    """The target rubric's table whose printed layout the header is, if any."""
    if profile.targets is None:
        return None
    tables = load_rubric(profile.targets).tables
    return next((name for name, t in tables.items() if table_header(t) == header), None)


def read_target_table(path: Path, profile: Profile) -> PrintedTargetTable:
    header = read_header(path)
    name = target_table_of(header, profile)
    if name is None:
        raise CalibrationError(f"{path}: the header is not a table of profile {profile.name}'s target rubric")
    rubric = load_rubric(profile.targets)
    table = rubric.tables[name]
    columns = _indicator_columns(path, rubric, name, table)
    level = rubric.groups[table.group].org_level
    with path.open(encoding="utf-8-sig", newline="") as f:
        body = list(csv.reader(f))[1:]
    rows, seen = [], {}
    for line, values in enumerate(body, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise CalibrationError(f"{path}:{line}: {len(values)} cells, the header has {len(header)}")
        cells = dict(zip(header, values, strict=True))
        printed_name = cells[table.name].strip()
        code = org_code_of(profile, name, printed_name, level)
        if code is None:
            raise CalibrationError(
                f"{path}:{line}: {printed_name!r} is not a {rubric.groups[table.group].label} ({level}) of "
                f"profile {profile.name}: add it to its ref_organisations.csv or ref_org_aliases.csv"
            )
        if code in seen:
            raise CalibrationError(
                f"{path}:{line}: {printed_name!r} is the organisation of line {seen[code]} again"
            )
        seen[code] = line
        numbers = {ind: _number(path, line, col.header, cells[col.header]) for ind, col in columns.items()}
        matters = numbers.pop(MATTERS)
        if matters is None or matters < 0 or not float(matters).is_integer():
            raise CalibrationError(
                f"{path}:{line}: {printed_name}: {columns[MATTERS].header} must be a whole number of matters"
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


def _number(path: Path, line: int, header: str, text: str) -> float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise CalibrationError(f"{path}:{line}: {header} {text!r} is not a number") from None
