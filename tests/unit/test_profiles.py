"""Jurisdiction profiles: the shipped ones load, a wrong entry is refused naming the file and the entry,
and the 好差评 rules and calendar overrides of a profile are what the sample platform applies."""

import csv
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import schemas.profile
from dagster_project import reference
from dagster_project.cli import main
from dagster_project.reference import calendar, workdays, working_days_after
from dagster_project.sample import generator as gen
from schemas.profile import ProfileError, load_profile, profile_names

SHIPPED = Path(schemas.profile.__file__).with_name("profiles")


def clear_caches():
    for cached in (
        load_profile,
        reference._organisations,
        reference._workdays,
        gen._world,
        gen._applied_in,
        gen._universe,
    ):
        cached.cache_clear()


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    """A copy of the shipped profiles that the test may break; the code reads profiles from it."""
    folder = tmp_path / "profiles"
    shutil.copytree(SHIPPED, folder)
    monkeypatch.setattr(schemas.profile, "PROFILES_DIR", folder)
    clear_caches()
    yield folder
    clear_caches()


def edit_csv(path: Path, edit) -> None:
    """Rewrite a seed with edit(rows) -> rows (rows as dicts, the header kept)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(edit(rows))


def refusal(name: str) -> str:
    with pytest.raises(ProfileError) as e:
        load_profile(name)
    return str(e.value)


# --- the shipped profiles ---------------------------------------------------------------------------


def test_both_shipped_profiles_load_with_their_organisations_rubrics_and_rules():
    assert profile_names() == ["chongqing", "dazhou"]
    dazhou = load_profile("dazhou")
    assert (dazhou.title, dazhou.rubric, dazhou.targets) == ("达州市", "dazhou-2021", None)
    assert len(dazhou.organisations) == 98
    assert dazhou.rules.default_evaluation_after.model_dump() == {"days": 5, "count": "calendar"}
    assert dazhou.rules.rectification_due_after.model_dump() == {"days": 7, "count": "calendar"}
    chongqing = load_profile("chongqing")
    assert (chongqing.rubric, chongqing.targets) == (None, "chongqing-2021")
    assert len([o for o in chongqing.organisations if o.org_level == "county"]) == 42
    assert chongqing.rules.default_evaluation_after.model_dump() == {"days": 5, "count": "working"}
    # The district table prints all 42 districts in its own order, 万州 first and 黔江 second.
    rows = chongqing.table_rows("districts_4ind")
    assert [r.row_number for r in rows] == list(range(1, 43))
    assert [r.printed_name for r in rows[:2]] == ["万州区", "黔江区"]


# --- a wrong entry is refused, naming the file and the entry ----------------------------------------


def test_an_unknown_org_level_is_refused_naming_the_file_and_the_row(profiles):
    seed = profiles / "dazhou" / "seeds" / "ref_organisations.csv"
    edit_csv(seed, lambda rows: [{**rows[0], "org_level": "province"}, *rows[1:]])
    message = refusal("dazhou")
    assert f"{seed}, row 2 (511700001): org_level" in message


def test_a_duplicate_org_code_is_refused(profiles):
    seed = profiles / "dazhou" / "seeds" / "ref_organisations.csv"
    edit_csv(seed, lambda rows: [*rows, {**rows[0], "org_name": "市委宣传部（重复）"}])
    assert f"{seed}, row 100: org_code 511700001 appears twice" in refusal("dazhou")


def test_an_alias_of_an_unknown_organisation_is_refused(profiles):
    seed = profiles / "dazhou" / "seeds" / "ref_org_aliases.csv"
    edit_csv(seed, lambda rows: [*rows, {"alias_name": "市无名局", "org_code": "511700999", "note": "x"}])
    message = refusal("dazhou")
    assert f"{seed}, row 7 (市无名局): org_code '511700999' is not in ref_organisations.csv" in message


def test_a_published_row_naming_an_unknown_organisation_is_refused(profiles):
    seed = profiles / "chongqing" / "seeds" / "ref_published_rows.csv"
    edit_csv(seed, lambda rows: [{**rows[0], "org_code": "500999"}, *rows[1:]])
    message = refusal("chongqing")
    assert (
        f"{seed}, row 2 (districts_4ind 万州区): org_code '500999' is not in ref_organisations.csv" in message
    )


def test_row_numbers_that_do_not_run_one_to_n_are_refused(profiles):
    seed = profiles / "chongqing" / "seeds" / "ref_published_rows.csv"
    edit_csv(seed, lambda rows: [*rows[:2], {**rows[2], "row_number": "43"}, *rows[3:]])
    assert f"{seed}: table districts_4ind: row_number must run 1..42 once each" in refusal("chongqing")


def test_an_unknown_rubric_is_refused(profiles):
    path = profiles / "dazhou" / "profile.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("rubric: dazhou-2021", "rubric: dazhou-2099"))
    message = refusal("dazhou")
    assert message.startswith(f"{path}: rubric: ")
    assert "dazhou-2099" in message


def test_an_unknown_published_table_is_refused(profiles):
    path = profiles / "dazhou" / "profile.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("[ops_city, ops_county]", "[ops_city, ops_town]")
    )
    assert f"{path}: publishes: unknown table 'ops_town'" in refusal("dazhou")


def test_a_published_row_of_an_unknown_table_is_refused(profiles):
    seed = profiles / "chongqing" / "seeds" / "ref_published_rows.csv"
    edit_csv(
        seed,
        lambda rows: [
            {**r, "table_name": "districts_5ind"} if r["table_name"] == "districts_4ind" else r for r in rows
        ],
    )
    assert f"{seed}: unknown table 'districts_5ind'" in refusal("chongqing")


def test_a_rule_counting_neither_calendar_nor_working_days_is_refused(profiles):
    path = profiles / "chongqing" / "profile.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "rectification_due_after: {days: 5, count: working}",
            "rectification_due_after: {days: 5, count: weekdays}",
        )
    )
    assert f"{path}: rules.rectification_due_after.count: " in refusal("chongqing")


def test_a_profile_that_is_not_valid_yaml_is_refused(profiles):
    path = profiles / "dazhou" / "profile.yaml"
    path.write_text("title: 达州市\nrules: {default_evaluation_after: [5\n", encoding="utf-8")
    assert refusal("dazhou").startswith(f"{path}: not valid YAML")


def test_a_county_department_outside_every_county_of_the_file_is_refused(profiles):
    seed = profiles / "dazhou" / "seeds" / "ref_organisations.csv"
    # Row 52, the first county department (通川区's), moved to a region the file does not have.
    edit_csv(
        seed, lambda rows: [{**r, "region_code": "511799"} if i == 50 else r for i, r in enumerate(rows)]
    )
    message = refusal("dazhou")
    assert f"{seed}, row 52 (" in message
    assert "its region_code 511799 is not a county of this file" in message


def test_a_county_department_under_an_organisation_that_is_no_county_is_refused(profiles):
    seed = profiles / "dazhou" / "seeds" / "ref_organisations.csv"
    street = {"org_code": "511799", "org_name": "某街道", "org_level": "street", "region_code": "511702"}
    edit_csv(
        seed,
        lambda rows: [
            *({**r, "region_code": "511799"} if i == 50 else r for i, r in enumerate(rows)),
            {**rows[0], **street, "city_group": ""},
        ],
    )
    assert f"{seed}, row 52 (" in refusal("dazhou")


def test_an_unknown_profile_is_refused_in_one_line_listing_the_shipped_ones(monkeypatch, capsys):
    monkeypatch.setenv("YWTB_PROFILE", "dazhou")  # main sets it from --profile; restored after the test
    assert main(["months", "--profile", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert err == "ywtb months: no profile 'nosuch'; shipped profiles: chongqing, dazhou\n"


def test_a_warehouse_records_the_first_profile_and_refuses_another(tmp_path):
    import duckdb

    from dagster_project.defs.resources import claim_for_profile, held_profile
    from schemas.profile import ProfileMismatch

    wh = tmp_path / "ywtb.duckdb"

    def claim(profile: str) -> None:  # each run connects afresh
        with duckdb.connect(wh) as con:
            claim_for_profile(con, wh, profile)

    def held() -> str | None:
        with duckdb.connect(wh) as con:
            return held_profile(con)

    assert held() is None
    claim("chongqing")
    claim("chongqing")  # its own runs go on
    with duckdb.connect(wh) as con:
        assert con.sql("select profile from audit.warehouse_profile").fetchall() == [("chongqing",)]
    with pytest.raises(ProfileMismatch, match="built with profile 'chongqing'; this run asks for 'dazhou'"):
        claim("dazhou")
    assert held() == "chongqing"


# --- working days and the profile's calendar overrides ------------------------------------------


def at(text: str) -> np.ndarray:
    return np.array([text], dtype="datetime64[ms]")


def test_working_days_after_skip_the_national_day_and_count_the_makeup_saturday():
    days = workdays("dazhou")  # 达州 overrides nothing: chinese-calendar's days
    # 10-01..10-07 off, Saturday 10-09 worked (调休), Sunday 10-10 off.
    assert working_days_after(at("2021-09-30T10:00"), 5, days) == at("2021-10-13T10:00")
    assert working_days_after(at("2021-09-30T10:00"), 2, days) == at("2021-10-09T10:00")
    # From a day off, counting starts at the next workday.
    assert working_days_after(at("2021-10-03T15:30"), 1, days) == at("2021-10-08T15:30")


def with_overrides(profiles: Path, name: str, overrides: list[tuple[str, bool]]) -> None:
    shutil.copytree(profiles / "dazhou", profiles / name)
    with (profiles / name / "seeds" / "ref_calendar_overrides.csv").open("a", encoding="utf-8") as f:
        f.writelines(
            f"{day},{str(works).lower()},local {'makeup' if works else 'holiday'}\n"
            for day, works in overrides
        )


def test_calendar_overrides_turn_a_workday_into_a_rest_day_and_a_saturday_into_a_workday(profiles):
    with_overrides(profiles, "local", [("2021-10-12", False), ("2021-10-16", True)])
    days = workdays("local")
    national = workdays("dazhou")
    assert np.datetime64("2021-10-12") in national and np.datetime64("2021-10-12") not in days
    assert np.datetime64("2021-10-16") not in national and np.datetime64("2021-10-16") in days
    # 10-08, 10-09, 10-11, (10-12 off), 10-13, 10-14.
    assert working_days_after(at("2021-09-30T10:00"), 5, days) == at("2021-10-14T10:00")
    # 10-14, 10-15, then the Saturday 10-16 the city works.
    assert working_days_after(at("2021-10-13T09:00"), 3, days) == at("2021-10-16T09:00")
    assert working_days_after(at("2021-10-13T09:00"), 3, national) == at("2021-10-18T09:00")


def test_working_days_beyond_the_calendar_fail_instead_of_guessing():
    with pytest.raises(reference.CalendarNotCovered, match="outside the working-day calendar"):
        working_days_after(at("2026-12-28T10:00"), 5, workdays("dazhou"))


# --- the sample platform applies the profile's 好差评 rules ------------------------------------------


def walk_workdays(start: dt.datetime, n: int, is_workday: dict[dt.date, bool]) -> dt.datetime:
    """The slow, obvious way: step day by day and count the workdays."""
    day = start.date()
    while n:
        day += dt.timedelta(days=1)
        n -= is_workday[day]
    return dt.datetime.combine(day, start.time())


def evaluations_with_finish() -> pl.DataFrame:
    applied = gen.universe(dt.date(2021, 10, 1), scale=0.002, seed=5)
    return applied.evaluations.join(applied.cases.select("case_id", "finish_time"), on="case_id")


def test_dazhou_rates_by_default_five_calendar_days_after_finishing_and_wants_rectification_in_seven(
    profiles, monkeypatch
):
    monkeypatch.setenv("YWTB_PROFILE", "dazhou")
    evals = evaluations_with_finish()
    defaults = evals.filter(pl.col("eval_source") == "默认评价")
    assert defaults.height > 100
    assert (defaults["eval_time"] - defaults["finish_time"]).unique().to_list() == [dt.timedelta(days=5)]
    bad = evals.filter(pl.col("rating") <= 2)
    assert bad.height > 0
    assert (bad["rectify_due"] - bad["eval_time"]).unique().to_list() == [dt.timedelta(days=7)]
    active = evals.filter(pl.col("eval_source") == "主动评价")
    assert (active["eval_time"] - active["finish_time"]).max() < dt.timedelta(days=5)


def test_a_profile_counting_working_days_dates_defaults_and_due_dates_on_its_own_workdays(
    profiles, monkeypatch
):
    with_overrides(profiles, "workdays", [("2021-10-12", False), ("2021-10-16", True)])
    path = profiles / "workdays" / "profile.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "default_evaluation_after: {days: 5, count: calendar}",
        "default_evaluation_after: {days: 5, count: working}",
    )
    text = text.replace(
        "rectification_due_after: {days: 7, count: calendar}",
        "rectification_due_after: {days: 3, count: working}",
    )
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("YWTB_PROFILE", "workdays")

    evals = evaluations_with_finish()
    cal = calendar()
    is_workday = dict(zip(cal["calendar_date"], cal["is_workday"], strict=True))
    is_workday |= {dt.date(2021, 10, 12): False, dt.date(2021, 10, 16): True}
    defaults = evals.filter(pl.col("eval_source") == "默认评价")
    around_the_holiday = defaults.filter(pl.col("finish_time").dt.date() >= dt.date(2021, 9, 28)).head(300)
    assert around_the_holiday.height == 300
    for finish, rated in around_the_holiday.select("finish_time", "eval_time").iter_rows():
        assert rated == walk_workdays(finish, 5, is_workday)
    bad = evals.filter(pl.col("rating") <= 2)
    assert bad.height > 0
    for rated, due in bad.select("eval_time", "rectify_due").iter_rows():
        assert due == walk_workdays(rated, 3, is_workday)
    # Active ratings still come before the default one.
    active = evals.filter(pl.col("eval_source") == "主动评价")
    assert (active["eval_time"] - active["finish_time"]).max() < dt.timedelta(days=5)
