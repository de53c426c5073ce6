"""The Dagster definitions: one asset per extract, partitioned by month; the sensor finds complete months."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.definitions import MONTHLY_JOB, defs
from dagster_project.defs.ingest.deliveries import file_fingerprint, month_status
from dagster_project.defs.ingest.readers import find_file
from dagster_project.defs.resources import pipeline_resources
from schemas.raw import CONTRACTS


def test_every_extract_is_a_monthly_asset_in_the_raw_group():
    graph = defs.resolve_asset_graph()
    raw_keys = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert raw_keys == {dg.AssetKey(["raw", name]) for name in CONTRACTS}
    for key in raw_keys:
        node = graph.get(key)
        assert node.partitions_def is not None and node.group_name == "raw"
    assert defs.resolve_job_def(MONTHLY_JOB) is not None


def test_cases_are_ingested_after_the_matter_catalogue_they_are_checked_against():
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["raw", "matters"]) in graph.get(dg.AssetKey(["raw", "cases"])).parent_keys


def test_a_partial_month_names_what_it_lacks_and_a_complete_one_has_a_fingerprint(sample_raw, tmp_path):
    fingerprint, missing = month_status(sample_raw / "2021-06")
    assert fingerprint and missing == []
    (tmp_path / "2021-07").mkdir()
    shutil.copy(next((sample_raw / "2021-06").glob("办件*")), tmp_path / "2021-07" / "办件数据_202107.csv")
    fingerprint, missing = month_status(tmp_path / "2021-07")
    assert fingerprint is None
    assert missing == [c.label for c in CONTRACTS.values() if c.name != "cases"]


def published_as_built_from(raw: Path, months: list[str], published: Path) -> None:
    """A published copy whose audit says those months were built from the files now in `raw`."""
    from dagster_project.defs.ingest.assets import DELIVERED_FILES_DDL

    with duckdb.connect(published) as con:
        con.execute("create schema audit")
        con.execute(DELIVERED_FILES_DDL)
        for month in months:
            for contract in CONTRACTS.values():
                path = find_file(raw / month, contract)
                con.execute(
                    "insert into audit.delivered_files values (?, ?, ?, ?, now())",
                    [f"{month}-01", contract.name, path.name, file_fingerprint(path)],
                )


def tick(raw: Path, working: Path) -> list:
    sensor = next(s for s in defs.sensors if s.name == "new_month_in_raw")
    resources = pipeline_resources(warehouse=str(working), raw=str(raw))
    with dg.build_sensor_context(resources=resources, instance=INSTANCE) as ctx:
        result = sensor(ctx)
    assert isinstance(result, dg.SensorResult)
    assert not (result.run_requests and result.skip_reason)  # one answer a tick
    return result.run_requests or [result.skip_reason]


INSTANCE = dg.DagsterInstance.ephemeral()


def test_the_sensor_requests_complete_months_and_skips_nothing_else_in_the_same_tick(sample_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw, raw)
    (raw / "2021-07").mkdir()
    shutil.copy(next((raw / "2021-06").glob("办件*")), raw / "2021-07" / "办件数据_202107.csv")

    answer = tick(raw, tmp_path / "wh" / "ywtb.duckdb")  # nothing built yet

    assert sorted(r.partition_key for r in answer) == ["2021-02", "2021-04", "2021-06"]


def test_the_sensor_registers_the_complete_months_as_partitions(sample_raw, tmp_path):
    sensor = next(s for s in defs.sensors if s.name == "new_month_in_raw")
    resources = pipeline_resources(warehouse=str(tmp_path / "ywtb.duckdb"), raw=str(sample_raw))
    with dg.build_sensor_context(resources=resources, instance=dg.DagsterInstance.ephemeral()) as ctx:
        result = sensor(ctx)
    (request,) = result.dynamic_partitions_requests
    assert request.partition_keys == ["2021-02", "2021-04", "2021-06"]


def test_the_sensor_says_what_a_partial_month_lacks_when_nothing_is_due(sample_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw, raw)
    (raw / "2021-07").mkdir()
    shutil.copy(next((raw / "2021-06").glob("办件*")), raw / "2021-07" / "办件数据_202107.csv")
    working = tmp_path / "wh" / "ywtb.duckdb"
    working.parent.mkdir()
    published_as_built_from(raw, ["2021-02", "2021-04", "2021-06"], working.with_name("published.duckdb"))

    (answer,) = tick(raw, working)

    assert isinstance(answer, dg.SkipReason)
    assert answer.skip_message.startswith("incomplete months: 2021-07 lacks 事项清单, 好差评")


def test_the_sensor_requests_a_built_month_again_only_when_its_files_change(sample_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw, raw)
    working = tmp_path / "wh" / "ywtb.duckdb"
    working.parent.mkdir()
    published_as_built_from(raw, ["2021-02", "2021-04", "2021-06"], working.with_name("published.duckdb"))
    assert [type(r) for r in tick(raw, working)] == [dg.SkipReason]  # as after `make run`

    cases = next((raw / "2021-04").glob("办件*"))
    cases.write_bytes(cases.read_bytes())  # re-delivered: same name, a new modification time
    (request,) = tick(raw, working)

    assert request.partition_key == "2021-04"


def test_the_published_layer_follows_the_warehouse_and_the_copy_comes_last():
    # Which keys exist is the snapshot's business (test_definitions_snapshot.py); this is the order.
    graph = defs.resolve_asset_graph()
    assert (
        dg.AssetKey(["indicators", "ind_indicator_values"])
        in graph.get(dg.AssetKey(["scorecard", "annex1"])).parent_keys
    )
    copy = graph.get(dg.AssetKey(["published", "warehouse"])).parent_keys
    assert {
        dg.AssetKey(["scorecard", "org_scores"]),
        dg.AssetKey(["completeness", "extracts_by_org"]),
    } <= copy


def test_the_delivery_schedule_is_off_and_runs_the_month_before():
    import datetime as dt

    schedule = defs.resolve_schedule_def("previous_month_on_delivery")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 6 5 * *"
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(
            scheduled_execution_time=dt.datetime(2022, 1, 5, 6),
            repository_def=defs.get_repository_def(),
            instance=instance,
        ) as ctx,
    ):
        assert schedule.evaluate_tick(ctx).run_requests[0].partition_key == "2021-12"
        assert instance.get_dynamic_partitions("months") == ["2021-12"]


def test_the_morning_monitoring_is_off_and_runs_the_day_apart_from_the_months():
    import datetime as dt

    schedule = defs.resolve_schedule_def("monitoring_each_morning")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 7 * * *"  # the profile's runs_at_hour
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(
            scheduled_execution_time=dt.datetime(2021, 6, 16, 7),
            repository_def=defs.get_repository_def(),
            instance=instance,
        ) as ctx,
    ):
        assert schedule.evaluate_tick(ctx).run_requests[0].partition_key == "2021-06-16"
        assert instance.get_dynamic_partitions("days") == ["2021-06-16"]
        assert instance.get_dynamic_partitions("months") == []
    daily = {k.path[0] for k in defs.resolve_job_def("daily_monitoring").asset_layer.executable_asset_keys}
    monthly = {k.path[0] for k in defs.resolve_job_def("monthly").asset_layer.executable_asset_keys}
    assert daily == {"daily", "monitoring"} and not daily & monthly


def test_the_monday_bulletin_is_off_and_makes_the_week_just_ended_apart_from_the_others():
    import datetime as dt

    schedule = defs.resolve_schedule_def("bulletin_each_monday")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 8 * * 1"  # an hour after the morning's monitoring
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(
            scheduled_execution_time=dt.datetime(2021, 6, 21, 8),
            repository_def=defs.get_repository_def(),
            instance=instance,
        ) as ctx,
    ):
        assert schedule.evaluate_tick(ctx).run_requests[0].partition_key == "2021-06-14"
    weekly = {
        tuple(k.path) for k in defs.resolve_job_def("weekly_bulletin").asset_layer.executable_asset_keys
    }
    monthly = {tuple(k.path) for k in defs.resolve_job_def("monthly").asset_layer.executable_asset_keys}
    daily = {
        tuple(k.path) for k in defs.resolve_job_def("daily_monitoring").asset_layer.executable_asset_keys
    }
    assert weekly == {("exports", "bulletin")} and not weekly & (monthly | daily)


def test_every_asset_defined_in_defs_is_loaded_without_being_listed():
    """definitions.py lists no asset: whatever a module under defs/ defines is in the definitions."""
    import importlib
    import pkgutil

    import dagster_project.defs as package

    defined = set()
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        for value in vars(importlib.import_module(info.name)).values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dg.AssetsDefinition):
                    defined |= set(item.keys)
    graph = defs.resolve_asset_graph()
    assert defined == {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}


def test_the_monthly_job_builds_the_unpartitioned_dbt_set_once_and_the_monthly_set_by_month():
    from dagster_project.defs.partitions import monthly

    graph = defs.resolve_asset_graph()
    assert defs.resolve_job_def(MONTHLY_JOB).partitions_def == monthly
    for key in (
        ["reference", "ref_organisations"],
        ["staging", "stg_platform__cases"],
        ["marts", "dim_calendar"],
    ):
        assert graph.get(dg.AssetKey(key)).partitions_def is None, key
    for key in (
        ["marts", "fct_certificates"],
        ["indicators", "ind_case_flow"],
        ["indicators", "ind_indicator_values"],
    ):
        assert graph.get(dg.AssetKey(key)).partitions_def == monthly, key
    # The monthly set reads the unpartitioned one: a run builds the views before the months.
    assert (
        dg.AssetKey(["marts", "fct_case_states"])
        in graph.get(dg.AssetKey(["indicators", "ind_case_flow__monthly"])).parent_keys
    )


def test_a_new_process_reuses_dbt_parse_for_any_warehouse_of_the_same_name(tmp_path):
    """The parse is shown a path of the file's name alone: a warehouse in another folder (the bench's,
    a second office's) reparses nothing, and its relations carry that name as their database."""
    import json

    from dagster_project.defs.transform import assets

    perf_info = assets.RUNS_TARGET / "perf_info.json"
    manifests = []
    for folder in ("first", "second"):
        assets.parsed_manifest.cache_clear()  # as a new process would
        run_file = tmp_path / folder / ".wh.duckdb.run"
        with assets.dbt_environment(run_file):
            manifests.append(assets.parsed_manifest(run_file.name, "dazhou"))
    assert json.loads(perf_info.read_text())["parsed_path_count"] == 0  # the second parse read no file
    assert not (assets.RUNS_TARGET / "parse").exists()  # the parse never opens the path it is shown
    databases = {node.database for node in manifests[1].nodes.values() if node.resource_type == "model"}
    assert databases == {"wh"}  # dbt-duckdb names the database after the file: .wh.duckdb.run -> wh
    assets.parsed_manifest.cache_clear()
