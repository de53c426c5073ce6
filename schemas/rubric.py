"""The rubric format: a scoring scheme as data, one YAML file per scheme under schemas/rubrics/.

A rubric names its groups of organisations, the inputs it reads (an indicator of the warehouse or an
assessed input), categories of scored items that add up to a total, deduction items outside the
base score, pass/fail targets, and the layout of the annex tables it publishes. Every number of a
scheme lives in its file; the scoring engine (dagster_project/scoring) only knows the rule kinds.

A numeric parameter is either a number or a mapping from group to number (`{default: 3, county: 2}`):
that is how one file states group-specific parameters.

No data is not a '—'. A '—' means there was nothing to measure (no bad rating to rectify) and the
item's `missing` policy scores it. An organisation that delivered no rows of an extract an input
needs (its `extracts`, in the input's window) has no data for it, and the `no_data` policy of the
item, else of its category, else of the rubric, scores it: `zero`, `unranked` (zero, and the
organisation is listed after every ranked one, without a rank) or `{deduct: n}` (n points off).

`load_rubric` validates a file against this schema, the sums it declares and the catalogues its
inputs name (an indicator the warehouse does not compute would otherwise score as '—' or 0), and
raises `RubricError` naming the file and the entry at fault.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

RUBRICS_DIR = Path(__file__).with_name("rubrics")
# What an input can name: the indicators the warehouse computes, and the assessed ones a month delivers.
REPOSITORY = Path(__file__).resolve().parents[1]
INDICATOR_CATALOGUES = {
    "indicator": REPOSITORY / "dbt" / "seeds" / "ref_indicators.csv",
    "assessed": REPOSITORY / "schemas" / "raw" / "assessed_indicators.csv",
}
CODE = r"^[a-z][a-z0-9_]*$"

Param = float | dict[str, float]
MissingPolicy = Literal["full", "mean", "zero", "excluded"]
# The monthly extracts an input can need (the names of schemas/raw's contracts).
Extract = Literal[
    "matters", "cases", "evaluations", "certificates", "projects", "project_cases", "assessed_inputs"
]
Direction = Literal["higher", "lower"]


class RubricError(ValueError):
    """A rubric file that cannot be used; the message names the file and the entry."""


class _Strict(BaseModel):
    # A misspelt key is an error, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


def resolve(param, group: str):
    """A parameter's value for a group: the group's own, else the default."""
    if not isinstance(param, dict):
        return param
    return param.get(group, param.get("default"))


# ---------------------------------------------------------------------------------------------- inputs


class Input(_Strict):
    """Where an input comes from: an indicator of `indicators.ind_indicator_values` or an assessed input."""

    label: str
    source: Literal["indicator", "assessed"] = "indicator"
    indicator: str | None = Field(default=None, pattern=CODE)  # defaults to the input's own code
    window: Literal["month", "ytd"] = "ytd"
    unit: Literal["rate", "count", "ratio"] = "rate"
    # A total of other inputs (e.g. 办事指南异常数 = the three classes), computed where they are known.
    sum_of: tuple[str, ...] = ()
    # The extracts that must hold rows of the organisation in the window for the value to be data.
    extracts: tuple[Extract, ...] = ()

    @property
    def needs(self) -> tuple[str, ...]:
        return self.extracts or (("assessed_inputs",) if self.source == "assessed" else ())


class NoDataDeduction(_Strict):
    """A stated deduction for no data: the item's points less `deduct`, floored at zero."""

    deduct: Param


NoDataPolicy = Literal["zero", "unranked"] | NoDataDeduction


# ----------------------------------------------------------------------------------------------- rules


class _Rule(_Strict):
    points: Param | None = None  # what the rule pays at most; defaults to the item's max
    better: Direction = "higher"


class Linear(_Rule):
    """points × value, the value held within [0, 1] (`better: lower` pays points × (1 − value))."""

    rule: Literal["linear"]


