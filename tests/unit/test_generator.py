"""The sample generator is deterministic, month by month, and looks like the platform's exports."""

import datetime as dt
import zipfile

import polars as pl

from dagster_project.defs.ingest.normalize import id_number_status
from dagster_project.sample import generator as gen
from dagster_project.sample.writer import delivery_format, write_month

JUNE = dt.date(2021, 6, 1)


def file_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_month_comes_out_byte_for_byte_the_same_alone_or_after_other_months(tmp_path):
    write_month(JUNE, tmp_path / "a", scale=0.001, seed=3, bad_rows=0.02)
    for m in (4, 5, 6):
        write_month(dt.date(2021, m, 1), tmp_path / "b", scale=0.001, seed=3, bad_rows=0.02)
    assert file_bytes(tmp_path / "a" / "2021-06") == file_bytes(tmp_path / "b" / "2021-06")


def test_a_workbook_month_is_reproducible_too(tmp_path):
    april = dt.date(2021, 4, 1)
    write_month(april, tmp_path / "a", scale=0.0005, seed=3)
    write_month(april, tmp_path / "b", scale=0.0005, seed=3)
    first = file_bytes(tmp_path / "a" / "2021-04")
    assert all(name.endswith(".xlsx") for name in first)
    assert first == file_bytes(tmp_path / "b" / "2021-04")
    # Stamped with the export date (the month's end), not the clock: equal bytes above are no accident.
    for path in (tmp_path / "a" / "2021-04").glob("*.xlsx"):
        with zipfile.ZipFile(path) as book:
            assert b"2021-05-01T00:00:00Z" in book.read("docProps/core.xml")


def test_another_seed_gives_other_data(tmp_path):
    write_month(JUNE, tmp_path / "a", scale=0.001, seed=3)
    write_month(JUNE, tmp_path / "b", scale=0.001, seed=4)
    assert file_bytes(tmp_path / "a" / "2021-06") != file_bytes(tmp_path / "b" / "2021-06")


def test_cases_carry_valid_id_numbers_and_span_months():
    cases = gen.cases_extract(JUNE, scale=0.002, seed=1)
    persons = cases.filter(pl.col("applicant_type") == "自然人")
    status = persons.select(id_number_status(pl.col("applicant_id_number").str.to_uppercase())).to_series()
    assert status.unique().to_list() == ["valid"]
    # Cases accepted in May and finished in June, and cases still open at the end of June.
    may_accepted = cases.filter(pl.col("accept_time") < dt.datetime(2021, 6, 1))
    assert may_accepted.filter(pl.col("finish_time").is_not_null()).height > 0
    assert cases.filter(pl.col("accept_time").is_not_null() & pl.col("finish_time").is_null()).height > 0


def test_evaluations_include_defaults_after_five_days_and_bad_ratings():
    evals = gen.evaluations_extract(JUNE, scale=0.005, seed=1)
    assert set(evals["eval_source"]) == {"主动评价", "默认评价"}
    assert evals.filter(pl.col("rating") <= 2).height > 0
    assert evals.filter(pl.col("case_id").is_null()).height > 0  # evaluations of a guide, not a case


def test_certificates_include_realtime_backfilled_and_stock():
    certs = gen.certificates_extract(JUNE, scale=0.005, seed=1)
    assert set(certs["origin"]) == {"实时生成", "补录", "存量"}
    assert (
        certs.filter(pl.col("origin") == "存量")["case_id"].null_count()
        == certs.filter(pl.col("origin") == "存量").height
    )


def test_scale_one_is_about_a_million_applications_a_month():
    assert 0.9e6 < gen.APPLICATIONS_AT_SCALE_1 * gen.MONTH_FACTOR[6] < 1.1e6


def test_months_are_delivered_in_the_formats_real_offices_send():
    formats = {m: delivery_format(dt.date(2021, m, 1)) for m in range(1, 11)}
    assert (
        formats[2] == "gb18030"
        and formats[4] == "xlsx"
        and formats[7] == "utf-8-sig"
        and formats[6] == "utf-8"
    )


def test_month_ranges_parse():
    assert gen.parse_months("2021-11..2022-02") == [
        dt.date(2021, 11, 1),
        dt.date(2021, 12, 1),
        dt.date(2022, 1, 1),
        dt.date(2022, 2, 1),
    ]
    assert gen.parse_months("2021-06,2021-03") == [dt.date(2021, 3, 1), dt.date(2021, 6, 1)]


def test_the_sample_delivers_county_populations_scaled_like_its_volume():
    from dagster_project.reference import organisations

    month = dt.date(2021, 6, 1)
    delivered = gen.assessed_inputs_extract(month, 7, scale=0.01).filter(
        pl.col("indicator_code") == "resident_population"
    )
    census = dict(organisations().of_level("county").select("org_name", "population").iter_rows())
    assert dict(delivered.select("org_name", "value").iter_rows()) == {
        name: round(people * 0.01) for name, people in census.items()
    }
    # without a scale (the calibrated, real-volume world) the reference population stands
    assert "resident_population" not in gen.assessed_inputs_extract(month, 7)["indicator_code"].to_list()


def test_each_department_lists_matters_of_its_own_trade():
    matters = gen.world(7).matters.join(
        gen.world(7).orgs.select("org_code", "org_name"), left_on="dept_code", right_on="org_code"
    )
    police = matters.filter(pl.col("org_name") == "市公安局")["matter_name"]
    assert police.len() > 0 and police.str.contains("食品经营|林木采伐|公积金").sum() == 0
    assert police.str.contains(
        "户口迁移|居民身份证|机动车|驾驶证|出入境证件|治安|剧毒化学品购买|爆破作业|保安服务"
    ).all()
