"""`prodpack deploy` against a real Prefect server: schedules, work pool, concurrency, automations."""

from __future__ import annotations

import pytest
from prefect import get_client
from prefect.automations import Automation

from deployments import automation_files, deploy
from flows.packs import last_quarter_end
from prodpack.cli import main

pytestmark = pytest.mark.flow


def test_deploy_registers_monthly_close_on_a_london_cron_in_a_process_pool(prefect_api, prodpack_env):
    assert main(["deploy"]) == 0
    registered = deploy(prodpack_env)          # twice: idempotent
    assert registered["work_pool_created"] is False

    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("prodpack")
        monthly = client.read_deployment_by_name("monthly-close/monthly")
        quarterly = client.read_deployment_by_name("quarterly-packs/quarterly")
        backfill = client.read_deployment_by_name("backfill/on-demand")
        trust = client.read_deployment_by_name("close-trust/close-trust")
    assert pool.type == "process"
    assert trust.work_pool_name == "prodpack" and trust.schedules == []
    assert trust.entrypoint == "flows.close_trust.close_trust"
    assert monthly.work_pool_name == "prodpack" and not monthly.paused
    [schedule] = monthly.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 8 * *", "Europe/London")
    assert schedule.active
    assert monthly.concurrency_limit == 1 or monthly.global_concurrency_limit.limit == 1
    assert monthly.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert monthly.entrypoint == "flows.monthly_close.monthly_close"
    [packs_schedule] = quarterly.schedules
    assert packs_schedule.schedule.cron == "0 9 8 1,4,7,10 *"
    assert backfill.schedules == []

    shipped = {d["name"] for _, definitions in automation_files() for d in definitions}
    assert shipped == {"prodpack crashed or timed-out run", "prodpack late run", "prodpack stuck run"}
    for name in shipped:
        automation = Automation.read(name=name)
        assert str(automation.actions[0].deployment_id) == registered["deployments"][
            "notify-platform/platform-notice"]


def test_deploy_without_a_server_says_so(monkeypatch, capsys):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert main(["deploy"]) == 1
    assert "PREFECT_API_URL is not set" in capsys.readouterr().err


@pytest.mark.parametrize(("year", "month", "expected"), [
    (2026, 7, "2026-06"), (2026, 10, "2026-09"), (2027, 1, "2026-12"), (2026, 4, "2026-03")])
def test_quarterly_packs_close_the_quarter_just_ended(year, month, expected):
    assert last_quarter_end(year, month) == expected


@pytest.mark.parametrize(("scheduled", "closes"), [
    ("2026-11-08T06:00:00+00:00", "2026-10"),
    ("2027-01-08T06:00:00+00:00", "2026-12"),
    # 00:30 London on 1 April in summer time is still 31 March in UTC: London decides.
    ("2026-03-31T23:30:00+00:00", "2026-03"),
])
def test_a_scheduled_close_closes_the_month_before_its_london_date(scheduled, closes):
    from datetime import datetime

    from tasks.months import month_closed_by

    assert month_closed_by(datetime.fromisoformat(scheduled)) == closes
