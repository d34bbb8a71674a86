-- Implied productivity and efficiency indicators for one report month, on both bases
-- (METHODOLOGY.md). Reads calc_param (report date, base_year, the orgs asked for or null for
-- every org), made by tasks/calculate/run.py in the same transaction; replaces the month's
-- mart rows of the orgs it calculates (peer ranks, across every org, are peer_rank.sql's).

-- The months each window compares on each basis, and how many calendar days they hold
-- (sickness rate).
create temp table calc_window on commit drop as
select w.basis, w.time_window, w.role, w.period,
       core.financial_year(w.period) as financial_year,
       count(*) over (partition by w.basis, w.time_window, w.role) as months_in_window,
       sum(extract(day from (w.period + interval '1 month - 1 day'))::int)
           over (partition by w.basis, w.time_window, w.role) as days_in_window
from calc_param p, core.report_windows(p.report, p.base_year) w;

-- Each month read once, however many windows and bases hold it: a month in two roles (a
-- report month of the base year itself) must not count its ledger twice.
create temp table calc_month on commit drop as
select period, financial_year, bool_or(role = 'current') as is_current
from calc_window group by period, financial_year;

-- Orgs calculated: those with any fact in the report year's months (of those asked for).
create temp table calc_org on commit drop as
select distinct org_code from core.loaded_slice
where source in ('ledger', 'workforce', 'activity')
  and period = any(array(select period from calc_month where is_current))
  and ((select orgs from calc_param) is null
       or org_code = any(array(select unnest(orgs) from calc_param)));

-- Whether each org has every comparison month of each window loaded (core.comparison_loaded):
-- the base year's are the data-quality checks' to insist on (a missing one blocks the trust);
-- last year's may simply not be there, and then the prior-year figure is null.
create temp table calc_comparison on commit drop as
select c.org_code, c.basis, c.time_window, c.loaded
from calc_param p,
     core.comparison_loaded(p.report, p.base_year, array(select org_code from calc_org)) c;

-- Every node of every calculated org's hierarchy, whether or not it has data this month:
-- services from the hierarchy and the specialty map, each in its one directorate and group
-- (core.service_directorate, the rule the fact views use too).
create temp table calc_service on commit drop as
select s.org_code, s.service, d.directorate, d.clinical_group
from (
    select org_code, service from core.hierarchy
    union
    select org_code, service from core.specialty_map
) s
left join core.service_directorate d on d.org_code = s.org_code and d.service = s.service
where s.org_code in (select org_code from calc_org);

create temp table calc_node on commit drop as
select org_code, 'trust' as level, org_code as node, null::text as parent_level,
       null::text as parent_node, null::text as clinical_group, null::text as directorate
from calc_org
union all
select distinct org_code, 'clinical_group', clinical_group, 'trust', org_code, clinical_group, null
from calc_service where clinical_group is not null
union all
select distinct on (org_code, directorate)
       org_code, 'directorate', directorate, 'clinical_group', clinical_group, clinical_group,
       directorate
from calc_service where directorate is not null
union all
select org_code, 'service', service,
       case when directorate is null then 'trust' else 'directorate' end,
       coalesce(directorate, org_code), clinical_group, directorate
from calc_service;

-- The nodes a service's figures count towards: the trust, its clinical group and directorate,
-- itself. Unmapped facts (no service, key '') count at the trust only. The one home of the
-- roll-up that the figures (calc_sum) and the drivers (sql/calc/drivers.sql) both sum by.
create temp table calc_rollup on commit drop as
select o.org_code, coalesce(s.service, '') as service_key, lvl.level, lvl.node
from calc_org o
left join calc_service s on s.org_code = o.org_code
cross join lateral (values ('trust', o.org_code),
                           ('clinical_group', s.clinical_group),
                           ('directorate', s.directorate),
                           ('service', s.service)) lvl (level, node)
where lvl.node is not null
union
select org_code, '', 'trust', org_code from calc_org;

-- One row per (org, month, service) with every sum the outputs need; service is null where
-- the cost centre or treatment function is unmapped (it still counts for the trust).
create temp table calc_fact on commit drop as
-- Facts come summed to the codes that decide their mapping, price and deflator (the month
-- aggregates each load keeps, migration 0012), so the joins and the numeric division run over
-- thousands of groups, not millions of rows.
with ledger_by_code as (
    select org_code, period, cost_centre, subjective_code, amount
    from core.ledger_month
    where period = any(array(select period from calc_month))
      and org_code in (select org_code from calc_org)
),
ledger as (
    select l.org_code, l.period, h.service,
           sum(l.amount / case s.category when 'pay' then d.pay_index else d.non_pay_index end)
               as cost_real,
           sum(l.amount) as cost_nominal,
           sum(l.amount * case s.category when 'pay' then d.pay_index else d.non_pay_index end)
               as cost_nominal_x_index,
           sum(l.amount) filter (where s.category = 'pay') as pay_nominal,
           sum(l.amount) filter (where s.category = 'pay' and s.staff_type = 'agency')
               as agency_pay_nominal
    from ledger_by_code l
    join core.subjectives s on s.subjective_code = l.subjective_code
    join calc_month m on m.period = l.period
    join core.deflators d on d.financial_year = m.financial_year
    left join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
    where s.category in ('pay', 'non_pay')
    group by 1, 2, 3
),
workforce_by_code as (
    select org_code, period, cost_centre, wte, sickness_fte_days
    from core.workforce_month
    where period = any(array(select period from calc_month))
      and org_code in (select org_code from calc_org)
),
workforce as (
    select w.org_code, w.period, h.service,
           sum(w.wte) as wte,
           sum(w.sickness_fte_days) as sickness_fte_days
    from workforce_by_code w
    left join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre
    group by 1, 2, 3
),
activity_by_code as (
    select org_code, period, pod, treatment_function_code, hrg_code, attendance_status,
           count, los_days, los_count, preop_days, preop_count
    from core.activity_month
    where period = any(array(select period from calc_month))
      and org_code in (select org_code from calc_org)
),
activity as (
    -- The mapping, pricing and attendance rules of core.activity_fact, from the same homes:
    -- specialty_map.csv, core.unit_price and core.counts_as_activity (sql/views).
    select a.org_code, a.period, sm.service,
           sum(a.count * p.unit_cost) filter (where core.counts_as_activity(a.attendance_status)) as cwa,
           sum(a.count) filter (where core.counts_as_activity(a.attendance_status)
                                  and p.unit_cost is null) as unpriced,
           sum(a.count) filter (where a.pod = 'EL') as el_spells,
           sum(a.los_days) filter (where a.pod = 'EL') as el_los_days,
           sum(a.los_count) filter (where a.pod = 'EL') as el_los_spells,
           sum(a.count) filter (where a.pod = 'NEL') as nel_spells,
           sum(a.los_days) filter (where a.pod = 'NEL') as nel_los_days,
           sum(a.los_count) filter (where a.pod = 'NEL') as nel_los_spells,
           sum(a.count) filter (where a.pod = 'DC') as dc_spells,
           sum(a.preop_days) filter (where a.pod = 'EL') as preop_days,
           sum(a.preop_count) filter (where a.pod = 'EL') as preop_spells,
           sum(a.count) filter (where a.pod = 'OPFA'
                                  and core.counts_as_activity(a.attendance_status)) as opfa_attended,
           sum(a.count) filter (where a.pod = 'OPFU'
                                  and core.counts_as_activity(a.attendance_status)) as opfu_attended,
           sum(a.count) filter (where a.pod in ('OPFA', 'OPFU') and a.attendance_status = 'dna')
               as op_dna
    from activity_by_code a
    left join core.specialty_map sm
           on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
    cross join lateral core.unit_price(a.pod, a.hrg_code) p
    group by 1, 2, 3
)
select org_code, period, service,
       coalesce(sum(cost_real), 0) as cost_real,
       coalesce(sum(cost_nominal), 0) as cost_nominal,
       coalesce(sum(cost_nominal_x_index), 0) as cost_nominal_x_index,
       coalesce(sum(pay_nominal), 0) as pay_nominal,
       coalesce(sum(agency_pay_nominal), 0) as agency_pay_nominal,
       coalesce(sum(wte), 0) as wte,
       sum(sickness_fte_days) as sickness_fte_days,
       coalesce(sum(cwa), 0) as cwa,
       coalesce(sum(unpriced), 0) as unpriced,
       coalesce(sum(el_spells), 0) as el_spells,
       sum(el_los_days) as el_los_days,
       coalesce(sum(el_los_spells), 0) as el_los_spells,
       coalesce(sum(nel_spells), 0) as nel_spells,
       sum(nel_los_days) as nel_los_days,
       coalesce(sum(nel_los_spells), 0) as nel_los_spells,
       coalesce(sum(dc_spells), 0) as dc_spells,
       sum(preop_days) as preop_days,
       coalesce(sum(preop_spells), 0) as preop_spells,
       coalesce(sum(opfa_attended), 0) as opfa_attended,
       coalesce(sum(opfu_attended), 0) as opfu_attended,
       coalesce(sum(op_dna), 0) as op_dna
from (
    select org_code, period, service, cost_real, cost_nominal, cost_nominal_x_index,
           pay_nominal, agency_pay_nominal,
           null::numeric as wte, null::numeric as sickness_fte_days,
           null::numeric as cwa, null::bigint as unpriced,
           null::bigint as el_spells, null::bigint as el_los_days, null::bigint as el_los_spells,
           null::bigint as nel_spells, null::bigint as nel_los_days, null::bigint as nel_los_spells,
           null::bigint as dc_spells, null::bigint as preop_days, null::bigint as preop_spells,
           null::bigint as opfa_attended, null::bigint as opfu_attended, null::bigint as op_dna
    from ledger
    union all
    select org_code, period, service, null, null, null, null, null, wte, sickness_fte_days,
           null, null, null, null, null, null, null, null, null, null, null, null, null, null
    from workforce
    union all
    select org_code, period, service, null, null, null, null, null, null, null,
           cwa, unpriced, el_spells, el_los_days, el_los_spells, nel_spells, nel_los_days,
           nel_los_spells, dc_spells, preop_days, preop_spells, opfa_attended, opfu_attended,
           op_dna
    from activity
) parts
group by org_code, period, service;

-- Sums per node, basis, window and role (current or base). WTE is a mean over the window's
-- months.
create temp table calc_sum on commit drop as
select f.org_code, w.basis, w.time_window, w.role, lvl.level, lvl.node,
       sum(f.cwa) as cwa,
       sum(f.cost_real) as cost,
       sum(f.cost_nominal) as cost_nominal,
       sum(f.cost_nominal_x_index) as cost_nominal_x_index,
       sum(f.pay_nominal) as pay_nominal,
       sum(f.agency_pay_nominal) as agency_pay_nominal,
       sum(f.wte) / min(w.months_in_window) as wte,
       sum(f.sickness_fte_days) as sickness_fte_days,
       min(w.days_in_window) as days_in_window,
       sum(f.unpriced) as unpriced,
       sum(f.el_spells) as el_spells, sum(f.el_los_days) as el_los_days,
       sum(f.el_los_spells) as el_los_spells,
       sum(f.nel_spells) as nel_spells, sum(f.nel_los_days) as nel_los_days,
       sum(f.nel_los_spells) as nel_los_spells,
       sum(f.dc_spells) as dc_spells,
       sum(f.preop_days) as preop_days, sum(f.preop_spells) as preop_spells,
       sum(f.opfa_attended) as opfa_attended, sum(f.opfu_attended) as opfu_attended,
       sum(f.op_dna) as op_dna
from calc_fact f
join calc_window w on w.period = f.period
join calc_rollup lvl on lvl.org_code = f.org_code and lvl.service_key = coalesce(f.service, '')
group by f.org_code, w.basis, w.time_window, w.role, lvl.level, lvl.node;

-- Current against base for every node, basis and window; nodes without data get zeros. A
-- comparison whose months are not all loaded has no indices (nor what is made of them).
create temp table calc_result on commit drop as
with windows as (
    select distinct basis, time_window from calc_window
),
paired as (
    select n.org_code, w.basis, w.time_window, n.level, n.node, n.parent_level, n.parent_node,
           n.clinical_group, n.directorate,
           coalesce(b.cwa, 0) as cwa_base, coalesce(c.cwa, 0) as cwa_current,
           coalesce(b.cost, 0) as cost_base, coalesce(c.cost, 0) as cost_current,
           coalesce(c.cost_nominal, 0) as cost_current_nominal,
           c.cost_nominal_x_index / nullif(c.cost_nominal, 0) as blended_deflator,
           coalesce(b.wte, 0) as wte_base, coalesce(c.wte, 0) as wte_current,
           coalesce(c.unpriced, 0) as unpriced_activity,
           k.loaded as comparison_loaded,
           case when k.loaded then b end as base_sums, c as current_sums
    from calc_node n
    cross join windows w
    join calc_comparison k on k.org_code = n.org_code and k.basis = w.basis
                          and k.time_window = w.time_window
    left join calc_sum b on b.org_code = n.org_code and b.basis = w.basis
                        and b.time_window = w.time_window
                        and b.level = n.level and b.node = n.node and b.role = 'base'
    left join calc_sum c on c.org_code = n.org_code and c.basis = w.basis
                        and c.time_window = w.time_window
                        and c.level = n.level and c.node = n.node and c.role = 'current'
),
indexed as (
    select p.*,
           case when p.comparison_loaded then p.cwa_current / nullif(p.cwa_base, 0) end
               as activity_index,
           case when p.comparison_loaded then p.cost_current / nullif(p.cost_base, 0) end
               as cost_index,
           case when p.comparison_loaded then p.wte_current / nullif(p.wte_base, 0) end
               as wte_index
    from paired p
)
select i.*,
       i.activity_index / nullif(i.cost_index, 0) - 1 as ip_cost,
       i.activity_index / nullif(i.wte_index, 0) - 1 as ip_wte,
       i.cost_current - i.cost_base * i.activity_index as cost_opportunity,
       i.wte_current - i.wte_base * i.activity_index as wte_opportunity,
       case when not i.comparison_loaded then 'no prior-year data' else nullif(concat_ws('; ',
           case when i.cwa_base = 0 then 'no activity' end,
           case when i.cost_base = 0 then 'no base cost'
                when i.cost_current = 0 then 'no current cost' end,
           case when i.wte_base = 0 then 'no base WTE'
                when i.wte_current = 0 then 'no current WTE' end), '') end as null_reason
from indexed i;

delete from mart.implied_productivity
where period = (select to_char(report, 'YYYY-MM') from calc_param)
  and org_code in (select org_code from calc_org);

insert into mart.implied_productivity (
    org_code, period, financial_year, fin_month, time_window, basis, comparison_year, level, node,
    parent_level, parent_node, clinical_group, directorate,
    cwa_base, cwa_current, cost_base, cost_current, cost_current_nominal,
    wte_base, wte_current, activity_index, cost_index, wte_index, ip_cost, ip_wte,
    cost_opportunity, wte_opportunity, cost_opportunity_current_prices,
    unpriced_activity, null_reason)
select r.org_code, to_char(p.report, 'YYYY-MM'), core.financial_year(p.report),
       core.fin_month(p.report), r.time_window, r.basis,
       case r.basis when 'base_year' then p.base_year
                    else core.financial_year((p.report - interval '1 year')::date) end,
       r.level, r.node,
       r.parent_level, r.parent_node, r.clinical_group, r.directorate,
       r.cwa_base, r.cwa_current, r.cost_base, r.cost_current, r.cost_current_nominal,
       r.wte_base, r.wte_current, r.activity_index, r.cost_index, r.wte_index,
       r.ip_cost, r.ip_wte, r.cost_opportunity, r.wte_opportunity,
       r.cost_opportunity * r.blended_deflator,
       r.unpriced_activity, r.null_reason
from calc_result r, calc_param p;

-- The nine indicators (METHODOLOGY.md), base and current, for every node and window.
delete from mart.efficiency_indicator
where period = (select to_char(report, 'YYYY-MM') from calc_param)
  and org_code in (select org_code from calc_org);

insert into mart.efficiency_indicator (
    org_code, period, time_window, basis, level, node, indicator, base_value, current_value,
    change)
select r.org_code, to_char(p.report, 'YYYY-MM'), r.time_window, r.basis, r.level, r.node,
       v.indicator, v.base_value, v.current_value, v.current_value - v.base_value
from calc_result r
cross join calc_param p
cross join lateral (values
    ('alos_elective',
     (r.base_sums).el_los_days / nullif((r.base_sums).el_los_spells, 0)::numeric,
     (r.current_sums).el_los_days / nullif((r.current_sums).el_los_spells, 0)::numeric),
    ('alos_non_elective',
     (r.base_sums).nel_los_days / nullif((r.base_sums).nel_los_spells, 0)::numeric,
     (r.current_sums).nel_los_days / nullif((r.current_sums).nel_los_spells, 0)::numeric),
    ('day_case_rate',
     (r.base_sums).dc_spells / nullif((r.base_sums).dc_spells + (r.base_sums).el_spells, 0)::numeric,
     (r.current_sums).dc_spells / nullif((r.current_sums).dc_spells + (r.current_sums).el_spells, 0)::numeric),
    ('preop_bed_days',
     (r.base_sums).preop_days / nullif((r.base_sums).preop_spells, 0)::numeric,
     (r.current_sums).preop_days / nullif((r.current_sums).preop_spells, 0)::numeric),
    ('op_follow_up_ratio',
     (r.base_sums).opfu_attended / nullif((r.base_sums).opfa_attended, 0)::numeric,
     (r.current_sums).opfu_attended / nullif((r.current_sums).opfa_attended, 0)::numeric),
    ('op_dna_rate',
     (r.base_sums).op_dna / nullif((r.base_sums).opfa_attended + (r.base_sums).opfu_attended + (r.base_sums).op_dna, 0)::numeric,
     (r.current_sums).op_dna
         / nullif((r.current_sums).opfa_attended + (r.current_sums).opfu_attended + (r.current_sums).op_dna, 0)::numeric),
    ('agency_share_of_pay',
     (r.base_sums).agency_pay_nominal / nullif((r.base_sums).pay_nominal, 0),
     (r.current_sums).agency_pay_nominal / nullif((r.current_sums).pay_nominal, 0)),
    ('sickness_absence_rate',
     (r.base_sums).sickness_fte_days / nullif((r.base_sums).wte * (r.base_sums).days_in_window, 0),
     (r.current_sums).sickness_fte_days / nullif((r.current_sums).wte * (r.current_sums).days_in_window, 0)),
    ('cost_per_cwa',
     case when r.comparison_loaded then r.cost_base / nullif(r.cwa_base, 0) end,
     r.cost_current / nullif(r.cwa_current, 0))
) v (indicator, base_value, current_value);
