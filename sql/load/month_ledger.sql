-- The ledger aggregates of the slices a load holds, summed again from its raw rows (migration
-- 0012 says why they exist). The load itself sums each chunk as it reads it
-- (tasks/ingest/month_sums.py); this is the same sum for rows written some other way: the
-- benchmarks' generated history, and tests that remove raw rows after a load. One statement,
-- so the delete and the insert read the same snapshot.
with replaced as (
    delete from core.ledger_month a
    using ops.load_slice s
    where s.load_id = %(load_id)s and a.org_code = s.org_code and a.period = s.period
)
insert into core.ledger_month (org_code, period, cost_centre, subjective_code, amount, magnitude,
                               load_id)
select org_code, period, cost_centre, subjective_code, sum(amount), sum(abs(amount)), %(load_id)s
from raw.ledger
where load_id = %(load_id)s
group by org_code, period, cost_centre, subjective_code
