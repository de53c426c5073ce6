"""A province-scale month for benchmarks: a given number of cases (20 million for 四川's 21 cities),
evaluations and certificates, made by the ordinary generator in slices and appended to the files, so
that memory holds one slice at a time whatever the month's size.

Only cases applied in the month are made (no earlier months to look back over): a benchmark measures
volume, the sample months measure realism. The other extracts come from the ordinary generator.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from dagster_project.months import add_months
from dagster_project.sample import generator as gen
from dagster_project.sample.writer import FILE_STEMS, headers_for, to_text
from schemas.raw import CONTRACTS

SLICE = 500_000  # applications per slice: about 1 GB of memory in the generator
SMALL_SCALE = 0.01  # of the extracts a benchmark does not size (matters, projects, assessed inputs)


def write_province_month(
    month: dt.date,
    out: Path,
    cases: int = 20_000_000,
    evaluations: int = 15_000_000,
    certificates: int = 2_000_000,
    seed: int = 2021,
    slice_size: int = SLICE,
    progress=print,
) -> dict[str, Path]:
    """UTF-8 CSVs in out/<YYYY-MM>/; evaluations and certificates are kept in proportion to the cases
    made so far, so that their totals come out as asked."""
    folder = out / f"{month:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    end = gen.month_start(add_months(month, 1))
    world = gen.world(seed)
    paths = {name: folder / f"{FILE_STEMS[name]}_{month:%Y%m}.csv" for name in CONTRACTS}
    written = dict.fromkeys(("cases", "evaluations", "certificates"), 0)
    files = {name: paths[name].open("wb") for name in written}
    try:
        for first in range(0, cases, slice_size):
            n = min(slice_size, cases - first)
            applied = gen.applications(month, n, gen.rng_for(seed, f"province-{first}", month), world, first)
            done = first + n
            parts = {
                # the state at the month's end: later events have not happened yet
                "cases": applied.cases.with_columns(
                    accept_time=pl.when(pl.col("accept_time") < end).then("accept_time"),
                    finish_time=pl.when(pl.col("finish_time") < end).then("finish_time"),
                ),
                "evaluations": applied.evaluations.filter(pl.col("eval_time") < end).head(
                    round(evaluations * done / cases) - written["evaluations"]
                ),
                "certificates": applied.certificates.filter(pl.col("issued_at") < end).head(
                    round(certificates * done / cases) - written["certificates"]
                ),
            }
            for name, frame in parts.items():
                contract = CONTRACTS[name]
                text = to_text(
                    frame.select([c.name for c in contract.columns if c.name in frame.columns]), "utf-8"
                )
                headers = headers_for(contract, "utf-8")
                text.rename({c: headers[c] for c in text.columns}).write_csv(
                    files[name], include_header=first == 0
                )
                written[name] += frame.height
            progress(
                f"{done:>12,} cases  {written['evaluations']:>12,} evaluations  {written['certificates']:>10,} certificates"
            )
    finally:
        for f in files.values():
            f.close()
    small = {
        "matters": gen.matters_extract(month, seed),
        **gen.project_extracts(month, SMALL_SCALE, seed),
        "assessed_inputs": gen.assessed_inputs_extract(month, seed),
    }
    for name, frame in small.items():
        contract = CONTRACTS[name]
        text = to_text(frame.select([c.name for c in contract.columns if c.name in frame.columns]), "utf-8")
        headers = headers_for(contract, "utf-8")
        text.rename({c: headers[c] for c in text.columns}).write_csv(paths[name])
    return paths
