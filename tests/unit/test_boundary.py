"""Row rules quarantine exactly the rows that break them, with the rule's name; file problems fail the file."""

import csv
import random
from pathlib import Path

import polars as pl
import pytest

from dagster_project.defs.ingest.boundary import SeenKeys, ingest_file, read_ahead
from dagster_project.defs.ingest.readers import FileProblem
from schemas.raw import CONTRACTS

GOOD = {
    "办件编号": "C1", "事项编码": "M1", "实施机构编码": "511700008", "行政区划代码": "511700",
    "办件类型": "承诺件", "申请渠道": "窗口", "申请时间": "2021-06-01 09:00:00",
    "受理时间": "2021-06-01 10:00:00", "办结时间": "2021-06-03 10:00:00",
    "法定时限（工作日）": "20", "承诺时限（工作日）": "5",
    "申请人姓名": "张三", "证件号码": "11010519491231002X", "联系电话": "13800000000",
}  # fmt: skip


def cases_file(tmp_path: Path, rows: list[dict], name: str = "办件数据_202106.csv") -> Path:
    path = tmp_path / name
    header = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def row(**changes) -> dict:
    labels = {"case_id": "办件编号", "matter": "事项编码", "dept": "实施机构编码", "kind": "办件类型",
              "apply": "申请时间", "accept": "受理时间", "finish": "办结时间", "legal": "法定时限（工作日）",
              "promised": "承诺时限（工作日）", "channel": "申请渠道"}  # fmt: skip
    return GOOD | {labels[k]: v for k, v in changes.items()}


CASES = [
    ("a good row", row(), None),
    ("an unknown department", row(dept="511700999"), "unknown_department"),
    ("an unknown matter", row(matter="M404"), "unknown_matter"),
    ("an impossible date", row(apply="2021-02-30 09:00:00"), "malformed_value(apply_time)"),
    ("a finish before acceptance", row(finish="2021-06-01 08:00:00"), "finish_before_accept"),
    ("an acceptance before application", row(accept="2021-05-31 08:00:00"), "accept_before_apply"),
    ("a negative promised limit", row(promised="-1"), "negative_promised_limit_days"),
    ("a promised case without limit", row(promised=""), "missing_time_limit"),
    ("an instant case without limit", row(kind="即办件", promised="", legal=""), None),
    ("a finish after the month", row(finish="2021-07-01 09:00:00"), "timestamp_after_month_end"),
    ("a case all in May", row(apply="2021-05-03 09:00:00", accept="2021-05-03 10:00:00", finish="2021-05-05 10:00:00"), "not_in_month"),
    ("a case open since May", row(apply="2021-05-03 09:00:00", accept="2021-05-03 10:00:00", finish=""), None),
    ("an unknown channel", row(channel="信鸽"), "invalid_channel"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "case", "reason"), CASES, ids=[c[0] for c in CASES])
def test_each_row_rule_quarantines_its_rows_with_its_name(tmp_path, june_context, what, case, reason):
    ingested = ingest_file(
        cases_file(tmp_path, [GOOD | {"办件编号": "C0"}, case]), CONTRACTS["cases"], june_context, "s"
    )
    assert ingested.rows_read == 2
    if reason is None:
        assert ingested.quarantined.is_empty()
    else:
        assert ingested.quarantined["source_row"].to_list() == [2]
        assert ingested.quarantined["reason"].to_list() == [reason]
        assert ingested.loaded["case_id"].to_list() == ["C0"]


def test_a_repeated_case_id_keeps_the_first_row_and_quarantines_the_second(tmp_path, june_context):
    ingested = ingest_file(
        cases_file(tmp_path, [row(), row(channel="网上"), row()]), CONTRACTS["cases"], june_context, "s"
    )
    assert ingested.loaded["channel"].to_list() == ["window"]
    assert ingested.quarantined["source_row"].to_list() == [2, 3]
    assert set(ingested.quarantined["reason"]) == {"duplicate_case_id"}


