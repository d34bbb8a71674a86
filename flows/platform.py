"""Telling the platform team: a failed, crashed or blocked run, by email and Teams.

Sent from the flow itself (a hook, or the close when data quality blocks it), so it works
with a self-hosted Prefect server and no notification blocks; server-side automations in
deployments/automations cover runs that die before their own code can speak.
"""

from __future__ import annotations

import logging

from prefect import flow

from schemas.settings import Settings

log = logging.getLogger("prodpack.platform")


def platform_notice(settings: Settings, subject: str, text: str) -> list[str]:
    """Send to the platform recipients and the Teams channel; return what could not be sent.

    Never raises: a notice about a failure must not hide the failure it reports."""
    from tasks.notify import NotificationError, post_teams, send_email

    problems = []
    if settings.platform_recipients:
        try:
            send_email(settings, settings.platform_recipients, subject, text)
        except NotificationError as err:
            problems.append(f"email: {err}")
    if settings.teams_webhook_url is not None:
        try:
            post_teams(settings, subject, text)
        except NotificationError as err:
            problems.append(f"teams: {err}")
    if not settings.platform_recipients and settings.teams_webhook_url is None:
        problems.append("no PRODPACK_PLATFORM_RECIPIENTS or PRODPACK_TEAMS_WEBHOOK_URL is set")
    for problem in problems:
        log.warning("platform notice %r not delivered: %s", subject, problem)
    return problems


def notify_on_failure(flow, flow_run, state) -> None:
    """Prefect on_failure / on_crashed hook of the scheduled flows."""
    subject = f"prodpack: flow run {flow_run.name} {state.name.lower()}"
    text = (f"The {flow.name} flow run {flow_run.name} ended {state.name}.\n\n"
            f"{state.message or ''}\n\n"
            "See docs/runbook.md for what each failure means and what to do; the run's logs "
            f"are in the Prefect UI under flow run {flow_run.id}.")
    platform_notice(Settings(), subject, text)


@flow(name="notify-platform", flow_run_name="notify-platform")
def notify_platform(subject: str, text: str) -> list[str]:
    """Run by the automations for crashed, timed-out and late runs."""
    return platform_notice(Settings(), subject, text)
