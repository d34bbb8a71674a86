"""End-to-end: the CLI runs real Prefect flows against a Prefect test server and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from prodpack.cli import main

pytestmark = pytest.mark.flow

LEDGER = ("org_code,period,cost_centre,subjective_code,amount\n"
          "RXA,2024-05,C1,511100,10.00\nRXA,2024-05,C1,511100,oops\n")


def test_load_command_runs_the_load_flow_and_a_second_load_changes_nothing(
        prefect_api, prodpack_env, engine, capsys):
    landing = prodpack_env.landing_dir
    (landing / "ledger").mkdir(parents=True)
    (landing / "ledger" / "ledger_RXA_2024-05.csv").write_text(LEDGER)
    (landing / "ledger" / "ledger_RXA_2024-06.csv").write_text("no,header,here\n1,2,3\n")

    assert main(["load"]) == 0
    err = capsys.readouterr().err
    assert "rejected: ledger/ledger_RXA_2024-06.csv: missing required column(s)" in err
    with engine.connect() as conn:
        logged = conn.execute(sa.text(
            "select origin, status, rows_read, rows_loaded, rows_quarantined from ops.load_log"
            " order by origin")).all()
    assert [tuple(r) for r in logged] == [
        ("ledger/ledger_RXA_2024-05.csv", "loaded", 2, 1, 1),
        ("ledger/ledger_RXA_2024-06.csv", "rejected", 0, 0, 0)]

    assert main(["load"]) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from ops.load_log")).scalar() == 2
