"""Annex tables in the published layout: reading a printed table back, re-scoring it, and laying out
scored organisations as the annex prints them.

The conventions are those of the published tables (tests/fixtures/published/README.md): UTF-8 CSV, the printed Chinese headers, a `_pct`
column holds the printed percent without '%', an empty field is '—', 未报送 (or 无数据) is no data.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dagster_project.reference import organisations
from dagster_project.scoring.engine import NO_DATA, NO_DATA_TEXT, Scorecard, printed, score_group
from schemas.rubric import Annex, AnnexColumn, Item, Rubric, resolve

PCT = "_pct"
NO_DATA_WORDS = {NO_DATA_TEXT, "无数据"}


class TableError(ValueError):
    """A table that does not have its annex's layout; the message names the file and what differs."""


def is_pct(column: AnnexColumn) -> bool:
    return column.header.endswith(PCT)


def from_printed(column: AnnexColumn, text: str):
    """A printed cell's value: a number, None for '—', NO_DATA for 未报送."""
    text = text.strip().replace(",", "")
    if text in {"", "—", "-", "/"}:
        return None
    if text in NO_DATA_WORDS:
        return NO_DATA
    value = float(text.removesuffix("%"))
    return value / 100 if is_pct(column) else value * column.scale


def score_items(rubric: Rubric, codes: tuple[str, ...]) -> list[str]:
    """The item codes a printed score column adds up (categories expanded)."""
    items = []
    for code in codes:
        category = next((c for c in rubric.categories if c.code == code), None)
        items += [i.code for i in category.items] if category else [code]
    return items


def computable(item: Item, available: set[str]) -> bool:
    """Whether an item can be scored from these inputs (a deduction by class also from its total)."""
    scoring = item.scoring
    if scoring.rule == "deduction" and (scoring.classes or scoring.total_input):
        return all(c.input in available for c in scoring.classes) or scoring.total_input in available
    return set(item.inputs) <= available


def column_score(card: Scorecard, org: str, codes: tuple[str, ...]) -> float | None:
    """What a score column shows for one organisation: the total, a category, or a sum of items."""
    if codes == ("total",):
        return card.org(org).total
    categories = card.org(org).categories
    parts = []
    for code in codes:
        if code in categories:
            parts.append(categories[code])
        else:
            parts.append(next((i.points for i in card.items if i.org_code == org and i.item == code), None))
    return None if any(p is None for p in parts) else sum(parts)


# ------------------------------------------------------------------------------------ re-scoring


@dataclass
class Rescored:
    header: list[str]
    rows: list[dict[str, str]]  # the input rows with `<score>_computed` and `<score>_residual` added
    given: list[str]  # score columns taken as printed because the table lacks their inputs

    def reproduced(self, column: str) -> tuple[int, int]:
        """(rows whose printed score is reproduced, rows with a printed score)."""
        residuals = [r[f"{column}_residual"] for r in self.rows if r[f"{column}_residual"] != ""]
        return sum(1 for r in residuals if float(r) == 0), len(residuals)


def read_table(path: Path, annex_name: str, annex: Annex) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        rows = list(reader)
    expected = [c.header for c in annex.columns]
    if header != expected:
        missing = [h for h in expected if h not in header]
        extra = [h for h in header if h not in expected]
        detail = "; ".join(
            part
            for part in (
                missing and f"missing {', '.join(missing)}",
                extra and f"not in {annex_name}: {', '.join(extra)}",
                not (missing or extra) and "the columns are in another order",
            )
            if part
        )
        raise TableError(f"{path}: not the column set of {annex_name} ({annex.title}): {detail}")
    return rows


def group_of_row(rubric: Rubric, annex: Annex, name: str, where: str) -> str:
    """The scoring group of a printed name: the annex's only group, else the reference data's."""
    if len(annex.groups) == 1:
        return annex.groups[0]
    ref = organisations()
    row = ref.frame.filter(ref.frame["org_code"] == org_key(name))
    for group in annex.groups:
        spec = rubric.groups[group]
        if row.height and row["org_level"][0] == spec.org_level and row["city_group"][0] == spec.city_group:
            return group
    raise TableError(
        f"{where}: {name!r} is in none of the groups {', '.join(annex.groups)} of this annex "
        "(the reference organisations say which group a department is in)"
    )


@cache
def _known_names() -> dict[str, str]:
    ref = organisations()
    names = dict(zip(ref.frame["org_name"], ref.frame["org_code"], strict=True))
    return names | dict(zip(ref.aliases["alias_name"], ref.aliases["org_code"], strict=True))


def org_key(name: str) -> str:
    """The organisation a printed name means (aliases resolved); an unknown name stands for itself."""
    return _known_names().get(name, name)


def _annex(rubric: Rubric, annex_name: str) -> Annex:
    if annex_name not in rubric.annexes:
        raise TableError(f"rubric {rubric.rubric} has no {annex_name}; it has {', '.join(rubric.annexes)}")
    return rubric.annexes[annex_name]


def _printed_inputs(rubric: Rubric, annex_name: str, path: Path) -> dict[str, dict[str, float | None]]:
    """org key -> the inputs a printed annex gives."""
    annex = _annex(rubric, annex_name)
    name_col = next(c.header for c in annex.columns if c.field == "org_name")
    out = {}
    for n, row in enumerate(read_table(path, annex_name, annex), start=2):
        try:
            out[org_key(row[name_col])] = {
                c.input: from_printed(c, row[c.header]) for c in annex.columns if c.input
            }
        except ValueError as e:
            raise TableError(f"{path}:{n}: {e}") from None
    return out


