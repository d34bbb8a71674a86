-- Where a trust's close of a month got to (ops.trust_close), latest first, with what its
-- publish run produced (null for any other step).
insert into ops.trust_close (month, org_code, status, flow_run_id, message, outcome)
values (%(month)s, %(org)s, %(status)s, %(flow_run_id)s, %(message)s, %(outcome)s)
on conflict (month, org_code) do update
set status = excluded.status, flow_run_id = excluded.flow_run_id,
    message = excluded.message, outcome = excluded.outcome, updated_at = now()
