"""The 通报's sentences from hand-made facts: the shortfalls it names, the ranks, the changes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dagster_project.report.compose import (
    change,
    compose,
    issues,
    masthead_size,
    overview_paragraph,
    scores,
    width,
)
from dagster_project.report.facts import CityFigure, Facts, Topic, problems, top_and_bottom
from schemas.report_template import load_report_template
from schemas.rubric import load_rubric

JUNE = dt.date(2021, 6, 1)
RUBRIC = load_rubric("dazhou-2021")
TEMPLATE = load_report_template("dazhou")


def shortfall(org, item, category, value, lost, cited, group="city_a", better="higher", status="scored"):
    labels = {"matters": "事项梳理", "site": "分站点", "efficiency": "运行效能"}
    return {
        "scoring_group": group,
        "org_code": org,
        "org_name": f"市{org}局",
        "category": category,
        "category_label": labels[category],
        "item": item,
        "item_label": RUBRIC.item(item).label,
        "value": value,
        "points_lost": lost,
        "status": status,
        "cited": cited,
        "better": better,
    }


SHORTFALL = {
    "scoring_group": pl.String,
    "org_code": pl.String,
    "org_name": pl.String,
    "category": pl.String,
    "category_label": pl.String,
    "item": pl.String,
    "item_label": pl.String,
    "value": pl.Float64,
    "points_lost": pl.Float64,
    "status": pl.String,
    "cited": pl.Float64,
    "better": pl.String,
}


def facts(shortfalls=(), ranks=(), missing=()) -> Facts:
    empty = pl.DataFrame()
    return Facts(
        month=JUNE,
        previous=dt.date(2021, 5, 1),
        rubric=RUBRIC,
        template=TEMPLATE,
        overview=[],
        scores=pl.DataFrame(
            ranks,
            schema={
                "scoring_group": pl.String,
                "org_code": pl.String,
                "org_name": pl.String,
                "total_points": pl.Float64,
                "group_rank": pl.Int64,
                "max_points": pl.Float64,
            },
            orient="row",
        ),
        shortfalls=pl.DataFrame(list(shortfalls), schema=SHORTFALL),
        missing=pl.DataFrame(
            list(missing), schema={"org_name": pl.String, "extract_label": pl.String}, orient="row"
        ),
        trend=empty,
        finished=pl.DataFrame(schema={"scoring_group": pl.String}),
        annexes=["市级部门（A组）一网通办工作情况", "问题整改台账"],
    )


def test_the_costliest_categories_come_first_and_the_template_caps_what_is_named():
    rows = [shortfall(f"p{k}", "promotion", "site", 0, 8.0, 8.0) for k in range(7)]
    rows += [shortfall("a1", "app_access", "site", 1, 3.0, 4.0)]
    rows += [shortfall("e1", "overdue", "efficiency", 0.4, 1.6, 0.0, better="lower")]
    rows += [shortfall("m1", "matter_claim", "matters", 0.9, 0.3, 1.0)]  # under min_points_lost (0.5)
    selected = problems(facts(rows))
    assert [t.label for t in selected] == ["分站点", "运行效能"]
    promotion = selected[0].shortfalls[0]
    assert promotion.item == "promotion" and promotion.count == 7
    assert promotion.rows.height == TEMPLATE.problems.organisations_per_item == 5
    assert selected[0].shortfalls[1].item == "app_access"
    text = issues(facts(rows)).blocks[0]
    assert text.lead == "（一）分站点方面。"
    assert text.text.startswith("1.宣传推广次数未达到8次的有市p0局（0次）、")
    assert "等7个单位。2.应用接入数未达到4个的有市a1局（1个）。" in text.text
    assert issues(facts(rows)).blocks[1].text == "1.本月超期率高于0%的有市e1局（40.00%）。"


def test_a_threshold_the_template_cites_names_only_those_below_it():
    rows = [
        shortfall("near", "instant_matters", "matters", 0.509, 0.6, 0.5071),  # loses points, above 50.71 %
        shortfall("far", "instant_matters", "matters", 0.30, 1.2, 0.5071),
    ]
    (topic,) = problems(facts(rows))
    assert topic.shortfalls[0].rows["org_name"].to_list() == ["市far局"]
    assert "即办事项占比未达到50.71%的有市far局（30.00%）。" in issues(facts(rows)).blocks[0].text


def test_two_groups_short_of_their_own_targets_make_one_point_with_two_clauses():
    rows = [
        shortfall("a", "promotion", "site", 2, 6.0, 8.0),
        shortfall("c", "promotion", "site", 0, 3.0, 3.0, "county"),
    ]
    text = issues(facts(rows)).blocks[0].text
    assert text == "1.宣传推广次数未达到8次的有市a局（2次）；未达到3次的有市c局（0次）。"


def test_data_that_did_not_arrive_is_named_first_and_nothing_short_says_so():
    said = issues(facts(missing=[("市甲局", "办件"), ("市乙局", "办件"), ("市甲局", "事项清单")]))
    assert said.blocks[0].lead == "（一）数据报送方面。"
    assert said.blocks[0].text == "市甲局、市乙局未报送办件数据；市甲局未报送事项清单数据，相关指标无法计算。"
    assert issues(facts()).blocks[0].text.startswith("本期各地各部门各项指标均达到")


def test_top_and_bottom_name_no_one_twice_and_leave_the_unranked_out():
    ranks = [("city_a", f"o{k}", f"市{k}局", 90.0 - k, k + 1, 100.0) for k in range(3)]
    ranks.append(("city_a", "none", "市无数据局", 0.0, None, 100.0))
    top, bottom = top_and_bottom(facts(ranks=ranks), "city_a")
    assert top["org_name"].to_list() == ["市0局", "市1局"] and bottom["org_name"].to_list() == ["市2局"]
    (paragraph, _chart) = scores(facts(ranks=ranks)).blocks
    assert paragraph.text == (
        "平均得分66.75分。排名前2位的是市0局（90.00分）、市1局（89.00分）；排名后1位的是市2局（88.00分）。"
        "市无数据局未报送数据，未参与排名。"
    )


@pytest.mark.parametrize(
    ("unit", "this", "last", "says"),
    [
        ("件", 5250, 4750, "较上月增长10.5%"),
        ("件", 38, 40, "较上月下降5.0%"),
        ("件", 7, 7, "与上月持平"),
        ("", 0.9204, 0.9152, "较上月提高0.52个百分点"),
        ("", 0.74, 0.80, "较上月下降6.00个百分点"),
        ("件", 5, None, ""),
    ],
)
def test_a_change_is_a_percentage_for_counts_and_points_for_rates(unit, this, last, says):
    assert change(CityFigure("x", unit, this, None, last)) == says


def test_the_overview_states_the_month_with_its_change_then_the_year_to_date():
    topic = Topic(
        "办件情况",
        False,
        (
            CityFigure("申请办件", "件", 5250, 10000, 4750),
            CityFigure("差评按期整改率", "", 0.6571, 0.6935, 0.7407),
        ),
    )
    assert overview_paragraph(facts(), topic) == (
        "6月，全市申请办件5250件（较上月增长10.5%），差评按期整改率65.71%（较上月下降8.36个百分点）；"
        "1—6月累计申请办件10000件，差评按期整改率69.35%。"
    )
    snapshot = Topic("事项办理深度", True, (CityFigure("全程网办率", "", 0.9204, 0.9204, 0.9204),))
    assert overview_paragraph(facts(), snapshot) == "截至6月末，全市全程网办率92.04%（与上月持平）。"


def test_the_masthead_fits_one_line_of_the_text_width():
    for name in (
        "达州市一网通办工作领导小组办公室",
        "达州市人民政府办公室",
        "达州市推进政务服务“一网通办”工作领导小组办公室",
    ):
        assert masthead_size(name) * width(name) <= 442
    assert masthead_size("达州市人民政府办公室") == 36  # 小初 at most


def test_the_notice_carries_the_template_words_with_the_period_filled_in():
    notice = compose(facts())
    assert notice.number == "第6期"
    assert notice.title == "关于2021年1—6月全市一体化\n政务服务平台运行情况的通报"
    assert [s.heading for s in notice.sections] == [
        "一、总体情况",
        "二、得分情况",
        "三、存在的问题",
        "四、下步工作要求",
    ]
    assert notice.issued_on == dt.date(2021, 7, 10)
    assert notice.sections[3].blocks[0].lead == "（一）提高思想认识。"
