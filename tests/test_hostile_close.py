"""The close on hostile input, as issue 13 checks it: the demo trusts' extracts with bad values,
hostile files and names added. Both trusts publish, the bad rows alone are quarantined, nothing
from outside the landing folder or from a rejected file's content reaches any output or table,
no name becomes a formula, and a reference file that fails whole keeps its table."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from prodpack.cli import main
from prodpack.demo import write_demo
from tasks.ingest.extract import normalise_header

pytestmark = pytest.mark.flow

MONTH = "2023-06"
EVIL_GROUP = '=HYPERLINK("http://evil.example/x","Surgery")'
EVIL_DIRECTORATE = "+SUM(1,2)"
EVIL_PEER = '=HYPERLINK("http://evil.example/p","Peer")'
# Values of the header-less ESR file: not one of them may be stored, logged or printed.
# The reports' own formulas: the packs' CIP totals, and the bridges' bars, built of nothing but
# cell references ('=F8', '=F8+E9', '=MIN(F8,F9)', '=MAX(-E9,0)').
OWN_FORMULA = re.compile(r"=SUMIF\(|=(MIN|MAX)?\(?-?[A-Z]+\d+([+,][A-Z]+\d+|,0)?\)?$")
PERSONAL = ["Jane Quarantino", "QQ123456C", "1981-02-03", "jane.quarantino@nhs.example",
            "87654321-9"]
OUTSIDE_SECRET = "root-of-all-secrets-7f3a"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]], extra: str = "") -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode() + extra.encode())


def _later(path: Path, seconds: int) -> None:
    """Dropped after the demo's own files: a correction of their slices."""
    stamp = path.stat().st_mtime + seconds
    os.utime(path, (stamp, stamp), follow_symlinks=False)


def _correction(landing: Path, source: str, name: str, corrected: str, extra: str,
                seconds: int) -> Path:
    header, rows = _read(landing / source / name)
    target = landing / source / corrected
    _write(target, header, rows, extra)
    _later(target, seconds)
    return target


def _line(header: list[str], base: dict[str, str], **changes: str) -> str:
    """A row like `base` with contract columns changed, in the file's own header spelling."""
    named = {normalise_header(h): h for h in header}
    row = {**base, **{named[column]: value for column, value in changes.items()}}
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerow([row.get(h, "") for h in header])
    return buffer.getvalue()


def _good(manifest: dict, origin: str, rows: list[dict[str, str]]) -> dict[str, str]:
    """A row of the demo file that is not one of its planted bad rows."""
    [planted] = [f for f in manifest["files"] if f["path"] == origin]
    bad_lines = {b["line"] for b in planted["bad"]}
    return next(row for line, row in enumerate(rows, start=2) if line not in bad_lines)


