-- Alerts to node leads: each adverse variance is sent once per (rule, org, level, node,
-- period), however often the close is run (tasks/alert.py holds the protocol):
--   1. a run upserts the variances it finds as pending rows, routed to their lead; a row
--      already emailed is left alone;
--   2. per recipient, it locks the outstanding rows (select ... for update skip locked),
--      sends one email (and one Teams card), and records each channel's outcome in that
--      same transaction. A concurrent run skips the locked rows; a failed send is recorded
--      and retried by the next run; a crash before the commit leaves the rows pending.
create table ops.alert_log (
    alert_id         bigint generated always as identity primary key,
    rule             text not null,
    org_code         text not null,
    level            text not null
        check (level in ('trust', 'clinical_group', 'directorate', 'service')),
    node             text not null,
    period           text not null,                 -- report month YYYY-MM
    time_window      text not null check (time_window in ('month', 'quarter', 'ytd')),
    recipient        text not null,                 -- the lead's email in owners.csv
    recipient_name   text not null,
    lead_of          text not null,                 -- the node they lead: the variance's own or an ancestor's
    variance         jsonb not null,                -- figures, trend and message as sent
    email_status     text not null default 'pending'
        check (email_status in ('pending', 'sent', 'failed')),
    teams_status     text not null default 'not_configured'
        check (teams_status in ('pending', 'sent', 'failed', 'not_configured')),
    attempts         int not null default 0,
    last_error       text,                          -- never a password or webhook URL
    first_seen       timestamptz not null default now(),
    last_attempt_at  timestamptz,
    sent_at          timestamptz,                   -- when the email was accepted
    -- A later run of the month no longer found the variance before it was sent.
    withdrawn_at     timestamptz,
    constraint alert_once unique (rule, org_code, level, node, period)
);

create index alert_log_outstanding on ops.alert_log (recipient)
    where withdrawn_at is null
      and (email_status <> 'sent' or teams_status in ('pending', 'failed'));