def rescore_table(
    rubric: Rubric, annex_name: str, path: Path, joined: Mapping[str, Path] | None = None
) -> Rescored:
    """Re-score a printed annex: every score column computed from the table's own inputs.

    `joined`: other annexes of the same report (annex name -> file) whose inputs complete this
    one's, matched by organisation: 附件1 prints the data-sharing sub-scores rounded, 附件5 their
    inputs. A score column whose inputs are still missing is taken as printed, not computed.
    """
    annex = _annex(rubric, annex_name)
    extra = [_printed_inputs(rubric, name, p) for name, p in (joined or {}).items()]
    rows = read_table(path, annex_name, annex)
    name_col = next(c.header for c in annex.columns if c.field == "org_name")
    names = [r[name_col] for r in rows]
    if len(set(names)) != len(names):
        raise TableError(f"{path}: an organisation is listed twice")
    scores = [c for c in annex.columns if c.score]

    inputs: dict[str, dict[str, float | None]] = {}
    groups: dict[str, list[str]] = {}
    for n, row in enumerate(rows, start=2):
        name = row[name_col]
        groups.setdefault(group_of_row(rubric, annex, name, f"{path}:{n}"), []).append(name)
        try:
            inputs[name] = {c.input: from_printed(c, row[c.header]) for c in annex.columns if c.input}
        except ValueError as e:
            raise TableError(f"{path}:{n}: {e}") from None
        for other in extra:
            for code, value in other.get(org_key(name), {}).items():
                inputs[name].setdefault(code, value)
        add_sums(rubric, inputs[name])

    given_inputs = set.intersection(*(set(v) for v in inputs.values())) if inputs else set()

    # A score column whose inputs the table does not print is taken as printed (and not "computed").
    def absent(codes: tuple[str, ...]) -> bool:
        return not all(computable(rubric.item(item), given_inputs) for item in score_items(rubric, codes))

    given_columns = [c for c in scores if c.score != ("total",) and absent(c.score)]
    cards: dict[str, Scorecard] = {}
    for group, members in groups.items():
        given = {
            name: {c.score: from_printed(c, rows[names.index(name)][c.header]) for c in given_columns}
            for name in members
        }
        cards.update(
            {name: score_group(rubric, group, {m: inputs[m] for m in members}, given) for name in members}
        )

    out_rows = []
    for row in rows:
        name = row[name_col]
        out = dict(row)
        for c in scores:
            computed = None if c in given_columns else column_score(cards[name], name, c.score)
            published = from_printed(c, row[c.header])
            shown = printed(computed)
            out[f"{c.header}_computed"] = "" if shown is None else f"{shown:.2f}"
            residual = None if shown is None or published is None else printed(published - shown)
            out[f"{c.header}_residual"] = "" if residual is None else f"{residual + 0.0:.2f}"
        out_rows.append(out)
    header = list(rows[0]) if rows else [c.header for c in annex.columns]
    header += [f"{c.header}_{kind}" for c in scores for kind in ("computed", "residual")]
    return Rescored(header, out_rows, [c.header for c in given_columns])


def add_sums(rubric: Rubric, values: dict[str, float | None]) -> None:
    """Inputs that total others (办事指南异常数) are filled in where all their parts are known."""
    for code, spec in rubric.inputs.items():
        if spec.sum_of and code not in values and all(p in values for p in spec.sum_of):
            parts = [values[p] for p in spec.sum_of]
            if any(p is NO_DATA for p in parts):
                values[code] = NO_DATA
            else:
                values[code] = None if all(p is None for p in parts) else sum(p or 0.0 for p in parts)


def write_rescored(result: Rescored, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=result.header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.rows)


# ------------------------------------------------------------------------------ laying out an annex


def annex_rows(
    annex: Annex,
    orgs: Mapping[str, tuple[str, str]],
    inputs: Mapping[str, Mapping[str, float | None]],
    cards: Mapping[str, Scorecard],
) -> list[dict[str, object]]:
    """The annex's rows, unrounded, sorted by its score column: header -> value (None = '—',
    NO_DATA = 未报送). Organisations left unranked for no data come after every ranked one.

    `orgs`: org code -> (printed name, group); `cards`: group -> its scorecard.
    """
    in_annex = [code for code, (_, group) in orgs.items() if group in annex.groups]
    sort = annex.sort_column
    keyed = sorted(
        in_annex,
        key=lambda code: (
            not cards[orgs[code][1]].org(code).ranked,
            -(column_score(cards[orgs[code][1]], code, sort.score) or float("-inf")),
            code,
        ),
    )
    rows = []
    for n, code in enumerate(keyed, start=1):
        name, group = orgs[code]
        row: dict[str, object] = {}
        for c in annex.columns:
            if c.field == "rank":
                row[c.header] = n
            elif c.field == "org_name":
                row[c.header] = name
            elif c.input:
                row[c.header] = inputs[code].get(c.input)
            else:
                row[c.header] = column_score(cards[group], code, c.score)
        rows.append(row)
    return rows


def max_points(rubric: Rubric, annex: Annex, column: AnnexColumn) -> float:
    """The most a score column can show: the maximum over the annex's groups."""

    def one(group: str) -> float:
        if column.score == ("total",):
            return resolve(rubric.total, group)
        total = 0.0
        for code in column.score:
            category = next((c for c in rubric.categories if c.code == code), None)
            total += resolve((category or rubric.item(code)).max, group)
        return total

    return max(one(g) for g in annex.groups)
