"""Where each trust's close of a month got to (ops.trust_close): written by the trust's own
flow runs, read by the close that fanned them out and by its re-runs."""

from __future__ import annotations

import json
from functools import partial
from importlib import resources

from psycopg.types.json import Jsonb
from sqlalchemy.engine import Engine

from tasks import db


def _sql(name: str) -> str:
    return resources.files("sql").joinpath("close", name).read_text(encoding="utf-8")


def record(eng: Engine, month: str, org: str, status: str, flow_run_id: str | None = None,
           message: str | None = None, outcome: dict | None = None) -> None:
    """Where the trust's close got to; `outcome`: what its publish run produced (JSON)."""
    with db.psycopg_connection(eng) as conn:
        conn.execute(_sql("record.sql"), {
            "month": month, "org": org, "status": status, "flow_run_id": flow_run_id,
            "message": message, "outcome": None if outcome is None else Jsonb(outcome, dumps=_as_json)})


# Paths, dates and the like as their text: what the outcome's readers print or open.
_as_json = partial(json.dumps, default=str)


def outcomes(eng: Engine, month: str, orgs: list[str]) -> dict[str, dict]:
    """What the trusts' publish runs produced, as they recorded it, wherever they ran."""
    with db.psycopg_connection(eng) as conn:
        return dict(conn.execute(_sql("outcomes.sql"), {"month": month, "orgs": orgs}))


def trusts(eng: Engine, month: str) -> dict[str, tuple[str | None, str | None]]:
    """Every trust with data in the month's year so far: (status, message) of its last close
    of the month, (None, None) where there was none."""
    with db.psycopg_connection(eng) as conn:
        return {org: (status, message) for org, status, message
                in conn.execute(_sql("trusts.sql"), {"month": month})}
