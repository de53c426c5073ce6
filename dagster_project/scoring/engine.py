"""The scoring engine: a rubric and a group's input values in, points per item, subtotals, totals and
ranks out, with the reason for every point lost. Pure: no warehouse, no files, no Dagster.

Values are fractions for rates. An organisation's inputs are a mapping from input code to a number,
None or NO_DATA: None is a '—' (nothing to measure) and the item's missing-value policy decides what
it scores; NO_DATA is 未报送 (the organisation delivered none of the rows the input is measured from)
and the rubric's no-data policy decides; an input code that is absent altogether was not given (a
printed table without that column), and the item cannot be computed unless its points are given as
printed (see `given`).

A reason states what the rule pays ("达到 85.00% 得 3 分"), never "满分" beside fewer points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from schemas.raw import CONTRACTS
from schemas.rubric import Category, Item, NoDataDeduction, NoDataPolicy, Rubric, resolve


class _NoData:
    """未报送: no rows of the extract the input is measured from, as opposed to a '—'."""

    def __repr__(self) -> str:
        return "NO_DATA"


NO_DATA = _NoData()
NO_DATA_TEXT = "未报送"
Inputs = Mapping[str, float | None | _NoData]
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
    status: str  # scored | missing_full | missing_mean | missing_zero | excluded | no_data | absent
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
    ranked: bool = True  # False: no data where the rubric says so, listed after every ranked one


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
        if num is NO_DATA or den is NO_DATA:
            return NO_DATA
        if num is None or den is None or den == 0:
            return None
        return num / den
    if item.input:
        return inputs.get(item.input, ABSENT)
    # A deduction by class: the classes when all are known, else the printed total.
    scoring = item.scoring
    classes = [inputs.get(c.input, ABSENT) for c in scoring.classes]
    if classes and all(v is not ABSENT for v in classes):
        if any(v is NO_DATA for v in classes):
            return NO_DATA
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


def _full_points(item: Item, group: str) -> float:
    """What the rule pays at most: its own `points`, else the item's weight."""
    full = resolve(item.scoring.points, group)
    return resolve(item.max, group) if full is None else full


def _full_marks_at(item: Item, group: str, best: float | None) -> float | None:
    """The value that gives the rule's full points, for every rule kind (one place for all)."""
    s = item.scoring
    lower = s.better == "lower"
    match s.rule:
        case "linear":
            return 0.0 if lower else 1.0
        case "proportional" | "steps":
            return resolve(s.target, group)
        case "relative_to_best":
            return best
        case "deduction":
            return 0.0
        case "tiers":
            return max(s.tiers, key=lambda t: t.points).at_least
        case "piecewise":
            return _top_piece(s.pieces).at_least
        case "capped_count":
            return _full_points(item, group) / resolve(s.per_item, group)
    raise AssertionError(f"unknown rule {s.rule}")  # the rubric schema admits no other kind


def _top_piece(pieces):
    """The piece that pays the rule's most: the highest constant, reached first."""
    return max(pieces, key=lambda p: (p.points if p.per is None else -1, -p.at_least))


def _rule_points(item: Item, group: str, value, best: float | None) -> tuple[float, str]:
    """(points, reason) for a known value."""
    s = item.scoring
    full = _full_points(item, group)
    lower = s.better == "lower"
    show = _num if item.input is None and not item.ratio else _pct
    match s.rule:
        case "linear":
            x = min(1.0, max(0.0, value))
            points = full * (1 - x if lower else x)
            return points, f"{item.label} {_pct(value)}，{'0' if lower else '100'}% 得 {full:g} 分，按比例计"
        case "proportional":
            t = resolve(s.target, group)
            # lower is better: full up to the target, then target / value
            share = min(1.0, t / value if value > 0 else 1.0) if lower else min(1.0, max(0.0, value) / t)
            return (
                full * share,
                f"{item.label} {_pct(value)}，{'不高于' if lower else '达到'} {_pct(t)} 得 {full:g} 分，未达按比例",
            )
        case "relative_to_best":
            if best is None or best <= 0:
                return full, f"{item.label}：本组无可比较的值，得 {full:g} 分"
            share = (best / value if value > 0 else 0.0) if lower else max(0.0, value) / best
            return full * min(1.0, share), f"{item.label} {_num(value)}，本组最优 {_num(best)} 得 {full:g} 分"
        case "deduction":
            per = resolve(s.per_item, group)
            if isinstance(value, tuple):
                points = sum(
                    max(0.0, resolve(c.points, group) - per * n)
                    for c, n in zip(s.classes, value, strict=True)
                )
                parts = "、".join(f"{c.label} {n:g}" for c, n in zip(s.classes, value, strict=True) if n)
                return points, f"{item.label} {parts or 0}，每个扣 {per:g} 分"
            points = max(0.0, full - per * value)
            note = "（只知合计，未分类封顶）" if s.classes else ""
            return points, f"{item.label} {value:g} 个，每个扣 {per:g} 分{note}"
        case "tiers":
            reached = [t for t in s.tiers if (value <= t.at_least if lower else value >= t.at_least)]
            points = max((t.points for t in reached), default=0.0)
            top = max(s.tiers, key=lambda t: t.points)
            word = "不高于" if lower else "达到"
            return points, f"{item.label} {show(value)}，{word} {show(top.at_least)} 得 {top.points:g} 分"
        case "steps":
            t, step, per = (resolve(p, group) for p in (s.target, s.step, s.per_step))
            shortfall = (value - t) if lower else (t - value)
            steps = 0 if shortfall <= 0 else math.ceil(shortfall / step - 1e-9)
            return (
                max(0.0, full - per * steps),
                f"{item.label} {show(value)}，距目标 {show(t)} {steps} 档，每档扣 {per:g} 分",
            )
        case "piecewise":
            pieces = sorted(s.pieces, key=lambda p: p.at_least)
            piece = next((p for p in reversed(pieces) if value >= p.at_least), None)
            points = min(_piece_points(piece, value), full)
            top = _top_piece(pieces)
            return points, f"{item.label} {value:.2f}，达到 {top.at_least:g} 得 {min(top.points, full):g} 分"
        case "capped_count":
            per = resolve(s.per_item, group)
            return min(
                full, per * max(0.0, value)
            ), f"{item.label} {value:g}，每个 {per:g} 分，封顶 {full:g} 分"
    raise AssertionError(f"unknown rule {s.rule}")  # the rubric schema admits no other kind


