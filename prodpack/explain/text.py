"""An explanation as plain text for a finance analyst: growth as percentages, drivers in
percentage points, money in pounds, times in UK time. Names from the data (nodes, files) are
shown with their control characters escaped, so a name cannot drive the terminal."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from prodpack.explain.find import BASIS_NAMES
from prodpack.explain.read import Explanation
from tasks.ingest.landing import display_name
from tasks.months import add_months, month_date

UK = ZoneInfo("Europe/London")
SIDES = {"activity": "Activity growth (cost-weighted), by point of delivery",
         "cost": "Real-terms cost growth, by kind of spend",
         "wte": "Workforce (WTE) growth, by staff group"}
SIDE_INDEX = {"activity": "activity_index", "cost": "cost_index", "wte": "wte_index"}
MEASURES = {"ip_cost": "IPc", "ip_wte": "IPw"}


def percent(value: Decimal | float | None, missing: str = "not defined") -> str:
    return missing if value is None else f"{float(value) * 100:+.1f}%"


def growth(index: Decimal | None) -> str:
    return percent(None if index is None else index - 1)


def points(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{float(value) * 100:+.1f} pp"


def pounds(value: Decimal | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    sign = ("-" if value < 0 else "+") if signed else ("-" if value < 0 else "")
    return f"{sign}£{abs(float(value)):,.0f}"


def wte(value: Decimal | None, signed: bool = False, unit: str = "") -> str:
    return "n/a" if value is None else f"{float(value):{'+' if signed else ''},.1f}{unit}"


def uk_time(moment: datetime | None) -> str:
    return "not finished" if moment is None else moment.astimezone(UK).strftime("%Y-%m-%d %H:%M")


def shown(name: object) -> str:
    return display_name(str(name))


def render(found: Explanation) -> str:
    return "\n".join([*_title(found), "", *_figure(found), "", *_drivers(found), "",
                      *_spc(found), "", *_revision(found), "", *_files(found)]) + "\n"


def _lens(found: Explanation) -> str:
    return f"against {found.figure['comparison_year']}" + (
        " (last year, NHS England's measure)" if found.subject.basis == "prior_year"
        else " (the base year)")


def _span(found: Explanation) -> str:
    """'year to date, April to August 2024': the window and the months it holds."""
    s, f = found.subject, found.figure
    last = month_date(s.month)
    back = {"month": 0, "quarter": (f["fin_month"] - 1) % 3, "ytd": f["fin_month"] - 1}[s.window]
    first = add_months(last, -back)
    months = last.strftime("%B %Y") if back == 0 else (
        f"{first.strftime('%B')} to {last.strftime('%B %Y')}")
    return months if s.window == "month" else f"{f['time_window_label'].lower()}, {months}"


def _title(found: Explanation) -> list[str]:
    s, f = found.subject, found.figure
    name = f"{shown(f['org_name'])} ({s.org})" if f["org_name"] != s.org else s.org
    node = name if s.level == "trust" else f"{s.level_label} {shown(s.node)}, {name}"
    span = _span(found)
    lines = [node, f"{span[:1].upper()}{span[1:]}, {_lens(found)}"]
    if s.also:
        lines.append("(" + shown(s.node) + " is also the name of a " + " and a ".join(
            f"{label.lower()}: --level {level}" for level, label in s.also) + ")")
    return lines


def _figure(found: Explanation) -> list[str]:
    f, base, now = found.figure, found.figure["comparison_year"], found.figure["financial_year"]
    # Both sides of either basis are priced and deflated to the base year's prices.
    prices = found.run["base_year"] if found.run else "base-year"
    rows = [("Implied productivity, cost (IPc)", percent(f["ip_cost"])),
            ("Implied productivity, workforce (IPw)", percent(f["ip_wte"])),
            ("Activity growth (cost-weighted)", growth(f["activity_index"])),
            ("Real-terms cost growth", growth(f["cost_index"])),
            ("Workforce (WTE) growth", growth(f["wte_index"])),
            (f"Cost opportunity, £ at {prices} prices", pounds(f["cost_opportunity"], True)),
            ("Cost opportunity, £ at today's prices",
             pounds(f["cost_opportunity_current_prices"], True)),
            ("WTE opportunity", wte(f["wte_opportunity"], True, " WTE"))]
    lines = ["The figure"]
    lines += [f"  {label:<42}{value:>14}" for label, value in rows]
    if f["null_reason"]:
        lines.append(f"  Not defined: {f['null_reason']}")
    lines += [
        (f"  Cost-weighted activity {pounds(f['cwa_base'])} in {base}, "
         f"{pounds(f['cwa_current'])} in {now}"),
        (f"  Cost at {prices} prices {pounds(f['cost_base'])} in {base}, "
         f"{pounds(f['cost_current'])} in {now} ({pounds(f['cost_current_nominal'])} as spent)"),
        f"  Mean WTE {wte(f['wte_base'])} in {base}, {wte(f['wte_current'])} in {now}",
        "  An opportunity above zero is spending (or staff) above what the comparison year's",
        "  productivity would need for the activity delivered."]
    if f["unpriced_activity"]:
        lines.append(f"  {f['unpriced_activity']:,} units of activity had no price: they are "
                     "left out of cost-weighted activity.")
    return lines


def _drivers(found: Explanation) -> list[str]:
    lines = ["What moved it: each index's growth by component, in percentage points, largest first"]
    if not found.drivers:
        return [*lines, "  No drivers recorded: the month was calculated before drivers were;",
                "  recalculate it to see them."]
    for side, heading in SIDES.items():
        rows = [d for d in found.drivers if d["side"] == side]
        if not rows:
            continue
        index = growth(found.figure[SIDE_INDEX[side]])
        lines.append(f"  {heading}: {index}" + ("; cost opportunity" if side == "cost" else ""))
        for d in rows:
            before, after = ((wte(d["base_value"]), wte(d["current_value"], unit=" WTE"))
                             if side == "wte" else
                             (pounds(d["base_value"]), pounds(d["current_value"])))
            # A POD keeps its code beside its words: the code is what the extracts say.
            name = (d["component_label"] if side != "activity"
                    else f"{d['component']}, {d['component_label']}")
            line = (f"    {shown(name[:1].upper() + name[1:]):<38}"
                    f"{points(d['contribution']):>10}   {before} -> {after}")
            if side == "cost":
                line += f";  {pounds(d['opportunity'], True)}"
            lines.append(line)
    return lines


def _spc(found: Explanation) -> list[str]:
    s = found.subject
    lines = [f"SPC reading: the monthly series to {found.figure['period_label']}, "
             + BASIS_NAMES[s.basis]]
    if not found.spc:
        return [*lines, "  No SPC reading for this node."]
    for r in found.spc:
        verdict = r["variation_label"] or r["variation"]
        if r["assurance_label"]:
            verdict += f"; {r['assurance_label']} (target {percent(r['target'])})"
        lines.append(f"  {MEASURES[r['measure']]}  {verdict}")
        limits = (f", limits {percent(r['lower_limit'])} to {percent(r['upper_limit'])}"
                  if r["lower_limit"] is not None else ", no limits yet")
        lines.append(f"       {r['points']} points, latest {percent(r['latest_value'])}"
                     f" ({r['latest_period']}), mean {percent(r['mean'])}{limits}")
        if r["special_cause_rule"]:
            lines.append(f"       special cause: {r['rule_label'] or r['special_cause_rule']}")
    return lines


def _revision(found: Explanation) -> list[str]:
    r = found.revision
    if r is None:
        return ["Revision: none, the figure is as first published"]
    lines = [f"Revision: first published {uk_time(r['first_published_at'])}, revised "
             + uk_time(r["revised_at"]),
             f"  IPc {percent(r['first_ip_cost'])} then, {percent(r['current_ip_cost'])} now;"
             + f" IPw {percent(r['first_ip_wte'])} then, {percent(r['current_ip_wte'])} now"]
    if r["origins"]:
        lines.append("  moved by: " + ", ".join(shown(o) for o in r["origins"]))
    return lines


def _files(found: Explanation) -> list[str]:
    run, s = found.run, found.subject
    if run is None or not run["lineage_recorded"]:
        return ["Files behind it: not recorded, the month was calculated before lineage was;",
                "  recalculate it to record its files."]
    lines = [f"Files behind it: what calculation {run['calculation_run_id']} "
             + f"({uk_time(run['calculated_at'])}) read of {s.org}'s months in this window,",
             "and the reference files (times are UK time)"]
    for f in found.files:
        lines += [f"  {f['source']:<14}{shown(f['origin'])}",
                  f"  {'':<14}SHA-256 {f['content_hash']}",
                  f"  {'':<14}loaded {uk_time(f['finished_at'])}: {f['rows_loaded']:,} rows "
                  + f"loaded, {f['rows_quarantined']:,} quarantined"]
        if f["months"]:
            lines.append(f"  {'':<14}{s.org}'s months read from it: {_months(f['months'])}")
    return lines


def _months(periods: list) -> str:
    """The months a file holds, as runs: 'Apr-Aug 2019, Apr-Aug 2024'."""
    runs: list[list] = []
    for p in periods:
        if runs and (p.year * 12 + p.month) - (runs[-1][-1].year * 12 + runs[-1][-1].month) == 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(
        r[0].strftime("%b %Y") if len(r) == 1 else
        f"{r[0].strftime('%b' if r[0].year == r[-1].year else '%b %Y')}-{r[-1].strftime('%b %Y')}"
        for r in runs)
