"""The ingestion boundary for one extract file: read, protect, parse, validate, split.

`ingest_file` is pure apart from reading its file; it returns the rows to load, the rows to
quarantine with their reasons, and the counts that must reconcile (read = loaded + quarantined).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pandera.errors import SchemaErrors

from dagster_project.defs.ingest.normalize import (
    MALFORMED,
    SOURCE_ROW,
    canonical_columns,
    key_columns,
    parse_values,
    protect_personal_data,
)
from dagster_project.defs.ingest.readers import FileProblem, read_file
from schemas.raw import ExtractContract, ValidationContext

REASON = "reason"
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

    @property
    def rows_read(self) -> int:
        return self.loaded.height + self.quarantined.height

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
    raw = read_file(path)
    canonical = canonical_columns(raw, contract)
    protected = protect_personal_data(canonical.frame, contract, salt)
    typed = parse_values(protected, contract)
    check_month_of_file(path, typed, contract, ctx)
    reasons = row_problems(typed, contract, ctx)
    bad = reasons.filter(pl.col(REASON).is_not_null())
    loaded = typed.join(bad, on=SOURCE_ROW, how="anti").drop(MALFORMED)
    quarantined = protected.join(bad, on=SOURCE_ROW, how="inner").sort(SOURCE_ROW)
    return IngestedFile(
        contract=contract,
        path=path,
        encoding=raw.encoding,
        loaded=loaded,
        quarantined=quarantined,
        unknown_columns=canonical.unknown_columns,
        key_status_counts=_key_status_counts(protected, contract),
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
        raise RuntimeError(
            f"{contract.name}: rules failed to run: {broken.select('check', 'failure_case').rows()}"
        )
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


def check_month_of_file(
    path: Path, typed: pl.DataFrame, contract: ExtractContract, ctx: ValidationContext
) -> None:
    if contract.month_of_row is None:
        return
    months = typed.select(contract.month_of_row().dt.strftime("%Y-%m").alias("m")).drop_nulls()
    if months.is_empty():
        return
    expected = ctx.month.strftime("%Y-%m")
    share = months.select((pl.col("m") == expected).mean()).item()
    if share < MIN_SHARE_IN_MONTH:
        top = months["m"].value_counts(sort=True).row(0)
        raise FileProblem(
            path,
            f"wrong month inside the file: {top[1]} of {months.height} rows are for {top[0]}, "
            f"only {share:.0%} for {expected}",
        )


def _key_status_counts(protected: pl.DataFrame, contract: ExtractContract) -> dict[str, int]:
    counts: dict[str, int] = {}
    for col in contract.columns:
        if col.pii == "hash_id":
            _, status = key_columns(col)
            for value, n in protected[status].value_counts().rows():
                counts[value] = counts.get(value, 0) + n
    return counts
