"""Lineage and revisions: each calculation records the loads it read; a restated past month
is recalculated by the next close, with every figure it moved listed in mart.revision against
its first published value and the load that moved it; nothing changed, nothing listed."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from synthetic import REPORT, load_all, load_synthetic, synthetic_sources

from schemas.settings import Settings
from tasks.calculate.months_due import months_to_calculate
from tasks.calculate.run import calculate_month
from tasks.calculate.summary import lineage
from tasks.months import month_date


def close(engine, settings: Settings, month: str = REPORT) -> list[str]:
    """The calculations a close of the month does: the months due first, then the month."""
    earlier = months_to_calculate(engine, month, settings.base_year)
    for m in earlier:
        calculate_month(engine, settings, m)
    calculate_month(engine, settings, month)
    return earlier


def frame(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def figures(engine) -> pd.DataFrame:
    return frame(engine, "select org_code, period, time_window, basis, level, node, ip_cost,"
                         " ip_wte from mart.implied_productivity").set_index(
        ["org_code", "period", "time_window", "basis", "level", "node"]).sort_index()


def reads(report: str, restated: str) -> bool:
    """Whether any window of the report month, on either basis, reads the restated month."""
    r, m = month_date(report), month_date(restated)
    year = r.year - (r.month < 4)
    return m <= r and (m.year - (m.month < 4) == year or m.year - (m.month < 4) == year - 1)


def test_a_restated_month_revises_the_figures_that_read_it_and_nothing_else(
        engine, settings, tmp_path):
    load_synthetic(engine, settings, tmp_path)
    first_close = close(engine, settings)
    assert "2024-05" in first_close and "2023-06" in first_close
    first = figures(engine)
    assert frame(engine, "select * from mart.revision").empty

    # The same close again: nothing to recalculate but the month, and nothing revised.
    assert close(engine, settings) == []
    assert frame(engine, "select * from mart.revision").empty
    pd.testing.assert_frame_equal(figures(engine), first)

    # RXA's May 2024 ledger restated, 10% higher.
    ledger = synthetic_sources(7)["ledger"]
    may = ledger[(ledger.org_code == "RXA") & (ledger.period == "2024-05")].copy()
    may["amount"] = (may["amount"] * 1.1).round(2)
    (tmp_path / "fix" / "ledger").mkdir(parents=True)
    may.to_csv(tmp_path / "fix" / "ledger" / "RXA_ledger_2024-05_restated.csv", index=False)
    load_all(engine, settings, tmp_path / "fix")
    restatement = frame(engine, "select load_id from ops.load_log where origin like '%restated%'"
                        ).load_id.item()

    recalculated = close(engine, settings)

    calculated_before = set(first.index.get_level_values("period"))
    assert set(recalculated) == {m for m in calculated_before
                                 if m != REPORT and reads(m, "2024-05")}
    revisions = frame(engine, "select * from mart.revision").set_index(
        ["org_code", "period", "time_window", "basis", "level", "node"]).sort_index()
    now = figures(engine)
    def changed(column):
        a, b = now[column].astype(float), first[column].astype(float)
        return ~((a == b) | (a.isna() & b.isna()))
    moved = now[changed("ip_cost") | changed("ip_wte")]
    assert list(revisions.index) == list(moved.index) and len(revisions) > 0
    assert set(revisions.index.get_level_values("org_code")) == {"RXA"}
    assert ("RXA", "2024-05", "month", "base_year", "trust", "RXA") in revisions.index
    assert ("RXA", REPORT, "ytd", "prior_year", "trust", "RXA") in revisions.index
    assert not any(k[1] == "2024-08" and k[2] == "month" for k in revisions.index)
    for key, r in revisions.iterrows():
        assert float(r.first_ip_cost) == float(first.loc[key, "ip_cost"])
        assert float(r.current_ip_cost) == float(now.loc[key, "ip_cost"])
        assert list(r.loads) == [restatement]
        assert r.revised_at > r.first_published_at

    # Lineage: the report month's latest calculation read the restatement and both trusts'
    # files, and the files it replaced no longer.
    inputs = frame(engine, "select l.load_id, l.source, l.origin from ops.calculation_input i"
                           " join ops.load_log l using (load_id) where i.calculation_run_id ="
                           " (select max(calculation_run_id) from ops.calculation_run"
                           "  where period = :m)", m=REPORT)
    assert restatement in set(inputs.load_id)
    assert {"ledger", "workforce", "activity", "hierarchy", "deflators", "unit_costs"} <= set(
        inputs.source)
    assert {"ledger/RXA_ledger.csv", "ledger/RXB_ledger.csv"} <= set(inputs.origin)

    # The close's lineage artifact: each trust's own files and the reference files, no other's.
    files = pd.DataFrame(lineage(engine, REPORT))
    rxa = files[files.org_code == "RXA"]
    assert "ledger/RXA_ledger_2024-05_restated.csv" in set(rxa.origin)
    assert not any("RXB" in origin for origin in rxa.origin)
    assert {"reference/hierarchy.csv", "reference/deflators.csv"} <= set(rxa.origin)
    assert {"RXB_ledger.csv", "RXB_activity.csv"} <= {o.split("/")[-1] for o in
                                                      files[files.org_code == "RXB"].origin}
    assert all(len(h) == 64 for h in files.content_hash)
