"""`make bench`: the monthly materialization at province scale against the bare-DuckDB floor.

Generates (once, cached outside the repository) a month of BENCH_CASES cases (default 20 million, with
¾ as many evaluations and ⅒ as many certificates) and one of half as many; then, BENCH_RUNS times
each (default 3, medians reported):
  (a) the pipeline: `ywtb run` for the month on an empty warehouse, through Dagster, timed stage by
      stage from the run's events, with the peak memory (RSS of the run and its dbt child) per stage;
  (b) the floor: bench/floor.sql, the month's indicators by bare DuckDB straight from the same files;
  (b') for scale, bare DuckDB storing the same files in a database file as they are (no checks, no
      personal data removed, no indicators): what keeping the month's rows costs before anything else.
Then (c) months 1 to 10 of a year of BENCH_YEAR_CASES cases a month (default 2 million), materialized
one after the other into one warehouse, to see whether a month costs more with history behind it.
Writes BENCHMARKS.md and bench/results.json; `bench/run.py --report` rewrites BENCHMARKS.md from
bench/results.json without measuring. `bench/run.py --launches` measures only (d): one sample month
through `ywtb run` against the same month launched by Dagster itself (`dagster asset materialize`, the
code path of a run started from the UI), from the same warehouse, BENCH_RUNS times each.

  BENCH_CASES=20000000 BENCH_RUNS=3 BENCH_CACHE=~/.cache/ywtb-bench BENCH_WORKDIR=/tmp make bench
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MONTH = os.environ.get("BENCH_MONTH", "2021-06")
CASES = int(os.environ.get("BENCH_CASES", "20000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# Cases a month in the year measurement (months 1 to 10 into one warehouse); 0 skips it.
YEAR_CASES = int(os.environ.get("BENCH_YEAR_CASES", "2000000"))
CACHE = Path(os.environ.get("BENCH_CACHE", "~/.cache/ywtb-bench")).expanduser()
# Where the warehouses are written (default: the system's temporary folder). Its file system decides
# what the published copy costs: a clone on XFS or Btrfs, a whole copy on ext4.
WORKDIR = os.environ.get("BENCH_WORKDIR") or None
# Dagster step keys -> the stage they belong to
STAGES = {
    "raw__": "ingest (validate, quarantine)",
    "warehouse_": "dbt (staging, intermediate, marts, indicators, tests)",
    "scorecard": "scoring and annex tables",
    "completeness": "completeness",
    "exports__": "exports (annexes, ops tables, report, forms)",
    "published__": "published copy",
}


def stage_of(step: str) -> str:
    return next((stage for prefix, stage in STAGES.items() if step.startswith(prefix)), step)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, list[tuple[float, float]]]:
    """Wall seconds and (time, RSS MB) samples of a command and its children."""
    started = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        while proc.poll() is None:
            samples.append((time.time(), tree_rss_mb(proc.pid)))
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    thread.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return time.time() - started, samples


def generate(cases: int, months: str = MONTH) -> Path:
    raw = CACHE / f"{cases}" / "raw"
    marker = raw / f".{months}.done"
    if not marker.exists():
        print(f"generating {cases:,} cases a month for {months} into {raw} (once)", flush=True)
        subprocess.run(
            [BIN / "ywtb", "sample", "--months", months, "--cases", str(cases), "--out", str(raw)], check=True
        )
        marker.touch()
    return raw


def floor(raw: Path) -> tuple[float, float]:
    script = f"""
import datetime as dt, duckdb
params = {{"folder": {str(raw / MONTH)!r}, "month": dt.datetime.strptime({MONTH!r}, "%Y-%m"),
          "calendar": {str(ROOT / "dbt/seeds/ref_calendar_days.csv")!r}}}
con = duckdb.connect()
for stmt in open({str(ROOT / "bench/floor.sql")!r}).read().split(";"):
    if stmt.strip():
        con.execute(stmt, {{k: v for k, v in params.items() if "$" + k in stmt}}).fetchall()
"""
    wall, samples = measured([sys.executable, "-c", script], dict(os.environ))
    return wall, max((m for _, m in samples), default=0.0)


def storage(raw: Path) -> float:
    """Wall seconds for bare DuckDB to store the month's files in a database file as they are: each CSV
    into a table typed by DuckDB's sniffer, written to disk."""
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-store-", dir=WORKDIR) as tmp:
        script = f"""
import duckdb, pathlib
con = duckdb.connect({str(Path(tmp) / "stored.duckdb")!r})
for i, path in enumerate(sorted(pathlib.Path({str(raw / MONTH)!r}).glob("*.csv"))):
    con.execute(f"create table extract_{{i}} as select * from read_csv($p)", {{"p": str(path)}})
con.close()
"""
        wall, _ = measured([sys.executable, "-c", script], dict(os.environ))
    return wall


