"""Routing: each variance to the lead of its node in owners.csv, or of the nearest node above
it, and the pack or report that lead should open."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import Engine

from tasks import db
from tasks.alert.find import Variance
from tasks.report.paths import executive_report_path, pack_path, slug


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str


# The nearest node up the hierarchy with a lead in owners.csv, per variance (sql/alert/).
_ROUTE_SQL = resources.files("sql").joinpath("alert", "nearest_lead.sql").read_text(
    encoding="utf-8")


def route(eng: Engine, variances: list[Variance]) -> dict[Recipient, list[Variance]]:
    """Each variance to its node's lead, or the nearest ancestor's; variances with no lead
    anywhere above them are left out (send_alerts reports them)."""
    if not variances:
        return {}
    targets = [{"i": i, "org_code": v.org_code, "period": v.period, "level": v.level,
                "node": v.node} for i, v in enumerate(variances)]
    with db.psycopg_connection(eng) as conn:
        leads = conn.execute(_ROUTE_SQL, (json.dumps(targets),)).fetchall()
    # One message per address, whatever the number of nodes (or spellings of a name) it leads.
    names: dict[str, str] = {}
    for _, _, email, name in leads:
        names.setdefault(email, name)
    routed: dict[Recipient, list[Variance]] = {}
    for i, lead_node, email, _ in leads:
        recipient = Recipient(email, names[email])
        routed.setdefault(recipient, []).append(replace(variances[i], lead_of=lead_node))
    return routed


def where_to_look(reports_dir: Path, v: Variance) -> str:
    """The clinical group's pack of the month, else its latest pack, else the trust's
    executive report; the path as the finance team finds it under the reports folder."""
    if v.level != "trust" and v.clinical_group:
        pack = pack_path(reports_dir, v.org_code, v.clinical_group, v.period)
        if pack.exists():
            return str(pack)
        earlier = sorted(p for p in reports_dir.glob(
            f"*/productivity_pack_{v.org_code}_{slug(v.clinical_group)}_*.xlsx")
            if p.parent.name < v.period)
        if earlier:
            return f"{earlier[-1]} (the latest pack; packs are written at quarter end)"
        return f"{pack} (written at quarter end, or by prodpack run --packs)"
    return str(executive_report_path(reports_dir, v.org_code, v.period))

