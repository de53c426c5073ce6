"""Checking a target table as an office receives it (重庆 2021: the municipality's tables of the four
indicators, 监管事项认领, 行政检查实施清单): is each organisation's printed value on the right side of
each target of the rubric? Pure: a file in, the table with 是/否 columns and a summary out.

A value is judged as printed: the cell's decimal text, a percentage divided by 100 in exact decimal
arithmetic, against the rubric's bound. A value exactly on the line meets the target (≥ and ≤ are
inclusive): 80.00 meets ≥ 80 %, 0.30 meets ≤ 0.3, 79.99 and 0.31 do not.

The file is read as UTF-8 (with or without BOM) or else GB18030, in the conventions of the published
tables: the printed headers, a `_pct` column holds the percent without '%', an empty field or '—' is
nothing to measure (the target is neither met nor missed for that row).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from dagster_project.scoring.printed_annexes import TableError
from schemas.profile import Profile
from schemas.rubric import Rubric, TableColumn, Target, TargetTable, load_rubric, resolve

ROW_NUMBER = "序号"
MET, MISSED = "是", "否"
ALL_MET = "全部达标"
NOTHING_TO_MEASURE = {"", "—", "-"}


def met_column(target: Target) -> str:
    return f"{target.label}_达标"


# ------------------------------------------------------------------------------ which rubric, which table


@dataclass(frozen=True)
class TableChoice:
    rubric: Rubric
    kind: str  # "annex" (re-scored) or "targets" (checked)


def choose_table(table: str, rubric_names: list[str]) -> TableChoice:
    """The rubric that has `table`, among the candidates (an annex of the scoring rubric or a target
    table of the targets rubric); else a TableError that lists what each candidate has."""
    rubrics = [load_rubric(name) for name in dict.fromkeys(rubric_names)]
    for rubric in rubrics:
        if table in rubric.annexes:
            return TableChoice(rubric, "annex")
        if table in rubric.tables:
            return TableChoice(rubric, "targets")
    if not rubrics:
        raise TableError(f"no table {table!r}: the profile names no rubric (give --rubric)")
    raise TableError("; ".join(f"rubric {r.rubric} has no {table}; it has {_tables_of(r)}" for r in rubrics))


def _tables_of(rubric: Rubric) -> str:
    annexes = ", ".join(rubric.annexes) or "(none)"
    tables = ", ".join(rubric.tables) or "(none)"
    return f"annexes {annexes} and target tables {tables}"


# ------------------------------------------------------------------------------------------ reading


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError(f"{path}: neither UTF-8 nor GB18030 text; save it as CSV (UTF-8)") from None


def layout(table: TargetTable) -> list[str]:
    return [ROW_NUMBER, table.name, *(c.header for c in table.columns)]


def read_rows(
    path: Path, table_name: str, table: TargetTable
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the numbered rows, the layout checked."""
    # Row numbers are the file's records (the header is row 1); blank records are skipped, not renumbered.
    records = [
        (n, record)
        for n, record in enumerate(csv.reader(io.StringIO(read_text(path), newline="")), start=1)
        if any(cell.strip() for cell in record)
    ]
    if not records:
        raise TableError(f"{path}: the file is empty; expected the header {','.join(layout(table))}")
    header_row, first = records[0]
    header = [h.strip() for h in first]
    expected = layout(table)
    if header != expected:
        missing = [h for h in expected if h not in header]
        unknown = [h for h in header if h not in expected]
        twice = sorted({h for h in header if header.count(h) > 1})
        parts = [
            missing and f"missing column {', '.join(missing)}",
            unknown and f"unknown column {', '.join(unknown)}",
            twice and f"column {', '.join(twice)} appears twice",
        ]
        detail = "; ".join(p for p in parts if p) or "the columns are in another order"
        raise TableError(
            f"{path}, row {header_row}: not the layout of {table_name} ({table.title}): {detail}; "
            f"expected {','.join(expected)}"
        )
    if len(records) == 1:
        raise TableError(f"{path}: only the header, no rows")
    rows = []
    for n, record in records[1:]:
        if len(record) != len(header):
            raise TableError(
                f"{path}, row {n}: {len(record)} cells for the {len(header)} columns of the header"
            )
        rows.append((n, [cell.strip() for cell in record]))
    return header, rows


def cell_value(column: TableColumn | None, text: str) -> Decimal | None:
    """A printed cell as a number in the rubric's units (a percentage as a fraction), exactly; None for
    nothing to measure. Raises ValueError with what is wrong with the cell."""
    if text in NOTHING_TO_MEASURE:
        return None
    try:
        value = Decimal(text.replace(",", "").removesuffix("%"))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    unit = column.unit if column else "count"
    if unit == "count" and value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    return value / 100 if unit == "pct" else value


# ------------------------------------------------------------------------------------------ checking


def bound(target: Target, group: str) -> tuple[str, Decimal]:
    """("≥" or "≤", the line) in the rubric's units; repr() keeps a YAML 0.3 as the decimal 0.3."""
    at_least = resolve(target.at_least, group)
    if at_least is not None:
        return "≥", Decimal(repr(at_least))
    return "≤", Decimal(repr(resolve(target.at_most, group)))


def meets(value: Decimal, sign: str, line: Decimal) -> bool:
    """On the line is met: both bounds are inclusive."""
    return value >= line if sign == "≥" else value <= line


