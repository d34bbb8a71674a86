"""Deployment definitions: what the platform schedules, and `prodpack deploy` to register it.

Deployments go to a process work pool served by `prefect worker start`, never `serve()`:
stopping a served process pauses its deployments, which deletes their scheduled runs, and a
month could pass without a close.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from schemas.settings import Settings

TIMEZONE = "Europe/London"
NOTIFY_DEPLOYMENT = "notify-platform/platform-notice"


def monthly_cron(settings: Settings) -> str:
    return f"0 6 {settings.close_day} * *"


def quarterly_cron(settings: Settings) -> str:
    # Quarter ends are June, September, December and March; their packs follow a month later.
    return f"0 9 {settings.close_day} 1,4,7,10 *"


def definitions(settings: Settings) -> list[RunnerDeployment]:
    from flows.backfill import backfill
    from flows.close_trust import close_trust
    from flows.monthly_close import monthly_close
    from flows.packs import quarterly_packs
    from flows.platform import notify_platform

    # Two closes of one month must never overlap; the second is cancelled, not queued.
    one_at_a_time = ConcurrencyLimitConfig(
        limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    common: dict[str, Any] = {"entrypoint_type": EntrypointType.MODULE_PATH, "tags": ["prodpack"]}
    return [
        monthly_close.to_deployment(
            name="monthly",
            description="The monthly close: load, check, calculate, report, alert. Closes the "
                        "month before the scheduled date.",
            schedules=[Cron(monthly_cron(settings), timezone=TIMEZONE)],
            concurrency_limit=one_at_a_time, **common),
        quarterly_packs.to_deployment(
            name="quarterly",
            description="The clinical-group productivity packs for the quarter just ended.",
            schedules=[Cron(quarterly_cron(settings), timezone=TIMEZONE)],
            concurrency_limit=one_at_a_time, **common),
        backfill.to_deployment(
            name="on-demand",
            description="Load, then calculate every month of a range; run it from the UI.",
            concurrency_limit=one_at_a_time, **common),
        # Not scheduled: the monthly close runs one for each trust, and any worker of the pool
        # takes it (flows/fan_out.py).
        close_trust.to_deployment(
            name="close-trust",
            description="One trust's part of a monthly close: its checks and calculation, or "
                        "its reports and alerts. Started by the monthly close.",
            **common),
        notify_platform.to_deployment(
            name="platform-notice",
            description="Started by the automations for crashed, timed-out, late and stuck runs.",
            **common),
    ]


def _ensure_work_pool(name: str) -> bool:
    """Create the process work pool if it is missing; True when created."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            return True


def automation_files() -> list[tuple[str, list[dict]]]:
    """The automations shipped in deployments/automations, as (file, definitions)."""
    found = []
    folder = resources.files("deployments").joinpath("automations")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            loaded = yaml.safe_load(entry.read_text(encoding="utf-8"))
            found.append((entry.name, loaded.get("automations", [loaded])))
    return found


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value == "{notify_deployment_id}":
        return ids["notify_deployment_id"]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def apply_automations(notify_deployment_id: str) -> list[str]:
    """Create the shipped automations, replacing any of the same name; return their names."""
    from prefect.automations import Automation
    from prefect.exceptions import ObjectNotFound

    applied = []
    for _, definitions_ in automation_files():
        for definition in definitions_:
            automation = Automation.model_validate(
                _fill(definition, {"notify_deployment_id": notify_deployment_id}))
            try:
                Automation.read(name=automation.name).delete()
            except (ObjectNotFound, ValueError):
                pass
            automation.create()
            applied.append(automation.name)
    return applied


def deploy(settings: Settings) -> dict:
    """Register every deployment and automation with the server in PREFECT_API_URL."""
    created_pool = _ensure_work_pool(settings.work_pool)
    ids = {}
    for deployment in definitions(settings):
        ids[f"{deployment.flow_name}/{deployment.name}"] = str(
            deployment.apply(work_pool_name=settings.work_pool))
    automations = apply_automations(ids[NOTIFY_DEPLOYMENT])
    return {"work_pool": settings.work_pool, "work_pool_created": created_pool,
            "deployments": ids, "automations": automations}
