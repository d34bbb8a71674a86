"""Alert: each adverse variance of the month to the lead of its node, once.

Variances are found set-based over the mart (schemas/alert_rules.py says which), routed to
the node's lead in owners.csv or, where a node has none, to the nearest ancestor's lead, and
sent as one email (and one Teams card) per recipient listing all of theirs.

Exactly once, per (rule, org, level, node, period), through ops.alert_log:
1. The run upserts what it found as pending rows, in one transaction; rows already emailed
   are left as they are, and unsent rows of the month the run no longer finds are withdrawn.
2. Per recipient, one transaction locks their outstanding rows with `for update skip
   locked`, sends, and records each channel's outcome before it commits. A second run at
   the same time skips the locked rows, so the two never both send them. A send that fails
   is recorded as failed and retried by the next run; a channel that succeeded is not
   repeated (email sent, Teams failed: the next run posts the card only). A crash before
   the commit rolls back to pending, so the next run sends: nothing is lost.
The one window for a duplicate is a crash after the SMTP server accepted the message and
before the commit that follows it (a few milliseconds). The resend then carries the same
Message-ID, which mail systems use to drop duplicates. We chose this over the alternative
(commit "sending" first, never resend), which would lose the alert instead.

A dry run goes through the same steps on a temporary copy of the log, rolled back at the
end, and reports what it would send.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from prefect import task
from prefect.artifacts import create_table_artifact
from sqlalchemy.engine import Engine

from schemas.alert_rules import AlertRules, load_rules
from schemas.settings import Settings
from tasks import db
from tasks.months import month_label
from tasks.notify import NotificationError, post_teams, send_email
from tasks.report import executive_report_path, pack_path
from tasks.report_style import pounds_words, signed_percent, slug

log = logging.getLogger("prodpack.alert")

LEVEL_LABEL = {"trust": "trust", "clinical_group": "clinical group",
               "directorate": "directorate", "service": "service"}
WINDOW_LABEL = {"month": "in the month", "quarter": "quarter to date", "ytd": "year to date"}
METRIC_LABEL = {"ip_cost": "implied productivity on cost",
                "ip_wte": "implied productivity on workforce"}
DRIVERS_SHOWN = 3


@dataclass(frozen=True)
class Variance:
    """One rule broken by one node in one report month, with what a lead needs to act."""

    rule: str
    kind: str
    org_code: str
    level: str
    node: str
    period: str
    time_window: str
    metric: str | None
    value: float                    # what the rule reads: IP fraction, index gap or £
    threshold: float
    previous_period: str            # the month (or quarter end) the trend compares with
    previous_value: float | None    # null where that month was not calculated
    figures: dict = field(default_factory=dict)   # the node's indices, IPs and opportunities
    clinical_group: str | None = None
    directorate: str | None = None
    drivers: tuple[dict, ...] = ()  # the services below it contributing most
    lead_of: str | None = None      # set by route(): the node whose lead hears of it
    where_to_look: str | None = None  # set by send_alerts(): the pack or report to open

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.rule, self.org_code, self.level, self.node, self.period)

    @property
    def place(self) -> str:
        if self.level == "trust":
            return f"{self.org_code} (trust)"
        return f"{self.node} ({LEVEL_LABEL[self.level]}, {self.org_code})"

    @property
    def message(self) -> str:
        """What moved and by how much."""
        window = WINDOW_LABEL[self.time_window]
        if self.kind == "below":
            return (f"{METRIC_LABEL[self.metric].capitalize()} {window} is "
                    f"{signed_percent(self.value)}, below the {signed_percent(self.threshold)} "
                    "threshold")
        if self.kind == "deterioration":
            since = ("the previous quarter" if self.time_window == "quarter"
                     else month_label(self.previous_period))
            return (f"{METRIC_LABEL[self.metric].capitalize()} {window} fell "
                    f"{_points(self.previous_value - self.value)} points since {since}, from "
                    f"{signed_percent(self.previous_value)} to {signed_percent(self.value)} "
                    f"(bound {_points(self.threshold)} points)")
        if self.kind == "wte_over_activity":
            return (f"Workforce grew {_growth(self.figures.get('wte_index'))} against activity "
                    f"{_growth(self.figures.get('activity_index'))} {window}: "
                    f"{_points(self.value)} points faster (margin {_points(self.threshold)})")
        return (f"Cost opportunity {window} is {_pounds(self.value)}, above the "
                f"{_pounds(self.threshold)} materiality")

    @property
    def trend(self) -> str:
        """The same figure a month (or a quarter) earlier."""
        when = (f"the quarter to {month_label(self.previous_period)}"
                if self.kind == "deterioration" and self.time_window == "quarter"
                else month_label(self.previous_period))
        if self.previous_value is None:
            return f"{when}: not calculated"
        show = {"wte_over_activity": lambda v: f"{_points(v)} points",
                "cost_opportunity": _pounds}.get(self.kind, signed_percent)
        return f"{show(self.previous_value)} in {when}, {show(self.value)} now"

    @property
    def figures_line(self) -> str:
        f = self.figures
        return (f"IPc {signed_percent(f.get('ip_cost'))}, IPw {signed_percent(f.get('ip_wte'))};"
                f" growth on the base year: activity {_growth(f.get('activity_index'))},"
                f" cost {_growth(f.get('cost_index'))}, WTE {_growth(f.get('wte_index'))};"
                f" cost opportunity {_pounds(f.get('cost_opportunity'))},"
                f" WTE opportunity {_wte(f.get('wte_opportunity'))}")

    @property
    def drivers_line(self) -> str:
        return ", ".join(
            f"{d['service']} (IPc {signed_percent(d.get('ip_cost'))}, "
            f"{_pounds(d.get('cost_opportunity'))}, {_wte(d.get('wte_opportunity'))} WTE)"
            for d in self.drivers)

    def as_json(self) -> dict:
        """As logged: the fields, and the sentences a reader of ops.alert_log wants."""
        return {**asdict(self), "message": self.message, "trend": self.trend}

    @classmethod
    def from_json(cls, data: dict) -> Variance:
        fields = {k: v for k, v in data.items() if k not in ("message", "trend")}
        return cls(**{**fields, "drivers": tuple(fields.get("drivers") or ())})


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str


@dataclass(frozen=True)
class Message:
    recipient: Recipient
    subject: str
    text: str
    html: str
    variances: tuple[Variance, ...]


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}"


def _growth(index: float | None) -> str:
    return "n/a" if index is None else signed_percent(index - 1)


def _pounds(value: float | None) -> str:
    return "n/a" if value is None else ("-" if value < 0 else "") + pounds_words(value)


def _wte(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _float(value) -> float | None:
    return None if value is None else float(value)


# --- finding -------------------------------------------------------------------------------

# Every rule against every node of the month, and against the same node in the month (or
# quarter end) before; the services below a node that contribute most, for "where to look".
_VARIANCES_SQL = """
with rule as (
    select * from jsonb_to_recordset(%(rules)s::jsonb)
        as r (rule text, kind text, metric text, time_window text, level text, threshold numeric)
),
report as (
    select to_char(d, 'YYYY-MM') as period,
           to_char(d - interval '1 month', 'YYYY-MM') as previous_month,
           to_char(d - make_interval(months => mod(core.fin_month(d) - 1, 3) + 1), 'YYYY-MM')
               as previous_quarter
    from (select to_date(%(month)s, 'YYYY-MM') as d) m
),
measured as (
    select r.rule, r.kind, r.metric, r.threshold,
           m.org_code, m.period, m.time_window, m.level, m.node, m.clinical_group, m.directorate,
           m.activity_index, m.cost_index, m.wte_index, m.ip_cost, m.ip_wte,
           m.cost_opportunity, m.wte_opportunity,
           case r.kind when 'wte_over_activity' then m.wte_index - m.activity_index
                       when 'cost_opportunity' then m.cost_opportunity
                       else case r.metric when 'ip_cost' then m.ip_cost else m.ip_wte end
           end as value
    from rule r
    cross join report p
    join mart.implied_productivity m
      on m.time_window = r.time_window and m.level = r.level
     and m.period in (p.period, p.previous_month, p.previous_quarter)
    where m.org_code <> all(%(blocked)s::text[])
),
compared as (
    select c.*, prev.value as previous_value,
           case when c.kind = 'deterioration' and c.time_window = 'quarter'
                then p.previous_quarter else p.previous_month end as previous_period
    from measured c
    cross join report p
    left join measured prev
      on prev.rule = c.rule and prev.org_code = c.org_code and prev.level = c.level
     and prev.node = c.node
     and prev.period = case when c.kind = 'deterioration' and c.time_window = 'quarter'
                            then p.previous_quarter else p.previous_month end
    where c.period = p.period
)
select c.*, d.drivers
from compared c
left join lateral (
    select coalesce(jsonb_agg(jsonb_build_object(
               'service', s.node, 'ip_cost', s.ip_cost,
               'cost_opportunity', s.cost_opportunity, 'wte_opportunity', s.wte_opportunity)
               order by s.size desc), '[]'::jsonb) as drivers
    from (select s.*,
                 case when c.kind = 'wte_over_activity' then s.wte_opportunity
                      else s.cost_opportunity end as size
          from mart.implied_productivity s
          where s.org_code = c.org_code and s.period = c.period
            and s.time_window = c.time_window and s.level = 'service'
            and (c.level = 'trust'
                 or c.level = 'clinical_group' and s.clinical_group = c.node
                 or c.level = 'directorate' and s.directorate = c.node)
          order by size desc nulls last
          limit %(drivers)s) s
    where s.size > 0
) d on true
where case c.kind when 'below' then c.value < c.threshold
                  when 'deterioration' then c.previous_value - c.value > c.threshold
                  else c.value > c.threshold end
