"""The asset graph as a committed snapshot (tests/snapshots/definitions.json): asset keys with their
group, partitions and deps, the checks, jobs, schedules and sensors. A change to the graph shows up as a
diff of that file in review, instead of in hand-listed key sets. After a deliberate change, regenerate
it with one command:

    YWTB_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/integration/test_definitions_snapshot.py
"""

import json
import os
from pathlib import Path

from dagster_project.definitions import defs

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "definitions.json"
REGENERATE = "YWTB_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/integration/test_definitions_snapshot.py"


def partitions(definition) -> str | None:
    if definition is None:
        return None
    name = getattr(definition, "name", None)
    return f"{type(definition).__name__}({name})" if name else type(definition).__name__


def definitions_snapshot() -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "partitions": partitions(node.partitions_def),
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
        }
    checks = sorted(
        f"{k.asset_key.to_user_string()}:{k.name}"
        + (" (blocking)" if graph.get_check_spec(k).blocking else "")
        for k in graph.asset_check_keys
    )
    jobs = sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))
    schedules = {
        s.name: {"cron": s.cron_schedule, "job": s.job_name, "default_status": s.default_status.value}
        for s in sorted(defs.schedules or [], key=lambda s: s.name)
    }
    sensors = {
        s.name: {"jobs": sorted(t.job_name for t in s.targets), "default_status": s.default_status.value}
        for s in sorted(defs.sensors or [], key=lambda s: s.name)
    }
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def test_the_definitions_match_the_committed_snapshot():
    current = json.dumps(definitions_snapshot(), ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("YWTB_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"no snapshot at {SNAPSHOT}: create it with\n    {REGENERATE}"
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert current == committed, (
        "the Dagster definitions differ from tests/snapshots/definitions.json. If the change is meant, "
        f"regenerate the snapshot and commit its diff:\n    {REGENERATE}"
    )
