"""Rubric files: the shipped ones load, and a malformed one is rejected naming the file and entry."""

import pytest

from schemas.rubric import RubricError, load_rubric, parse_rubric, resolve, shipped_rubrics

GOOD = """
rubric: t
title: t
source: t
total: 5
groups:
  g: {label: 组, org_level: city_dept}
inputs:
  x: {label: 值}
categories:
  - code: c
    label: 类
    max: 5
    items:
      - {code: first, label: 甲, max: 3, input: x, scoring: {rule: linear}}
      - {code: second, label: 乙, max: 2, input: x, scoring: {rule: proportional, target: 0.5}}
"""


def test_every_shipped_rubric_loads():
    assert shipped_rubrics() == ["chongqing-2021", "city-dept-004", "dazhou-2021", "fucheng-2023"]
    for name in shipped_rubrics():
        assert load_rubric(name).rubric == name


def test_dazhou_weights_add_up_to_100_for_every_group():
    r = load_rubric("dazhou-2021")
    for group in r.groups:
        assert sum(resolve(c.max, group) for c in r.categories_of(group)) == 100
    assert [c.code for c in r.categories_of("county")] == [
        "matters",
        "efficiency",
        "certificates",
        "site",
        "engineering",
        "data_sharing",
    ]


def test_a_good_rubric_parses():
    assert parse_rubric(GOOD, "good.yaml").categories[0].max == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # an unknown rule kind
        (("rule: linear", "rule: linaer"), "good.yaml: categories[0] (c).items[0] (first).scoring"),
        # weights that do not sum to the declared total
        (
            ("max: 3, input", "max: 4, input"),
            "category 'c', group 'g': items weigh 6, the category declares 5",
        ),
        # a category whose items do not cover its maximum: an item is missing
        (("      - {code: second", "      # - {code: second"), "items weigh 3, the category declares 5"),
        # a misspelt key is an error, not silently ignored
        (("target: 0.5", "traget: 0.5"), "categories[0] (c).items[1] (second).scoring"),
        # a rule needs its parameters
        (("{rule: proportional, target: 0.5}", "{rule: proportional}"), "target"),
        # an input that is not declared
        (
            ("input: x, scoring: {rule: linear}", "input: z, scoring: {rule: linear}"),
            "input 'z' is not declared",
        ),
        # a parameter for a group that does not exist
        (("max: 3, input", "max: {g: 3, k: 3}, input"), "unknown group 'k'"),
        # an input measured from an extract the platform does not deliver
        (("x: {label: 值}", "x: {label: 值, extracts: [casse]}"), "inputs.x.extracts[0]"),
        # a no-data policy the engine does not know
        (
            ("input: x, scoring: {rule: linear}", "input: x, no_data: full, scoring: {rule: linear}"),
            "no_data",
        ),
    ],
)
def test_a_malformed_rubric_is_rejected_naming_the_file_and_the_entry(change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(RubricError) as e:
        parse_rubric(GOOD.replace(old, new, 1), "good.yaml")
    assert message in str(e.value)
    assert str(e.value).startswith("good.yaml")


def test_a_rule_paying_more_than_its_item_is_rejected():
    with pytest.raises(RubricError, match="the rule pays 4, more than the item's 3"):
        parse_rubric(GOOD.replace("{rule: linear}", "{rule: linear, points: 4}"), "x.yaml")


def test_an_unknown_rubric_name_lists_the_shipped_ones():
    with pytest.raises(RubricError, match="shipped rubrics: chongqing-2021"):
        load_rubric("dazhou-2031")


def test_a_file_that_is_not_yaml_is_rejected():
    with pytest.raises(RubricError, match="bad.yaml: not valid YAML"):
        parse_rubric("rubric: [unclosed", "bad.yaml")


def write(tmp_path, text: str):
    path = tmp_path / "office.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rubric_file_whose_inputs_are_in_the_catalogues_loads(tmp_path):
    known = GOOD.replace("x: {label: 值}", "x: {label: 值, indicator: on_time_rate}")
    assert load_rubric(write(tmp_path, known)).inputs["x"].indicator == "on_time_rate"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # a misspelt indicator would score '—' or 0 for everyone: it fails naming the code instead
        (
            "{label: 值, indicator: on_time_rat}",
            "inputs.x: unknown indicator 'on_time_rat' (not in dbt/seeds/ref_indicators.csv)",
        ),
        ("{label: 值}", "inputs.x: unknown indicator 'x'"),
        (
            "{label: 值, source: assessed, indicator: on_time_rate}",
            "inputs.x: unknown assessed indicator 'on_time_rate' (not in schemas/raw/assessed_indicators.csv)",
        ),
    ],
)
def test_a_rubric_file_naming_an_unknown_indicator_is_rejected_naming_the_file_the_input_and_the_code(
    tmp_path, spec, message
):
    path = write(tmp_path, GOOD.replace("x: {label: 值}", f"x: {spec}"))
    with pytest.raises(RubricError) as e:
        load_rubric(path)
    assert str(e.value).startswith(f"{path}: ")
    assert message in str(e.value)
