"""Writing an ingested file into the warehouse: one month replaced in one transaction.

raw.<extract>          the valid rows, typed, with month, source_file and source_row
quarantine.<extract>   the rejected rows as text, with the reason (personal data already removed)
audit.ingest_log       one row per month and extract: what was read (counted from the file), loaded,
                       quarantined and masked
audit.warehouse_profile  the jurisdiction profile that built the warehouse (one per file)
audit.month_builds     one row per month the warehouse holds: the run that last built it, and when
audit.months           for analysts: each month held, when and by which run it was built, from which
                       files (fingerprints and rows), and whether an earlier month was rebuilt since
Rerunning a month deletes that month and inserts it again, so a rerun never duplicates a row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.defs.ingest.boundary import REASON, IngestedFile
from dagster_project.defs.ingest.normalize import SOURCE_ROW, personal_key_columns
from dagster_project.defs.publish.atomic import DiskFull
from schemas.raw import ExtractContract

DUCKDB_TYPES = {
    "str": "VARCHAR",
    "code": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP",
}

INGEST_LOG_DDL = """
create table if not exists audit.ingest_log (
    month date not null,
    extract varchar not null,
    source_file varchar not null,
    encoding varchar,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    unknown_columns varchar,
    keys_valid bigint,
    keys_mangled bigint,
    keys_invalid bigint,
    keys_missing bigint,
    values_masked bigint,
    primary key (month, extract)
)"""
# Columns added since the table was first made: a warehouse built before gets them on its next run.
INGEST_LOG_ADDED = ("values_masked bigint",)


# Every column of the audit relations, in Chinese: the one source of their comments (defs/publish/comments.py).
AUDIT_DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "ingest_log": (
        "入库日志：每月每个数据项读取、入库、隔离的行数及证件号码状态",
        {
            "month": "数据月份（分区，月初日期）",
            "extract": "数据项（raw 中的表名）",
            "source_file": "来源文件（相对原始数据目录的路径）",
            "encoding": "文件编码",
            "rows_read": "读取行数（从文件中计数）",
            "rows_loaded": "入库行数",
            "rows_quarantined": "隔离行数",
            "unknown_columns": "文件中未识别的列（未入库）",
            "keys_valid": "有效证件号码（或机构代码）数",
            "keys_mangled": "格式损坏的证件号码数",
            "keys_invalid": "校验不通过的证件号码数",
            "keys_missing": "缺失的证件号码数",
            "values_masked": "文本中遮蔽了证件号码或电话号码的值的个数",
        },
    ),
    "delivered_files": (
        "每月各数据项所用的来源文件及其指纹（名称、大小、修改时间）",
        {
            "month": "数据月份（分区，月初日期）",
            "extract": "数据项（raw 中的表名）",
            "source_file": "来源文件（相对原始数据目录的路径）",
            "fingerprint": "文件指纹：文件名:字节数:修改时间（纳秒）",
            "ingested_at": "入库时间（本地时间）",
        },
    ),
    "warehouse_profile": (
        "构建本库的辖区配置（一个库只含一个辖区的数据）",
        {"profile": "辖区配置名称（schemas/profiles 下的目录名）"},
    ),
    "month_builds": (
        "每个月份最近一次构建的运行及时间",
        {
            "month": "数据月份（分区，月初日期）",
            "run_id": "运行编号：构建该月的 Dagster 运行",
            "built_at": "构建时间（本地时间，该月发布副本生成之时）",
        },
    ),
    "months": (
        "发布副本所含月份：何时由哪次运行构建、所用文件，以及其后是否有更早月份被重建",
        {
            "month": "数据月份（分区，月初日期）",
            "built_at": "构建时间（本地时间）",
            "run_id": "运行编号：构建该月的 Dagster 运行",
            "files": "所用文件：每个数据项的来源文件、指纹及读取、入库、隔离行数",
            "earlier_month_rebuilt_after": (
                "在本月之后重建的最晚的更早月份（本月的年累计和整改台账仍按其重建前的数据；为空表示无需重建）"
            ),
        },
    ),
}

MONTH_BUILDS_DDL = """
create table if not exists audit.month_builds (
    month date primary key,
    run_id varchar not null,
    built_at timestamp not null
)"""
# No month written in it: it reads the month-keyed audit tables and keeps the month as a column.
MONTHS_VIEW = """
create or replace view audit.months as
with files as (
    select
        d.month,
        list(
            {
                'extract': d.extract, 'source_file': d.source_file, 'fingerprint': d.fingerprint,
                'rows_read': l.rows_read, 'rows_loaded': l.rows_loaded, 'rows_quarantined': l.rows_quarantined
            }
            order by d.extract
        ) as files
    from audit.delivered_files d
    left join audit.ingest_log l using (month, extract)
    group by d.month
)
select
    b.month,
    b.built_at,
    b.run_id,
    f.files,
    (
        select max(e.month) from audit.month_builds e where e.month < b.month and e.built_at > b.built_at
    ) as earlier_month_rebuilt_after
