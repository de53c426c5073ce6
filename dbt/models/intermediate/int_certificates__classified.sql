-- Certificates by origin: 实时生成 from a case, 补录 back-filled for a case, 存量 stock (no case).
select
    *,
    origin = 'realtime' as is_realtime,
    origin = 'backfilled' as is_backfilled,
    origin = 'stock' as is_stock
from {{ ref('stg_platform__certificates') }}
