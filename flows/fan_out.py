"""Running each trust's part of a close as its own flow run (flows/close_trust.py).

Where the `close-trust` deployment is registered and its work pool has a worker online (the
production set-up: `prodpack deploy`, workers on any number of machines), each trust's run
goes to the pool, and the workers share them. Otherwise (the embedded default, tests) each
runs in this process as a subflow, one after the other: still its own flow run, its failure
still its own. Either way the outcome is read back from ops.trust_close, which the trust's
run writes, so no result store is shared with the workers.
"""

from __future__ import annotations

import time

from prefect import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled

from flows.close_trust import TrustCloseParameters, close_trust
from schemas.settings import Settings
from tasks import close_state, db

DEPLOYMENT = "close-trust/close-trust"
_POLL_SECONDS = 2.0
# How long a trust's run may wait for a worker before the close runs it itself.
START_SECONDS = 600


def _pool_with_workers() -> bool:
    """Whether the close-trust deployment is registered and its pool has a worker online (on
    the temporary server of a run with no Prefect server configured, it never is)."""
    with get_client(sync_client=True) as client:
        try:
            found = client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            return False
        if not found.work_pool_name:
            return False
        workers = client.read_workers_for_work_pool(found.work_pool_name)
    return any(str(getattr(w.status, "value", w.status)).upper() == "ONLINE" for w in workers)


def run_stage(stage: str, month: str, orgs: list[str], out: str | None, packs: bool | None,
              dry_run: bool) -> dict[str, dict]:
    """Each trust's stage as its own flow run; for `publish`, what each trust's run produced
    (reports, emails, alerts) as it recorded it in ops.trust_close, wherever it ran."""
    runs = {org: TrustCloseParameters(month=month, org=org, stage=stage, out=out, packs=packs,
                                      dry_run=dry_run) for org in orgs}
    if not runs:
        return {}
    if _pool_with_workers():
        submitted = {org: run_deployment(DEPLOYMENT, parameters={"parameters": p.model_dump()},
                                         flow_run_name=f"close-trust-{org}-{month}-{stage}",
                                         timeout=0, as_subflow=True).id
                     for org, p in runs.items()}
        never_started = _wait(submitted)
        if never_started:
            print(f"no worker took {', '.join(never_started)} within {START_SECONDS // 60} "
                  "minutes: closing them here")
        runs = {org: runs[org] for org in never_started}
    for parameters in runs.values():
        close_trust(parameters, return_state=True)    # a failed trust's state is in ops.trust_close
    if stage != "publish":
        return {}
    return close_state.outcomes(db.engine(Settings()), month, orgs)


def _wait(flow_runs: dict[str, object]) -> list[str]:
    """Until every run has finished, however it finished; a run no worker has started within
    START_SECONDS (the workers gone, the pool paused) is cancelled and its trust returned, for
    the close to run itself rather than wait for ever."""
    pending = dict(flow_runs)
    never_started = []
    give_up = time.monotonic() + START_SECONDS
    with get_client(sync_client=True) as client:
        while pending:
            for org, run_id in list(pending.items()):
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    del pending[org]
                elif time.monotonic() > give_up and (state is None or state.is_scheduled()):
                    client.set_flow_run_state(run_id, Cancelled(message="no worker took it"),
                                              force=True)
                    never_started.append(org)
                    del pending[org]
            if pending:
                time.sleep(_POLL_SECONDS)
    return never_started