order by c.org_code,
         array_position(array['trust', 'clinical_group', 'directorate', 'service'], c.level),
         c.node, c.rule
"""

_FIGURES = ("activity_index", "cost_index", "wte_index", "ip_cost", "ip_wte",
            "cost_opportunity", "wte_opportunity")


def _rule_rows(rules: AlertRules) -> list[dict]:
    return [{"rule": r.name, "kind": r.kind, "metric": r.metric, "time_window": r.time_window,
             "level": level, "threshold": threshold}
            for r in rules.rules for level, threshold in r.levels().items()]


def find_variances(eng: Engine, rules: AlertRules, month: str,
                   blocked_orgs: list[str]) -> list[Variance]:
    """Every rule broken in the month by a node of an org data quality did not block."""
    with db.psycopg_connection(eng) as conn:
        cursor = conn.execute(_VARIANCES_SQL, {
            "rules": json.dumps(_rule_rows(rules)), "month": month,
            "blocked": list(blocked_orgs), "drivers": DRIVERS_SHOWN})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor]
    return [Variance(
        rule=r["rule"], kind=r["kind"], org_code=r["org_code"], level=r["level"],
        node=r["node"], period=r["period"], time_window=r["time_window"], metric=r["metric"],
        value=float(r["value"]), threshold=float(r["threshold"]),
        previous_period=r["previous_period"], previous_value=_float(r["previous_value"]),
        figures={name: _float(r[name]) for name in _FIGURES},
        clinical_group=r["clinical_group"], directorate=r["directorate"],
        drivers=tuple(r["drivers"] or ())) for r in rows]


# --- routing -------------------------------------------------------------------------------

# Up the hierarchy the mart records (service -> directorate -> clinical group -> trust) to
# the nearest node with a lead in owners.csv. Owners are keyed (level, node) across trusts;
# a trust's node is its org_code.
_ROUTE_SQL = """
with recursive target as (
    select * from jsonb_to_recordset(%s::jsonb)
        as t (i int, org_code text, period text, level text, node text)
),
chain as (
    select i, 0 as depth, org_code, period, level, node from target
    union all
    select c.i, c.depth + 1, c.org_code, c.period, m.parent_level, m.parent_node
    from chain c
    join mart.implied_productivity m
      on m.org_code = c.org_code and m.period = c.period and m.time_window = 'ytd'
     and m.level = c.level and m.node = c.node
    where m.parent_level is not null and c.depth < 4
)
select distinct on (c.i) c.i, c.node, lower(trim(o.email)) as email, o.name
from chain c
join core.owners o on o.level = c.level and lower(trim(o.node)) = lower(trim(c.node))
order by c.i, c.depth, o.email
"""


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


# --- the message ---------------------------------------------------------------------------

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


def _area(variances: tuple[Variance, ...]) -> str:
    leads = sorted({v.lead_of or v.node for v in variances})
    return " and ".join(leads) if len(leads) <= 2 else f"{len(leads)} areas"


_LEVEL_ORDER = {"trust": 0, "clinical_group": 1, "directorate": 2, "service": 3}
_WINDOW_ORDER = {"ytd": 0, "quarter": 1, "month": 2}


def _by_node(variances: list[Variance]) -> list[list[Variance]]:
    """The variances of each node together, trust first, year to date before the month."""
    groups: dict[tuple, list[Variance]] = {}
    for v in sorted(variances, key=lambda v: (v.period, v.org_code, _LEVEL_ORDER[v.level],
                                              v.node, _WINDOW_ORDER[v.time_window], v.rule)):
        groups.setdefault((v.period, v.org_code, v.level, v.node), []).append(v)
    return list(groups.values())


def _what_moved(v: Variance) -> str:
    # A deterioration's message is its trend already.
    return v.message if v.kind == "deterioration" else f"{v.message}; trend: {v.trend}"


def _node_details(node: list[Variance]) -> list[tuple[str, str]]:
    """(label, text) of the figures of each window the node's variances read, the services
    behind them and where to look."""
    first = node[0]
    details = []
    for window in dict.fromkeys(v.time_window for v in node):
        figures = next(v for v in node if v.time_window == window).figures_line
        details.append((f"Figures {WINDOW_LABEL[window]}", figures))
    with_drivers = next((v for v in node if v.drivers), None)
    if with_drivers:
        details.append((f"Services driving it ({WINDOW_LABEL[with_drivers.time_window]})",
                        with_drivers.drivers_line))
    if first.where_to_look:
        details.append(("Where to look", first.where_to_look))
    return details


def compose(recipient: Recipient, variances: list[Variance], base_year: str) -> Message:
    """One email listing every variance of the recipient's nodes, node by node."""
    nodes = _by_node(variances)
    ordered = tuple(v for node in nodes for v in node)
    count, area = len(ordered), _area(ordered)
    month = month_label(max(v.period for v in ordered))
    noun = "adverse variance" if count == 1 else "adverse variances"
    subject = f"prodpack: {count} {noun} in {area}, {month}"
    intro = f"{count} {noun} in {area} for {month}, against the same months of {base_year}."
    footer = ("You receive this as the lead in owners.csv of the nodes named (or of the nodes "
              "above them, where they have no lead of their own). Each variance is sent once.")

    items = []
    for n, node in enumerate(nodes, 1):
        lines = [f"{n}. {node[0].place}, {month_label(node[0].period)}"]
        lines += [f"   - {_what_moved(v)}." for v in node]
        lines += [f"   {label}: {text}" for label, text in _node_details(node)]
        items.append("\n".join(lines))
    text = "\n\n".join([f"{recipient.name},", intro, *items, footer, "prodpack"]) + "\n"

    cell = "padding:6px 10px;border-bottom:1px solid #E8EDEE;vertical-align:top"
    head = "padding:6px 10px;background:#005EB8;color:#fff;text-align:left"
    rows = "".join(
        f"<tr><td style='{cell}'><b>{html.escape(node[0].place)}</b><br>"
        f"{html.escape(month_label(node[0].period))}</td>"
        f"<td style='{cell}'><ul style='margin:0;padding-left:18px'>"
        + "".join(f"<li>{html.escape(_what_moved(v))}</li>" for v in node)
        + f"</ul></td><td style='{cell};color:#425563'>"
        + "<br>".join(f"<b>{html.escape(label)}:</b> {html.escape(text)}"
                      for label, text in _node_details(node))
        + "</td></tr>" for node in nodes)
    body = (
        "<div style='font-family:Arial,sans-serif;font-size:14px;color:#212B32'>"
        f"<p>{html.escape(recipient.name)},</p><p>{html.escape(intro)}</p>"
        "<table style='border-collapse:collapse'><tr>"
        + "".join(f"<th style='{head}'>{h}</th>" for h in
                  ("Where", "What moved", "Figures and where to look"))
        + f"</tr>{rows}</table><p style='color:#425563'>{html.escape(footer)}</p></div>")
    return Message(recipient, subject, text, body, ordered)


