-- Each trust's rank among its peers on implied productivity (cost), by basis and time window.
select org_code, basis, time_window, rank, peer_count, rank_label
from mart.peer_rank_report
where period = %(month)s and org_code = any(%(orgs)s)
