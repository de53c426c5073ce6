"""File-level problems fail the file with a message naming it; readable files read whatever their encoding."""

from pathlib import Path

import pytest

from dagster_project.defs.ingest.readers import FileProblem, find_file, read_csv_batches, read_file
from schemas.raw import CONTRACTS

HEADER = "办件编号,事项编码,申请时间\n"
ROW = "C1,M1,2021-06-01 09:00:00\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_reads_in_every_encoding_the_platform_exports(tmp_path, encoding):
    raw = read_file(write(tmp_path / "cases.csv", HEADER + ROW.replace("C1", "达州C1"), encoding))
    assert raw.table.column_names == ["办件编号", "事项编码", "申请时间"]
    assert raw.table.column("办件编号").to_pylist() == ["达州C1"]


def test_an_utf16_file_fails_naming_the_file_and_the_encoding(tmp_path):
    path = write(tmp_path / "cases.csv", HEADER + ROW, "utf-16")
    with pytest.raises(FileProblem, match=r"cases\.csv: unreadable encoding"):
        read_file(path)


def test_an_empty_file_fails(tmp_path):
    with pytest.raises(FileProblem, match=r"cases\.csv: empty file"):
        read_file(write(tmp_path / "cases.csv", ""))


def test_a_header_without_rows_fails(tmp_path):
    with pytest.raises(FileProblem, match="a header and no rows"):
        read_file(write(tmp_path / "cases.csv", HEADER))


def test_a_semicolon_file_is_reported_as_a_wrong_delimiter(tmp_path):
    with pytest.raises(FileProblem, match="wrong delimiter"):
        read_file(write(tmp_path / "cases.csv", HEADER.replace(",", ";") + ROW.replace(",", ";")))


def test_duplicate_header_columns_fail(tmp_path):
    with pytest.raises(FileProblem, match="duplicate header columns: 事项编码"):
        read_file(write(tmp_path / "cases.csv", "办件编号,事项编码,事项编码\nC1,M1,M1\n"))


def test_a_missing_extract_fails_naming_the_expected_file(tmp_path):
    with pytest.raises(FileProblem, match=r"missing file for 办件"):
        find_file(tmp_path, CONTRACTS["cases"])


def test_two_files_for_one_extract_are_refused(tmp_path):
    write(tmp_path / "办件数据_202106.csv", HEADER + ROW)
    write(tmp_path / "cases.csv", HEADER + ROW)
    with pytest.raises(FileProblem, match="several files for 办件"):
        find_file(tmp_path, CONTRACTS["cases"])


def test_a_file_is_found_by_its_chinese_name_with_a_month_suffix(tmp_path):
    path = write(tmp_path / "办件数据_202106.csv", HEADER + ROW)
    write(tmp_path / "办件数据说明.txt", "not an extract")
    assert find_file(tmp_path, CONTRACTS["cases"]) == path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_batches_cut_at_row_ends_only_and_read_what_the_whole_file_reads(tmp_path, encoding, newline):
    # Quoted values with newlines, commas and escaped quotes fall across the cuts of small batches, and
    # one row is longer than a batch.
    rows = [
        f'C{i},"达州{i}\n第二行, ""引号""",2021-06-01 09:00:00'
        if i % 3 == 0
        else f"C{i},M{i}{'长' * 300 if i == 100 else ''},2021-06-01 09:00:00"
        for i in range(200)
    ]
    text = HEADER + "".join(r + "\n" for r in rows)
    path = write(tmp_path / "cases.csv", text.replace("\n", newline), encoding)
    whole = read_file(path).table
    batches = list(read_csv_batches(path, batch_bytes=256))
    assert len(batches) > 10
    assert [r for b in batches for r in b.table.to_pylist()] == whole.to_pylist()
    assert whole.num_rows == 200
    assert whole.column("事项编码")[0].as_py().replace("\r\n", "\n") == '达州0\n第二行, "引号"'


def test_batches_of_a_file_without_quotes_read_what_the_whole_file_reads(tmp_path):
    rows = [f"C{i},M{i}{'长' * 300 if i == 100 else ''},2021-06-01 09:00:00\n" for i in range(200)]
    path = write(tmp_path / "cases.csv", HEADER + "".join(rows))
    batches = list(read_csv_batches(path, batch_bytes=256))
    assert len(batches) > 10
    assert [r for b in batches for r in b.table.to_pylist()] == read_file(path).table.to_pylist()
    assert sum(b.table.num_rows for b in batches) == 200


def test_a_header_without_rows_fails_also_in_batches(tmp_path):
    with pytest.raises(FileProblem, match="a header and no rows"):
        list(read_csv_batches(write(tmp_path / "cases.csv", HEADER), batch_bytes=256))
