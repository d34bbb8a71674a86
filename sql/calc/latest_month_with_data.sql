-- The last month for which some org has ledger, workforce and activity all loaded (YYYY-MM).
select to_char(max(period), 'YYYY-MM') from (
    select org_code, period from raw.ledger group by 1, 2
    intersect select org_code, period from raw.workforce group by 1, 2
    intersect select org_code, period from raw.activity group by 1, 2
) complete
