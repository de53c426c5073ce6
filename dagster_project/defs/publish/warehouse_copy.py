"""The analysts' copy: `published.duckdb` beside the working file, replaced atomically after a run.

Analysts open the published copy, never the working file, so a run never waits for them and they never
see a half-written state: the copy is written to a temporary file in the same folder and renamed over
the old one (rename is atomic on one file system; a reader with the old file open keeps reading it).
"""

import fcntl
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.partitions import monthly
from dagster_project.defs.publish.completeness import completeness_tables
from dagster_project.defs.publish.scorecard import scorecard_tables
from dagster_project.defs.resources import WarehouseResource, writer_lock
from dagster_project.defs.transform.assets import warehouse_models

PUBLISHED_NAME = "published.duckdb"


def published_path(working: Path) -> Path:
    return working.with_name(PUBLISHED_NAME)


def publish_copy(working: Path, lock_timeout_s: float = 1800.0) -> tuple[Path, str]:
    """Checkpoint the working file, clone or copy it beside itself, swap the copy in; returns the path
    and how the copy was made. Holds the writers' lock."""
    target = published_path(working)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with writer_lock(working, lock_timeout_s):
        with duckdb.connect(working) as con:
            con.execute("checkpoint")  # everything in the WAL goes into the file before it is copied
        how = clone_or_copy(working, staging)
    with open(staging, "rb") as f:
        os.fsync(f.fileno())
    os.replace(staging, target)
    return target, how


# linux/fs.h: _IOW(0x94, 9, int). Asks the file system for a copy-on-write clone of a whole file.
FICLONE = 0x40049409


def clone_or_copy(source: Path, target: Path) -> str:
    """A clone where the file system makes them (XFS, Btrfs): instant whatever the size, the blocks
    shared until either file changes them. Elsewhere a copy."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
            return "cloned"
        except OSError:  # not supported here (ext4, tmpfs, another file system)
            pass
    shutil.copyfile(source, target)
    return "copied"


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
    target, how = publish_copy(warehouse.file, warehouse.lock_timeout_s)
    context.log.info(f"published {target} ({how})")
    return dg.MaterializeResult(metadata={"path": str(target), "bytes": target.stat().st_size, "how": how})
