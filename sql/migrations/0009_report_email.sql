-- The executive report email: sent once per trust and month, and again only when the report's
-- figures change (tasks/report_email.py holds the protocol):
--   1. a run inserts (org, month, figures_sha256) as pending, or finds the row there;
--   2. it locks the row (select ... for update skip locked), sends, and records the outcome
--      in that same transaction. A concurrent run waits on the insert or skips the locked
--      row; a 'sent' row is never sent again; a failed send is retried by the next run; a
--      crash before the commit leaves nothing, and the next run sends.
-- figures_sha256 is the SHA-256 of what the report shows (its figures, names and notes),
-- not of the .xlsx file, whose bytes carry the day it was produced.
create table ops.report_email (
    org_code        text not null,
    month           text not null check (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
    figures_sha256  text not null check (figures_sha256 ~ '^[0-9a-f]{64}$'),
    report_file     text not null,                 -- the attachment's file name
    status          text not null default 'pending'
        check (status in ('pending', 'sent', 'failed')),
    attempts        int not null default 0,
    last_error      text,                          -- never a password
    first_seen      timestamptz not null default now(),
    last_attempt_at timestamptz,
    sent_at         timestamptz,
    primary key (org_code, month, figures_sha256)
);
