"""The calculation against METHODOLOGY.md: its worked example on both bases, and an
independent implementation in pandas compared row by row, on both bases, on data with every
awkward case in it."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import sqlalchemy as sa
from synthetic import (
    BASE_MONTHS,
    CURRENT_MONTHS,
    PRIOR_MONTHS,
    REPORT,
    load_all,
    load_synthetic,
    write_landing,
    write_synthetic,
)

from tasks.calculate.months_due import latest_month_with_data
from tasks.calculate.run import CalculationError, calculate_month
from tasks.calculate.summary import trust_summary


def mart(engine, month: str, basis: str = "base_year") -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text("select * from mart.implied_productivity"
                                   " where period = :m and basis = :b"),
                           conn, params={"m": month, "b": basis})


# --- the worked example ---------------------------------------------------------------------

DEFLATORS = pd.DataFrame({"financial_year": ["2019/20", "2023/24", "2024/25"],
                          "pay_index": [1.0, 1.20, 1.25], "non_pay_index": [1.0, 1.15, 1.20]})


def test_worked_example_of_methodology(engine, settings, tmp_path):
    """METHODOLOGY.md's example, and the same quarter against last year (2023/24): CWA
    £1,040,000; nominal pay £840,000 and non-pay £195,000 at pay_index 1.20 and non_pay_index
    1.15, real cost 700,000 + 169,565.22 = £869,565.22; mean WTE 21.0. Against it:
    A = 1,080,000 / 1,040,000 = 1.038462, C = 870,666.67 / 869,565.22 = 1.001267,
    L = 22 / 21 = 1.047619; IPc = 1.038462 / 1.001267 - 1 = +0.037148 (+3.7%),
    IPw = 1.038462 / 1.047619 - 1 = -0.008741 (-0.9%); cost opportunity
    870,666.67 - 869,565.22 * 1.038462 = -£32,343.37, WTE opportunity 22 - 21 * 1.038462 = +0.19."""
    base_months, current_months = ["2019-04", "2019-05", "2019-06"], ["2024-04", "2024-05", "2024-06"]
    prior_months = ["2023-04", "2023-05", "2023-06"]
    ledger = pd.DataFrame(
        [("RXW", m, "C1", "511100", 200_000) for m in base_months]           # base pay £600k
        + [("RXW", m, "C1", "520000", 100_000) for m in base_months]         # base non-pay £300k
        + [("RXW", m, "C1", "511100", 280_000) for m in prior_months]        # last year's pay £840k
        + [("RXW", m, "C1", "520000", 65_000) for m in prior_months]         # and non-pay £195k
        + [("RXW", m, "C1", "511100", p) for m, p in zip(current_months, (290_000, 290_000, 300_000))]
        + [("RXW", m, "C1", "520000", n) for m, n in zip(current_months, (60_000, 70_000, 70_000))],
        columns=["org_code", "period", "cost_centre", "subjective_code", "amount"])
    wte_by_month = dict(zip(base_months + prior_months + current_months,
                            (20, 20, 20, 21, 21, 21, 21, 22, 23)))
    workforce = pd.DataFrame(
        [("RXW", m, f"{i:08d}-1", "C1", "Permanent", 1.0) for m, n in wte_by_month.items() for i in range(n)],
        columns=["org_code", "period", "assignment_number", "cost_centre", "assignment_category",
                 "contracted_wte"])
    # EL spells priced at the POD default £1,000: 1,000 spells in the base quarter, 1,080 now.
    spells = dict(zip(base_months + prior_months + current_months,
                      (300, 300, 400, 340, 350, 350, 360, 360, 360)))
    activity = pd.DataFrame([("RXW", m, "EL", "110", "HN12C", n) for m, n in spells.items()],
                            columns=["org_code", "period", "pod", "treatment_function_code",
                                     "hrg_code", "count"])
    landing = write_landing(tmp_path / "landing", {
        "reference/hierarchy": pd.DataFrame([("RXW", "C1", "Ward", "S", "D", "G")], columns=[
            "org_code", "cost_centre", "cost_centre_name", "service", "directorate", "clinical_group"]),
        "reference/specialty_map": pd.DataFrame([("RXW", "110", "S")],
                                                columns=["org_code", "treatment_function_code", "service"]),
        "reference/subjectives": pd.DataFrame([("511100", "pay", "substantive"), ("520000", "non_pay", "")],
                                              columns=["subjective_code", "category", "staff_type"]),
        "reference/unit_costs": pd.DataFrame([("EL", "*", 1000)], columns=["pod", "hrg_code", "unit_cost"]),
        "reference/deflators": DEFLATORS,
        "ledger/RXW_ledger": ledger, "workforce/RXW_workforce": workforce,
        "activity/RXW_activity": activity,
    })
    load_all(engine, settings, landing)

    calculate_month(engine, settings, "2024-06")

    row = mart(engine, "2024-06").set_index(["time_window", "level"]).loc[("ytd", "service")]
    assert row["node"] == "S"
    assert float(row["cwa_base"]) == 1_000_000 and float(row["cwa_current"]) == 1_080_000
    assert float(row["cost_base"]) == 900_000
    assert float(row["cost_current"]) == pytest.approx(870_666.67, abs=0.01)
    assert (float(row["wte_base"]), float(row["wte_current"])) == (20.0, 22.0)
    assert float(row["activity_index"]) == pytest.approx(1.08, abs=5e-7)
    assert float(row["cost_index"]) == pytest.approx(0.967407, abs=5e-7)
    assert float(row["wte_index"]) == pytest.approx(1.10, abs=5e-7)
    assert float(row["ip_cost"]) == pytest.approx(0.116386, abs=5e-7)
    assert float(row["ip_wte"]) == pytest.approx(-0.018182, abs=5e-7)
    assert float(row["cost_opportunity"]) == pytest.approx(-101_333.33, abs=0.01)
    assert float(row["wte_opportunity"]) == pytest.approx(0.40, abs=5e-7)
    assert row["null_reason"] is None
    # Today's prices: the current window's pay and non-pay indices weighted by nominal cost.
    blended = (880_000 * 1.25 + 200_000 * 1.20) / 1_080_000
    assert float(row["cost_opportunity_current_prices"]) == pytest.approx(-101_333.333 * blended, abs=0.01)
    assert row["comparison_year"] == "2019/20"

    yoy = mart(engine, "2024-06", "prior_year").set_index(["time_window", "level"]).loc[("ytd", "service")]
    assert yoy["comparison_year"] == "2023/24"
    assert float(yoy["cwa_base"]) == 1_040_000 and float(yoy["cwa_current"]) == 1_080_000
    assert float(yoy["cost_base"]) == pytest.approx(869_565.22, abs=0.01)
    assert float(yoy["cost_current"]) == pytest.approx(870_666.67, abs=0.01)
    assert (float(yoy["wte_base"]), float(yoy["wte_current"])) == (21.0, 22.0)
    assert float(yoy["activity_index"]) == pytest.approx(1.038462, abs=5e-7)
    assert float(yoy["cost_index"]) == pytest.approx(1.001267, abs=5e-7)
    assert float(yoy["wte_index"]) == pytest.approx(1.047619, abs=5e-7)
    assert float(yoy["ip_cost"]) == pytest.approx(0.037148, abs=5e-7)
    assert float(yoy["ip_wte"]) == pytest.approx(-0.008741, abs=5e-7)
    assert float(yoy["cost_opportunity"]) == pytest.approx(-32_343.37, abs=0.01)
    assert float(yoy["wte_opportunity"]) == pytest.approx(0.192308, abs=5e-7)
    assert yoy["null_reason"] is None

    # The drivers, by hand. Against 2019/20: activity is all EL (+0.08); substantive pay
    # (704,000 - 600,000) / 900,000 = +0.115556 and non-pay (166,666.67 - 300,000) / 900,000
    # = -0.148148, summing to C - 1 = -0.032593; their opportunities 704,000 - 600,000 * 1.08
    # = +56,000 and 166,666.67 - 300,000 * 1.08 = -157,333.33 sum to -101,333.33; the staff
    # group is not stated: +0.10. Against last year: substantive pay (704,000 - 700,000) /
    # 869,565.22 = +0.004600, non-pay (166,666.67 - 169,565.22) / 869,565.22 = -0.003333.
    drivers = ip_drivers(engine, "2024-06", "ytd", "service", "S")
    assert drivers[("base_year", "activity", "EL")] == pytest.approx((0.08, None), abs=5e-7)
    assert drivers[("base_year", "cost", "pay_substantive")] == pytest.approx((0.115556, 56_000), abs=5e-7)
    assert drivers[("base_year", "cost", "non_pay")] == pytest.approx((-0.148148, -157_333.333333), abs=5e-6)
    assert drivers[("base_year", "wte", "Not stated")] == pytest.approx((0.10, None), abs=5e-7)
    assert drivers[("prior_year", "cost", "pay_substantive")][0] == pytest.approx(0.004600, abs=5e-7)
    assert drivers[("prior_year", "cost", "non_pay")][0] == pytest.approx(-0.003333, abs=5e-7)
    assert len(drivers) == 8


def ip_drivers(engine, month: str, window: str, level: str, node: str) -> dict:
    """(basis, side, component) -> (contribution, opportunity) of one node's drivers."""
    with engine.connect() as conn:
        return {(b, side, c): (_number(contribution), _number(opportunity))
                for b, side, c, contribution, opportunity in conn.execute(sa.text(
                    "select basis, side, component, contribution, opportunity from mart.ip_driver"
                    " where period = :m and time_window = :w and level = :l and node = :n"),
                    {"m": month, "w": window, "l": level, "n": node})}