def pipeline(raw: Path, month: str = MONTH, workdir: Path | None = None):
    """Wall seconds, peak RSS and per-stage {seconds, peak_rss_mb} of one materialization: on an empty
    warehouse, or on the one in `workdir` (kept from earlier months)."""
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-", dir=WORKDIR) as tmp:
        work = workdir or Path(tmp)
        home = work / "dagster"
        home.mkdir(exist_ok=True)
        (home / "dagster.yaml").touch()
        env = dict(os.environ, DAGSTER_HOME=str(home), YWTB_SALT="bench", YWTB_EXPORTS=str(work / "out"))
        cmd = [
            str(BIN / "ywtb"),
            "run",
            "--months",
            month,
            "--raw",
            str(raw),
            "--warehouse",
            str(work / "wh.duckdb"),
        ]
        wall, samples = measured(cmd, env)
        stages = step_times(home)
    for stage in stages.values():
        inside = [m for t, m in samples if stage["start"] <= t <= stage["end"]]
        stage["peak_rss_mb"] = max(inside, default=0.0)
    return wall, max((m for _, m in samples), default=0.0), stages


def year(cases: int) -> dict:
    """Months 1 to 10 of a year materialized one after the other into one warehouse: does a month cost
    more when the months before it are already there?"""
    first, last = f"{MONTH[:4]}-01", f"{MONTH[:4]}-10"
    raw = generate(cases, f"{first}..{last}")
    seconds, stages = [], []
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-year-", dir=WORKDIR) as tmp:
        for m in range(1, 11):
            wall, _, by_stage = pipeline(raw, f"{MONTH[:4]}-{m:02d}", Path(tmp))
            seconds.append(wall)
            stages.append({name: s["seconds"] for name, s in by_stage.items()})
            print(f"year: month {m} of {cases:,} cases in {wall:.1f} s", flush=True)
    return {
        "cases_per_month": cases,
        "month_s": seconds,
        # Which stage grows, if one does: its seconds month by month.
        "stage_s": {name: [s.get(name, 0.0) for s in stages] for name in stages[0]},
        "first_s": seconds[0],
        "tenth_s": seconds[-1],
        "tenth_to_first": seconds[-1] / seconds[0],
    }


