"""`make bench`: the monthly materialization at three sizes against bare DuckDB.

Generates (once, cached outside the repository) months of cases: a year of BENCH_YEAR_CASES a month
(default 2 million, a city), a month of BENCH_CASES (default 20 million, a province, with ¾ as many
evaluations and ⅒ as many certificates) and one of half as many. Then, BENCH_RUNS times each (default
3, medians reported), for the city month from the year, the half and the province month:
  (a) the pipeline: `ywtb run` for the month on an empty warehouse, through Dagster, timed stage by
      stage from the run's events (and the run's own costs outside the steps: its copy of the working
      warehouse, the commit, Dagster between steps), with the peak memory (RSS) per stage;
  (b) the compute floor: bare DuckDB computing the month's indicators straight from the same files,
      keeping nothing (bench/floor.py compute);
  (c) the keep floor: bare DuckDB storing the same files in a database file, one table an extract,
      then computing the indicators from what it stored (bench/floor.py keep).
Then (d) months 1 to 10 of the year, materialized one after the other into one warehouse, to see
whether a month costs more with history behind it (the run's copy of the working warehouse and the
published copy are made from a warehouse that grows).
Then (e) one sample month through `ywtb run` against the same month launched by Dagster itself
(`dagster asset materialize`, the code path of a run started from the UI), from the same warehouse,
BENCH_RUNS times each. Last, (f) where ingest's time goes: the first BENCH_PROFILE_BATCHES batches
(default 8) of the large month's cases file through the boundary column by column
(bench/ingest_profile.py).
Writes BENCHMARKS.md and bench/results.json; `bench/run.py --report` rewrites BENCHMARKS.md from
bench/results.json without measuring, `bench/run.py --parts year,launches` measures those parts only
(of sizes, year, launches, monitoring, profile), keeping the others' figures.

  BENCH_CASES=20000000 BENCH_RUNS=3 BENCH_CACHE=~/.cache/ywtb-bench BENCH_WORKDIR=/tmp make bench

BENCH_NOTE is printed under the heading of BENCHMARKS.md: what a reader should know about the run
(fewer runs than usual, a shared machine).
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

from dagster_project.instance import write_instance_config

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MONTH = os.environ.get("BENCH_MONTH", "2021-06")
CASES = int(os.environ.get("BENCH_CASES", "20000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# Cases a month in the year (months 1 to 10 into one warehouse), and of the city month; 0 skips both.
YEAR_CASES = int(os.environ.get("BENCH_YEAR_CASES", "2000000"))
CACHE = Path(os.environ.get("BENCH_CACHE", "~/.cache/ywtb-bench")).expanduser()
# Where the warehouses are written (default: the system's temporary folder). Its file system decides
# what the copies cost: a clone on XFS or Btrfs, the spare brought up to date on ext4.
WORKDIR = os.environ.get("BENCH_WORKDIR") or None
YEAR = f"{MONTH[:4]}-01..{MONTH[:4]}-10"
# Batches of the large month's cases file profiled column by column (bench/ingest_profile.py); 0 skips it.
PROFILE_BATCHES = int(os.environ.get("BENCH_PROFILE_BATCHES", "8"))
# Open cases in the daily monitoring's as-of delivery (bench/monitoring.py); 0 skips it.
MONITOR_CASES = int(os.environ.get("BENCH_MONITOR_CASES", "2000000"))
# The sizes measured against the floors, by label.
SIZES = {"city": YEAR_CASES, "half": CASES // 2, "large": CASES}
# Dagster step keys -> the stage they belong to
STAGES = {
    "raw__": "ingest (validate, quarantine)",
    "warehouse_": "dbt (staging, intermediate, marts, indicators, tests)",
    "scorecard": "scoring and annex tables",
    "completeness": "completeness",
    "exports__": "exports (annexes, ops tables, report, forms)",
    "published__": "published copy",
}
PUBLISHED = STAGES["published__"]
# A run's costs outside its steps, from its events (see run_costs).
RUN_COPY = "run's copy of the working warehouse"
COMMIT = "commit (checkpoint, renames)"
BETWEEN = "Dagster between steps"
PROCESS = "process start and exit"
# The model that reads the year's facts for the year to date (docs/performance.md), timed by dbt.
YEAR_TO_DATE_MODEL_NAME = "ind_certificates"
YEAR_TO_DATE = f"of dbt: the year to date of certificates ({YEAR_TO_DATE_MODEL_NAME})"


def stage_of(step: str) -> str:
    return next((stage for prefix, stage in STAGES.items() if step.startswith(prefix)), step)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
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


def measured(cmd: list, env: dict[str, str]) -> tuple[float, list[tuple[float, float]], str]:
    """Wall seconds, (time, RSS MiB) samples of a command and its children, and what it printed."""
    started = time.time()
    proc = subprocess.Popen(
        [str(c) for c in cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        while proc.poll() is None:
            samples.append((time.time(), tree_rss_mb(proc.pid)))
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    thread.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(str(c) for c in cmd)} failed:\n{err[-3000:]}")
    return time.time() - started, samples, out


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


def raw_for(cases: int) -> Path:
    """The month's files: the city month is the year's month, generated once with the year."""
    return generate(cases, YEAR) if cases == YEAR_CASES else generate(cases)


def floor(raw: Path) -> dict:
    """The compute floor: wall seconds and peak RSS of bare DuckDB computing the indicators from the files."""
    cmd = [sys.executable, ROOT / "bench/floor.py", "compute", raw / MONTH, MONTH]
    wall, samples, _ = measured(cmd, dict(os.environ))
    return {"s": wall, "peak_rss_mb": max((m for _, m in samples), default=0.0)}


def keep_floor(raw: Path) -> dict:
    """The keep floor: wall seconds of bare DuckDB storing the month's files in a database file and
    computing the indicators from the stored tables, and of the storing alone."""
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-keep-", dir=WORKDIR) as tmp:
        cmd = [sys.executable, ROOT / "bench/floor.py", "keep", raw / MONTH, MONTH, Path(tmp) / "kept.duckdb"]
        wall, samples, out = measured(cmd, dict(os.environ))
    return {
        "s": wall,
        "stored_s": json.loads(out)["stored_s"],
        "peak_rss_mb": max((m for _, m in samples), default=0.0),
    }


def pipeline(raw: Path, month: str = MONTH, workdir: Path | None = None) -> dict:
    """One materialization, on an empty warehouse or on the one in `workdir` (kept from earlier
    months): wall seconds, peak RSS, per stage {seconds, peak_rss_mb}, and the run's costs outside
    its steps."""
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-", dir=WORKDIR) as tmp:
        work = workdir or Path(tmp)
        home = work / "dagster"
        write_instance_config(home)
        env = dict(os.environ, DAGSTER_HOME=str(home), YWTB_SALT="bench", YWTB_EXPORTS=str(work / "out"))
        cmd = [BIN / "ywtb", "run", "--months", month, "--raw", raw, "--warehouse", work / "wh.duckdb"]
        wall, samples, _ = measured(cmd, env)
        stages, costs = run_events(home, wall)
    for stage in stages.values():
        start, end = stage.pop("start"), stage.pop("end")
        stage["peak_rss_mb"] = max((m for t, m in samples if start <= t <= end), default=0.0)
    return {
        "s": wall,
        "peak_rss_mb": max((m for _, m in samples), default=0.0),
        "stages": stages,
        "run": costs,
    }


def year(cases: int) -> dict:
    """Months 1 to 10 of a year materialized one after the other into one warehouse: does a month cost
    more when the months before it are already there?"""
    raw = generate(cases, YEAR)
    months = []
    with tempfile.TemporaryDirectory(prefix="ywtb-bench-year-", dir=WORKDIR) as tmp:
        for m in range(1, 11):
            months.append(pipeline(raw, f"{MONTH[:4]}-{m:02d}", Path(tmp)))
            print(f"year: month {m} of {cases:,} cases in {months[-1]['s']:.1f} s", flush=True)
    return {
        "cases_per_month": cases,
        "month_s": [x["s"] for x in months],
        # Which stage grows, if one does: its seconds month by month.
        "stage_s": {
            name: [x["stages"].get(name, {}).get("seconds", 0.0) for x in months]
            for name in months[0]["stages"]
        },
        "run_s": {name: [x["run"].get(name, 0.0) for x in months] for name in months[0]["run"]},
    }


def run_events(home: Path, wall: float) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """From the events of the instance's last run: per stage the sum of its steps' durations and the
    span they ran in; and the run's costs outside its steps:
    - its copy of the working warehouse, made while the warehouse resource is set up;
    - the commit, from the end of the last step to the end of the run (the run's files swapped in);
    - Dagster between steps: the rest of the run's span;
    - the process starting (imports, definitions) and exiting: the rest of the wall time."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(home)
    kind = dg.DagsterEventType
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        starts, stages, marks, year_to_date = {}, {}, {}, 0.0
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None:
                continue
            if event.event_type in (kind.RUN_START, kind.RUN_SUCCESS, kind.RUN_FAILURE):
                marks[event.event_type] = record.timestamp
            elif event.event_type == kind.RESOURCE_INIT_STARTED:
                marks.setdefault(kind.RESOURCE_INIT_STARTED, record.timestamp)
            elif event.event_type == kind.RESOURCE_INIT_SUCCESS:
                marks[kind.RESOURCE_INIT_SUCCESS] = record.timestamp
            elif event.event_type == kind.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type == kind.ASSET_MATERIALIZATION and event.asset_key == dg.AssetKey(
                ["indicators", YEAR_TO_DATE_MODEL_NAME]
            ):
                year_to_date = event.event_specific_data.materialization.metadata["seconds"].value
            elif event.event_type in (kind.STEP_SUCCESS, kind.STEP_FAILURE):
                stage = stages.setdefault(
                    stage_of(event.step_key), {"seconds": 0.0, "start": 1e18, "end": 0.0}
                )
                stage["seconds"] += record.timestamp - starts[event.step_key]
                stage["start"] = min(stage["start"], starts[event.step_key])
                stage["end"] = max(stage["end"], record.timestamp)
        first = min(r.timestamp for r in instance.all_logs(run.run_id))
    end = marks.get(kind.RUN_SUCCESS, marks.get(kind.RUN_FAILURE, 0.0))
    steps = sum(s["seconds"] for s in stages.values())
    copy = marks.get(kind.RESOURCE_INIT_SUCCESS, 0.0) - marks.get(kind.RESOURCE_INIT_STARTED, 0.0)
    commit = end - max(s["end"] for s in stages.values())
    costs = {
        RUN_COPY: copy,
        COMMIT: commit,
        BETWEEN: end - marks[kind.RUN_START] - steps - copy - commit,
        PROCESS: wall - (end - first),
        YEAR_TO_DATE: year_to_date,  # inside the dbt stage, not outside the steps
    }
    return stages, costs


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


def size(cases: int) -> dict:
    """One size, BENCH_RUNS times: the floors and the pipeline, medians (peaks: the highest)."""
    raw = raw_for(cases)
    floors = [floor(raw) for _ in range(RUNS)]
    kept = [keep_floor(raw) for _ in range(RUNS)]
    runs = [pipeline(raw) for _ in range(RUNS)]
    return {
        "cases": cases,
        "floor_s": statistics.median(f["s"] for f in floors),
        "floor_peak_rss_mb": max(f["peak_rss_mb"] for f in floors),
        "keep_s": statistics.median(k["s"] for k in kept),
        "keep_stored_s": statistics.median(k["stored_s"] for k in kept),
        "keep_peak_rss_mb": max(k["peak_rss_mb"] for k in kept),
        "pipeline_s": statistics.median(r["s"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "stages": {
            name: {
                "seconds": statistics.median(
                    r["stages"][name]["seconds"] for r in runs if name in r["stages"]
                ),
                "peak_rss_mb": max(r["stages"][name]["peak_rss_mb"] for r in runs if name in r["stages"]),
            }
            for name in runs[0]["stages"]
        },
        "run": {name: statistics.median(r["run"][name] for r in runs) for name in runs[0]["run"]},
    }


PARTS = ("sizes", "year", "launches", "monitoring", "profile")


def main(only: list[str] | None = None) -> None:
    """Every part in order, or `only` those (of PARTS), the others' figures kept from
    bench/results.json: to finish a benchmark stopped half-way."""
    results: dict = {
        "month": MONTH,
        "machine": machine(),
        "runs": RUNS,
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "warehouse_file_system": file_system(Path(WORKDIR or tempfile.gettempdir())),
        "note": os.environ.get("BENCH_NOTE", ""),
        # Other processes' load distorts every figure: said with them.
        "load_average_at_start": os.getloadavg()[0],
    }
    results_file = ROOT / "bench" / "results.json"
    if results_file.exists() and "ingest_profile" in (old := json.loads(results_file.read_text())):
        results["ingest_profile"] = old["ingest_profile"]  # until profiled again, last
    if only:
        if unknown := set(only) - set(PARTS):
            raise SystemExit(f"no part {', '.join(sorted(unknown))}: the parts are {', '.join(PARTS)}")
        results = json.loads(results_file.read_text())
    todo = set(only or PARTS)

    def save() -> None:
        """After each part, so that a benchmark stopped half-way still reports what it measured."""
        results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        (ROOT / "BENCHMARKS.md").write_text(report(results))

    for label, cases in SIZES.items():
        if cases and "sizes" in todo:
            results[label] = size(cases)
            print(label, json.dumps(results[label], indent=1), flush=True)
            save()
    if YEAR_CASES and "year" in todo:
        results["year"] = year(YEAR_CASES)
        save()
    if "launches" in todo:
        results["launches"] = launches()
        save()
    if MONITOR_CASES and "monitoring" in todo:
        runs = [monitoring(MONITOR_CASES) for _ in range(RUNS)]
        results["monitoring"] = min(runs, key=lambda x: x["monitor_s"]) | {
            "monitor_s": statistics.median(x["monitor_s"] for x in runs)
        }
        save()
    if PROFILE_BATCHES and "profile" in todo:  # it adds its figures to results.json itself
        subprocess.run(
            [sys.executable, ROOT / "bench/ingest_profile.py", str(CASES), "cases", str(PROFILE_BATCHES)],
            check=True,
        )
        results["ingest_profile"] = json.loads(results_file.read_text())["ingest_profile"]
        save()
    print(f"wrote {ROOT / 'BENCHMARKS.md'} and bench/results.json")


def monitoring(open_cases: int) -> dict:
    """A day's monitoring of `open_cases` open cases against bare DuckDB computing the same warnings."""
    raw = CACHE / "monitoring" / "raw"
    out = subprocess.run(
        [sys.executable, ROOT / "bench/monitoring.py", str(open_cases), raw],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def monitoring_report(r: dict) -> list[str]:
    m = r.get("monitoring")
    if not m:
        return []
    ratio = m["monitor_s"] / m["floor_s"]
    return [
        "",
        "## The daily monitoring",
        "",
        f"`ywtb monitor` of one as-of day with {m['open_cases']:,} open cases on an empty warehouse "
        f"(bench/monitoring.py): {m['monitor_s']:.1f} s, against {m['floor_s']:.2f} s for bare DuckDB "
        f"computing the same warnings from the file and the calendar ({ratio:.1f}×; target a few times: "
        f"{verdict(ratio <= 5)}). Both found {', '.join(f'{k} {v:,}' for k, v in sorted(m['levels'].items()))}.",
    ]


# --- the report: pure functions of the figures ---------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def share(part: float, whole: float) -> str:
    return f"{part:.1f} s ({part / whole:.0%})"


def targets(r: dict) -> list[tuple[str, str, bool]]:
    """The issue's targets, each (what, the figure measured, met): only those whose figures exist."""
    rows = []
    for label, compute_max, keep_max in (("city", 6, 3), ("large", 5, 2.5)):
        if label not in r:
            continue
        x = r[label]
        month = f"a {x['cases']:,}-case month"
        for floor_name, key, most in (("compute", "floor_s", compute_max), ("keep", "keep_s", keep_max)):
            ratio = x["pipeline_s"] / x[key]
            rows.append(
                (
                    f"{month} ≤ {most:g}× the {floor_name} floor",
                    f"{ratio:.1f}× ({x['pipeline_s']:.1f} s against {x[key]:.1f} s)",
                    ratio <= most,
                )
            )
    if "large" in r:
        large = r["large"]
        rows.append(
            (
                f"peak memory of the {large['cases']:,}-case month ≤ 4 GiB",
                f"{large['peak_rss_mb'] / 1024:.2f} GiB",
                large["peak_rss_mb"] <= 4096,
            )
        )
        if "half" in r:
            half = r["half"]
            growth = large["pipeline_s"] / half["pipeline_s"]
            rows.append(
                (
                    f"{large['cases']:,} cases ≤ 2.2× the time of {half['cases']:,}",
                    f"{growth:.2f}× ({large['pipeline_s']:.1f} s against {half['pipeline_s']:.1f} s)",
                    growth <= 2.2,
                )
            )
    if "year" in r:
        y = r["year"]
        first, tenth = y["month_s"][0], y["month_s"][-1]
        rows.append(
            (
                "the 10th month of a year ≤ 1.15× the 1st",
                f"{tenth / first:.2f}× ({tenth:.1f} s against {first:.1f} s){grown_stages(y)}"
                + year_to_date_share(y),
                tenth / first <= 1.15,
            )
        )
    return rows


def year_to_date_share(y: dict) -> str:
    """What the year to date of certificates, which grows with the year by design, costs in the 1st
    and the 10th month."""
    per_month = y.get("run_s", {}).get(YEAR_TO_DATE)
    if not per_month:
        return ""
    first, tenth = per_month[0], per_month[-1]
    return (
        f"; the year to date of certificates ({YEAR_TO_DATE_MODEL_NAME}, accepted growth) took "
        f"{share(first, y['month_s'][0])} of the 1st month, {share(tenth, y['month_s'][-1])} of the 10th"
    )


def grown_stages(y: dict) -> str:
    """The stages (and run costs) that took longer in the 10th month than in the 1st by more than
    noise (more than a second and more than a tenth of the 1st month's time), to say where a growth
    with the history comes from."""
    grown = [
        f"{name} {per_month[0]:.1f} → {per_month[-1]:.1f} s"
        for name, per_month in (y.get("stage_s", {}) | y.get("run_s", {})).items()
        if per_month[-1] - per_month[0] > max(1.0, 0.1 * per_month[0])
    ]
    return f"; grew: {', '.join(grown)}" if grown else ""


def fixed_costs(r: dict) -> list[str]:
    """What the run's copies and its commit cost, as shares of the month: at each size on an empty
    warehouse, and in the 1st and 10th months of the year, where they copy a growing warehouse."""
    rows = []
    for label in SIZES:
        if label in r:
            x = r[label]
            rows.append(
                (
                    f"{x['cases']:,} cases, empty warehouse",
                    x["pipeline_s"],
                    x["stages"].get(PUBLISHED, {}).get("seconds", 0.0),
                    x.get("run", {}),
                )
            )
    if "year" in r:
        y = r["year"]
        for i, name in ((0, "1st"), (9, "10th")):
            run = {k: v[i] for k, v in y.get("run_s", {}).items()}
            rows.append(
                (
                    f"{y['cases_per_month']:,} cases, {name} month of the year",
                    y["month_s"][i],
                    y["stage_s"].get(PUBLISHED, [0.0] * 10)[i],
                    run,
                )
            )
    lines = [
        "| month | seconds | run's copy of the working warehouse | published copy | commit | Dagster between steps | process start and exit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for what, month_s, published, run in rows:
        if not run:  # figures from before the run's costs were measured
            lines.append(f"| {what} | {month_s:.1f} | — | {share(published, month_s)} | — | — | — |")
            continue
        lines.append(
            f"| {what} | {month_s:.1f} | {share(run[RUN_COPY], month_s)} | {share(published, month_s)} | "
            f"{share(run[COMMIT], month_s)} | {share(run[BETWEEN], month_s)} | {share(run[PROCESS], month_s)} |"
        )
    return lines


def report(r: dict) -> str:
    sizes = [r[label] for label in SIZES if label in r]
    runs = f"median of {r['runs']} runs" if r["runs"] > 1 else "one run each (BENCH_RUNS=1)"
    lines = [
        "# Benchmarks",
        "",
        f"`make bench` on {r['machine']}, {r['measured_at']}; month {r['month']}; {runs}; "
        f"warehouses on {r.get('warehouse_file_system', '?')}"
        + (
            f"; load average {r['load_average_at_start']:.1f} when it started."
            if "load_average_at_start" in r
            else "."
        ),
    ]
    if r.get("note"):
        lines += ["", r["note"]]
    lines += [
        "",
        "| cases | pipeline | compute floor | × | keep floor (of which storing) | × | cases/s | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for x in sizes:
        lines.append(
            f"| {x['cases']:,} | {x['pipeline_s']:.1f} s | {x['floor_s']:.1f} s | {x['pipeline_s'] / x['floor_s']:.1f}× | "
            f"{x['keep_s']:.1f} s ({x['keep_stored_s']:.1f} s) | {x['pipeline_s'] / x['keep_s']:.1f}× | "
            f"{x['cases'] / x['pipeline_s']:,.0f} | {x['peak_rss_mb']:,.0f} MiB |"
        )
    lines += [
        "",
        "The *compute floor* is bare DuckDB computing the month's indicators straight from the files, "
        "keeping nothing. The *keep floor* is bare DuckDB storing every file of the month in a table of a "
        "database file, typed as its CSV sniffer reads them (no checks, personal data kept), then computing "
        "the same indicators from the stored tables: the least a pipeline that keeps the month pays "
        "(`bench/floor.py`, `bench/floor.sql`). Each month runs on an empty warehouse.",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *(f"| {what} | {figure} | {verdict(ok)} |" for what, figure, ok in targets(r)),
        "",
        "## Fixed costs of a run",
        "",
        "A run works on a copy of the working warehouse, made when it starts (a clone on XFS or Btrfs; on "
        "ext4 the spare, the file of two runs ago, brought up to date), prepares the analysts' published "
        "copy the same way in its last step, and at the end swaps its files in. Their seconds, and their "
        "share of the month:",
        "",
        *fixed_costs(r),
    ]
    if sizes:
        lines += [
            "",
            "## Stages",
            "",
            "| stage | "
            + " | ".join(f"{x['cases']:,}" for x in sizes)
            + f" | peak RSS at {sizes[-1]['cases']:,} |",
            "|---|" + "---:|" * (len(sizes) + 1),
        ]
        for name, s in sizes[-1]["stages"].items():
            seconds = " | ".join(f"{x['stages'].get(name, {}).get('seconds', 0.0):.1f} s" for x in sizes)
            lines.append(f"| {name} | {seconds} | {s['peak_rss_mb']:,.0f} MiB |")
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
                for name, per_month in (y.get("stage_s", {}) | y.get("run_s", {})).items()
            ),
        ]
    lines += ingest_profile_report(r)
    lines += launches_report(r)
    lines += monitoring_report(r)
    return "\n".join(lines) + "\n"


def ingest_profile_report(r: dict) -> list[str]:
    """Where ingest's time goes (bench/ingest_profile.py): per column the seconds of each step, then
    the steps over the whole batch, and the total of the same batches run as the pipeline runs them."""
    lines = []
    for extract, p in r.get("ingest_profile", {}).items():
        steps = ["clean", "status", "hash", "mask", "parse"]
        per_column: dict[str, dict[str, float]] = {}
        whole_batch = {}
        # CPU seconds where measured: steadier than wall seconds on a shared machine.
        by_column, whole = (
            (p["by_column_cpu_s"], p["whole_cpu_s"])
            if "by_column_cpu_s" in p
            else (p["by_column_s"], p["whole_s"])
        )
        measure = "CPU seconds (every thread of the process)" if "by_column_cpu_s" in p else "wall seconds"
        for what, seconds in by_column.items():
            column, _, step = what.partition(": ")
            if step:
                per_column.setdefault(column, {})[step] = seconds
            else:
                whole_batch[what] = seconds
        total = sum(by_column.values())
        batches = {"all": "every batch", 1: "the first batch"}.get(
            p["batches"], f"the first {p['batches']} batches"
        )
        lines += [
            "",
            f"## Where ingest's time goes ({extract}, {p['month_cases']:,}-case month)",
            "",
            f"`bench/ingest_profile.py`, {p['measured_at']}: {batches} of the file ({p['rows']:,} rows), "
            f"each step run on one column at a time; {measure}. As the pipeline runs them (all columns "
            "at once, polars in parallel) the same batches took "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in whole.items())
            + f" ({sum(whole.values()):.1f} s); one column at a time, {total:.1f} s.",
            "",
            "| column | " + " | ".join(steps) + " | total | share |",
            "|---|" + "---:|" * (len(steps) + 2),
        ]
        for column, by_step in sorted(per_column.items(), key=lambda kv: -sum(kv[1].values())):
            cells = " | ".join(f"{by_step[s]:.2f}" if s in by_step else "" for s in steps)
            lines.append(
                f"| {column} | {cells} | {sum(by_step.values()):.2f} | {sum(by_step.values()) / total:.0%} |"
            )
        lines += ["", "| over the whole batch | seconds | share |", "|---|---:|---:|"]
        lines += [
            f"| {what} | {seconds:.2f} | {seconds / total:.0%} |" for what, seconds in whole_batch.items()
        ]
    return lines


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
        write_instance_config(home)
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
        # The monthly job's assets: the daily and weekly ones have partitions of their own.
        dagster += ["--select", "not group:daily and not group:monitoring and not group:bulletin"]
        dagster += ["--partition", month]
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
    elif sys.argv[1:2] == ["--parts"] and len(sys.argv) == 3:
        main(only=sys.argv[2].split(","))
    else:
        main()