# --- an independent implementation ----------------------------------------------------------

@pytest.fixture
def synthetic(engine, settings, tmp_path):
    return load_synthetic(engine, settings, tmp_path)


def fin_month(period: str) -> int:
    return (int(period[5:]) + 8) % 12 + 1


def windows(report: str, basis: str = "base_year") -> dict[str, dict[str, list[str]]]:
    m = fin_month(report)
    current = {fin_month(p): p for p in CURRENT_MONTHS}
    base = {fin_month(p): p for p in (BASE_MONTHS if basis == "base_year" else PRIOR_MONTHS)}
    quarter_start = (m - 1) // 3 * 3 + 1
    spans = {"month": range(m, m + 1), "quarter": range(quarter_start, m + 1), "ytd": range(1, m + 1)}
    return {w: {"current": [current[i] for i in span], "base": [base[i] for i in span]}
            for w, span in spans.items()}


def independent_implementation(sources, reference, report: str, basis: str = "base_year") -> pd.DataFrame:
    """METHODOLOGY.md read literally, in pandas, from the frames the files were written from."""
    # A prior-year comparison needs every one of its months in every source.
    loaded = set.intersection(*({(o, p) for o, p in zip(f.org_code, f.period)} for f in sources.values()))
    hierarchy = reference["hierarchy"]
    service_of_cc = hierarchy.set_index(["org_code", "cost_centre"])["service"]
    placement = hierarchy.drop_duplicates(["org_code", "service"]).set_index(["org_code", "service"])
    service_of_tfc = reference["specialty_map"].set_index(["org_code", "treatment_function_code"])["service"]
    deflators = reference["deflators"].set_index("financial_year")
    subjectives = reference["subjectives"].set_index("subjective_code")
    prices = {(p, h): c for p, h, c in reference["unit_costs"].itertuples(index=False)}

    def fy(period: str) -> str:
        y = int(period[:4]) - (int(period[5:]) < 4)
        return f"{y}/{(y + 1) % 100:02d}"

    def nodes_of(org, service):
        found = [("trust", org)]
        if isinstance(service, str):
            found.append(("service", service))
            if (org, service) in placement.index:
                found += [("directorate", placement.loc[(org, service), "directorate"]),
                          ("clinical_group", placement.loc[(org, service), "clinical_group"])]
        return found

    sums: dict = {}

    def add(key, field, value):
        sums.setdefault(key, {}).setdefault(field, 0.0)
        sums[key][field] += value

    spans = windows(report, basis)
    role_windows = [(w, role, set(months)) for w, roles in spans.items() for role, months in roles.items()]
    for r in sources["ledger"].itertuples(index=False):
        if r.subjective_code not in subjectives.index:
            continue
        category = subjectives.loc[r.subjective_code, "category"]
        if category not in ("pay", "non_pay"):
            continue
        real = r.amount / deflators.loc[fy(r.period), "pay_index" if category == "pay" else "non_pay_index"]
        for w, role, months in role_windows:
            if r.period in months:
                for node in nodes_of(r.org_code, service_of_cc.get((r.org_code, r.cost_centre))):
                    add((r.org_code, w, *node), f"cost_{role}", real)
    for r in sources["workforce"].itertuples(index=False):
        for w, role, months in role_windows:
            if r.period in months:
                for node in nodes_of(r.org_code, service_of_cc.get((r.org_code, r.cost_centre))):
                    add((r.org_code, w, *node), f"wte_{role}", r.contracted_wte / len(months))
    for r in sources["activity"].itertuples(index=False):
        if not pd.isna(r.attendance_status) and r.attendance_status != "attended":
            continue
        price = prices.get((r.pod, None if pd.isna(r.hrg_code) else r.hrg_code), prices.get((r.pod, "*")))
        if price is None:
            continue
        for w, role, months in role_windows:
            if r.period in months:
                for node in nodes_of(r.org_code, service_of_tfc.get((r.org_code, r.treatment_function_code))):
                    add((r.org_code, w, *node), f"cwa_{role}", r.count * price)

    every_node = {(o, lvl, n) for o, s in placement.index for lvl, n in nodes_of(o, s)}
    every_node |= {(o, "service", s) for (o, _), s in service_of_tfc.items()}
    rows = []
    for org, level, node in every_node:
        for w in ("month", "quarter", "ytd"):
            s = sums.get((org, w, level, node), {})
            v = {f"{m}_{role}": s.get(f"{m}_{role}", 0.0) for m in ("cwa", "cost", "wte") for role in ("base", "current")}
            complete = basis == "base_year" or all((org, p) in loaded for p in spans[w]["base"])
            a = v["cwa_current"] / v["cwa_base"] if v["cwa_base"] and complete else None
            c = v["cost_current"] / v["cost_base"] if v["cost_base"] and complete else None
            lw = v["wte_current"] / v["wte_base"] if v["wte_base"] and complete else None
            rows.append({"org_code": org, "time_window": w, "level": level, "node": node, **v,
                         "complete": complete,
                         "activity_index": a, "cost_index": c, "wte_index": lw,
                         "ip_cost": a / c - 1 if a is not None and c else None,
                         "ip_wte": a / lw - 1 if a is not None and lw else None,
                         "cost_opportunity": v["cost_current"] - v["cost_base"] * a if a is not None else None,
                         "wte_opportunity": v["wte_current"] - v["wte_base"] * a if a is not None else None})
    return pd.DataFrame(rows)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


