-- The loads a calculation read (ops.calculation_input): those whose month aggregates it summed
-- (the calculated trusts' months of every window, on both bases) and those the reference
-- tables came from. Runs at the end of the calculation's transaction (calc_month, calc_org).
insert into ops.calculation_input (calculation_run_id, load_id)
select %(run)s, load_id from (
    select load_id from core.ledger_month
    where period = any(array(select period from calc_month))
      and org_code in (select org_code from calc_org)
    union select load_id from core.workforce_month
    where period = any(array(select period from calc_month))
      and org_code in (select org_code from calc_org)
    union select load_id from core.activity_month
    where period = any(array(select period from calc_month))
      and org_code in (select org_code from calc_org)
    union select load_id from core.hierarchy where org_code in (select org_code from calc_org)
    union select load_id from core.specialty_map where org_code in (select org_code from calc_org)
    union select load_id from core.subjectives
    union select load_id from core.unit_costs
    union select load_id from core.deflators
    union select load_id from core.peers
) read
