-- The workforce aggregates of the slices a load holds, replaced with the sums of its rows
-- (migration 0012 says why). Run by the load, in its transaction, after its slices are its;
-- one statement, so the delete and the insert read the same snapshot.
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
