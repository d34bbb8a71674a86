-- Loads that are safe on real input (issue 13).
--
-- deferred: the file changed while it was read; nothing was kept and the next run loads it.
-- abandoned: a load whose process died (kill -9, a lost machine) while it was running; the
--            next run marks it, since its connection's advisory lock is gone.
alter table ops.load_log drop constraint load_log_status_check;
alter table ops.load_log add constraint load_log_status_check check (
    status in ('running', 'loaded', 'rejected', 'failed', 'deferred', 'abandoned'));

-- The file's place in the order of a slice's files: a slice is held by its newest file
-- (file_modified_at, then origin, as discover sorts), whichever load commits last. For a
-- warehouse query it is the load's start. With file_size it also lets a run pass over the
-- files it has seen, without hashing them.
alter table ops.load_log add column file_modified_at timestamptz;
alter table ops.load_log add column file_size bigint;

create index load_log_by_origin on ops.load_log (origin, load_id desc)
    where status in ('loaded', 'rejected');
create index load_log_running on ops.load_log (load_id) where status = 'running';
