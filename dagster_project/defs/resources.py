"""Resources: the warehouse (one writer at a time) and the raw store. Paths resolve at run time."""

from __future__ import annotations

import datetime as dt
import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import settings


class WarehouseBusy(RuntimeError):
    pass


@contextmanager
def writer_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """An exclusive lock beside the DuckDB file: a second run waits for the first, then fails clearly.

    DuckDB itself refuses a second writing process with a lock error; waiting here turns that into
    an orderly queue, and the message names who to wait for.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with lock.open("a+") as f:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"{path} is being written by another run (lock {lock}); waited {timeout_s:.0f}s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB file. Empty path: YWTB_WAREHOUSE, else warehouse/ywtb.duckdb."""

    path: str = ""
    lock_timeout_s: float = 1800.0

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else settings.warehouse_path()

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with (
            writer_lock(self.file, self.lock_timeout_s),
            duckdb.connect(self.file, config={"memory_limit": settings.duckdb_memory_limit()}) as con,
        ):
            yield con


class RawStoreResource(dg.ConfigurableResource):
    """The raw folder: raw/<YYYY-MM>/ per month. Empty root: YWTB_RAW_DIR, else raw/."""

    root: str = ""

    @property
    def folder(self) -> Path:
        return Path(self.root) if self.root else settings.raw_dir()

    def month_dir(self, month: dt.date) -> Path:
        return self.folder / f"{month:%Y-%m}"