def _message_id(settings: Settings, alert_ids: list[int]) -> str:
    """The same alerts give the same Message-ID, so a resend after a crash is a duplicate
    mail systems recognise."""
    digest = hashlib.sha256(",".join(map(str, sorted(alert_ids))).encode()).hexdigest()[:24]
    domain = settings.smtp_from.rpartition("@")[2] or "prodpack.local"
    return f"<prodpack-alert-{digest}@{domain}>"


# --- the log and the sending ---------------------------------------------------------------

_OUTSTANDING = ("withdrawn_at is null"
                " and (email_status <> 'sent' or teams_status in ('pending', 'failed'))"
                " and not (period = %(month)s and org_code = any(%(blocked)s::text[]))")


def _record(conn, table: str, month: str, blocked: list[str],
            routed: dict[Recipient, list[Variance]], teams_configured: bool) -> dict:
    """Upsert what the run found; withdraw unsent rows of the month it no longer finds."""
    found = [{"rule": v.rule, "org_code": v.org_code, "level": v.level, "node": v.node,
              "period": v.period, "time_window": v.time_window, "recipient": r.email,
              "recipient_name": r.name, "lead_of": v.lead_of, "variance": v.as_json()}
             for r, vs in routed.items() for v in vs]
    params = {"found": json.dumps(found), "month": month, "blocked": blocked,
              "teams": "pending" if teams_configured else "not_configured"}
    conn.execute("""
        create temp table alert_found on commit drop as
        select * from jsonb_to_recordset(%(found)s::jsonb) as f (
            rule text, org_code text, level text, node text, period text, time_window text,
            recipient text, recipient_name text, lead_of text, variance jsonb);
        """, params)
    already_sent = conn.execute(f"""
        select count(*) from {table} l
        join alert_found f using (rule, org_code, level, node, period)
        where l.email_status = 'sent'""").fetchone()[0]
    conn.execute(f"""
        insert into {table} as l (rule, org_code, level, node, period, time_window, recipient,
                                  recipient_name, lead_of, variance, teams_status)
        select rule, org_code, level, node, period, time_window, recipient, recipient_name,
               lead_of, variance, %(teams)s from alert_found
        on conflict (rule, org_code, level, node, period) do update
        set recipient = excluded.recipient, recipient_name = excluded.recipient_name,
            lead_of = excluded.lead_of, variance = excluded.variance, withdrawn_at = null,
            teams_status = case when l.teams_status = 'sent' then 'sent'
                                else excluded.teams_status end
        where l.email_status <> 'sent'
        """, params)
    withdrawn = conn.execute(f"""
        update {table} l set withdrawn_at = now()
        where l.period = %(month)s and l.withdrawn_at is null and l.email_status <> 'sent'
          and l.org_code <> all(%(blocked)s::text[])
          and not exists (select 1 from alert_found f
                          where (f.rule, f.org_code, f.level, f.node, f.period)
                              = (l.rule, l.org_code, l.level, l.node, l.period))
        """, params).rowcount
    held = conn.execute(f"""
        select count(*) from {table}
        where period = %(month)s and org_code = any(%(blocked)s::text[])
          and withdrawn_at is null and email_status <> 'sent'""", params).fetchone()[0]
    return {"skipped_already_sent": already_sent, "withdrawn": withdrawn,
            "held_blocked": held}


