"""Resources: the warehouse (one run writes it at a time, on a copy), the exports folder and the raw
store. Their locations are configuration (`ywtb run --warehouse …` passes it as the run's config);
left empty, they are read from the environment at run time (settings.py), never at import."""

import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from dagster_project import settings
from dagster_project.defs.transaction import RunFiles, run_exports
from schemas.profile import ProfileMismatch, mismatch_message


class WarehouseBusy(RuntimeError):
    pass


# The locks this process holds, by lock file: a run holds its warehouse's lock from the first step to
# the last, and its steps (or `ywtb run` around several runs) take it again without waiting.
_held: dict[Path, int] = {}


@contextmanager
def writer_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """An exclusive lock beside the DuckDB file: a second run waits for the first, then fails clearly.

    DuckDB itself refuses a second writing process with a lock error; waiting here turns that into
    an orderly queue, and the message names who to wait for.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.resolve().with_name(path.name + ".lock")
    if lock in _held:
        _held[lock] += 1
        try:
            yield
        finally:
            _held[lock] -= 1
        return
    with lock.open("a+") as f:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    f.seek(0)
                    holder = f.read().strip() or "another process"
                    raise WarehouseBusy(
                        f"{path} is being written by another run ({holder}); waited {timeout_s:.0f}s"
                    ) from None
                time.sleep(0.2)
        f.truncate(0)
        f.write(f"pid {os.getpid()}")
        f.flush()
        _held[lock] = 1
        try:
            yield
        finally:
            del _held[lock]
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def lock_holder(path: Path) -> str | None:
    """Who holds the writers' lock of `path`, or None when it is free (for a message, not a guarantee)."""
    lock = path.resolve().with_name(path.name + ".lock")
    if not lock.exists() or lock in _held:
        return None
    with lock.open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            return f.read().strip() or "another process"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """For readers of a warehouse that may predate a table (an older file, a first run)."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


class ExportsResource(dg.ConfigurableResource):
    """The folder people read the month's annexes, reports and forms in: <root>/<YYYY-MM>/. Empty
    root: YWTB_EXPORTS, else out/.

    In a run, a month is written to the run's folder instead, which replaces <root>/<YYYY-MM>/ only
    when the whole run succeeded (the warehouse's transaction, defs/transaction.py)."""

    root: str = ""
    _in_run: bool = PrivateAttr(default=False)

    @property
    def folder(self) -> Path:
        return Path(self.root) if self.root else settings.exports_root()

    def month_dir(self, key: str) -> Path:
        """Where to write the month `key` (YYYY-MM) now."""
        return (run_exports(self.folder) if self._in_run else self.folder) / key

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Self]:
        self._in_run = context.run is not None  # as the warehouse's transaction: only inside a run
        try:
            yield self
        finally:
            self._in_run = False


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB file. Empty path: YWTB_WAREHOUSE, else warehouse/ywtb.duckdb.

    In a run, every step reads and writes the run's copy of it (`file`); the copy replaces the working
    file, and the run's exports theirs, only when the whole run succeeded (defs/transaction.py)."""

    path: str = ""
    lock_timeout_s: float = 1800.0
    # The run's exports are part of its transaction: published with the warehouse, or not at all.
    exports: ExportsResource
    _run: RunFiles | None = PrivateAttr(default=None)

    @property
    def working_file(self) -> Path:
        return Path(self.path) if self.path else settings.warehouse_path()

    def salt(self) -> str:
        """The salt of this warehouse's hashed keys (settings.salt)."""
        return settings.salt(self.working_file)

    @property
    def file(self) -> Path:
        return self._run.staging if self._run else self.working_file

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with (
            writer_lock(self.working_file, self.lock_timeout_s),
            duckdb.connect(self.file, config={"memory_limit": settings.duckdb_memory_limit()}) as con,
        ):
            yield con

    def prepare_publication(self) -> tuple[Path, str, int]:
        if self._run is None:
            raise RuntimeError("the published copy is made inside a run")
        return self._run.prepare_publication()

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Self]:
        """The run's transaction: lock, copy, and at the end commit or discard (the resource lives as
        long as the run: the definitions execute in process). Outside a run (a sensor's tick) the
        resource only reads."""
        if context.run is None:  # context.run_id is deprecated (an error under the tests' filters)
            yield self
            return
        files = RunFiles(self.working_file, self.exports.folder)
        with writer_lock(files.working, self.lock_timeout_s):
            files.begin()
            self._run = files
            try:
                with duckdb.connect(files.staging) as con:
                    claim_for_profile(con, self.working_file, settings.profile())
                yield self
            except BaseException:
                files.discard()
                raise
            finally:
                self._run = None
            failures = run_failures(context)
            if failures:
                files.discard()
                if context.log:
                    context.log.error(
                        "nothing published, the last good publication stays: " + "; ".join(failures)
                    )
                return
            changed = files.commit()
            if context.log:
                context.log.info("published: " + ", ".join(changed))


PROFILE_DDL = "create table if not exists audit.warehouse_profile (profile varchar not null)"


def held_profile(con: duckdb.DuckDBPyConnection) -> str | None:
    """The jurisdiction profile that built the warehouse (None for a new one)."""
    if not table_exists(con, "audit", "warehouse_profile"):
        return None
    row = con.execute("select profile from audit.warehouse_profile").fetchone()
    return row[0] if row else None


def claim_for_profile(con: duckdb.DuckDBPyConnection, warehouse: Path, profile: str) -> None:
    """Record the run's profile in a new warehouse; refuse a warehouse another profile built."""
    held = held_profile(con)
    if held is not None and held != profile:
        raise ProfileMismatch(mismatch_message(warehouse, held, profile))
    if held is None:
        con.execute("create schema if not exists audit")
        con.execute(PROFILE_DDL)
        con.execute("insert into audit.warehouse_profile values (?)", [profile])


def run_failures(context: dg.InitResourceContext) -> list[str]:
    """What failed in the run so far: failed or skipped steps and failed blocking checks."""
    if context.instance is None or context.run is None:
        return []
    kinds = {
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.STEP_SKIPPED,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    }
    failures = []
    for entry in context.instance.all_logs(context.run.run_id, of_type=kinds):
        event = entry.dagster_event
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            check = event.event_specific_data
            if not check.passed and check.severity == dg.AssetCheckSeverity.ERROR:
                failures.append(f"check {check.asset_key.to_user_string()}:{check.check_name} failed")
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            failures.append(f"step {event.step_key} failed")
        else:
            failures.append(f"step {event.step_key} skipped")
    return failures


class RawStoreResource(dg.ConfigurableResource):
    """The raw folder: raw/<YYYY-MM>/ per month. Empty root: YWTB_RAW_DIR, else raw/."""

    root: str = ""

    @property
    def folder(self) -> Path:
        return Path(self.root) if self.root else settings.raw_dir()

    def month_dir(self, month: dt.date) -> Path:
        return self.folder / f"{month:%Y-%m}"


def pipeline_resources(warehouse: str = "", exports: str = "", raw: str = "") -> dict[str, object]:
    """The resources of the definitions, by the names the assets ask for; empty locations are read
    from the environment at run time. The exports folder is one resource that the warehouse's
    transaction and the assets that export share: configured at launch, so that a run's config
    (`ywtb run --exports …`) sets it for both."""
    shared_exports = ExportsResource.configure_at_launch(root=exports)
    return {
        "warehouse": WarehouseResource(path=warehouse, exports=shared_exports),
        "exports": shared_exports,
        "raw_store": RawStoreResource(root=raw),
    }
