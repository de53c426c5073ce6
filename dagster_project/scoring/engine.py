"""The scoring engine: a rubric and a group's input values in, points per item, subtotals, totals and
ranks out, with the reason for every point lost. Pure: no warehouse, no files, no Dagster.

Values are fractions for rates. An organisation's inputs are a mapping from input code to a number
or None: None is a '—' (not applicable) and the item's missing-value policy decides what it scores;
an input code that is absent altogether was not given (a printed table without that column), and the
item cannot be computed unless its points are given as printed (see `given`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from schemas.rubric import Category, Item, Rubric, resolve

Inputs = Mapping[str, float | None]
ABSENT = object()  # an input the caller did not give, as opposed to a '—'


def printed(x: float | None, places: int = 2) -> float | None:
    """Round half up, as the published tables do (Python's round() rounds half to even)."""
    if x is None:
        return None
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ItemScore:
    org_code: str
    group: str
    category: str
    item: str
    label: str
    value: float | None  # the value scored (after the missing-value policy); None when not computable
    points: float | None  # None: not computable from what was given
    max_points: float  # the item's weight
    full_points: float  # what the rule pays at most (can be below the weight, see the rubric's note)
    full_marks_at: float | None  # the value that would have given the rule's full points
    status: str  # scored | missing_full | missing_mean | missing_zero | excluded | given | absent
    reason: str  # why points were lost, in the words of the tables

    @property
    def lost(self) -> float:
        return 0.0 if self.points is None else max(0.0, self.full_points - self.points)


@dataclass(frozen=True)
class TargetResult:
    org_code: str
    group: str
    target: str
    label: str
    value: float | None
    bound: str  # "≥ 80.00%" / "≤ 0.3"
    met: bool | None  # None: no value


@dataclass
class OrgScore:
    org_code: str
    group: str
    categories: dict[str, float | None] = field(default_factory=dict)
    deductions: dict[str, float] = field(default_factory=dict)
    total: float | None = None
    rank: int | None = None


@dataclass
class Scorecard:
    items: list[ItemScore]
    orgs: list[OrgScore]
    targets: list[TargetResult]

    def org(self, org_code: str) -> OrgScore:
        return next(o for o in self.orgs if o.org_code == org_code)

    def item(self, org_code: str, item: str) -> ItemScore:
        return next(i for i in self.items if i.org_code == org_code and i.item == item)


# ------------------------------------------------------------------------------------------- values


def _value(item: Item, inputs: Inputs):
    """The item's raw value for one organisation: a number, None ('—'), or ABSENT."""
    if item.ratio:
        num, den = (inputs.get(code, ABSENT) for code in item.ratio)
        if num is ABSENT or den is ABSENT:
            return ABSENT
        if num is None or den is None or den == 0:
            return None
        return num / den
    if item.input:
        return inputs.get(item.input, ABSENT)
    # A deduction by class: the classes when all are known, else the printed total.
    scoring = item.scoring
    classes = [inputs.get(c.input, ABSENT) for c in scoring.classes]
    if classes and all(v is not ABSENT for v in classes):
        return None if all(v is None for v in classes) else tuple(v or 0.0 for v in classes)
    if scoring.total_input:
        return inputs.get(scoring.total_input, ABSENT)
    return ABSENT


def _count(value) -> float:
    return sum(value) if isinstance(value, tuple) else value


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


# -------------------------------------------------------------------------------------------- rules


def _rule_points(item: Item, group: str, value, best: float | None) -> tuple[float, float | None, str]:
    """(points, the value that gives full points, reason) for a known value."""
    s = item.scoring
    full = resolve(s.points, group)
    if full is None:
        full = resolve(item.max, group)
    lower = s.better == "lower"
    show = _num if item.input is None and not item.ratio else _pct
    match s.rule:
        case "linear":
            x = min(1.0, max(0.0, value))
            points = full * (1 - x if lower else x)
            return (
                points,
                0.0 if lower else 1.0,
                f"{item.label} {_pct(value)}，{'0' if lower else '100'}% 得满分",
            )
        case "proportional":
            t = resolve(s.target, group)
            # lower is better: full up to the target, then target / value
            share = min(1.0, t / value if value > 0 else 1.0) if lower else min(1.0, max(0.0, value) / t)
            return (
                full * share,
                t,
                f"{item.label} {_pct(value)}，{'不高于' if lower else '达到'} {_pct(t)} 得满分，未达按比例",
            )
        case "relative_to_best":
            if best is None or best <= 0:
                return full, best, f"{item.label}：本组无可比较的值，得满分"
            share = (best / value if value > 0 else 0.0) if lower else max(0.0, value) / best
            return full * min(1.0, share), best, f"{item.label} {_num(value)}，本组最优 {_num(best)}"
        case "deduction":
            per = resolve(s.per_item, group)
            if isinstance(value, tuple):
                points = sum(
                    max(0.0, resolve(c.points, group) - per * n)
                    for c, n in zip(s.classes, value, strict=True)
                )
                parts = "、".join(f"{c.label} {n:g}" for c, n in zip(s.classes, value, strict=True) if n)
                return points, 0.0, f"{item.label} {parts or 0}，每个扣 {per:g} 分"
            points = max(0.0, full - per * value)
            note = "（只知合计，未分类封顶）" if s.classes else ""
            return points, 0.0, f"{item.label} {value:g} 个，每个扣 {per:g} 分{note}"
        case "tiers":
            reached = [t for t in s.tiers if (value <= t.at_least if lower else value >= t.at_least)]
            points = max((t.points for t in reached), default=0.0)
            top = max(s.tiers, key=lambda t: t.points)
            return (
                points,
                top.at_least,
                f"{item.label} {show(value)}，{'不高于' if lower else '达到'} {show(top.at_least)} 得满分",
            )
        case "steps":
            t, step, per = (resolve(p, group) for p in (s.target, s.step, s.per_step))
            shortfall = (value - t) if lower else (t - value)
            steps = 0 if shortfall <= 0 else math.ceil(shortfall / step - 1e-9)
            return (
                max(0.0, full - per * steps),
                t,
                f"{item.label} {show(value)}，距目标 {show(t)} {steps} 档，每档扣 {per:g} 分",
            )
        case "piecewise":
            pieces = sorted(s.pieces, key=lambda p: p.at_least)
            piece = next((p for p in reversed(pieces) if value >= p.at_least), None)
            points = _piece_points(piece, value)
            top = max(pieces, key=lambda p: (p.points if p.per is None else -1, -p.at_least))
            return min(points, full), top.at_least, f"{item.label} {value:.2f}，达到 {top.at_least:g} 得满分"
        case "capped_count":
            per = resolve(s.per_item, group)
            return (
                min(full, per * max(0.0, value)),
                full / per,
                f"{item.label} {value:g}，每个 {per:g} 分，封顶 {full:g} 分",
            )
    raise AssertionError(f"unknown rule {s.rule}")  # the rubric schema admits no other kind


def _piece_points(piece, value: float) -> float:
    if piece is None:
        return 0.0  # below the first piece
    return piece.points * value / piece.per if piece.per else piece.points


def _item_scores(category: Category, item: Item, group: str, inputs: Mapping[str, Inputs]) -> list[ItemScore]:
    raw = {org: _value(item, values) for org, values in inputs.items()}
    known = {org: _count(v) for org, v in raw.items() if v is not ABSENT and v is not None}
    better_is_lower = item.scoring.better == "lower"
    best = (min if better_is_lower else max)(known.values(), default=None)
    weight = resolve(item.max, group)
    policy = resolve(item.missing, group)
    results = []
    for org, value in raw.items():
        status = "scored"
        if value is ABSENT:
            results.append(_score(org, group, category, item, weight, None, None, None, "absent", "未提供"))
            continue
        if value is None and policy == "mean":
            others = [v for o, v in known.items() if o != org]
            if others:
                value, status = sum(others) / len(others), "missing_mean"
        if value is None:
            full = resolve(item.scoring.points, group)
            outcome = {
                "excluded": (None, "excluded", "—，不适用，不计分"),
                "zero": (0.0, "missing_zero", "—，不得分"),
            }.get(policy, (weight if full is None else full, "missing_full", "—，得满分"))
            points, status, reason = outcome
            results.append(_score(org, group, category, item, weight, None, points, None, status, reason))
            continue
        points, full_at, reason = _rule_points(item, group, value, best)
        if status == "missing_mean":
            reason = f"—，按同组其他单位平均值计：{reason}"
        results.append(
            _score(org, group, category, item, weight, _count(value), points, full_at, status, reason)
        )
    return results


def _score(org, group, category, item, weight, value, points, full_at, status, reason) -> ItemScore:
    full = resolve(item.scoring.points, group)
    return ItemScore(
        org_code=org,
        group=group,
        category=category.code,
        item=item.code,
        label=item.label,
        value=value,
        points=points,
        max_points=weight,
        full_points=weight if full is None else full,
        full_marks_at=full_at,
        status=status,
        reason=reason,
    )


# ---------------------------------------------------------------------------------------- the group


def score_group(
    rubric: Rubric,
    group: str,
    inputs: Mapping[str, Inputs],
    given: Mapping[str, Mapping[tuple[str, ...], float | None]] | None = None,
) -> Scorecard:
    """Score every organisation of one group. `inputs`: org code -> input code -> value.

    `given`: org code -> (item or category codes) -> points as printed, used for items whose inputs
    were not given (附件1 prints the data-sharing sub-scores, not their inputs).
    """
    if group not in rubric.groups:
        raise KeyError(f"rubric {rubric.rubric} has no group {group!r}; it has {', '.join(rubric.groups)}")
    given = given or {}
    items: list[ItemScore] = []
    orgs = {org: OrgScore(org, group) for org in inputs}
    for category in rubric.categories_of(group):
        scored = [
            s
            for item in rubric.items_of(category, group)
            for s in _item_scores(category, item, group, inputs)
        ]
        items += scored
        for org, card in orgs.items():
            mine = [s for s in scored if s.org_code == org]
            card.categories[category.code] = _subtotal(category, group, mine, given.get(org, {}))
    for card in orgs.values():
        for d in rubric.deductions:
            if rubric.applies(d, group):
                count = inputs[card.org_code].get(d.input)
                card.deductions[d.code] = min(
                    resolve(d.max, group), resolve(d.per_item, group) * (count or 0.0)
                )
        parts = list(card.categories.values())
        if any(p is None for p in parts):
            card.total = given.get(card.org_code, {}).get(("total",))
        elif parts:
            card.total = max(0.0, sum(parts) - sum(card.deductions.values()))
    _rank(list(orgs.values()))
    targets = [
        _target(t, group, org, values)
        for t in rubric.targets
        if rubric.applies(t, group)
        for org, values in inputs.items()
    ]
    return Scorecard(items, list(orgs.values()), targets)


def _subtotal(category: Category, group: str, scored: list[ItemScore], given) -> float | None:
    """Σ points; printed sub-scores stand in for items that could not be computed; excluded items
    leave the category scored on what remains, scaled to its maximum."""
    if (category.code,) in given:
        return given[(category.code,)]
    points = {s.item: s.points for s in scored if s.status != "excluded"}
    for codes, value in given.items():
        if set(codes) <= set(points) and any(points[c] is None for c in codes):
            for c in codes:
                points.pop(c)
            points[codes] = value
    if any(p is None for p in points.values()):
        return None
    weight = resolve(category.max, group)
    excluded = sum(s.max_points for s in scored if s.status == "excluded")
    total = sum(points.values())
    return total * weight / (weight - excluded) if excluded and weight > excluded else total


def _rank(cards: list[OrgScore]) -> None:
    """Competition ranking by total (1, 2, 2, 4), on unrounded totals; no total, no rank."""
    ordered = sorted((c for c in cards if c.total is not None), key=lambda c: -c.total)
    for c in ordered:
        c.rank = 1 + sum(1 for o in ordered if o.total > c.total + 1e-9)


def _target(target, group: str, org: str, values: Inputs) -> TargetResult:
    value = values.get(target.input)
    at_least, at_most = resolve(target.at_least, group), resolve(target.at_most, group)
    bound = f"≥ {at_least:g}" if at_least is not None else f"≤ {at_most:g}"
    if value is None:
        met = None
    else:
        met = value >= at_least - 1e-12 if at_least is not None else value <= at_most + 1e-12
    return TargetResult(org, group, target.code, target.label, value, bound, met)
