"""The scoring engine on hand-worked examples: every rule kind, every missing-value policy, the
rules the published data never exercises, subtotals, deductions outside the base, ranks, targets."""

import textwrap

import pytest
import yaml

from dagster_project.scoring.engine import printed, score_group
from schemas.rubric import load_rubric, parse_rubric


def rubric(items: str, *, total: int | None = None, extra: str = "", inputs: str = ""):
    """A one-category rubric around the items given (YAML), worth the sum of their weights."""
    body = textwrap.dedent(items).strip("\n")
    text = textwrap.dedent(
        """
        rubric: test
        title: test
        source: hand-worked examples
        groups:
          g: {label: 测试组, org_level: city_dept}
          h: {label: 另一组, org_level: county}
        inputs:
          x: {label: 值}
          y: {label: 另一个值}
          n: {label: 个数, unit: count}
          a: {label: 甲类, unit: count}
          b: {label: 乙类, unit: count}
        """
    )
    text += textwrap.indent(textwrap.dedent(inputs).strip("\n"), "  ") + "\n" if inputs else ""
    weights = sum(item["max"] for item in yaml.safe_load(body))
    text += f"total: {total if total is not None else weights:g}\n"
    text += f"categories:\n  - code: c\n    label: 类\n    max: {weights:g}\n    items:\n"
    text += textwrap.indent(body, "      ") + "\n"
    text += textwrap.dedent(extra)
    return parse_rubric(text, "test.yaml")


def points(r, values: dict, group: str = "g") -> dict[str, float]:
    card = score_group(r, group, {org: v for org, v in values.items()})
    return {s.org_code: s.points for s in card.items}


def test_linear_pays_the_rate_held_within_zero_and_one():
    r = rubric("""
        - {code: i, label: 认领率, max: 3, input: x, scoring: {rule: linear}}
    """)
    got = points(r, {"o1": {"x": 0.9932}, "o2": {"x": 1.27}, "o3": {"x": -0.1}})
    assert got == pytest.approx({"o1": 2.9796, "o2": 3.0, "o3": 0.0})


def test_linear_lower_is_better_pays_the_complement():
    # 本月超期率 2.5 % on 4 points: 4 × (1 − 0.025) = 3.9 (never exercised by the published data)
    r = rubric("""
        - {code: i, label: 本月超期率, max: 4, input: x, scoring: {rule: linear, better: lower}}
    """)
    assert points(r, {"o": {"x": 0.025}})["o"] == pytest.approx(3.9)


def test_proportional_is_full_at_the_target_and_pro_rata_below():
    # 即办事项占比 48.39 % against 51 % on 3 points: 3 × 0.4839 / 0.51 = 2.84647
    r = rubric("""
        - {code: i, label: 即办事项占比, max: 3, input: x, scoring: {rule: proportional, target: 0.51}}
    """)
    got = points(r, {"low": {"x": 0.4839}, "high": {"x": 0.8022}})
    assert got["low"] == pytest.approx(2.846470588)
    assert got["high"] == 3.0


def test_proportional_lower_is_better_pays_target_over_value():
    # 平均到现场次数 0.6 against at most 0.3 on 5 points: 5 × 0.3 / 0.6 = 2.5
    r = rubric("""
        - {code: i, label: 到现场次数, max: 5, input: x, scoring: {rule: proportional, target: 0.3, better: lower}}
    """)
    assert points(r, {"o": {"x": 0.6}, "p": {"x": 0.2}}) == pytest.approx({"o": 2.5, "p": 5.0})


def test_relative_to_best_scales_by_the_group_maximum():
    # 累计办件数 2 points against the best of the group (54060): 17648 → 2 × 17648 / 54060 = 0.65291
    r = rubric("""
        - {code: i, label: 累计办件数, max: 2, input: n, scoring: {rule: relative_to_best}}
    """)
    got = points(r, {"best": {"n": 54060}, "o": {"n": 17648}, "none": {"n": 0}})
    assert got == pytest.approx({"best": 2.0, "o": 0.652904180, "none": 0.0})


