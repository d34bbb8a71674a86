-- Explaining every figure (METHODOLOGY.md, "What moved it"; INTERFACE.md, drivers, lineage and
-- revisions): the drivers of each index, the loads each calculation read, and each figure's
-- first value, against which later recalculations are revisions.

-- Each index split into components that add up: activity by point of delivery, real-terms
-- cost by kind of spend, WTE by staff group. contribution is the component's share of the
-- index's growth (a side's contributions sum to its index minus 1); opportunity, on the cost
-- side, is the component's share of the node's cost opportunity.
create table mart.ip_driver (
    org_code       text not null,
    period         text not null,                     -- the report month YYYY-MM
    time_window    text not null check (time_window in ('month', 'ytd', 'quarter')),
    basis          text not null check (basis in ('base_year', 'prior_year')),
    level          text not null,
    node           text not null,
    side           text not null check (side in ('activity', 'cost', 'wte')),
    component      text not null,
    base_value     numeric not null,                  -- £ of CWA, £ at base-year prices, WTE
    current_value  numeric not null,
    contribution   numeric,                           -- null where the index is
    opportunity    numeric,                           -- cost side only
    primary key (org_code, period, time_window, basis, level, node, side, component)
);

-- Lineage: every calculation run and the loads it read (facts of the months its windows
-- compare, and the reference tables as they stood).
alter table ops.calculation_run
    add column calculation_run_id bigint generated always as identity primary key;

create table ops.calculation_input (
    calculation_run_id  bigint not null references ops.calculation_run on delete cascade,
    load_id             bigint not null references ops.load_log,
    primary key (calculation_run_id, load_id)
);
create index calculation_input_by_load on ops.calculation_input (load_id);

-- Each figure as it was first calculated and published: a recalculation that moves it is a
-- revision (mart.revision, sql/views), never a silent change.
create table mart.first_figure (
    org_code            text not null,
    period              text not null,
    time_window         text not null,
    basis               text not null,
    level               text not null,
    node                text not null,
    ip_cost             numeric,
    ip_wte              numeric,
    first_published_at  timestamptz not null,
    calculation_run_id  bigint not null,
    primary key (org_code, period, time_window, basis, level, node)
);

-- The figures published before this version: their first value is the one they have.
insert into mart.first_figure
select ip.org_code, ip.period, ip.time_window, ip.basis, ip.level, ip.node, ip.ip_cost,
       ip.ip_wte, ip.calculated_at, run.calculation_run_id
from mart.implied_productivity ip
join lateral (select c.calculation_run_id from ops.calculation_run c
              where c.period = ip.period order by c.calculated_at desc limit 1) run on true;
