-- The ledger aggregates of the slices a load holds, replaced with the sums of its rows
-- (migration 0012 says why). Run by the load, in its transaction, after its slices are its;
-- one statement, so the delete and the insert read the same snapshot.
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