def _claim(conn, table: str, recipient: str, month: str, blocked: list[str]) -> list[dict]:
    cursor = conn.execute(f"""
        select alert_id, recipient, recipient_name, variance, email_status, teams_status
        from {table}
        where recipient = %(recipient)s and {_OUTSTANDING}
        order by period, alert_id
        for update skip locked""", {"recipient": recipient, "month": month, "blocked": blocked})
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def _deliver(settings: Settings, rows: list[dict], dry_run: bool) -> dict:
    """Send what each channel still owes for these rows; return each channel's outcome."""
    recipient = Recipient(rows[0]["recipient"], rows[0]["recipient_name"])
    by_channel = {
        "email": [r for r in rows if r["email_status"] != "sent"],
        "teams": [r for r in rows if r["teams_status"] in ("pending", "failed")],
    }
    outcome: dict = {"to": recipient.email, "name": recipient.name, "errors": []}
    for channel, owed in by_channel.items():
        if not owed:
            outcome[channel] = {"status": None, "ids": []}
            continue
        message = compose(recipient, [Variance.from_json(r["variance"]) for r in owed],
                          settings.base_year)
        ids = [r["alert_id"] for r in owed]
        outcome.setdefault("subject", message.subject)
        outcome.setdefault("alerts", len(message.variances))
        outcome.setdefault("text", message.text)
        if channel == "teams" and settings.teams_webhook_url is None:
            outcome[channel] = {"status": "not_configured", "ids": ids}
            continue
        if dry_run:
            outcome[channel] = {"status": "would send", "ids": ids}
            continue
        try:
            if channel == "email":
                send_email(settings, [recipient.email], message.subject, message.text,
                           message.html, message_id=_message_id(settings, ids))
            else:
                post_teams(settings, message.subject, f"For {recipient.name}",
                           [(v.place, f"{v.message}. Trend: {v.trend}.")
                            for v in message.variances])
            outcome[channel] = {"status": "sent", "ids": ids}
        except NotificationError as err:
            outcome[channel] = {"status": "failed", "ids": ids}
            outcome["errors"].append(f"{channel}: {err}")
    return outcome


