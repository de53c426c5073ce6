"""Writing a month of sample extracts as files the platform would deliver, bad rows planted on request."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from dagster_project.months import add_months
from dagster_project.sample import generator as gen
from dagster_project.sample import people
from schemas.raw import CONTRACTS, ExtractContract

PLANTED_FILE = "_planted_bad_rows.csv"
MANGLED_FILE = "_planted_mangled_ids.csv"

# How each extract is named in a delivery (the stem the ingestion recognises, then the month).
FILE_STEMS = {
    name: c.file_stems[2] if len(c.file_stems) > 2 else c.file_stems[1] for name, c in CONTRACTS.items()
}


def delivery_format(month: dt.date) -> str:
    """Real deliveries vary: the first quarter as GBK-family CSV, April as a workbook, July with a BOM."""
    return {1: "gb18030", 2: "gb18030", 3: "gb18030", 4: "xlsx", 7: "utf-8-sig"}.get(month.month, "utf-8")


@dataclass(frozen=True)
class Plant:
    """One kind of bad row: which rows it can be made from, and how to spoil a copy of one."""

    kind: str
    eligible: Callable[[], pl.Expr]
    spoil: Callable[[pl.DataFrame, dt.date], pl.DataFrame]
    keeps_id: bool = False  # a duplicate keeps the id of the row it copies


def _set(col: str, value) -> Callable[[pl.DataFrame, dt.date], pl.DataFrame]:
    return lambda df, m: df.with_columns(pl.lit(value).alias(col))


def _after_month_end(col: str) -> Callable[[pl.DataFrame, dt.date], pl.DataFrame]:
    return lambda df, m: df.with_columns(
        pl.lit(dt.datetime.combine(add_months(m, 1), dt.time(10))).alias(col)
    )


def _before_month(*cols: str) -> Callable[[pl.DataFrame, dt.date], pl.DataFrame]:
    return lambda df, m: df.with_columns(pl.col(c) - pl.duration(days=62) for c in cols)


# Timestamp kinds are spoiled after formatting (they are text); the rest on typed values.
MALFORMED_TEXT = "malformed_timestamp"
IMPOSSIBLE_TEXT = "impossible_timestamp"

PLANTS: dict[str, list[Plant]] = {
    "cases": [
        Plant(MALFORMED_TEXT, lambda: pl.lit(True), lambda df, m: df),
        Plant(IMPOSSIBLE_TEXT, lambda: pl.lit(True), lambda df, m: df),
        Plant("finish_before_accept", lambda: pl.col("finish_time").is_not_null(), lambda df, m: df.with_columns(finish_time=pl.col("accept_time") - pl.duration(hours=5))),
        Plant("duplicate_id", lambda: pl.lit(True), _set("channel", "窗口"), keeps_id=True),
        Plant("unknown_department", lambda: pl.lit(True), _set("dept_code", "511700999")),
        Plant("unknown_matter", lambda: pl.lit(True), _set("matter_code", "X0000000000000")),
        Plant("negative_time_limit", lambda: pl.col("case_kind") == "承诺件", _set("promised_limit_days", -3)),
        Plant("missing_time_limit", lambda: pl.col("case_kind") == "承诺件", _set("promised_limit_days", None)),
        Plant("timestamp_after_month_end", lambda: pl.col("finish_time").is_not_null(), _after_month_end("finish_time")),
        Plant("not_in_month", lambda: pl.col("finish_time").is_not_null(), _before_month("apply_time", "accept_time", "finish_time")),
    ],
    "evaluations": [
        Plant(MALFORMED_TEXT, lambda: pl.lit(True), lambda df, m: df),
        Plant("duplicate_id", lambda: pl.lit(True), _set("eval_channel", "网页"), keeps_id=True),
        Plant("unknown_department", lambda: pl.lit(True), _set("dept_code", "511700999")),
        Plant("rating_out_of_range", lambda: pl.lit(True), _set("rating", 7)),
        Plant("timestamp_after_month_end", lambda: pl.lit(True), _after_month_end("eval_time")),
        Plant("not_in_month", lambda: pl.lit(True), _before_month("eval_time")),
    ],
    "certificates": [
        Plant(MALFORMED_TEXT, lambda: pl.col("origin") != "存量", lambda df, m: df),
        Plant("duplicate_id", lambda: pl.lit(True), _set("invoked", "是"), keeps_id=True),
        Plant("unknown_department", lambda: pl.lit(True), _set("dept_code", "511700999")),
        Plant("not_in_month", lambda: pl.col("origin") == "实时生成", _before_month("issued_at", "sealed_at")),
    ],
    "matters": [
        Plant("duplicate_id", lambda: pl.lit(True), _set("max_visits", 2), keeps_id=True),
        Plant("unknown_department", lambda: pl.lit(True), _set("dept_code", "511700999")),
        Plant("negative_time_limit", lambda: pl.lit(True), _set("legal_limit_days", -5)),
    ],
    "projects": [
        Plant(MALFORMED_TEXT, lambda: pl.lit(True), lambda df, m: df),
        Plant("duplicate_id", lambda: pl.lit(True), _set("project_name", "重复项目"), keeps_id=True),
    ],
    "project_cases": [
        Plant("finish_before_accept", lambda: pl.col("finished_at").is_not_null(), lambda df, m: df.with_columns(finished_at=pl.col("accepted_at") - pl.duration(hours=5))),
        Plant("duplicate_id", lambda: pl.lit(True), _set("line", "主线"), keeps_id=True),
        Plant("timestamp_after_month_end", lambda: pl.lit(True), _after_month_end("finished_at")),
    ],
    "spot_checks": [
        Plant("duplicate_id", lambda: pl.lit(True), _set("is_accurate", "否"), keeps_id=True),
        Plant("not_in_month", lambda: pl.lit(True), _before_month("checked_at")),
    ],
    "assessed_inputs": [
        Plant("unknown_department", lambda: pl.lit(True), _set("org_name", "市不存在局")),
        Plant("not_in_month", lambda: pl.lit(True), _set("period", "2020-01")),
    ],
}  # fmt: skip

# Which contract rule catches each planted kind (the tests hold the pipeline to it).
EXPECTED_REASON = {
    MALFORMED_TEXT: "malformed_value",
    IMPOSSIBLE_TEXT: "malformed_value",
    "finish_before_accept": "finish_before_accept",
    "duplicate_id": "duplicate_",
    "unknown_department": "unknown_department",
    "unknown_matter": "unknown_matter",
    "negative_time_limit": "negative_",
    "missing_time_limit": "missing_time_limit",
    "timestamp_after_month_end": "timestamp_after_month_end",
    "not_in_month": "not_in_month",
    "rating_out_of_range": "rating_out_of_range",
}


def month_frames(
    month: dt.date, scale: float, seed: int, silent: Collection[str] = ()
) -> dict[str, pl.DataFrame]:
    """The month's extracts; the departments in `silent` deliver no cases (the rest is unchanged)."""
    frames = {
        "matters": gen.matters_extract(month, seed),
        "cases": gen.cases_extract(month, scale, seed).filter(~pl.col("dept_code").is_in(list(silent))),
        "evaluations": gen.evaluations_extract(month, scale, seed),
        "certificates": gen.certificates_extract(month, scale, seed),
        **gen.project_extracts(month, scale, seed),
        "assessed_inputs": gen.assessed_inputs_extract(month, seed, scale),
    }
    return {name: frames[name] for name in CONTRACTS}


