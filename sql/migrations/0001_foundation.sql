-- The four layers: raw (landed rows), core (reference data and conformed facts),
-- mart (what reports and BI read), ops (load log, quarantine, checks, alerts).
create schema if not exists raw;
create schema if not exists core;
create schema if not exists mart;
create schema if not exists ops;

-- NHS financial year of a month: April 2019 .. March 2020 is '2019/20', month 1 .. 12.
create function core.financial_year(period date) returns text
language sql immutable parallel safe as $$
    select (extract(year from period)::int - (extract(month from period)::int < 4)::int)::text
        || '/' || lpad(((extract(year from period)::int - (extract(month from period)::int < 4)::int + 1) % 100)::text, 2, '0')
$$;

create function core.fin_month(period date) returns int
language sql immutable parallel safe as $$
    select ((extract(month from period)::int + 8) % 12) + 1
$$;

-- ops ----------------------------------------------------------------------------------

create table ops.load_log (
    load_id          bigint generated always as identity primary key,
    source           text not null,
    origin           text not null,             -- path under the landing folder, or sql:<source>
    content_hash     text not null,
    status           text not null check (status in ('running', 'loaded', 'rejected', 'failed')),
    rows_read        bigint,
    rows_loaded      bigint,
    rows_quarantined bigint,
    message          text,
    started_at       timestamptz not null default clock_timestamp(),
    finished_at      timestamptz,
    read_seconds     numeric(10, 3),
    write_seconds    numeric(10, 3),
    constraint rows_add_up check (
        status <> 'loaded' or rows_read = rows_loaded + rows_quarantined)
);
create index load_log_hash on ops.load_log (content_hash) where status = 'loaded';

-- The (org, month) slices each load replaced, with the file's own control totals, so that
-- data-quality checks can reconcile core against what the file said.
create table ops.load_slice (
    load_id        bigint not null references ops.load_log,
    org_code       text not null,
    period         date not null,
    rows_loaded    bigint not null,
    control_total  numeric not null,            -- ledger £, workforce WTE, activity count
    primary key (load_id, org_code, period)
);
create index load_slice_by_slice on ops.load_slice (org_code, period);

create table ops.quarantine (
    load_id      bigint not null references ops.load_log,
    line_number  bigint,
    raw_row      jsonb,                         -- contract columns only, never personal ones
    reason       text not null
);
create index quarantine_by_load on ops.quarantine (load_id);

-- raw: validated rows as landed, one per source row ------------------------------------

create table raw.ledger (
    load_id          bigint not null,
    line_number      bigint not null,
    org_code         text not null,
    period           date not null,
    cost_centre      text not null,
    subjective_code  text not null,
    amount           numeric(18, 2) not null,
    description      text
);
create index ledger_slice on raw.ledger (org_code, period);

create table raw.workforce (
    load_id              bigint not null,
    line_number          bigint not null,
    org_code             text not null,
    period               date not null,
    assignment_key       text not null,      -- keyed hash of the ESR assignment number
    cost_centre          text not null,
    staff_group          text,
    pay_band             text,
    assignment_category  text not null,
    contracted_wte       numeric(8, 4) not null,
    sickness_fte_days    numeric(10, 2)
);
create index workforce_slice on raw.workforce (org_code, period);

create table raw.activity (
    load_id                  bigint not null,
    line_number              bigint not null,
    org_code                 text not null,
    period                   date not null,
    pod                      text not null,
    treatment_function_code  text not null,
    hrg_code                 text,
    attendance_status        text,
    los_days                 integer,
    preop_days               integer,
    count                    integer not null
);
create index activity_slice on raw.activity (org_code, period);

-- core: reference data (table name = file stem under landing/reference) ---------------

create table core.hierarchy (
    org_code          text not null,
    cost_centre       text not null,
    cost_centre_name  text,
    service           text not null,
    directorate       text not null,
    clinical_group    text not null,
    load_id           bigint not null,
    primary key (org_code, cost_centre)
);

create table core.specialty_map (
    org_code                 text not null,
    treatment_function_code  text not null,
    service                  text not null,
    load_id                  bigint not null,
    primary key (org_code, treatment_function_code)
);

create table core.subjectives (
    subjective_code  text primary key,
    category         text not null check (category in ('pay', 'non_pay', 'income', 'excluded')),
    staff_type       text check (staff_type in ('substantive', 'bank', 'agency')),
    description      text,
    load_id          bigint not null
);

create table core.unit_costs (
    pod        text not null,
    hrg_code   text not null,                -- '*' is the POD's default
    unit_cost  numeric(14, 2) not null,
    load_id    bigint not null,
    primary key (pod, hrg_code)
);

create table core.deflators (
    financial_year  text primary key,
    pay_index       numeric(10, 6) not null check (pay_index > 0),
    non_pay_index   numeric(10, 6) not null check (non_pay_index > 0),
    load_id         bigint not null
);

create table core.owners (
    level    text not null check (level in ('trust', 'clinical_group', 'directorate', 'service')),
    node     text not null,
    name     text not null,
    email    text not null,
    load_id  bigint not null,
    primary key (level, node)
);

-- Published trust-level figures of peer trusts, for ranking.
create table core.peers (
    org_code     text not null,
    org_name     text,
    period       text not null,                -- YYYY-MM report month
    time_window  text not null check (time_window in ('month', 'ytd', 'quarter')),
    ip_cost      numeric not null,
    load_id      bigint not null,
    primary key (org_code, period, time_window)
);

-- core: conformed facts, mapped onto the hierarchy where a mapping exists --------------

create view core.ledger_fact as
select l.org_code,
       l.period,
       core.financial_year(l.period) as financial_year,
       core.fin_month(l.period)      as fin_month,
       l.cost_centre,
       h.service, h.directorate, h.clinical_group,
       l.subjective_code,
       s.category,                    -- null: subjective code not in subjectives.csv
       s.staff_type,
       l.amount
from raw.ledger l
left join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
left join core.subjectives s on s.subjective_code = l.subjective_code;

create view core.workforce_fact as
select w.org_code,
       w.period,
       core.financial_year(w.period) as financial_year,
       core.fin_month(w.period)      as fin_month,
       w.cost_centre,
       h.service, h.directorate, h.clinical_group,
       w.staff_group, w.pay_band, w.assignment_category,
       w.contracted_wte,
       w.sickness_fte_days
from raw.workforce w
left join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre;

create view core.activity_fact as
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
       -- Outpatient rows count only when attended (blank means attended).
       coalesce(a.attendance_status, 'attended') = 'attended' as counts_as_activity,
       coalesce(uc.unit_cost, ud.unit_cost) as unit_cost   -- null: unpriced
from raw.activity a
left join core.specialty_map sm
       on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
left join (select distinct org_code, service, directorate, clinical_group from core.hierarchy) h
       on h.org_code = a.org_code and h.service = sm.service
left join core.unit_costs uc on uc.pod = a.pod and uc.hrg_code = a.hrg_code
left join core.unit_costs ud on ud.pod = a.pod and ud.hrg_code = '*';