def _mark(conn, table: str, rows: list[dict], outcome: dict) -> None:
    email, teams = outcome["email"], outcome["teams"]
    conn.execute(f"""
        update {table} set
            email_status = case when alert_id = any(%(email_ids)s::bigint[])
                                then %(email)s::text else email_status end,
            teams_status = case when alert_id = any(%(teams_ids)s::bigint[])
                                then %(teams)s::text else teams_status end,
            sent_at = case when alert_id = any(%(email_ids)s::bigint[])
                                and %(email)s::text = 'sent' then now() else sent_at end,
            attempts = attempts + 1,
            last_attempt_at = now(),
            last_error = %(error)s
        where alert_id = any(%(ids)s::bigint[])""", {
        "ids": [r["alert_id"] for r in rows],
        "email_ids": email["ids"], "email": email["status"],
        "teams_ids": teams["ids"], "teams": teams["status"],
        "error": "; ".join(outcome["errors"]) or None})


def _dry_run_copy(conn) -> str:
    """A private copy of the log for a dry run: the same steps, nothing kept, no lock taken
    on the real log that a concurrent run would have to skip."""
    conn.execute("create temp table alert_log_dry_run (like ops.alert_log including all)"
                 " on commit drop")
    conn.execute("insert into alert_log_dry_run overriding system value"
                 " select * from ops.alert_log")
    conn.execute("select setval(pg_get_serial_sequence('alert_log_dry_run', 'alert_id'),"
                 " coalesce((select max(alert_id) from alert_log_dry_run), 0) + 1, false)")
    return "alert_log_dry_run"


