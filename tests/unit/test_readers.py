"""File-level problems fail the file with a message naming it; readable files read whatever their encoding."""

from pathlib import Path

import pytest

from dagster_project.defs.ingest.readers import FileProblem, find_file, read_file
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
