-- The workforce aggregates of the slices a load holds, summed again from its raw rows (migration
-- 0012 says why they exist). The load itself sums each chunk as it reads it
-- (tasks/ingest/month_sums.py); this is the same sum for rows written some other way: the
-- benchmarks' generated history, and tests that remove raw rows after a load. One statement,
-- so the delete and the insert read the same snapshot.
with replaced as (
    delete from core.workforce_month a
    using ops.load_slice s
    where s.load_id = %(load_id)s and a.org_code = s.org_code and a.period = s.period
)
insert into core.workforce_month (org_code, period, cost_centre, staff_group, wte,
                                  sickness_fte_days, load_id)
select org_code, period, cost_centre, staff_group, sum(contracted_wte), sum(sickness_fte_days),
       %(load_id)s
from raw.workforce
where load_id = %(load_id)s
group by org_code, period, cost_centre, staff_group