class Proportional(_Rule):
    """points × min(1, value / target): 达到目标得满分，未达按比例 (`lower`: target / value)."""

    rule: Literal["proportional"]
    target: Param


class RelativeToBest(_Rule):
    """points × value / the best value in the group (a group whose best is 0 has nothing to rank)."""

    rule: Literal["relative_to_best"]


class DeductionClass(_Strict):
    input: str = Field(pattern=CODE)
    label: str
    points: Param  # the class's share of the item; the deduction is floored at zero within it


class Deduction(_Rule):
    """points − per_item × count, floored at zero; per class when `classes` are given.

    With classes, each class loses per_item × its count from its own points. When only the total
    is known (a table that prints the sum), the total is deducted from the item's points and the
    reason says that the per-class floors could not be applied.
    """

    rule: Literal["deduction"]
    per_item: Param
    classes: tuple[DeductionClass, ...] = ()
    total_input: str | None = Field(default=None, pattern=CODE)


class Tier(_Strict):
    at_least: float  # for `better: lower`, read as "at most"
    points: float


class Tiers(_Rule):
    """Thresholds: the points of the best tier the value reaches; 0 below the first."""

    rule: Literal["tiers"]
    tiers: tuple[Tier, ...] = Field(min_length=1)


class Steps(_Rule):
    """Full points at the target; per_step lost for every (started) step short of it, floored at 0."""

    rule: Literal["steps"]
    target: Param
    step: Param
    per_step: Param


class Piece(_Strict):
    at_least: float
    points: float
    per: float | None = None  # points × value / per on this piece; a constant without it


class Piecewise(_Rule):
    """Pieces by lower bound, e.g. 人均主动评价数: ≥ 1.18 gives 10, below 8 × value / 1.18."""

    rule: Literal["piecewise"]
    pieces: tuple[Piece, ...] = Field(min_length=1)


class CappedCount(_Rule):
    """per_item × count, capped at the points: e.g. 宣传推广次数 one point each, at most 8."""

    rule: Literal["capped_count"]
    per_item: Param = 1.0


Rule = Annotated[
    Linear | Proportional | RelativeToBest | Deduction | Tiers | Steps | Piecewise | CappedCount,
    Field(discriminator="rule"),
]


class Item(_Strict):
    code: str = Field(pattern=CODE)
    label: str
    max: Param  # the item's weight: what the rubric's notes give it
    input: str | None = Field(default=None, pattern=CODE)
    ratio: tuple[str, str] | None = None  # the value is numerator / denominator of two inputs
    missing: MissingPolicy | dict[str, MissingPolicy] = "zero"  # what a '—' (no value) scores
    no_data: NoDataPolicy | None = None  # what no data scores; the category's policy when not given
    groups: tuple[str, ...] = ()  # the groups it applies to; all when empty
    scoring: Rule
    note: str | None = None

    @model_validator(mode="after")
    def _one_value(self) -> Item:
        has_value = self.input is not None or self.ratio is not None
        if self.scoring.rule == "deduction" and (self.scoring.classes or self.scoring.total_input):
            if has_value:
                raise ValueError("a deduction with classes reads its classes, not `input`")
        elif (self.input is None) == (self.ratio is None):
            raise ValueError("an item reads exactly one of `input` or `ratio`")
        return self

    @property
    def inputs(self) -> tuple[str, ...]:
        if self.ratio:
            return self.ratio
        if self.input:
            return (self.input,)
        scoring = self.scoring
        return tuple(c.input for c in scoring.classes) + (
            (scoring.total_input,) if scoring.total_input else ()
        )


class Category(_Strict):
    code: str = Field(pattern=CODE)
    label: str
    max: Param
    groups: tuple[str, ...] = ()
    no_data: NoDataPolicy | None = None  # the rubric's policy when not given
    items: tuple[Item, ...] = Field(min_length=1)