COMPARED = ["cwa_base", "cwa_current", "cost_base", "cost_current", "wte_base", "wte_current",
            "activity_index", "cost_index", "wte_index", "ip_cost", "ip_wte", "cost_opportunity",
            "wte_opportunity"]


def _mismatches(ours: pd.DataFrame, expected: pd.DataFrame) -> list:
    assert list(ours.index) == list(expected.index)
    mismatches = []
    for key, want in expected.iterrows():
        got = ours.loc[key]
        for column in COMPARED:
            w, g = _number(want[column]), _number(got[column])
            if (w is None) != (g is None) or (w is not None and not math.isclose(g, w, rel_tol=1e-6, abs_tol=1e-6)):
                mismatches.append((key, column, g, w))
    return mismatches


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(["org_code", "time_window", "level", "node"]).sort_index()


@pytest.mark.parametrize("basis", ["base_year", "prior_year"])
def test_every_row_matches_an_independent_implementation(engine, settings, synthetic, basis):
    sources, reference = synthetic
    calculate_month(engine, settings, REPORT)

    ours = _keyed(mart(engine, REPORT, basis))
    expected = _keyed(independent_implementation(sources, reference, REPORT, basis))
    mismatches = _mismatches(ours, expected)
    assert mismatches[:10] == [] and len(mismatches) == 0
    assert expected["complete"].all() and ours["ip_cost"].notna().any()
    # The awkward cases were there to be got wrong.
    trust = ours.loc[("RXA", "ytd", "trust", "RXA")]
    services = ours.xs(("RXA", "ytd", "service"), level=[0, 1, 2])
    assert float(trust["cost_current"]) > float(services["cost_current"].astype(float).sum())
    assert float(trust["cwa_current"]) > float(services["cwa_current"].astype(float).sum())
    assert ours.loc[("RXA", "ytd", "service", "Estates")]["null_reason"] == "no activity"
    assert int(trust["unpriced_activity"]) > 0


