-- severity: warn
-- title: Implausible jumps
-- message: {count} service figure(s) moved more than the plausibility bound: {codes}. Check for miscoding or a missing or doubled file before reading the productivity figures.
-- Month on month and year on year, per service: nominal cost, WTE and cost-weighted activity.
-- Small figures (under the floor) are left out: a 2-WTE service doubling is not news.
with months(period, label) as (
    values (%(report_month)s::date, 'this month'),
           ((%(report_month)s::date - interval '1 month')::date, 'the month before'),
           ((%(report_month)s::date - interval '12 months')::date, 'a year before')
), measures as (
    select org_code, service, period, 'cost' as measure, sum(amount) as value, 10000 as floor
    from core.ledger_fact
    where category in ('pay', 'non_pay') and service is not null and period = any(array(select period from months))
    group by 1, 2, 3
    union all
    select org_code, service, period, 'WTE', sum(contracted_wte), 5
    from core.workforce_fact
    where service is not null and period = any(array(select period from months))
    group by 1, 2, 3
    union all
    select org_code, service, period, 'activity', sum(count * unit_cost), 10000
    from core.activity_fact
    where counts_as_activity and service is not null and period = any(array(select period from months))
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
