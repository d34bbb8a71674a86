-- drops: function core.counts_as_activity(text)
-- The attendance rule: a row of activity counts (in cost-weighted activity and attended
-- outpatients) when attended; a blank status means attended. A plain SQL expression, so
-- PostgreSQL inlines it: the calculation pays nothing for the call.
create function core.counts_as_activity(attendance_status text) returns boolean
language sql immutable parallel safe as $$
    select coalesce(attendance_status, 'attended') = 'attended'
$$;
