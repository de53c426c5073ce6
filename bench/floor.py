"""The floors: bare DuckDB computing the month's indicators (bench/floor.sql), run by bench/run.py in
a process of its own so that its time and memory are measured alone.

    python bench/floor.py compute FOLDER MONTH
    python bench/floor.py keep FOLDER MONTH DATABASE

- compute: the indicators straight from the month's files, read as text, keeping nothing;
- keep: first every file of the month stored in a table of DATABASE, typed as DuckDB's sniffer reads
  it (no checks, personal data kept), then the indicators computed from those tables, and the file
  closed (checkpointed): the least a pipeline that keeps the month pays.

Prints {"stored_s": ..., "indicators_s": ...} (stored_s is 0 for the compute floor).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
# The extracts the indicators read, by the stem of their file.
EXTRACTS = {
    "cases_in": "办件数据",
    "evaluations_in": "好差评数据",
    "certificates_in": "证照数据",
    "matters_in": "实施清单",
}


def compute(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    con.execute("create temp macro ts(x) as try_strptime(x, '%Y-%m-%d %H:%M:%S')")
    for name, stem in EXTRACTS.items():
        # The cases are read once into memory and used twice, the others read where they are used.
        kind = "table" if name == "cases_in" else "view"
        # A view cannot take a parameter: the path goes in as a quoted literal.
        files = f"{folder}/{stem}_*.csv".replace("'", "''")
        con.execute(f"create temp {kind} {name} as select * from read_csv('{files}', all_varchar = true)")


def keep(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    for path in sorted(folder.glob("*.csv")):
        table = path.stem.split("_")[0]
        con.execute(f'create table "{table}" as select * from read_csv($p)', {"p": str(path)})
    con.execute("checkpoint")
    # A timestamp column the sniffer typed is used as it is; text is read as a timestamp.
    con.execute("create temp macro ts(x) as try_cast(x as timestamp)")
    for name, stem in EXTRACTS.items():
        con.execute(f'create temp view {name} as select * from "{stem}"')


def indicators(con: duckdb.DuckDBPyConnection, month: str) -> None:
    params = {
        "month": dt.datetime.strptime(month, "%Y-%m"),
        "calendar": str(ROOT / "dbt/seeds/ref_calendar_days.csv"),
    }
    for statement in (ROOT / "bench/floor.sql").read_text().split(";"):
        if statement.strip():
            used = {k: v for k, v in params.items() if "$" + k in statement}
            con.execute(statement, used).fetchall()


def main(kind: str, folder: str, month: str, database: str = ":memory:") -> None:
    started = time.perf_counter()
    with duckdb.connect(database) as con:
        (keep if kind == "keep" else compute)(con, Path(folder))
        stored = time.perf_counter()
        indicators(con, month)
    done = time.perf_counter()
    print(
        json.dumps({"stored_s": stored - started if kind == "keep" else 0.0, "indicators_s": done - stored})
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
