"""The dbt project follows the raw contracts, runs its layers one way and receives the partition the one
way it should."""

import json
import re

import dagster as dg
import pytest

from dagster_project.defs.ingest.store import raw_columns
from dagster_project.defs.transform.assets import (
    DBT_DIR,
    dbt_build_args,
    dbt_reference_build_args,
    run_months,
)
from schemas.raw import CONTRACTS

# The folders under dbt/models, in the order they run: a model reads only its own layer and the ones
# before it (reference data, the seeds, is read by any).
LAYERS = ["staging", "intermediate", "marts", "indicators", "completeness", "monitoring"]
# One name per thing: a warehouse timestamp is `<event>_at`, a boolean `is_`/`has_`, from staging on;
# the raw schema keeps the platform's names.
TIMESTAMP = re.compile(r".*_at$")
BOOLEAN = re.compile(r"^(is|has)_.*")


def manifest() -> dict:
    return json.loads((DBT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def layer(node: dict) -> str:
    if node["resource_type"] == "seed":
        return "reference"
    return node["original_file_path"].split("/")[1]


def models() -> dict[str, dict]:
    return {uid: n for uid, n in manifest()["nodes"].items() if n["resource_type"] == "model"}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_each_staging_model_selects_exactly_the_columns_of_its_raw_table(name):
    sql = (DBT_DIR / "models" / "staging" / f"stg_platform__{name}.sql").read_text()
    selected = re.search(r"select\s+(.*?)\s+from", sql, re.S).group(1)
    # Rename only: `raw_name` or `raw_name as warehouse_name`.
    read = [c.strip().split(" as ")[0] for c in selected.split(",")]
    assert read == [c for c, _, _ in raw_columns(CONTRACTS[name])]
    assert f"source('raw', '{name}')" in sql


def test_every_model_lives_in_a_known_layer_and_its_folder_is_its_schema():
    for node in models().values():
        assert layer(node) in LAYERS, f"{node['original_file_path']}: not a layer of {LAYERS}"
        assert node["schema"] == layer(node), node["name"]


def test_no_layer_reads_a_later_one_and_only_staging_reads_raw():
    nodes = {**manifest()["nodes"], **manifest()["sources"]}
    backwards = []
    for node in models().values():
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes[parent_id]
            if parent["resource_type"] == "source":
                if layer(node) in ("intermediate", "marts", "indicators"):
                    backwards.append(
                        f"{node['name']} reads the source {parent['name']}: read it through staging"
                    )
            elif parent["resource_type"] == "model" and LAYERS.index(layer(parent)) > LAYERS.index(
                layer(node)
            ):
                backwards.append(f"{node['name']} ({layer(node)}) reads {parent['name']} ({layer(parent)})")
    assert backwards == []


def test_model_names_say_their_layer():
    prefixes = {
        "staging": ("stg_",),
        "intermediate": ("int_",),
        "marts": ("fct_", "dim_"),
        "indicators": ("ind_", "ops_"),
    }
    for node in models().values():
        if layer(node) in prefixes:
            assert node["name"].startswith(prefixes[layer(node)]), node["name"]


def test_no_relation_depends_on_which_month_ran_last():
    """A model that reads the run's month is a table kept by month; a view never holds one."""
    for node in models().values():
        if "partition_month()" in node["raw_code"] or "indicator_windows()" in node["raw_code"]:
            assert node["config"]["materialized"] == "partition", node["name"]


def test_warehouse_columns_name_timestamps_and_booleans_one_way():
    wrong = []
    for node in models().values():
        for name, col in node["columns"].items():
            kind = (col.get("data_type") or "").lower()
            if kind.startswith("timestamp") and not TIMESTAMP.match(name):
                wrong.append(f"{node['name']}.{name}")
            if kind == "boolean" and not BOOLEAN.match(name):
                wrong.append(f"{node['name']}.{name}")
    assert wrong == []


def test_every_column_of_every_model_and_seed_is_described_in_chinese():
    undescribed = []
    for node in manifest()["nodes"].values():
        if node["resource_type"] not in ("model", "seed") or not node["description"]:
            if node["resource_type"] in ("model", "seed"):
                undescribed.append(node["name"])
            continue
        for name, col in node["columns"].items():
            if not re.search(r"[\u4e00-\u9fff]", col.get("description") or ""):
                undescribed.append(f"{node['name']}.{name}")
    assert undescribed == []


def test_the_auxiliary_modules_counted_are_the_ones_ingestion_accepts():
    from schemas.raw.project_cases import MODULES

    seed = (DBT_DIR / "seeds" / "ref_project_modules.csv").read_text(encoding="utf-8").split()
    assert seed[0] == "module_name"
    assert sorted(seed[1:]) == sorted(MODULES)


def test_the_monthly_set_is_every_partition_model_and_the_other_set_the_rest():
    from dagster_project.defs.transform.assets import warehouse_monthly_models, warehouse_reference_models

    monthly = {k.path[-1] for k in warehouse_monthly_models.keys}
    partitioned = {n["name"] for n in models().values() if n["config"]["materialized"] == "partition"}
    assert monthly == partitioned
    assert not monthly & {k.path[-1] for k in warehouse_reference_models.keys}
    assert {"ref_organisations", "dim_calendar", "stg_platform__cases"} <= {
        k.path[-1] for k in warehouse_reference_models.keys
    }


def test_the_unpartitioned_set_tests_the_months_of_its_run():
    assert run_months({"dagster/partition": "2021-06"}) == ["2021-06"]
    assert run_months(
        {"dagster/asset_partition_range_start": "2021-01", "dagster/asset_partition_range_end": "2021-03"}
    ) == ["2021-01", "2021-03"]
    assert run_months({}) == []
    args = dbt_reference_build_args(["2021-01", "2021-03"])
    assert json.loads(args[args.index("--vars") + 1]) == {"months": ["2021-01", "2021-03"]}
    assert args[args.index("--indirect-selection") + 1] == "cautious"


def test_the_partition_reaches_dbt_as_a_var():
    args = dbt_build_args("2021-06")
    assert args[0] == "build"
    assert json.loads(args[args.index("--vars") + 1]) == {"month": "2021-06"}


def test_dbt_models_are_keyed_by_schema_and_read_the_ingestion_assets():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    staging = {k for k in graph.get_all_asset_keys() if k.path[0] == "staging"}
    assert staging == {dg.AssetKey(["staging", f"stg_platform__{n}"]) for n in CONTRACTS}
    assert graph.get(dg.AssetKey(["staging", "stg_platform__cases"])).parent_keys == {
        dg.AssetKey(["raw", "cases"])
    }
    assert {k.path[1] for k in graph.get_all_asset_keys() if k.path[0] == "reference"} == {
        "ref_organisations",
        "ref_org_aliases",
        "ref_published_rows",
        "ref_calendar_overrides",
        "ref_calendar_days",
        "ref_indicators",
        "ref_online_depths",
        "ref_project_modules",
        "ref_extracts",
    }
    assert {k.path[1] for k in graph.get_all_asset_keys() if k.path[0] == "marts"} == {
        "dim_organisations",
        "dim_calendar",
        "fct_case_states",
        "fct_evaluations",
        "fct_certificates",
        "fct_projects",
        "fct_project_cases",
        "fct_spot_checks",
        "fct_matter_snapshots",
        "fct_assessed_inputs",
    }


def test_staging_accepts_exactly_the_codes_the_raw_contracts_map_to():
    import yaml

    models = yaml.safe_load((DBT_DIR / "models" / "staging" / "_staging__models.yml").read_text())["models"]
    for model in models:
        contract = CONTRACTS[model["name"].removeprefix("stg_platform__")]
        for col in model["columns"]:
            accepted = [
                t["accepted_values"]["arguments"]["values"]
                for t in col.get("data_tests", [])
                if "accepted_values" in t
            ]
            names = {c.name for c in contract.columns}
            if col["name"] in names and contract.column(col["name"]).kind == "code":
                assert accepted == [sorted(set(contract.column(col["name"]).codes.values()))], (
                    model["name"],
                    col["name"],
                )
