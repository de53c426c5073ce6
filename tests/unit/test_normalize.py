"""Values are read as the platform writes them; personal data never survives normalisation."""

import datetime as dt

import polars as pl
import pytest

from dagster_project.defs.ingest.normalize import (
    clean_text,
    id_number_status,
    id_number_statuses,
    mask_personal_text,
    parse_column,
    parse_number,
    parse_timestamp,
    protect_personal_data,
    salted_hash,
)
from schemas.raw import CONTRACTS, Column


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("11010519491231002X", "valid"),  # the check digit of the GB 11643 example is X
        ("11010519491231002x", "valid"),
        ("110105194912310021", "invalid"),  # one digit off: the check digit no longer matches
        ("1.10105E+17", "mangled"),  # Excel's scientific notation
        ("110105194912310000", "mangled"),  # Excel keeps 15 significant digits
        ("110105491231002", "valid"),  # first-generation 15-digit numbers are legal
        ("91511700MA6XXXXX3K", "org_code"),  # a company's 统一社会信用代码
        ("", "missing"),
        (None, "missing"),
        ("１１０１０５１９４９１２３１００２Ｘ", "valid"),  # full-width digits
    ],
)
def test_id_numbers_are_classified_before_anything_is_hashed(value, status):
    frame = clean_text(pl.DataFrame({"id": [value]}, schema={"id": pl.String}), ["id"])
    assert frame.select(id_number_status(pl.col("id").str.to_uppercase())).item() == status


def test_a_column_of_id_numbers_is_classified_as_each_value_alone():
    """The column's shortcut (the check digit first, the other rules only for the values that fail
    it) gives each value the status the rule gives it alone, wherever the column starts."""
    values = ["11010519491231002X", "110105194912310021", "1.10105E+17", "110105194912310000",
              "110105491231002", "91511700MA6XXXXX3K", None, "", "11010519491231002", "1101051949123100２X",
              "Ａ10105194912310021", "11010519491231002X0"] * 3  # fmt: skip
    column = pl.Series("id", values).slice(1)
    alone = column.to_frame().select(id_number_status(pl.col("id"))).to_series()
    assert id_number_statuses(column).to_list() == alone.to_list()
    assert id_number_statuses(column.filter(column == "nothing")).to_list() == []


@pytest.mark.parametrize(
    "values",
    [
        ["12", "-3", "0", None, "+7", "007"],  # plain: read directly
        ["1,234", "12", None],  # a separator: the column is read the long way
        ["3.0", "3.5", "1e3", "inf", "12"],
        ["9007199254740993", "12"],  # past what a float holds exactly: read as a float, as before
        ["-9223372036854775808", "99999999999999999999"],
    ],
)
def test_a_column_of_numbers_is_read_as_each_number_alone(values):
    text = pl.Series("n", values, pl.String)
    for kind, dtype in (("int", pl.Int64), ("float", pl.Float64)):
        alone = text.to_frame().select(parse_number(pl.col("n"), dtype)).to_series()
        assert parse_column(Column("n", "n", kind=kind), text).to_list() == alone.to_list()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-06-01 09:30:00", dt.datetime(2021, 6, 1, 9, 30)),
        ("2021/06/01 09:30:00", dt.datetime(2021, 6, 1, 9, 30)),
        ("2021-06-01", dt.datetime(2021, 6, 1)),
        ("2021-06-01 09:30:00.0", dt.datetime(2021, 6, 1, 9, 30)),  # a database export's fraction
        ("2021/06/01 09:30:00.250", dt.datetime(2021, 6, 1, 9, 30, 0, 250000)),
        ("２０２１-０６-０１ ０９:３０:００", dt.datetime(2021, 6, 1, 9, 30)),
        ("44348.5", dt.datetime(2021, 6, 1, 12, 0)),  # an Excel serial date
        ("2021-02-30 10:00:00", None),  # impossible
        ("2021-06-15 25:61:00", None),
        ("昨天", None),
    ],
)
def test_timestamps_are_read_in_every_form_exports_use(text, expected):
    frame = clean_text(pl.DataFrame({"t": [text]}), ["t"])
    assert parse_timestamp(frame["t"]).item() == expected


def test_a_column_in_the_first_form_with_one_value_in_another_reads_both():
    text = pl.Series("t", ["2021-06-01 09:30:00"] * 3 + ["2021/06/02", None])
    assert parse_timestamp(text).to_list() == [dt.datetime(2021, 6, 1, 9, 30)] * 3 + [
        dt.datetime(2021, 6, 2),
        None,
    ]


def test_numbers_with_thousands_separators_and_full_width_digits_are_read():
    frame = clean_text(pl.DataFrame({"n": ["1,234", "１２", "3.0", "3.5", "-2", "abc"]}), ["n"])
    assert frame.select(parse_number(pl.col("n"), pl.Int64)).to_series().to_list() == [
        1234,
        12,
        3,
        None,
        -2,
        None,
    ]


def test_names_and_phones_are_dropped_and_only_valid_ids_are_hashed():
    frame = pl.DataFrame(
        {
            "applicant_name": ["张三", "李四"],
            "applicant_id_number": ["11010519491231002X", "1.10105E+17"],
            "applicant_phone": ["13800000000", "13800000001"],
        }
    )
    out = protect_personal_data(frame, CONTRACTS["cases"], salt="s1")
    assert set(out.columns) == {"applicant_key", "applicant_key_status"}
    assert out["applicant_key_status"].to_list() == ["valid", "mangled"]
    assert out["applicant_key"][1] is None  # a mangled number is never joined as if it were a person
    assert out["applicant_key"][0] == salted_hash(pl.Series(["11010519491231002X"]), "s1")[0]


def test_the_hash_depends_on_the_salt():
    ids = pl.Series(["11010519491231002X"])
    assert salted_hash(ids, "a")[0] != salted_hash(ids, "b")[0]
    assert len(salted_hash(ids, "a")[0]) == 64


def test_hashing_without_a_salt_is_refused():
    with pytest.raises(ValueError, match="salt"):
        protect_personal_data(pl.DataFrame({"applicant_id_number": ["x"]}), CONTRACTS["cases"], salt="")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("张三11010519491231002X申请", "张三***申请"),
        ("申请人身份证号110105491231002", "申请人身份证号***"),  # first generation, 15 digits
        ("电话13800000000,13900000000", "电话***,***"),  # side by side
        ("联系 138-0000-0000 或 +86 139 0000 0000", "联系 *** 或 ***"),
        ("咨询电话（028）88886666、0818-2388888", "咨询电话***、***"),
        ("联系１３８００００００００", "联系***"),  # full-width digits
        ("公积金提取许可", None),
        ("20210551170200300001298", None),  # a case id: its digits run on past any pattern
        ("GG2021-511702-06-00000000", None),
        ("51170200300006", None),
        ("110105194913310021", None),  # month 13: not a date of birth
    ],
)
def test_id_numbers_and_phones_typed_into_text_are_masked_and_nothing_else(text, masked):
    frame = pl.DataFrame({"matter_name": [text, "事项"], "matter_code": ["M1", "M2"]})
    out, count = mask_personal_text(frame, CONTRACTS["matters"])
    assert out["matter_name"].to_list() == [masked or text, "事项"]
    assert count == (1 if masked else 0)
