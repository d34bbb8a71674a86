-- drops: view core.ledger_fact
-- Ledger lines mapped onto the hierarchy where a mapping exists: a cost centre gives the
-- service, the service its directorate and group (core.service_directorate).
-- period is a date here, as in raw (the first of the month): the loader's slices, the month
-- windows and the indexes on (org_code, period) work on dates. The mart keeps the report
-- month as text YYYY-MM, pinned so for BI tools (INTERFACE.md); the calculation converts, once.
create view core.ledger_fact as
select l.org_code,
       l.period,
       core.financial_year(l.period) as financial_year,
       core.fin_month(l.period)      as fin_month,
       l.cost_centre,
       h.service, d.directorate, d.clinical_group,
       l.subjective_code,
       s.category,                    -- null: subjective code not in subjectives.csv
       s.staff_type,
       l.amount
from raw.ledger l
left join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
left join core.service_directorate d on d.org_code = h.org_code and d.service = h.service
left join core.subjectives s on s.subjective_code = l.subjective_code;
