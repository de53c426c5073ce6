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


# --- rows counted from the file, quotes checked, messages without a row's text ----------------------

PERSON = "张三,11010519491231002X,13800000000"
PEOPLE_HEADER = "办件编号,事项编码,申请时间,申请人姓名,证件号码,联系电话\n"


def people_rows(n: int = 30) -> list[str]:
    return [f"C{i},M{i},2021-06-01 09:00:00,{PERSON}\n" for i in range(1, n + 1)]


def read_both_ways(path: Path) -> tuple[int, int]:
    """(records of the whole-file read, records summed over small batches)."""
    return read_file(path).records, sum(b.records for b in read_csv_batches(path, batch_bytes=300))


STRAYS = [
    (
        "a quote opening a value",
        lambda r: r.replace("M10,", '"M10,'),
        "line 11: a quote that is never closed",
    ),
    ("a quote inside a value", lambda r: r.replace("M10,", 'M"10,'), "line 11: a quote inside a value"),
    (
        "two stray quotes making one quoted value of rows 10 to 20",
        lambda r: r.replace(",M10,", ',"M10,').replace(",M20,", ',M20",'),
        "lines 11-21: one quoted value holds whole rows",
    ),
    (
        "a stray quote before a quoted value",
        lambda r: r.replace(",M10,", ',"M10,').replace(",M20,", ',"M,20",'),
        "line 11: a quoted value that does not end where its field ends",
    ),
]


@pytest.mark.parametrize(("what", "spoil", "says"), STRAYS, ids=[s[0] for s in STRAYS])
def test_a_stray_quote_fails_the_file_naming_the_line_read_whole_or_in_batches(tmp_path, what, spoil, says):
    path = write(tmp_path / "cases.csv", PEOPLE_HEADER + spoil("".join(people_rows())))
    for read in (read_file, lambda p: list(read_csv_batches(p, batch_bytes=300))):
        with pytest.raises(FileProblem, match=says) as e:
            read(path)
        assert not any(secret in str(e.value) for secret in PERSON.split(","))


@pytest.mark.parametrize(
    ("what", "text", "records"),
    [
        ("plain", "".join(people_rows(25)), 25),
        ("without a last newline", "".join(people_rows(25)).rstrip("\n"), 25),
        ("blank lines", "\n" + "\n\n".join(people_rows(25)) + "\r\n\n", 25),
        ("windows newlines", "".join(people_rows(25)).replace("\n", "\r\n"), 25),
        (
            "quoted values over lines",
            "".join(
                r.replace(",M", ',"M').replace(",2021", '\n\n第二行, ""引号""",2021') for r in people_rows(25)
            ),
            25,
        ),
    ],
)
def test_records_are_counted_from_the_bytes_and_agree_with_the_parse(tmp_path, what, text, records):
    path = write(tmp_path / "cases.csv", PEOPLE_HEADER + text)
    assert read_both_ways(path) == (records, records)
    assert read_file(path).table.num_rows == records


def test_a_row_with_too_few_fields_fails_naming_its_line_not_its_text(tmp_path):
    rows = people_rows()
    rows[6] = f"C7,{PERSON}\n"  # 4 fields where the header has 6
    path = write(tmp_path / "cases.csv", PEOPLE_HEADER + "".join(rows))
    with pytest.raises(FileProblem, match="line 8 has 4 fields where the header has 6") as e:
        read_file(path)
    assert not any(secret in str(e.value) for secret in PERSON.split(","))
    assert e.value.__context__ is None  # pyarrow's error, which quotes the row, is not chained either


def test_a_header_that_is_a_row_of_data_is_not_quoted_back(tmp_path):
    path = write(tmp_path / "cases.csv", f"{PERSON.replace(',', ';')}\n{PERSON.replace(',', ';')}\n")
    with pytest.raises(FileProblem, match="wrong delimiter") as e:
        read_file(path)
    assert "11010519491231002X" not in str(e.value) and "张三" not in str(e.value)


@pytest.mark.parametrize("pad", [" ", "\u3000", "\t"])
def test_header_cells_with_trailing_spaces_are_matched_as_the_header(tmp_path, pad):
    path = write(tmp_path / "cases.csv", ",".join(h + pad for h in HEADER.strip().split(",")) + "\n" + ROW)
    raw = read_file(path)
    assert raw.table.column_names == ["办件编号", "事项编码", "申请时间"]
    assert raw.table.column("申请时间").to_pylist() == ["2021-06-01 09:00:00"]


def test_nan_is_kept_as_text_to_be_judged_and_null_words_are_empty(tmp_path):
    path = write(tmp_path / "cases.csv", HEADER + "NaN,NULL,inf\n")
    assert read_file(path).table.to_pylist() == [{"办件编号": "NaN", "事项编码": None, "申请时间": "inf"}]


