"""Copies of a DuckDB file made the cheapest way the file system allows, and swapped in by a rename.

- a clone (XFS, Btrfs): no data written, whatever the size;
- else the spare brought up to date: the file two states old is kept, hidden, and only the parts of it
  that differ from the source are rewritten. A month adds new blocks to the DuckDB file and leaves the
  earlier months' blocks as they were, so this writes about two months, not the whole history. Only
  when no reader has the spare open: a DuckDB reader holds a lock on its file, so one still reading an
  old published copy is seen and left alone (a tool that reads without DuckDB, such as `cp`, takes no
  lock and must be done by then);
- else a whole copy.

Rename is atomic on one file system, and a reader with the old file open keeps reading it. A reader
still connecting is the exception: DuckDB opens the file by name three times while it connects (the
header, then the blocks), so a swap in between gives it one file's header and the other's blocks.
`connect_published` sees the file change under it and connects again.
"""

import fcntl
import os
import shutil
import struct
from pathlib import Path

import duckdb

PUBLISHED_NAME = "published.duckdb"
# The copy published before the current one, for the next publication to bring up to date. Hidden:
# analysts open published.duckdb only.
SPARE_NAME = ".published.spare.duckdb"
# DuckDB's block size: a block changed costs one chunk written.
CHUNK = 256 << 10


def published_path(working: Path) -> Path:
    return working.with_name(PUBLISHED_NAME)


def connect_published(path: Path, attempts: int = 3) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published copy that was one file from start to end: connects again
    when the file was swapped while it connected (seen as a changed inode), whether or not DuckDB
    noticed the mix. A swap is one rename per run, so a second attempt is all it ever takes."""
    for attempt in range(1, attempts + 1):
        before = os.stat(path).st_ino
        try:
            con = duckdb.connect(path, read_only=True)
        except duckdb.Error:
            if attempt == attempts or os.stat(path).st_ino == before:
                raise
            continue
        if os.stat(path).st_ino == before:
            return con
        con.close()
    raise duckdb.IOException(f"{path} was replaced {attempts} times while connecting to it")


def copy_cheaply(source: Path, target: Path, spare: Path) -> tuple[str, int]:
    """`target` becomes a copy of `source` (flushed to disk), from `spare` if it can be brought up to
    date; returns how the copy was made and the bytes written."""
    target.unlink(missing_ok=True)
    if clone(source, target):
        spare.unlink(missing_ok=True)  # a clone costs nothing: no spare needed
        return "cloned", 0
    written = update_spare(source, spare)
    if written is not None:
        _fsync(spare)
        os.replace(spare, target)
        return "spare updated", written
    shutil.copyfile(source, target)
    _fsync(target)
    return "copied", source.stat().st_size


def publish_copy(working: Path) -> tuple[Path, str, int]:
    """Checkpoint `working` and make published.duckdb beside it a copy of it; returns the published
    path, how the copy was made and the bytes written. The caller holds the writers' lock."""
    target, spare = published_path(working), working.with_name(SPARE_NAME)
    fresh = target.with_name(f".{target.stem}.next.duckdb")
    with duckdb.connect(working) as con:
        con.execute("checkpoint")  # everything in the WAL goes into the file before it is copied
    how, written = copy_cheaply(working, fresh, spare)
    swap_in(fresh, target, spare)
    return target, how, written


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


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
    """`fresh` becomes `target` in one rename; the file it replaces becomes the spare (a reader who
    has it open keeps reading it, and the next copy sees them and leaves it alone)."""
    if not target.exists():
        os.replace(fresh, target)
        return
    previous = target.with_name(f".{target.name}.{os.getpid()}.previous.tmp")
    os.link(target, previous)
    os.replace(fresh, target)
    os.replace(previous, spare)