def test_relative_to_best_gives_full_marks_when_nobody_has_anything():
    r = rubric("""
        - {code: i, label: 项目数, max: 2, input: n, scoring: {rule: relative_to_best}}
    """)
    assert points(r, {"o": {"n": 0}, "p": {"n": 0}}) == {"o": 2.0, "p": 2.0}


def test_deduction_is_floored_at_zero_within_each_class():
    # 准确类 60 anomalies at 0.1 would cost 6 but the class holds 5; 乙类 3 cost 0.3 of its 4: 0 + 3.7
    r = rubric("""
        - code: i
          label: 办事指南异常数
          max: 9
          scoring:
            rule: deduction
            per_item: 0.1
            classes:
              - {input: a, label: 准确类, points: 5}
              - {input: b, label: 错敏类, points: 4}
    """)
    card = score_group(r, "g", {"o": {"a": 60, "b": 3}})
    assert card.item("o", "i").points == pytest.approx(3.7)
    assert "准确类 60" in card.item("o", "i").reason


def test_deduction_from_a_printed_total_cannot_apply_the_class_floors():
    r = rubric(
        """
        - code: i
          label: 办事指南异常数
          max: 9
          scoring:
            rule: deduction
            per_item: 0.1
            total_input: t
            classes:
              - {input: a, label: 准确类, points: 5}
              - {input: b, label: 错敏类, points: 4}
        """,
        inputs="t: {label: 合计, unit: count, sum_of: [a, b]}",
    )
    card = score_group(r, "g", {"o": {"t": 63}})
    assert card.item("o", "i").points == pytest.approx(2.7)
    assert "未分类封顶" in card.item("o", "i").reason


def test_deduction_of_one_count_from_the_item():
    # 应用异常数 3 on 6 points, 1 each: 3; 9 anomalies cannot go below 0
    r = rubric("""
        - {code: i, label: 应用异常数, max: 6, input: n, scoring: {rule: deduction, per_item: 1}}
    """)
    assert points(r, {"o": {"n": 3}, "p": {"n": 9}}) == {"o": 3.0, "p": 0.0}


def test_tiers_pay_the_best_threshold_reached():
    # 004 即办件率: <5 % 0, 5–7 % 2, 7–10 % 4, ≥10 % 5; the bounds belong to the upper tier
    r = load_rubric("city-dept-004")
    card = score_group(
        r, "city_dept", {f"o{v}": {"instant_matter_share": v} for v in (0.049, 0.05, 0.0699, 0.07, 0.1, 0.6)}
    )
    got = [card.item(f"o{v}", "instant_share").points for v in (0.049, 0.05, 0.0699, 0.07, 0.1, 0.6)]
    assert got == [0, 2, 2, 4, 5, 5]


def test_time_limit_steps_of_rubric_004():
    # 时限压缩 50–55 % 3, 55–60 % 6, ≥ 60 % 10
    r = load_rubric("city-dept-004")
    values = (0.49, 0.5, 0.57, 0.6)
    card = score_group(r, "city_dept", {f"o{v}": {"time_limit_compression_rate": v} for v in values})
    assert [card.item(f"o{v}", "time_limit_reduction").points for v in values] == [0, 3, 6, 10]


def test_steps_lose_points_per_started_step_short_of_the_target():
    # 每低于目标 1 个百分点扣 0.5 分: 96.5 % against 100 % is 3.5 points short → 4 steps → 10 − 2 = 8
    r = rubric("""
        - {code: i, label: 按时办结率, max: 10, input: x, scoring: {rule: steps, target: 1.0, step: 0.01, per_step: 0.5}}
    """)
    got = points(r, {"o": {"x": 0.965}, "p": {"x": 1.0}, "q": {"x": 0.5}, "r": {"x": 0.99}})
    assert got == pytest.approx({"o": 8.0, "p": 10.0, "q": 0.0, "r": 9.5})


