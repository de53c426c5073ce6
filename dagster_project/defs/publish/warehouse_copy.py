"""The analysts' copy: `published.duckdb` beside the working file, made from the run's warehouse and
swapped in when the run commits (see defs/transaction.py).

Analysts open the published copy, never the working file, so a run never waits for them and they never
see a half-written state; a run that fails leaves the copy they have as it was.
"""

import dagster as dg

from dagster_project.defs.partitions import monthly_asset
from dagster_project.defs.publish.comments import prepare_for_analysts
from dagster_project.defs.publish.scored_tables import scorecard_tables
from dagster_project.defs.resources import WarehouseResource
from dagster_project.defs.transform.assets import warehouse_monthly_models, warehouse_reference_models


@monthly_asset(
    ["published", "warehouse"],
    deps=[
        *warehouse_reference_models.keys,
        *warehouse_monthly_models.keys,
        *scorecard_tables.keys,
    ],
    kinds={"duckdb"},
    description="Read-only copy of the warehouse for analysts (published.duckdb beside the working file), swapped in when the run succeeds.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    prepare_for_analysts(context, warehouse)
    target, how, written = warehouse.prepare_publication()
    context.log.info(f"publication prepared for {target} ({how}: {written / 1e6:,.0f} MB written)")
    return dg.MaterializeResult(metadata={"path": str(target), "how": how, "bytes_written": written})