def step_times(home: Path) -> dict[str, dict[str, float]]:
    """Per stage: the sum of its steps' durations, and the span they ran in (from the run's events)."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(home)
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        starts, stages = {}, {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or not event.step_key:
                continue
            if event.event_type_value == "STEP_START":
                starts[event.step_key] = record.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                stage = stages.setdefault(
                    stage_of(event.step_key), {"seconds": 0.0, "start": 1e18, "end": 0.0}
                )
                stage["seconds"] += record.timestamp - starts[event.step_key]
                stage["start"] = min(stage["start"], starts[event.step_key])
                stage["end"] = max(stage["end"], record.timestamp)
    return stages


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem = (
        int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        / 1024
        / 1024
    )
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def file_system(path: Path) -> str:
    """The type of the file system a path is on (the longest mount point above it)."""
    path = path.resolve()
    mounts = [line.split()[1:3] for line in Path("/proc/mounts").read_text().splitlines()]
    return max(
        ((point, kind) for point, kind in mounts if path.is_relative_to(point)), key=lambda m: len(m[0])
    )[1]


def main() -> None:
    results: dict = {
        "month": MONTH,
        "machine": machine(),
        "runs": RUNS,
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "warehouse_file_system": file_system(Path(WORKDIR or tempfile.gettempdir())),
    }
    for label, cases in (("large", CASES), ("half", CASES // 2)):
        raw = generate(cases)
        floors = [floor(raw) for _ in range(RUNS)]
        stored = [storage(raw) for _ in range(RUNS)]
        runs = [pipeline(raw) for _ in range(RUNS)]
        stages = {
            name: {
                "seconds": statistics.median(r[2][name]["seconds"] for r in runs if name in r[2]),
                "peak_rss_mb": max(r[2][name]["peak_rss_mb"] for r in runs if name in r[2]),
            }
            for name in runs[0][2]
        }
        results[label] = {
            "cases": cases,
            "floor_s": statistics.median(w for w, _ in floors),
            "floor_peak_rss_mb": max(m for _, m in floors),
            "storage_s": statistics.median(stored),
            "pipeline_s": statistics.median(w for w, _, _ in runs),
            "peak_rss_mb": max(m for _, m, _ in runs),
            "stages": stages,
        }
        results[label]["ratio"] = results[label]["pipeline_s"] / results[label]["floor_s"]
        results[label]["cases_per_s"] = cases / results[label]["pipeline_s"]
        print(json.dumps(results[label], indent=1), flush=True)
    large, half = results["large"], results["half"]
    results |= {
        "floor_s": large["floor_s"],
        "pipeline_s": large["pipeline_s"],
        "ratio": large["ratio"],
        "peak_rss_mb": large["peak_rss_mb"],
        "growth_10m_to_20m": large["pipeline_s"] / half["pipeline_s"],
    }
    if YEAR_CASES:
        results["year"] = year(YEAR_CASES)
        results["tenth_to_first_month"] = results["year"]["tenth_to_first"]
    results["launches"] = launches()
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (ROOT / "BENCHMARKS.md").write_text(report(results))
    print(f"wrote {ROOT / 'BENCHMARKS.md'} and bench/results.json")


def report(r: dict) -> str:
    large, half = r["large"], r["half"]
    lines = [
        "# Benchmarks",
        "",
        f"`make bench` on {r['machine']}, {r['measured_at']}; month {r['month']}; median of {r['runs']} runs; "
        f"warehouses on {r.get('warehouse_file_system', '?')}.",
        "",
        "| | cases | pipeline | floor (bare DuckDB) | ratio | cases/s | peak RSS | storing the files (bare DuckDB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in ("large", "half"):
        x = r[label]
        stored = (
            f"{x['storage_s']:.1f} s ({x['storage_s'] / x['floor_s']:.1f}× the floor)"
            if "storage_s" in x
            else "—"
        )
        lines.append(
            f"| {label} | {x['cases']:,} | {x['pipeline_s']:.1f} s | {x['floor_s']:.1f} s | {x['ratio']:.1f}× | "
            f"{x['cases_per_s']:,.0f} | {x['peak_rss_mb']:,.0f} MB | {stored} |"
        )
    lines += [
        "",
        "The floor computes the indicators in memory and keeps nothing. *Storing the files* is bare DuckDB "
        "writing the month's CSV files into a database file as they are (no checks, personal data kept, no "
        "indicators): the least a pipeline that keeps the month's rows pays before it does anything else.",
    ]
    bound = ingest_at_storage_cost(large)
    if bound is not None:
        lines += [
            "",
            f"Had ingest cost no more than storing the files, with every later stage taking what it took "
            f"(dbt, completeness, scoring, exports, the published copy), the {large['cases']:,}-case month "
            f"would have taken {bound:.1f} s ({large['storage_s']:.1f} s storing, {bound - large['storage_s']:.1f} s "
            f"after ingest): {bound / large['floor_s']:.1f}× the floor. That is as far as making validation, "
            "quarantine and hashing free could take it.",
        ]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines += [
        "",
        "| target | measured | |",
        "|---|---:|---|",
        f"| pipeline ≤ 3× the floor | {r['ratio']:.1f}× | {verdict(r['ratio'] <= 3)} |",
        f"| peak memory ≤ 4096 MB | {r['peak_rss_mb']:,.0f} MB | {verdict(r['peak_rss_mb'] <= 4096)} |",
        f"| {large['cases']:,} cases ≤ 2.2× the time of {half['cases']:,} | {r['growth_10m_to_20m']:.2f}× | "
        f"{verdict(r['growth_10m_to_20m'] <= 2.2)} |",
        year_verdict(r),
        "",
        f"## Stages ({large['cases']:,} cases)",
        "",
        "| stage | seconds | cases/s | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    for name, s in large["stages"].items():
        lines.append(
            f"| {name} | {s['seconds']:.1f} | {large['cases'] / max(s['seconds'], 1e-9):,.0f} | {s['peak_rss_mb']:,.0f} MB |"
        )
    if "year" in r:
        y = r["year"]
        lines += [
            "",
            f"## A year ({y['cases_per_month']:,} cases a month, months 1 to 10 into one warehouse)",
            "",
            "| month | " + " | ".join(str(m) for m in range(1, 11)) + " |",
            "|---|" + "---:|" * 10,
            "| seconds | " + " | ".join(f"{s:.1f}" for s in y["month_s"]) + " |",
            *(
                f"| {name} | " + " | ".join(f"{s:.1f}" for s in per_month) + " |"
                for name, per_month in y.get("stage_s", {}).items()
            ),
        ]
    lines += launches_report(r)
    return "\n".join(lines) + "\n"


def ingest_at_storage_cost(x: dict) -> float | None:
    """Seconds for the month had ingest cost only what bare DuckDB storing the files costs, every later
    stage as measured: the most that speeding up ingest alone could bring."""
    if "storage_s" not in x:
        return None
    later = sum(s["seconds"] for name, s in x["stages"].items() if not name.startswith("ingest"))
    return x["storage_s"] + later


def year_verdict(r: dict) -> str:
    if "year" not in r:
        return "| 10th month of a year no slower than the 1st | not measured (BENCH_YEAR_CASES=0) | |"
    y = r["year"]
    return (
        f"| 10th month of a year no slower than the 1st | {y['tenth_s']:.1f} s against {y['first_s']:.1f} s "
        f"({y['tenth_to_first']:.2f}×){grown_stages(y)} | {'met' if y['tenth_to_first'] <= 1 else '**not met**'} |"
    )


def grown_stages(y: dict) -> str:
    """The stages that took longer in the 10th month than in the 1st by more than noise (more than a
    second and more than a tenth of the 1st month's time), to say where a growth with the history
    comes from."""
    grown = [
        f"{name} {per_month[0]:.1f} → {per_month[-1]:.1f} s"
        for name, per_month in y.get("stage_s", {}).items()
        if per_month[-1] - per_month[0] > max(1.0, 0.1 * per_month[0])
    ]
    return f"; grew: {', '.join(grown)}" if grown else ""


def launches() -> dict:
    """(d) `ywtb run` and Dagster's own launch of the same sample month, each from a copy of one
    warehouse that holds the month before: the UI's backfill must not cost much more than the CLI."""
    import shutil

    month, before = "2021-06", "2021-05"
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-launch-", dir=WORKDIR) as tmp:
        work = Path(tmp)
        raw = work / "raw"
        subprocess.run(
            [BIN / "ywtb", "sample", "--months", f"{before},{month}", "--scale", "0.005", "--out", str(raw)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        home = work / "dagster"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = dict(os.environ, DAGSTER_HOME=str(home), YWTB_SALT="bench", YWTB_RAW_DIR=str(raw))
        start = work / "start"
        args = ["--warehouse", str(start / "ywtb.duckdb"), "--exports", str(start / "out")]
        subprocess.run(
            [BIN / "ywtb", "run", "--months", before, *args], env=env, check=True, stdout=subprocess.DEVNULL
        )
        subprocess.run([BIN / "ywtb", "months"], env=env, check=True, stdout=subprocess.DEVNULL)  # registers

        def timed(cmd: list, folder: Path) -> float:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(start, folder)
            run_env = env | {
                "YWTB_WAREHOUSE": str(folder / "ywtb.duckdb"),
                "YWTB_EXPORTS": str(folder / "out"),
            }
            return measured(cmd, run_env)[0]

        cli = [BIN / "ywtb", "run", "--months", month]
        dagster = [BIN / "dagster", "asset", "materialize", "-m", "dagster_project.definitions"]
        dagster += ["--select", "*", "--partition", month]
        pairs = [(timed(cli, work / "cli"), timed(dagster, work / "dagster-launch")) for _ in range(RUNS)]
    return {
        "month": month,
        "ywtb_run_s": statistics.median(c for c, _ in pairs),
        "dagster_launch_s": statistics.median(d for _, d in pairs),
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
    }


def launches_report(r: dict) -> list[str]:
    if "launches" not in r:
        return []
    launch = r["launches"]
    ratio = launch["dagster_launch_s"] / launch["ywtb_run_s"]
    return [
        "",
        "## A month from the UI against `ywtb run`",
        "",
        f"One sample month ({launch['month']}, scale 0.005) on a warehouse holding the month before, "
        f"{launch['measured_at']}, median of {r['runs']}: `ywtb run` {launch['ywtb_run_s']:.1f} s; launched "
        f"by Dagster itself (`dagster asset materialize`, what a run started from the UI executes) "
        f"{launch['dagster_launch_s']:.1f} s, {ratio:.2f}× (target ≤ 1.5×: "
        f"{'met' if ratio <= 1.5 else '**not met**'}).",
    ]


def rewrite_report() -> None:
    """BENCHMARKS.md again from bench/results.json, without measuring (after a change to the report)."""
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    (ROOT / "BENCHMARKS.md").write_text(report(results))


if __name__ == "__main__":
    if sys.argv[1:] == ["--report"]:
        rewrite_report()
    elif sys.argv[1:] == ["--launches"]:
        path = ROOT / "bench" / "results.json"
        results = json.loads(path.read_text())
        results["launches"] = launches()
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        (ROOT / "BENCHMARKS.md").write_text(report(results))
    else:
        main()
