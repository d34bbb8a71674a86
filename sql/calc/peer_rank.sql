-- Peer ranks of a report month (YYYY-MM), across every trust calculated for it: run once all
-- of them are (with the calculation of every trust, or after a region's trusts calculated
-- one by one), so a trust's rank counts every other trust of the month. Reads calc_param.
-- Trusts ranked on IPc per basis and window, the loaded ones with published peers; rank 1 is
-- the most productive and ties share the better rank. A loaded org outranks its own published
-- figure. A published figure without a month (NHS England's file as published) stands for
-- whichever month is ranked, unless the peer has one for that month.
delete from mart.peer_rank where period = (select to_char(report, 'YYYY-MM') from calc_param);

insert into mart.peer_rank (period, time_window, basis, org_code, org_name, ip_cost, rank,
                            peer_count, source)
with candidates as (
    select r.basis, r.time_window, r.org_code, null::text as org_name, r.ip_cost,
           'loaded' as source
    from mart.implied_productivity r
    where r.period = (select to_char(report, 'YYYY-MM') from calc_param) and r.level = 'trust' and r.ip_cost is not null
    union all
    (select distinct on (pr.basis, pr.time_window, pr.org_code)
            pr.basis, pr.time_window, pr.org_code, pr.org_name, pr.ip_cost, 'published'
     from core.peers pr
     where (pr.period = (select to_char(report, 'YYYY-MM') from calc_param) or pr.period is null)
       and pr.org_code not in (select org_code from mart.implied_productivity
                               where period = (select to_char(report, 'YYYY-MM') from calc_param) and level = 'trust')
     order by pr.basis, pr.time_window, pr.org_code, pr.period nulls last)
)
select (select to_char(report, 'YYYY-MM') from calc_param), c.time_window, c.basis, c.org_code,
       coalesce(c.org_name, (select max(org_name) from core.peers where org_code = c.org_code)),
       c.ip_cost,
       rank() over (partition by c.basis, c.time_window order by c.ip_cost desc),
       count(*) over (partition by c.basis, c.time_window),
       c.source
from candidates c;