def _hostile_landing(landing: Path, home: Path, manifest: dict) -> dict[str, int]:
    """Add the issue's hostile input to the demo's landing folder; return bad rows per file."""
    bad: dict[str, int] = {}
    header, rows = _read(landing / "ledger" / "RXA_ledger_2023-06.csv")
    good = _good(manifest, "ledger/RXA_ledger_2023-06.csv", rows)
    # A description over two lines, then three bad values: their lines are the file's lines.
    extra = (_line(header, good, description="two\nlines")
             + _line(header, good, description="nul\x00byte")
             + _line(header, good, amount="99999999999999999999.99")
             + _line(header, good, amount="1,2,3"))
    _correction(landing, "ledger", "RXA_ledger_2023-06.csv", "RXA_ledger_2023-06_v2.csv", extra, 60)
    bad["ledger/RXA_ledger_2023-06_v2.csv"] = 3    # and one good row more

    header, rows = _read(landing / "activity" / "RXB_activity_2023-06.csv")
    good = _good(manifest, "activity/RXB_activity_2023-06.csv", rows)
    extra = "".join(_line(header, good, **change) for change in (
        {"count": "99999999999"}, {"los_days": "3000000000"}, {"period": "0000-01"},
        {"period": "1900-01"}, {"period": "2099-01"}))
    _correction(landing, "activity", "RXB_activity_2023-06.csv", "RXB_activity_2023-06_v2.csv",
                extra, 60)
    bad["activity/RXB_activity_2023-06_v2.csv"] = 5

    header, rows = _read(landing / "workforce" / "RXA_workforce_2023-06.csv")
    good = _good(manifest, "workforce/RXA_workforce_2023-06.csv", rows)
    extra = (_line(header, good, assignment_number="HOSTILE-1", sickness_fte_days="123456789012")
             + _line(header, good, assignment_number="HOSTILE-2", contracted_wte="0.00001"))
    _correction(landing, "workforce", "RXA_workforce_2023-06.csv", "RXA_workforce_2023-06_v2.csv",
                extra, 60)
    bad["workforce/RXA_workforce_2023-06_v2.csv"] = 2

    # UTF-8 with one Windows-1252 byte: the '£' of the other rows must stay '£'.
    header, rows = _read(landing / "ledger" / "RXB_ledger_2023-06.csv")
    target = landing / "ledger" / "RXB_ledger_2023-06_v2.csv"
    description = next(h for h in header if normalise_header(h) == "description")
    for row in rows:
        row[description] = "Café £ supplies"
    _write(target, header, rows)
    good = _good(manifest, "ledger/RXB_ledger_2023-06.csv", rows)
    bad_line = _line(header, good, description="Caf@").encode().replace(b"@", b"\xe9")
    target.write_bytes(target.read_bytes() + bad_line)
    _later(target, 60)
    bad["ledger/RXB_ledger_2023-06_v2.csv"] = 1

    # Files that are rejected whole, or refused without being opened.
    (landing / "activity" / "RXA_activity_2023-06_garbage.xlsx").write_bytes(_garbage_xlsx())
    with (landing / "ledger" / "RXA_ledger_2023-06_long.csv").open("wb") as handle:
        handle.write(b"x" * (20 << 20))
    noheader = ",".join(PERSONAL) + ",RXB,2023-06,C10101,Nursing,Band 5,Permanent,1.0\n"
    (landing / "workforce" / "RXB_workforce_2023-06_noheader.csv").write_text(noheader * 3)
    (landing / "ledger" / "RXA\nledger\x1b[31m_2023-06.csv").write_text("not,a,ledger\n1,2,3\n")
    (landing / "reference" / "ledger.csv").write_bytes(
        (landing / "ledger" / "RXA_ledger_2023-06.csv").read_bytes())
    home.mkdir(parents=True, exist_ok=True)
    outside = landing.parent / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"org_code,period\n{OUTSIDE_SECRET},2023-06\n")
    (landing / "ledger" / "RXA_ledger_2023-06_key.csv").symlink_to(home / "pseudonymisation.key")
    (landing / "workforce" / "RXA_workforce_2023-06_secret.csv").symlink_to(outside / "secret.csv")
    (landing / "activity" / "elsewhere").symlink_to(outside, target_is_directory=True)

    # Names that a spreadsheet would run as formulas.
    header, rows = _read(landing / "reference" / "hierarchy.csv")
    for row in rows:
        if row["org_code"] == "RXA" and row["clinical_group"] == "Surgery and Critical Care":
            row["clinical_group"] = EVIL_GROUP
            row["directorate"] = EVIL_DIRECTORATE
    _write(landing / "reference" / "hierarchy.csv", header, rows)
    header, rows = _read(landing / "reference" / "peers.csv")
    for row in rows:
        if row["org_code"] == rows[0]["org_code"]:
            row["org_name"] = EVIL_PEER
    _write(landing / "reference" / "peers.csv", header, rows)
    return bad


def _garbage_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types><<garbage")
        book.writestr("xl/workbook.xml", "not xml at all \x01\x02")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>")
    return buffer.getvalue()


def _every_text(engine) -> str:
    """Every row of every table prodpack owns, as text."""
    with engine.connect() as conn:
        tables = conn.execute(sa.text(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'core', 'mart', 'ops')"
            " and table_type = 'BASE TABLE'")).scalars().all()
        return "\n".join(
            "\n".join(conn.execute(sa.text(f"select t::text from {table} t")).scalars().all())
            for table in tables)


def _workbooks(folder: Path) -> dict[Path, openpyxl.Workbook]:
    return {path: openpyxl.load_workbook(path) for path in sorted(folder.rglob("*.xlsx"))}


