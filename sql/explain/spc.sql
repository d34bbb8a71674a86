-- The node's SPC reading on the basis asked (the monthly series, whatever the window), with
-- the plain words of mart.label. Parameters: org, month, basis, level, node.
select s.measure, s.points, s.mean, s.lower_limit, s.upper_limit, s.variation,
       v.label as variation_label, s.target, s.assurance, a.label as assurance_label,
       s.latest_period, s.latest_value, s.special_cause_rule, r.label as rule_label
from mart.spc_summary s
left join mart.label v on v.kind = 'variation' and v.code = s.variation
left join mart.label a on a.kind = 'assurance' and a.code = s.assurance
left join mart.label r on r.kind = 'special_cause_rule' and r.code = s.special_cause_rule
where s.org_code = %(org)s and s.period = %(month)s and s.basis = %(basis)s
  and s.level = %(level)s and s.node = %(node)s
order by s.measure