def test_quarantined_rows_keep_their_text_but_never_personal_data(tmp_path, june_context):
    ingested = ingest_file(
        cases_file(tmp_path, [row(apply="2021-02-30 09:00:00")]), CONTRACTS["cases"], june_context, "s"
    )
    q = ingested.quarantined
    assert q["apply_time"].to_list() == ["2021-02-30 09:00:00"]
    assert not {"applicant_name", "applicant_id_number", "applicant_phone"} & set(q.columns)


def test_an_unknown_column_is_accepted_and_reported(tmp_path, june_context):
    ingested = ingest_file(
        cases_file(tmp_path, [GOOD | {"备注": "x"}]), CONTRACTS["cases"], june_context, "s"
    )
    assert ingested.unknown_columns == ("备注",)
    assert ingested.loaded.height == 1


def test_a_missing_required_column_fails_the_file_naming_it(tmp_path, june_context):
    rows = [{k: v for k, v in GOOD.items() if k != "受理时间"}]
    with pytest.raises(
        FileProblem, match=r"办件数据_202106\.csv: missing required column: 受理时间 \(accept_time\)"
    ):
        ingest_file(cases_file(tmp_path, rows), CONTRACTS["cases"], june_context, "s")


def test_a_file_of_another_month_fails_as_the_wrong_month(tmp_path, june_context):
    may = row(apply="2021-05-03 09:00:00", accept="2021-05-03 10:00:00", finish="2021-05-05 10:00:00")
    with pytest.raises(FileProblem, match=r"wrong month inside the file: 1 of 1 rows are for 2021-05"):
        ingest_file(cases_file(tmp_path, [may]), CONTRACTS["cases"], june_context, "s")


def test_headers_in_the_older_wording_are_accepted(tmp_path, june_context):
    older = {("办件流水号" if k == "办件编号" else k): v for k, v in GOOD.items()}
    ingested = ingest_file(cases_file(tmp_path, [older]), CONTRACTS["cases"], june_context, "s")
    assert ingested.loaded["case_id"].to_list() == ["C1"]


def test_reading_ahead_keeps_the_order_and_hands_over_an_error_in_the_reader():
    def batches():
        yield from (1, 2, 3)
        raise FileProblem("x.csv", "broken in the fourth batch")

    seen = []
    with pytest.raises(FileProblem, match="fourth batch"):
        for batch in read_ahead(batches()):
            seen.append(batch)
    assert seen == [1, 2, 3]


def test_a_caller_that_stops_early_does_not_wait_for_the_reader():
    produced = []

    def batches():
        for i in range(1000):
            produced.append(i)
            yield i

    for batch in read_ahead(batches()):
        if batch == 2:
            break
    assert len(produced) < 10  # the reader stopped one or two batches ahead, not at the end


def test_keys_repeated_from_earlier_batches_are_found_and_nothing_else():
    seen = SeenKeys()
    assert seen.take(pl.Series([None], dtype=pl.String)).is_empty()  # a batch without keys
    assert seen.take(pl.Series(["A", "B", None])).is_empty()
    assert seen.take(pl.Series(["C"])).is_empty()
    assert sorted(seen.take(pl.Series(["B", "C", "D", None]))) == ["B", "C"]
    assert sorted(seen.take(pl.Series(["D", "E"]))) == ["D"]


class FirstHashCollides(SeenKeys):
    """Every key's first hash is one of two values: only the second hash tells keys apart."""

    def _hashes(self, keys):
        h0, h1 = super()._hashes(keys)
        return h0 % 2, h1


@pytest.mark.parametrize("kind", [SeenKeys, FirstHashCollides])
def test_repeats_across_many_batches_are_those_of_a_plain_set(kind):
    """Enough batches for the sorted runs to merge several times, keys repeated within and across
    batches; the answer is checked against a set of the strings themselves."""
    rng = random.Random(6)
    seen, plain = kind(), set()
    for _ in range(40):
        batch = [f"K{rng.randrange(3000)}" for _ in range(rng.randrange(1, 200))]
        assert sorted(seen.take(pl.Series(batch))) == sorted(k for k in batch if k in plain)
        plain.update(batch)
    assert len(seen._runs) < 8  # merged as they grew, not one run a batch
