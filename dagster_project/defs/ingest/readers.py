"""Reading a platform export whatever its format or encoding, as a table of strings.

Pure functions: a path in, an Arrow table out, or a FileProblem naming the file and what is wrong
with it. Every value is read as text; giving it a type is the normalizer's job, so that a bad value
costs one row, not the file.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from schemas.raw import ExtractContract

SUFFIXES = (".csv", ".xlsx")
SNIFF_BYTES = 1 << 20
# The reader parses blocks of this size on separate threads: a batch is several blocks.
PARSE_BLOCK = 4 << 20


class FileProblem(Exception):
    """A problem with a whole file: the month cannot be loaded until the file is fixed."""

    def __init__(self, path: Path | str, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class RawFile:
    path: Path
    table: pa.Table  # every column a string, headers as in the file
    encoding: str  # 'xlsx' for workbooks


def find_file(month_dir: Path, contract: ExtractContract) -> Path:
    """The one file of `month_dir` whose name starts with one of the extract's stems."""
    if not month_dir.is_dir():
        raise FileProblem(month_dir, "month folder not found")
    matches = sorted(
        p
        for p in month_dir.iterdir()
        if p.suffix.lower() in SUFFIXES
        and not p.name.startswith(("_", "."))
        and any(p.stem == s or p.stem.startswith(s + "_") for s in contract.file_stems)
    )
    if not matches:
        stems = ", ".join(f"{s}.csv|.xlsx" for s in contract.file_stems[:2])
        raise FileProblem(
            month_dir / f"{contract.file_stems[0]}.csv",
            f"missing file for {contract.label} (expected {stems})",
        )
    if len(matches) > 1:
        raise FileProblem(
            matches[0], f"several files for {contract.label}: {', '.join(p.name for p in matches)}"
        )
    return matches[0]


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030 (which covers GBK and GB2312)."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        raise FileProblem(path, "empty file")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(path, "unreadable encoding: UTF-16 (export as UTF-8 or GB18030 CSV)")
    for encoding in ("utf-8", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the sniffed block.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem(path, "unreadable encoding: neither UTF-8 nor GB18030")


@contextmanager
def _csv_errors(path: Path, encoding: str) -> Iterator[None]:
    """What pyarrow raises on a broken CSV, as a problem with the file that names it."""
    try:
        yield
    except UnicodeDecodeError as e:
        raise FileProblem(
            path, f"unreadable encoding: not valid {encoding} past the start of the file ({e.reason})"
        ) from e
    except pa.ArrowInvalid as e:
        raise FileProblem(path, f"not a readable CSV: {e}") from e


def read_csv(path: Path, block_size: int = 16 << 20) -> RawFile:
    encoding = detect_encoding(path)
    with _csv_errors(path, encoding):
        header = _csv_header(path, encoding)
        _check_header(path, header)
        table = pacsv.read_csv(path, **_csv_options(header, encoding, block_size))
    return RawFile(path, table, encoding)


def _csv_options(header: list[str], encoding: str, block_size: int) -> dict:
    """Every column as text (typing is the boundary's job), quoted newlines allowed."""
    return {
        "read_options": pacsv.ReadOptions(
            encoding="utf8" if encoding == "utf-8" else encoding, block_size=block_size
        ),
        "parse_options": pacsv.ParseOptions(newlines_in_values=True),
        "convert_options": pacsv.ConvertOptions(
            column_types={h: pa.string() for h in header},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    }


def read_csv_batches(path: Path, batch_bytes: int) -> Iterator[RawFile]:
    """The file as tables of about `batch_bytes` of text each, for a file larger than the memory
    budget: only one batch is in memory at a time. Same checks and options as `read_csv`.

    Each batch is a run of whole rows cut from the file and parsed by the multi-threaded reader, about
    three times as fast as pyarrow's streaming reader, which parses on one thread."""
    encoding = detect_encoding(path)
    rows = 0
    with _csv_errors(path, encoding):
        header = _csv_header(path, encoding)
        _check_header(path, header)
        options = _csv_options(header, encoding, block_size=PARSE_BLOCK)
        options["read_options"].column_names = header
        with path.open("rb") as f:
            f.seek(_header_end(f.read(SNIFF_BYTES)))
            for chunk in _whole_rows(f, batch_bytes):
                table = pacsv.read_csv(pa.BufferReader(chunk), **options)
                if table.num_rows:
                    rows += table.num_rows
                    yield RawFile(path, table, encoding)
    if rows == 0:
        raise FileProblem(path, "empty file: a header and no rows")


def _whole_rows(f, size: int) -> Iterator[memoryview | bytes]:
    """Blocks of about `size` bytes that end at the end of a row. A row ends at a newline outside
    quotes: one with an even number of '"' before it in the block (an escaped quote is two). In UTF-8
    and GB18030 neither byte occurs inside a multi-byte character.

    Each block is read into a fresh buffer behind the partial row carried over from the last one, and
    handed out as a view: only the partial row is copied, never the block."""
    carry = b""
    while True:
        buffer = bytearray(len(carry) + size)
        buffer[: len(carry)] = carry
        read = f.readinto(memoryview(buffer)[len(carry) :])
        if not read:
            break
        length = len(carry) + read
        end = _row_end(buffer, length)
        if end is None:  # a row longer than the block: read on
            carry = bytes(buffer[:length])
            continue
        yield memoryview(buffer)[:end]
        carry = bytes(buffer[end:length])
    if carry.strip():
        yield carry


def _header_end(data: bytes) -> int:
    """The position after the first row (the header), or the end of `data` if it is all header."""
    pos = 0
    while (pos := data.find(b"\n", pos)) != -1:
        if data.count(b'"', 0, pos) % 2 == 0:
            return pos + 1
        pos += 1
    return len(data)


def _row_end(data: bytearray, length: int) -> int | None:
    """The position after the last newline of `data[:length]` that ends a row, if any. Quotes are
    counted only in a block that has one: most exports quote nothing."""
    quoted = data.find(b'"', 0, length) != -1
    pos = length
    while (pos := data.rfind(b"\n", 0, pos)) != -1:
        if not quoted or data.count(b'"', 0, pos) % 2 == 0:
            return pos + 1
    return None


def read_xlsx(path: Path) -> RawFile:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string")
    except Exception as e:  # fastexcel raises its own error types for every kind of broken workbook
        raise FileProblem(path, f"not a readable workbook: {e}") from e
    table = pa.Table.from_batches([sheet.to_arrow()])
    _check_header(path, table.column_names)
    return RawFile(path, table, "xlsx")


def read_file(path: Path) -> RawFile:
    if path.stat().st_size == 0:
        raise FileProblem(path, "empty file")
    raw = read_xlsx(path) if path.suffix.lower() == ".xlsx" else read_csv(path)
    if raw.table.num_rows == 0:
        raise FileProblem(path, "empty file: a header and no rows")
    return raw


def _csv_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as f:
        line = f.readline()
    return [h.strip() for h in next(csv.reader([line]))]


def _check_header(path: Path, header: list[str]) -> None:
    names = [h.strip() for h in header]
    if len(names) <= 1:
        raise FileProblem(path, f"one column only ({names[:1]}): wrong delimiter? (expected ',')")
    dupes = sorted({h for h in names if names.count(h) > 1})
    if dupes:
        raise FileProblem(path, f"duplicate header columns: {', '.join(dupes)}")
