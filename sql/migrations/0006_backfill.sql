-- Each backfill: the range asked for, why, and how it ended, for the platform team's record.
create table ops.backfill (
    backfill_id    bigint generated always as identity primary key,
    first_month    text not null,
    last_month     text not null,
    reason         text,
    flow_run_id    text,
    status         text not null default 'running'
        check (status in ('running', 'completed', 'failed')),
    months_done    int not null default 0,
    months_total   int not null,
    message        text,
    started_at     timestamptz not null default now(),
    finished_at    timestamptz
);
