"""From the file's text to canonical, typed columns, with personal data removed first.

Three pure steps, column-wise in polars (never row by row in Python):
1. `canonical_columns`: Chinese headers -> canonical names; a missing required header fails the file.
2. `protect_personal_data`: names and phones are dropped; ID numbers become a salted hash, and only
   when they are valid: a number a spreadsheet mangled (1.1E+17, zeros past the 15th digit) keeps
   its row but gets no key, so it can never be joined as if it were a person.
   `mask_personal_text`: an ID number or a phone typed into any other text column (a matter's name,
   a remark) is masked, so that it never reaches the warehouse, a quarantine row or a report.
3. `parse_values`: text -> typed values (after `clean_text`: NFKC, trimmed, blank is NULL). A value that cannot be read becomes NULL and its column is
   named in `_malformed`, which the contract's `malformed_value` rule quarantines.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from dagster_project.defs.ingest.readers import FileProblem, RawFile, mask_digits
from schemas.raw import Column, ExtractContract
from schemas.raw._contract import FALSE_WORDS, MALFORMED, TRUE_WORDS

SOURCE_ROW = "source_row"

TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    # Database exports print the fraction of a second: `2021-06-01 10:00:00.0`.
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日",
)
# Excel stores dates as days since 1899-12-30; a plausible range keeps ordinary numbers out.
EXCEL_EPOCH = pl.datetime(1899, 12, 30)
EXCEL_SERIAL_RANGE = (20000, 80000)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


@dataclass(frozen=True)
class Canonical:
    frame: pl.DataFrame  # canonical names, every value text, plus source_row
    unknown_columns: tuple[str, ...]  # accepted and reported, never stored


def canonical_columns(raw: RawFile, contract: ExtractContract) -> Canonical:
    lookup = {h: c.name for c in contract.columns for h in c.headers}
    header = [h.strip() for h in raw.table.column_names]
    mapped = {h: lookup[h] for h in header if h in lookup}
    if len(set(mapped.values())) < len(mapped):
        twice = sorted({v for v in mapped.values() if list(mapped.values()).count(v) > 1})
        raise FileProblem(raw.path, f"several headers mean the same column: {', '.join(twice)}")
    present = set(mapped.values())
    missing = [c for c in contract.columns if c.required and c.name not in present]
    if missing:
        names = ", ".join(f"{c.label} ({c.name})" for c in missing)
        raise FileProblem(raw.path, f"missing required column: {names}")
    table = raw.table.rename_columns(header)
    frame = pl.from_arrow(table.select([h for h in header if h in mapped])).rename(mapped)
    absent = [pl.lit(None, pl.String).alias(c.name) for c in contract.columns if c.name not in present]
    frame = frame.with_columns(absent).select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(SOURCE_ROW),
        *(pl.col(c.name) for c in contract.columns),
    )
    # Reported and logged: a header cell that is really a row's value must not carry a number out.
    return Canonical(frame, tuple(mask_digits(h) for h in header if h not in mapped))


# --- text ------------------------------------------------------------------------------------------


def clean_text(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Full-width digits and punctuation to ASCII (NFKC), trimmed; blank is NULL.

    A pass over every value costs more than the checks that show it has nothing to do, so a column
    is first looked at: NFKC only where a value has a character it could change (anything but ASCII
    and the CJK ideographs, which NFKC leaves as they are), trimming only where a value starts or
    ends with a space or is blank.
    """
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    # Cheap first: a column whose byte and character lengths agree everywhere is ASCII.
    ascii_ = frame.select(
        (pl.col(c).str.len_bytes() == pl.col(c).str.len_chars()).all().alias(c) for c in present
    ).row(0, named=True)
    looks = frame.select(
        expr.any().alias(f"{c}.{what}")
        for c in present
        for what, expr in (
            ("nfkc", pl.lit(False) if ascii_[c] else pl.col(c).str.contains(r"[^\x00-\x7f\u4e00-\u9fff]")),
            ("trim", pl.col(c).str.contains(r"^\s|\s$|^$")),
        )
    ).row(0, named=True)
    cleaned = []
    for c in present:
        s = pl.col(c).str.normalize("NFKC") if looks[f"{c}.nfkc"] else pl.col(c)
        if looks[f"{c}.nfkc"] or looks[f"{c}.trim"]:
            s = s.str.strip_chars()
            cleaned.append(pl.when(s == "").then(None).otherwise(s).alias(c))
    return frame.with_columns(cleaned)


