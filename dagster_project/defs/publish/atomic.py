"""Files people read are replaced whole or not at all: written beside their target under a hidden
name, flushed to disk, then renamed over it (atomic on one file system). A kill or a full disk
leaves the previous file as it was and at most a hidden leftover, which the next write removes."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DiskFull(OSError):
    """The disk filled while a file was written: say so, not 'cannot rollback' three calls later."""


def staging_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


@contextmanager
def staged(path: Path) -> Iterator[Path]:
    """Yields the hidden path to write; on success it replaces `path`, on failure it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(path)
    staging.unlink(missing_ok=True)  # a leftover of a killed write
    try:
        yield staging
        with open(staging, "rb") as f:
            os.fsync(f.fileno())
        os.replace(staging, path)
    except OSError as e:
        staging.unlink(missing_ok=True)
        if e.errno == errno.ENOSPC:
            raise DiskFull(errno.ENOSPC, f"disk full while writing {path}: free space and rerun") from e
        raise
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with staged(path) as staging:
        staging.write_text(text, encoding="utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    with staged(path) as staging:
        staging.write_bytes(data)
