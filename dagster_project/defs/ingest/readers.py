"""Reading a platform export whatever its format or encoding, as a table of strings.

Pure functions: a path in, an Arrow table out, or a FileProblem naming the file and what is wrong
with it. Every value is read as text; giving it a type is the normalizer's job, so that a bad value
costs one row, not the file.

The parser's word is never taken for how many rows a file holds: the reader counts the records
itself (a CSV's newlines outside quotes, a sheet's rows in the workbook's XML) and fails the file
when the two disagree. A message never quotes a row's text (it may hold a name or an ID number):
it names the line, the sheet or the cell.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from schemas.raw import ExtractContract

SUFFIXES = (".csv", ".xlsx")
SNIFF_BYTES = 1 << 20
# The reader parses blocks of this size on separate threads: a batch is several blocks.
PARSE_BLOCK = 4 << 20
# A file read whole is read in blocks of this size, the same way as a file read in batches.
WHOLE_FILE_BLOCK = 64 << 20
# A row longer than this has no end: a quote opened and never closed swallows the rest of the file.
MAX_ROW_BYTES = 8 << 20
NEWLINE, QUOTE, COMMA, CR = 10, 34, 44, 13
# What exports write for "no value". pyarrow would also take NaN and its spellings for nothing; they
# are kept, so that a number that is not one is quarantined as such rather than read as missing.
NULL_WORDS = ("", "NULL", "null", "N/A", "n/a", "NA", "#N/A", "#N/A N/A", "#NA")


class FileProblem(Exception):
    """A problem with a whole file: the month cannot be loaded until the file is fixed."""

    def __init__(self, path: Path | str, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class RawFile:
    path: Path
    table: pa.Table  # every column a string, headers as in the file (trimmed)
    encoding: str  # 'xlsx' for workbooks
    records: int  # data rows counted in the file itself, not by the parser


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
    check_regular_file(matches[0])
    return matches[0]


def check_regular_file(path: Path) -> None:
    """A folder or a broken link where the file should be is said as such, not as a crash."""
    if path.is_symlink() and not path.exists():
        raise FileProblem(path, "a broken link: the file it points to does not exist")
    if path.is_dir():
        raise FileProblem(path, "a folder where a file is expected")
    if not path.is_file():
        raise FileProblem(path, "not a regular file" if path.exists() else "file not found")


@contextmanager
def _file_errors(path: Path) -> Iterator[None]:
    """The file vanishing, turning into a folder or failing to read, as a problem naming it."""
    try:
        yield
    except FileNotFoundError:
        raise FileProblem(path, "the file disappeared while it was read") from None
    except IsADirectoryError:
        raise FileProblem(path, "a folder where a file is expected") from None
    except OSError as e:
        raise FileProblem(path, f"could not be read: {e.strerror or type(e).__name__}") from None


def _check_unchanged(path: Path, before: os.stat_result) -> None:
    """A file still being copied or replaced while it was read is not the file that was read."""
    try:
        after = path.stat()
    except FileNotFoundError:
        raise FileProblem(path, "the file disappeared while it was read") from None
    if (after.st_size, after.st_mtime_ns, after.st_ino) != (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    ):
        raise FileProblem(path, "the file changed while it was read: read it again once it is complete")


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


def header_name(cell: str) -> str:
    """A header cell as its column is known: without the spaces (also U+3000) and BOM around it."""
    return cell.replace("\ufeff", "").strip()


# --- CSV -----------------------------------------------------------------------------------------


def read_csv(path: Path) -> RawFile:
    """The whole file: the batches of `read_csv_batches`, put together, so both read alike."""
    check_regular_file(path)
    with _file_errors(path):
        size = path.stat().st_size
    # A block buffer is allocated whole: a small file gets one of its own size.
    parts = list(read_csv_batches(path, min(WHOLE_FILE_BLOCK, size + 1)))
    table = pa.concat_tables([p.table for p in parts])
    return RawFile(path, table, parts[0].encoding, sum(p.records for p in parts))


def read_csv_batches(path: Path, batch_bytes: int) -> Iterator[RawFile]:
    """The file as tables of about `batch_bytes` of text each, for a file larger than the memory
    budget: only one batch is in memory at a time.

    Each batch is a run of whole rows cut from the file and parsed by the multi-threaded reader, about
    three times as fast as pyarrow's streaming reader, which parses on one thread. Its records are
    counted and its quotes checked before it is parsed (`_scan`)."""
    check_regular_file(path)
    rows = 0
    with _file_errors(path):
        before = path.stat()
        encoding = detect_encoding(path)
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
            start = _header_end(head)
            header = _csv_header(head[:start], encoding)
            _check_header(path, header)
            options = _csv_options(len(header), encoding)
            f.seek(start)
            for block in _blocks(path, f, batch_bytes, len(header)):
                table = _parse(path, block, options, encoding).rename_columns(header)
                if table.num_rows != block.records:
                    raise FileProblem(
                        path,
                        f"lines {block.line}-{block.last_line}: {block.records:,} records in the file "
                        f"but {table.num_rows:,} rows parsed",
                    )
                if table.num_rows:
                    rows += table.num_rows
                    yield RawFile(path, table, encoding, block.records)
        _check_unchanged(path, before)
    if rows == 0:
        raise FileProblem(path, "empty file: a header and no rows")


def _csv_options(columns: int, encoding: str) -> dict:
    """Every column as text (typing is the boundary's job), quoted newlines allowed. Columns are named
    by position: the header is read apart, so a header cell's spaces never reach the parser."""
    names = [f"column_{i}" for i in range(columns)]
    return {
        "read_options": pacsv.ReadOptions(
            encoding="utf8" if encoding == "utf-8" else encoding, block_size=PARSE_BLOCK, column_names=names
        ),
        "parse_options": pacsv.ParseOptions(newlines_in_values=True),
        "convert_options": pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=list(NULL_WORDS),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    }


@dataclass(frozen=True)
class _Block:
    data: memoryview | bytes  # whole rows
    line: int  # the file's line number of its first line (the header is line 1)
    newlines: int
    records: int  # rows, counted from the bytes: newlines outside quotes, blank lines left out
    quoted: bool = True  # a quote somewhere in it: only then can a newline be inside a value

    @property
    def last_line(self) -> int:
        return self.line + max(self.newlines - 1, 0)


def _blocks(path: Path, f, size: int, columns: int) -> Iterator[_Block]:
    line = 2
    try:
        for buffer, end in _whole_rows(f, size):
            block = _scan(path, buffer, end, line, columns)
            yield block
            line += block.newlines
    except _NoRowEnd as e:
        buffer = e.args[0]
        arr = np.frombuffer(buffer, np.uint8)
        _check_quotes(path, arr, np.flatnonzero(arr == QUOTE), np.flatnonzero(arr == NEWLINE), line)
        raise FileProblem(
            path, f"line {line}: a row runs on past {MAX_ROW_BYTES >> 20} MiB without ending"
        ) from None


def _scan(path: Path, buffer: bytes | bytearray, end: int, line: int, columns: int) -> _Block:
    """Counts the records of whole rows `buffer[:end]` from the bytes themselves, and checks their
    quotes. Most exports quote nothing and have no blank line: then a record is a newline, counted at
    memory speed; numpy looks at the quotes and newlines only of a block that has either."""
    newlines = buffer.count(b"\n", 0, end)
    last = buffer.rfind(b"\n", 0, end)
    tail = 1 if bytes(buffer[last + 1 : end]).strip() else 0  # a last row without its newline
    quoted = buffer.find(b'"', 0, end) != -1
    blank = (
        buffer.startswith((b"\n", b"\r\n"))
        or buffer.find(b"\n\n", 0, end) != -1
        or buffer.find(b"\n\r\n", 0, end) != -1
    )
    if not quoted and not blank:
        records = newlines + tail
    else:
        arr = np.frombuffer(buffer, np.uint8, count=end)
        nl = np.flatnonzero(arr == NEWLINE)
        q = np.flatnonzero(arr == QUOTE) if quoted else np.empty(0, dtype=np.intp)
        _check_quotes(path, arr, q, nl, line)
        _check_quoted_lines(path, arr, q, nl, line, columns)
        inside = np.searchsorted(q, nl) % 2 == 1  # a newline within a quoted value
        starts = np.concatenate(([0], nl[:-1] + 1)).astype(np.intp)
        length = nl - starts
        first = arr[np.minimum(starts, max(end - 1, 0))] if end else np.empty(0, np.uint8)
        empty = ((length == 0) | ((length == 1) & (first == CR))) & ~inside
        records = int((~inside).sum() - empty.sum()) + tail
    data = memoryview(buffer)[:end] if isinstance(buffer, bytearray) else buffer[:end]
    return _Block(data, line, newlines, records, quoted)


def _check_quotes(path: Path, arr: np.ndarray, q: np.ndarray, nl: np.ndarray, line: int) -> None:
    """Every quote where RFC 4180 allows one: opening a value at the start of its field, doubled
    inside a quoted value, closing it right before a comma or the end of the line. A stray quote
    elsewhere would make the parser run rows together (or split one): the file fails naming the line."""
    if not len(q):
        return
    opens, closes = q[0::2], q[1::2]
    n = len(arr)
    # A doubled quote inside a quoted value is a closing quote followed at once by an opening one.
    k = min(len(closes), len(opens) - 1)
    doubled = opens[1 : 1 + k] == closes[:k] + 1
    open_doubled = np.concatenate(([False], doubled, np.zeros(len(opens) - 1 - k, bool)))
    close_doubled = np.concatenate((doubled, np.zeros(len(closes) - k, bool)))
    before = arr[np.maximum(opens - 1, 0)]
    open_ok = (opens == 0) | (before == COMMA) | (before == NEWLINE) | open_doubled
    after = arr[np.minimum(closes + 1, n - 1)]
    close_ok = (closes + 1 >= n) | (after == COMMA) | (after == NEWLINE) | (after == CR) | close_doubled
    # A value opens at its first quote: doubled quotes inside it continue it.
    value_start = opens[np.maximum.accumulate(np.where(open_doubled, 0, np.arange(len(opens))))]
    problems = [
        (int(where[0]), what)
        for where, what in (
            (opens[~open_ok], "a quote inside a value that is not quoted"),
            (value_start[: len(closes)][~close_ok], "a quoted value that does not end where its field ends"),
            (value_start[len(closes) :], "a quote that is never closed"),
        )
        if len(where)
    ]
    if problems:
        at, what = min(problems)
        number = line + int(np.searchsorted(nl, at))
        raise FileProblem(
            path, f"line {number}: {what}; the rows after it would run together (fix the quoting)"
        )


def _check_quoted_lines(
    path: Path, arr: np.ndarray, q: np.ndarray, nl: np.ndarray, line: int, columns: int
) -> None:
    """Two stray quotes in the same column, rows apart, make one well-formed quoted value of the rows
    between them: no parser can tell, but a value that holds, for each of its line breaks, as many
    commas as a whole row is rows run together, not a remark written over several lines."""
    opens, closes = q[0::2], q[1::2]
    breaks = np.searchsorted(nl, closes) - np.searchsorted(nl, opens)
    multi = np.flatnonzero(breaks > 0)
    if not len(multi):
        return
    commas = np.flatnonzero(arr == COMMA)
    held = np.searchsorted(commas, closes[multi]) - np.searchsorted(commas, opens[multi])
    rows_like = multi[held >= (columns - 1) * breaks[multi]]
    if len(rows_like):
        i = rows_like[0]
        first = line + int(np.searchsorted(nl, opens[i]))
        raise FileProblem(
            path,
            f"lines {first}-{first + int(breaks[i])}: one quoted value holds whole rows (a stray quote "
            f"on line {first} runs them together; fix the quoting)",
        )


class _NoRowEnd(Exception):
    """A row longer than MAX_ROW_BYTES: the bytes so far are its argument."""


def _whole_rows(f, size: int) -> Iterator[tuple[bytes | bytearray, int]]:
    """Blocks of about `size` bytes that end at the end of a row, as (buffer, end). A row ends at a
    newline outside quotes: one with an even number of '"' before it in the block (an escaped quote
    is two). In UTF-8 and GB18030 neither byte occurs inside a multi-byte character.

    Each block is read into a fresh buffer behind the partial row carried over from the last one: only
    the partial row is copied, never the block."""
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
            if length > MAX_ROW_BYTES:
                raise _NoRowEnd(carry)
            continue
        yield buffer, end
        carry = bytes(buffer[end:length])
    if carry.strip():
        yield carry, len(carry)


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
    looked at only in a block that has one (most exports quote nothing), and then all at once."""
    if data.find(b'"', 0, length) == -1:
        pos = data.rfind(b"\n", 0, length)
        return None if pos == -1 else pos + 1
    arr = np.frombuffer(data, np.uint8, count=length)
    nl = np.flatnonzero(arr == NEWLINE)
    ends = nl[np.searchsorted(np.flatnonzero(arr == QUOTE), nl) % 2 == 0]
    return int(ends[-1]) + 1 if len(ends) else None


def _parse(path: Path, block: _Block, options: dict, encoding: str) -> pa.Table:
    """pyarrow's reading of a block. Its errors quote the offending row: they are said again with
    the line number instead, and never chained (a traceback would print them)."""
    if not block.quoted:  # every newline ends a row: the parser need not look for quoted ones
        options = options | {"parse_options": pacsv.ParseOptions(newlines_in_values=False)}
    try:
        return pacsv.read_csv(pa.BufferReader(block.data), **options)
    except UnicodeDecodeError as e:
        problem = (
            f"unreadable encoding: not valid {encoding} in lines {block.line}-{block.last_line} ({e.reason})"
        )
    except pa.ArrowInvalid as e:
        problem = _parse_error(e, block, encoding, len(options["read_options"].column_names))
    raise FileProblem(path, problem)


def _parse_error(error: Exception, block: _Block, encoding: str, columns: int) -> str:
    fields = re.search(r"Expected (\d+) columns, got (\d+)", str(error))
    if not fields:
        return f"not a readable CSV in lines {block.line}-{block.last_line}"
    text = bytes(block.data).decode("utf-8" if encoding == "utf-8-sig" else encoding, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 0
    for record in reader:
        if record and len(record) != columns:
            return (
                f"not a readable CSV: line {block.line + start} has {len(record)} fields "
                f"where the header has {columns}"
            )
        start = reader.line_num
    return f"not a readable CSV: a row in lines {block.line}-{block.last_line} has {fields[2]} fields where the header has {fields[1]}"


def _csv_header(line: bytes, encoding: str) -> list[str]:
    text = line.decode(encoding, errors="replace")
    return [header_name(h) for h in next(csv.reader([text.rstrip("\r\n")]), [])]


def _check_header(path: Path, header: list[str]) -> None:
    if len(header) <= 1:
        raise FileProblem(path, "one column only: wrong delimiter? (expected ',')")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise FileProblem(path, f"duplicate header columns: {', '.join(mask_digits(d) for d in dupes)}")


def mask_digits(text: str) -> str:
    """Text from a file shown in a message (a header cell): a long run of digits may be an ID
    number or a phone, when the first row was data, not a header."""
    return re.sub(r"\d{7,}", "***", text)


# --- workbooks -----------------------------------------------------------------------------------

CELL_REF = rb'<c r="([A-Z]{1,3})(\d+)"'
FORMULA_WITHOUT_VALUE = re.compile(
    CELL_REF + rb"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>"
)
ERROR_CELL = re.compile(CELL_REF + rb'[^>]*\bt="e"')
ROW_TAG = re.compile(rb"<row[\s>/]")
EMPTY_ROW = re.compile(rb"<row\b[^>]*/>|<row\b[^>]*>(?:\s*<c\b[^>]*/>)*\s*</row>")
FIRST_ROW = re.compile(rb"<row\b(?:[^>]*[^/>])?>(.*?)</row>", re.S)
HEADER_CELL = re.compile(rb'<c r="([A-Z]{1,3})\d+"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


@dataclass
class _SheetScan:
    records: int = 0  # rows with a value, after the header row
    header_row: int = 0
    formulas: list[str] | None = None  # cells with a formula and no computed value
    errors: list[str] | None = None  # cells holding #N/A, #DIV/0! ...
    numbers: dict[str, list[str]] | None = None  # text column letter -> cells stored as numbers


class _Workbook:
    """The parts of an .xlsx the values reader does not tell: sheet XML, read in chunks of whole rows,
    for what a cell is (a formula without its value, an error, a number where text belongs)."""

    CHUNK = 16 << 20

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path)
        ns = {
            "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        }
        book = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        self.sheets: dict[str, str] = {}
        for sheet in book.iterfind("m:sheets/m:sheet", ns):
            target = targets[sheet.get(f"{{{ns['r']}}}id")]
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            self.sheets[sheet.get("name")] = member
        self._strings: list[str] = []
        self._strings_read = False

    def close(self) -> None:
        self.zip.close()

    def shared_string(self, index: int) -> str:
        if not self._strings_read:
            self._strings_read = True
            if "xl/sharedStrings.xml" in self.zip.namelist():
                with self.zip.open("xl/sharedStrings.xml") as f:
                    for _, el in ElementTree.iterparse(f):
                        if el.tag.endswith("}si"):
                            self._strings.append(
                                "".join(t.text or "" for t in el.iter() if t.tag.endswith("}t"))
                            )
                            el.clear()
        return self._strings[index] if index < len(self._strings) else ""

    def _chunks(self, sheet: str) -> Iterator[bytes]:
        """The sheet's XML in pieces that end after a row."""
        carry = b""
        with self.zip.open(self.sheets[sheet]) as f:
            while chunk := f.read(self.CHUNK):
                data = carry + chunk
                cut = data.rfind(b"</row>")
                if cut == -1:
                    carry = data
                    continue
                yield data[: cut + 6]
                carry = data[cut + 6 :]
        if carry:
            yield carry

    def header(self, sheet: str) -> dict[str, str]:
        """Column letter -> header text, from the first row that has a value."""
        for chunk in self._chunks(sheet):
            for row in FIRST_ROW.finditer(chunk):
                cells = {}
                for letter, attrs, inner in HEADER_CELL.findall(row[1]):
                    text = self._cell_text(attrs, inner or b"")
                    if text is not None and text.strip():
                        cells[letter.decode()] = header_name(text)
                if cells:
                    return cells
        return {}

    def _cell_text(self, attrs: bytes, inner: bytes) -> str | None:
        value = re.search(rb"<v>(.*?)</v>", inner, re.S)
        if b't="s"' in attrs:
            return self.shared_string(int(value[1])) if value else None
        if b't="inlineStr"' in attrs:
            return html.unescape(b"".join(re.findall(rb"<t[^>]*>(.*?)</t>", inner, re.S)).decode())
        return html.unescape(value[1].decode()) if value else None

    def scan(self, sheet: str, text_letters: list[str]) -> _SheetScan:
        scan = _SheetScan(formulas=[], errors=[], numbers={})
        numeric = None
        if text_letters:
            letters = b"|".join(re.escape(x.encode()) for x in text_letters)
            other = rb'(?:\s+(?!t=)[\w:]+="[^"]*")*'
            numeric = re.compile(
                rb'<c r="(' + letters + rb')(\d+)"' + other + rb'(?:\s+t="n")?' + other + rb"\s*>(?=<f|<v>)"
            )
        rows = empty = 0
        for chunk in self._chunks(sheet):
            rows += len(ROW_TAG.findall(chunk))
            empty += len(EMPTY_ROW.findall(chunk))
            if b"<f" in chunk:
                scan.formulas += [(c + r).decode() for c, r in FORMULA_WITHOUT_VALUE.findall(chunk)]
            if b't="e"' in chunk:
                scan.errors += [(c + r).decode() for c, r in ERROR_CELL.findall(chunk)]
            if numeric is not None:
                for c, r in numeric.findall(chunk):
                    scan.numbers.setdefault(c.decode(), []).append((c + r).decode())
        scan.records = max(rows - empty - 1, 0)  # the header is the first row with a value
        return scan


def read_xlsx(path: Path, contract: ExtractContract | None = None) -> RawFile:
    """Every sheet with the extract's header (the first sheet's header without a contract), read as
    text and put together in the order of the sheets. A sheet without any of the extract's headers
    (a note on how to fill the form) is left out. A formula without a computed value, an error cell,
    or a number in a column of codes and ids (a number keeps 15 digits and no leading zero) fails
    the file: read, it would be empty or another value, and nothing would say so."""
    import fastexcel

    check_regular_file(path)
    with _file_errors(path):
        before = path.stat()
        try:
            book = fastexcel.read_excel(path)
            workbook = _Workbook(path)
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
            raise FileProblem(path, "not a readable workbook (.xlsx)") from None
        except Exception as e:  # fastexcel raises its own error types for every kind of broken workbook
            raise FileProblem(path, f"not a readable workbook ({type(e).__name__})") from None
        try:
            frames, records = _read_sheets(path, book, workbook, contract)
        finally:
            workbook.close()
        _check_unchanged(path, before)
    if not frames:
        raise FileProblem(path, "empty file: no sheet has the extract's header")
    table = pl.concat(frames, how="vertical").to_arrow()
    return RawFile(path, table, "xlsx", records)


def _read_sheets(path: Path, book, workbook: _Workbook, contract: ExtractContract | None):
    known = {h for c in contract.columns for h in c.headers} if contract else None
    headers = {name: workbook.header(name) for name in workbook.sheets}
    data = [name for name, h in headers.items() if h and (known is None or known & set(h.values()))]
    if known is None:
        data = [name for name in data if set(headers[name].values()) == set(headers[data[0]].values())]
    if len(data) > 1:
        differ = [n for n in data if set(headers[n].values()) != set(headers[data[0]].values())]
        if differ:
            raise FileProblem(
                path,
                f"sheets {', '.join(data)} hold the extract with different headers "
                f"(sheet {differ[0]} differs from sheet {data[0]}): export them with one header",
            )
    frames, records = [], 0
    for name in data:
        header = headers[name]
        _check_header(path, list(header.values()))
        scan = workbook.scan(name, _text_letters(header, contract))
        where = f"sheet {name}"
        if scan.formulas:
            raise FileProblem(
                path,
                f"{where}: {len(scan.formulas):,} formula cells without a computed value (first {scan.formulas[0]}): "
                "open and save the workbook in Excel, or paste the values, then export again",
            )
        if scan.errors:
            raise FileProblem(
                path,
                f"{where}: {len(scan.errors):,} cells hold an error value such as #N/A (first {scan.errors[0]})",
            )
        for letter, cells in scan.numbers.items():
            raise FileProblem(
                path,
                f"{where}: column {mask_digits(header[letter])} ({letter}) has {len(cells):,} cells stored as "
                f"numbers, not text (first {cells[0]}): a number keeps 15 digits and no leading zero; "
                "format the column as text and export again",
            )
        frame = _sheet_values(path, book, name, header)
        if frame.height != scan.records:
            raise FileProblem(
                path, f"{where}: {scan.records:,} rows in the sheet but {frame.height:,} rows read"
            )
        frames.append(frame.select(list(headers[data[0]].values())))
        records += scan.records
    return frames, records


def _text_letters(header: dict[str, str], contract: ExtractContract | None) -> list[str]:
    """The columns whose values are text: codes, ids, ID numbers (a phone or a name is dropped)."""
    if contract is None:
        return []
    text = {h for c in contract.columns if c.kind in ("str", "code") and c.pii != "drop" for h in c.headers}
    return [letter for letter, name in header.items() if name in text]


def _sheet_values(path: Path, book, name: str, header: dict[str, str]) -> pl.DataFrame:
    try:
        batch = book.load_sheet(name, dtypes="string").to_arrow()
    except Exception as e:
        raise FileProblem(path, f"sheet {name}: not readable ({type(e).__name__})") from None
    frame = pl.from_arrow(pa.Table.from_batches([batch]))
    frame = frame.rename({c: header_name(c) for c in frame.columns})
    # Columns beyond the header and rows without any value: a blank line of the sheet, not a row.
    unnamed = [
        c for c in frame.columns if c.startswith("__UNNAMED__") and frame[c].null_count() == frame.height
    ]
    frame = frame.drop(unnamed)
    frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    missing = set(header.values()) - set(frame.columns)
    if missing:
        raise FileProblem(path, f"sheet {name}: the header could not be read as written")
    return frame.cast(pl.String)


def read_file(path: Path, contract: ExtractContract | None = None) -> RawFile:
    check_regular_file(path)
    with _file_errors(path):
        if path.stat().st_size == 0:
            raise FileProblem(path, "empty file")
    raw = read_xlsx(path, contract) if path.suffix.lower() == ".xlsx" else read_csv(path)
    if raw.table.num_rows == 0:
        raise FileProblem(path, "empty file: a header and no rows")
    return raw
