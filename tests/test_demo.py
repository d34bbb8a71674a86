"""The demo trusts: deterministic, loaded exactly as their manifest says, clean enough to report."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from prodpack.demo import write_demo
from tasks.ingest.extract import declared_months, discover, normalise_header
from tasks.ingest.load import load_file
from tasks.quality.checks import run_checks

SMALL = {"scale": 0.03, "last_month": "2023-06"}
PERSONAL = ("employee_name", "ni_number", "email", "assignment_number", "nhs_number",
            "local_patient_id", "postcode")
EVERY_KIND_OF_BAD_ROW = {
    "unparseable_amount", "missing_cost_centre", "period_outside_file", "bad_period",
    "unquoted_thousands", "bad_financial_period", "wte_out_of_range", "duplicate_assignment",
    "missing_assignment_number", "bad_assignment_category", "unknown_pod", "non_positive_count",
    "bad_treatment_function", "missing_hrg_admitted", "bad_attendance_status", "negative_los"}
# Trust-level implied productivity on cost, year to date, as METHODOLOGY.md defines it.
TRUST_IP_COST = """
    with months as (select period, role from core.window_months(:month, '2019/20')),
    cwa as (
        select org_code, sum(count * unit_cost) filter (where role = 'current')
                         / sum(count * unit_cost) filter (where role = 'base') as growth
        from core.activity_fact join months using (period)
        where counts_as_activity group by 1),
    real_cost as (
        select org_code, role,
               amount / case category when 'pay' then pay_index else non_pay_index end as real
        from core.ledger_fact join months using (period) join core.deflators using (financial_year)
        where category in ('pay', 'non_pay')),
    cost as (
        select org_code, sum(real) filter (where role = 'current')
                         / sum(real) filter (where role = 'base') as growth
        from real_cost group by 1)
    select org_code, (cwa.growth / cost.growth - 1)::float from cwa join cost using (org_code)"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    landing = tmp_path_factory.mktemp("demo") / "landing"
    return landing, write_demo(landing, seed=2019, **SMALL)


def files(landing: Path) -> dict[str, bytes]:
    return {str(p.relative_to(landing)): p.read_bytes() for p in landing.rglob("*") if p.is_file()}


def write_demo_into(landing: Path, seed: int, **overrides) -> Path:
    write_demo(landing, seed=seed, **{**SMALL, **overrides})
    return landing


