-- The SPC reading of every node of a report month (METHODOLOGY.md, "Is a change signal or
-- noise?"), on both bases and both measures: the XmR chart of the month-window figures up to
-- the report month, its special-cause points, the latest point's variation and the assurance
-- against the target. Runs after sql/calc/implied_productivity.sql in the same transaction
-- (reads calc_param and calc_org); the month figures of the months before are the mart's own,
-- calculated when those months were (the close calculates every month the series needs).

-- The series: the most recent 36 months with a value after the base year (a month of the
-- base year compared with itself is no point on the chart), oldest first (i = 1..n).
create temp table spc_series on commit drop as
with figures as (
    select m.org_code, m.basis, m.level, m.node, v.measure, m.period as point_period, v.value
    from mart.implied_productivity m
    cross join lateral (values ('ip_cost', m.ip_cost), ('ip_wte', m.ip_wte)) v (measure, value)
    where m.time_window = 'month'
      and m.period <= (select to_char(report, 'YYYY-MM') from calc_param)
      and m.period >= (select (left(base_year, 4)::int + 1) || '-04' from calc_param)
      and m.org_code in (select org_code from calc_org)
      and v.value is not null
),
latest as (
    select f.*, row_number() over (partition by org_code, basis, level, node, measure
                                   order by point_period desc) as back
    from figures f
)
select org_code, basis, level, node, measure, point_period, value,
       count(*) over series as n,
       row_number() over (series order by point_period) as i
from latest
where back <= 36
window series as (partition by org_code, basis, level, node, measure);

-- Mean, average moving range and the limits: three sigma for the process limits, two for
-- the band the two-of-three rule reads. Fewer than 12 points give no limits.
create temp table spc_limits on commit drop as
with ranges as (
    select s.*, abs(value - lag(value) over series) as moving_range
    from spc_series s
    window series as (partition by org_code, basis, level, node, measure order by i)
)
select org_code, basis, level, node, measure, count(*) as points, avg(value) as mean,
       case when count(*) >= 12 then avg(value) - 2.66 * avg(moving_range) end as lower_limit,
       case when count(*) >= 12 then avg(value) + 2.66 * avg(moving_range) end as upper_limit,
       case when count(*) >= 12 then avg(value) - 1.7733 * avg(moving_range) end as lower_band,
       case when count(*) >= 12 then avg(value) + 1.7733 * avg(moving_range) end as upper_band
from ranges
group by org_code, basis, level, node, measure;

-- Each point against the four rules. A run is a stretch of consecutive points on one side of
-- the mean (a point on it belongs to none); a trend, a stretch of consecutive rises or falls
-- (a repeated value ends it), the points at both ends of its steps counted.
create temp table spc_flagged on commit drop as
with placed as (
    select s.*, l.mean, l.lower_limit, l.upper_limit,
           sign(s.value - l.mean) as side,
           sign(s.value - lag(s.value) over series) as step,
           case when s.value > l.upper_band then 1 when s.value < l.lower_band then -1 else 0 end
               as beyond
    from spc_series s
    join spc_limits l using (org_code, basis, level, node, measure)
    window series as (partition by s.org_code, s.basis, s.level, s.node, s.measure order by s.i)
),
grouped as (
    select p.*,
           -- consecutive points with the same side (or step) share i minus their rank in it
           i - row_number() over (partition by org_code, basis, level, node, measure, side
                                  order by i) as side_run,
           i - row_number() over (partition by org_code, basis, level, node, measure, step
                                  order by i) as step_run
    from placed p
),
runs as (
    select g.*,
           count(*) over (partition by org_code, basis, level, node, measure, side, side_run)
               as side_length,
           count(*) over (partition by org_code, basis, level, node, measure, step, step_run)
               as step_length
    from grouped g
),
neighbours as (
    select r.*,
           -- a trend of 6 steps covers 7 points: a point belongs to it through the step that
           -- reaches it or the step that leaves it
           lead(step) over series as next_step,
           lead(step_length) over series as next_step_length,
           lag(beyond, 2) over series as beyond_2_before, lag(beyond) over series as beyond_before,
           lead(beyond) over series as beyond_after, lead(beyond, 2) over series as beyond_2_after
    from runs r
    window series as (partition by org_code, basis, level, node, measure order by i)
),
rules as (
    select n.*,
           n.upper_limit is not null and (n.value > n.upper_limit or n.value < n.lower_limit)
               as outside_limits,
           n.upper_limit is not null and n.side <> 0 and n.side_length >= 7 as shift,
           case when n.upper_limit is null then null
                when n.step <> 0 and n.step_length >= 6 then n.step
                when n.next_step <> 0 and n.next_step_length >= 6 then n.next_step end
               as trend,
           n.upper_limit is not null and n.beyond <> 0 and (
               (n.beyond_2_before = n.beyond or n.beyond_before = n.beyond)
               or (n.beyond_before = n.beyond or n.beyond_after = n.beyond)
               or (n.beyond_after = n.beyond or n.beyond_2_after = n.beyond)) as two_of_three
    from neighbours n
)
select org_code, basis, level, node, measure, point_period, i, n, value, mean,
       lower_limit, upper_limit,
       case when outside_limits then 'outside_limits' when shift then 'shift'
            when trend is not null then 'trend' when two_of_three then 'two_of_three'
       end as special_cause_rule,
       case when outside_limits or shift or (trend is null and two_of_three)
                then case when side > 0 then 'improvement' else 'concern' end
            when trend is not null
                then case when trend > 0 then 'improvement' else 'concern' end
       end as direction
from rules;

delete from mart.spc_point
where period = (select to_char(report, 'YYYY-MM') from calc_param)
  and org_code in (select org_code from calc_org);
insert into mart.spc_point (org_code, period, basis, level, node, measure, point_period, value,
                            mean, lower_limit, upper_limit, special_cause, special_cause_rule,
                            direction)
select f.org_code, to_char(p.report, 'YYYY-MM'), f.basis, f.level, f.node, f.measure,
       f.point_period, f.value, f.mean, f.lower_limit, f.upper_limit,
       f.special_cause_rule is not null, f.special_cause_rule, f.direction
from spc_flagged f, calc_param p;

-- Every node of the month, with or without a series: a node with no figure yet is
-- insufficient data, not missing. Targets: back to base-year productivity (0), or the
-- national growth on last year.
delete from mart.spc_summary
where period = (select to_char(report, 'YYYY-MM') from calc_param)
  and org_code in (select org_code from calc_org);
insert into mart.spc_summary (org_code, period, basis, level, node, measure, points, mean,
                              lower_limit, upper_limit, variation, target, assurance,
                              latest_period, latest_value, special_cause_rule)
select m.org_code, m.period, m.basis, m.level, m.node, ms.measure,
       coalesce(l.points, 0), l.mean, l.lower_limit, l.upper_limit,
       case when l.upper_limit is null then 'insufficient_data'
            when last.direction is null then 'common_cause'
            else 'special_cause_' || last.direction end,
       t.target,
       case when l.upper_limit is null then null
            when l.lower_limit > t.target then 'consistently_passing'
            when l.upper_limit < t.target then 'consistently_failing'
            else 'hit_and_miss' end,
       last.point_period, last.value, last.special_cause_rule
from mart.implied_productivity m
cross join (values ('ip_cost'), ('ip_wte')) ms (measure)
cross join calc_param p
cross join lateral (select case m.basis when 'base_year' then 0
                                        else p.year_on_year_target end as target) t
left join spc_limits l on l.org_code = m.org_code and l.basis = m.basis and l.level = m.level
                      and l.node = m.node and l.measure = ms.measure
left join spc_flagged last on last.org_code = m.org_code and last.basis = m.basis
                          and last.level = m.level and last.node = m.node
                          and last.measure = ms.measure and last.i = last.n
where m.period = to_char(p.report, 'YYYY-MM') and m.time_window = 'month'
  and m.org_code in (select org_code from calc_org);
