-- Every trust with figures and the months calculated for it: what `prodpack explain` checks
-- the trust and month asked for against, and names when either is unknown.
select org_code, period
from mart.implied_productivity
where level = 'trust'
group by org_code, period
order by org_code, period
