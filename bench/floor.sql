-- The month's indicators by bare DuckDB, with nothing else (no validation, no quarantine, no
-- personal-data handling, no warehouse layers): the floors the pipeline is measured against
-- (bench/floor.py). They read the extracts as cases_in, evaluations_in, certificates_in and matters_in,
-- and a timestamp through ts(): straight from the delivered files (the compute floor) or from the
-- tables bare DuckDB stored them in (the keep floor). Parameters: month (its first day), calendar (the
-- working-day calendar seed).
create or replace temp table calendar as
select calendar_date, is_workday,
       sum(is_workday::int) over (order by calendar_date) as workday_ordinal
from read_csv($calendar);

create or replace temp table timed as
select c."实施机构编码" as dept_code,
       c."办件类型" = '承诺件' as is_promised,
       c."申请渠道" in ('网上', '移动端') as is_online,
       ts(c."申请时间") as apply_time,
       ts(c."受理时间") as accept_time,
       ts(c."办结时间") as finish_time,
       c."法定时限（工作日）"::int as legal_days,
       c."承诺时限（工作日）"::int as promised_days
from cases_in c;

create or replace temp table case_flow as
with t as (
    select t.*, f.workday_ordinal - a.workday_ordinal as working_days,
           date_diff('day', accept_time::date, finish_time::date) as calendar_days,
           (case when is_promised then (d.calendar_date + interval 1 day)::timestamp
                 else accept_time + interval 24 hour end) as deadline_at
    from timed t
    left join calendar a on a.calendar_date = t.accept_time::date
    left join calendar f on f.calendar_date = t.finish_time::date
    left join calendar d on d.is_workday and d.workday_ordinal = a.workday_ordinal + t.promised_days
),
w as (
    select *,
           apply_time >= $month and apply_time < $month + interval 1 month as is_applied,
           coalesce(accept_time >= $month and accept_time < $month + interval 1 month, false) as is_accepted,
           coalesce(finish_time >= $month and finish_time < $month + interval 1 month, false) as is_finished,
           coalesce(finish_time >= deadline_at, false) as is_late
    from t
)
select dept_code,
       count(*) filter (where is_applied) as applied,
       count(*) filter (where is_accepted) as accepted,
       count(*) filter (where is_finished) as finished,
       count(*) filter (where is_finished and is_late) as finished_late,
       count(*) filter (where is_finished and is_promised) as promised_finished,
       count(*) filter (where is_finished and is_online) as online_finished,
       sum(legal_days - promised_days) filter (where is_applied or is_accepted or is_finished)
           / nullif(sum(legal_days) filter (where is_applied or is_accepted or is_finished), 0) as promise_speedup_rate,
       sum(legal_days - calendar_days) filter (where is_finished and is_promised)
           / nullif(sum(legal_days) filter (where is_finished and is_promised), 0) as handling_speedup_rate
from w group by all;

create or replace temp table evaluation_counts as
select "实施机构编码" as dept_code,
       count(*) filter (where "评价类型" = '主动评价') as active_evaluations,
       count(*) filter (where "评价等级"::int >= 3) / count(*) as satisfaction_rate
from evaluations_in group by all;

create or replace temp table certificate_counts as
select "实施机构编码" as dept_code,
       count(*) filter (where "证照来源" = '实时生成') as realtime,
       count(*) filter (where "证照来源" = '存量' and "已加盖电子印章" = '是')
           / nullif(count(*) filter (where "证照来源" = '存量'), 0) as stock_seal_rate
from certificates_in group by all;

create or replace temp table matter_counts as
select "实施机构编码" as dept_code,
       count(*) filter (where "依申请" = '是') as on_application,
       count(*) filter (where "依申请" = '是' and "网办深度" = '4') / nullif(count(*) filter (where "依申请" = '是'), 0)
           as full_online_rate
from matters_in group by all;

select count(*) as organisations
from case_flow
full join evaluation_counts using (dept_code)
full join certificate_counts using (dept_code)
full join matter_counts using (dept_code);
