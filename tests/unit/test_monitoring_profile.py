"""The warning thresholds of the daily monitoring are the jurisdiction's (`monitoring:` in
profile.yaml), validated with the profile; the as-of day is read in one form only."""

import datetime as dt

import pytest
import yaml

from dagster_project.defs.monitoring.days import AsOfError, delivered_days, extract_month, parse_as_of
from schemas.profile import PROFILES_DIR, ProfileError, _read_yaml, load_profile


def test_every_shipped_profile_gives_its_thresholds():
    for name in ("dazhou", "chongqing"):
        levels = load_profile(name).monitoring
        assert (levels.yellow_within_working_days, levels.notice_within_working_days) == (0, 1)


@pytest.mark.parametrize(
    ("block", "says"),
    [
        ({"yellow_within_working_days": 2, "notice_within_working_days": 1}, "提示 comes before 黄"),
        ({"yellow_within_working_days": -1, "notice_within_working_days": 1}, "greater than or equal to 0"),
        (
            {"yellow_within_working_days": 0, "notice_within_working_day": 1},
            "monitoring.notice_within_working_day",
        ),
    ],
)
def test_wrong_thresholds_are_refused_naming_the_file_and_the_entry(tmp_path, block, says):
    head = yaml.safe_load((PROFILES_DIR / "dazhou" / "profile.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump({**head, "monitoring": block}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        _read_yaml(path)
    assert str(path) in str(refused.value) and says in str(refused.value)


def test_an_as_of_extract_is_of_the_month_of_the_day_before():
    assert parse_as_of("2021-06-15") == dt.date(2021, 6, 15)
    assert extract_month(dt.date(2021, 6, 15)) == dt.date(2021, 6, 1)
    # 00:00 of 1 July: June's last state.
    assert extract_month(dt.date(2021, 7, 1)) == dt.date(2021, 6, 1)
    for wrong in ("2021-6-15", "20210615", "2021-02-30"):
        with pytest.raises(AsOfError):
            parse_as_of(wrong)


def test_delivered_days_are_the_dated_folders_and_a_misnamed_one_is_refused(tmp_path):
    for name in ("2021-06-16", "2021-06-15", ".hidden"):
        (tmp_path / "daily" / name).mkdir(parents=True)
    (tmp_path / "daily" / ".sample").touch()
    assert delivered_days(tmp_path) == [dt.date(2021, 6, 15), dt.date(2021, 6, 16)]
    (tmp_path / "daily" / "2021-06-17 corrected").mkdir()
    with pytest.raises(AsOfError, match="2021-06-17 corrected"):
        delivered_days(tmp_path)
