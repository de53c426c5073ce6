"""The completeness tables know the extracts as the contracts do: ref_extracts names each extract with
its contract's label and the column (one of the contract's) that names a row's organisation, and
extracts_by_org reads every extract, loaded and quarantined."""

import csv

import pytest

from dagster_project.defs.transform.assets import DBT_DIR, manifest_json
from schemas.raw import CONTRACTS

with (DBT_DIR / "seeds" / "ref_extracts.csv").open(encoding="utf-8") as f:
    EXTRACTS = {row["extract"]: row for row in csv.DictReader(f)}


def test_the_reference_lists_every_extract_of_the_contracts():
    assert list(EXTRACTS) == list(CONTRACTS)


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_an_extract_is_labelled_as_its_contract_and_names_organisations_in_a_column_it_has(name):
    row, contract = EXTRACTS[name], CONTRACTS[name]
    assert row["extract_label"] == contract.label
    if row["org_column"]:
        assert row["org_column"] in [c.name for c in contract.stored_columns]


def test_extracts_by_org_reads_every_extract_loaded_and_quarantined():
    parents = set(manifest_json()["nodes"]["model.ywtb.extracts_by_org"]["depends_on"]["nodes"])
    for name in CONTRACTS:
        assert {f"source.ywtb.raw.{name}", f"source.ywtb.quarantine.{name}"} <= parents, name
