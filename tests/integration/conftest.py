"""A warehouse built by `ywtb run` over two generated months, shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.cli import main

MONTHS = ["2021-05", "2021-06"]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(raw folder, warehouse file); the annexes are exported beside the warehouse, in out/."""
    from dagster_project.sample.generator import parse_months
    from dagster_project.sample.writer import write_month

    raw = tmp_path_factory.mktemp("raw")
    for month in parse_months(",".join(MONTHS)):
        write_month(month, raw, scale=0.002, seed=11, bad_rows=0.005)
    mp = pytest.MonkeyPatch()
    mp.setenv("YWTB_SALT", "warehouse-salt")
    mp.delenv("DAGSTER_HOME", raising=False)
    wh = tmp_path_factory.mktemp("wh") / "ywtb.duckdb"
    args = ["run", "--months", ",".join(MONTHS), "--raw", str(raw), "--warehouse", str(wh)]
    assert main([*args, "--exports", str(wh.parent / "out")]) == 0
    yield raw, wh
    mp.undo()