def plant_bad_rows(name: str, frame: pl.DataFrame, month: dt.date, rate: float, rng: np.random.Generator):
    """Copies of good rows, each spoiled one way, placed among the good ones. Returns (frame, kinds, order)."""
    contract = CONTRACTS[name]
    key = contract.columns[0].name
    plants = PLANTS.get(name, [])
    n = frame.height
    order = np.arange(n, dtype=float)
    copies, kinds, positions = [], [], []
    per_kind = max(1, round(rate * n / max(1, len(plants))))
    for plant in plants:
        pool = frame.with_row_index("_i").filter(plant.eligible())
        if pool.is_empty():
            continue
        picked = pool[rng.choice(pool.height, min(per_kind, pool.height), replace=False).tolist()]
        spoiled = plant.spoil(picked.drop("_i"), month)
        if not plant.keeps_id:
            spoiled = spoiled.with_columns(
                pl.concat_str(
                    pl.col(key), pl.lit(f"B{len(kinds):05d}"), pl.int_range(pl.len()).cast(pl.String)
                ).alias(key)
            )
        copies.append(spoiled)
        kinds += [plant.kind] * spoiled.height
        # A duplicate comes right after the row it repeats; the others anywhere.
        where = picked["_i"].to_numpy() + 0.5 if plant.keeps_id else rng.uniform(0, n, spoiled.height)
        positions.append(where)
    if not copies:
        return frame, [], order
    return pl.concat([frame, *copies], how="vertical_relaxed"), kinds, np.concatenate([order, *positions])


