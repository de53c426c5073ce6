"""Settings read from the environment when asked (never at import). The three locations are the
defaults of the resources' config (defs/resources.py); `ywtb` flags are passed as config instead.

YWTB_RAW_DIR      the raw folder, one sub-folder per month          (default raw/)
YWTB_WAREHOUSE    the working DuckDB file                           (default warehouse/ywtb.duckdb)
YWTB_EXPORTS      where annex tables and reports are written        (default out/)
YWTB_MEMORY_MB    the run's memory budget: half for the batches a file is read in, half for DuckDB
                  (its memory_limit, in the pipeline and in dbt; it spills to disk beyond)   (default 3072)
YWTB_PROFILE      the jurisdiction profile under schemas/profiles/ (default dazhou)
YWTB_RUBRIC       the scoring rubric: a shipped name or a YAML file (default: the profile's)
YWTB_SALT         the salt for hashed personal keys; or
YWTB_SALT_FILE    a file holding it (default: <warehouse>.salt, created once with a random salt)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def raw_dir() -> Path:
    return Path(os.environ.get("YWTB_RAW_DIR", "raw"))


def warehouse_path() -> Path:
    return Path(os.environ.get("YWTB_WAREHOUSE", "warehouse/ywtb.duckdb"))


def exports_root() -> Path:
    """Where people find the annexes and reports (a run writes them through the exports resource)."""
    return Path(os.environ.get("YWTB_EXPORTS", "out"))


DEFAULT_PROFILE = "dazhou"


def profile() -> str:
    """The jurisdiction profile: schemas/profiles/<profile>/ (organisations, rubrics, rules, texts)."""
    return os.environ.get("YWTB_PROFILE", DEFAULT_PROFILE)


def memory_budget_bytes() -> int:
    """For reading one file: a larger file is read in batches."""
    return _memory_mb() * (1 << 20) // 2


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit: past it, joins, sorts and aggregates spill to a temporary folder."""
    return f"{max(_memory_mb() // 2, 256)}MB"


def _memory_mb() -> int:
    return int(float(os.environ.get("YWTB_MEMORY_MB", "3072")))


def rubric() -> str | None:
    """The scoring rubric: YWTB_RUBRIC, else the profile's (None: the profile scores nothing)."""
    from schemas.profile import load_profile

    return os.environ.get("YWTB_RUBRIC") or load_profile(profile()).rubric


class SaltMissing(RuntimeError):
    """The warehouse holds keys made with a salt that is gone: a new one would change every key."""


def salt(warehouse: Path) -> str:
    """The salt of the keys in `warehouse` (the working file). The salt is configuration: it never
    lives in code, and it stays beside the working file only.

    The published copy analysts read is a different file, so the salt is not shipped with it. It is
    made once, with the warehouse; never again silently for a warehouse that already holds keys.
    """
    if value := os.environ.get("YWTB_SALT"):
        return value
    path = Path(os.environ.get("YWTB_SALT_FILE", str(warehouse) + ".salt"))
    if not path.exists() and warehouse.exists():
        raise SaltMissing(
            f"the salt file {path} is missing but {warehouse} holds keys made with it: restore "
            "the file (or set YWTB_SALT); to start a new warehouse instead, remove the warehouse"
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
