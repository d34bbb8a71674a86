"""Loading: formats, every bad-input rule, slice replacement, idempotency, privacy, SQL sources."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
import xlsxwriter
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from tasks.ingest.extract import discover
from tasks.ingest.load import load_file, load_warehouse_source
from tasks.ingest.load_folder import load_landing

LEDGER_HEADER = "org_code,period,cost_centre,subjective_code,amount,description"
WORKFORCE_HEADER = ("org_code,period,assignment_number,cost_centre,staff_group,pay_band,"
                    "assignment_category,contracted_wte,sickness_fte_days,employee_name,"
                    "ni_number,date_of_birth,employee_number,email")
ACTIVITY_HEADER = ("org_code,period,pod,treatment_function_code,hrg_code,attendance_status,"
                   "los_days,preop_days,count,nhs_number,local_patient_id,postcode,date_of_birth")


def write(landing: Path, relative: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def load_all(engine, settings, landing: Path):
    return {r.origin: r for r in (load_file(engine, settings, f) for f in discover(landing))}


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def quarantine(engine, origin: str):
    return rows(engine, "select q.line_number, q.reason from ops.quarantine q join ops.load_log l"
                        " using (load_id) where l.origin = :o order by 1", o=origin)


def table_fingerprint(engine) -> dict[str, str]:
    """md5 of every raw, core and mart table's sorted contents."""
    tables = rows(engine, "select table_schema || '.' || table_name from information_schema.tables"
                          " where table_schema in ('raw', 'core', 'mart') and table_type = 'BASE TABLE'")
    return {t: rows(engine, f"select md5(coalesce(string_agg(x::text, '|' order by x::text), ''))"
                            f" from {t} x")[0][0] for (t,) in tables}


