"""The figure `prodpack explain` is asked for: the trust, month and node checked against the
mart; one unknown, and a one-line reason names it and what is known instead."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

import psycopg

LEVELS = ("trust", "clinical_group", "directorate", "service")
WINDOW_NAMES = {"month": "month", "quarter": "quarter to date", "ytd": "year to date"}
BASIS_NAMES = {"base_year": "against the base year", "prior_year": "against last year"}
# Names shown in a reason before it would stop being one line worth reading.
SHOWN = 8


class Unknown(LookupError):
    """A trust, month or node with no figure; the message is the one-line reason."""


@dataclass(frozen=True)
class Request:
    org: str
    node: str
    month: str
    window: str = "ytd"
    basis: str = "base_year"
    level: str | None = None


@dataclass(frozen=True)
class Subject:
    """The figure found: its key in the mart, its level in words, and the other levels that
    hold a node of the same name."""

    org: str
    month: str
    window: str
    basis: str
    level: str
    level_label: str
    node: str
    also: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> dict[str, str]:
        return {"org": self.org, "month": self.month, "window": self.window,
                "basis": self.basis, "level": self.level, "node": self.node}


def sql(name: str) -> str:
    return resources.files("sql").joinpath("explain", name).read_text(encoding="utf-8")


def find(conn: psycopg.Connection, request: Request) -> Subject:
    """The subject of the request, or Unknown with the reason."""
    months: dict[str, list[str]] = defaultdict(list)
    for org, period in conn.execute(sql("trust_months.sql")):
        months[org].append(period)
    if not months:
        raise Unknown("no figures have been calculated yet: run `prodpack run` or "
                      "`prodpack backfill` first")
    org = next((o for o in months if o.casefold() == request.org.strip().casefold()), None)
    if org is None:
        raise Unknown(f"no figures for trust {request.org!r}: "
                      f"{_choices(request.org, sorted(months), 'trusts with figures')}")
    if request.month not in months[org]:
        raise Unknown(f"{org} has no figures for {request.month} (not calculated); "
                      f"{_months_known(org, months[org])}")
    nodes = conn.execute(sql("nodes.sql"), {"org": org, "month": request.month,
                                            "window": request.window,
                                            "basis": request.basis}).fetchall()
    return _node(org, request, nodes)


def _node(org: str, request: Request, nodes: list[tuple[str, str, str]]) -> Subject:
    """The node by name, whatever its case, at the level asked or else the highest that has
    it (the org code itself is the trust)."""
    wanted = request.node.strip().casefold()
    named = [(level, label, node) for level, label, node in nodes if node.casefold() == wanted]
    at = [n for n in named if request.level in (None, n[0])]
    where = (f"{org} {request.month} ({WINDOW_NAMES[request.window]} "
             f"{BASIS_NAMES[request.basis]})")
    if not at and named:
        levels = " and ".join(f"a {label.lower()}" for _, label, _ in named)
        raise Unknown(f"{where} has no {request.level.replace('_', ' ')} {request.node!r}: "
                      f"it is {levels}")
    if not at:
        names = [f"{node} ({label.lower()})" for _, label, node in nodes]
        by_name = {node.casefold(): shown for (_, _, node), shown in zip(nodes, names)}
        near = [by_name[n] for n in _nearest(wanted, list(by_name))]
        groups = [node for level, _, node in nodes if level == "clinical_group"]
        known = (f"nearest: {', '.join(near)}" if near
                 else _choices(request.node, groups, "its clinical groups"))
        raise Unknown(f"{where} has no node {request.node!r}; {known}")
    level, label, node = at[0]
    return Subject(org=org, month=request.month, window=request.window, basis=request.basis,
                   level=level, level_label=label, node=node,
                   also=tuple((lv, lb) for lv, lb, _ in named if lv != level))


def _nearest(wanted: str, names: list[str]) -> list[str]:
    """Names that hold or start the one asked for, then those spelt like it."""
    held = [n for n in names if wanted and (wanted in n or n in wanted)]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    return list(dict.fromkeys(held + close))[:3]


def _choices(asked: str, names: list[str], what: str) -> str:
    if len(names) <= SHOWN:
        return f"{what}: {', '.join(names)}"
    near = difflib.get_close_matches(asked.strip().upper(), names, n=3, cutoff=0.3)
    return (f"{len(names)} {what}" + (f", the nearest {', '.join(near)}" if near else
                                      f", from {names[0]} to {names[-1]}"))


def _months_known(org: str, periods: list[str]) -> str:
    latest = ", ".join(periods[-3:])
    if len(periods) <= 3:
        return f"months calculated for {org}: {latest}"
    return (f"{len(periods)} months calculated for {org}, from {periods[0]} to {periods[-1]}"
            f" (the latest {latest})")