def test_piecewise_per_capita_evaluations():
    # 人均主动评价数: ≥ 1.18 gives 10; 0.66 gives 8 × 0.66 / 1.18 = 4.47458
    r = load_rubric("dazhou-2021")
    card = score_group(
        r,
        "county",
        {c: {"active_evaluations_per_capita": v} for c, v in {"a": 0.66, "b": 1.18, "c": 2.4}.items()},
    )
    got = {c: card.item(c, "active_evaluations_per_capita").points for c in "abc"}
    assert got == pytest.approx({"a": 4.474576271, "b": 10.0, "c": 10.0})


def test_capped_count_pays_per_item_up_to_the_cap():
    r = load_rubric("dazhou-2021")
    card = score_group(r, "city_a", {"o": {"promotion_count": 3, "app_access_count": 22}})
    assert card.item("o", "promotion").points == 3.0
    assert card.item("o", "app_access").points == 4.0  # 22 applications, capped at 4 points
    county = score_group(r, "county", {"o": {"promotion_count": 5, "app_access_count": 2}})
    assert county.item("o", "promotion").points == 3.0  # the county cap
    assert county.item("o", "app_access").points == 2.0


MISSING = """
- {code: i, label: 证照生产率, max: 8, input: x, missing: %s, scoring: {rule: linear}}
- {code: j, label: 其他, max: 2, input: y, scoring: {rule: linear}}
"""


@pytest.mark.parametrize(
    ("policy", "expected_points", "expected_subtotal"),
    [
        ("full", 8.0, 10.0),
        ("zero", 0.0, 2.0),
        # the mean of the others' values, 0.9 and 0.6 → 0.75, scored: 8 × 0.75
        ("mean", 6.0, 8.0),
        # left out: 2 of 2 on the remaining item, scaled to the category's 10
        ("excluded", None, 10.0),
    ],
)
def test_missing_value_policies(policy, expected_points, expected_subtotal):
    r = rubric(MISSING % policy)
    card = score_group(
        r, "g", {"dash": {"x": None, "y": 1.0}, "p": {"x": 0.9, "y": 1}, "q": {"x": 0.6, "y": 1}}
    )
    assert card.item("dash", "i").points == expected_points
    assert card.org("dash").categories["c"] == pytest.approx(expected_subtotal)
    assert card.item("dash", "i").status == ("excluded" if policy == "excluded" else f"missing_{policy}")


def test_mean_policy_without_others_falls_back_to_full_marks():
    r = rubric(MISSING % "mean")
    card = score_group(r, "g", {"alone": {"x": None, "y": 1.0}})
    assert card.item("alone", "i").points == 8.0


def test_group_specific_parameters_and_missing_policies():
    r = load_rubric("dazhou-2021")
    values = {
        "o": {"full_online_rate": 0.425, "certificate_production_rate": None},
        "p": {"certificate_production_rate": 0.5},
    }
    city = score_group(r, "city_a", values)
    county = score_group(r, "county", values)
    assert city.item("o", "full_online").points == pytest.approx(1.5)  # 3 × 0.425 / 0.85
    assert county.item("o", "full_online").points == pytest.approx(1.0)  # 2 × 0.425 / 0.85
    assert city.item("o", "certificate_production").points == 8.0  # '—' = full for city departments
    assert county.item("o", "certificate_production").points == 4.0  # '—' = the other counties' mean


def test_ratio_items_read_two_inputs_and_a_zero_denominator_is_missing():
    r = load_rubric("dazhou-2021")
    card = score_group(
        r,
        "city_a",
        {
            "slip": {"share_catalogue_valid": 3, "share_catalogue_total": 4},
            "none": {"share_catalogue_valid": 0, "share_catalogue_total": 0},
        },
    )
    assert card.item("slip", "data_sharing_validity").points == 3.75
    assert card.item("none", "data_sharing_validity").points == 5.0  # full when there is no catalogue


def test_an_input_not_given_makes_its_item_and_totals_uncomputable_unless_printed():
    r = rubric("""
        - {code: i, label: 甲, max: 3, input: x, scoring: {rule: linear}}
        - {code: j, label: 乙, max: 2, input: y, scoring: {rule: linear}}
    """)
    card = score_group(r, "g", {"o": {"x": 1.0}})
    assert card.item("o", "j").status == "absent"
    assert card.org("o").total is None
    given = score_group(r, "g", {"o": {"x": 1.0}}, given={"o": {("j",): 1.5}})
    assert given.org("o").total == 4.5


