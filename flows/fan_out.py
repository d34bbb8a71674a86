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

from flows.close_trust import TrustCloseParameters, close_trust

DEPLOYMENT = "close-trust/close-trust"
_POLL_SECONDS = 2.0


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
    """Each trust's stage as its own flow run; what the runs returned in this process (the
    pool's runs return nothing here: their outcome is in ops.trust_close)."""
    runs = {org: TrustCloseParameters(month=month, org=org, stage=stage, out=out, packs=packs,
                                      dry_run=dry_run) for org in orgs}
    if not runs:
        return {}
    if _pool_with_workers():
        submitted = {org: run_deployment(DEPLOYMENT, parameters={"parameters": p.model_dump()},
                                         flow_run_name=f"close-trust-{org}-{month}-{stage}",
                                         timeout=0, as_subflow=True)
                     for org, p in runs.items()}
        _wait([r.id for r in submitted.values()])
        return {}
    returned = {}
    for org, parameters in runs.items():
        state = close_trust(parameters, return_state=True)
        if state.is_completed():
            returned[org] = state.result()
    return returned


def _wait(flow_run_ids: list) -> None:
    """Until every run has finished, however it finished."""
    pending = set(flow_run_ids)
    with get_client(sync_client=True) as client:
        while pending:
            for run_id in list(pending):
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    pending.discard(run_id)
            if pending:
                time.sleep(_POLL_SECONDS)
