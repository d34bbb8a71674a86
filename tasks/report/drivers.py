"""What moved a figure, in words (METHODOLOGY.md, "What moved it: drivers that add up"): the
components that moved a node's implied productivity on cost most over the year to date, as
a board paper says them ("non-elective spells +6.1 points of activity growth; agency pay +2.3
points of cost growth"). The components' words are mart.label's (kind 'driver_component')."""

from __future__ import annotations

from tasks.report.model import OrgData

DRIVERS_NAMED = 3
SIDE_GROWTH = {"activity": "activity growth", "cost": "cost growth", "wte": "staff growth"}


def points(contribution: float) -> float:
    """A contribution (a share of the base) in points of an index whose base is 100."""
    return contribution * 100


def largest_drivers(data: OrgData, level: str, node: str, basis: str,
                    count: int = DRIVERS_NAMED) -> list[dict]:
    """The activity and cost components that moved IPc most, largest first.

    IPc = A/C - 1 = (sum of activity contributions - sum of cost contributions) / C: every
    component moves IPc by its contribution over the same C, activity up and cost down, so
    the largest contributions in size are the largest effects on IPc."""
    found = [d for side in ("activity", "cost") for d in data.drivers_of(level, node, side, basis)
             if d["contribution"] is not None]
    return sorted(found, key=lambda d: (-abs(d["contribution"]), d["side"],
                                        d["component"]))[:count]


def driver_words(driver: dict) -> str:
    """'agency pay +2.3 points of cost growth'."""
    return (f"{driver['label']} {points(driver['contribution']):+.1f} points of "
            f"{SIDE_GROWTH[driver['side']]}")


def drivers_sentence(data: OrgData, level: str, node: str, basis: str, see: str = "") -> str:
    """The three largest drivers of a node's year-to-date IPc on a basis, in a sentence (see:
    where the reader finds the rest); where IPc is not defined, why."""
    row = data.row("ytd", level, node, basis) or {}
    lens = data.lens_label(basis)
    top = largest_drivers(data, level, node, basis)
    if row.get("ip_cost") is None or not top:
        reason = row.get("null_reason") or "no drivers calculated"
        return f"What moved implied productivity on cost year to date {lens}: not known ({reason})."
    return (f"What moved implied productivity on cost year to date {lens} most: "
            + "; ".join(driver_words(d) for d in top)
            + f" (activity growth raises it, cost growth lowers it{'; ' + see if see else ''}).")