def test_levels_carry_their_parents_and_names(engine, settings, synthetic):
    calculate_month(engine, settings, REPORT)
    ours = mart(engine, REPORT)
    service = ours[(ours.node == "Orthopaedics") & (ours.org_code == "RXA")].iloc[0]
    assert (service.parent_level, service.parent_node, service.directorate, service.clinical_group) == \
        ("directorate", "Surgery", "Surgery", "Surgical")
    assert set(ours.level) == {"trust", "clinical_group", "directorate", "service"}
    assert set(ours.financial_year) == {"2024/25"} and set(ours.fin_month) == {5}
    with engine.connect() as conn:
        report = conn.execute(sa.text(
            "select basis, period_label, time_window_label, level_label, basis_label"
            " from mart.implied_productivity_report"
            " where org_code = 'RXA' and level = 'trust' and time_window = 'ytd' and period = :m"
            " order by basis"), {"m": REPORT}).all()
    assert [tuple(r) for r in report] == [
        ("base_year", "August 2024", "Year to date", "Trust", "against 2019/20"),
        ("prior_year", "August 2024", "Year to date", "Trust", "against last year")]


def test_peer_ranks_loaded_trusts_with_published_peers(engine, settings, synthetic):
    calculate_month(engine, settings, REPORT)
    with engine.connect() as conn:
        ranks = pd.read_sql(sa.text("select * from mart.peer_rank_report where period = :m"
                                    " and basis = 'base_year'"), conn, params={"m": REPORT})
        trust_ip = dict(conn.execute(sa.text(
            "select org_code, ip_cost from mart.implied_productivity"
            " where period = :m and level = 'trust' and time_window = 'ytd'"
            " and basis = 'base_year'"), {"m": REPORT}).all())
    ytd = ranks[ranks.time_window == "ytd"].set_index("org_code")
    assert set(ytd.index) == {"RXA", "RXB", "R1A"} and set(ytd.peer_count) == {3}
    ordered = sorted(trust_ip.items(), key=lambda kv: -float(kv[1]))
    assert ytd.loc["R1A", "rank"] == 1   # published at +50%
    assert [ytd.loc[org, "rank"] for org, _ in ordered] == [2, 3]
    assert ytd.loc["R1A", "rank_label"] == "1st of 3" and ytd.loc["R1A", "org_name"] == "Peer A"