# --- personal data -----------------------------------------------------------------------------------


def key_columns(col: Column) -> tuple[str, str]:
    """applicant_id_number -> (applicant_key, applicant_key_status)."""
    base = col.name.removesuffix("_id_number")
    return f"{base}_key", f"{base}_key_status"


def id_number_status(clean: pl.Expr) -> pl.Expr:
    """valid | org_code | mangled (a spreadsheet ate digits) | invalid | missing, of cleaned text
    (`clean_text`) in upper case. The rule for one value; a column is classified by
    `id_number_statuses`, which gives the same answers faster.
    """
    s = clean
    return (
        pl.when(s.is_null())
        .then(pl.lit("missing"))
        .when(s.str.contains(r"^\d+(\.\d+)?E\+?\d+$"))
        .then(pl.lit("mangled"))
        .when(checked_id_number(s))
        .then(pl.lit("valid"))
        .when(s.str.contains(r"^\d{17}[\dX]$") & s.str.ends_with("000"))
        .then(pl.lit("mangled"))
        .when(s.str.contains(r"^\d{15}$"))  # first-generation ID numbers are still legal
        .then(pl.lit("valid"))
        # A legal entity's 统一社会信用代码: not personal, but hashed the same way so it can be joined.
        # (An all-digit 18-character value is an ID number with a wrong check digit, not a company.)
        .when(
            s.str.contains(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$") & s.str.contains(r"[A-Z]")
        )
        .then(pl.lit("org_code"))
        .otherwise(pl.lit("invalid"))
    )


def checked_id_number(s: pl.Expr) -> pl.Expr:
    """An 18-character ID number whose GB 11643 check digit is right: `valid` whatever the other rules
    say. The first 17 characters are read as one integer and taken apart digit by digit in integer
    arithmetic, not sliced 17 times (far slower)."""
    body = s.str.slice(0, 17).cast(pl.Int64, strict=False)
    digits = [(body // 10 ** (16 - i)) % 10 for i in range(17)]
    remainder = pl.sum_horizontal([d * w for d, w in zip(digits, ID_WEIGHTS, strict=True)]) % 11
    expected = pl.lit(ID_CHECK_CHARS).str.slice(remainder, 1)
    return s.str.contains(r"^\d{17}[\dX]$") & (s.str.slice(17, 1) == expected)


def checked_id_numbers(ids: pl.Series) -> np.ndarray:
    """`checked_id_number` of a column, read from the text's bytes: the 18-byte values as rows of a
    matrix, their check digits one product with the weights. In polars each digit is a pass over the
    column; here the whole check is a few. Only ASCII digits count, as in the polars rule (a
    multi-byte character makes a value longer than 18 bytes or fails the digits)."""
    arr = ids.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    _, offsets, data = arr.buffers()
    offsets = np.frombuffer(offsets, np.int64)[arr.offset : arr.offset + len(arr) + 1]
    eighteen = np.flatnonzero((np.diff(offsets) == 18) & ids.is_not_null().to_numpy())
    checked = np.zeros(len(arr), dtype=bool)
    if not len(eighteen):
        return checked
    chars = np.take(np.frombuffer(data, np.uint8), offsets[eighteen, None] + np.arange(18))
    body = chars[:, :17] - np.uint8(ord("0"))  # a byte below "0" wraps round to above 9
    remainder = (body @ np.array(ID_WEIGHTS, np.int32)) % 11
    expected = np.frombuffer(ID_CHECK_CHARS.encode(), np.uint8)[remainder]
    checked[eighteen] = (body <= 9).all(axis=1) & (chars[:, 17] == expected)
    return checked


def id_number_statuses(ids: pl.Series) -> pl.Series:
    """`id_number_status` of a column. Most values are ID numbers with a right check digit: the
    other rules (half a dozen patterns, each a pass) are only looked at for the values that are not."""
    frame = ids.rename("s").to_frame()
    checked = pl.Series(checked_id_numbers(ids))
    status = pl.repeat("valid", len(ids), dtype=pl.String, eager=True).alias(ids.name)
    others = (~checked).arg_true()
    if others.is_empty():
        return status
    # Lazy, so the check digit's shared sub-expressions are computed once.
    rest = frame[others].lazy().select(id_number_status(pl.col("s"))).collect().to_series()
    return status.scatter(others, rest)


def salted_hash(values: pl.Series, salt: str) -> pl.Series:
    """sha256(salt || value), computed by DuckDB over the Arrow buffer: no Python loop, no file written."""
    with duckdb.connect() as con:
        con.register("ids", pa.table({"v": values.to_arrow()}))
        hashed = con.sql(
            "select case when v is null then null else sha256($salt || v) end as h from ids",
            params={"salt": salt},
        )
        return pl.from_arrow(hashed.to_arrow_table()["h"]).alias(values.name)


def protect_personal_data(frame: pl.DataFrame, contract: ExtractContract, salt: str) -> pl.DataFrame:
    if not salt:
        raise ValueError("a salt is required to hash personal keys (set YWTB_SALT or YWTB_SALT_FILE)")
    out = frame
    for col in contract.columns:
        if col.pii == "hash_id":
            key, status = key_columns(col)
            ids = clean_text(out.select(col.name), [col.name]).select(pl.col(col.name).str.to_uppercase())
            ids = ids.with_columns(id_number_statuses(ids[col.name]).alias(status))
            valid = ids.select(pl.when(pl.col(status).is_in(["valid", "org_code"])).then(pl.col(col.name)))
            out = out.with_columns(ids[status], salted_hash(valid.to_series(), salt).alias(key))
        if col.pii is not None:
            out = out.drop(col.name)
    return out


# What an ID number or a phone looks like inside other text, digits half- or full-width (NFKC comes
# later). A match must stand alone: a digit right before or after it makes it part of a longer code.
_D = "[0-9０-９]"
_ID_18 = (
    f"[1-9１-９]{_D}{{5}}(?:19|20|１９|２０){_D}{{2}}(?:[0０][1-9１-９]|[1１][0-2０-２])"
    f"(?:[0０][1-9１-９]|[12１２]{_D}|[3３][01０１]){_D}{{3}}[0-9０-９XxＸｘ]"
)
_ID_15 = f"[1-9１-９]{_D}{{7}}(?:[0０][1-9１-９]|[1１][0-2０-２])(?:[0０][1-9１-９]|[12１２]{_D}|[3３][01０１]){_D}{{3}}"
_MOBILE = f"(?:\\+?86[- ]?)?[1１][3-9３-９]{_D}(?:[- ]?{_D}{{4}}){{2}}"
_LANDLINE = f"(?:[(（][0０]{_D}{{2,3}}[)）]|[0０]{_D}{{2,3}}-){_D}{{7,8}}"
PERSONAL_IN_TEXT = f"(^|[^0-9０-９])({_ID_18}|{_ID_15}|{_MOBILE}|{_LANDLINE})([^0-9０-９]|$)"
MASK = "***"
# The shortest of them (a landline with its area code) has ten digits: shorter values are not looked at.
_SHORTEST = 10


def mask_personal_text(frame: pl.DataFrame, contract: ExtractContract) -> tuple[pl.DataFrame, int]:
    """Every stored text column with its ID numbers and phones replaced by ***; and how many values
    were masked.

    One pass of the pattern over the columns that have a value of ten characters or more, all at
    once (polars runs them in parallel); values are replaced only in the rows where it matched."""
    text = [c.name for c in contract.stored_columns if c.kind in ("str", "code") and c.name in frame.columns]
    if not text:
        return frame, 0
    # A column of short values (codes, 实施机构编码) is passed over whole.
    longest = frame.select(pl.col(text).str.len_chars().max()).row(0, named=True)
    columns = [c for c in text if (longest[c] or 0) >= _SHORTEST]
    hits = (
        frame.lazy()
        .select(pl.col(c).str.contains(PERSONAL_IN_TEXT).fill_null(False) for c in columns)
        .collect()
    )
    masked_values = 0
    for name in columns:
        at = hits[name].arg_true()
        if at.is_empty():
            continue
        values = frame[name].gather(at)
        # Twice: a match takes the character after it, which may begin the next one ("138…,139…").
        for _ in range(2):
            values = values.str.replace_all(PERSONAL_IN_TEXT, f"${{1}}{MASK}${{3}}")
        frame = frame.with_columns(frame[name].scatter(at, values))
        masked_values += at.len()
    return frame, masked_values


def personal_key_columns(contract: ExtractContract) -> list[str]:
    return [name for c in contract.columns if c.pii == "hash_id" for name in key_columns(c)]


# --- values ----------------------------------------------------------------------------------------
# Every parser takes text already through `clean_text`.


def parse_timestamp(text: pl.Series) -> pl.Series:
    """Every form exports use. The first form is tried on the whole column; the others, and Excel
    serial dates, only when some value was not read by it (each form tried is a pass over the column)."""
    frame = text.rename("t").to_frame()
    # No cache of the values read: nearly every timestamp of a month is a different one, and caching
    # them cost more than reading each.
    forms = [
        pl.col("t").str.strptime(pl.Datetime("us"), f, strict=False, exact=True, cache=False)
        for f in TIMESTAMP_FORMATS
    ]
    first = frame.select(forms[0]).to_series()
    if (first.is_null() & text.is_not_null()).any():
        serial = pl.col("t").cast(pl.Float64, strict=False)
        lo, hi = EXCEL_SERIAL_RANGE
        excel = pl.when(serial.is_between(lo, hi)).then(
            EXCEL_EPOCH + pl.duration(milliseconds=(serial * 86_400_000).round(0).cast(pl.Int64))
        )
        first = frame.select(pl.coalesce(*forms, excel).cast(pl.Datetime("us"))).to_series()
    return first.rename(text.name)


def parse_number(clean: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    number = clean.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    if dtype == pl.Int64:
        return pl.when(number == number.floor()).then(number).cast(pl.Int64, strict=False)
    return number


# Integers up to this are exact as a Float64, so reading one directly gives what parse_number gives.
EXACT_IN_FLOAT = 2**53


def read_numbers(text: pl.Series, raw: pl.Expr, dtype: pl.DataType) -> pl.Series:
    """`parse_number` of a column, read directly when every value is a plain number (the common case):
    one cast, where parse_number takes out thousands separators, reads a float and checks that it is
    whole. A value with a separator, a fraction or an exponent is not read directly, and then the
    whole column is read by parse_number."""
    frame = text.to_frame()
    plain = raw.cast(dtype, strict=False)
    direct = frame.select(
        plain,
        (plain.is_null() & raw.is_not_null()).any().alias("unread"),
        ((plain.abs() > EXACT_IN_FLOAT).any() if dtype == pl.Int64 else pl.lit(False)).alias("inexact"),
    )
    if direct["unread"][0] or direct["inexact"][0]:
        return frame.select(parse_number(raw, dtype).alias(text.name)).to_series()
    return direct[text.name]


def parse_bool(clean: pl.Expr) -> pl.Expr:
    return pl.when(clean.is_in(list(TRUE_WORDS))).then(True).when(clean.is_in(list(FALSE_WORDS))).then(False)


def parse_column(col: Column, text: pl.Series) -> pl.Series:
    if col.kind == "timestamp":
        return parse_timestamp(text)
    raw = pl.col(text.name)
    if col.codes:
        raw = raw.replace(col.codes)
    match col.kind:
        case "int":
            return read_numbers(text, raw, pl.Int64)
        case "float":
            return read_numbers(text, raw, pl.Float64)
        case "bool":
            expr = parse_bool(raw)
        case _:
            expr = raw
    return text.to_frame().select(expr.alias(text.name)).to_series()


def parse_values(frame: pl.DataFrame, contract: ExtractContract) -> pl.DataFrame:
    stored = contract.stored_columns
    text = clean_text(frame, [c.name for c in stored])
    parsed = {c.name: parse_column(c, text[c.name]) for c in stored}
    # A value is malformed when there was text and no reading of it: blank stays a plain NULL.
    unread = pl.DataFrame(
        {
            c.name: text[c.name].is_not_null() & parsed[c.name].is_null()
            for c in stored
            if c.kind in ("timestamp", "int", "float", "bool")
        }
    )
    listed = pl.concat_str(
        [pl.when(pl.col(c)).then(pl.lit(c)) for c in unread.columns], separator=",", ignore_nulls=True
    )
    names = pl.when(listed != "").then(listed)
    malformed = (
        unread.select(names.alias(MALFORMED)).to_series()
        if unread.width
        else pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(MALFORMED)
    )
    return frame.with_columns(*parsed.values(), malformed)
