"""The catalogue of assessed indicators (schemas/raw/assessed_indicators.csv) covers every assessed
input a shipped rubric reads, with the rubric's unit, and ranges that the generated data respects."""

import numpy as np
import polars as pl
import pytest

from dagster_project.sample.generator import ASSESSED_INDICATORS
from schemas.raw.assessed_inputs import CATALOGUE, indicator_ranges
from schemas.rubric import load_rubric, shipped_rubrics

catalogue = pl.read_csv(CATALOGUE)


def test_each_indicator_once_with_a_range_that_fits_its_unit():
    assert catalogue["indicator_code"].is_unique().all()
    assert catalogue.filter(pl.col("min_value").is_null() | pl.col("max_value").is_null()).is_empty()
    rates = catalogue.filter(pl.col("unit") == "rate")
    assert (rates["min_value"] == 0).all() and (rates["max_value"] == 1).all()
    assert (catalogue.filter(pl.col("unit") == "count")["min_value"] == 0).all()


@pytest.mark.parametrize("name", shipped_rubrics())
def test_every_assessed_input_of_a_rubric_is_catalogued_with_its_unit(name):
    units = dict(catalogue.select("indicator_code", "unit").iter_rows())
    rubric = load_rubric(name)
    for code, spec in rubric.inputs.items():
        if spec.source == "assessed" and not spec.sum_of:
            assert units.get(spec.indicator or code) == spec.unit, (name, code)


def test_generated_values_lie_within_their_ranges():
    ranges = indicator_ranges()
    rng = np.random.default_rng(0)
    for code, (_, value) in ASSESSED_INDICATORS.items():
        lo, hi = ranges[code]
        assert all(lo <= value(rng) <= hi for _ in range(200)), code
