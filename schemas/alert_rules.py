"""Adverse-variance rules: what makes the platform write to a node's lead.

The defaults below are the finance improvement board's starting point. A YAML or JSON file
(PRODPACK_ALERT_RULES_FILE) changes them by name, switches them off or adds new ones:

    rules:
      - name: ip_cost_ytd_below          # a default: only what is given changes
        thresholds: {service: -0.08}     # levels left out keep their default
      - name: ip_wte_ytd_below
        enabled: false
      - name: ip_cost_month_below        # a new rule: kind, window and thresholds needed
        kind: below
        metric: ip_cost
        time_window: month
        thresholds: {trust: -0.10, clinical_group: -0.10}

`replace_defaults: true` at the top starts from no rules at all. A threshold of null
switches a rule off at that level. A rule reads the figures against the base year unless it
says `basis: prior_year` (against the same months of last year, NHS England's measure).

Kinds, and what their per-level threshold means:
- below: implied productivity (`metric` ip_cost or ip_wte, in `time_window`) below the
  threshold, a signed fraction (-0.02 = 2% less productive than the base year; on the
  prior-year basis 0.02 = productivity grew less than 2% on last year);
- deterioration: implied productivity fell by more than the threshold (a positive fraction,
  0.03 = 3 points) since the previous month (`time_window` month) or the previous quarter
  (`time_window` quarter, the quarter to date against the whole previous quarter);
- wte_over_activity: the workforce index exceeds the activity index by more than the
  threshold (0.03 = staff grew 3 points faster than activity);
- cost_opportunity: cost above what base-year productivity needs for today's activity by
  more than the threshold in £ (base-year prices);
- special_cause_concern: the node's latest month of implied productivity (`metric`, time
  window month) is special-cause variation of concern on its SPC chart (METHODOLOGY.md:
  outside the process limits, a run of 7 below the mean, a falling trend of 7, or two of
  three beyond two sigma below). The thresholds only name the levels checked: their values
  are not read (give 0; null switches a level off).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.settings import NATIONAL_PRODUCTIVITY_TARGET

Level = Literal["trust", "clinical_group", "directorate", "service"]
Kind = Literal["below", "deterioration", "wte_over_activity", "cost_opportunity",
               "special_cause_concern"]


class AlertRulesError(ValueError):
    """The rules file cannot be used; the message names the file and the problem."""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The name is part of the exactly-once key in ops.alert_log: renaming a rule makes its
    # variances new again.
    name: str = Field(pattern=r"^[a-z0-9_]+$", max_length=60)
    kind: Kind
    metric: Literal["ip_cost", "ip_wte"] | None = None
    time_window: Literal["month", "quarter", "ytd"]
    basis: Literal["base_year", "prior_year"] = "base_year"
    thresholds: dict[Level, float | None]
    enabled: bool = True
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.kind in ("below", "deterioration", "special_cause_concern") and self.metric is None:
            raise ValueError(f"rule {self.name!r}: kind {self.kind} needs a metric "
                             "(ip_cost or ip_wte)")
        if self.kind in ("wte_over_activity", "cost_opportunity") and self.metric is not None:
            raise ValueError(f"rule {self.name!r}: kind {self.kind} takes no metric")
        if self.kind == "special_cause_concern" and self.time_window != "month":
            raise ValueError(f"rule {self.name!r}: an SPC chart reads month by month; "
                             "time_window must be month")
        if self.kind == "deterioration" and self.time_window == "ytd":
            raise ValueError(f"rule {self.name!r}: deterioration compares a month or a quarter "
                             "with the one before; time_window must be month or quarter")
        if self.kind in ("deterioration", "cost_opportunity"):
            negative = [lvl for lvl, t in self.thresholds.items() if t is not None and t < 0]
            if negative:
                raise ValueError(f"rule {self.name!r}: a {self.kind} threshold is a size and "
                                 f"cannot be negative (at {', '.join(negative)})")
        return self

    def levels(self) -> dict[str, float]:
        """The levels this rule checks, with their thresholds."""
        if not self.enabled:
            return {}
        return {lvl: t for lvl, t in self.thresholds.items() if t is not None}


class AlertRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique_names(self) -> AlertRules:
        names = [r.name for r in self.rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rule name(s) used twice: {', '.join(repeated)}")
        return self

    def by_name(self) -> dict[str, Rule]:
        return {r.name: r for r in self.rules}


_MANAGERIAL = {"trust": -0.02, "clinical_group": -0.02, "directorate": -0.02, "service": -0.05}

# Why these numbers: a trust, group or directorate 2% below its base-year productivity is
# outside the tolerance of the CIP plans; services are smaller and noisier, so 5%. A month
# moves about with coding and accruals, so month-on-month needs 3 points (5 for a service)
# before it is news. Materiality of the cost opportunity scales with the size of the node.
DEFAULT_RULES = AlertRules(rules=(
    Rule(name="ip_cost_ytd_below", kind="below", metric="ip_cost", time_window="ytd",
         thresholds=_MANAGERIAL,
         description="Implied productivity on cost, year to date, below the threshold"),
    Rule(name="ip_wte_ytd_below", kind="below", metric="ip_wte", time_window="ytd",
         thresholds=_MANAGERIAL,
         description="Implied productivity on workforce, year to date, below the threshold"),
    Rule(name="ip_cost_month_deterioration", kind="deterioration", metric="ip_cost",
         time_window="month",
         thresholds={"trust": 0.03, "clinical_group": 0.03, "directorate": 0.03, "service": 0.05},
         description="Implied productivity on cost fell since the previous month"),
    Rule(name="ip_cost_quarter_deterioration", kind="deterioration", metric="ip_cost",
         time_window="quarter",
         thresholds={"trust": 0.03, "clinical_group": 0.03, "directorate": 0.03, "service": 0.05},
         description="Implied productivity on cost, quarter to date, fell against the "
                     "previous quarter"),
    Rule(name="wte_over_activity_ytd", kind="wte_over_activity", time_window="ytd",
         thresholds={"trust": 0.03, "clinical_group": 0.03, "directorate": 0.03, "service": 0.03},
         description="Workforce grew faster than activity, year to date"),
    Rule(name="ip_cost_ytd_below_national_target", kind="below", metric="ip_cost",
         time_window="ytd", basis="prior_year",
         thresholds={"trust": NATIONAL_PRODUCTIVITY_TARGET,
                     "clinical_group": NATIONAL_PRODUCTIVITY_TARGET},
         description="Productivity growth on the same months of last year, year to date, "
                     "below NHS England's target"),
    Rule(name="ip_cost_special_cause_concern", kind="special_cause_concern", metric="ip_cost",
         time_window="month",
         thresholds={"trust": 0, "clinical_group": 0, "directorate": 0},
         description="Implied productivity on cost month by month shows special-cause "
                     "variation of concern on its SPC chart"),
    Rule(name="cost_opportunity_ytd", kind="cost_opportunity", time_window="ytd",
         thresholds={"trust": 1_000_000, "clinical_group": 1_000_000, "directorate": 500_000,
                     "service": 250_000},
         description="Cost above what base-year productivity needs, year to date"),
))


def _merged(defaults: AlertRules, overrides: list, replace: bool) -> list[dict]:
    """Defaults patched by name (thresholds level by level), then the new rules."""
    rules = {} if replace else {r.name: r.model_dump() for r in defaults.rules}
    for index, override in enumerate(overrides):
        if not isinstance(override, dict) or "name" not in override:
            raise ValueError(f"rules[{index}] must be a mapping with a name")
        name = override["name"]
        if name in rules:
            patched = {**rules[name], **override}
            patched["thresholds"] = {**rules[name]["thresholds"],
                                     **(override.get("thresholds") or {})}
            rules[name] = patched
        else:
            missing = [f for f in ("kind", "time_window", "thresholds") if f not in override]
            if missing:
                raise ValueError(f"rule {name!r} is not a default rule, so it needs "
                                 f"{', '.join(missing)}")
            rules[name] = override
    return list(rules.values())


def _read(path: Path):
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.safe_load(text)   # YAML is a superset of JSON: any other name is read as YAML


def _problems(err: ValidationError) -> str:
    return "; ".join(
        (".".join(str(p) for p in e["loc"]) + ": " if e["loc"] else "") + e["msg"]
        for e in err.errors())


def load_rules(path: Path | None, defaults: AlertRules = DEFAULT_RULES) -> AlertRules:
    """The defaults, changed by the rules file where one is given."""
    if path is None:
        return defaults
    where = f"alert rules file {path}"
    try:
        content = _read(path)
    except FileNotFoundError:
        raise AlertRulesError(f"{where}: no such file (PRODPACK_ALERT_RULES_FILE)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise AlertRulesError(f"{where}: cannot be read: {err}") from None
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise AlertRulesError(f"{where}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}:"
                              f" {' '.join(str(err).split())}") from None
    if content is None:
        return defaults
    if not isinstance(content, dict) or not isinstance(content.get("rules", []), list):
        raise AlertRulesError(f"{where}: expected a mapping with a 'rules' list")
    unknown = set(content) - {"rules", "replace_defaults"}
    if unknown:
        raise AlertRulesError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                              "expected rules and replace_defaults")
    try:
        merged = _merged(defaults, content.get("rules", []),
                         bool(content.get("replace_defaults", False)))
        return AlertRules(rules=merged)
    except ValidationError as err:
        raise AlertRulesError(f"{where}: {_problems(err)}") from None
    except ValueError as err:
        raise AlertRulesError(f"{where}: {err}") from None
