-- The activity aggregates of the slices a load holds, summed again from its raw rows (migration
-- 0012 says why they exist). The load itself sums each chunk as it reads it
-- (tasks/ingest/month_sums.py); this is the same sum for rows written some other way: the
-- benchmarks' generated history, and tests that remove raw rows after a load. One statement,
-- so the delete and the insert read the same snapshot.
with replaced as (
    delete from core.activity_month a
    using ops.load_slice s
    where s.load_id = %(load_id)s and a.org_code = s.org_code and a.period = s.period
)
insert into core.activity_month (org_code, period, pod, treatment_function_code, hrg_code,
                                 attendance_status, count, los_days, los_count, preop_days,
                                 preop_count, load_id)
select org_code, period, pod, treatment_function_code, hrg_code, attendance_status,
       sum(count), sum(los_days), sum(count) filter (where los_days is not null),
       sum(preop_days), sum(count) filter (where preop_days is not null), %(load_id)s
from raw.activity
where load_id = %(load_id)s
group by org_code, period, pod, treatment_function_code, hrg_code, attendance_status
