-- Record what the run found (temp table alert_found) as pending rows of the log: a row not
-- yet emailed takes the new routing and figures and is un-withdrawn; a row already emailed
-- is left as it is, and a Teams card already posted stays posted. Run by
-- tasks/alert/outbox.py, which names the log: {table} is ops.alert_log or a dry run's copy.
-- Parameter: teams (the new rows' Teams status: pending, or not_configured).
insert into {table} as l (rule, org_code, level, node, period, time_window, recipient,
                          recipient_name, lead_of, variance, teams_status)
select rule, org_code, level, node, period, time_window, recipient, recipient_name,
       lead_of, variance, %(teams)s from alert_found
on conflict (rule, org_code, level, node, period) do update
set recipient = excluded.recipient, recipient_name = excluded.recipient_name,
    lead_of = excluded.lead_of, variance = excluded.variance, withdrawn_at = null,
    teams_status = case when l.teams_status = 'sent' then 'sent'
                        else excluded.teams_status end
where l.email_status <> 'sent'
