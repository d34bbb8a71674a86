"""One trust's part of a monthly close, as its own flow runs: `calculate` (its data-quality
checks and the months its figures need) and, once every trust of the month is calculated and
ranked, `publish` (its reports, its executive email, its alerts). A region's close fans these
out (flows/fan_out.py), to the work pool's workers where a deployment is registered; each
records where it got to in ops.trust_close, so one trust's failure holds back only itself and
a re-run resumes only the trusts that did not finish."""

from __future__ import annotations

from typing import Literal

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.platform import notify_on_failure
from schemas.settings import Settings
from tasks import close_state, db
from tasks.alert.task import alert
from tasks.calculate.months_due import months_to_calculate
from tasks.calculate.run import calculate
from tasks.notify import delivery_run
from tasks.quality.task import quality
from tasks.report.task import email_executive_reports, report


class TrustCloseParameters(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Report month YYYY-MM")
    org: str = Field(description="The trust's ODS code")
    stage: Literal["calculate", "publish"]
    out: str | None = Field(default=None, description="Reports folder; default: settings.")
    packs: bool | None = None
    dry_run: bool = False


def _run_name() -> str:
    given = flow_run.parameters.get("parameters")
    get = given.get if isinstance(given, dict) else lambda k: getattr(given, k, None)
    return f"close-trust-{get('org')}-{get('month')}-{get('stage')}"


def _calculate(eng, settings: Settings, p: TrustCloseParameters, run_id: str) -> dict:
    close_state.record(eng, p.month, p.org, "checking", run_id)
    checked = quality(p.month, run_id, [p.org])
    reasons = checked["blocked"].get(p.org, [])
    earlier = months_to_calculate(eng, p.month, settings.base_year, p.org)
    for month in earlier:
        calculate(month, [p.org])
    calculate(p.month, [p.org])
    print(f"{p.org}: calculated {p.month}" + (f" and {len(earlier)} earlier month(s)"
                                              if earlier else ""))
    status = "blocked" if reasons else "calculated"
    close_state.record(eng, p.month, p.org, status, run_id, "; ".join(reasons) or None)
    return {"org": p.org, "status": status, "blocked": reasons}


def _publish(eng, p: TrustCloseParameters, run_id: str) -> dict:
    # One deadline and one verdict per mail server for the trust's mail.
    with delivery_run():
        reports = report(p.month, p.out, [p.org], p.packs)
        emailed = email_executive_reports(p.month, reports, p.dry_run)
        alerts = alert(p.month, [], p.dry_run, p.out, only_org=p.org)
    problems = [f"executive report email not sent: {e['error']}" for e in emailed if e["error"]]
    if not p.dry_run:
        problems += [f"alert not sent: {f}" for f in alerts.get("failed", [])]
    # A dry run shows what would go: the trust is still to publish.
    status = "calculated" if p.dry_run else "needs_attention" if problems else "published"
    outcome = {"org": p.org, "status": status, "reports": reports, "emailed": emailed,
               "alerts": alerts}
    close_state.record(eng, p.month, p.org, status, run_id,
                       None if p.dry_run else "; ".join(problems) or None, outcome)
    return outcome


@flow(name="close-trust", flow_run_name=_run_name, log_prints=True, timeout_seconds=2 * 3600,
      on_failure=[notify_on_failure], on_crashed=[notify_on_failure])
def close_trust(parameters: TrustCloseParameters) -> dict:
    settings = Settings()
    eng = db.engine(settings)
    run_id = str(flow_run.id or "local")
    try:
        if parameters.stage == "calculate":
            return _calculate(eng, settings, parameters, run_id)
        return _publish(eng, parameters, run_id)
    except Exception as err:
        first = (str(err).splitlines() or [type(err).__name__])[0]
        close_state.record(eng, parameters.month, parameters.org, "failed", run_id,
                           f"{parameters.stage}: {first}")
        raise
