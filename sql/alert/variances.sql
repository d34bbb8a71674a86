-- The month's adverse variances: every rule against every node of the month, and against the
-- same node in the month (or quarter end) before; the services below a node that contribute
-- most, for "where to look". Read by tasks/alert/find.py.
-- Parameters: rules (jsonb: rule, kind, metric, time_window, basis, level, threshold), month
-- (YYYY-MM), blocked (org codes data quality held back), orgs (the org codes the run is for;
-- null: every org), drivers (how many services to show).
with rule as (
    select * from jsonb_to_recordset(%(rules)s::jsonb)
        as r (rule text, kind text, metric text, time_window text, basis text, level text,
              threshold numeric)
),
report as (
    select to_char(d, 'YYYY-MM') as period,
           to_char(d - interval '1 month', 'YYYY-MM') as previous_month,
           to_char(d - make_interval(months => mod(core.fin_month(d) - 1, 3) + 1), 'YYYY-MM')
               as previous_quarter
    from (select to_date(%(month)s, 'YYYY-MM') as d) m
),
measured as (
    select r.rule, r.kind, r.metric, r.threshold,
           m.org_code, m.period, m.time_window, m.basis, m.level, m.node, m.clinical_group,
           m.directorate,
           m.activity_index, m.cost_index, m.wte_index, m.ip_cost, m.ip_wte,
           m.cost_opportunity, m.wte_opportunity,
           case r.kind when 'wte_over_activity' then m.wte_index - m.activity_index
                       when 'cost_opportunity' then m.cost_opportunity
                       when 'special_cause_concern' then spc.latest_value
                       else case r.metric when 'ip_cost' then m.ip_cost else m.ip_wte end
           end as value,
           spc.variation, spc.special_cause_rule, rule_label.label as special_cause_label,
           spc.latest_period as spc_latest_period, spc.mean as spc_mean,
           spc.lower_limit as spc_lower_limit, spc.upper_limit as spc_upper_limit
    from rule r
    cross join report p
    join mart.implied_productivity m
      on m.time_window = r.time_window and m.basis = r.basis and m.level = r.level
     and m.period in (p.period, p.previous_month, p.previous_quarter)
    -- The SPC reading of the node's month figures (sql/calc/spc.sql), for the signal rules.
    left join mart.spc_summary spc
      on r.kind = 'special_cause_concern' and spc.org_code = m.org_code
     and spc.period = m.period and spc.basis = m.basis and spc.level = m.level
     and spc.node = m.node and spc.measure = r.metric
    left join mart.label rule_label
      on rule_label.kind = 'special_cause_rule' and rule_label.code = spc.special_cause_rule
    where m.org_code <> all(%(blocked)s::text[])
      and (%(orgs)s::text[] is null or m.org_code = any(%(orgs)s::text[]))
),
compared as (
    select c.*, prev.value as previous_value,
           case when c.kind = 'deterioration' and c.time_window = 'quarter'
                then p.previous_quarter else p.previous_month end as previous_period
    from measured c
    cross join report p
    left join measured prev
      on prev.rule = c.rule and prev.org_code = c.org_code and prev.level = c.level
     and prev.node = c.node
     and prev.period = case when c.kind = 'deterioration' and c.time_window = 'quarter'
                            then p.previous_quarter else p.previous_month end
    where c.period = p.period
)
select c.*, d.drivers
from compared c
left join lateral (
    select coalesce(jsonb_agg(jsonb_build_object(
               'service', s.node, 'ip_cost', s.ip_cost,
               'cost_opportunity', s.cost_opportunity, 'wte_opportunity', s.wte_opportunity)
               order by s.size desc), '[]'::jsonb) as drivers
    from (select s.*,
                 case when c.kind = 'wte_over_activity' then s.wte_opportunity
                      else s.cost_opportunity end as size
          from mart.implied_productivity s
          where s.org_code = c.org_code and s.period = c.period
            and s.time_window = c.time_window and s.basis = c.basis and s.level = 'service'
            and (c.level = 'trust'
                 or c.level = 'clinical_group' and s.clinical_group = c.node
                 or c.level = 'directorate' and s.directorate = c.node)
          order by size desc nulls last
          limit %(drivers)s) s
    where s.size > 0
) d on true
where case c.kind when 'below' then c.value < c.threshold
                  when 'deterioration' then c.previous_value - c.value > c.threshold
                  when 'special_cause_concern' then c.variation = 'special_cause_concern'
                  else c.value > c.threshold end
order by c.org_code,
         array_position(array['trust', 'clinical_group', 'directorate', 'service'], c.level),
         c.node, c.rule
