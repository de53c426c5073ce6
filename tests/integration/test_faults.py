"""Faults a pipeline meets in ordinary life, each ending with the warehouse as a clean run leaves it:
a run killed (SIGKILL) during ingestion or during dbt and then rerun; a corrected extract re-delivered
for an earlier month and the months after it rematerialized."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import table_checksums

from dagster_project.cli import main

pytestmark = pytest.mark.integration
MONTHS = "2021-05,2021-06"  # as the `built` fixture (conftest.py) runs them


def dbt_is_running(working: Path) -> bool:
    """dbt runs inside the run's process: its log says when it started building a model."""
    return any(
        "OK created" in log.read_text(errors="replace") for log in working.parent.glob("logs/run-*.log")
    )


def wal_exists(working: Path) -> bool:
    """DuckDB writes its write-ahead log while ingestion replaces a month (in the run's copy)."""
    return working.with_name(f".{working.name}.run.wal").exists()


@pytest.mark.parametrize("stage", ["ingestion", "dbt"])
def test_a_run_killed_then_rerun_leaves_the_warehouse_as_a_clean_run(built, tmp_path, stage):
    raw, clean = built
    working = tmp_path / "wh" / "ywtb.duckdb"
    env = {
        "YWTB_SALT": "warehouse-salt",
        "PATH": "/usr/bin:/bin",
        "YWTB_EXPORTS": str(tmp_path / "out"),
    }
    ywtb = str(Path(sys.executable).with_name("ywtb"))
    args = [ywtb, "run", "--months", MONTHS, "--raw", str(raw), "--warehouse", str(working)]
    run = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    reached = {
        "ingestion": lambda: wal_exists(working) and not dbt_is_running(working),
        "dbt": lambda: dbt_is_running(working),
    }[stage]
    deadline = time.monotonic() + 600
    while not reached():
        assert run.poll() is None, f"the run ended before its {stage} stage was reached"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its dbt child, mid-write
    run.wait()
    published = working.with_name("published.duckdb")
    if published.exists():  # swapped in whole or not at all
        with duckdb.connect(published, read_only=True) as con:
            con.execute("select count(*) from information_schema.tables").fetchall()

    assert main(["run", "--months", MONTHS, "--raw", str(raw), "--warehouse", str(working)]) == 0
    assert table_checksums(working) == table_checksums(clean)


def test_a_corrected_earlier_month_rematerialized_with_the_months_after_equals_a_clean_run(built, tmp_path):
    raw, built_wh = built
    corrected = tmp_path / "raw"
    shutil.copytree(raw, corrected)
    # The platform re-delivers May's cases: three cases were recorded as window cases but came online.
    cases = next((corrected / "2021-05").glob("办件*.csv"))
    lines = cases.read_text(encoding="utf-8").splitlines()
    changed = 0
    for i, line in enumerate(lines[1:], start=1):
        if ",窗口," in line and changed < 3:
            lines[i] = line.replace(",窗口,", ",网上,", 1)
            changed += 1
    assert changed == 3
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")

    updated = tmp_path / "updated" / "ywtb.duckdb"
    shutil.copytree(built_wh.parent, updated.parent, ignore=shutil.ignore_patterns("out"))
    assert main(["run", "--months", MONTHS, "--raw", str(corrected), "--warehouse", str(updated)]) == 0
    fresh = tmp_path / "fresh" / "ywtb.duckdb"
    assert main(["run", "--months", MONTHS, "--raw", str(corrected), "--warehouse", str(fresh)]) == 0

    assert table_checksums(updated) == table_checksums(fresh)
    assert table_checksums(updated) != table_checksums(built_wh)  # the correction did reach the warehouse
