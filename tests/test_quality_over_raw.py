"""The data-quality checks read the month aggregates of the report's windows (issue 18); they
find what the checks found when they read every raw row through the fact views.

tests/checks_over_raw/ holds those earlier checks, as they were before issue 18, as the
independent implementation. Without last year's months the two must agree on every finding;
with them, the checks that now judge last year too find the union of the earlier checks run
on each basis (the base year, last year), at the worse of the two severities.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from synthetic import ORGS, PRIOR_MONTHS, REPORT, load_all, write_synthetic

from tasks import db
from tasks.quality.checks import SEVERITIES, checks, run_checks

OVER_RAW = Path(__file__).parent / "checks_over_raw"
SAME_MONTHS = {"completeness", "freshness", "plausibility_jumps", "cost_per_wte_outliers",
               "service_in_two_directorates"}
ADDITIVE = {"unmapped_cost_centres", "unmapped_treatment_functions", "unknown_subjectives",
            "unpriced_activity"}
MATERIAL = ADDITIVE - {"unpriced_activity"}
LAST_YEAR = "2023/24"
NO_DATA_YEAR = "2030/31"   # a comparison year with nothing loaded: the current months alone


def over_raw(engine, settings, base_year: str, report: str = REPORT) -> dict:
    """{(check, org): findings} of the earlier checks, as run_checks shapes them."""
    parameters = {
        "report_month": date.fromisoformat(f"{report}-01"), "base_year": base_year,
        "materiality_warn": settings.dq_materiality_warn,
        "materiality_error": settings.dq_materiality_error,
        "jump_bound": settings.dq_jump_bound, "cost_per_wte_ratio": settings.dq_cost_per_wte_ratio,
        "quarantine_rate": settings.dq_quarantine_rate}
    severity = {c.name: c.severity for c in checks()}
    found: dict = {}
    with db.psycopg_connection(engine) as conn:
        for path in sorted(OVER_RAW.glob("*.sql")):
            cursor = conn.execute(path.read_text(encoding="utf-8"), parameters)
            columns = [c.name for c in cursor.description]
            for row in cursor:
                finding = dict(zip(columns, row))
                finding["severity"] = finding.get("severity") or severity[path.stem]
                finding["value"] = None if finding["value"] is None else float(finding["value"])
                found.setdefault((path.stem, finding.pop("org_code")), []).append(finding)
    return found


def now(results: list[dict]) -> dict:
    return {(r["check_name"], r["org_code"]): r["findings"] for r in results if r["findings"]}


def load(engine, settings, tmp_path: Path, drop=()) -> None:
    write_synthetic(tmp_path / "landing", drop=drop)
    load_all(engine, settings, tmp_path / "landing")


def lose_rows(engine, source: str, org: str, month: str, where: str) -> None:
    """Rows lost after loading, from raw and from the month aggregates alike (recounted as the
    load counts them), so that both kinds of check see the same data, short of the file."""
    with engine.begin() as conn:
        [load_id] = conn.execute(sa.text(
            f"delete from raw.{source} where org_code = :org and period = :period and {where}"
            " returning load_id"), {"org": org, "period": date.fromisoformat(f"{month}-01")}
        ).scalars().unique().all()
    with db.psycopg_connection(engine) as conn:
        conn.execute(resources.files("sql").joinpath("load", f"month_{source}.sql")
                     .read_text(encoding="utf-8"), {"load_id": load_id})


def plant_problems(engine) -> None:
    """A base-year slice of RXA and the report month of RXB short of their files."""
    lose_rows(engine, "ledger", "RXA", "2019-06", "cost_centre = 'C03'")
    lose_rows(engine, "activity", "RXB", "2024-08", "treatment_function_code = '110'")


def test_without_last_year_the_findings_are_those_found_over_raw(engine, settings, tmp_path):
    load(engine, settings, tmp_path,
         drop=tuple((o, s, m) for o in ORGS for s in ("ledger", "workforce", "activity")
                    for m in PRIOR_MONTHS))
    plant_problems(engine)
    found = now(run_checks(engine, settings, REPORT, "run-1"))
    assert found == over_raw(engine, settings, settings.base_year)
    assert {check for check, _ in found} >= {"reconciliation", "unmapped_cost_centres",
                                              "unmapped_treatment_functions", "unknown_subjectives",
                                              "unpriced_activity"}


def _key(finding: dict) -> tuple:
    return finding["code"], finding["unit"]


def _share(finding: dict) -> float:
    return float(re.search(r"\(([\d.]+)%", finding["detail"])[1])


def _worst(*severities: str) -> str:
    return max(severities, key=SEVERITIES.index)


def test_with_last_year_each_basis_is_judged_as_the_earlier_checks_judge_it(engine, settings, tmp_path):
    load(engine, settings, tmp_path)
    plant_problems(engine)
    # Rows lost from a slice of last year: its figures read it now.
    lose_rows(engine, "workforce", "RXB", "2023-05", "cost_centre = 'C01'")
    found = now(run_checks(engine, settings, REPORT, "run-1"))
    base, last, current = (over_raw(engine, settings, year)
                           for year in (settings.base_year, LAST_YEAR, NO_DATA_YEAR))
    for check in {c.name for c in checks()}:
        for org in ORGS:
            got = {_key(f): f for f in found.get((check, org), [])}
            if check in SAME_MONTHS:
                assert found.get((check, org), []) == base.get((check, org), []), (check, org)
                continue
            on = [{_key(f): f for f in run.get((check, org), [])} for run in (base, last, current)]
            assert set(got) == set(on[0]) | set(on[1]), (check, org)
            for key, finding in got.items():
                judged = [run[key]["severity"] for run in on[:2] if key in run]
                assert finding["severity"] == _worst(*judged), (check, org, key)
                if check in MATERIAL:   # the share shown is the larger of the two bases'
                    assert _share(finding) == max(_share(run[key]) for run in on[:2] if key in run)
                if check in ADDITIVE:
                    # Each month once: the base year's windows and last year's share this year's.
                    value = sum((run[key]["value"] or 0) if key in run else 0 for run in on[:2]) \
                        - ((on[2][key]["value"] or 0) if key in on[2] else 0)
                    assert (finding["value"] or 0) == pytest.approx(value, abs=0.005), (check, org, key)
    assert found != base   # last year's months count
    assert [f["code"] for f in found[("reconciliation", "RXB")]] == ["activity 2024-08", "workforce 2023-05"]


def test_one_trust_alone_finds_what_it_finds_among_all(engine, settings, tmp_path):
    load(engine, settings, tmp_path, drop=(("RXB", "activity", "2019-07"),))
    plant_problems(engine)
    everyone = run_checks(engine, settings, REPORT, "all")
    for org in ORGS:
        alone = run_checks(engine, settings, REPORT, f"alone-{org}", orgs=[org])
        assert {r["org_code"] for r in alone} == {org}
        assert [{**r, "run_id": None} for r in alone] \
            == [{**r, "run_id": None} for r in everyone if r["org_code"] == org]
    assert any(r["outcome"] == "fail" for r in everyone if r["org_code"] == "RXB")
    assert run_checks(engine, settings, REPORT, "nobody", orgs=["RZZ"]) == []

