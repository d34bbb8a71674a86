"""The data-quality task of the flows: run the checks, show their findings as an artifact."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact

from schemas.settings import Settings
from tasks import db
from tasks.quality.checks import blocked_orgs, run_checks


@task(name="data-quality", task_run_name="data-quality-{report_month}", retries=2,
      retry_delay_seconds=[5, 30], retry_condition_fn=db.retry_transient, timeout_seconds=900)
def quality(report_month: str, run_id: str, orgs: list[str] | None = None) -> dict:
    """Run the checks, for every trust or for `orgs` alone (one trust's part of a fanned-out
    close); publish a table artifact; return the blocked orgs and the findings."""
    settings = Settings()
    results = run_checks(db.engine(settings), settings, report_month, run_id, orgs)
    shown = [r for r in results if r["outcome"] != "pass"]
    # A trust's own key, so that the trusts of a fanned-out close do not overwrite each other.
    trusts = "".join(f"-{org.lower()}" for org in sorted(set(orgs or ())))
    create_table_artifact(
        key=f"data-quality-{report_month}{trusts}",
        table=[{"org": r["org_code"], "check": r["title"], "outcome": r["outcome"],
                "findings": r["finding_count"], "message": r["message"]} for r in shown]
        or [{"org": "all", "check": "all", "outcome": "pass", "findings": 0,
             "message": "every check passed"}],
        description=f"Data-quality findings for {report_month}: a 'fail' blocks that trust's "
                    "reports and alerts.",
    )
    return {"blocked": blocked_orgs(results), "results": results}