def test_deduction_items_come_off_the_total_up_to_their_maximum():
    r = rubric(
        """
        - {code: i, label: 基础项, max: 100, input: x, scoring: {rule: linear}}
        """,
        inputs="late: {label: 超期办结件数, unit: count}",
        extra="""
        deductions:
          - {code: d, label: 按时办结率, input: late, per_item: 1, max: 10}
        """,
    )
    card = score_group(r, "g", {"o": {"x": 0.9, "late": 3}, "p": {"x": 1.0, "late": 40}, "q": {"x": 1.0}})
    assert card.org("o").total == pytest.approx(87.0)
    assert card.org("p").total == pytest.approx(90.0)  # 40 late cases cost at most 10
    assert card.org("q").total == pytest.approx(100.0)


def test_ranks_follow_unrounded_totals_and_share_ties():
    r = rubric("""
        - {code: i, label: 甲, max: 10, input: x, scoring: {rule: linear}}
    """)
    card = score_group(r, "g", {"a": {"x": 0.5}, "b": {"x": 0.9}, "c": {"x": 0.9}, "d": {"x": 0.89999}})
    assert {o.org_code: o.rank for o in card.orgs} == {"b": 1, "c": 1, "d": 3, "a": 4}


def test_every_lost_point_carries_the_value_and_the_value_for_full_marks():
    r = load_rubric("dazhou-2021")
    card = score_group(r, "city_a", {"o": {"instant_matter_share": 0.4839}})
    lost = card.item("o", "instant_matters")
    assert lost.value == 0.4839
    assert lost.full_marks_at == 0.51
    assert lost.lost == pytest.approx(3 - 2.846470588)
    assert "48.39%" in lost.reason and "51.00%" in lost.reason


def test_pass_fail_targets_of_chongqing_2021():
    # 江北 区公安分局: 76.48 %, 0.67 visits, 55.81 % instant, 46.51 % online
    r = load_rubric("chongqing-2021")
    values = {
        "time_limit_compression_rate": 0.7648,
        "average_site_visits": 0.67,
        "instant_matter_share": 0.5581,
    }
    card = score_group(r, "department", {"police": values})
    met = {t.target: t.met for t in card.targets}
    assert met == {
        "time_limit_compression": False,
        "site_visits": False,
        "instant_share": True,
        "full_online": None,
    }


def test_fucheng_targets_need_every_rate_at_one_hundred_percent():
    r = load_rubric("fucheng-2023")
    card = score_group(r, "department", {"d": {"matter_claim_rate": 1.0, "on_time_rate": 0.999}})
    met = {t.target: t.met for t in card.targets if t.value is not None}
    assert met == {"claim": True, "on_time": False}


def test_printed_rounds_half_up_like_the_tables():
    assert printed(12.625) == 12.63
    assert printed(0.125) == 0.13
    assert printed(31.9411764) == 31.94


# ------------------------------------------------------------------------------------------ no data

NO_DATA_RUBRIC = """
- {code: i, label: 主动评价率, max: 4, input: x, missing: full, %s scoring: {rule: linear}}
- {code: j, label: 其他, max: 6, input: y, scoring: {rule: linear}}
"""