def test_recalculating_replaces_the_month(engine, settings, synthetic):
    def both_bases():
        return pd.concat([mart(engine, REPORT, b) for b in ("base_year", "prior_year")]) \
            .drop(columns="calculated_at").sort_values(["org_code", "basis", "time_window", "level", "node"])
    first = calculate_month(engine, settings, REPORT)
    before = both_bases()
    second = calculate_month(engine, settings, REPORT)
    after = both_bases()
    assert first["mart_rows"] == second["mart_rows"] == len(after) == 2 * (after.basis == "base_year").sum()
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))
    with engine.connect() as conn:
        indicators = conn.execute(sa.text(
            "select count(*), count(distinct indicator) from mart.efficiency_indicator where period = :m"),
            {"m": REPORT}).one()
    assert indicators == (len(after) * 9, 9)


def test_efficiency_indicators_follow_their_definitions(engine, settings, synthetic):
    sources, _ = synthetic
    calculate_month(engine, settings, REPORT)
    with engine.connect() as conn:
        got = dict(conn.execute(sa.text(
            "select indicator, current_value from mart.efficiency_indicator where period = :m"
            " and org_code = 'RXB' and level = 'trust' and time_window = 'month'"), {"m": REPORT}).all())
    act = sources["activity"]
    act = act[(act.org_code == "RXB") & (act.period == REPORT)]
    el, dc = act[act.pod == "EL"], act[act.pod == "DC"]
    opfa = act[(act.pod == "OPFA") & (act.attendance_status.isna() | (act.attendance_status == "attended"))]["count"].sum()
    opfu = act[(act.pod == "OPFU") & (act.attendance_status.isna() | (act.attendance_status == "attended"))]["count"].sum()
    dna = act[act.pod.isin(["OPFA", "OPFU"]) & (act.attendance_status == "dna")]["count"].sum()
    assert float(got["alos_elective"]) == pytest.approx(el.los_days.sum() / el["count"].sum())
    assert float(got["day_case_rate"]) == pytest.approx(dc["count"].sum() / (dc["count"].sum() + el["count"].sum()))
    assert float(got["op_follow_up_ratio"]) == pytest.approx(opfu / opfa)
    assert float(got["op_dna_rate"]) == pytest.approx(dna / (opfa + opfu + dna))
    led = sources["ledger"]
    pay = led[(led.org_code == "RXB") & (led.period == REPORT) & led.subjective_code.isin(["511100", "511200", "511300"])]
    assert float(got["agency_share_of_pay"]) == pytest.approx(
        pay[pay.subjective_code == "511300"].amount.sum() / pay.amount.sum())
    wf = sources["workforce"]
    wf = wf[(wf.org_code == "RXB") & (wf.period == REPORT)]
    assert float(got["sickness_absence_rate"]) == pytest.approx(
        wf.sickness_fte_days.sum() / (wf.contracted_wte.sum() * 31))


