"""The vocabulary every raw extract contract is written in.

A contract says how a platform export looks (file names, Chinese headers, personal columns) and which
rows are acceptable (a Pandera schema built for one month). Readers and the ingestion code are generic
over contracts, so adding an extract is adding a module here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandera.polars as pa
import polars as pl

# The column the normaliser fills with the names of the values it could not read.
MALFORMED = "_malformed"

Kind = Literal["str", "int", "float", "bool", "timestamp", "code"]
Pii = Literal["drop", "hash_id"]

# How the platform spells booleans in its exports.
TRUE_WORDS = ("是", "Y", "y", "1", "true", "True", "TRUE", "已", "√")
FALSE_WORDS = ("否", "N", "n", "0", "false", "False", "FALSE", "未", "")


@dataclass(frozen=True)
class Column:
    """One column of an extract: its canonical name, the headers it arrives under, how to read it."""

    name: str
    label: str  # the Chinese header the platform prints; also accepted on input
    kind: Kind = "str"
    aliases: tuple[str, ...] = ()
    required: bool = True  # the header must be present in the file
    pii: Pii | None = None  # drop: never stored; hash_id: kept only as a salted hash of a valid ID number
    # For kind="code": platform wording -> canonical code. Unknown wordings stay as they are and fail isin.
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.name, self.label, *self.aliases)


@dataclass(frozen=True)
class ValidationContext:
    """What a month's row rules need to know beyond the rows themselves."""

    month: dt.date  # first day of the partition month
    known_org_codes: frozenset[str]
    known_org_names: frozenset[str] = frozenset()  # names and aliases, for extracts keyed by name
    known_matter_codes: frozenset[str] | None = None  # None: the catalogue is not known (matters itself)
    # Keys already seen in earlier batches of the same file (a file read in batches): a row repeating
    # one is a duplicate as surely as within a batch.
    earlier_keys: pl.Series | None = None
    # Assessed inputs: indicator_code -> (min, max) of its values; None: the shipped catalogue
    # (schemas/raw/assessed_indicators.csv).
    indicator_ranges: dict[str, tuple[float | None, float | None]] | None = None

    @property
    def month_start(self) -> dt.datetime:
        return dt.datetime.combine(self.month, dt.time())

    @property
    def month_end(self) -> dt.datetime:
        """The first instant after the month (exclusive bound)."""
        nxt = (self.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return dt.datetime.combine(nxt, dt.time())


@dataclass(frozen=True)
class ExtractContract:
    name: str  # canonical: raw.<name>, quarantine.<name>, the Dagster asset key
    label: str  # Chinese name, also a file-name stem the platform uses
    file_stems: tuple[str, ...]
    columns: tuple[Column, ...]
    schema: Callable[[ValidationContext], pa.DataFrameSchema]
    # The timestamp that says which month a file is about; a file whose rows mostly fall in another
    # month is the wrong file, not a file of bad rows.
    month_of_row: Callable[[], pl.Expr] | None = None
    needs_matter_catalogue: bool = False
    description: str = ""
    key: tuple[str, ...] = ()  # what identifies a row: a later row with the same key is a duplicate

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def stored_columns(self) -> list[Column]:
        return [c for c in self.columns if c.pii is None]


# --- building blocks for the row rules -------------------------------------------------------------
# Every check carries a stable name: it becomes the quarantine reason, so it is part of the contract.


def check(name: str, expr: Callable[[], pl.Expr]) -> pa.Check:
    """A row-wise rule over the whole frame; rows where `expr` is false are quarantined as `name`."""
    return pa.Check(lambda data: data.lazyframe.select(expr().fill_null(True)), name=name)


def key_of(*cols: str) -> pl.Expr:
    """One value per row for a key of one or several columns."""
    return pl.col(cols[0]) if len(cols) == 1 else pl.concat_str([pl.col(c) for c in cols], separator="\x1f")


def no_duplicates(ctx: ValidationContext, *cols: str, name: str | None = None) -> pa.Check:
    """The first row with a key is kept; later ones are duplicates (a re-sent row is not a new case),
    also across the batches of a file read in batches."""
    earlier = ctx.earlier_keys if ctx.earlier_keys is not None else pl.Series([], dtype=pl.String)
    return check(
        name or f"duplicate_{cols[0]}",
        lambda: (
            key_of(*cols).is_null()
            | (key_of(*cols).is_first_distinct() & ~key_of(*cols).is_in(earlier.implode()))
        ),
    )


def known(col: str, values: Iterable[str], reason: str) -> pa.Check:
    allowed = sorted(values)
    return check(reason, lambda: pl.col(col).is_null() | pl.col(col).is_in(allowed))


def one_of(col: str, values: Iterable[str]) -> pa.Check:
    allowed = sorted(set(values))
    return check(f"invalid_{col}", lambda: pl.col(col).is_null() | pl.col(col).is_in(allowed))


def not_after(earlier: str, later: str, reason: str) -> pa.Check:
    return check(
        reason,
        lambda: pl.col(later).is_null() | pl.col(earlier).is_null() | (pl.col(earlier) <= pl.col(later)),
    )


def before_month_end(ctx: ValidationContext, cols: Iterable[str]) -> pa.Check:
    """No event can be later than the end of the month the extract was taken at."""
    end, cols = ctx.month_end, list(cols)
    return check(
        "timestamp_after_month_end",
        lambda: pl.all_horizontal([pl.col(c).is_null() | (pl.col(c) < end) for c in cols]),
    )


def in_month(ctx: ValidationContext, col: str) -> pl.Expr:
    return pl.col(col).is_between(ctx.month_start, ctx.month_end, closed="left")


def non_negative(col: str) -> pa.Check:
    return check(f"negative_{col}", lambda: pl.col(col).is_null() | (pl.col(col) >= 0))


def at_most(col: str, ceiling: int) -> pa.Check:
    """A value no real row reaches: a typing slip, or a number meant to break what is computed from it."""
    return check(f"out_of_range_{col}", lambda: pl.col(col).is_null() | (pl.col(col) <= ceiling))


def finite(col: str) -> pa.Check:
    """inf and NaN parse as numbers; no score can be computed from them."""
    return check(f"non_finite_value({col})", lambda: pl.col(col).is_null() | pl.col(col).is_finite())


# Time limits in working days: about four years. Beyond it, a limit is a slip, not a law.
MAX_LIMIT_DAYS = 1000


def required(*cols: str) -> pa.Check:
    """Values the row is meaningless without (a missing header is a file problem, a blank cell a row one).

    A value that was there but unreadable is already reported as malformed, not as missing too.
    """
    flagged = pl.concat_str(pl.lit(","), pl.col(MALFORMED).fill_null(""), pl.lit(","))
    return check(
        "missing_value",
        lambda: pl.all_horizontal(
            [pl.col(c).is_not_null() | flagged.str.contains(f",{c},", literal=True) for c in cols]
        ),
    )


def frame_schema(name: str, checks: list[pa.Check]) -> pa.DataFrameSchema:
    # Column presence and types are the reader's job (it fails the file); the schema holds row rules.
    return pa.DataFrameSchema(name=name, checks=checks, strict=False)


def well_formed() -> pa.Check:
    """Values that could not be read as their kind (a date like 2021-02-30, a number like '1,2,3')."""
    return check("malformed_value", lambda: pl.col(MALFORMED).is_null())