def load_demo(engine, settings, landing: Path) -> dict:
    return {r.origin: r for r in (load_file(engine, settings, f) for f in discover(landing))}


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def read_rows(path: Path) -> list[dict[str, str]]:
    """A demo file's rows keyed by contract-style column names, whatever its format."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        values = [["" if v is None else str(v) for v in row]
                  for row in sheet.iter_rows(values_only=True)]
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        values = list(csv.reader(io.StringIO(text, newline="")))
    header = [normalise_header(h) for h in values[0]]
    return [dict(zip(header, row)) for row in values[1:]]


def test_same_seed_same_bytes_other_seed_other_data_and_months_do_not_depend_on_the_last(tmp_path):
    first = files(write_demo_into(tmp_path / "a", seed=7))
    assert first == files(write_demo_into(tmp_path / "b", seed=7))

    other = files(write_demo_into(tmp_path / "c", seed=8))
    facts = [p for p in first if p.split("/")[0] in ("ledger", "workforce", "activity")]
    assert len(facts) == 2 * 4 * 3 and all(first[p] != other[p] for p in facts)

    # One more month changes nothing already written but the manifest and the peers' figures.
    longer = files(write_demo_into(tmp_path / "d", seed=7, last_month="2023-07"))
    changed = {p for p in first if first[p] != longer[p]}
    assert changed == {"demo_manifest.json", "reference/peers.csv"}
    assert set(longer) - set(first) == {f"{source}/{org}_{source}_2023-07.csv"
                                        for org in ("RXA", "RXB")
                                        for source in ("ledger", "workforce", "activity")}



def test_an_earlier_first_monthly_file_adds_the_years_between_and_changes_no_month(tmp_path):
    """The close benchmark's seven years: the same months' files, and the years between."""
    usual = files(write_demo_into(tmp_path / "a", seed=7))
    whole = files(write_demo_into(tmp_path / "b", seed=7, monthly_from="2022-11"))
    assert {p for p in usual if usual[p] != whole.get(p)} == {"demo_manifest.json",
                                                              "reference/peers.csv"}
    assert set(whole) - set(usual) == {f"{source}/{org}_{source}_{month}.csv"
                                       for org in ("RXA", "RXB")
                                       for source in ("ledger", "workforce", "activity")
                                       for month in ("2022-11", "2022-12", "2023-01", "2023-02",
                                                     "2023-03")}
    with pytest.raises(ValueError, match="2020-04 at the earliest"):
        write_demo(tmp_path / "c", seed=7, monthly_from="2020-03", **SMALL)

def test_files_load_exactly_as_the_manifest_says_and_no_personal_data_is_stored(
        engine, settings, demo):
    landing, manifest = demo
    results = load_demo(engine, settings, landing)
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(results) == set(listed)
    assert {origin for origin, r in results.items() if r.status != "loaded"} == set()

    logged = rows(engine, "select origin, rows_read, rows_quarantined from ops.load_log")
    assert {origin: (read, bad) for origin, read, bad in logged} == {
        path: (f["rows"], f["bad_rows"]) for path, f in listed.items()}
    quarantined = rows(engine, "select l.origin, q.line_number from ops.quarantine q"
                               " join ops.load_log l using (load_id)")
    planted = {(f["path"], bad["line"]) for f in manifest["files"] for bad in f["bad"]}
    assert set(quarantined) == planted
    assert {bad["kind"] for f in manifest["files"] for bad in f["bad"]} == EVERY_KIND_OF_BAD_ROW

    # Personal values from the extracts, a sample of each file's: none anywhere in the database.
    sample: set[str] = set()
    for f in manifest["files"]:
        if f["source"] in ("workforce", "activity"):
            found = read_rows(landing / f["path"])
            for row in random.Random(f["path"]).sample(found, min(20, len(found))):
                sample |= {row[c] for c in PERSONAL if row.get(c)}
    assert len(sample) > 500
    tables = rows(engine, "select table_schema || '.' || table_name from information_schema.tables"
                          " where table_schema in ('raw', 'core', 'mart', 'ops')")
    stored = "\n".join(r[0] for (table,) in tables
                       for r in rows(engine, f"select t::text from {table} t"))
    assert len(stored) > 1_000_000
    assert sorted(value for value in sample if value in stored) == []


def test_error_level_checks_pass_and_the_planted_problems_are_reported(engine, settings, demo):
    landing, manifest = demo
    load_demo(engine, settings, landing)
    results = run_checks(engine, settings, manifest["last_month"], "demo")
    assert {r["org_code"] for r in results} == set(manifest["orgs"])
    assert [(r["org_code"], r["message"]) for r in results if r["outcome"] == "fail"] == []

    def codes(check: str) -> set[str]:
        return {f["code"] for r in results if r["check_name"] == check for f in r["findings"]}

    # C19990 opens in 2024/25, after this report's windows.
    assert codes("unmapped_cost_centres") == set(manifest["unmapped"]["cost_centres"]) - {"C19990"}
    assert codes("unmapped_treatment_functions") == set(manifest["unmapped"]["treatment_functions"])
    assert codes("unpriced_activity") == set(manifest["unpriced_hrgs"])
    assert codes("unknown_subjectives") == set()

    ip_cost = dict(rows(engine, TRUST_IP_COST, month=f"{manifest['last_month']}-01"))
    # About 8 points apart by design in 2023/24; a 3% scale has a few points of noise.
    assert ip_cost["RXB"] < ip_cost["RXA"] - 0.02


def test_structure_and_formats(demo):
    landing, manifest = demo
    hierarchy = read_rows(landing / "reference" / "hierarchy.csv")
    specialty = read_rows(landing / "reference" / "specialty_map.csv")
    owners = read_rows(landing / "reference" / "owners.csv")
    rxa = [r for r in hierarchy if r["org_code"] == "RXA"]
    rxb = [r for r in hierarchy if r["org_code"] == "RXB"]
    assert len({r["clinical_group"] for r in rxa}) == 4
    assert len({r["directorate"] for r in rxa}) == 12
    services = {r["service"] for r in rxa}
    assert 38 <= len(services) <= 45 and 140 <= len(rxa) <= 170
    with_activity = {r["service"] for r in specialty if r["org_code"] == "RXA"}
    assert len(services - with_activity) == 4          # support and corporate services
    assert 0.3 < len(rxb) / len(rxa) < 0.6
    # owners.csv keys on (level, node): the trusts' node names must not clash.
    for level in ("clinical_group", "directorate", "service", "cost_centre"):
        assert not {r[level] for r in rxa} & {r[level] for r in rxb}

    led = {(r["level"], r["node"]) for r in owners}
    for trust in (rxa, rxb):
        assert ("trust", trust[0]["org_code"]) in led
        for level in ("clinical_group", "directorate"):
            assert {(level, r[level]) for r in trust} <= led
        unled = {("service", r["service"]) for r in trust} - led
        assert 0 < len(unled) < len({r["service"] for r in trust}) / 3

    # 2019/20 as one file per source naming its financial year, then one file a month.
    paths = [f["path"] for f in manifest["files"]]
    assert "ledger/RXA_ledger_2019-20.csv" in paths
    assert len(declared_months("RXA_ledger_2019-20.csv")) == 12
    assert "activity/RXB_activity_2023-06.csv" in paths
    # The variety real extracts have.
    raw = {p: (landing / p).read_bytes() for p in paths if p.endswith(".csv")}
    assert any(data.startswith(b"\xef\xbb\xbf") for data in raw.values())
    assert any(b"\r\n" in data[:2000] for data in raw.values())
    assert any(b"\xa3" in data for data in raw.values())                       # £ in Windows-1252
    assert any(p.endswith(".xlsx") for p in paths)
    assert any(b"FINANCIAL_PERIOD" in data[:200] for data in raw.values())
    amounts = {r["amount"] for r in read_rows(landing / "ledger" / "RXA_ledger_2019-20.csv")}
    assert any(a.startswith("£") and "," in a for a in amounts)
    assert any(a.startswith("(") for a in amounts) and any(a.startswith("-") for a in amounts)
