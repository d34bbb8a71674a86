-- Two comparisons for every figure (METHODOLOGY.md, "Two comparisons"): against the same
-- months of the base year (`base_year`, the figures as they were) and of the year before
-- (`prior_year`, NHS England's productivity growth estimate). The basis is part of each key.

alter table mart.implied_productivity
    add column basis text not null default 'base_year'
        check (basis in ('base_year', 'prior_year')),
    -- The financial year the comparison months belong to: 2019/20, or last year.
    add column comparison_year text;
update mart.implied_productivity set comparison_year = (
    select c.base_year from ops.calculation_run c
    where c.period = implied_productivity.period order by c.calculated_at desc limit 1);
-- Every writer names its basis: a default would let a forgotten one pass as base_year.
alter table mart.implied_productivity
    alter column basis drop default,
    drop constraint implied_productivity_pkey,
    add primary key (org_code, period, time_window, basis, level, node);

alter table mart.efficiency_indicator
    add column basis text not null default 'base_year'
        check (basis in ('base_year', 'prior_year'));
alter table mart.efficiency_indicator
    alter column basis drop default,
    drop constraint efficiency_indicator_pkey,
    add primary key (org_code, period, time_window, basis, level, node, indicator);

alter table mart.peer_rank
    add column basis text not null default 'base_year'
        check (basis in ('base_year', 'prior_year'));
alter table mart.peer_rank
    alter column basis drop default,
    drop constraint peer_rank_pkey,
    add primary key (period, time_window, basis, org_code);

-- Published peers on either basis, and NHS England's layout: its two growth rates beside the
-- productivity growth estimate (ip_cost). Its file as published carries its month in its
-- title, not in a column: such rows have no period and rank against whichever month closes.
alter table core.peers
    add column basis text not null default 'base_year'
        check (basis in ('base_year', 'prior_year')),
    add column activity_growth numeric,
    add column resource_growth numeric,
    drop constraint peers_pkey,
    alter column period drop not null;
create unique index peers_key on core.peers (org_code, coalesce(period, ''), time_window, basis);

insert into mart.label (kind, code, label, sort) values
    ('basis', 'base_year', 'against the base year', 1),
    ('basis', 'prior_year', 'against last year', 2);
