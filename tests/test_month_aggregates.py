"""The month aggregates each load keeps (migration 0012) equal a recount from the raw rows,
after first loads, corrections, an older file arriving after its correction, and reloads."""

from __future__ import annotations

import os

import pandas as pd
import sqlalchemy as sa
from synthetic import load_all, synthetic_sources, write_synthetic

from tasks.ingest.extract import discover
from tasks.ingest.load import load_file

RECOUNT = {
    "ledger": (("select org_code, period, cost_centre, subjective_code, sum(amount) as amount,"
               " sum(abs(amount)) as magnitude from raw.ledger group by 1, 2, 3, 4"),
               ("select org_code, period, cost_centre, subjective_code, amount, magnitude"
               " from core.ledger_month")),
    "workforce": (("select org_code, period, cost_centre, staff_group, sum(contracted_wte) as wte,"
                  " sum(sickness_fte_days) as sickness from raw.workforce group by 1, 2, 3, 4"),
                  ("select org_code, period, cost_centre, staff_group, wte,"
                  " sickness_fte_days as sickness from core.workforce_month")),
    "activity": (("select org_code, period, pod, treatment_function_code, hrg_code,"
                 " attendance_status, sum(count) as count, sum(los_days) as los_days,"
                 " sum(count) filter (where los_days is not null) as los_count,"
                 " sum(preop_days) as preop_days,"
                 " sum(count) filter (where preop_days is not null) as preop_count"
                 " from raw.activity group by 1, 2, 3, 4, 5, 6"),
                 ("select org_code, period, pod, treatment_function_code, hrg_code,"
                 " attendance_status, count, los_days, los_count, preop_days, preop_count"
                 " from core.activity_month")),
}


def assert_aggregates_recount(engine) -> None:
    with engine.connect() as conn:
        for source, (recount, kept) in RECOUNT.items():
            want, got = (pd.read_sql(sa.text(q), conn) for q in (recount, kept))
            key = list(want.columns)
            want = want.sort_values(key, na_position="first").reset_index(drop=True)
            got = got.sort_values(key, na_position="first").reset_index(drop=True)
            assert len(got) == len(want) > 0, source
            pd.testing.assert_frame_equal(got.astype(str), want.astype(str), obj=source)


def load_new(engine, settings, landing) -> list[str]:
    return [load_file(engine, settings, f).status for f in discover(landing)]


def test_aggregates_equal_a_recount_after_loads_corrections_and_reloads(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    write_synthetic(landing)
    load_all(engine, settings, landing)
    assert_aggregates_recount(engine)

    # A correction of RXA's May and June ledger, newer than the original...
    ledger = synthetic_sources(7)["ledger"]
    fix = ledger[(ledger.org_code == "RXA") & ledger.period.isin(["2024-05", "2024-06"])].copy()
    fix["amount"] = (fix["amount"] * 2).round(2)
    fix.to_csv(landing / "ledger" / "RXA_ledger_fix.csv", index=False)
    # ...and an older file of June that arrives after it: the correction keeps June.
    old = fix[fix.period == "2024-06"].assign(amount=1.0)
    old_path = landing / "ledger" / "RXA_ledger_old.csv"
    old.to_csv(old_path, index=False)
    os.utime(old_path, (1e9, 1e9))
    # RXB's July workforce restated with a third of its assignments.
    workforce = synthetic_sources(7)["workforce"]
    july = workforce[(workforce.org_code == "RXB") & (workforce.period == "2024-07")]
    july.iloc[: len(july) // 3].to_csv(landing / "workforce" / "RXB_july.csv", index=False)
    assert sorted(load_new(engine, settings, landing)).count("loaded") == 3
    assert_aggregates_recount(engine)

    with engine.connect() as conn:
        june = conn.execute(sa.text(
            "select sum(amount) from core.ledger_month where org_code = 'RXA'"
            " and period = '2024-06-01'")).scalar()
    assert float(june) == float(fix[fix.period == "2024-06"].amount.sum())

    # The same bytes again change nothing; a new copy of the original replaces its slices.
    assert set(load_new(engine, settings, landing)) == {"unchanged"}
    original = ledger[ledger.org_code == "RXA"]
    original.to_csv(landing / "ledger" / "RXA_ledger_again.csv", index=False, lineterminator="\r\n")
    load_new(engine, settings, landing)
    assert_aggregates_recount(engine)


def test_aggregates_round_each_value_as_the_database_stores_it(engine, settings, tmp_path):
    """Values finer than their column (amounts to the penny, WTE to four places) are rounded
    one by one, half away from zero, before they are added, as COPY stores them in raw."""
    landing = tmp_path / "landing"
    write_synthetic(landing)
    ledger = synthetic_sources(7)["ledger"]
    fine = ledger[(ledger.org_code == "RXA") & (ledger.period == "2024-05")].copy()
    ties = ["0.125", "-0.125", "1.005", "-2.675", "3.3349999", "(4.0050)", "£1,000.555", "0.0050000001"]
    fine["amount"] = [ties[i % len(ties)] for i in range(len(fine))]
    fine.to_csv(landing / "ledger" / "RXA_ledger_fine.csv", index=False)
    workforce = synthetic_sources(7)["workforce"]
    wte = workforce[(workforce.org_code == "RXB") & (workforce.period == "2024-06")].copy()
    wte["contracted_wte"] = [("0.12345", "0.99995", "1.00005", "0.5")[i % 4] for i in range(len(wte))]
    wte["sickness_fte_days"] = [("1.005", "", "2.5", "0.125")[i % 4] for i in range(len(wte))]
    wte.to_csv(landing / "workforce" / "RXB_wte_fine.csv", index=False)
    load_all(engine, settings, landing)
    assert_aggregates_recount(engine)
