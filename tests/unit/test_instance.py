"""The project's Dagster instance: dagster.yaml as `make setup` writes it, and the event log that keeps
its connections."""

import subprocess
import sys

import dagster as dg
import pytest

from dagster_project import instance as project_instance
from dagster_project.instance import PooledSqliteEventLogStorage, write_instance_config


def test_a_new_home_gets_telemetry_off_and_the_pooled_event_log(tmp_path):
    path = write_instance_config(tmp_path / "home")
    assert path.read_text() == (
        "telemetry:\n  enabled: false\n"
        "event_log_storage:\n  module: dagster_project.instance\n  class: PooledSqliteEventLogStorage\n"
    )
    before = path.read_bytes()
    write_instance_config(tmp_path / "home")
    assert path.read_bytes() == before


def test_what_a_person_set_is_kept_as_they_wrote_it(tmp_path):
    own = (
        "# our office's instance\n"
        "telemetry:\n  enabled: true\n"
        "storage:\n  postgres:\n    postgres_url: postgresql://dagster@db/dagster\n"
    )
    (tmp_path / "dagster.yaml").write_text(own)
    write_instance_config(tmp_path)
    assert (
        tmp_path / "dagster.yaml"
    ).read_text() == own  # nothing lacking: telemetry chosen, storage their own

    (tmp_path / "dagster.yaml").write_text("# ours\nrun_monitoring:\n  enabled: true")
    write_instance_config(tmp_path)
    assert (
        (tmp_path / "dagster.yaml")
        .read_text()
        .startswith("# ours\nrun_monitoring:\n  enabled: true\ntelemetry:")
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("telemetry:\n  enabled: false\n bad: [\n", "dagster.yaml line 3: not YAML"),
        ("- a\n- b\n", "must be a mapping of names to values"),
    ],
)
def test_an_unreadable_dagster_yaml_is_refused_in_one_line_and_left_as_it_is(tmp_path, text, said):
    (tmp_path / "dagster.yaml").write_text(text)
    setup = subprocess.run(
        [sys.executable, "-m", "dagster_project.instance", str(tmp_path)], capture_output=True, text=True
    )
    assert setup.returncode == 2
    assert said in setup.stderr and len(setup.stderr.strip().splitlines()) == 1
    assert (tmp_path / "dagster.yaml").read_text() == text


@dg.op
def count_up() -> int:
    return 1


@dg.job
def tiny():
    count_up()


def test_runs_beyond_the_engines_kept_are_all_stored_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    write_instance_config(tmp_path)
    runs = project_instance.KEPT_ENGINES + 2
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        ids = [tiny.execute_in_process(instance=instance).run_id for _ in range(runs)]
        assert len(storage._engines) <= project_instance.KEPT_ENGINES
    with dg.DagsterInstance.get() as reopened:
        for run_id in ids:
            kinds = [e.dagster_event_type for e in reopened.all_logs(run_id) if e.is_dagster_event]
            assert kinds[-1] == dg.DagsterEventType.RUN_SUCCESS
            assert kinds.count(dg.DagsterEventType.STEP_SUCCESS) == 1
        assert (
            reopened.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS])).__len__() == runs
        )


def test_an_explicit_folder_is_used_as_given(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    storage = PooledSqliteEventLogStorage.from_config_value(None, {"base_dir": str(tmp_path / "events")})
    assert (tmp_path / "events" / "index.db").exists()
    assert not (tmp_path / "home").exists()
    storage.dispose()