def test_a_folder_or_a_broken_link_in_place_of_the_file_is_said_as_such(tmp_path):
    (tmp_path / "cases.csv").mkdir()
    with pytest.raises(FileProblem, match=r"cases\.csv: a folder where a file is expected"):
        find_file(tmp_path, CONTRACTS["cases"])
    (tmp_path / "cases.csv").rmdir()
    (tmp_path / "cases.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(FileProblem, match=r"cases\.csv: a broken link"):
        find_file(tmp_path, CONTRACTS["cases"])
    with pytest.raises(FileProblem, match="a broken link"):
        read_file(tmp_path / "cases.csv")


@pytest.mark.parametrize("change", ["removed", "rewritten"])
def test_a_file_that_disappears_or_changes_while_it_is_read_fails(tmp_path, change):
    path = write(tmp_path / "cases.csv", PEOPLE_HEADER + "".join(people_rows(200)))
    batches = read_csv_batches(path, batch_bytes=300)
    next(batches)
    if change == "removed":
        path.unlink()
    else:
        write(tmp_path / "cases.csv", PEOPLE_HEADER + "".join(people_rows(100)))
    with pytest.raises(FileProblem, match="disappeared while it was read|changed while it was read"):
        list(batches)


# --- workbooks -------------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]], cell=None) -> Path:
    import xlsxwriter

    with xlsxwriter.Workbook(path, {"strings_to_numbers": False}) as wb:
        for name, rows in sheets.items():
            ws = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if cell and cell(ws, r, c, value):
                        continue
                    if value is not None:
                        ws.write_string(r, c, value)
    return path


XLSX_HEADER = ["办件编号", "事项编码", "申请时间"]


def test_every_sheet_with_the_extracts_header_is_read_and_a_notes_sheet_is_not(tmp_path):
    rows = [[f"C{i}", f"M{i}", "2021-06-01 09:00:00"] for i in range(6)]
    path = workbook(
        tmp_path / "cases.xlsx",
        {
            "说明": [["本表由平台导出"]],
            "一": [XLSX_HEADER, *rows[:3]],
            "二": [[f"{h} " for h in XLSX_HEADER], rows[3], [None, None, None], *rows[4:]],  # a blank row
        },
    )
    raw = read_file(path, CONTRACTS["cases"])
    assert raw.records == raw.table.num_rows == 6
    assert raw.table.column("办件编号").to_pylist() == [f"C{i}" for i in range(6)]


def test_a_sheet_with_the_extract_under_another_header_fails_naming_the_sheets(tmp_path):
    path = workbook(
        tmp_path / "cases.xlsx",
        {"一": [XLSX_HEADER, ["C1", "M1", "2021-06-01"]], "二": [XLSX_HEADER[:2], ["C2", "M2"]]},
    )
    with pytest.raises(FileProblem, match="sheets 一, 二 hold the extract with different headers"):
        read_file(path, CONTRACTS["cases"])


@pytest.mark.parametrize(
    ("what", "cell", "says"),
    [
        (
            "a formula without its value",
            lambda ws, r, c, v: c == 2 and r > 0 and ws.write_formula(r, c, "=TODAY()", None, "") == 0,
            r"sheet 一: 2 formula cells without a computed value \(first C2\)",
        ),
        (
            "an error value",
            lambda ws, r, c, v: (c, r) == (2, 2) and ws.write_formula(r, c, "=NA()", None, "#N/A") == 0,
            r"sheet 一: 1 cells hold an error value such as #N/A \(first C3\)",
        ),
        (
            "a case id stored as a number",
            lambda ws, r, c, v: (c, r) == (0, 2) and ws.write_number(r, c, 2.02106e22) == 0,
            r"column 办件编号 \(A\) has 1 cells stored as numbers, not text \(first A3\)",
        ),
    ],
)
def test_a_workbook_cell_that_would_be_read_as_something_else_fails_the_file_naming_it(
    tmp_path, what, cell, says
):
    rows = [XLSX_HEADER, ["C1", "M1", "2021-06-01 09:00:00"], ["C2", "M2", "2021-06-01 09:00:00"]]
    path = workbook(tmp_path / "cases.xlsx", {"一": rows}, cell)
    with pytest.raises(FileProblem, match=says):
        read_file(path, CONTRACTS["cases"])


def test_a_number_in_a_numeric_column_of_a_workbook_is_read(tmp_path):
    header = ["办件编号", "法定时限（工作日）"]
    path = workbook(
        tmp_path / "cases.xlsx",
        {"一": [header, ["C1", "20"]]},
        lambda ws, r, c, v: (c, r) == (1, 1) and ws.write_number(r, c, 20) == 0,
    )
    assert read_file(path, CONTRACTS["cases"]).table.to_pylist() == [
        {"办件编号": "C1", "法定时限（工作日）": "20"}
    ]
