-- drops: function core.unit_price(text, text)
-- The pricing rule: an activity's unit cost is its HRG's in unit_costs.csv, else its point
-- of delivery's default (hrg_code '*'); null when neither is there (unpriced). One row for
-- any input, so it is called as `cross join lateral core.unit_price(pod, hrg_code)`; a
-- single SQL query, so PostgreSQL inlines it into the caller's plan.
create function core.unit_price(pod text, hrg_code text)
returns table (unit_cost numeric)
language sql stable parallel safe as $$
    select coalesce(own.unit_cost, pod_default.unit_cost)
    from (values (pod, hrg_code)) a (pod, hrg_code)
    left join core.unit_costs own on own.pod = a.pod and own.hrg_code = a.hrg_code
    left join core.unit_costs pod_default on pod_default.pod = a.pod and pod_default.hrg_code = '*'
$$;