def to_text(frame: pl.DataFrame, fmt: str) -> pl.DataFrame:
    ts = "%Y/%m/%d %H:%M:%S" if fmt == "gb18030" else gen.TS
    return frame.select(
        pl.col(c).dt.strftime(ts) if frame.schema[c] == pl.Datetime else pl.col(c).cast(pl.String)
        for c in frame.columns
    ).with_columns(pl.col(pl.String).replace({"true": "是", "false": "否"}))


def _spoil_timestamps(
    text: pl.DataFrame, contract: ExtractContract, rows: np.ndarray, kind: str, month: dt.date
) -> pl.DataFrame:
    col = next(c.name for c in contract.columns if c.kind == "timestamp")
    days = (add_months(month, 1) - month).days
    bad = f"{month:%Y-%m}-15 25:61:00" if kind == MALFORMED_TEXT else f"{month:%Y-%m}-{days + 1:02d} 10:00:00"
    mask = np.zeros(text.height, dtype=bool)
    mask[rows] = True
    return text.with_columns(pl.when(pl.Series(mask)).then(pl.lit(bad)).otherwise(pl.col(col)).alias(col))


def headers_for(contract: ExtractContract, fmt: str) -> dict[str, str]:
    """The printed headers; GBK-era exports use the older wording where there is one."""
    return {c.name: (c.aliases[0] if fmt == "gb18030" and c.aliases else c.label) for c in contract.columns}


def write_table(text: pl.DataFrame, path: Path, fmt: str, exported_at: dt.datetime) -> Path:
    if fmt == "xlsx":
        path = path.with_suffix(".xlsx")
        with xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False}) as wb:
            # A workbook records when it was made; a fixed export time keeps the file reproducible.
            wb.set_properties({"created": exported_at})
            ws = wb.add_worksheet("Sheet1")
            ws.write_row(0, 0, text.columns)
            for r, row in enumerate(text.iter_rows(), start=1):
                ws.write_row(r, 0, ["" if v is None else v for v in row])
        return path
    path = path.with_suffix(".csv")
    body = text.write_csv(null_value="")
    path.write_bytes(body.encode("gb18030") if fmt == "gb18030" else body.encode(fmt))
    return path


