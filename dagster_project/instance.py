"""The project's Dagster instance ($DAGSTER_HOME): its dagster.yaml, written by `make setup`.

- No usage data is sent anywhere (an office's machine, its data).
- The event log is Dagster's own SQLite storage, with one difference: it keeps a connection pool per
  database file instead of making a new SQLAlchemy engine, and a new SQLite connection, for every
  statement. A month's run stores some seven hundred events, each in several statements; the engines
  made and thrown away were a sixth of a sample month (BENCHMARKS.md). The files, their schema and
  their locking (WAL, busy timeout) are Dagster's, so the UI and the daemon read them as ever.
"""

import os
import sys
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from dagster._config import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# A run writes to two files (its own and the index); the UI reads a few runs at a time.
KEPT_ENGINES = 4


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, its engines kept for the life of the process."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # By default Dagster's own place for the event log, so an instance can switch to this class and back.
        home = Path(os.environ["DAGSTER_HOME"]).expanduser()
        return cls(config_value.get("base_dir") or str(home / "history" / "runs"), inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.pop(shard, None) or self._engine(shard)
            self._engines[shard] = engine  # the most recently used last
            while len(self._engines) > KEPT_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        url, timeout = self.conn_string_for_shard(shard), {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        if shard not in self._initialized_dbs:
            # Dagster creates a database with one connection open while it inspects with another.
            once = create_engine(url, poolclass=NullPool, connect_args=timeout)
            self._initdb(once)
            once.dispose()
            self._initialized_dbs.add(shard)
        return create_engine(url, connect_args=timeout, pool_size=1, max_overflow=4)

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


class InstanceConfigError(Exception):
    """dagster.yaml cannot be read: said in one line (`make setup`)."""


PROJECT_SETTINGS = {
    "telemetry": {"enabled": False},
    "event_log_storage": {
        "module": "dagster_project.instance",
        "class": PooledSqliteEventLogStorage.__name__,
    },
}
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def write_instance_config(home: Path) -> Path:
    """Adds to `home`/dagster.yaml the project's settings it lacks, leaving the rest of the file as it
    is. What a person set is kept: their telemetry choice, a storage of their own (Postgres, say)."""
    path = home / "dagster.yaml"
    home.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else ""
    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise InstanceConfigError(
            f"{path}{where}: not YAML ({getattr(e, 'problem', e)}); mend or remove it"
        ) from e
    if not isinstance(config, dict):
        raise InstanceConfigError(
            f"{path}: Dagster's settings must be a mapping of names to values; mend or remove it"
        )
    own_storage = any(key in config for key in STORAGE_KEYS)
    missing = {
        key: value
        for key, value in PROJECT_SETTINGS.items()
        if key not in config and not (key in STORAGE_KEYS and own_storage)
    }
    if missing:
        separator = "\n" if text and not text.endswith("\n") else ""
        path.write_text(text + separator + yaml.safe_dump(missing, sort_keys=False))
    return path


if __name__ == "__main__":
    try:
        write_instance_config(Path(sys.argv[1]))
    except InstanceConfigError as e:
        print(f"make setup: {e}", file=sys.stderr)
        sys.exit(2)