def test_the_close_on_hostile_input_publishes_both_trusts_and_leaks_nothing(
        prefect_api, prodpack_env, engine, capsys, monkeypatch):
    monkeypatch.setenv("PRODPACK_DQ_MATERIALITY_ERROR", "0.5")
    landing, home = prodpack_env.landing_dir, prodpack_env.home
    manifest = write_demo(landing, seed=7, scale=0.03, last_month=MONTH)
    bad_rows = _hostile_landing(landing, home, manifest)

    status = main(["run", "--month", MONTH, "--packs"])
    out, err = capsys.readouterr()
    assert status == 0, err

    month = prodpack_env.reports_dir / MONTH
    for org in ("RXA", "RXB"):
        assert (month / f"executive_report_{org}_{MONTH}.xlsx").exists(), err

    with engine.connect() as conn:
        logged = {r.origin: r for r in conn.execute(sa.text(
            "select origin, status, rows_read, rows_loaded, rows_quarantined, message, load_id"
            " from ops.load_log"))}
        originals = {o: logged[o.replace("_v2", "")] for o in bad_rows}
        for origin, count in bad_rows.items():
            row, original = logged[origin], originals[origin]
            assert row.status == "loaded", row.message
            assert row.rows_quarantined == original.rows_quarantined + count
            added_good = 1 if origin == "ledger/RXA_ledger_2023-06_v2.csv" else 0
            assert row.rows_loaded == original.rows_loaded + added_good
            assert row.rows_read == row.rows_loaded + row.rows_quarantined
        # The ledger's bad lines are the last three lines of the file, counted as an editor does.
        ledger_lines = (landing / "ledger" / "RXA_ledger_2023-06_v2.csv").read_bytes().count(b"\n")
        quarantined = conn.execute(sa.text(
            "select line_number from ops.quarantine where load_id = :id order by line_number"),
            {"id": logged["ledger/RXA_ledger_2023-06_v2.csv"].load_id}).scalars().all()
        assert quarantined[-3:] == [ledger_lines - 2, ledger_lines - 1, ledger_lines]
        descriptions = conn.execute(sa.text(
            "select distinct description from raw.ledger l join ops.load_log g using (load_id)"
            " where g.origin = 'ledger/RXB_ledger_2023-06_v2.csv'")).scalars().all()
        assert descriptions == ["Café £ supplies"]
        statuses = {origin: row.status for origin, row in logged.items()}
    for origin in ("activity/RXA_activity_2023-06_garbage.xlsx", "ledger/RXA_ledger_2023-06_long.csv",
                   "workforce/RXB_workforce_2023-06_noheader.csv", "reference/ledger.csv",
                   "ledger/RXA_ledger_2023-06_key.csv", "workforce/RXA_workforce_2023-06_secret.csv"):
        assert statuses.get(origin) == "rejected", (origin, statuses)
        assert (out + err).count(origin) == 1, err     # said once, not once per layer
    assert not any(s == "failed" for s in statuses.values()), statuses
    assert "ledger/RXA\\nledger\\x1b[31m_2023-06.csv" in statuses
    assert "\x1b" not in out + err

    # Nothing personal, nothing from outside the folder, no key, in any output or table.
    key = (home / "pseudonymisation.key").read_text().strip() \
        if (home / "pseudonymisation.key").exists() else "test-key"
    books = _workbooks(prodpack_env.reports_dir)
    cells = [c for book in books.values() for ws in book.worksheets for r in ws.iter_rows() for c in r]
    report_text = "\n".join(str(c.value) for c in cells if c.value is not None)
    everything = "\n".join([out, err, _every_text(engine), report_text])
    for secret in [*PERSONAL, OUTSIDE_SECRET, key]:
        assert secret not in everything, secret

    # The hostile names are there, as text; the only formulas are the reports' own.
    assert EVIL_GROUP in report_text and EVIL_DIRECTORATE in report_text
    formulas = [c.value for c in cells if c.data_type == "f"]
    assert all(OWN_FORMULA.match(f) for f in formulas), formulas
    assert not [c for c in cells if c.hyperlink is not None]

    # A deflators file whose every row is bad keeps the table, and the next close succeeds.
    with engine.connect() as conn:
        before = conn.execute(sa.text("select * from core.deflators order by 1")).all()
    (landing / "reference" / "deflators.csv").write_text(
        "financial_year,pay_index,non_pay_index\n2019/20,one,1\n2020/21,-1,x\n")
    status = main(["run", "--month", MONTH])
    out, err = capsys.readouterr()
    assert status == 0, err
    with engine.connect() as conn:
        assert conn.execute(sa.text("select * from core.deflators order by 1")).all() == before
        [(message,)] = conn.execute(sa.text(
            "select message from ops.load_log where origin = 'reference/deflators.csv'"
            " and status = 'rejected'")).all()
    assert "kept" in message
