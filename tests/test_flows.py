"""End-to-end: the CLI runs real Prefect flows against a Prefect test server and PostgreSQL."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterName,
)
from servers import Mailbox
from synthetic import CURRENT_MONTHS, PRIOR_MONTHS, REPORT, write_synthetic

from prodpack.cli import main

pytestmark = pytest.mark.flow

LEDGER = ("org_code,period,cost_centre,subjective_code,amount\n"
          "RXA,2024-05,C1,511100,10.00\nRXA,2024-05,C1,511100,oops\n")
ACTIVITY = ("org_code,period,pod,treatment_function_code,hrg_code,attendance_status,los_days,preop_days,count\n"
            "RXA,2024-05,EL,110,HN12C,,3,1,1\n")


def test_load_command_runs_the_load_flow_and_a_second_load_changes_nothing(
        prefect_api, prodpack_env, engine, capsys):
    landing = prodpack_env.landing_dir
    (landing / "ledger").mkdir(parents=True)
    (landing / "ledger" / "ledger_RXA_2024-05.csv").write_text(LEDGER)
    (landing / "ledger" / "ledger_RXA_2024-06.csv").write_text("no,header,here\n1,2,3\n")
    (landing / "activity").mkdir()
    (landing / "activity" / "activity_RXA_2024-05.csv").write_text(ACTIVITY)
    # A correction of May, dropped later: the ledger lane loads it after the first file.
    (landing / "ledger" / "ledger_RXA_2024-05_v2.csv").write_text(LEDGER.replace("10.00", "12.00"))
    for age, name in enumerate(["ledger_RXA_2024-05.csv", "ledger_RXA_2024-06.csv", "ledger_RXA_2024-05_v2.csv"]):
        os.utime(landing / "ledger" / name, (1e9 + age, 1e9 + age))

    assert main(["load"]) == 0
    err = capsys.readouterr().err
    assert "rejected: ledger/ledger_RXA_2024-06.csv: missing required column(s)" in err
    with engine.connect() as conn:
        logged = conn.execute(sa.text(
            "select origin, status, rows_read, rows_loaded, rows_quarantined from ops.load_log"
            " order by origin")).all()
    assert [tuple(r) for r in logged] == [
        ("activity/activity_RXA_2024-05.csv", "loaded", 1, 1, 0),
        ("ledger/ledger_RXA_2024-05.csv", "loaded", 2, 1, 1),
        ("ledger/ledger_RXA_2024-05_v2.csv", "loaded", 2, 1, 1),
        ("ledger/ledger_RXA_2024-06.csv", "rejected", 0, 0, 0)]
    with engine.connect() as conn:
        assert conn.execute(sa.text("select amount from raw.ledger")).scalars().all() == [12]

    assert main(["load"]) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from ops.load_log")).scalar() == 4


def test_a_bad_file_never_stops_the_load_flow_and_the_files_after_it_load(
        prefect_api, prodpack_env, engine):
    from flows.load import load_sources

    landing = prodpack_env.landing_dir
    (landing / "ledger").mkdir(parents=True)
    (landing / "ledger" / "ledger_RXA_2024-05.csv").write_text(LEDGER)
    (landing / "activity").mkdir()
    # A count out of range for its column, then the next activity file of the same lane.
    (landing / "activity" / "activity_RXA_2024-05.csv").write_text(ACTIVITY.replace(",1\n", ",99999999999\n"))
    (landing / "activity" / "activity_RXA_2024-06.csv").write_text(ACTIVITY.replace("2024-05", "2024-06"))
    os.utime(landing / "activity" / "activity_RXA_2024-06.csv", (2e9, 2e9))

    results = {r["origin"]: r for r in load_sources()}

    assert results["activity/activity_RXA_2024-06.csv"]["status"] == "loaded"
    assert results["ledger/ledger_RXA_2024-05.csv"]["status"] == "loaded"
    with engine.connect() as conn:
        logged = dict(conn.execute(sa.text("select origin, status from ops.load_log")).all())
    assert logged == {origin: r["status"] for origin, r in results.items()}


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


def test_run_closes_the_month_and_a_missing_month_blocks_only_that_trust(
        prefect_api, prodpack_env, engine, capsys, monkeypatch, mailbox):
    # The synthetic trusts book a lot to an unmapped cost centre: keep that a warning here.
    monkeypatch.setenv("PRODPACK_DQ_MATERIALITY_ERROR", "0.5")
    monkeypatch.setenv("PRODPACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PRODPACK_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("PRODPACK_EXECUTIVE_RECIPIENTS", "board@trust.nhs.test, cfo@trust.nhs.test")
    monkeypatch.setenv("PRODPACK_PLATFORM_RECIPIENTS", "platform@trust.nhs.test")
    # RXB's activity for June 2024 never arrived: every window of August needs it.
    write_synthetic(prodpack_env.landing_dir, drop=(("RXB", "activity", "2024-06"),))
    started = datetime.now(UTC)

    status = main(["run"])   # the month: the last with all three sources for some trust

    captured = capsys.readouterr()
    assert status == 3, captured.err
    assert f"RXB {REPORT} not published, data quality" in captured.err
    assert f"RXA {REPORT} not published" not in captured.err
    month_folder = prodpack_env.reports_dir / REPORT
    assert (month_folder / f"executive_report_RXA_{REPORT}.xlsx").exists()
    assert not (month_folder / f"executive_report_RXB_{REPORT}.xlsx").exists()
    assert "RXA against 2019/20: month IPc" in captured.out
    assert "against last year: month IPc" in captured.out
    with engine.connect() as conn:
        failed = conn.execute(sa.text(
            "select org_code, check_name from ops.dq_result where outcome = 'fail'")).all()
        calculated = conn.execute(sa.text(
            "select count(distinct period) from mart.implied_productivity where level = 'trust'")).scalar()
    assert ("RXB", "completeness") in {tuple(r) for r in failed}
    assert all(org == "RXB" for org, _ in failed)
    # Every month with data after the base year: the SPC series and the month-by-month chart.
    assert calculated == len(PRIOR_MONTHS + CURRENT_MONTHS)

    mail = mailbox.by_recipient()
    [report] = mail["board@trust.nhs.test"]
    assert mail["cfo@trust.nhs.test"] == [report]
    assert "RXA" in report["Subject"] and "RXB" not in report["Subject"]
    [attachment] = list(report.iter_attachments())
    assert attachment.get_filename() == f"executive_report_RXA_{REPORT}.xlsx"
    assert attachment.get_content()[:2] == b"PK"   # an xlsx is a zip
    assert report.get_body(("html",)) is not None
    [notice] = mail["platform@trust.nhs.test"]
    assert "blocked by data quality for RXB" in notice["Subject"]

    # Each trust's part was its own flow runs: checks and calculation, then publishing.
    with get_client(sync_client=True) as client:
        names = {r.name for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(like_="close-trust-"),
            expected_start_time=FlowRunFilterExpectedStartTime(after_=started)))}
    assert {f"close-trust-RXA-{REPORT}-calculate", f"close-trust-RXB-{REPORT}-calculate",
            f"close-trust-RXA-{REPORT}-publish"} <= names
    assert f"close-trust-RXB-{REPORT}-publish" not in names

    # RXB's June arrives. The re-run closes RXB alone: RXA was published and is unchanged.
    with engine.connect() as conn:
        rxa_runs = conn.execute(sa.text(
            "select count(*) from ops.calculation_run where 'RXA' = any(orgs)")).scalar()
    sources, _ = write_synthetic(prodpack_env.landing_dir / "late")
    june = sources["activity"]
    june[(june.org_code == "RXB") & (june.period == "2024-06")].to_csv(
        prodpack_env.landing_dir / "activity" / "RXB_activity_2024-06.csv", index=False)
    for folder in ("late",):
        shutil.rmtree(prodpack_env.landing_dir / folder)

    status = main(["run"])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "RXA: published before and unchanged since; not closed again" in captured.err
    assert f"closing {REPORT} for RXB" in captured.err
    assert (month_folder / f"executive_report_RXB_{REPORT}.xlsx").exists()
    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "select count(*) from ops.calculation_run where 'RXA' = any(orgs)")).scalar() == rxa_runs
        states = dict(conn.execute(sa.text(
            "select org_code, status from ops.trust_close where month = :m"), {"m": REPORT}).all())
    assert states == {"RXA": "published", "RXB": "published"}
    assert "RXB against 2019/20: month IPc" in captured.out


def test_backfill_calculates_every_month_and_records_itself(prefect_api, prodpack_env, engine,
                                                           monkeypatch, capsys):
    monkeypatch.setenv("PRODPACK_DQ_MATERIALITY_ERROR", "0.5")
    write_synthetic(prodpack_env.landing_dir)

    assert main(["backfill", "--from", "2024-04", "--to", REPORT, "--reason", "first load"]) == 0
    progress = capsys.readouterr().err   # the flow's progress lines, on the terminal
    assert "[1/5] calculated 2024-04; 4 month(s) to do, about " in progress
    assert "[5/5] calculated 2024-08; done" in progress
    assert main(["backfill", "--from", "2024-04", "--to", REPORT]) == 0

    with engine.connect() as conn:
        months = conn.execute(sa.text(
            "select period, count(*) from ops.calculation_run group by 1 order by 1")).all()
        record = conn.execute(sa.text(
            "select first_month, last_month, reason, status, months_done, months_total"
            " from ops.backfill order by backfill_id")).all()
    # The second backfill found every month calculated since the last load: nothing redone.
    assert [tuple(m) for m in months] == [(m, 1) for m in CURRENT_MONTHS]
    assert [tuple(r) for r in record] == [
        ("2024-04", REPORT, "first load", "completed", 5, 5),
        ("2024-04", REPORT, None, "completed", 5, 5)]
    assert (prodpack_env.reports_dir / REPORT / f"executive_report_RXA_{REPORT}.xlsx").exists()


def test_run_with_mail_down_publishes_and_exits_4_naming_what_was_not_delivered(
        prefect_api, prodpack_env, capsys, monkeypatch):
    from servers import free_port

    monkeypatch.setenv("PRODPACK_DQ_MATERIALITY_ERROR", "0.5")
    monkeypatch.setenv("PRODPACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PRODPACK_SMTP_PORT", str(free_port()))   # nothing listens there
    monkeypatch.setenv("PRODPACK_EXECUTIVE_RECIPIENTS", "board@trust.nhs.test")
    monkeypatch.setenv("PRODPACK_PLATFORM_RECIPIENTS", "platform@trust.nhs.test")
    write_synthetic(prodpack_env.landing_dir)

    status = main(["run"])

    captured = capsys.readouterr()
    assert status == 4, captured.err
    assert (prodpack_env.reports_dir / REPORT / f"executive_report_RXA_{REPORT}.xlsx").exists()
    assert "RXA against 2019/20: month IPc" in captured.out
    assert "against last year: month IPc" in captured.out
    assert "prodpack run: executive report email not sent: RXA" in captured.err
    assert "prodpack run: platform notice not delivered" in captured.err
    # Every message after the first is not tried: the server failed earlier in this run.
    assert "did not answer earlier in this run" in captured.err


def test_a_dry_run_close_sends_nothing_and_leaves_every_trust_to_publish(
        prefect_api, prodpack_env, engine, capsys, monkeypatch, mailbox):
    monkeypatch.setenv("PRODPACK_DQ_MATERIALITY_ERROR", "0.5")
    monkeypatch.setenv("PRODPACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PRODPACK_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("PRODPACK_EXECUTIVE_RECIPIENTS", "board@trust.nhs.test")
    write_synthetic(prodpack_env.landing_dir)

    status = main(["run", "--dry-run"])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "the close failed" not in captured.err
    assert mailbox.by_recipient() == {}
    with engine.connect() as conn:
        states = dict(conn.execute(sa.text(
            "select org_code, status from ops.trust_close where month = :m"), {"m": REPORT}).all())
    assert states == {"RXA": "calculated", "RXB": "calculated"}

    assert main(["run"]) == 0     # the real close publishes both, and sends
    assert len(mailbox.by_recipient()["board@trust.nhs.test"]) == 2
