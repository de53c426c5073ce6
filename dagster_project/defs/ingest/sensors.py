"""Start a run when a complete new month appears in raw/, or when a delivered file changes."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from dagster_project.defs.ingest.readers import FileProblem, find_file
from dagster_project.defs.partitions import monthly
from dagster_project.defs.resources import RawStoreResource
from schemas.raw import CONTRACTS


def month_status(folder: Path) -> tuple[str | None, list[str]]:
    """(fingerprint of the delivered files, extracts still missing). Pure over the file system."""
    files, missing = [], []
    for contract in CONTRACTS.values():
        try:
            path = find_file(folder, contract)
        except FileProblem:
            missing.append(contract.label)
            continue
        stat = path.stat()
        files.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    if missing:
        return None, missing
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:16], []


def monthly_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(job=job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
    def new_month_in_raw(context: dg.SensorEvaluationContext, raw_store: RawStoreResource):
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        keys = set(monthly.get_partition_keys())
        partial = []
        for folder in sorted(
            p for p in raw_store.folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]") if p.is_dir()
        ):
            if folder.name not in keys:
                continue
            fingerprint, missing = month_status(folder)
            if missing:
                partial.append(f"{folder.name} lacks {', '.join(missing)}")
            elif seen.get(folder.name) != fingerprint:
                seen[folder.name] = fingerprint
                yield dg.RunRequest(run_key=f"{folder.name}:{fingerprint}", partition_key=folder.name)
        context.update_cursor(json.dumps(seen, sort_keys=True))
        if partial:
            yield dg.SkipReason("incomplete months: " + "; ".join(partial))

    return new_month_in_raw
