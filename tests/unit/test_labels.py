"""One name per thing, in Chinese too: a column name has one label wherever the project describes it
(the dbt models and seeds, the raw contracts, the audit tables, the scorecard contracts, the tables
publish/ writes), and that label is the glossary's (schemas/glossary.py). Printed headers of the
annexes are as printed, not the project's own words, and are left out."""

import json
import re
from collections import defaultdict

from dagster_project.defs.ingest.store import AUDIT_DESCRIPTIONS, quarantine_columns, raw_columns
from dagster_project.defs.publish import four_indicators
from dagster_project.defs.publish.comments import descriptions, scorecard_contracts
from dagster_project.defs.transform.assets import DBT_DIR
from dagster_project.scoring.month_scores import field_name
from schemas.glossary import HOMONYMS, LABELS, label_of
from schemas.raw import CONTRACTS
from schemas.rubric import load_rubric, shipped_rubrics


def manifest() -> dict:
    return json.loads((DBT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def described_columns() -> dict[str, dict[str, str]]:
    """column name -> {place: description}, a place being 'kind relation' (e.g. 'dbt marts.fct_case_states')."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    m = manifest()
    for node in [*m["nodes"].values(), *m["sources"].values()]:
        for name, col in node.get("columns", {}).items():
            if col.get("description"):
                found[name][f"dbt {node['resource_type']} {node['schema']}.{node['name']}"] = col[
                    "description"
                ]
    for contract in CONTRACTS.values():
        for schema, columns in (("raw", raw_columns), ("quarantine", quarantine_columns)):
            for name, _, label in columns(contract):
                found[name][f"contract {schema}.{contract.name}"] = label
    for table, (_about, columns) in AUDIT_DESCRIPTIONS.items():
        for name, text in columns.items():
            found[name][f"AUDIT_DESCRIPTIONS audit.{table}"] = text
    for name, text in four_indicators.LABELS.items():
        found[name]["four_indicators.LABELS scorecard.target_checks"] = text
    for rubric_name in shipped_rubrics():
        rubric = load_rubric(rubric_name)
        if not rubric.categories:  # publishes targets or one table, no scorecard tables
            continue
        printed = {
            (f"scorecard.{name}", field_name(column) if column.score or column.input else column.field)
            for name, annex in rubric.annexes.items()
            for column in annex.columns
        }
        for schema in scorecard_contracts(rubric).values():
            for name, text in descriptions(schema).items():
                if (schema.name, name) not in printed:
                    found[name][f"schemas.marts.scorecard {schema.name} ({rubric_name})"] = text
    return found


def test_a_column_name_has_one_label_everywhere():
    clashes = []
    for name, places in sorted(described_columns().items()):
        by_label: dict[str, str] = {}
        for place, text in places.items():
            by_label.setdefault(label_of(text), place)
        if len(by_label) > 1 and not set(by_label) <= set(HOMONYMS.get(name, ())):
            clashes.append(
                f"{name}: " + " / ".join(f"'{label}' in {place}" for label, place in by_label.items())
            )
    assert not clashes, "\n".join(clashes)


def test_every_label_is_the_glossarys_and_every_shared_name_is_in_it():
    wrong = []
    for name, places in sorted(described_columns().items()):
        expected = HOMONYMS.get(name) or ((LABELS[name],) if name in LABELS else None)
        if expected is None:
            if len(places) > 1:
                wrong.append(f"{name}: described in {len(places)} places, not in schemas/glossary.py")
            continue
        wrong += [
            f"{name}: '{label_of(text)}' in {place}, the glossary says '{'/'.join(expected)}'"
            for place, text in places.items()
            if label_of(text) not in expected
        ]
    assert not wrong, "\n".join(wrong)


def test_the_glossary_names_only_columns_that_exist():
    assert not (set(LABELS) | set(HOMONYMS)) - set(described_columns())
    assert not set(LABELS) & set(HOMONYMS)


def test_a_staging_column_is_labelled_as_the_raw_column_it_renames():
    wrong = []
    for node in manifest()["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] != "staging":
            continue
        contract = CONTRACTS[node["name"].removeprefix("stg_platform__")]
        raw = {name: label for name, _, label in raw_columns(contract)}
        code = "\n".join(line.split("--")[0] for line in node["raw_code"].splitlines())
        renamed = {new: old for old, new in re.findall(r"\b(\w+)\s+as\s+(\w+)\b", code)}
        for name, col in node["columns"].items():
            source = renamed.get(name, name)
            if col.get("description") != raw.get(source):
                wrong.append(
                    f"{node['name']}.{name}: '{col.get('description')}', raw.{contract.name}.{source}: '{raw.get(source)}'"
                )
    assert not wrong, "\n".join(wrong)
