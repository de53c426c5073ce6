"""The report template: what the office writes, loaded, checked, and refused when it is wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from schemas.report_template import (
    ReportTemplateError,
    check_template,
    load_report_template,
    parse_report_template,
    template_path,
)
from schemas.rubric import load_rubric

SHIPPED = template_path("dazhou")


def shipped_data() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def parse(data: dict):
    return parse_report_template(yaml.safe_dump(data, allow_unicode=True), "city/report.yaml")


def test_the_shipped_template_numbers_issues_by_month_and_dates_them_the_month_after():
    template = load_report_template("dazhou")
    assert template.number(dt.date(2021, 1, 1)) == 1
    assert template.number(dt.date(2021, 6, 1)) == 6
    assert template.number(dt.date(2022, 2, 1)) == 14
    assert template.issued_on(dt.date(2021, 6, 1)) == dt.date(2021, 7, 10)
    assert template.issued_on(dt.date(2021, 12, 1)) == dt.date(2022, 1, 10)


def test_the_shipped_template_fits_the_shipped_rubric():
    check_template(load_report_template("dazhou"), load_rubric("dazhou-2021"), SHIPPED)


def test_folded_yaml_lines_do_not_put_spaces_between_chinese_characters():
    data = shipped_data()
    data["requirements"][0]["text"] = "各地各部门要 提高认识，  抓好整改。 Keep ASCII words apart"
    data["title"] = "关于{period}全市一体化政务服务平台\n运行情况的通报"
    template = parse(data)
    assert template.requirements[0].text == "各地各部门要提高认识，抓好整改。 Keep ASCII words apart"
    assert template.title == "关于{period}全市一体化政务服务平台\n运行情况的通报"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(requirments=d.pop("requirements")), "city/report.yaml: requirments"),
        (
            lambda d: d.update(title="关于{monthh}月的通报"),
            "city/report.yaml: title: unknown placeholder {monthh}",
        ),
        (lambda d: d["problems"].update(topics=0), "city/report.yaml: problems.topics"),
        (lambda d: d["overview"][1]["figures"][0].update(take="sum"), "overview[1].figures[0].take"),
        (lambda d: d.pop("printed_by"), "city/report.yaml: printed_by"),
    ],
)
def test_a_wrong_entry_is_refused_naming_the_file_and_the_entry(change, says):
    data = shipped_data()
    change(data)
    with pytest.raises(ReportTemplateError, match=says.replace("{", r"\{").replace("[", r"\[")):
        parse(data)


def test_a_template_naming_a_group_or_item_the_rubric_lacks_is_refused():
    data = shipped_data()
    data["ranking"]["groups"] = ["city_a", "city_c"]
    data["problems"]["thresholds"] = {"instant_matter": 0.5}
    data["problems"]["units"] = {"promotions": "次"}
    with pytest.raises(ReportTemplateError) as refused:
        check_template(parse(data), load_rubric("dazhou-2021"), Path("city/report.yaml"))
    assert "city/report.yaml: ranking.groups: 'city_c'" in str(refused.value)
    assert "city/report.yaml: problems.thresholds: 'instant_matter'" in str(refused.value)
    assert "city/report.yaml: problems.units: 'promotions'" in str(refused.value)


def test_an_unknown_city_names_the_shipped_ones():
    with pytest.raises(ReportTemplateError, match="shipped: dazhou"):
        template_path("chengdu")


def test_the_shipped_bulletin_numbers_its_issues_by_week():
    bulletin = load_report_template("dazhou").bulletin
    assert bulletin.number(dt.date(2021, 1, 4)) == 1
    assert bulletin.number(dt.date(2021, 6, 14)) == 24
    assert bulletin.number(dt.date(2022, 1, 3)) == 53


@pytest.mark.parametrize(
    "entry, value, said",
    [
        (
            "issue_number",
            {"format": "第{number}期", "first_week": "2021-01-05"},
            "a week is named by its Monday",
        ),
        (
            "title",
            "{period}周通报",
            "unknown placeholder {period}; a bulletin text may name days, number, week, year",
        ),
        ("figures", [], "at least 1 item"),
        ("issued_days_after_week", 0, "greater than or equal to 1"),
    ],
)
def test_a_wrong_bulletin_block_is_refused_naming_the_entry(entry, value, said):
    data = shipped_data()
    data["bulletin"][entry] = value
    with pytest.raises(ReportTemplateError) as refused:
        parse(data)
    assert f"city/report.yaml: bulletin.{entry}" in str(refused.value)
    assert said in str(refused.value)
