-- The facts summed to the grain the calculation reads: per org, month and the codes that
-- decide a row's mapping, price, deflator and driver (cost centre and subjective; cost centre
-- and staff group; POD, treatment function, HRG and attendance). Each load writes the
-- aggregates of the slices it holds in its own transaction (sql/load/month_*.sql), so the
-- calculation of a month reads thousands of rows, not the millions of its window months, and
-- a close costs the month, not the history. load_id names the load whose rows they sum.

create table core.ledger_month (
    org_code         text not null,
    period           date not null,
    cost_centre      text not null,
    subjective_code  text not null,
    amount           numeric not null,
    load_id          bigint not null
);
create index ledger_month_slice on core.ledger_month (org_code, period);
create index ledger_month_period on core.ledger_month (period);

create table core.workforce_month (
    org_code           text not null,
    period             date not null,
    cost_centre        text not null,
    staff_group        text,
    wte                numeric not null,
    sickness_fte_days  numeric,
    load_id            bigint not null
);
create index workforce_month_slice on core.workforce_month (org_code, period);
create index workforce_month_period on core.workforce_month (period);

create table core.activity_month (
    org_code                 text not null,
    period                   date not null,
    pod                      text not null,
    treatment_function_code  text not null,
    hrg_code                 text,
    attendance_status        text,
    count                    bigint not null,
    los_days                 bigint,
    los_count                bigint,            -- spells with a length of stay given
    preop_days               bigint,
    preop_count              bigint,            -- spells with pre-operative days given
    load_id                  bigint not null
);
create index activity_month_slice on core.activity_month (org_code, period);
create index activity_month_period on core.activity_month (period);

-- What was loaded before this version, summed once.
insert into core.ledger_month
select org_code, period, cost_centre, subjective_code, sum(amount), max(load_id)
from raw.ledger group by org_code, period, cost_centre, subjective_code;

insert into core.workforce_month
select org_code, period, cost_centre, staff_group, sum(contracted_wte), sum(sickness_fte_days),
       max(load_id)
from raw.workforce group by org_code, period, cost_centre, staff_group;

insert into core.activity_month
select org_code, period, pod, treatment_function_code, hrg_code, attendance_status,
       sum(count), sum(los_days), sum(count) filter (where los_days is not null),
       sum(preop_days), sum(count) filter (where preop_days is not null), max(load_id)
from raw.activity
group by org_code, period, pod, treatment_function_code, hrg_code, attendance_status;
