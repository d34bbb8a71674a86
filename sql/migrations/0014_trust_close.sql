-- A region's close runs each trust as its own flow runs (flows/close_trust.py): where each
-- trust's close of a month got to, so a re-run resumes only the trusts that did not finish
-- (failed, blocked, or whose data changed since), and the parent reads each trust's outcome
-- without sharing a result store with the workers that ran it.
create table ops.trust_close (
    month        text not null check (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
    org_code     text not null,
    status       text not null check (status in (
        'checking', 'blocked', 'calculated', 'published', 'needs_attention', 'failed')),
    flow_run_id  text,
    message      text,                     -- why blocked, failed or needing attention
    updated_at   timestamptz not null default now(),
    primary key (month, org_code)
);
