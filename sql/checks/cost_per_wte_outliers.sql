-- severity: warn
-- title: Pay per WTE outliers
-- message: {count} service(s) have pay per WTE far from the trust's typical figure: {codes}. Often pay and staff coded to different cost centres.
-- Substantive and bank pay (agency staff carry no WTE) per WTE in the report month, against
-- the median of the trust's services; outside ratio or 1/ratio of it is flagged. Read from
-- the report month's aggregates (migration 0012), mapped by the hierarchy.
with trust as (
    select distinct s.org_code from ops.load_slice s
    where %(orgs)s::text[] is null or s.org_code = any(%(orgs)s::text[])
), pay as (
    select l.org_code, h.service, sum(l.amount) as pay
    from core.ledger_month l
    join core.subjectives s on s.subjective_code = l.subjective_code
    join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
    where l.period = %(report_month)s and l.org_code = any(array(select org_code from trust))
      and s.category = 'pay' and coalesce(s.staff_type, 'substantive') <> 'agency'
    group by 1, 2
), wte as (
    select w.org_code, h.service, sum(w.wte) as wte
    from core.workforce_month w
    join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre
    where w.period = %(report_month)s and w.org_code = any(array(select org_code from trust))
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
