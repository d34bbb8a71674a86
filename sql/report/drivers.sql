-- What moved each index year to date (METHODOLOGY.md, "What moved it"): the components of
-- the trust's, its clinical groups' and its directorates' activity, cost and WTE growth, on
-- both bases, with the words for each component (mart.label; a staff group is its own name).
-- Largest effect first within a side, so a bridge reads from the biggest mover down.
select d.org_code, d.basis, d.level, d.node, d.side, d.component,
       coalesce(l.label, d.component) as label, d.base_value, d.current_value,
       d.contribution, d.opportunity
from mart.ip_driver d
left join mart.label l on l.kind = 'driver_component' and l.code = d.component
where d.period = %(month)s and d.org_code = any(%(orgs)s) and d.time_window = 'ytd'
  and d.level in ('trust', 'clinical_group', 'directorate')
order by d.org_code, d.basis, d.level, d.node, d.side,
         abs(d.contribution) desc nulls last, d.component
