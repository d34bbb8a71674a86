"""Data-quality checks on loaded data: what each finds, and which orgs an error blocks."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tasks.ingest.extract import discover
from tasks.ingest.load import load_file
from tasks.quality.checks import blocked_orgs, checks, run_checks

MONTHS = ["2019-04", "2019-05", "2024-04", "2024-05"]
LAST_YEAR = ["2023-04", "2023-05"]
REPORT = "2024-05"


def landing_for(tmp_path: Path, orgs=("RXA", "RXB"), skip=(), extra_ledger="", extra_activity="",
                jump=1.0, months=tuple(MONTHS), extra_in=REPORT) -> Path:
    """Two small trusts with every month a May 2024 report needs (of `months`), less `skip`
    (org, source, month); the extra lines go in the month `extra_in`."""
    landing = tmp_path / "landing"
    ref = landing / "reference"
    ref.mkdir(parents=True)
    (ref / "hierarchy.csv").write_text(
        "org_code,cost_centre,cost_centre_name,service,directorate,clinical_group\n"
        + "".join(f"{o},C1,Ward,Cardiology,Medicine,Medical\n{o},C2,Theatre,Surgery,Surgery,Surgical\n"
                  for o in orgs))
    (ref / "specialty_map.csv").write_text(
        "org_code,treatment_function_code,service\n"
        + "".join(f"{o},320,Cardiology\n{o},100,Surgery\n" for o in orgs))
    (ref / "subjectives.csv").write_text(
        "subjective_code,category,staff_type,description\n511100,pay,substantive,Nurses\n"
        "520000,non_pay,,Drugs\n")
    (ref / "unit_costs.csv").write_text("pod,hrg_code,unit_cost\nEL,*,3000\nOPFA,*,150\n")
    for source in ("ledger", "workforce", "activity"):
        (landing / source).mkdir()
    for org in orgs:
        for month in months:
            scale = jump if month == REPORT else 1.0
            if (org, "ledger", month) not in skip:
                (landing / "ledger" / f"ledger_{org}_{month}.csv").write_text(
                    "org_code,period,cost_centre,subjective_code,amount\n"
                    f"{org},{month},C1,511100,{100000 * scale:.2f}\n{org},{month},C2,520000,50000\n"
                    + (extra_ledger.format(org=org, month=month) if month == extra_in else ""))
            if (org, "workforce", month) not in skip:
                (landing / "workforce" / f"workforce_{org}_{month}.csv").write_text(
                    "org_code,period,assignment_number,cost_centre,staff_group,pay_band,"
                    "assignment_category,contracted_wte\n"
                    + "".join(f"{org},{month},{i}-1,C1,Nursing,Band 5,Permanent,1\n" for i in range(30)))
            if (org, "activity", month) not in skip:
                (landing / "activity" / f"activity_{org}_{month}.csv").write_text(
                    "org_code,period,pod,treatment_function_code,hrg_code,count\n"
                    f"{org},{month},EL,320,EB01A,20\n{org},{month},OPFA,100,,300\n"
                    + (extra_activity.format(org=org, month=month) if month == extra_in else ""))
    return landing


def load(engine, settings, landing):
    for f in discover(landing):
        load_file(engine, settings, f)


def by_check(results, org):
    return {r["check_name"]: r for r in results if r["org_code"] == org}


def test_catalogue_is_data_with_a_severity_for_every_check():
    catalogue = checks()
    assert {c.name for c in catalogue} >= {
        "completeness", "freshness", "reconciliation", "unmapped_cost_centres",
        "unmapped_treatment_functions", "unknown_subjectives", "unpriced_activity",
        "plausibility_jumps", "cost_per_wte_outliers", "quarantine_rate"}
    assert all(c.severity in ("error", "warn", "info") for c in catalogue)


def test_clean_data_passes_every_check(engine, settings, tmp_path):
    load(engine, settings, landing_for(tmp_path))
    results = run_checks(engine, settings, REPORT, "run-1")
    assert {(r["check_name"], r["outcome"]) for r in results if r["outcome"] != "pass"} == set()
    assert blocked_orgs(results) == {}
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select count(*), count(distinct check_name) from ops.dq_result")).one()
    assert tuple(stored) == (len(checks()) * 2, len(checks()))


def test_a_missing_month_blocks_only_that_org(engine, settings, tmp_path):
    load(engine, settings, landing_for(tmp_path, skip={("RXB", "activity", "2019-05"),
                                                        ("RXB", "ledger", REPORT)}))
    results = run_checks(engine, settings, REPORT, "run-1")
    rxb = by_check(results, "RXB")
    assert rxb["completeness"]["outcome"] == "fail"
    assert [f["code"] for f in rxb["completeness"]["findings"]] == ["activity 2019-05"]
    assert [f["code"] for f in rxb["freshness"]["findings"]] == ["ledger"]
    assert by_check(results, "RXA")["completeness"]["outcome"] == "pass"
    assert set(blocked_orgs(results)) == {"RXB"}


def test_unmapped_and_unpriced_codes_are_named_with_their_value(engine, settings, tmp_path):
    landing = landing_for(
        tmp_path,
        extra_ledger="{org},{month},C999,511100,2500.00\n{org},{month},C1,999999,40.00\n",
        extra_activity="{org},{month},EL,999,EB01A,2\n{org},{month},DC,320,FZ22A,7\n")
    load(engine, settings, landing)
    results = by_check(run_checks(engine, settings, REPORT, "run-1"), "RXA")
    [cost_centre] = results["unmapped_cost_centres"]["findings"]
    assert (cost_centre["code"], cost_centre["value"]) == ("C999", 2500.0)
    assert "C999" in results["unmapped_cost_centres"]["message"]
    [tfc] = results["unmapped_treatment_functions"]["findings"]
    assert (tfc["code"], tfc["value"]) == ("999", 2.0)
    [subjective] = results["unknown_subjectives"]["findings"]
    assert (subjective["code"], subjective["value"]) == ("999999", 40.0)
    [unpriced] = results["unpriced_activity"]["findings"]
    assert (unpriced["code"], unpriced["value"]) == ("DC FZ22A", 7.0)


def test_materiality_decides_the_severity_of_unmapped_cost(engine, settings, tmp_path):
    # £300k unmapped against ~£300k mapped in the windows: well over the error share.
    load(engine, settings, landing_for(tmp_path, extra_ledger="{org},{month},C999,511100,300000\n"))
    results = run_checks(engine, settings, REPORT, "run-1")
    assert by_check(results, "RXA")["unmapped_cost_centres"]["outcome"] == "fail"
    assert "RXA" in blocked_orgs(results)


def test_a_charge_and_its_reversal_are_material_though_they_net_to_nothing(engine, settings, tmp_path):
    # Each line counts at its size, as when the checks read raw: the month aggregates keep it.
    load(engine, settings, landing_for(
        tmp_path, extra_ledger="{org},{month},C999,511100,300000\n{org},{month},C999,511100,-300000\n"))
    results = run_checks(engine, settings, REPORT, "run-1")
    [finding] = by_check(results, "RXA")["unmapped_cost_centres"]["findings"]
    assert (finding["code"], finding["value"], finding["severity"]) == ("C999", 0.0, "error")


def test_last_year_is_judged_where_it_is_all_there(engine, settings, tmp_path):
    # C777 books £300k in May 2023 only: a prior-year figure compares this year with it.
    extra = "{org},{month},C777,511100,300000\n"
    load(engine, settings, landing_for(tmp_path, months=MONTHS + LAST_YEAR, extra_ledger=extra,
                                       extra_in="2023-05"))
    results = run_checks(engine, settings, REPORT, "run-1")
    [finding] = by_check(results, "RXA")["unmapped_cost_centres"]["findings"]
    assert (finding["code"], finding["value"], finding["severity"]) == ("C777", 300000.0, "error")
    assert "RXA" in blocked_orgs(results)


def test_last_year_is_judged_only_for_the_figures_it_has(engine, settings, tmp_path):
    # RXA lacks May 2023's activity: no prior-year figure of May 2024's windows, so nothing of
    # last year is judged and nothing blocks. RXB lacks April 2023's: its prior-year figure
    # for the month (May against May) is still published, and C777 distorts it.
    extra = "{org},{month},C777,511100,300000\n"
    load(engine, settings, landing_for(tmp_path, months=MONTHS + LAST_YEAR, extra_ledger=extra,
                                       extra_in="2023-05", skip={("RXA", "activity", "2023-05"),
                                                                 ("RXB", "activity", "2023-04")}))
    results = run_checks(engine, settings, REPORT, "run-1")
    rxa, rxb = by_check(results, "RXA"), by_check(results, "RXB")
    assert rxa["unmapped_cost_centres"]["outcome"] == "pass"
    assert rxa["completeness"]["outcome"] == rxb["completeness"]["outcome"] == "pass"
    [finding] = rxb["unmapped_cost_centres"]["findings"]
    assert (finding["code"], finding["severity"]) == ("C777", "error")
    assert set(blocked_orgs(results)) == {"RXB"}


def test_reconciliation_catches_month_totals_out_of_step_with_the_file(engine, settings, tmp_path):
    load(engine, settings, landing_for(tmp_path))
    with engine.begin() as conn:
        conn.execute(sa.text("update core.ledger_month set amount = amount + 10 where org_code = 'RXB'"
                             " and period = '2024-04-01' and cost_centre = 'C1'"))
    results = by_check(run_checks(engine, settings, REPORT, "run-1"), "RXB")
    [finding] = results["reconciliation"]["findings"]
    assert (finding["code"], finding["value"]) == ("ledger 2024-04", 10.0)
    assert "month totals the figures are calculated from add up to 150010" in finding["detail"]


def test_reconciliation_catches_rows_lost_after_loading(engine, settings, tmp_path):
    load(engine, settings, landing_for(tmp_path))
    with engine.begin() as conn:
        conn.execute(sa.text("delete from raw.ledger where org_code = 'RXA' and cost_centre = 'C2'"
                             " and period = '2019-05-01'"))
    results = by_check(run_checks(engine, settings, REPORT, "run-1"), "RXA")
    [finding] = results["reconciliation"]["findings"]
    assert finding["code"] == "ledger 2019-05" and finding["value"] == -50000.0
    assert results["reconciliation"]["outcome"] == "fail"


def test_plausibility_flags_a_jump_and_a_high_quarantine_rate(engine, settings, tmp_path):
    landing = landing_for(tmp_path, jump=3.0,
                          extra_activity="{org},{month},XX,320,,1\n{org},{month},XX,320,,1\n")
    load(engine, settings, landing)
    results = by_check(run_checks(engine, settings, REPORT, "run-1"), "RXA")
    codes = [f["code"] for f in results["plausibility_jumps"]["findings"]]
    assert "Cardiology cost vs the month before" in codes
    [rate] = results["quarantine_rate"]["findings"]
    assert rate["code"] == "activity/activity_RXA_2024-05.csv"
    assert results["plausibility_jumps"]["outcome"] == "warn"


def test_checks_run_on_an_empty_database_and_find_nothing(engine, settings):
    assert run_checks(engine, settings, REPORT, "run-empty") == []


def test_a_service_in_two_directorates_is_an_error(engine, settings, tmp_path):
    # RXA's Surgery has a second cost centre in Medicine: a directorate is no longer a silent
    # pick of the first cost centre but an error that blocks RXA, and only RXA.
    landing = landing_for(tmp_path)
    hierarchy = landing / "reference" / "hierarchy.csv"
    hierarchy.write_text(hierarchy.read_text() + "RXA,C3,Day unit,Surgery,Medicine,Medical\n")
    load(engine, settings, landing)
    results = run_checks(engine, settings, REPORT, "run-1")
    found = by_check(results, "RXA")["service_in_two_directorates"]
    assert found["outcome"] == "fail" and found["severity"] == "error"
    assert [f["code"] for f in found["findings"]] == ["Surgery"]
    assert "Medicine, Surgery" in found["findings"][0]["detail"]
    assert by_check(results, "RXB")["service_in_two_directorates"]["outcome"] == "pass"
    assert "RXA" in blocked_orgs(results) and "RXB" not in blocked_orgs(results)
    with engine.connect() as conn:
        # Until corrected, every view and the calculation agree on one directorate.
        rows = conn.execute(sa.text(
            "select distinct directorate from core.ledger_fact where org_code = 'RXA'"
            " and service = 'Surgery' union select distinct directorate from core.activity_fact"
            " where org_code = 'RXA' and service = 'Surgery'")).scalars().all()
    assert rows == ["Surgery"]
