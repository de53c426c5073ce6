"""The ingestion boundary for one extract file: read, protect, parse, validate, split.

`ingest_file` is pure apart from reading its file; it returns the rows to load, the rows to
quarantine with their reasons, and the counts that must reconcile: the rows the file holds, counted
from the file itself, = loaded + quarantined.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl
from pandera.errors import SchemaErrors

from dagster_project.defs.ingest.normalize import (
    MALFORMED,
    SOURCE_ROW,
    canonical_columns,
    key_columns,
    mask_personal_text,
    parse_values,
    protect_personal_data,
)
from dagster_project.defs.ingest.readers import FileProblem, read_csv_batches, read_file
from schemas.raw import ExtractContract, ValidationContext
from schemas.raw._contract import key_of

REASON = "reason"
# A CSV takes several times its size in memory on its way through the boundary (Arrow text, the
# canonical, protected and typed frames); a file whose size times this exceeds the memory budget is
# read in batches.
EXPANSION = 8
IN_FLIGHT = 3
# Below this share of rows in the partition month, the file is taken for another month's export.
MIN_SHARE_IN_MONTH = 0.5


@dataclass(frozen=True)
class IngestedFile:
    contract: ExtractContract
    path: Path
    encoding: str
    loaded: pl.DataFrame  # typed canonical columns + source_row
    quarantined: pl.DataFrame  # text of the row (personal data already removed) + source_row + reason
    unknown_columns: tuple[str, ...]
    key_status_counts: dict[str, int]  # e.g. {"valid": 980, "mangled": 3, "missing": 17}
    rows_read: int  # the file's records, counted by the reader from the file, not from the parse
    values_masked: int = 0  # text values in which an ID number or a phone was masked

    @property
    def reasons(self) -> dict[str, int]:
        """Quarantined rows per reason (a row with two problems counts under each)."""
        if self.quarantined.is_empty():
            return {}
        counts = self.quarantined.select(
            pl.col(REASON).str.split("; ").explode().value_counts(sort=True)
        ).unnest(REASON)
        return dict(zip(counts[REASON].to_list(), counts["count"].to_list(), strict=True))


def ingest_file(path: Path, contract: ExtractContract, ctx: ValidationContext, salt: str) -> IngestedFile:
    raw = read_file(path, contract)
    canonical, protected, typed, masked = _prepare(raw, contract, salt, first_row=1)
    ingested = _judge(raw, canonical, protected, typed, contract, ctx, masked)
    check_month_of_file(path, month_counts(typed, contract), ctx)
    return ingested


def ingest(
    path: Path, contract: ExtractContract, ctx: ValidationContext, salt: str, memory_budget: int
) -> Iterator[IngestedFile]:
    """The file whole, or in batches when it would not fit the memory budget (bytes). Workbooks are
    read whole: a sheet cannot be streamed by the reader used."""
    if path.suffix.lower() != ".xlsx" and path.stat().st_size * EXPANSION > memory_budget:
        # Up to IN_FLIGHT batches at once: one being written, one waiting, one being prepared.
        batch_bytes = max(1 << 16, memory_budget // (EXPANSION * IN_FLIGHT))
        yield from read_ahead(ingest_in_batches(path, contract, ctx, salt, batch_bytes))
    else:
        yield ingest_file(path, contract, ctx, salt)


def read_ahead(batches: Iterator[IngestedFile]) -> Iterator[IngestedFile]:
    """Prepares the next batch in a thread while the caller writes this one: polars, pyarrow and
    DuckDB release the GIL, so reading and validating overlap with DuckDB's insert."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def offer(item) -> bool:
        """Hands an item over unless the caller has stopped listening."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not offer(batch):
                    return
            offer(done)
        except BaseException as e:  # handed to the caller, who raises it
            offer(e)

    thread = threading.Thread(target=produce, name="ingest-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def ingest_in_batches(
    path: Path, contract: ExtractContract, ctx: ValidationContext, salt: str, batch_bytes: int
) -> Iterator[IngestedFile]:
    """A file larger than the memory budget, a batch at a time: the same steps and rules as
    `ingest_file`, with the keys of earlier batches carried along (a repeat across batches is a
    duplicate) and the file's month judged on all its rows once the last batch is read — so the
    caller writes the batches in one transaction and rolls back if the file fails."""
    first_row = 1
    months: dict[str, int] = {}
    seen = SeenKeys()
    for raw in read_csv_batches(path, batch_bytes):
        canonical, protected, typed, masked = _prepare(raw, contract, salt, first_row)
        keys = typed.select(key_of(*contract.key)).to_series() if contract.key else None
        repeats = seen.take(keys) if keys is not None else None
        yield _judge(raw, canonical, protected, typed, contract, replace(ctx, earlier_keys=repeats), masked)
        for month, n in month_counts(typed, contract).items():
            months[month] = months.get(month, 0) + n
        first_row += raw.table.num_rows
    check_month_of_file(path, months, ctx)


class SeenKeys:
    """The keys of a file's batches so far, kept as two independent 64-bit hashes each: 16 bytes a
    key where the text takes about 40. A key is taken for a repeat when both hashes match; a false
    match needs both to collide, about one chance in 10^24 for a file of 20 million keys.

    The hashes are kept in runs sorted by the first hash, each at least twice as long as the next:
    a batch is one more run, and two runs merge when the newer has caught up, as in a log-structured
    merge tree. A lookup is a binary search of the batch's sorted hashes in each of the few runs, so
    its time and memory do not grow with the keys already seen, as a hash join over them would."""

    SEEDS = (0, 0x9E3779B97F4A7C15)

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (h0 sorted, h1 in the same order)

    def take(self, keys: pl.Series) -> pl.Series:
        """The keys of this batch seen in an earlier one; then this batch's keys join the earlier ones."""
        keys = keys.drop_nulls()
        h0, h1 = self._hashes(keys)
        order = np.argsort(h0)  # sorted needles keep the binary searches in the cache
        h0, h1, keys = h0[order], h1[order], keys.gather(order)
        seen = np.zeros(len(h0), dtype=bool)
        for run0, run1 in self._runs:
            seen |= _found(run0, run1, h0, h1)
        self._add(h0, h1)
        return keys.filter(pl.Series(seen))

    def _hashes(self, keys: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        h0, h1 = (keys.hash(seed).to_numpy() for seed in self.SEEDS)
        return h0, h1

    def _add(self, h0: np.ndarray, h1: np.ndarray) -> None:
        if not len(h0):
            return
        self._runs.append((h0, h1))  # a key repeated is kept twice: it is found at the first anyway
        while len(self._runs) > 1 and len(self._runs[-1][0]) * 2 > len(self._runs[-2][0]):
            newer, older = self._runs.pop(), self._runs.pop()
            self._runs.append(_merged(older, newer))


def _found(run0: np.ndarray, run1: np.ndarray, h0: np.ndarray, h1: np.ndarray) -> np.ndarray:
    """Which of the (h0, h1) pairs are in the run."""
    at = np.minimum(np.searchsorted(run0, h0), len(run0) - 1)
    same_h0 = run0[at] == h0
    found = same_h0 & (run1[at] == h1)
    # The first hash found with another second hash: two earlier keys may share the first hash (about
    # one pair in 10^5 files of 20 million keys), so the second is compared with each of them.
    for i in np.flatnonzero(same_h0 & ~found):
        same = slice(at[i], np.searchsorted(run0, h0[i], side="right"))
        found[i] = bool((run1[same] == h1[i]).any())
    return found


def _merged(older, newer) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs as one, in linear time: each newer hash goes where a binary search puts it."""
    (old0, old1), (new0, new1) = older, newer
    at = np.searchsorted(old0, new0, side="right") + np.arange(len(new0))
    is_new = np.zeros(len(old0) + len(new0), dtype=bool)
    is_new[at] = True
    h0, h1 = np.empty(len(is_new), dtype=old0.dtype), np.empty(len(is_new), dtype=old1.dtype)
    h0[at], h1[at] = new0, new1
    h0[~is_new], h1[~is_new] = old0, old1
    return h0, h1


def _prepare(raw, contract: ExtractContract, salt: str, first_row: int):
    canonical = canonical_columns(raw, contract)
    protected = protect_personal_data(canonical.frame, contract, salt).with_columns(
        pl.col(SOURCE_ROW) + (first_row - 1)
    )
    protected, masked = mask_personal_text(protected, contract)
    return canonical, protected, parse_values(protected, contract), masked


def _judge(
    raw, canonical, protected, typed, contract: ExtractContract, ctx: ValidationContext, masked: int
) -> IngestedFile:
    reasons = row_problems(typed, contract, ctx)
    bad = reasons.filter(pl.col(REASON).is_not_null())
    # Usually nothing is bad: then no anti-join copies millions of rows to remove none.
    loaded = typed if bad.is_empty() else typed.join(bad, on=SOURCE_ROW, how="anti")
    return IngestedFile(
        contract=contract,
        path=raw.path,
        encoding=raw.encoding,
        loaded=loaded.drop(MALFORMED),
        quarantined=protected.join(bad, on=SOURCE_ROW, how="inner").sort(SOURCE_ROW),
        unknown_columns=canonical.unknown_columns,
        key_status_counts=_key_status_counts(protected, contract),
        rows_read=raw.records,
        values_masked=masked,
    )


def row_problems(typed: pl.DataFrame, contract: ExtractContract, ctx: ValidationContext) -> pl.DataFrame:
    """source_row -> '; '-joined names of the rules the row breaks (only rows that break one)."""
    try:
        contract.schema(ctx).validate(typed, lazy=True)
        return pl.DataFrame(schema={SOURCE_ROW: pl.Int64, REASON: pl.String})
    except SchemaErrors as errors:
        failures = errors.failure_cases
    broken = failures.filter(pl.col("index").is_null())
    if not broken.is_empty():  # a rule that could not run is a bug in the contract, not bad data
        # Named by the rules only: the failure case may be a row's text.
        raise RuntimeError(f"{contract.name}: rules failed to run: {sorted(set(broken['check'].to_list()))}")
    per_row = failures.group_by("index").agg(pl.col("check").unique().sort().str.join("; ").alias(REASON))
    rows = (
        typed.select(SOURCE_ROW, MALFORMED)
        .with_row_index("index")
        .with_columns(pl.col("index").cast(pl.Int32))
    )
    return (
        per_row.with_columns(pl.col("index").cast(pl.Int32))
        .join(rows, on="index")
        .select(
            SOURCE_ROW,
            # Name the columns that could not be read: "malformed_value(accept_time)".
            pl.col(REASON).str.replace(
                "malformed_value", pl.format("malformed_value({})", pl.col(MALFORMED)), literal=True
            ),
        )
    )


def month_counts(typed: pl.DataFrame, contract: ExtractContract) -> dict[str, int]:
    """Rows per month ('YYYY-MM') by the timestamp that says which month a row is about."""
    if contract.month_of_row is None:
        return {}
    months = typed.select(contract.month_of_row().dt.strftime("%Y-%m").alias("m")).drop_nulls()
    return dict(months["m"].value_counts().iter_rows())


def check_month_of_file(path: Path, months: dict[str, int], ctx: ValidationContext) -> None:
    total = sum(months.values())
    if not total:
        return
    expected = ctx.month.strftime("%Y-%m")
    share = months.get(expected, 0) / total
    if share < MIN_SHARE_IN_MONTH:
        top = max(months.items(), key=lambda kv: kv[1])
        raise FileProblem(
            path,
            f"wrong month inside the file: {top[1]} of {total} rows are for {top[0]}, only {share:.0%} for {expected}",
        )


def _key_status_counts(protected: pl.DataFrame, contract: ExtractContract) -> dict[str, int]:
    counts: dict[str, int] = {}
    for col in contract.columns:
        if col.pii == "hash_id":
            _, status = key_columns(col)
            for value, n in protected[status].value_counts().rows():
                counts[value] = counts.get(value, 0) + n
    return counts