def send_alerts(eng: Engine, settings: Settings, month: str, blocked_orgs: list[str],
                reports_dir: Path, dry_run: bool = False,
                rules: AlertRules | None = None) -> dict:
    """Find, route, record and send the month's alerts (and any a previous run could not
    send); return what was sent, failed, skipped or, in a dry run, would be sent."""
    rules = rules if rules is not None else load_rules(settings.alert_rules_file)
    blocked = sorted(blocked_orgs)
    variances = find_variances(eng, rules, month, blocked)
    routed = {recipient: [replace(v, where_to_look=where_to_look(Path(reports_dir), v))
                          for v in vs]
              for recipient, vs in route(eng, variances).items()}
    routed_keys = {v.key for vs in routed.values() for v in vs}
    unrouted = [v for v in variances if v.key not in routed_keys]
    for v in unrouted:
        log.warning("no lead in owners.csv for %s or any node above it: %s not sent",
                    v.place, v.rule)

    summary = {"month": month, "dry_run": dry_run, "variances": len(variances),
               "unrouted": [{"rule": v.rule, "org_code": v.org_code, "level": v.level,
                             "node": v.node} for v in unrouted],
               "sent": [], "failed": [], "would_send": []}
    with db.psycopg_connection(eng) as conn:
        table = _dry_run_copy(conn) if dry_run else "ops.alert_log"
        summary |= _record(conn, table, month, blocked, routed,
                           settings.teams_webhook_url is not None)
        if not dry_run:
            conn.commit()
        recipients = [r[0] for r in conn.execute(
            f"select distinct recipient from {table} where {_OUTSTANDING} order by 1",
            {"month": month, "blocked": blocked})]
        if not dry_run and settings.smtp_host is None and settings.teams_webhook_url is None:
            # Nowhere to send (the embedded demo, a new install): hold them pending, untried,
            # rather than log a failure per recipient; they go once a channel is configured.
            summary["held_unconfigured"] = len(recipients)
            recipients = []
        for recipient in recipients:
            rows = _claim(conn, table, recipient, month, blocked)
            if not rows:
                continue   # a concurrent run holds them and is sending them now
            outcome = _deliver(settings, rows, dry_run)
            entry = {"to": outcome["to"], "subject": outcome["subject"],
                     "alerts": outcome["alerts"], "email": outcome["email"]["status"],
                     "teams": outcome["teams"]["status"]}
            if dry_run:
                summary["would_send"].append({**entry, "text": outcome["text"]})
                continue
            _mark(conn, table, rows, outcome)
            conn.commit()
            if outcome["errors"]:
                summary["failed"].append({**entry, "error": "; ".join(outcome["errors"])})
            else:
                summary["sent"].append(entry)
        if dry_run:
            conn.rollback()
    return summary