@dataclass(frozen=True)
class TargetOutcome:
    """One target over the table's rows: the names that meet it, miss it (with the printed value),
    or have nothing to measure."""

    target: Target
    column: TableColumn
    sign: str
    line: Decimal
    met: tuple[str, ...]
    missed: tuple[tuple[str, str], ...]
    unmeasured: tuple[str, ...]

    def describe(self) -> str:
        shown = self.line * 100 if self.column.unit == "pct" else self.line
        unit = " %" if self.column.unit == "pct" else ""
        judged = len(self.met) + len(self.missed)
        line = f"{self.target.label} {self.sign} {shown.normalize():f}{unit}: {len(self.met)} of {judged} met"
        if self.missed:
            line += "; missed by " + ", ".join(f"{name} ({text})" for name, text in self.missed)
        if self.unmeasured:
            line += "; nothing to measure for " + ", ".join(self.unmeasured)
        return line


@dataclass(frozen=True)
class CheckedTable:
    table_name: str
    table: TargetTable
    header: list[str]  # the table's columns, then one `<target>_达标` per checked target and 全部达标
    rows: list[dict[str, str]]
    outcomes: list[TargetOutcome]
    unknown_names: list[str]  # names that are no organisation of the profile
    outside_group: list[str]  # names of the profile's organisations outside the table's group
    absent_names: list[str]  # the rows the profile lists for this table that the table lacks

    def all_met(self) -> tuple[int, int]:
        return sum(1 for r in self.rows if r[ALL_MET] == MET), len(self.rows)

    def summary(self, profile_name: str) -> list[str]:
        lines = [o.describe() for o in self.outcomes]
        met, total = self.all_met()
        lines.append(f"{ALL_MET}: {met} of {total} meet every checked target")
        if self.unknown_names:
            lines.append(f"not organisations of profile {profile_name}: {', '.join(self.unknown_names)}")
        if self.outside_group:
            lines.append(f"not in this table's group ({self.table.group}): {', '.join(self.outside_group)}")
        if self.absent_names:
            lines.append(
                f"the profile lists these rows, the table lacks them: {', '.join(self.absent_names)}"
            )
        return lines


def checked_targets(rubric: Rubric, table: TargetTable) -> list[tuple[Target, TableColumn]]:
    """The targets that apply to the table's group and read one of its columns, in the rubric's order."""
    by_input = {c.input: c for c in table.columns if c.input}
    return [
        (t, by_input[t.input])
        for t in rubric.targets
        if rubric.applies(t, table.group) and t.input in by_input
    ]


def check_table(rubric: Rubric, table_name: str, path: Path, profile: Profile) -> CheckedTable:
    """Read a received target table, check its layout and cells, and judge every applicable target."""
    if table_name not in rubric.tables:
        raise TableError(f"rubric {rubric.rubric} has no {table_name}; it has {_tables_of(rubric)}")
    table = rubric.tables[table_name]
    header, records = read_rows(path, table_name, table)
    columns = {c.header: c for c in table.columns}
    for n, record in records:
        for head, text in zip(header, record, strict=True):
            if head == table.name:
                if not text:
                    raise TableError(f"{path}, row {n}, column {head}: the name is empty")
                continue
            try:
                cell_value(columns.get(head), text)  # 序号 is a count: a whole number
            except ValueError as e:
                raise TableError(f"{path}, row {n}, column {head}: {e}") from None

    names = [record[1] for _, record in records]
    codes = {o.org_name: o.org_code for o in profile.organisations} | profile.aliases
    seen: dict[str, int] = {}
    for n, name in ((n, record[1]) for n, record in records):
        key = codes.get(name, name)
        if key in seen:
            raise TableError(
                f"{path}, row {n}, column {table.name}: {name} is listed again (first in row {seen[key]})"
            )
        seen[key] = n

    group = rubric.groups[table.group]
    in_group = {
        o.org_code
        for o in profile.organisations
        if o.org_level == group.org_level and group.city_group in (None, o.city_group)
    }
    unknown = [name for name in names if name not in codes]
    outside_group = [name for name in names if name in codes and codes[name] not in in_group]
    absent = [r.printed_name for r in profile.table_rows(table_name) if r.org_code not in seen]

    checks = checked_targets(rubric, table)
    out_rows = [dict(zip(header, record, strict=True)) for _, record in records]
    outcomes = []
    for target, column in checks:
        sign, line = bound(target, table.group)
        met, missed, unmeasured = [], [], []
        for row in out_rows:
            name, text = row[table.name], row[column.header]
            value = cell_value(column, text)
            if value is None:
                row[met_column(target)] = ""
                unmeasured.append(name)
            elif meets(value, sign, line):
                row[met_column(target)] = MET
                met.append(name)
            else:
                row[met_column(target)] = MISSED
                missed.append((name, text))
        outcomes.append(
            TargetOutcome(target, column, sign, line, tuple(met), tuple(missed), tuple(unmeasured))
        )
    for row in out_rows:
        verdicts = [row[met_column(t)] for t, _ in checks]
        # Every target met: 是. One missed: 否. None missed but one with nothing to measure, or no
        # target to check: nothing to say.
        if MISSED in verdicts:
            row[ALL_MET] = MISSED
        else:
            row[ALL_MET] = MET if verdicts and "" not in verdicts else ""

    return CheckedTable(
        table_name=table_name,
        table=table,
        header=[*header, *(met_column(t) for t, _ in checks), ALL_MET],
        rows=out_rows,
        outcomes=outcomes,
        unknown_names=unknown,
        outside_group=outside_group,
        absent_names=absent,
    )


def write_checked(result: CheckedTable, path: Path) -> None:
    """UTF-8 CSV, the cells as received."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=result.header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.rows)
