-- The calculation's outputs: implied productivity, efficiency indicators and peer ranks per
-- report month, and the views BI tools read without joins.

-- A service belongs to one directorate; were the hierarchy to name two, activity must still
-- count once, so the service's directorate is taken from its first cost centre.
create or replace view core.activity_fact as
select a.org_code,
       a.period,
       core.financial_year(a.period) as financial_year,
       core.fin_month(a.period)      as fin_month,
       a.pod,
       a.treatment_function_code,
       sm.service,
       h.directorate, h.clinical_group,
       a.hrg_code,
       a.attendance_status,
       a.los_days,
       a.preop_days,
       a.count,
       coalesce(a.attendance_status, 'attended') = 'attended' as counts_as_activity,
       coalesce(uc.unit_cost, ud.unit_cost) as unit_cost
from raw.activity a
left join core.specialty_map sm
       on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
left join (select distinct on (org_code, service) org_code, service, directorate, clinical_group
           from core.hierarchy order by org_code, service, cost_centre) h
       on h.org_code = a.org_code and h.service = sm.service
left join core.unit_costs uc on uc.pod = a.pod and uc.hrg_code = a.hrg_code
left join core.unit_costs ud on ud.pod = a.pod and ud.hrg_code = '*';

-- The months of each window of a report month: month, the quarter to date, the year to
-- date, each for the current year and the same months of the base year.
create function core.report_windows(report date, base_year text)
returns table (time_window text, role text, period date)
language sql immutable parallel safe as $$
    select w.time_window, m.role, m.period
    from core.window_months(report, base_year) m
    cross join (values ('month'), ('quarter'), ('ytd')) w (time_window)
    where w.time_window = 'ytd'
       or (w.time_window = 'month' and core.fin_month(m.period) = core.fin_month(report))
       or (w.time_window = 'quarter'
           and (core.fin_month(m.period) - 1) / 3 = (core.fin_month(report) - 1) / 3)
$$;

create table mart.implied_productivity (
    org_code                         text not null,
    period                           text not null,       -- report month YYYY-MM
    financial_year                   text not null,
    fin_month                        int not null check (fin_month between 1 and 12),
    time_window                      text not null check (time_window in ('month', 'ytd', 'quarter')),
    level                            text not null
        check (level in ('trust', 'clinical_group', 'directorate', 'service')),
    node                             text not null,
    parent_level                     text,
    parent_node                      text,
    clinical_group                   text,
    directorate                      text,
    cwa_base                         numeric not null,
    cwa_current                      numeric not null,
    cost_base                        numeric not null,    -- base-year prices
    cost_current                     numeric not null,    -- base-year prices
    cost_current_nominal             numeric not null,    -- as spent
    wte_base                         numeric not null,
    wte_current                      numeric not null,
    activity_index                   numeric,
    cost_index                       numeric,
    wte_index                        numeric,
    ip_cost                          numeric,
    ip_wte                           numeric,
    cost_opportunity                 numeric,             -- base-year prices
    wte_opportunity                  numeric,
    cost_opportunity_current_prices  numeric,
    unpriced_activity                bigint not null,     -- activity left out of CWA, current window
    null_reason                      text,
    calculated_at                    timestamptz not null default now(),
    primary key (org_code, period, time_window, level, node)
);
create index implied_productivity_by_period on mart.implied_productivity (period, level);

create table mart.efficiency_indicator (
    org_code       text not null,
    period         text not null,
    time_window    text not null,
    level          text not null,
    node           text not null,
    indicator      text not null,
    base_value     numeric,
    current_value  numeric,
    change         numeric,                             -- current - base
    primary key (org_code, period, time_window, level, node, indicator)
);

create table mart.peer_rank (
    period       text not null,
    time_window  text not null,
    org_code     text not null,
    org_name     text,
    ip_cost      numeric not null,
    rank         int not null,
    peer_count   int not null,
    source       text not null check (source in ('loaded', 'published')),
    primary key (period, time_window, org_code)
);

-- One row per calculation of a report month: what a rerun replaced, and when.
create table ops.calculation_run (
    period         text not null,
    base_year      text not null,
    orgs           text[] not null,
    mart_rows      int not null,
    seconds        numeric(10, 3) not null,
    calculated_at  timestamptz not null default now()
);
create index calculation_run_by_period on ops.calculation_run (period, calculated_at desc);

