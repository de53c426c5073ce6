"""The analysts' copy: `published.duckdb` beside the working file, replaced atomically after a run.

Analysts open the published copy, never the working file, so a run never waits for them and they never
see a half-written state. The new copy is made under another name and renamed over the old one (rename
is atomic on one file system; a reader with the old file open keeps reading it). It is made the
cheapest way the file system allows:

- a clone (XFS, Btrfs): no data written, whatever the size;
- else the spare brought up to date: the copy published before the current one is kept, hidden, and
  only the parts of it that differ from the working file are rewritten. A month adds new blocks to the
  DuckDB file and leaves the earlier months' blocks as they were, so this writes about two months
  (the spare is two publications old), not the whole history. Only when no reader has the spare open:
  a DuckDB reader holds a lock on its file, so one still reading that old copy is seen and left alone
  (a tool that reads without DuckDB, such as `cp`, takes no lock and must be done by then);
- else a whole copy.
"""

import fcntl
import os
import shutil
import struct
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.partitions import monthly
from dagster_project.defs.publish.completeness import completeness_tables
from dagster_project.defs.publish.scorecard import scorecard_tables
from dagster_project.defs.resources import WarehouseResource, writer_lock
from dagster_project.defs.transform.assets import warehouse_models

PUBLISHED_NAME = "published.duckdb"
# The copy published before the current one, for the next publication to bring up to date. Hidden:
# analysts open published.duckdb only.
SPARE_NAME = ".published.spare.duckdb"
# DuckDB's block size: a block changed costs one chunk written.
CHUNK = 256 << 10


def published_path(working: Path) -> Path:
    return working.with_name(PUBLISHED_NAME)


def publish_copy(working: Path, lock_timeout_s: float = 1800.0) -> tuple[Path, str, int]:
    """Checkpoint the working file, make the new copy (clone, spare brought up to date, or whole copy)
    and swap it in; returns the published path, how the copy was made and the bytes written.
    Holds the writers' lock."""
    target, spare = published_path(working), working.with_name(SPARE_NAME)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with writer_lock(working, lock_timeout_s):
        for leftover in target.parent.glob(f".{target.name}.*.tmp"):  # of a run killed mid-swap
            leftover.unlink()
        with duckdb.connect(working) as con:
            con.execute("checkpoint")  # everything in the WAL goes into the file before it is copied
        if clone(working, staging):
            spare.unlink(missing_ok=True)  # a clone costs nothing: no spare needed
            os.replace(staging, target)
            return target, "cloned", 0
        written = update_spare(working, spare)
        if written is not None:
            fresh, how = spare, "spare updated"
        else:
            shutil.copyfile(working, staging)
            fresh, how, written = staging, "copied", working.stat().st_size
        with open(fresh, "rb") as f:
            os.fsync(f.fileno())
        swap_in(fresh, target, spare)
    return target, how, written


# linux/fs.h: _IOW(0x94, 9, int). Asks the file system for a copy-on-write clone of a whole file.
FICLONE = 0x40049409


def clone(source: Path, target: Path) -> bool:
    """A clone where the file system makes them (XFS, Btrfs): instant whatever the size, the blocks
    shared until either file changes them. False elsewhere (ext4, tmpfs), leaving no target."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
            return True
        except OSError:
            pass
    target.unlink()
    return False


def update_spare(source: Path, spare: Path) -> int | None:
    """Make the spare equal to `source`, rewriting only the chunks that differ; the bytes written, or
    None when there is no spare or a reader has it open (it must then be left as it is)."""
    if not spare.exists() or not hasattr(fcntl, "F_OFD_SETLK"):
        return None
    with open(spare, "r+b") as dst, open(source, "rb") as src:
        if not _lock_unread(dst.fileno()):
            return None
        written = offset = 0
        while chunk := src.read(CHUNK):
            if os.pread(dst.fileno(), len(chunk), offset) != chunk:
                os.pwrite(dst.fileno(), chunk, offset)
                written += len(chunk)
            offset += len(chunk)
        dst.truncate(offset)
    return written


def _lock_unread(fd: int) -> bool:
    """An exclusive lock on the whole file, which fails while a DuckDB connection (in any process,
    this one included) has it open. An open-file-description lock: unlike a classic POSIX lock, it
    also conflicts with locks this process holds. Released when the file is closed."""
    whole_file = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)  # struct flock
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, whole_file)
        return True
    except OSError:
        return False


def swap_in(fresh: Path, target: Path, spare: Path) -> None:
    """`fresh` becomes the published file in one rename; the file it replaces becomes the spare (a
    reader who has it open keeps reading it, and the next publication sees them and leaves it alone)."""
    if not target.exists():
        os.replace(fresh, target)
        return
    previous = target.with_name(f".{target.name}.{os.getpid()}.previous.tmp")
    os.link(target, previous)
    os.replace(fresh, target)
    os.replace(previous, spare)


@dg.asset(
    key=["published", "warehouse"],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="published",
    deps=[*warehouse_models.keys, *scorecard_tables.keys, *completeness_tables.keys],
    kinds={"duckdb"},
    description="Read-only copy of the warehouse for analysts (published.duckdb beside the working file), swapped in atomically.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    target, how, written = publish_copy(warehouse.file, warehouse.lock_timeout_s)
    size = target.stat().st_size
    context.log.info(f"published {target} ({how}: {written / 1e6:,.0f} of {size / 1e6:,.0f} MB written)")
    return dg.MaterializeResult(
        metadata={"path": str(target), "bytes": size, "how": how, "bytes_written": written}
    )
