-- Withdraw the unsent rows of the month the run no longer finds (not in temp table
-- alert_found), of the orgs the run is for and outside those data quality blocked, whose rows
-- are held instead. Run by
-- tasks/alert/outbox.py: {table} is ops.alert_log or a dry run's copy.
-- Parameters: month (YYYY-MM), blocked (org codes), orgs (org codes; null: every org).
update {table} l set withdrawn_at = now()
where l.period = %(month)s and l.withdrawn_at is null and l.email_status <> 'sent'
  and l.org_code <> all(%(blocked)s::text[])
  and (%(orgs)s::text[] is null or l.org_code = any(%(orgs)s::text[]))
  and not exists (select 1 from alert_found f
                  where (f.rule, f.org_code, f.level, f.node, f.period)
                      = (l.rule, l.org_code, l.level, l.node, l.period))
