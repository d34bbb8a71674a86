-- drops: view core.service_directorate
-- The directorate and clinical group of each service: the one home of the rule, read by the
-- fact views and the calculation alike. A service belongs to one directorate; were
-- hierarchy.csv to put its cost centres in two, the data-quality check
-- sql/checks/service_in_two_directorates.sql fails the trust (an error blocks publication),
-- and until it is corrected the service's first cost centre decides, so every figure still
-- counts once.
create view core.service_directorate as
select distinct on (org_code, service) org_code, service, directorate, clinical_group
from core.hierarchy
order by org_code, service, cost_centre;
