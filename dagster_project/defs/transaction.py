"""A run is the unit of change: it works on copies, and what people read changes only when every
step and every blocking check of the run passed.

    warehouse/ywtb.duckdb            the working file: the last good state, never written by a run
    warehouse/.ywtb.duckdb.run       the run's copy of it, which every step of the run writes
    warehouse/.published.next.duckdb the run's candidate for the analysts' copy
    out/.run/<YYYY-MM>/              the run's annexes, reports and forms

On success the run's copy replaces the working file, the candidate replaces published.duckdb and each
month's folder replaces out/<YYYY-MM>/, each by a rename. On failure they are removed, and the last
good publication stays. A run killed half-way leaves only hidden leftovers, which the next run
removes before it starts. The writers' lock is held from the first step to the last, so two runs
never interleave.

The copies are made the cheapest way the file system allows (see file_copies.py): a clone, or the
file of two states ago brought up to date, or a whole copy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.defs.file_copies import copy_cheaply, published_path, swap_in

RUN_EXPORTS = ".run"


# out/weekly/<Monday>/: the weekly bulletins (defs/monitoring/bulletin.py), one folder per week.
WEEKLY = "weekly"


def run_exports(exports: Path) -> Path:
    """The folder a run exports to, inside the exports folder it will replace months of."""
    return exports / RUN_EXPORTS


@dataclass
class RunFiles:
    """Where one run writes, beside the files it will replace."""

    working: Path
    exports: Path

    @property
    def staging(self) -> Path:
        return self.working.with_name(f".{self.working.name}.run")

    @property
    def working_spare(self) -> Path:
        return self.working.with_name(f".{self.working.name}.spare")

    @property
    def published(self) -> Path:
        return published_path(self.working)

    @property
    def published_next(self) -> Path:
        return self.published.with_name(f".{self.published.stem}.next.duckdb")

    @property
    def published_spare(self) -> Path:
        return self.published.with_name(f".{self.published.stem}.spare.duckdb")

    @property
    def exports_staging(self) -> Path:
        return run_exports(self.exports)

    # ----------------------------------------------------------------------------------- the steps

    def begin(self) -> None:
        """Remove what a failed or killed run left, then copy the working file for this run."""
        self.discard()
        self.working.parent.mkdir(parents=True, exist_ok=True)
        if self.working.exists():
            copy_cheaply(self.working, self.staging, self.working_spare)

    def prepare_publication(self) -> tuple[Path, str, int]:
        """The analysts' copy of this run's warehouse, swapped in at commit."""
        checkpoint(self.staging)
        how, written = copy_cheaply(self.staging, self.published_next, self.published_spare)
        return self.published, how, written

    def commit(self) -> list[str]:
        """Every step passed: the run's files replace the ones people read. Returns what changed."""
        changed = []
        if self.staging.exists():
            checkpoint(self.staging)
            swap_in(self.staging, self.working, self.working_spare)
            changed.append(str(self.working))
        if self.published_next.exists():
            swap_in(self.published_next, self.published, self.published_spare)
            changed.append(str(self.published))
        if self.exports_staging.is_dir():
            for month in sorted(p for p in self.exports_staging.iterdir() if p.is_dir()):
                # out/weekly/ holds a folder per week: a run replaces its weeks, not the others
                fresh = sorted(p for p in month.iterdir() if p.is_dir()) if month.name == WEEKLY else [month]
                for folder in fresh:
                    target = self.exports / folder.relative_to(self.exports_staging)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    replace_folder(folder, target)
                    changed.append(str(target))
            shutil.rmtree(self.exports_staging, ignore_errors=True)
        return changed

    def discard(self) -> None:
        for path in (self.staging, wal(self.staging), self.published_next):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.exports_staging, ignore_errors=True)
        restore_interrupted_replacements(self.exports)


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def checkpoint(path: Path) -> None:
    """Everything in the write-ahead log goes into the file before it is copied or renamed."""
    with duckdb.connect(path) as con:
        con.execute("checkpoint")


def replace_folder(fresh: Path, target: Path) -> None:
    """`fresh` takes the place of `target`: two renames, the old folder removed after. A kill between
    them leaves `.<name>.old`, which the next run puts back (restore_interrupted_replacements)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def restore_interrupted_replacements(folder: Path) -> None:
    if not folder.is_dir():
        return
    if (folder / WEEKLY).is_dir():
        restore_interrupted_replacements(folder / WEEKLY)
    for old in folder.glob(".*.old"):
        target = old.with_name(old.name[1:].removesuffix(".old"))
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.rename(target)