def test_a_missing_deflator_stops_the_calculation_with_a_clear_reason(engine, settings, synthetic):
    with pytest.raises(CalculationError, match="deflators.csv has no row for 2025/26"):
        calculate_month(engine, settings, "2025-04")


def test_latest_month_and_summary(engine, settings, synthetic):
    assert latest_month_with_data(engine) == REPORT
    calculate_month(engine, settings, REPORT)
    summary = {s["org_code"]: s for s in trust_summary(engine, REPORT)}
    assert set(summary) == {"RXA", "RXB"}
    assert summary["RXA"]["ytd_rank"].endswith("of 3")
    assert all(s["cost_opportunity"] > 0 for s in summary["RXA"]["adverse_services"])


def test_prior_year_is_null_with_its_reason_where_last_years_months_are_not_all_loaded(
        engine, settings, tmp_path):
    # RXB's activity of May 2023 never arrived: its year to date has nothing complete to
    # compare with last year; its month (August) and quarter (July-August) still do.
    dropped = (("RXB", "activity", "2023-05"),)
    sources, reference = write_synthetic(tmp_path / "landing", drop=dropped)
    load_all(engine, settings, tmp_path / "landing")
    sources["activity"] = sources["activity"][
        ~((sources["activity"].org_code == "RXB") & (sources["activity"].period == "2023-05"))]
    calculate_month(engine, settings, REPORT)

    ours = _keyed(mart(engine, REPORT, "prior_year"))
    expected = _keyed(independent_implementation(sources, reference, REPORT, "prior_year"))
    assert _mismatches(ours, expected) == []
    rxb = ours.loc["RXB"]
    ytd = rxb.xs("ytd", level="time_window")
    assert set(ytd.null_reason) == {"no prior-year data"}
    assert ytd[["activity_index", "cost_index", "wte_index", "ip_cost", "ip_wte",
                "cost_opportunity", "wte_opportunity"]].isna().all().all()
    for window in ("month", "quarter"):
        trust = rxb.loc[(window, "trust", "RXB")]
        assert pd.isna(trust.null_reason) and not pd.isna(trust.ip_cost)
    assert not pd.isna(ours.loc[("RXA", "ytd", "trust", "RXA")].ip_cost)
    # The base-year figures are untouched by what last year lacks.
    assert mart(engine, REPORT).null_reason.ne("no prior-year data").all()
    with engine.connect() as conn:
        indicators = conn.execute(sa.text(
            "select count(*) filter (where base_value is not null), count(current_value)"
            " from mart.efficiency_indicator where period = :m and basis = 'prior_year'"
            " and org_code = 'RXB' and time_window = 'ytd' and level = 'trust'"),
            {"m": REPORT}).one()
    assert indicators[0] == 0 and indicators[1] > 0