class DeductionItem(_Strict):
    """扣分项: points taken off the total per counted item, at most `max`."""

    code: str = Field(pattern=CODE)
    label: str
    input: str = Field(pattern=CODE)
    per_item: Param
    max: Param
    groups: tuple[str, ...] = ()


class Target(_Strict):
    """A pass/fail target: met or not, no points (重庆 2021, 涪城 2023)."""

    code: str = Field(pattern=CODE)
    label: str
    input: str = Field(pattern=CODE)
    at_least: Param | None = None
    at_most: Param | None = None
    groups: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a target states exactly one of `at_least` or `at_most`")
        return self


class Group(_Strict):
    """Which organisations a group holds, by the reference columns of `ref_organisations`."""

    label: str
    org_level: Literal["city_dept", "county", "county_dept", "street"]
    city_group: str | None = None


# ---------------------------------------------------------------------------------------------- annexes


class AnnexColumn(_Strict):
    """One printed column: the row number, the name, an input, or a score (items, categories, total)."""

    header: str
    field: Literal["rank", "org_name"] | None = None
    input: str | None = Field(default=None, pattern=CODE)
    score: tuple[str, ...] = ()  # item or category codes, or "total"
    scale: float = 1.0  # printed in units of `scale` (累计办件数（万件）: 10000)

    @model_validator(mode="after")
    def _one_kind(self) -> AnnexColumn:
        if sum((self.field is not None, self.input is not None, bool(self.score))) != 1:
            raise ValueError(f"column {self.header!r} is exactly one of `field`, `input` or `score`")
        return self


class Annex(_Strict):
    title: str
    groups: tuple[str, ...] = Field(min_length=1)
    columns: tuple[AnnexColumn, ...] = Field(min_length=3)
    notes: tuple[str, ...] = ()  # 备注: the lines printed under the table

    @property
    def sort_column(self) -> AnnexColumn:
        """Annexes are printed sorted by their last score column (the subtotal or the total)."""
        return [c for c in self.columns if c.score][-1]


class TableColumn(_Strict):
    """One printed column of a target table: an input, or a figure printed beside it (no input)."""

    header: str
    input: str | None = Field(default=None, pattern=CODE)
    unit: Literal["pct", "ratio", "count"] = "ratio"  # pct: printed as a percentage (×100)
    decimals: int = Field(default=2, ge=0, le=4)
    # A whole value printed without its decimals ("100", "75" beside "62.50"), as 江北 prints rates.
    whole_without_decimals: bool = False


class TargetTable(_Strict):
    """A table published with the targets: `ywtb score --table` checks one as received, and the run
    writes it (out/<YYYY-MM>/<table>.csv) with the rows the profile lists for it, in their order."""

    title: str
    group: str
    name: str  # the header of the organisation's column
    columns: tuple[TableColumn, ...] = Field(min_length=1)


# ---------------------------------------------------------------------------------------------- rubric