-- Reading names of the codes the mart stores, for the views below.
create table mart.label (
    kind   text not null,
    code   text not null,
    label  text not null,
    sort   int not null,
    primary key (kind, code)
);
insert into mart.label (kind, code, label, sort) values
    ('level', 'trust', 'Trust', 1),
    ('level', 'clinical_group', 'Clinical group', 2),
    ('level', 'directorate', 'Directorate', 3),
    ('level', 'service', 'Service', 4),
    ('time_window', 'month', 'Month', 1),
    ('time_window', 'quarter', 'Quarter to date', 2),
    ('time_window', 'ytd', 'Year to date', 3),
    ('indicator', 'alos_elective', 'Average length of stay, elective (days)', 1),
    ('indicator', 'alos_non_elective', 'Average length of stay, non-elective (days)', 2),
    ('indicator', 'day_case_rate', 'Day case rate', 3),
    ('indicator', 'preop_bed_days', 'Pre-operative bed days per elective spell', 4),
    ('indicator', 'op_follow_up_ratio', 'Outpatient follow-up ratio', 5),
    ('indicator', 'op_dna_rate', 'Outpatient DNA rate', 6),
    ('indicator', 'agency_share_of_pay', 'Agency share of pay', 7),
    ('indicator', 'sickness_absence_rate', 'Sickness absence rate', 8),
    ('indicator', 'cost_per_cwa', 'Cost per £ of cost-weighted activity', 9);

-- For BI tools: every figure with its labels, no joins needed.
create view mart.implied_productivity_report as
select ip.org_code,
       coalesce(pn.org_name, ip.org_code) as org_name,
       ip.period,
       to_char(to_date(ip.period, 'YYYY-MM'), 'FMMonth YYYY') as period_label,
       ip.financial_year,
       ip.fin_month,
       ip.time_window,
       w.label as time_window_label,
       ip.level,
       l.label as level_label,
       l.sort as level_sort,
       ip.node,
       ip.parent_level,
       ip.parent_node,
       ip.clinical_group,
       ip.directorate,
       ip.cwa_base, ip.cwa_current,
       ip.cost_base, ip.cost_current, ip.cost_current_nominal,
       ip.wte_base, ip.wte_current,
       ip.activity_index, ip.cost_index, ip.wte_index,
       ip.ip_cost, ip.ip_wte,
       ip.cost_opportunity, ip.wte_opportunity, ip.cost_opportunity_current_prices,
       ip.unpriced_activity,
       ip.null_reason,
       ip.calculated_at
from mart.implied_productivity ip
join mart.label w on w.kind = 'time_window' and w.code = ip.time_window
join mart.label l on l.kind = 'level' and l.code = ip.level
left join (select distinct on (org_code) org_code, org_name from core.peers
           where org_name is not null order by org_code, period desc) pn
       on pn.org_code = ip.org_code;

create view mart.efficiency_indicator_report as
select e.org_code, e.period,
       to_char(to_date(e.period, 'YYYY-MM'), 'FMMonth YYYY') as period_label,
       e.time_window, w.label as time_window_label,
       e.level, l.label as level_label,
       e.node, ip.parent_node,
       e.indicator, i.label as indicator_label, i.sort as indicator_sort,
       e.base_value, e.current_value, e.change
from mart.efficiency_indicator e
join mart.label w on w.kind = 'time_window' and w.code = e.time_window
join mart.label l on l.kind = 'level' and l.code = e.level
join mart.label i on i.kind = 'indicator' and i.code = e.indicator
left join mart.implied_productivity ip using (org_code, period, time_window, level, node);

create view mart.peer_rank_report as
select r.period,
       to_char(to_date(r.period, 'YYYY-MM'), 'FMMonth YYYY') as period_label,
       r.time_window, w.label as time_window_label,
       r.org_code, coalesce(r.org_name, r.org_code) as org_name,
       r.ip_cost, r.rank, r.peer_count,
       r.rank || case when r.rank % 100 in (11, 12, 13) then 'th'
                      when r.rank % 10 = 1 then 'st'
                      when r.rank % 10 = 2 then 'nd'
                      when r.rank % 10 = 3 then 'rd'
                      else 'th' end || ' of ' || r.peer_count as rank_label,
       r.source
from mart.peer_rank r
join mart.label w on w.kind = 'time_window' and w.code = r.time_window;
