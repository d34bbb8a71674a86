-- Loading a large trust's year near PostgreSQL's own COPY speed (docs/scaling.md).
--
-- The btree slice indexes on (org_code, period) cost more than parsing the rows: a year of a
-- large trust's activity is 3 million inserts into a few dozen duplicate keys, which took
-- PostgreSQL about 6 s of CPU on top of 3.4 s for the COPY itself. Nothing reads them well:
-- the calculation and the checks select months with `period in (select ...)`, a hash join
-- over a sequential scan, and where the planner did pick the index on six years of history
-- it was eight times slower than the scan.
--
-- What replacing a slice needs is the rows of the earlier loads that held it. ops.load_slice
-- names those loads, and rows arrive in load order, so a BRIN index on load_id (a few pages,
-- next to no cost per insert) finds them. minmax-multi keeps it selective after vacuum has
-- let a later load reuse the space of deleted rows.
drop index raw.ledger_slice;
drop index raw.workforce_slice;
drop index raw.activity_slice;

create index ledger_load on raw.ledger using brin (load_id int8_minmax_multi_ops)
    with (autosummarize = on);
create index workforce_load on raw.workforce using brin (load_id int8_minmax_multi_ops)
    with (autosummarize = on);
create index activity_load on raw.activity using brin (load_id int8_minmax_multi_ops)
    with (autosummarize = on);
