-- What moved each figure (METHODOLOGY.md, "What moved it"): every index of every node, window
-- and basis split into components that add up. Activity by point of delivery, real-terms
-- cost by kind of spend (substantive, bank and agency pay from subjectives.csv's staff type,
-- pay without one counting as substantive; non-pay), WTE by staff group. Runs after
-- sql/calc/implied_productivity.sql in its transaction, from its temp tables and the same
-- month aggregates, mapping, prices and deflators, so each side sums to its index minus one.

create temp table driver_fact on commit drop as
select a.org_code, a.period, sm.service, 'activity' as side, a.pod as component,
       sum(a.count * p.unit_cost) as value
from core.activity_month a
left join core.specialty_map sm
       on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
cross join lateral core.unit_price(a.pod, a.hrg_code) p
where a.period = any(array(select period from calc_month))
  and a.org_code in (select org_code from calc_org)
  and core.counts_as_activity(a.attendance_status) and p.unit_cost is not null
group by 1, 2, 3, 4, 5
union all
select l.org_code, l.period, h.service, 'cost',
       case s.category when 'non_pay' then 'non_pay'
                       else 'pay_' || coalesce(s.staff_type, 'substantive') end,
       sum(l.amount / case s.category when 'pay' then d.pay_index else d.non_pay_index end)
from core.ledger_month l
join core.subjectives s on s.subjective_code = l.subjective_code
join calc_month m on m.period = l.period
join core.deflators d on d.financial_year = m.financial_year
left join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
where l.org_code in (select org_code from calc_org) and s.category in ('pay', 'non_pay')
group by 1, 2, 3, 4, 5
union all
select w.org_code, w.period, h.service, 'wte', coalesce(w.staff_group, 'Not stated'),
       sum(w.wte)
from core.workforce_month w
left join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre
where w.period = any(array(select period from calc_month))
  and w.org_code in (select org_code from calc_org)
group by 1, 2, 3, 4, 5;

-- Each component per node, basis, window and role; WTE, like the node's, a mean over months.
create temp table driver_sum on commit drop as
select f.org_code, w.basis, w.time_window, w.role, lvl.level, lvl.node, f.side, f.component,
       sum(f.value) / case f.side when 'wte' then min(w.months_in_window) else 1 end as value
from driver_fact f
join calc_window w on w.period = f.period
join calc_rollup lvl on lvl.org_code = f.org_code and lvl.service_key = coalesce(f.service, '')
group by f.org_code, w.basis, w.time_window, w.role, lvl.level, lvl.node, f.side, f.component;

delete from mart.ip_driver
where period = (select to_char(report, 'YYYY-MM') from calc_param)
  and org_code in (select org_code from calc_org);

-- Contributions share the node's comparison total: null where its index is (no base, or last
-- year's months not all loaded). The cost side's opportunities share A, so they sum to the
-- node's cost opportunity.
insert into mart.ip_driver (org_code, period, time_window, basis, level, node, side, component,
                            base_value, current_value, contribution, opportunity)
select r.org_code, to_char(p.report, 'YYYY-MM'), r.time_window, r.basis, r.level, r.node,
       d.side, d.component, d.base_value, d.current_value,
       case when r.comparison_loaded
            then (d.current_value - d.base_value)
                 / nullif(case d.side when 'activity' then r.cwa_base
                                      when 'cost' then r.cost_base else r.wte_base end, 0)
       end,
       case when d.side = 'cost' and r.comparison_loaded
            then d.current_value - d.base_value * r.activity_index end
from (
    select coalesce(c.org_code, b.org_code) as org_code, coalesce(c.basis, b.basis) as basis,
           coalesce(c.time_window, b.time_window) as time_window,
           coalesce(c.level, b.level) as level, coalesce(c.node, b.node) as node,
           coalesce(c.side, b.side) as side, coalesce(c.component, b.component) as component,
           coalesce(b.value, 0) as base_value, coalesce(c.value, 0) as current_value
    from (select * from driver_sum where role = 'current') c
    full join (select * from driver_sum where role = 'base') b
           on b.org_code = c.org_code and b.basis = c.basis and b.time_window = c.time_window
          and b.level = c.level and b.node = c.node and b.side = c.side
          and b.component = c.component
) d
join calc_result r on r.org_code = d.org_code and r.basis = d.basis
                  and r.time_window = d.time_window and r.level = d.level and r.node = d.node
cross join calc_param p;
