"""Start a run when a complete month appears in raw/ or a built month's files change."""

from pathlib import Path

import dagster as dg

from dagster_project.defs.file_copies import published_path
from dagster_project.defs.ingest.deliveries import built_fingerprints, month_status
from dagster_project.defs.partitions import MONTHLY_JOB, MONTHS, monthly
from dagster_project.defs.resources import RawStoreResource, WarehouseResource


def months_to_run(raw: Path, published: Path) -> tuple[list[str], list[str], list[str]]:
    """(complete months, those whose files differ from what the published copy was built from,
    'YYYY-MM lacks …' for each incomplete month). Pure over the file system."""
    built = built_fingerprints(published)
    complete, due, partial = [], [], []
    for folder in sorted(p for p in raw.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]") if p.is_dir()):
        fingerprint, missing = month_status(folder)
        if missing:
            partial.append(f"{folder.name} lacks {', '.join(missing)}")
            continue
        complete.append(folder.name)
        if built.get(folder.name) != fingerprint:
            due.append(folder.name)
    return complete, due, partial


@dg.sensor(job_name=MONTHLY_JOB, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def new_month_in_raw(
    context: dg.SensorEvaluationContext, raw_store: RawStoreResource, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Requests a run for each complete month whose files differ from what the published copy was
    built from, and registers complete months as partitions; says what each incomplete month
    lacks. Off by default: switch it on in the UI."""
    complete, due, partial = months_to_run(raw_store.folder, published_path(warehouse.working_file))
    if partial:
        context.log.info("incomplete months: " + "; ".join(partial))
    new = sorted(set(complete) - set(context.instance.get_dynamic_partitions(MONTHS)))
    register = [monthly.build_add_request(new)] if new else []
    if due:
        # The run key names the files: the same delivery is never requested twice.
        requests = [
            dg.RunRequest(run_key=f"{month}:{month_status(raw_store.folder / month)[0]}", partition_key=month)
            for month in due
        ]
        return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=register)
    reason = (
        ("incomplete months: " + "; ".join(partial)) if partial else "every complete month in raw/ is built"
    )
    return dg.SensorResult(skip_reason=reason, dynamic_partitions_requests=register)
