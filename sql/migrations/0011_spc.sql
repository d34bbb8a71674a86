-- Signal or noise (METHODOLOGY.md, "Is a change signal or noise?"): each node's monthly
-- implied productivity read as an XmR chart, as NHS "Making Data Count" asks board papers to.
-- Written with each report month's calculation (sql/calc/spc.sql) from the month-window
-- figures of that month and the months before it.

create table mart.spc_point (
    org_code           text not null,
    period             text not null,                 -- the report month YYYY-MM
    basis              text not null check (basis in ('base_year', 'prior_year')),
    level              text not null,
    node               text not null,
    measure            text not null check (measure in ('ip_cost', 'ip_wte')),
    point_period       text not null,                 -- the month the point is, YYYY-MM
    value              numeric not null,
    mean               numeric not null,
    lower_limit        numeric,                       -- null with fewer than 12 points
    upper_limit        numeric,
    special_cause      boolean not null,
    -- The first rule the point trips, in METHODOLOGY.md's order, and which way it points.
    special_cause_rule text check (special_cause_rule in
                                   ('outside_limits', 'shift', 'trend', 'two_of_three')),
    direction          text check (direction in ('improvement', 'concern')),
    primary key (org_code, period, basis, level, node, measure, point_period)
);

create table mart.spc_summary (
    org_code            text not null,
    period              text not null,
    basis               text not null check (basis in ('base_year', 'prior_year')),
    level               text not null,
    node                text not null,
    measure             text not null check (measure in ('ip_cost', 'ip_wte')),
    points              int not null,
    mean                numeric,
    lower_limit         numeric,
    upper_limit         numeric,
    variation           text not null check (variation in (
        'special_cause_improvement', 'special_cause_concern', 'common_cause',
        'insufficient_data')),
    target              numeric not null,
    assurance           text check (assurance in (
        'consistently_passing', 'consistently_failing', 'hit_and_miss')),
    latest_period       text,                          -- the latest point's month
    latest_value        numeric,
    special_cause_rule  text,                          -- the rule the latest point trips
    primary key (org_code, period, basis, level, node, measure)
);

insert into mart.label (kind, code, label, sort) values
    ('variation', 'special_cause_improvement', 'Special cause: improvement', 1),
    ('variation', 'special_cause_concern', 'Special cause: concern', 2),
    ('variation', 'common_cause', 'Common cause: no significant change', 3),
    ('variation', 'insufficient_data', 'Too few points to tell (fewer than 12)', 4),
    ('assurance', 'consistently_passing', 'Consistently passes the target', 1),
    ('assurance', 'consistently_failing', 'Consistently fails the target', 2),
    ('assurance', 'hit_and_miss', 'Hit and miss: may or may not meet the target', 3),
    ('special_cause_rule', 'outside_limits', 'a point outside the process limits', 1),
    ('special_cause_rule', 'shift', 'a run of 7 or more points on one side of the mean', 2),
    ('special_cause_rule', 'trend', 'a run of 7 or more points each higher or each lower', 3),
    ('special_cause_rule', 'two_of_three',
     'two of three points beyond two sigma on the same side', 4);