class Rubric(_Strict):
    rubric: str
    title: str
    source: str
    total: Param | None = None  # the base score's maximum; None for a scheme of targets only
    groups: dict[str, Group] = Field(min_length=1)
    inputs: dict[str, Input] = {}
    categories: tuple[Category, ...] = ()
    deductions: tuple[DeductionItem, ...] = ()
    targets: tuple[Target, ...] = ()
    annexes: dict[str, Annex] = {}
    tables: dict[str, TargetTable] = {}
    no_data: NoDataPolicy = "zero"
    # The 问题整改台账's default 整改时限: the end of the month this many months after the data month.
    rectify_within_months: int | None = Field(default=None, ge=0)

    def no_data_policy(self, item: Item) -> NoDataPolicy:
        category = next(c for c in self.categories if item in c.items)
        return item.no_data or category.no_data or self.no_data

    def applies(self, entry: Category | Item | DeductionItem | Target, group: str) -> bool:
        return not entry.groups or group in entry.groups

    def categories_of(self, group: str) -> list[Category]:
        return [c for c in self.categories if self.applies(c, group)]

    def items_of(self, category: Category, group: str) -> list[Item]:
        return [i for i in category.items if self.applies(i, group)]

    def item(self, code: str) -> Item:
        return next(i for c in self.categories for i in c.items if i.code == code)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        problems: list[str] = []
        known_groups = set(self.groups)
        entries = [
            *self.categories,
            *(i for c in self.categories for i in c.items),
            *self.deductions,
            *self.targets,
        ]
        for entry in entries:
            where = f"{type(entry).__name__.lower()} {entry.code!r}"
            for g in set(entry.groups) - known_groups:
                problems.append(f"{where}: unknown group {g!r}")
            for name, value in _params(entry):
                if isinstance(value, dict):
                    for g in set(value) - known_groups - {"default"}:
                        problems.append(f"{where}: {name} names unknown group {g!r}")
                    for g in known_groups:
                        if self.applies(entry, g) and resolve(value, g) is None:
                            problems.append(f"{where}: {name} has no value for group {g!r}")
        for item in (i for c in self.categories for i in c.items):
            for code in item.inputs:
                if code not in self.inputs:
                    problems.append(f"item {item.code!r}: input {code!r} is not declared under `inputs`")
        for entry in (*self.deductions, *self.targets):
            if entry.input not in self.inputs:
                problems.append(f"{entry.code!r}: input {entry.input!r} is not declared under `inputs`")
        for code, spec in self.inputs.items():
            for part in spec.sum_of:
                if part not in self.inputs:
                    problems.append(f"input {code!r}: sum_of names undeclared input {part!r}")
        codes = [e.code for e in entries]
        for code in {c for c in codes if codes.count(c) > 1}:
            problems.append(f"code {code!r} is used twice")
        problems += self._sums()
        problems += self._annex_problems(set(codes))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _sums(self) -> list[str]:
        """Item weights add up to their category's maximum, categories to the total, per group."""
        problems = []
        for g in self.groups:
            categories = self.categories_of(g)
            for c in categories:
                items = self.items_of(c, g)
                weights = sum(resolve(i.max, g) for i in items)
                if not math.isclose(weights, resolve(c.max, g)):
                    problems.append(
                        f"category {c.code!r}, group {g!r}: items weigh {weights:g}, the category declares {resolve(c.max, g):g}"
                    )
                for i in items:
                    problems += _item_problems(i, g)
            if categories and self.total is not None:
                total = sum(resolve(c.max, g) for c in categories)
                if not math.isclose(total, resolve(self.total, g)):
                    problems.append(
                        f"group {g!r}: categories weigh {total:g}, the total declares {resolve(self.total, g):g}"
                    )
        return problems

    def _annex_problems(self, codes: set[str]) -> list[str]:
        problems = []
        for name, table in self.tables.items():
            if table.group not in self.groups:
                problems.append(f"tables.{name}: unknown group {table.group!r}")
            for col in table.columns:
                if col.input and col.input not in self.inputs:
                    problems.append(f"tables.{name}, column {col.header!r}: undeclared input {col.input!r}")
        for name, annex in self.annexes.items():
            for g in set(annex.groups) - set(self.groups):
                problems.append(f"annex {name!r}: unknown group {g!r}")
            for col in annex.columns:
                if col.input and col.input not in self.inputs:
                    problems.append(f"annex {name!r}, column {col.header!r}: undeclared input {col.input!r}")
                for code in set(col.score) - codes - {"total"}:
                    problems.append(f"annex {name!r}, column {col.header!r}: unknown score {code!r}")
        return problems


def _params(entry: BaseModel):
    for name, value in entry:
        if isinstance(value, dict) or (name in {"max", "points", "target", "per_item", "step", "per_step"}):
            yield name, value
    scoring = getattr(entry, "scoring", None)
    if scoring is not None:
        yield from ((f"scoring.{n}", v) for n, v in _params(scoring))
        for cls in getattr(scoring, "classes", ()):
            yield f"class {cls.input}.points", cls.points