def _piece_points(piece, value: float) -> float:
    if piece is None:
        return 0.0  # below the first piece
    return piece.points * value / piece.per if piece.per else piece.points


def _item_scores(
    category: Category,
    item: Item,
    group: str,
    inputs: Mapping[str, Inputs],
    no_data: NoDataPolicy,
    needs: tuple[str, ...],
) -> list[ItemScore]:
    raw = {org: _value(item, values) for org, values in inputs.items()}
    known = {
        org: _count(v) for org, v in raw.items() if v is not ABSENT and v is not None and v is not NO_DATA
    }
    better_is_lower = item.scoring.better == "lower"
    best = (min if better_is_lower else max)(known.values(), default=None)
    full_at = _full_marks_at(item, group, best)
    weight = resolve(item.max, group)
    full = _full_points(item, group)
    policy = resolve(item.missing, group)
    results = []
    for org, value in raw.items():
        status = "scored"
        if value is ABSENT:
            results.append(_score(org, group, category, item, weight, None, None, None, "absent", "未提供"))
            continue
        if value is NO_DATA:
            points, reason = _no_data_points(no_data, group, full, needs)
            results.append(
                _score(org, group, category, item, weight, None, points, full_at, "no_data", reason)
            )
            continue
        if value is None and policy == "mean":
            others = [v for o, v in known.items() if o != org]
            if others:
                value, status = sum(others) / len(others), "missing_mean"
        if value is None:
            outcome = {
                "excluded": (None, "excluded", "—，不适用，不计分"),
                "zero": (0.0, "missing_zero", "—，不得分"),
            }.get(policy, (full, "missing_full", f"—，无可计算的值，得 {full:g} 分"))
            points, status, reason = outcome
            results.append(_score(org, group, category, item, weight, None, points, full_at, status, reason))
            continue
        points, reason = _rule_points(item, group, value, best)
        if status == "missing_mean":
            reason = f"—，按同组其他单位平均值计：{reason}"
        results.append(
            _score(org, group, category, item, weight, _count(value), points, full_at, status, reason)
        )
    return results


def _no_data_points(
    policy: NoDataPolicy, group: str, full: float, needs: tuple[str, ...]
) -> tuple[float, str]:
    """(points, reason) of an item whose data did not arrive."""
    what = "、".join(CONTRACTS[e].label for e in needs if e in CONTRACTS)
    said = f"{NO_DATA_TEXT}{f'{what}数据' if what else '数据'}"
    if isinstance(policy, NoDataDeduction):
        deduct = resolve(policy.deduct, group)
        return max(0.0, full - deduct), f"{said}，扣 {deduct:g} 分"
    if policy == "unranked":
        return 0.0, f"{said}，不得分，不参加排名"
    return 0.0, f"{said}，不得分"


def _score(org, group, category, item, weight, value, points, full_at, status, reason) -> ItemScore:
    return ItemScore(
        org_code=org,
        group=group,
        category=category.code,
        item=item.code,
        label=item.label,
        value=value,
        points=points,
        max_points=weight,
        full_points=_full_points(item, group),
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
        scored = []
        for item in rubric.items_of(category, group):
            policy = rubric.no_data_policy(item)
            needs = tuple(dict.fromkeys(e for c in item.inputs for e in rubric.inputs[c].needs))
            mine = _item_scores(category, item, group, inputs, policy, needs)
            scored += mine
            if policy == "unranked":
                for s in mine:
                    if s.status == "no_data":
                        orgs[s.org_code].ranked = False
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
    """Competition ranking by total (1, 2, 2, 4), on unrounded totals; no total, no rank; an
    organisation left unranked for no data has no rank either."""
    ordered = sorted((c for c in cards if c.total is not None and c.ranked), key=lambda c: -c.total)
    for c in ordered:
        c.rank = 1 + sum(1 for o in ordered if o.total > c.total + 1e-9)


def _target(target, group: str, org: str, values: Inputs) -> TargetResult:
    value = values.get(target.input)
    if value is NO_DATA:
        value = None  # a target is met or not on data; none arrived
    at_least, at_most = resolve(target.at_least, group), resolve(target.at_most, group)
    bound = f"≥ {at_least:g}" if at_least is not None else f"≤ {at_most:g}"
    if value is None:
        met = None
    else:
        met = value >= at_least - 1e-12 if at_least is not None else value <= at_most + 1e-12
    return TargetResult(org, group, target.code, target.label, value, bound, met)
