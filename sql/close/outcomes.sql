-- What the publish runs of these trusts (text[]) produced for the month, where they got that
-- far: their reports, executive emails and alerts.
select org_code, outcome
from ops.trust_close
where month = %(month)s and org_code = any(%(orgs)s) and outcome is not null
order by org_code
