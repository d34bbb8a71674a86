"""Composing: one email (text and HTML) per recipient listing every variance of theirs, node
by node, and the Message-ID that lets mail systems drop a resend."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

from schemas.settings import Settings
from tasks.alert.find import WINDOW_LABEL, Variance
from tasks.alert.route import Recipient
from tasks.months import month_label


@dataclass(frozen=True)
class Message:
    recipient: Recipient
    subject: str
    text: str
    html: str
    variances: tuple[Variance, ...]


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


def message_id(settings: Settings, alert_ids: list[int]) -> str:
    """The same alerts give the same Message-ID, so a resend after a crash is a duplicate
    mail systems recognise."""
    digest = hashlib.sha256(",".join(map(str, sorted(alert_ids))).encode()).hexdigest()[:24]
    domain = settings.smtp_from.rpartition("@")[2] or "prodpack.local"
    return f"<prodpack-alert-{digest}@{domain}>"

