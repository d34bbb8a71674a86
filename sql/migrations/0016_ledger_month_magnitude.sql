-- The ledger's month aggregates keep the size of their lines as well as their sum. The
-- data-quality checks judge an unmapped cost centre or an unknown subjective by the share of
-- the trust's ledger its lines make up, each line at its size (a £1m charge and its £1m
-- reversal are £2m of miscoded lines, not nothing); since issue 18 they read the month
-- aggregates, not raw, so the aggregates carry it.
alter table core.ledger_month add column magnitude numeric;

update core.ledger_month m set magnitude = r.magnitude
from (select org_code, period, cost_centre, subjective_code, sum(abs(amount)) as magnitude
      from raw.ledger group by org_code, period, cost_centre, subjective_code) r
where r.org_code = m.org_code and r.period = m.period and r.cost_centre = m.cost_centre
  and r.subjective_code = m.subjective_code;

alter table core.ledger_month alter column magnitude set not null;
