"""Where ingest's time goes, column by column, for one extract of a benchmark month.

    python bench/ingest_profile.py [CASES] [EXTRACT] [BATCHES]

Reads the extract's file of the cached benchmark month (bench/run.py generates it) in the batches the
pipeline uses, and runs the boundary's steps on each batch one column at a time, timing each: reading
(the file's bytes to Arrow text), the personal data (clean, status, hash), the masking pattern, the
cleaning and the parsing of each stored column, the row rules (Pandera, whole frame), and DuckDB
inserting the valid rows. BATCHES limits the batches profiled (default: all). Then the same batches
once more as the pipeline runs them (the steps on all columns at once, as polars parallelises them),
for the total that the column-by-column figures are a breakdown of.

Writes the figures to bench/results.json under "ingest_profile"; `bench/run.py --report` prints them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dagster_project import settings  # noqa: E402
from dagster_project.defs.ingest import boundary, normalize  # noqa: E402
from dagster_project.defs.ingest.readers import find_file, read_csv_batches  # noqa: E402
from dagster_project.reference import organisations  # noqa: E402
from schemas.raw import CONTRACTS, ValidationContext  # noqa: E402

MONTH = os.environ.get("BENCH_MONTH", "2021-06")
CACHE = Path(os.environ.get("BENCH_CACHE", "~/.cache/ywtb-bench")).expanduser()
SALT = "bench"


class Clock:
    """Wall seconds and CPU seconds (of every thread of the process: polars and DuckDB run their
    own) by what was timed. On a machine others share, the CPU seconds are the steadier figure."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def __call__(self, what: str, fn, *args):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn(*args)
        self.seconds[what] += time.perf_counter() - started
        self.cpu[what] += time.process_time() - cpu
        return result


def insert(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> None:
    """The valid rows into the table, as the store inserts them (Arrow, by name)."""
    con.register("incoming", rows.to_arrow())
    con.execute("create table if not exists t as select * from incoming limit 0")
    con.execute("insert into t by name select * from incoming")
    con.unregister("incoming")


def context(folder: Path, month: dt.date) -> ValidationContext:
    orgs = organisations()
    matters = pl.read_csv(find_file(folder, CONTRACTS["matters"]), columns=["事项编码"], infer_schema=False)
    return ValidationContext(
        month=month,
        known_org_codes=orgs.codes,
        known_org_names=orgs.names,
        known_matter_codes=frozenset(matters["事项编码"].drop_nulls().to_list()),
    )


def by_column(raw, contract, ctx, clock: Clock, con) -> None:
    canonical = clock("canonical columns", normalize.canonical_columns, raw, contract)
    frame = canonical.frame
    for col in contract.columns:
        if col.pii == "hash_id":
            key, status = normalize.key_columns(col)
            ids = clock(f"{col.name}: clean", normalize.clean_text, frame.select(col.name), [col.name])
            ids = ids.select(pl.col(col.name).str.to_uppercase())
            ids = ids.with_columns(
                clock(f"{col.name}: status", normalize.id_number_statuses, ids[col.name]).alias(status)
            )
            valid = ids.select(pl.when(pl.col(status).is_in(["valid", "org_code"])).then(pl.col(col.name)))
            hashed = clock(f"{col.name}: hash", normalize.salted_hash, valid.to_series(), SALT)
            frame = frame.with_columns(ids[status], hashed.alias(key))
        if col.pii is not None:
            frame = frame.drop(col.name)
    for col in contract.stored_columns:
        if col.kind in ("str", "code"):
            one = dataclasses.replace(contract, columns=(col,))
            frame = clock(
                f"{col.name}: mask", lambda f=frame, one=one: normalize.mask_personal_text(f, one)[0]
            )
    text = frame
    for col in contract.stored_columns:
        text = clock(f"{col.name}: clean", normalize.clean_text, text, [col.name])
    for c in contract.stored_columns:
        clock(f"{c.name}: parse", normalize.parse_column, c, text[c.name])
    typed = normalize.parse_values(frame, contract)  # not timed: its parts are, above
    problems = clock("row rules (Pandera)", boundary.row_problems, typed, contract, ctx)
    loaded = typed.join(problems, on=normalize.SOURCE_ROW, how="anti").drop(normalize.MALFORMED)
    clock("DuckDB insert", insert, con, loaded)


def main(cases: int = 20_000_000, extract: str = "cases", batches: int = 0) -> None:
    contract = CONTRACTS[extract]
    folder = CACHE / str(cases) / "raw" / MONTH
    path = find_file(folder, contract)
    ctx = context(folder, dt.datetime.strptime(MONTH, "%Y-%m").date())
    batch_bytes = max(1 << 16, settings.memory_budget_bytes() // (boundary.EXPANSION * boundary.IN_FLIGHT))
    columns, whole, rows = Clock(), Clock(), 0
    with tempfile.TemporaryDirectory(prefix="ywtb-profile-") as tmp:
        for label, clock in (("by column", columns), ("whole", whole)):
            con = duckdb.connect(str(Path(tmp) / f"{label}.duckdb"))
            reader = read_csv_batches(path, batch_bytes)
            for i in range(batches or 1 << 30):
                raw = clock("read (bytes to Arrow text)", next, reader, None)
                if raw is None:
                    break
                if label == "whole":
                    prepared = clock(
                        "prepare (all columns at once)", boundary._prepare, raw, contract, SALT, 1
                    )
                    ingested = clock(
                        "judge (row rules, split)",
                        boundary._judge,
                        raw,
                        *prepared[:3],
                        contract,
                        ctx,
                        prepared[3],
                    )
                    clock("DuckDB insert", insert, con, ingested.loaded)
                    rows += raw.table.num_rows
                else:
                    by_column(raw, contract, ctx, clock, con)
                print(f"{label}: batch {i + 1}, {sum(clock.seconds.values()):.1f} s", flush=True)
            con.close()
    profile = {
        "extract": extract,
        "month_cases": cases,
        "rows": rows,
        "batches": batches or "all",
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "by_column_s": dict(sorted(columns.seconds.items(), key=lambda kv: -kv[1])),
        "by_column_cpu_s": dict(sorted(columns.cpu.items(), key=lambda kv: -kv[1])),
        "whole_s": dict(whole.seconds),
        "whole_cpu_s": dict(whole.cpu),
    }
    print(json.dumps(profile, indent=1, ensure_ascii=False))
    results = ROOT / "bench" / "results.json"
    figures = json.loads(results.read_text()) if results.exists() else {}
    figures.setdefault("ingest_profile", {})[extract] = profile
    results.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*(int(a) if a.isdigit() else a for a in sys.argv[1:]))
