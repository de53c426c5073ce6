"""A run is the unit of change: a month that fails anywhere (a missing extract, a delivery mostly
quarantined, an exports folder that cannot be written) leaves the working warehouse, the published
copy and out/ exactly as the last good run left them; two runs on one warehouse never interleave; a
corrected month rebuilds the months after it; a lost salt is never silently replaced."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import table_checksums

from dagster_project.cli import main
from dagster_project.defs.resources import lock_holder

pytestmark = pytest.mark.integration


@pytest.fixture
def copy_of_built(built, tmp_path, monkeypatch) -> tuple[Path, Path, Path]:
    """(raw, working warehouse, exports) copied from the `built` fixture (2021-05 and 2021-06)."""
    raw, wh = built
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(wh.parent, tmp_path / "wh")
    monkeypatch.setenv("YWTB_SALT", "warehouse-salt")
    return tmp_path / "raw", tmp_path / "wh" / "ywtb.duckdb", tmp_path / "wh" / "out"


def state(working: Path, exports: Path) -> dict:
    """Everything a person reads after a run: both warehouse files and every exported file's bytes."""
    return {
        "working": table_checksums(working),
        "published": table_checksums(working.with_name("published.duckdb")),
        "exports": {
            str(p.relative_to(exports)): p.read_bytes() for p in sorted(exports.rglob("*")) if p.is_file()
        },
    }


def leftovers(working: Path, exports: Path) -> list[str]:
    hidden = [
        p.name for p in working.parent.iterdir() if p.name.endswith((".run", ".run.wal", ".next.duckdb"))
    ]
    return hidden + [p.name for p in exports.iterdir() if p.name.startswith(".")]


def run(raw: Path, working: Path, exports: Path, months: str) -> int:
    return main(
        ["run", "--months", months, "--raw", str(raw), "--warehouse", str(working), "--exports", str(exports)]
    )


def test_a_month_missing_an_extract_publishes_nothing_and_keeps_the_last_good_state(copy_of_built, capsys):
    raw, working, exports = copy_of_built
    before = state(working, exports)
    next((raw / "2021-06").glob("好差评*")).unlink()

    assert run(raw, working, exports, "2021-06") == 1

    err = capsys.readouterr().err
    assert "missing file for 好差评" in err and "2021-06  not published" in err
    assert state(working, exports) == before  # the seven other extracts were not half-replaced
    assert leftovers(working, exports) == []


def test_a_delivery_mostly_quarantined_fails_the_month_naming_the_file_and_the_share(copy_of_built, capsys):
    raw, working, exports = copy_of_built
    before = state(working, exports)
    cases = next((raw / "2021-06").glob("办件*.csv"))
    header, *rows = cases.read_text(encoding="utf-8").splitlines()
    col = header.split(",").index("受理时间")
    broken = [
        ",".join(v if i != col else "受理中" for i, v in enumerate(r.split(",")))
        for r in rows[: len(rows) // 5]
    ]
    cases.write_text("\n".join([header, *broken, *rows[len(rows) // 5 :]]) + "\n", encoding="utf-8")

    assert run(raw, working, exports, "2021-06") == 1

    err = capsys.readouterr().err
    assert f"{cases.relative_to(raw)}: " in err and "rows quarantined" in err and "publication.yaml" in err
    assert state(working, exports) == before


def test_a_run_whose_exports_cannot_be_written_publishes_nothing(copy_of_built):
    raw, working, _ = copy_of_built
    blocked = working.parent / "not-a-folder"
    blocked.write_text("a file where the exports folder should be")
    before = table_checksums(working.with_name("published.duckdb")), table_checksums(working)

    assert run(raw, working, blocked, "2021-06") == 1

    assert (table_checksums(working.with_name("published.duckdb")), table_checksums(working)) == before


def test_leftovers_of_a_killed_run_are_removed_by_the_next(copy_of_built):
    raw, working, exports = copy_of_built
    for leftover in (working.with_name(".ywtb.duckdb.run"), working.with_name(".published.next.duckdb")):
        leftover.write_bytes(b"half a file")
    (exports / ".run" / "2021-06").mkdir(parents=True)
    (exports / ".run" / "2021-06" / "annex1.csv").write_text("half")

    assert run(raw, working, exports, "2021-06") == 0

    assert leftovers(working, exports) == []
    assert (exports / "2021-06" / "annex1.csv").read_text().startswith("序号")


def test_rerunning_a_month_rebuilds_the_months_built_after_it(copy_of_built, built, capsys):
    raw, working, exports = copy_of_built
    assert run(raw, working, exports, "2021-05") == 0
    assert "rebuilding 2021-06 too" in capsys.readouterr().out
    assert table_checksums(working) == table_checksums(built[1])


def test_a_lost_salt_is_not_silently_replaced(tmp_path, built, monkeypatch, capsys):
    raw, wh = built
    shutil.copytree(wh.parent, tmp_path / "wh")
    working = tmp_path / "wh" / "ywtb.duckdb"
    monkeypatch.delenv("YWTB_SALT")

    assert run(raw, working, tmp_path / "out", "2021-06") == 2

    assert "salt file" in capsys.readouterr().err
    assert not working.with_name("ywtb.duckdb.salt").exists()


def test_two_runs_on_one_warehouse_queue_instead_of_interleaving(copy_of_built, tmp_path):
    raw, working, exports = copy_of_built
    # The second run's raw folder has June's cases cut to half: its published copy must hold them with
    # its own other extracts, never a mix of the two runs.
    other = tmp_path / "raw-b"
    shutil.copytree(raw, other)
    cases = next((other / "2021-06").glob("办件*.csv"))
    lines = cases.read_text(encoding="utf-8").splitlines()
    cases.write_text("\n".join(lines[: len(lines) * 3 // 4]) + "\n", encoding="utf-8")

    ywtb = str(Path(sys.executable).with_name("ywtb"))
    env = {"YWTB_SALT": "warehouse-salt", "PATH": "/usr/bin:/bin"}
    first = subprocess.Popen(
        [ywtb, "run", "--months", "2021-06", "--raw", str(raw), "--warehouse", str(working), "--exports", str(exports)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while lock_holder(working) is None:
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    second = subprocess.run(
        [ywtb, "run", "--months", "2021-06", "--raw", str(other), "--warehouse", str(working), "--exports", str(exports)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert first.wait() == 0 and second.returncode == 0, second.stderr
    assert "being written by another run" in second.stdout

    with duckdb.connect(working.with_name("published.duckdb"), read_only=True) as con:
        cases_loaded = con.execute("select count(*) from raw.cases where month = '2021-06-01'").fetchone()[0]
        flow = con.execute(
            "select sum(applied) from indicators.ind_case_flow__monthly where month = '2021-06-01'"
        ).fetchone()[0]
    assert cases_loaded < (len(lines) - 1) * 0.8  # the second run's cases…
    with duckdb.connect(working.with_name("published.duckdb"), read_only=True) as con:
        recount = con.execute(
            "select count(*) filter (where apply_time >= '2021-06-01') from raw.cases where month = '2021-06-01'"
        ).fetchone()[0]
    assert flow == recount  # …and the indicators built from those same cases
