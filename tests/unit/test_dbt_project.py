"""The dbt project follows the raw contracts and receives the partition the one way it should."""

import json
import re

import dagster as dg
import pytest

from dagster_project.defs.ingest.store import raw_columns
from dagster_project.defs.transform.assets import DBT_DIR, dbt_build_args
from schemas.raw import CONTRACTS


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_each_staging_model_selects_exactly_the_columns_of_its_raw_table(name):
    sql = (DBT_DIR / "models" / "staging" / f"stg_platform__{name}.sql").read_text()
    selected = re.search(r"select\s+(.*?)\s+from", sql, re.S).group(1)
    assert [c.strip() for c in selected.split(",")] == [c for c, _, _ in raw_columns(CONTRACTS[name])]
    assert f"source('raw', '{name}')" in sql


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
        "ref_calendar_days",
        "ref_indicators",
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
        "ops_case_flow",
        "ind_indicator_values",
    }


def test_staging_accepts_exactly_the_codes_the_raw_contracts_map_to():
    import yaml

    models = yaml.safe_load((DBT_DIR / "models" / "staging" / "_platform__models.yml").read_text())["models"]
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
