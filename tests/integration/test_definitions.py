"""The Dagster definitions: one asset per extract, partitioned by month; the sensor finds complete months."""

import shutil

import dagster as dg

from dagster_project.definitions import MONTHLY_JOB, defs
from dagster_project.defs.ingest.sensors import month_status
from dagster_project.defs.resources import RawStoreResource
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


def test_the_sensor_requests_each_complete_month_once_and_again_when_a_file_changes(sample_raw):
    sensor = next(s for s in defs.sensors if s.name == "new_month_in_raw")
    resources = {"raw_store": RawStoreResource(root=str(sample_raw))}
    with dg.build_sensor_context(resources=resources) as ctx:
        first = list(sensor(ctx))
        requested = sorted(r.partition_key for r in first if isinstance(r, dg.RunRequest))
        assert requested == ["2021-02", "2021-04", "2021-06"]
        again = [r for r in sensor(ctx) if isinstance(r, dg.RunRequest)]
        assert again == []
