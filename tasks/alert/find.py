"""Finding: the rules of schemas/alert_rules.py each node of the month breaks, set-based over
the mart, as Variances carrying what a lead needs to act; the labels the alert modules share."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources

from sqlalchemy.engine import Engine

from schemas.alert_rules import AlertRules
from tasks import db
from tasks.months import month_label
from tasks.report.style import pounds_words, signed_percent

LEVEL_LABEL = {"trust": "trust", "clinical_group": "clinical group",
               "directorate": "directorate", "service": "service"}
WINDOW_LABEL = {"month": "in the month", "quarter": "quarter to date", "ytd": "year to date"}
METRIC_LABEL = {"ip_cost": "implied productivity on cost",
                "ip_wte": "implied productivity on workforce"}
BASIS_WORDS = {"base_year": "", "prior_year": " against the same months of last year"}
BASIS_LABEL = {"base_year": "the base year", "prior_year": "last year"}
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
    basis: str = "base_year"        # what the figures compare with: the base year, last year
    signal: dict = field(default_factory=dict)   # the SPC reading, for the signal rules

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
        window = WINDOW_LABEL[self.time_window] + BASIS_WORDS[self.basis]
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
        if self.kind == "special_cause_concern":
            s = self.signal
            return (f"{METRIC_LABEL[self.metric].capitalize()} month by month"
                    f"{BASIS_WORDS[self.basis]} shows special-cause variation of concern on its"
                    f" SPC chart: {s.get('rule_label')} (latest {signed_percent(self.value)}"
                    f" in {month_label(s.get('latest_period') or self.period)}, mean"
                    f" {signed_percent(s.get('mean'))}, process limits"
                    f" {signed_percent(s.get('lower_limit'))} to"
                    f" {signed_percent(s.get('upper_limit'))})")
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
                f" growth on {BASIS_LABEL[self.basis]}: activity {_growth(f.get('activity_index'))},"
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

# Every rule against every node of the month and the month (or quarter end) before, with the
# services driving each (sql/alert/).
_VARIANCES_SQL = resources.files("sql").joinpath("alert", "variances.sql").read_text(
    encoding="utf-8")

_FIGURES = ("activity_index", "cost_index", "wte_index", "ip_cost", "ip_wte",
            "cost_opportunity", "wte_opportunity")


def _rule_rows(rules: AlertRules) -> list[dict]:
    return [{"rule": r.name, "kind": r.kind, "metric": r.metric, "time_window": r.time_window,
             "basis": r.basis, "level": level, "threshold": threshold}
            for r in rules.rules for level, threshold in r.levels().items()]


def find_variances(eng: Engine, rules: AlertRules, month: str, blocked_orgs: list[str],
                   orgs: list[str] | None = None) -> list[Variance]:
    """Every rule broken in the month by a node of an org data quality did not block (of
    `orgs`; None: every org)."""
    with db.psycopg_connection(eng) as conn:
        cursor = conn.execute(_VARIANCES_SQL, {
            "rules": json.dumps(_rule_rows(rules)), "month": month,
            "blocked": list(blocked_orgs), "orgs": orgs, "drivers": DRIVERS_SHOWN})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor]
    return [Variance(
        rule=r["rule"], kind=r["kind"], org_code=r["org_code"], level=r["level"],
        node=r["node"], period=r["period"], time_window=r["time_window"], metric=r["metric"],
        basis=r["basis"],
        value=float(r["value"]), threshold=float(r["threshold"]),
        previous_period=r["previous_period"], previous_value=_float(r["previous_value"]),
        figures={name: _float(r[name]) for name in _FIGURES},
        signal={} if r["variation"] is None else {
            "rule": r["special_cause_rule"], "rule_label": r["special_cause_label"],
            "latest_period": r["spc_latest_period"], "mean": _float(r["spc_mean"]),
            "lower_limit": _float(r["spc_lower_limit"]),
            "upper_limit": _float(r["spc_upper_limit"])},
        clinical_group=r["clinical_group"], directorate=r["directorate"],
        drivers=tuple(r["drivers"] or ())) for r in rows]