def test_money_formats_encodings_headers_and_financial_periods(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    # Header case and spacing, a BOM and CRLF line ends, money in every accepted spelling.
    write(landing, "ledger/ledger_RXA_2024-05.csv", "\ufeff ORG_CODE , Period ,Cost_Centre,"
          "subjective_code,AMOUNT,description\r\n"
          'RXA,2024-05,C1,511100,"£1,234.50",a\r\nRXA,2024-05,C1,511101,"(1,234.50)",b\r\n'
          "RXA,2024-05,C2,511100,-1234.5,c\r\nrxa,2024-05,C2,511101,£-7,d\r\n")
    # Windows-1252 with a pound sign, financial_year + financial_period instead of period.
    write(landing, "ledger/ledger_RXB_2024-06.csv",
          "org_code,financial_year,financial_period,cost_centre,subjective_code,amount,description\n"
          "RXB,2024/25,3,C9,511100,10.00,Café £ costs\n", encoding="cp1252")
    results = load_all(engine, settings, landing)
    assert {r.status for r in results.values()} == {"loaded"}
    assert rows(engine, "select org_code, period, cost_centre, amount, description from raw.ledger"
                        " order by org_code, line_number") == [
        ("RXA", date(2024, 5, 1), "C1", Decimal("1234.50"), "a"),
        ("RXA", date(2024, 5, 1), "C1", Decimal("-1234.50"), "b"),
        ("RXA", date(2024, 5, 1), "C2", Decimal("-1234.50"), "c"),
        ("RXA", date(2024, 5, 1), "C2", Decimal("-7.00"), "d"),
        ("RXB", date(2024, 6, 1), "C9", Decimal("10.00"), "Café £ costs"),
    ]


def test_xlsx_month_loads_like_csv(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    path = landing / "workforce" / "workforce_RXA_2024-06.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("ESR")
    sheet.write_row(0, 0, WORKFORCE_HEADER.split(","))
    sheet.write_row(1, 0, ["RXA", "2024-06", "1001-1", "C1", "Nursing", "Band 5", "Permanent", 1,
                           0.5, "Jane Doe", "AB123456C", "1980-01-01", "1001", "jane@x.nhs.uk"])
    sheet.write_row(2, 0, ["RXA", "2024-06", "1002-1", "C1", "Nursing", "Band 6", "Bank", 0.6,
                           None, "John Roe", "CD654321A", "1975-02-02", "1002", "john@x.nhs.uk"])
    book.close()
    result = load_all(engine, settings, landing)["workforce/workforce_RXA_2024-06.xlsx"]
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 2, 2)
    assert rows(engine, "select contracted_wte, sickness_fte_days, assignment_category"
                        " from raw.workforce order by line_number") == [
        (Decimal("1.0000"), Decimal("0.50"), "Permanent"), (Decimal("0.6000"), None, "Bank")]


BAD_ROWS = [
    # (source file, header, bad row, expected reason fragment)
    ("ledger/ledger_RXA_2024-05.csv", LEDGER_HEADER, "RXA,2024-05,C1,511100,12.3.4,x",
     "amount '12.3.4' is not a sum of money"),
    ("ledger/ledger_RXA_2024-05.csv", LEDGER_HEADER, "RXA,2024-06,C1,511100,5,x",
     "period 2024-06 is outside the months this file declares (2024-05)"),
    ("ledger/ledger_RXA_2024-05.csv", LEDGER_HEADER, ",2024-05,C1,511100,5,x", "org_code is missing"),
    ("ledger/ledger_RXA_2024-05.csv", LEDGER_HEADER, "RXA,2024-05,C1,511100,5,x,surplus",
     "line has 7 fields, the header has 6"),
    ("activity/activity_RXA_2024-05.csv", ACTIVITY_HEADER,
     "RXA,2024-05,XX,110,HN12C,,2,,1,9434765919,L1,SE1 7EH,1950-01-01", "pod 'XX' is not a point of delivery"),
    ("activity/activity_RXA_2024-05.csv", ACTIVITY_HEADER,
     "RXA,2024-05,OPFA,110,,attended,,,0,9434765919,L1,SE1 7EH,1950-01-01", "count '0' is below 1"),
    ("activity/activity_RXA_2024-05.csv", ACTIVITY_HEADER,
     "RXA,2024-05,OPFA,11,,attended,,,1,9434765919,L1,SE1 7EH,1950-01-01",
     "treatment_function_code '11' is not 3 digits"),
    ("activity/activity_RXA_2024-05.csv", ACTIVITY_HEADER,
     "RXA,2024-05,EL,110,,,2,,1,9434765919,L1,SE1 7EH,1950-01-01", "hrg_code is required for admitted care"),
    ("workforce/workforce_RXA_2024-05.csv", WORKFORCE_HEADER,
     "RXA,2024-05,2002-1,C1,Nursing,Band 5,Permanent,2.0,,A B,AB123456C,1980-01-01,2002,a@b.nhs.uk",
     "contracted_wte 2.0 is outside 0 < WTE <= 1.5"),
    ("workforce/workforce_RXA_2024-05.csv", WORKFORCE_HEADER,
     "RXA,2024-05,2002-1,C1,Nursing,Band 5,Permanent,0,,A B,AB123456C,1980-01-01,2002,a@b.nhs.uk",
     "contracted_wte 0 is outside 0 < WTE <= 1.5"),
    ("workforce/workforce_RXA_2024-05.csv", WORKFORCE_HEADER,
     "RXA,2024-05,1001-1,C2,Nursing,Band 5,Bank,0.2,,A B,AB123456C,1980-01-01,1001,a@b.nhs.uk",
     "duplicate assignment_number for RXA 2024-05"),
]
GOOD_ROWS = {
    "ledger": "RXA,2024-05,C1,511100,100.00,ok",
    "activity": "RXA,2024-05,EL,110,HN12C,,3,1,1,9434765919,L1,SE1 7EH,1950-01-01",
    "workforce": "RXA,2024-05,1001-1,C1,Nursing,Band 5,Permanent,1.0,,A B,AB123456C,1980-01-01,1001,a@b.nhs.uk",
}


@pytest.mark.parametrize("origin, header, bad, reason", BAD_ROWS, ids=[b[3][:40] for b in BAD_ROWS])
def test_each_bad_row_is_quarantined_with_its_line_and_reason(engine, settings, tmp_path,
                                                              origin, header, bad, reason):
    source = origin.split("/")[0]
    landing = tmp_path / "landing"
    write(landing, origin, "\n".join([header, GOOD_ROWS[source], bad, GOOD_ROWS[source]
                                      .replace("1001-1", "1003-1").replace("100.00", "1.00")]) + "\n")
    result = load_all(engine, settings, landing)[origin]
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 3, 2, 1)
    [(line, why)] = quarantine(engine, origin)
    assert line == 3 and reason in why
    logged = rows(engine, "select rows_read, rows_loaded, rows_quarantined from ops.load_log")
    assert logged == [(3, 2, 1)]
    assert rows(engine, f"select line_number from raw.{source} order by 1") == [(2,), (4,)]


