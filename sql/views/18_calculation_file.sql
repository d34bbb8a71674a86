-- drops: view ops.calculation_file
-- The files behind each calculation run, per trust: the fact files holding that trust's
-- months that the run read, and the reference files it read (org_code null: every trust's).
-- What the close's lineage artifact, the reports' Sources sheet and `prodpack explain` list.
create view ops.calculation_file as
select i.calculation_run_id, s.org_code, l.load_id, l.source, l.origin, l.content_hash,
       l.finished_at, l.rows_read, l.rows_loaded, l.rows_quarantined,
       array_agg(distinct to_char(s.period, 'YYYY-MM') order by to_char(s.period, 'YYYY-MM'))
           filter (where s.period is not null) as months
from ops.calculation_input i
join ops.load_log l using (load_id)
left join ops.load_slice s using (load_id)
group by i.calculation_run_id, s.org_code, l.load_id;