def write_month(
    month: dt.date,
    out: Path,
    scale: float,
    seed: int = 2021,
    bad_rows: float = 0.0,
    frames: dict[str, pl.DataFrame] | None = None,
    fmt: str | None = None,
    silent: Collection[str] = (),
) -> list[Path]:
    """The month's extracts as a delivery: generated ones, or `frames` given (the calibrated generator).
    `silent`: departments that deliver no cases, as a department that sends nothing does."""
    folder = out / f"{month:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():  # a regenerated month replaces the old one, whatever its format was
        if old.is_file():
            old.unlink()
    fmt = fmt or delivery_format(month)
    rng = gen.rng_for(seed, "bad-rows", month)
    planted: list[tuple[str, str, int, str]] = []
    mangled: list[tuple[str, str, int, str]] = []
    written = []
    for name, frame in (frames if frames is not None else month_frames(month, scale, seed, silent)).items():
        contract = CONTRACTS[name]
        kinds: list[str] = []
        order = np.arange(frame.height, dtype=float)
        if bad_rows > 0:
            frame, kinds, order = plant_bad_rows(name, frame, month, bad_rows, rng)
        text = to_text(frame.select([c.name for c in contract.columns if c.name in frame.columns]), fmt)
        for kind in (MALFORMED_TEXT, IMPOSSIBLE_TEXT):
            rows = np.flatnonzero(np.array(kinds) == kind) + (frame.height - len(kinds))
            if len(rows):
                text = _spoil_timestamps(text, contract, rows, kind, month)
        mangled_rows = np.array([], dtype=int)
        if bad_rows > 0 and "applicant_id_number" in text.columns:
            persons = np.flatnonzero(
                (text["applicant_type"] == "自然人").to_numpy()[: frame.height - len(kinds)]
            )
            mangled_rows = rng.choice(
                persons, min(len(persons), max(1, round(bad_rows * len(persons) / 4))), replace=False
            )
            ids = text["applicant_id_number"].to_numpy().astype(str)
            ids[mangled_rows] = people.mangle(ids[mangled_rows], rng)
            text = text.with_columns(applicant_id_number=pl.Series(ids))
        # Rows in delivery order; source_row is the 1-based data row in the file.
        rank = np.argsort(order, kind="stable")
        text = text[rank.tolist()]
        source_row = np.empty_like(rank)
        source_row[rank] = np.arange(1, len(rank) + 1)
        headers = headers_for(contract, fmt)
        text = text.rename({c: headers[c] for c in text.columns})
        exported_at = dt.datetime.combine(add_months(month, 1), dt.time())
        path = write_table(text, folder / f"{FILE_STEMS[name]}_{month:%Y%m}", fmt, exported_at)
        written.append(path)
        first_planted = frame.height - len(kinds)
        planted += [(name, path.name, int(source_row[first_planted + i]), k) for i, k in enumerate(kinds)]
        mangled += [(name, path.name, int(source_row[r]), "mangled_id_number") for r in sorted(mangled_rows)]
    if bad_rows > 0:
        for file, rows in ((PLANTED_FILE, planted), (MANGLED_FILE, mangled)):
            with (folder / file).open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["extract", "source_file", "source_row", "kind"])
                w.writerows(sorted(rows))
    return written


# The as-of days `make run` generates and monitors: the Tuesday to Thursday after 端午节 2021 (12-14
# June), so that deadlines fall across a holiday, with cases open near and past them and 差评 due.
SAMPLE_AS_OF_DAYS = (dt.date(2021, 6, 15), dt.date(2021, 6, 16), dt.date(2021, 6, 17))


def write_as_of(day: dt.date, out: Path, scale: float, seed: int = 2021) -> list[Path]:
    """The daily monitoring's delivery as of `day` (raw/daily/<YYYY-MM-DD>/, docs/monitoring.md): the
    month to date at 00:00 of the day, the same cases as the month's extract with fewer events, as
    UTF-8 CSV."""
    from dagster_project.defs.monitoring.days import day_folder, extract_month

    month = extract_month(day)
    folder = day_folder(out, day)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    frames = {
        "matters": gen.matters_extract(month, seed),
        "cases": gen.cases_extract(month, scale, seed, until=day),
        "evaluations": gen.evaluations_extract(month, scale, seed, until=day),
    }
    written = []
    for name, frame in frames.items():
        contract = CONTRACTS[name]
        text = to_text(frame.select([c.name for c in contract.columns if c.name in frame.columns]), "utf-8")
        headers = headers_for(contract, "utf-8")
        text = text.rename({c: headers[c] for c in text.columns})
        exported_at = dt.datetime.combine(day, dt.time())
        written.append(write_table(text, folder / f"{FILE_STEMS[name]}_{day:%Y%m%d}", "utf-8", exported_at))
    return written
