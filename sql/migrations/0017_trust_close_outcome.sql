-- What a trust's publish run produced (its reports, its executive emails, its alerts), kept
-- with where its close got to. The close that fanned the trust out reads it back whichever
-- process ran the trust, a worker on another machine included, so its headline, artifact and
-- platform notices cover every trust, with no result store shared with the workers. Any other
-- step of the trust's close clears it.
alter table ops.trust_close add column outcome jsonb;