from audit.month_builds b
left join files f using (month)"""


def record_builds(con: duckdb.DuckDBPyConnection, months: Iterable[dt.date], run_id: str) -> None:
    """The months this run built, said in the warehouse it publishes (audit.months reads them)."""
    con.execute("create schema if not exists audit")
    con.execute(MONTH_BUILDS_DDL)
    con.execute(
        "insert or replace into audit.month_builds select unnest($months), $run, current_localtimestamp()",
        {"months": sorted(months), "run": run_id},
    )
    con.execute(MONTHS_VIEW)


def _lead_columns() -> list[tuple[str, str, str]]:
    return [
        ("month", "DATE NOT NULL", "数据月份（分区，月初日期）"),
        ("source_file", "VARCHAR NOT NULL", "来源文件"),
        (SOURCE_ROW, "BIGINT NOT NULL", "来源行号（文件中第几条数据，从1起）"),
    ]


def raw_columns(contract: ExtractContract) -> list[tuple[str, str, str]]:
    cols = _lead_columns() + [(c.name, DUCKDB_TYPES[c.kind], c.label) for c in contract.stored_columns]
    for name in personal_key_columns(contract):
        label = (
            "证件号码加盐哈希（仅有效证件号）"
            if name.endswith("_key")
            else "证件号码状态：valid/mangled/invalid/missing"
        )
        cols.append((name, "VARCHAR", label))
    return cols


def quarantine_columns(contract: ExtractContract) -> list[tuple[str, str, str]]:
    return [*_lead_columns(), (REASON, "VARCHAR NOT NULL", "隔离原因（违反的规则）")] + [
        (name, "VARCHAR", label) for name, _, label in raw_columns(contract)[3:]
    ]


def ensure_tables(con: duckdb.DuckDBPyConnection, contract: ExtractContract) -> None:
    for schema in ("raw", "quarantine", "audit"):
        con.execute(f"create schema if not exists {schema}")
    con.execute(INGEST_LOG_DDL)
    for column in INGEST_LOG_ADDED:
        con.execute(f"alter table audit.ingest_log add column if not exists {column}")
    for schema, cols, what in (
        ("raw", raw_columns(contract), "valid rows"),
        ("quarantine", quarantine_columns(contract), "rejected rows with the rule they break"),
    ):
        ddl = ", ".join(f"{name} {sql_type}" for name, sql_type, _ in cols)
        con.execute(f"create table if not exists {schema}.{contract.name} ({ddl})")
        con.execute(
            f"comment on table {schema}.{contract.name} is '{contract.label}（{what}）: {contract.description}'"
        )
        for name, _, label in cols:
            con.execute(f"comment on column {schema}.{contract.name}.{name} is '{label}'")


@dataclass
class Written:
    """What went into the warehouse for one extract and month (summed over a file's batches)."""

    encoding: str = ""
    rows_read: int = 0  # counted from the file by the reader: loaded + quarantined must equal it
    rows_loaded: int = 0
    rows_quarantined: int = 0
    values_masked: int = 0  # text values in which an ID number or a phone was masked
    batches: int = 0
    unknown_columns: tuple[str, ...] = ()
    reasons: dict[str, int] = field(default_factory=dict)
    key_status_counts: dict[str, int] = field(default_factory=dict)

    def add(self, ingested: IngestedFile) -> None:
        self.encoding, self.unknown_columns = ingested.encoding, ingested.unknown_columns
        self.rows_read += ingested.rows_read
        self.values_masked += ingested.values_masked
        self.rows_loaded += ingested.loaded.height
        self.rows_quarantined += ingested.quarantined.height
        self.batches += 1
        for counts, more in (
            (self.reasons, ingested.reasons),
            (self.key_status_counts, ingested.key_status_counts),
        ):
            for k, n in more.items():
                counts[k] = counts.get(k, 0) + n


def replace_month(
    con: duckdb.DuckDBPyConnection,
    month: dt.date,
    contract: ExtractContract,
    batches: Iterable[IngestedFile],
    source_file: str,
) -> Written:
    """Delete-then-insert the month for this extract, atomically: a file that fails half-way (or a
    killed run) leaves the month as it was.

    The valid rows of all the batches go in by one INSERT that reads them as a stream. DuckDB keeps a
    transaction's separate appends in memory until it commits (gigabytes for a province's month), but
    writes one large INSERT within its memory limit. Quarantined rows wait in a
    temporary Parquet file meanwhile, and are moved in by the same transaction.

    A full disk is said as such (DiskFull, naming the file loaded and the warehouse); a rollback that
    fails after it never hides it."""
    written = Written()
    warehouse = _database_path(con)
    reader_failed: list[BaseException] = []
    rest = iter(batches)
    first = next(rest)
    schema = first.loaded.to_arrow().schema
    with tempfile.TemporaryDirectory(prefix="ywtb-quarantine-") as tmp:
        held = Path(tmp) / "quarantined.parquet"
        writer: pq.ParquetWriter | None = None

        def valid_rows() -> Iterator[pa.RecordBatch]:
            nonlocal writer
            try:
                for ingested in itertools.chain([first], rest):
                    if ingested.quarantined.height:
                        rows = ingested.quarantined.to_arrow()
                        writer = writer or pq.ParquetWriter(held, rows.schema)
                        writer.write_table(rows.cast(writer.schema))
                    written.add(ingested)
                    yield from ingested.loaded.to_arrow().cast(schema).to_batches()
            except BaseException as e:  # DuckDB reports it as its own error; the caller gets this one
                reader_failed.append(e)
                raise

        con.execute("begin transaction")
        try:
            ensure_tables(con, contract)
            for schema_name in ("raw", "quarantine"):
                con.execute(f"delete from {schema_name}.{contract.name} where month = $m", {"m": month})
            con.register("incoming", pa.RecordBatchReader.from_batches(schema, valid_rows()))
            con.execute(
                f"insert into raw.{contract.name} by name select $m as month, $f as source_file, * from incoming",
                {"m": month, "f": source_file},
            )
            con.unregister("incoming")
            if writer is not None:
                writer.close()
                con.execute(
                    f"insert into quarantine.{contract.name} by name "
                    "select $m as month, $f as source_file, * from read_parquet($p)",
                    {"m": month, "f": source_file, "p": str(held)},
                )
            _log(con, month, contract, source_file, written)
            con.execute("commit")
        except BaseException as e:
            failure = reader_failed[0] if reader_failed else e
            _close_quietly(writer)
            _rollback(con, failure)
            if is_disk_full(failure):
                raise DiskFull(
                    errno.ENOSPC,
                    f"disk full while loading {source_file} into {warehouse}: free space and rerun",
                ) from failure
            if failure is e:
                raise
            raise failure from None
        finally:
            _close_quietly(writer)
    return written


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC as Python, pyarrow or DuckDB say it (DuckDB's IOException carries no errno)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(error) or "disk full" in str(error).lower():
            return True
        error = error.__cause__ or error.__context__
    return False


def _rollback(con: duckdb.DuckDBPyConnection, failure: BaseException) -> None:
    """After some errors DuckDB has already ended the transaction: a failing rollback is noted on the
    error that caused it, never raised in its place."""
    try:
        con.execute("rollback")
    except duckdb.Error as e:
        failure.add_note(f"(the rollback that followed failed too: {e})")


def _close_quietly(writer: pq.ParquetWriter | None) -> None:
    """Closing twice is harmless; a close failing on a full disk is the error already being raised."""
    if writer is not None:
        with contextlib.suppress(OSError, pa.ArrowException):
            writer.close()


def _database_path(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return row[0] if row and row[0] else "the warehouse"


def _log(
    con: duckdb.DuckDBPyConnection,
    month: dt.date,
    contract: ExtractContract,
    source_file: str,
    written: Written,
) -> None:
    keys = written.key_status_counts
    con.execute(
        "delete from audit.ingest_log where month = $m and extract = $e", {"m": month, "e": contract.name}
    )
    con.execute(
        "insert into audit.ingest_log by name select $m as month, $e as extract, $f as source_file, "
        "$enc as encoding, $read as rows_read, $loaded as rows_loaded, $quarantined as rows_quarantined, "
        "$unknown as unknown_columns, $kv as keys_valid, $km as keys_mangled, $ki as keys_invalid, "
        "$kmiss as keys_missing, $masked as values_masked",
        {
            "m": month, "e": contract.name, "f": source_file, "enc": written.encoding,
            "read": written.rows_read, "loaded": written.rows_loaded,
            "quarantined": written.rows_quarantined,
            "unknown": ", ".join(written.unknown_columns) or None,
            "kv": keys.get("valid", 0) + keys.get("org_code", 0), "km": keys.get("mangled"), "ki": keys.get("invalid"), "kmiss": keys.get("missing"),
            "masked": written.values_masked,
        },
    )  # fmt: skip


def reconcile(con: duckdb.DuckDBPyConnection, month: dt.date, contract: ExtractContract) -> dict[str, int]:
    """Counts as the warehouse holds them, for the check that rows read = loaded + quarantined: rows
    read is what the reader counted in the file, so a row lost on the way makes the check fail."""
    logged = con.execute(
        "select rows_read from audit.ingest_log where month = $m and extract = $e",
        {"m": month, "e": contract.name},
    ).fetchone()
    counts = {
        schema: con.execute(
            f"select count(*) from {schema}.{contract.name} where month = $m", {"m": month}
        ).fetchone()[0]
        for schema in ("raw", "quarantine")
    }
    return {
        "rows_read": logged[0] if logged else -1,
        "rows_loaded": counts["raw"],
        "rows_quarantined": counts["quarantine"],
    }
