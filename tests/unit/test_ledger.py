"""The 问题整改台账 on hand-worked months: a shortfall appears, lasts, is fixed and closed (逐一销账);
nothing that loses 0.00 points is listed; the value for full marks is the item score's."""

import datetime as dt

import polars as pl
import pytest

from dagster_project.scoring.engine import score_group
from dagster_project.scoring.ledger import deadline, ledger, shown
from dagster_project.scoring.month_scores import item_scores_frame
from schemas.marts.scorecard import rectification_ledger
from schemas.rubric import load_rubric

RUBRIC = load_rubric("dazhou-2021")
MAY, JUNE, JULY = dt.date(2021, 5, 1), dt.date(2021, 6, 1), dt.date(2021, 7, 1)
FULL = {"promotion_count": 8, "instant_matter_share": 0.6, "overdue_rate": 0.0}


def items(month: dt.date, orgs: dict[str, dict]) -> pl.DataFrame:
    cards = {"city_a": score_group(RUBRIC, "city_a", orgs)}
    return item_scores_frame(month, RUBRIC, cards)


def by_key(frame: pl.DataFrame) -> dict[tuple[str, str], dict]:
    return {(r["org_code"], r["item"]): r for r in frame.iter_rows(named=True)}


def test_a_shortfall_is_new_then_open_then_closed_the_month_it_is_fixed():
    # May: o promotes 5 times (3 points of 8 lost) and its instant share is 25.5 % (1.5 of 3 lost)
    may = ledger(
        MAY, RUBRIC, items(MAY, {"o": FULL | {"promotion_count": 5, "instant_matter_share": 0.255}}), None
    )
    assert [(r["item"], r["points_lost"], r["status"]) for r in may.iter_rows(named=True)] == [
        ("promotion", 3.0, "new"),
        ("instant_matters", pytest.approx(1.5), "new"),
    ]
    # June: promotion still short (6: 2 lost), the instant share fixed (60 %)
    june = ledger(JUNE, RUBRIC, items(JUNE, {"o": FULL | {"promotion_count": 6}}), may)
    rows = by_key(june)
    assert rows["o", "promotion"]["status"] == "open"
    assert rows["o", "promotion"]["first_month"] == MAY and rows["o", "promotion"]["points_lost"] == 2.0
    closed = rows["o", "instant_matters"]
    assert closed["status"] == "closed" and closed["first_month"] == MAY
    assert closed["value"] == 0.6 and closed["points_lost"] == pytest.approx(1.5)  # the loss it closed
    assert [r["status"] for r in june.iter_rows(named=True)] == ["open", "closed"]  # closed rows last
    # July: everything fixed; the closed row is gone, promotion closes
    july = ledger(JULY, RUBRIC, items(JULY, {"o": FULL}), june)
    assert [(r["item"], r["status"]) for r in july.iter_rows(named=True)] == [("promotion", "closed")]
    for frame in (may, june, july):
        rectification_ledger.validate(frame)


def test_a_rerun_of_a_month_gives_the_same_ledger():
    may = ledger(MAY, RUBRIC, items(MAY, {"o": FULL | {"promotion_count": 5}}), None)
    june_items = items(JUNE, {"o": FULL | {"promotion_count": 7}})
    assert ledger(JUNE, RUBRIC, june_items, may).equals(ledger(JUNE, RUBRIC, june_items, may))


def test_no_row_loses_nothing_and_full_marks_at_is_the_item_scores():
    # 0.004 points short of 3 prints as 3.00: no shortfall; a capped count wants 8, not 0
    june_items = items(
        JUNE,
        {
            "a": FULL | {"instant_matter_share": 0.51 * (1 - 0.004 / 3)},
            "b": FULL | {"promotion_count": 2, "overdue_rate": 0.25},
        },
    )
    rows = ledger(JUNE, RUBRIC, june_items, None)
    assert rows["points_lost"].min() > 0.005
    assert set(rows["org_code"]) == {"b"}
    scored = by_key(june_items)
    for r in rows.iter_rows(named=True):
        assert r["full_marks_at"] == scored[r["org_code"], r["item"]]["full_marks_at"]
    assert by_key(rows)["b", "promotion"]["full_marks_at"] == 8.0
    # sorted by points lost within the group: promotion 6 lost, then overdue 1
    assert rows["item"].to_list() == ["promotion", "overdue"]


def test_groups_come_in_the_rubrics_order_then_points_lost():
    city = score_group(RUBRIC, "city_a", {"o": FULL | {"promotion_count": 7}})
    county = score_group(RUBRIC, "county", {"c": {"promotion_count": 0, "app_access_count": 5}})
    frame = item_scores_frame(JUNE, RUBRIC, {"county": county, "city_a": city})
    rows = ledger(JUNE, RUBRIC, frame, None)
    assert rows["scoring_group"].to_list()[0] == "city_a"
    county_losses = rows.filter(pl.col("scoring_group") == "county")["points_lost"].to_list()
    assert county_losses == sorted(county_losses, reverse=True)


def test_the_default_deadline_is_the_end_of_next_month_and_values_print_as_the_annexes():
    assert deadline(RUBRIC, JUNE) == dt.date(2021, 7, 31)
    assert shown(RUBRIC, "instant_matters", 0.255) == "25.50%"
    assert shown(RUBRIC, "promotion", 8.0) == "8"
    assert shown(RUBRIC, "case_volume", None, "no_data") == "未报送"
    assert shown(RUBRIC, "bad_rating_rectification", None, "missing_full") == "—"


def test_the_ledger_contract_rejects_a_row_that_loses_nothing():
    import pandera.errors

    rows = ledger(JUNE, RUBRIC, items(JUNE, {"o": FULL | {"promotion_count": 5}}), None)
    with pytest.raises(pandera.errors.SchemaError):
        rectification_ledger.validate(rows.with_columns(points_lost=pl.lit(0.0)))
    with pytest.raises(pandera.errors.SchemaError):
        rectification_ledger.validate(rows.with_columns(first_month=pl.lit(JULY)))