def summary_lines(summary: dict) -> list[str]:
    """The alert step in the run's log, one line per message."""
    month = summary["month"]
    lines = [(f"Alerts for {month}: {summary['variances']} adverse variance(s) found; "
              f"{summary['skipped_already_sent']} already sent before")]
    for m in summary["would_send"]:
        lines.append(f"  would send to {m['to']}: {m['subject']}")
    for m in summary["sent"]:
        lines.append(f"  sent to {m['to']}: {m['subject']}")
    for m in summary["failed"]:
        lines.append(f"  NOT sent to {m['to']} (kept, the next run retries): {m['error']}")
    if summary["unrouted"]:
        lines.append(f"  {len(summary['unrouted'])} variance(s) have no lead in owners.csv at "
                     "their node or above: add one to send them")
    if summary.get("held_unconfigured"):
        lines.append(f"  messages for {summary['held_unconfigured']} recipient(s) held: neither "
                     "PRODPACK_SMTP_HOST nor PRODPACK_TEAMS_WEBHOOK_URL is set; they are sent once "
                     "one is (prodpack run --dry-run shows them)")
    if summary["held_blocked"]:
        lines.append(f"  {summary['held_blocked']} held back: data quality blocked the org")
    return lines


def _artifact_rows(summary: dict) -> list[dict]:
    rows = [{"to": m["to"], "subject": m["subject"], "alerts": m["alerts"],
             "email": m["email"] or "-", "teams": m["teams"] or "-", "note": note}
            for key, note in (("sent", ""), ("failed", "retried by the next run"),
                              ("would_send", "dry run: not sent"))
            for m in summary[key]]
    rows += [{"to": "-", "subject": f"{u['org_code']} {u['level']} {u['node']}", "alerts": 1,
              "email": "-", "teams": "-", "note": f"{u['rule']}: no lead in owners.csv"}
             for u in summary["unrouted"]]
    return rows or [{"to": "-", "subject": "no new adverse variances", "alerts": 0,
                     "email": "-", "teams": "-", "note": ""}]


@task(name="alert", task_run_name="alert-{month}", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=db.retry_transient, timeout_seconds=900)
def alert(month: str, blocked_orgs: list[str], dry_run: bool = False,
          out: str | None = None) -> dict:
    """Send the month's adverse-variance alerts; a failed send is kept for the next run
    rather than failing the close."""
    settings = Settings()
    reports_dir = Path(out) if out else settings.reports_dir
    summary = send_alerts(db.engine(settings), settings, month, blocked_orgs, reports_dir,
                          dry_run)
    print("\n".join(summary_lines(summary)))
    create_table_artifact(
        key=f"alerts-{month}", table=_artifact_rows(summary),
        description=f"Adverse-variance alerts for {month_label(month)}"
                    + (" (dry run: nothing sent)" if dry_run else ""))
    return summary
