-- drops: view core.loaded_slice
-- What is loaded: each (source, org, month) some load has held. The one home of the rule
-- that the missing-months check reports on and that decides whether a trust's months of
-- last year are all there for a prior-year figure (sql/calc/implied_productivity.sql).
create view core.loaded_slice as
select distinct l.source, s.org_code, s.period
from ops.load_slice s
join ops.load_log l using (load_id)
where l.status = 'loaded';
