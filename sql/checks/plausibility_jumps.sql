-- severity: warn
-- title: Implausible jumps
-- message: {count} service figure(s) moved more than the plausibility bound: {codes}. Check for miscoding or a missing or doubled file before reading the productivity figures.
-- Month on month and year on year, per service: nominal cost, WTE and cost-weighted activity.
-- Small figures (under the floor) are left out: a 2-WTE service doubling is not news.
-- Read from the month aggregates of the three months compared (migration 0012), mapped and
-- priced as core.*_fact map and price them: the hierarchy, the specialty map,
-- core.unit_price and core.counts_as_activity.
with months(period, label) as (
    values (%(report_month)s::date, 'this month'),
           ((%(report_month)s::date - interval '1 month')::date, 'the month before'),
           ((%(report_month)s::date - interval '12 months')::date, 'a year before')
), trust as (
    select distinct s.org_code from ops.load_slice s
    where %(orgs)s::text[] is null or s.org_code = any(%(orgs)s::text[])
), measures as (
    select l.org_code, h.service, l.period, 'cost' as measure, sum(l.amount) as value, 10000 as floor
    from core.ledger_month l
    join core.subjectives s on s.subjective_code = l.subjective_code
    join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
    where s.category in ('pay', 'non_pay') and l.period = any(array(select period from months))
      and l.org_code = any(array(select org_code from trust))
    group by 1, 2, 3
    union all
    select w.org_code, h.service, w.period, 'WTE', sum(w.wte), 5
    from core.workforce_month w
    join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre
    where w.period = any(array(select period from months))
      and w.org_code = any(array(select org_code from trust))
    group by 1, 2, 3
    union all
    select a.org_code, sm.service, a.period, 'activity', sum(a.count * p.unit_cost), 10000
    from core.activity_month a
    join core.specialty_map sm
      on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
    cross join lateral core.unit_price(a.pod, a.hrg_code) p
    where core.counts_as_activity(a.attendance_status) and a.period = any(array(select period from months))
      and a.org_code = any(array(select org_code from trust))
    group by 1, 2, 3
)
select cur.org_code,
       format('%%s %%s vs %%s', cur.service, cur.measure, m.label) as code,
       round(cur.value / prev.value - 1, 4) as value,
       'change' as unit,
       format('%%s %%s %%s against %%s %%s (%%s%%%%)', cur.service, cur.measure,
              round(cur.value, 1), m.label, round(prev.value, 1),
              round(100 * (cur.value / prev.value - 1), 1)) as detail
from measures cur
join months m on m.period <> cur.period
join measures prev on prev.org_code = cur.org_code and prev.service = cur.service
                  and prev.measure = cur.measure and prev.period = m.period
where cur.period = %(report_month)s
  and abs(prev.value) >= prev.floor
  and abs(cur.value / prev.value - 1) > %(jump_bound)s
order by 1, abs(cur.value / prev.value - 1) desc
