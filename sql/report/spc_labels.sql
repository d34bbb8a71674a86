-- The words for an SPC reading (variation, assurance, the rule a point trips): one home for
-- them, the migration that made the SPC tables.
select kind, code, label
from mart.label
where kind in ('variation', 'assurance', 'special_cause_rule')
order by kind, sort
