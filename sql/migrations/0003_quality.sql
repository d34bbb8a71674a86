-- Data-quality results, and the months a report month's windows need.

-- Months 1..m of the report month's financial year and of the base year: what the ytd
-- window (which holds the month and quarter windows) compares.
create function core.window_months(report date, base_year text)
returns table (period date, role text)
language sql immutable parallel safe as $$
    select (date_trunc('month', report) - make_interval(months => i))::date, 'current'
    from generate_series(0, core.fin_month(report) - 1) i
    union all
    select (make_date(left(base_year, 4)::int, 4, 1) + make_interval(months => i))::date, 'base'
    from generate_series(0, core.fin_month(report) - 1) i
$$;

create table ops.dq_result (
    run_id         text not null,
    check_name     text not null,
    org_code       text not null,
    period         text not null,               -- report month YYYY-MM
    severity       text not null check (severity in ('error', 'warn', 'info')),
    outcome        text not null check (outcome in ('pass', 'fail', 'warn', 'info')),
    finding_count  integer not null,
    findings       jsonb not null,              -- [{code, value, unit, detail, severity}]
    message        text not null,
    checked_at     timestamptz not null default now(),
    primary key (run_id, check_name, org_code)
);
create index dq_result_by_month on ops.dq_result (org_code, period, checked_at desc);