@pytest.mark.parametrize("name, content, problem", [
    ("ledger/ledger_RXA_2024-05.csv", "org_code,period,cost_centre,amount\nRXA,2024-05,C1,5\n",
     "missing required column(s) subjective_code"),
    ("ledger/ledger_RXA_2024-05.csv", "", "has no header row"),
    ("ledger/ledger_RXA_2024-05.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x81\x8d", "binary data"),
    ("ledger/ledger_RXA_2024-05.csv", LEDGER_HEADER.encode() + b"\nRXA,2024-05,C1,5111,\x81\x8d,x\n",
     "cannot be read as UTF-8 or Windows-1252"),
    ("ledger/ledger_RXA_2024-05.xlsx", b"not a zip file at all", "is not a readable XLSX workbook"),
    ("reference/hierachy.csv", "org_code,cost_centre\nRXA,C1\n", "is not a known reference file"),
])
def test_unreadable_file_is_rejected_whole_and_leaves_slices_untouched(
        engine, settings, tmp_path, name, content, problem):
    first = tmp_path / "first"
    write(first, "ledger/ledger_RXA_2024-05.csv", f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,5,x\n")
    load_all(engine, settings, first)
    before = table_fingerprint(engine)
    write(landing := tmp_path / "second", name, content)
    result = load_all(engine, settings, landing)[name]
    assert result.status == "rejected"
    assert result.message.startswith(name) and problem in result.message
    assert table_fingerprint(engine) == before
    assert rows(engine, "select status, message from ops.load_log where load_id = :i",
                i=result.load_id) == [("rejected", result.message)]
    # A rejected file is not re-read (and re-logged) on every run.
    assert load_all(engine, settings, landing)[name].status == "unchanged"


def test_a_file_replaces_exactly_its_slices_and_the_same_bytes_are_a_no_op(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    baseline = [LEDGER_HEADER] + [f"RXA,2019-{m:02d},C1,511100,{m}00.00,x" for m in (4, 5, 6)] + [
        "RXB,2019-05,C1,511100,7.00,other org"]
    write(landing, "ledger/ledger_RXA_2019-20.csv", "\n".join(baseline) + "\n")
    load_all(engine, settings, landing)
    before = table_fingerprint(engine)
    assert load_all(engine, settings, landing)["ledger/ledger_RXA_2019-20.csv"].status == "unchanged"
    assert table_fingerprint(engine) == before

    # A corrected May for RXA only: RXA's April and June, and RXB's May, stay as they were.
    write(landing, "ledger/ledger_RXA_2019-05_corrected.csv",
          f"{LEDGER_HEADER}\nRXA,2019-05,C1,511100,555.55,fix\nRXA,2019-05,C2,511100,1.00,fix\n")
    os.utime(landing / "ledger/ledger_RXA_2019-05_corrected.csv", (2e9, 2e9))
    load_all(engine, settings, landing)
    assert rows(engine, "select org_code, to_char(period, 'YYYY-MM'), sum(amount), count(*)"
                        " from raw.ledger group by 1, 2 order by 1, 2") == [
        ("RXA", "2019-04", Decimal("400.00"), 1), ("RXA", "2019-05", Decimal("556.55"), 2),
        ("RXA", "2019-06", Decimal("600.00"), 1), ("RXB", "2019-05", Decimal("7.00"), 1)]
    assert rows(engine, "select l.source, s.org_code, to_char(s.period, 'YYYY-MM'), s.rows_loaded, s.control_total"
                        " from ops.load_slice s join ops.load_log l using (load_id)"
                        " where l.origin like '%corrected%'") == [
        ("ledger", "RXA", "2019-05", 2, Decimal("556.55"))]


def test_sources_load_side_by_side_each_keeping_its_files_in_order(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ledger/ledger_RXA_2024-05.csv", f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,1.00,first\n")
    write(landing, "ledger/ledger_RXA_2024-05_v2.csv", f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,2.00,second\n")
    write(landing, "workforce/workforce_RXA_2024-05.csv", f"{WORKFORCE_HEADER}\n{GOOD_ROWS['workforce']}\n")
    # The activity lane's first file is refused by COPY (a database whose count is narrower
    # than validation allows): rejected, and the lane goes on.
    with engine.begin() as conn:
        conn.execute(sa.text("alter table raw.activity add constraint narrow check (count < 30000)"))
    write(landing, "activity/activity_RXA_2024-05.csv",
          f"{ACTIVITY_HEADER}\nRXA,2024-05,EL,100,HN12C,,2,,40000,,,,\n")
    write(landing, "activity/activity_RXA_2024-06.csv", f"{ACTIVITY_HEADER}\n{GOOD_ROWS['activity']}"
          .replace("2024-05", "2024-06") + "\n")
    for age, name in enumerate(["ledger/ledger_RXA_2024-05.csv", "ledger/ledger_RXA_2024-05_v2.csv",
                                "activity/activity_RXA_2024-05.csv", "activity/activity_RXA_2024-06.csv"]):
        os.utime(landing / name, (1e9 + age, 1e9 + age))

    results = {r["origin"]: r for r in load_landing(engine, settings, landing)}
    assert results["activity/activity_RXA_2024-05.csv"]["status"] == "rejected"
    assert rows(engine, "select origin, status from ops.load_log order by origin") == [
        ("activity/activity_RXA_2024-05.csv", "rejected"),
        ("activity/activity_RXA_2024-06.csv", "loaded"),
        ("ledger/ledger_RXA_2024-05.csv", "loaded"),
        ("ledger/ledger_RXA_2024-05_v2.csv", "loaded"),
        ("workforce/workforce_RXA_2024-05.csv", "loaded")]
    # Within a lane the later file loaded last and replaced the earlier one's slice.
    assert rows(engine, "select amount, description from raw.ledger") == [(Decimal("2.00"), "second")]


def test_load_command_with_no_prefect_server_loads_in_its_own_process(database_url, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ledger/ledger_RXA_2024-05.csv", f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,1.00,x\nRXA,oops,C1,511100,1.00,x\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PRODPACK_"))}
    env |= {"PRODPACK_DATABASE_URL": database_url, "PRODPACK_HOME": str(tmp_path / ".prodpack"),
            "PRODPACK_PSEUDONYMISATION_KEY": "test-key", "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run([sys.executable, "-m", "prodpack.cli", "load", "--landing", str(landing)], check=False,
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"loaded 1 new input(s) of 1 in {landing}: 1 rows, 1 quarantined in 1 file(s)" in done.stdout
    # No temporary Prefect server was started to record the run: it would have made its database.
    assert not (tmp_path / "prefect").exists()


def test_a_value_the_database_refuses_rejects_the_file_and_leaves_the_database_as_it_was(
        engine, settings, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ledger/ledger_RXA_2024-05.csv", f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,5,\n")
    load_all(engine, settings, landing)
    before = table_fingerprint(engine)
    # A value that passes validation but not the column's type (here the database's column is
    # narrower than validation allows): COPY fails inside the transaction.
    with engine.begin() as conn:
        conn.execute(sa.text("alter table raw.ledger add constraint narrow"
                             " check (description is null or description::int > 0)"))
    write(landing, "ledger/ledger_RXA_2024-05.csv",
          f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,1.00,7\nRXA,2024-05,C1,511100,2.00,Jane Doe\n")
    result = load_all(engine, settings, landing)["ledger/ledger_RXA_2024-05.csv"]
    assert table_fingerprint(engine) == before
    assert rows(engine, "select status from ops.load_log order by load_id") == [("loaded",), ("rejected",)]
    # The file's own line (3) and the problem; never the value itself.
    assert result.message.startswith("ledger/ledger_RXA_2024-05.csv: line 3: invalid input syntax")
    assert "Jane" not in result.message


def test_no_personal_data_reaches_the_database(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    personal = ["Jane Doe", "AB123456C", "1980-01-01", "jane.doe@x.nhs.uk", "9434765919", "SE1 7EH",
                "L998877", "1001-1", "777001"]
    write(landing, "workforce/workforce_RXA_2024-05.csv", WORKFORCE_HEADER + "\n"
          "RXA,2024-05,1001-1,C1,Nursing,Band 5,Permanent,1.0,,Jane Doe,AB123456C,1980-01-01,777001,jane.doe@x.nhs.uk\n"
          # A bad row: its raw_row in quarantine must not carry the identifiers either.
          "RXA,2024-05,1001-1,C1,Nursing,Band 5,Permanent,9,,Jane Doe,AB123456C,1980-01-01,777001,jane.doe@x.nhs.uk\n")
    write(landing, "activity/activity_RXA_2024-05.csv", ACTIVITY_HEADER + "\n"
          "RXA,2024-05,EL,110,HN12C,,3,1,1,9434765919,L998877,SE1 7EH,1980-01-01\n"
          "RXA,2024-05,ZZ,110,HN12C,,3,1,1,9434765919,L998877,SE1 7EH,1980-01-01\n")
    results = load_all(engine, settings, landing)
    assert [r.rows_quarantined for r in results.values()] == [1, 1]
    everything = rows(engine, """
        select c.table_schema, c.table_name, c.column_name from information_schema.columns c
        where c.table_schema in ('raw', 'core', 'mart', 'ops')
          and c.data_type in ('text', 'jsonb', 'character varying', 'date')""")
    found = []
    for schema, table, column in everything:
        for value in personal:
            hits = rows(engine, f'select count(*) from {schema}.{table} where "{column}"::text like :v',
                        v=f"%{value}%")[0][0]
            if hits:
                found.append((schema, table, column, value))
    assert found == []


def test_warehouse_query_loads_like_a_file_and_is_a_no_op_when_unchanged(
        engine, settings, pg_server):
    name = "warehouse_" + make_url(str(engine.url)).database
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    warehouse_url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    warehouse = sa.create_engine(warehouse_url, poolclass=sa.pool.NullPool)
    try:
        with warehouse.begin() as conn:
            conn.execute(sa.text(
                "create table sus_apc (provider text, month text, pod text, tfc text, hrg text,"
                " los int, nhs_number text)"))
            conn.execute(sa.text(
                "insert into sus_apc values ('RXA', '2024-05', 'EL', '110', 'HN12C', 3, '9434765919'),"
                " ('RXA', '2024-05', 'EL', '110', 'HN12C', 4, '9434765920'),"
                " ('RXA', '2024-05', 'QQ', '110', 'HN12C', 4, '9434765921')"))
        configured = settings.model_copy(update={
            "warehouse_url": SecretStr(warehouse_url),
            "warehouse_queries": {"activity": (
                "select provider as org_code, month as period, pod, tfc as treatment_function_code,"
                " hrg as hrg_code, los as los_days, nhs_number from sus_apc order by los, pod")},
        })
        first = load_warehouse_source(engine, configured, "activity")
        assert (first.status, first.rows_read, first.rows_loaded, first.rows_quarantined) == (
            "loaded", 3, 2, 1)
        assert rows(engine, "select los_days, count from raw.activity order by 1") == [(3, 1), (4, 1)]
        before = table_fingerprint(engine)
        assert load_warehouse_source(engine, configured, "activity").status == "unchanged"
        assert table_fingerprint(engine) == before
        assert rows(engine, "select count(*) from ops.load_log") == [(1,)]
    finally:
        warehouse.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database "{name}" with (force)')


def test_reference_files_load_into_core_replacing_only_their_orgs(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "reference/hierarchy.csv",
          "org_code,cost_centre,cost_centre_name,service,directorate,clinical_group\n"
          "RXA,C1,Ward 1,Cardiology,Medicine,Medical\nRXA,C1,Ward 1 again,Cardiology,Medicine,Medical\n"
          "RXA,C2,Theatres,Surgery,Surgery,Surgical\n")
    write(landing, "reference/deflators.csv",
          "financial_year,pay_index,non_pay_index\n2019/20,1.000,1.000\n2024-25,1.25,1.20\n2025/26,x,1\n")
    results = load_all(engine, settings, landing)
    assert [(r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results.values()] == [
        (3, 2, 1), (3, 2, 1)]
    assert "duplicate org_code, cost_centre ('RXA', 'C1') (first at line 2)" in quarantine(
        engine, "reference/hierarchy.csv")[0][1]
    assert rows(engine, "select financial_year, pay_index from core.deflators order by 1") == [
        ("2019/20", Decimal("1.000000")), ("2024/25", Decimal("1.250000"))]
    # A later hierarchy for RXB leaves RXA's rows alone.
    write(landing, "reference/hierarchy.csv",
          "org_code,cost_centre,cost_centre_name,service,directorate,clinical_group\n"
          "RXB,D1,Ward,Cardiology,Medicine,Medical\n")
    load_all(engine, settings, landing)
    assert rows(engine, "select org_code, count(*) from core.hierarchy group by 1 order by 1") == [
        ("RXA", 2), ("RXB", 1)]


def test_each_correction_replaces_the_slice_whatever_its_history(engine, settings, tmp_path):
    # Replacing a slice deletes its holder's rows only: every earlier load's rows went with
    # the load that replaced them, so the fifth file costs what the second did.
    landing = tmp_path / "landing"
    for i in range(5):
        path = write(landing, f"ledger/ledger_RXA_2024-05_v{i}.csv",
                     f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,{i}.00,v{i}\nRXA,2024-05,C2,511100,1.00,v{i}\n")
        os.utime(path, (1e9 + i, 1e9 + i))
    # An older file dropped last keeps out of the slice the newest file holds.
    late = write(landing, "ledger/ledger_RXA_2024-05_late.csv",
                 f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,99.00,late\n")
    os.utime(late, (1e9 - 1, 1e9 - 1))
    for i in range(5):
        load_file(engine, settings, discover(landing)[i + 1])
    load_file(engine, settings, discover(landing)[0])

    assert rows(engine, "select amount, description from raw.ledger order by cost_centre") == [
        (Decimal("4.00"), "v4"), (Decimal("1.00"), "v4")]
    holder = rows(engine, "select l.origin from ops.load_slice s join ops.load_log l using (load_id)"
                          " order by s.load_id desc limit 1")
    assert holder == [("ledger/ledger_RXA_2024-05_v4.csv",)]
