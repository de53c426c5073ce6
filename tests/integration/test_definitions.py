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


def test_the_published_layer_follows_the_warehouse_and_the_copy_comes_last():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {
        k.to_user_string()
        for k in graph.get_all_asset_keys()
        if k.path[0] in ("scorecard", "exports", "completeness")
    }
    assert keys == {
        "scorecard/item_scores",
        "scorecard/org_scores",
        "scorecard/rectification_ledger",
        *(f"scorecard/annex{n}" for n in range(1, 9)),
        "scorecard/target_checks",
        "exports/four_indicators",
        "completeness/extracts_by_org",
        "completeness/matters_without_cases",
        "exports/annexes",
        "exports/ops_tables",
        "exports/feedback_forms",
        "exports/report",
    }
    assert (
        dg.AssetKey(["marts", "ind_indicator_values"])
        in graph.get(dg.AssetKey(["scorecard", "annex1"])).parent_keys
    )
    copy = graph.get(dg.AssetKey(["published", "warehouse"])).parent_keys
    assert {
        dg.AssetKey(["scorecard", "org_scores"]),
        dg.AssetKey(["completeness", "extracts_by_org"]),
    } <= copy
