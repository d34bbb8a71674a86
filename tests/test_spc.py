"""SPC as METHODOLOGY.md ("Is a change signal or noise?") defines it: hand-made series that
trip each rule and series that must not, and random series against an independent
implementation of the rules, read through the mart as the close writes it."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest
import sqlalchemy as sa

from tasks.calculate.run import read_signals
from tasks.months import add_months, month_date

REPORT = "2026-10"


def months_to(report: str, n: int) -> list[str]:
    return [add_months(month_date(report), -k).strftime("%Y-%m") for k in range(n - 1, -1, -1)]


def put_series(engine, series: dict[str, list[float | None]], report: str = REPORT,
               basis: str = "base_year", measure: str = "ip_cost") -> None:
    """Each named series as a trust's month figures ending at the report month (None: a
    month with no figure). The mart rows are what the calculation would have written."""
    rows = []
    for org, values in series.items():
        for period, value in zip(months_to(report, len(values)), values):
            rows.append({"org_code": org, "period": period, "basis": basis,
                         "ip_cost": value if measure == "ip_cost" else 0.0,
                         "ip_wte": value if measure == "ip_wte" else 0.0})
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into mart.implied_productivity (org_code, period, financial_year, fin_month,"
            " time_window, basis, level, node, cwa_base, cwa_current, cost_base, cost_current,"
            " cost_current_nominal, wte_base, wte_current, ip_cost, ip_wte, unpriced_activity)"
            " values (:org_code, :period, '2026/27', 1, 'month', :basis, 'trust', :org_code,"
            " 0, 0, 0, 0, 0, 0, 0, :ip_cost, :ip_wte, 0)"), rows)


def read(engine, table: str, **where) -> pd.DataFrame:
    clause = " and ".join(f"{k} = :{k}" for k in where)
    with engine.connect() as conn:
        return pd.read_sql(sa.text(f"select * from mart.{table} where {clause}"), conn,
                           params=where)


def summary(engine, org: str, basis: str = "base_year", measure: str = "ip_cost") -> pd.Series:
    found = read(engine, "spc_summary", org_code=org, period=REPORT, basis=basis, measure=measure)
    assert len(found) == 1
    return found.iloc[0]


def flagged(engine, org: str, measure: str = "ip_cost") -> dict[str, str]:
    points = read(engine, "spc_point", org_code=org, period=REPORT, basis="base_year",
                  measure=measure)
    return {p: rule if special else None for p, rule, special
            in zip(points.point_period, points.special_cause_rule, points.special_cause)}


# --- an independent implementation ------------------------------------------------------

def independent(values: list[float], target: float = 0.0) -> dict:
    """The rules read literally, in plain Python."""
    x = values[-36:]
    n = len(x)
    mean = sum(x) / n
    if n < 12:
        return {"points": n, "mean": mean, "limits": None, "rules": [None] * n,
                "variation": "insufficient_data", "assurance": None}
    mr = sum(abs(x[i] - x[i - 1]) for i in range(1, n)) / (n - 1)
    lo, hi = mean - 2.66 * mr, mean + 2.66 * mr
    band_lo, band_hi = mean - 1.7733 * mr, mean + 1.7733 * mr
    side = [(v > mean) - (v < mean) for v in x]
    rules: list[list[tuple[str, str]]] = [[] for _ in x]
    for i, v in enumerate(x):
        if v > hi or v < lo:
            rules[i].append(("outside_limits", "improvement" if v > mean else "concern"))
    start = 0
    for i in range(1, n + 1):       # runs on one side of the mean
        if i == n or side[i] != side[start]:
            if side[start] != 0 and i - start >= 7:
                for j in range(start, i):
                    rules[j].append(("shift", "improvement" if side[start] > 0 else "concern"))
            start = i
    steps = [0] + [(x[i] > x[i - 1]) - (x[i] < x[i - 1]) for i in range(1, n)]
    start = 1
    for i in range(2, n + 1):       # runs of rises or falls: steps start..i-1
        if i == n or steps[i] != steps[start]:
            if steps[start] != 0 and i - start >= 6:
                for j in range(start - 1, i):
                    rules[j].append(("trend", "improvement" if steps[start] > 0 else "concern"))
            start = i
    beyond = [1 if v > band_hi else -1 if v < band_lo else 0 for v in x]
    for i in range(n - 2):
        for s in (1, -1):
            window = [j for j in range(i, i + 3) if beyond[j] == s]
            if len(window) >= 2:
                for j in window:
                    rules[j].append(("two_of_three", "improvement" if s > 0 else "concern"))
    order = ["outside_limits", "shift", "trend", "two_of_three"]
    first = [min(r, key=lambda rd: order.index(rd[0])) if r else None for r in rules]
    last = first[-1]
    return {"points": n, "mean": mean, "limits": (lo, hi), "rules": first,
            "variation": f"special_cause_{last[1]}" if last else "common_cause",
            "assurance": "consistently_passing" if lo > target
            else "consistently_failing" if hi < target else "hit_and_miss"}


def rule_of(result: dict, k: int) -> str | None:
    return result["rules"][k][0] if result["rules"][k] else None


# --- hand-made series -------------------------------------------------------------------

NOISE = [0.01, -0.01] * 6          # 12 points around 0, mR 0.02


def test_each_rule_trips_and_its_near_misses_do_not(engine, settings):
    series = {
        # a last point far above: outside the limits, improvement
        "OUT": NOISE + [0.0, 0.2],
        # the last 8 points below the mean: a shift, concern
        "SHF": [0.03, -0.01] * 6 + [-0.012] * 8,
        # three below, one exactly on the mean (0), three below: no run of 7
        "RUN": [1, -1, 1, -1, 1, -1, 1, -1] + [-1, -1, -1, 0, -1, -1, -1] + [1] * 6,
        # seven below the mean after a point above it: a run of 7
        "RN7": [-1, 1] * 4 + [-1] * 7 + [1] * 6 + [-0.5],
        # 7 points each higher than the last (6 rises): a trend, improvement
        "TR7": [1, -1] * 6 + [1, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.7],
        # 6 points each higher (5 rises): no trend
        "TR6": [1, -1] * 6 + [1, -0.3, -0.1, 0.1, 0.3, 0.5, 0.7],
        # two of three beyond two sigma below, inside the limits: concern
        "TWO": [0.01, -0.01] * 8 + [-0.05, 0.0, -0.05],
        # fewer than 12 points, however wild
        "FEW": [0.01, -0.01] * 5 + [0.9],
    }
    for org, values in series.items():
        put_series(engine, {org: values})
    read_signals(engine, settings, REPORT)

    def expect(org):
        return independent([float(v) for v in series[org]])

    s = summary(engine, "OUT")
    assert (s.variation, s.special_cause_rule) == ("special_cause_improvement", "outside_limits")
    assert summary(engine, "SHF").variation == "special_cause_concern"
    assert summary(engine, "SHF").special_cause_rule == "shift"
    assert [r for r in flagged(engine, "RUN").values() if r == "shift"] == []
    assert expect("RUN")["rules"].count(None) == len(series["RUN"])
    assert list(flagged(engine, "RN7").values()).count("shift") == 7
    assert summary(engine, "TR7").special_cause_rule == "trend"
    assert summary(engine, "TR7").variation == "special_cause_improvement"
    assert list(flagged(engine, "TR7").values()).count("trend") == 7
    assert "trend" not in flagged(engine, "TR6").values()
    assert summary(engine, "TWO").special_cause_rule == "two_of_three"
    assert summary(engine, "TWO").variation == "special_cause_concern"
    assert list(flagged(engine, "TWO").values()).count("two_of_three") == 2
    few = summary(engine, "FEW")
    assert few.variation == "insufficient_data" and few.points == 11
    assert pd.isna(few.lower_limit) and pd.isna(few.assurance)
    assert not any(flagged(engine, "FEW").values())
    for org, values in series.items():
        want = expect(org)
        assert [rule_of(want, k) for k in range(len(values))] == \
            [flagged(engine, org)[p] for p in months_to(REPORT, len(values))], org
        assert summary(engine, org).variation == want["variation"], org


def test_the_series_is_the_latest_36_months_with_a_value_and_assurance_reads_the_target(
        engine, settings):
    # 40 months, two with no figure: the series skips them and keeps the latest 36.
    rng = random.Random(3)
    values = [rng.gauss(0.03, 0.002) for _ in range(40)]
    values[-5] = values[-20] = None
    put_series(engine, {"LNG": values}, basis="prior_year")
    read_signals(engine, settings, REPORT)

    kept = [v for v in values if v is not None][-36:]
    s = summary(engine, "LNG", basis="prior_year")
    want = independent(kept, target=settings.year_on_year_target)
    assert s.points == 36 and math.isclose(float(s["mean"]), want["mean"], rel_tol=1e-9)
    assert math.isclose(float(s.lower_limit), want["limits"][0], rel_tol=1e-9)
    assert float(s.target) == settings.year_on_year_target
    assert s.assurance == want["assurance"] == "consistently_passing"   # 3% ± noise above 2%
    points = read(engine, "spc_point", org_code="LNG", period=REPORT, basis="prior_year",
                  measure="ip_cost").sort_values("point_period")
    assert len(points) == 36
    assert [float(v) for v in points.value] == pytest.approx(kept, rel=1e-12)


def test_random_series_agree_with_the_independent_implementation(engine, settings):
    rng = random.Random(11)
    series = {}
    for k in range(60):
        n = rng.randint(8, 40)
        drift = rng.choice([0, 0, 0.002, -0.002])
        values, level = [], rng.uniform(-0.05, 0.05)
        for i in range(n):
            level += drift
            values.append(round(level + rng.gauss(0, 0.01) + (0.05 if rng.random() < 0.05 else 0), 4))
        series[f"Q{k:02d}"] = values
    put_series(engine, series, measure="ip_wte")
    read_signals(engine, settings, REPORT)

    tripped = set()
    for org, values in series.items():
        want = independent(values)
        s = summary(engine, org, measure="ip_wte")
        assert (s.variation, s.points) == (want["variation"], min(len(values), 36)), org
        if want["limits"]:
            assert math.isclose(float(s.upper_limit), want["limits"][1], rel_tol=1e-9, abs_tol=1e-12)
        got = flagged(engine, org, measure="ip_wte")
        kept = months_to(REPORT, len(values))[-36:]
        assert [got[p] for p in kept] == [rule_of(want, k) for k in range(len(kept))], org
        tripped |= {r for r in got.values() if r}
    assert tripped == {"outside_limits", "shift", "trend", "two_of_three"}


def test_the_base_years_own_months_are_no_points(engine, settings):
    # Eighteen months to October 2020: April 2019 to March 2020 are the base year itself.
    put_series(engine, {"BYR": [0.0] * 12 + [0.01, -0.01, 0.02, 0.0, 0.01, -0.02, 0.03]},
               report="2020-10")
    read_signals(engine, settings, "2020-10")
    points = read(engine, "spc_point", org_code="BYR", period="2020-10", basis="base_year",
                  measure="ip_cost")
    assert sorted(points.point_period) == months_to("2020-10", 7)