@pytest.mark.parametrize(
    ("policy", "expected_points", "ranked"),
    [
        ("", 0.0, True),  # the rubric's default: zero
        ("no_data: zero,", 0.0, True),
        ("no_data: unranked,", 0.0, False),
        ("no_data: {deduct: 1.5},", 2.5, True),
    ],
)
def test_no_data_is_scored_by_its_policy_and_never_as_a_dash(policy, expected_points, ranked):
    from dagster_project.scoring.engine import NO_DATA

    r = rubric(NO_DATA_RUBRIC % policy)
    card = score_group(
        r, "g", {"silent": {"x": NO_DATA, "y": 1.0}, "dash": {"x": None, "y": 0.5}, "p": {"x": 0.5, "y": 0.5}}
    )
    silent = card.item("silent", "i")
    assert (silent.status, silent.value, silent.points) == ("no_data", None, expected_points)
    assert "未报送" in silent.reason
    assert card.item("dash", "i").points == 4.0  # '—' is nothing to measure: the missing policy, full
    assert card.org("silent").ranked is ranked
    # silent has the best total (6 + 0 or 2.5 = 6/8.5 against 7 and 5): ranked first unless unranked
    assert card.org("silent").rank == (None if not ranked else 1 + (expected_points == 0.0))


def test_an_unranked_organisation_is_never_ranked_above_one_with_data():
    from dagster_project.scoring.engine import NO_DATA

    r = rubric(NO_DATA_RUBRIC % "no_data: unranked,")
    card = score_group(r, "g", {"silent": {"x": NO_DATA, "y": 1.0}, "low": {"x": 0.0, "y": 0.0}})
    assert card.org("silent").total == 6.0 and card.org("low").total == 0.0
    assert card.org("low").rank == 1 and card.org("silent").rank is None


def test_no_data_policy_of_the_item_overrides_the_category_and_the_rubric():
    r = load_rubric("dazhou-2021")
    assert r.no_data_policy(r.item("case_volume")) == "unranked"  # the rubric's
    assert r.no_data_policy(r.item("overdue")) == "zero"  # the item's
    assert r.no_data_policy(r.item("project_count")) == "zero"  # the category's


def test_a_ratio_or_a_class_with_no_data_is_no_data():
    from dagster_project.scoring.engine import NO_DATA

    r = load_rubric("dazhou-2021")
    card = score_group(
        r,
        "city_a",
        {
            "o": {"share_catalogue_valid": NO_DATA, "share_catalogue_total": NO_DATA},
            "p": {
                "guide_anomaly_accuracy": NO_DATA,
                "guide_anomaly_sensitive": 0,
                "guide_anomaly_convenience": 1,
            },
        },
    )
    assert card.item("o", "data_sharing_validity").status == "no_data"
    assert card.item("p", "guide_anomalies").points == 0.0


@pytest.mark.parametrize(
    ("item", "value", "points", "said"),
    [
        # the rule pays 9 of the item's 10: the reason says 9, never 满分
        ("active_evaluation", {"active_evaluation_rate": 1.0622}, 9.0, "100% 得 9 分"),
        ("instant_matters", {"instant_matter_share": 0.6}, 3.0, "达到 51.00% 得 3 分"),
        ("active_evaluations_per_capita", {"active_evaluations_per_capita": 1.5}, None, "达到 1.18 得 10 分"),
    ],
)
def test_the_reason_states_what_the_rule_pays(item, value, points, said):
    r = load_rubric("dazhou-2021")
    group = "county" if item == "active_evaluations_per_capita" else "city_a"
    s = score_group(r, group, {"o": value}).item("o", item)
    assert said in s.reason and "满分" not in s.reason
    assert s.points == (points if points is not None else 10.0)


@pytest.mark.parametrize(
    ("item", "inputs", "full_marks_at"),
    [
        ("promotion", {"promotion_count": 3}, 8.0),  # capped count: 8 at one point each
        ("app_access", {"app_access_count": 2}, 4.0),
        ("app_anomalies", {"app_anomaly_count": 2}, 0.0),  # a deduction: none
        ("overdue", {"overdue_rate": 0.1}, 0.0),  # lower is better
        ("active_evaluation", {"active_evaluation_rate": 0.5}, 1.0),
        ("guide_anomalies", {"guide_anomalies": 3}, 0.0),
    ],
)
def test_full_marks_at_is_right_for_every_rule_kind(item, inputs, full_marks_at):
    r = load_rubric("dazhou-2021")
    s = score_group(r, "city_a", {"o": inputs}).item("o", item)
    assert s.full_marks_at == full_marks_at and s.lost > 0