def _item_problems(item: Item, group: str) -> list[str]:
    """A rule must not pay more than the item is worth, and deduction classes must share it exactly."""
    where = f"item {item.code!r}, group {group!r}"
    weight = resolve(item.max, group)
    scoring = item.scoring
    paid = resolve(scoring.points, group)
    if paid is not None and paid > weight + 1e-9:
        return [f"{where}: the rule pays {paid:g}, more than the item's {weight:g}"]
    if scoring.rule == "deduction" and scoring.classes:
        shares = sum(resolve(c.points, group) for c in scoring.classes)
        if not math.isclose(shares, weight):
            return [f"{where}: classes share {shares:g} points, the item is worth {weight:g}"]
    tops = {
        "tiers": [t.points for t in getattr(scoring, "tiers", ())],
        "piecewise": [p.points for p in getattr(scoring, "pieces", ())],
    }
    if any(p > weight + 1e-9 for p in tops.get(scoring.rule, [])):
        return [f"{where}: a tier or piece pays more than the item's {weight:g}"]
    return []


def _describe(error: dict, data: dict) -> str:
    """'categories[0].items[3] (guide_anomalies)': a location a person can find in the file."""
    parts, node = [], data
    for key in error["loc"]:
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "code" in node:
                parts[-1] += f" ({node['code']})"
        elif isinstance(node, dict) and key in node:
            parts.append(str(key))
            node = node[key]
        elif isinstance(node, dict) and node.get("rule") == key:
            continue  # pydantic adds the rule kind to the location; the file does not have it there
        else:
            parts.append(str(key))  # a key the file lacks (a missing field)
            node = None
    return ".".join(parts) or "(top level)"


def parse_rubric(text: str, name: str) -> Rubric:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise RubricError(f"{name}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{name}: a rubric is a mapping of keys, got {type(data).__name__}")
    try:
        return Rubric.model_validate(data)
    except ValidationError as e:
        lines = [
            f"{name}: {_describe(err, data)}: {err['msg'].removeprefix('Value error, ')}"
            for err in e.errors()
        ]
        raise RubricError("\n".join(lines)) from None


def rubric_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"}:
        return path
    candidate = RUBRICS_DIR / f"{name_or_path}.yaml"
    if not candidate.exists():
        known = ", ".join(sorted(p.stem for p in RUBRICS_DIR.glob("*.yaml")))
        raise RubricError(f"no rubric {name_or_path!r}; shipped rubrics: {known}")
    return candidate


@cache
def catalogue_codes(source: str) -> frozenset[str]:
    with INDICATOR_CATALOGUES[source].open(encoding="utf-8", newline="") as f:
        return frozenset(row["indicator_code"] for row in csv.DictReader(f))


def unknown_indicators(rubric: Rubric) -> list[str]:
    """Inputs naming an indicator their catalogue does not have. An input that is a sum of others is
    computed from them, and they are checked instead."""
    problems = []
    for code, spec in rubric.inputs.items():
        indicator = spec.indicator or code
        if spec.sum_of or indicator in catalogue_codes(spec.source):
            continue
        kind = "indicator" if spec.source == "indicator" else f"{spec.source} indicator"
        catalogue = INDICATOR_CATALOGUES[spec.source]
        problems.append(
            f"inputs.{code}: unknown {kind} {indicator!r} (not in {catalogue.relative_to(REPOSITORY)})"
        )
    return problems


@cache
def load_rubric(name_or_path: str | Path) -> Rubric:
    """A shipped rubric by name (`dazhou-2021`) or any rubric file by path."""
    path = rubric_path(name_or_path)
    rubric = parse_rubric(path.read_text(encoding="utf-8"), str(path))
    problems = unknown_indicators(rubric)
    if problems:
        raise RubricError("\n".join(f"{path}: {p}" for p in problems))
    return rubric


def shipped_rubrics() -> list[str]:
    return sorted(p.stem for p in RUBRICS_DIR.glob("*.yaml"))
