-- Record each channel's outcome on the rows one recipient's message carried, before the
-- transaction that claimed them commits. Run by tasks/alert/outbox.py: {table} is
-- ops.alert_log or a dry run's copy.
-- Parameters: ids (every row claimed), email_ids and email (the rows the email carried and
-- its status), teams_ids and teams (likewise the Teams card), error (the errors, or null).
update {table} set
    email_status = case when alert_id = any(%(email_ids)s::bigint[])
                        then %(email)s::text else email_status end,
    teams_status = case when alert_id = any(%(teams_ids)s::bigint[])
                        then %(teams)s::text else teams_status end,
    sent_at = case when alert_id = any(%(email_ids)s::bigint[])
                        and %(email)s::text = 'sent' then now() else sent_at end,
    attempts = attempts + 1,
    last_attempt_at = now(),
    last_error = %(error)s
where alert_id = any(%(ids)s::bigint[])
