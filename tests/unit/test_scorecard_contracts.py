"""The scorecard's contracts refuse a value that cannot be right: an input of inf or 1e308 scoring
full marks must fail the table, not publish it (inf passes a `>= 0` check)."""

import datetime as dt

import pandera.errors
import polars as pl
import pytest

from schemas.marts.scorecard import item_scores


def row(value: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": [dt.date(2021, 6, 1)], "rubric": ["dazhou-2021"], "scoring_group": ["A"],
            "org_code": ["511700001"], "category": ["matters"], "item": ["claim_rate"],
            "item_label": ["事项认领率"], "value": [value], "points": [3.0], "max_points": [3.0],
            "full_points": [3.0], "points_lost": [0.0], "full_marks_at": [1.0], "status": ["scored"],
            "reason": ["100% 得 3 分"],
        }
    )  # fmt: skip


def test_a_finite_value_passes():
    item_scores.validate(row(1.0))


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_non_finite_value_fails_the_table(value):
    with pytest.raises(pandera.errors.SchemaError, match="finite_numbers"):
        item_scores.validate(row(value))