def test_drivers_add_up_and_split_activity_as_an_independent_count_does(engine, settings, synthetic):
    sources, reference = synthetic
    calculate_month(engine, settings, REPORT)
    with engine.connect() as conn:
        sums = pd.read_sql(sa.text(
            "select d.basis, d.time_window, d.level, d.node, d.org_code, d.side,"
            " sum(d.contribution) as contributions, sum(d.opportunity) as opportunities,"
            " count(d.contribution) as defined, max(m.activity_index) as a,"
            " max(m.cost_index) as c, max(m.wte_index) as l,"
            " max(m.cost_opportunity) as cost_opportunity"
            " from mart.ip_driver d join mart.implied_productivity m"
            " using (org_code, period, time_window, basis, level, node)"
            " where d.period = :m group by 1, 2, 3, 4, 5, 6"), conn, params={"m": REPORT})
        by_pod = pd.read_sql(sa.text(
            "select org_code, basis, component, base_value, current_value from mart.ip_driver"
            " where period = :m and time_window = 'ytd' and level = 'trust' and side = 'activity'"),
            conn, params={"m": REPORT})
    index = {"activity": "a", "cost": "c", "wte": "l"}
    checked = 0
    for r in sums.itertuples():
        growth = getattr(r, index[r.side])
        if growth is None or pd.isna(growth):
            assert r.defined == 0
            continue
        assert abs(float(r.contributions) - (float(growth) - 1)) < 1e-9, r
        if r.side == "cost" and pd.isna(r.cost_opportunity):   # no activity: no A
            assert pd.isna(r.opportunities), r
        elif r.side == "cost":
            assert abs(float(r.opportunities) - float(r.cost_opportunity)) < 1e-6, r
        checked += 1
    assert checked > 400 and set(sums.side) == {"activity", "cost", "wte"}

    # CWA by point of delivery for each trust's year to date, counted from the frames written.
    prices = {(p, h): c for p, h, c in reference["unit_costs"].itertuples(index=False)}
    act = sources["activity"]
    act = act[act.attendance_status.isna() | (act.attendance_status == "attended")].copy()
    act["price"] = [prices.get((p, h), prices.get((p, "*"))) for p, h in
                    zip(act.pod, act.hrg_code.where(act.hrg_code.notna(), None))]
    act = act[act.price.notna()]
    act["cwa"] = act["count"] * act["price"]
    spans = {b: windows(REPORT, b)["ytd"] for b in ("base_year", "prior_year")}
    for r in by_pod.itertuples():
        rows = act[(act.org_code == r.org_code) & (act.pod == r.component)]
        assert float(r.current_value) == pytest.approx(rows[rows.period.isin(spans[r.basis]["current"])].cwa.sum())
        assert float(r.base_value) == pytest.approx(rows[rows.period.isin(spans[r.basis]["base"])].cwa.sum())
    assert set(by_pod.component) == set(act.pod)
