-- severity: warn
-- title: Pay per WTE outliers
-- message: {count} service(s) have pay per WTE far from the trust's typical figure: {codes}. Often pay and staff coded to different cost centres.
-- Substantive and bank pay (agency staff carry no WTE) per WTE in the report month, against
-- the median of the trust's services; outside ratio or 1/ratio of it is flagged.
with pay as (
    select org_code, service, sum(amount) as pay
    from core.ledger_fact
    where period = %(report_month)s and category = 'pay' and coalesce(staff_type, 'substantive') <> 'agency'
      and service is not null
    group by 1, 2
), wte as (
    select org_code, service, sum(contracted_wte) as wte
    from core.workforce_fact
    where period = %(report_month)s and service is not null
    group by 1, 2
), per_wte as (
    select p.org_code, p.service, p.pay / w.wte as pay_per_wte, w.wte
    from pay p join wte w using (org_code, service)
    where w.wte >= 1
), typical as (
    select org_code, percentile_cont(0.5) within group (order by pay_per_wte) as median
    from per_wte group by 1
)
select p.org_code, p.service as code, round(p.pay_per_wte, 2) as value, '£ per WTE' as unit,
       format('£%%s pay per WTE this month against a trust median of £%%s (%%s WTE)',
              to_char(p.pay_per_wte, 'FM999,990'), to_char(t.median, 'FM999,990'), round(p.wte, 1)) as detail
from per_wte p join typical t using (org_code)
where p.pay_per_wte > %(cost_per_wte_ratio)s * t.median
   or p.pay_per_wte < t.median / %(cost_per_wte_ratio)s
order by 1, 2
