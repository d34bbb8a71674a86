"""Deliveries a trust can trust: names stay text in every workbook, a report is whole or
absent, mail outages are bounded and said out loud, and the executive email goes once."""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import psycopg
import pytest
from sqlalchemy.engine import make_url

from prodpack import db
from schemas.settings import Settings
from tasks.calculate import calculate_month
from tasks.report import write_reports
from tasks.report_style import Book

MONTH = "2024-06"
HOSTILE_GROUP = '=HYPERLINK("http://evil.example/x","Surgery")'
HOSTILE_DIRECTORATE = "+SUM(1,2)"
# xlsxwriter reads a chart title of this shape as a reference to a cell.
REFERENCE_LIKE_DIRECTORATE = "Theatres!A1"
HOSTILE_TRUST_NAME = '=HYPERLINK("http://evil.example/y","Trust")'
HOSTILE = (HOSTILE_GROUP, HOSTILE_DIRECTORATE, REFERENCE_LIKE_DIRECTORATE, HOSTILE_TRUST_NAME)


def _database(pg_server, template_db) -> tuple[str, str]:
    name = f"test_safety_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template_db}"')
    return admin, name


@pytest.fixture(scope="module")
def hostile_reports(pg_server, template_db, tmp_path_factory):
    """June's reports and packs for two trusts whose hierarchy and peer names are formulas."""
    from synthetic import load_all, write_synthetic

    admin, name = _database(pg_server, template_db)
    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(
        database_url=make_url(pg_server).set(database=name).render_as_string(hide_password=False),
        home=root / ".prodpack", landing_dir=root / "landing", reports_dir=root / "reports",
        pseudonymisation_key="test-key", _env_file=None)
    engine = db.engine(settings)
    try:
        write_synthetic(settings.landing_dir)
        reference = settings.landing_dir / "reference"
        hierarchy = pd.read_csv(reference / "hierarchy.csv", dtype=str)
        hierarchy["clinical_group"] = hierarchy["clinical_group"].replace("Medical", HOSTILE_GROUP)
        hierarchy["directorate"] = hierarchy["directorate"].replace(
            {"Medicine": HOSTILE_DIRECTORATE, "Surgery": REFERENCE_LIKE_DIRECTORATE})
        hierarchy.to_csv(reference / "hierarchy.csv", index=False)
        peers = pd.read_csv(reference / "peers.csv", dtype=str)
        # A published name for one of our own trusts: it titles that trust's reports.
        peers.loc[len(peers)] = ["RXA", HOSTILE_TRUST_NAME, "2019-04", "month", "0.01"]
        peers.to_csv(reference / "peers.csv", index=False)
        load_all(engine, settings, settings.landing_dir)
        for month in ("2024-04", "2024-05", MONTH):
            calculate_month(engine, settings, month)
        yield write_reports(engine, settings, MONTH, settings.reports_dir, None, True)
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def test_hostile_names_stay_text_in_every_workbook(hostile_reports):
    assert {w["kind"] for w in hostile_reports} == {"executive", "pack"}
    shown = dict.fromkeys(HOSTILE, 0)
    for written in hostile_reports:
        path = Path(written["path"])
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            assert not ws._hyperlinks, (path.name, ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    where = (path.name, ws.title, cell.coordinate, cell.value)
                    assert cell.hyperlink is None, where
                    if cell.data_type == "f":
                        # The packs' one formula of their own: a CIP total.
                        assert str(cell.value).startswith("=SUMIF("), where
                    elif isinstance(cell.value, str):
                        for name in HOSTILE:
                            shown[name] += name in cell.value
        for defined in wb.defined_names.values():
            for sheet, _ in defined.destinations:
                assert sheet in wb.sheetnames, (path.name, defined.name, sheet)
        with zipfile.ZipFile(path) as xlsx:
            for member in xlsx.namelist():
                if member.startswith("xl/charts/chart"):
                    chart = xlsx.read(member).decode()
                    # A title or series name read from a cell is a reference (c:strRef).
                    for title in re.findall(r"<c:title>.*?</c:title>", chart, re.DOTALL):
                        assert "<c:strRef>" not in title, (path.name, member, title)
    # The test means something only if every name reached some cell as text.
    assert all(shown.values()), shown


# A child process whose files may not grow past a few kilobytes: a real write failure, as a
# full disk gives, in the middle of writing the workbook (SIGXFSZ ignored, so write() fails).
_WRITE_WITH_SMALL_FILE_LIMIT = """
import resource, signal, sys
from pathlib import Path
from tasks.report_style import Book
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))
book = Book(Path(sys.argv[1]), footer="test")
ws = book.sheet("Figures")
for row in range(3000):
    book.text(ws, row, 1, f"service {row}: a longer label that does not compress to nothing {row * 7919}")
    book.number(ws, row, 2, row / 7, "0.000")
book.close()
"""


def _small_book(path: Path, label: str) -> None:
    book = Book(path, footer="test")
    book.text(book.sheet("Figures"), 0, 1, label)
    book.close()


def test_a_report_failing_mid_write_leaves_the_last_good_one_and_names_its_path(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "2024-06" / "executive_report_RXA_2024-06.xlsx"
    _small_book(path, "last month's good report")
    good = path.read_bytes()

    child = subprocess.run([sys.executable, "-c", _WRITE_WITH_SMALL_FILE_LIMIT, str(path)],
                           capture_output=True, text=True, cwd=Path(__file__).parents[1],
                           timeout=120, check=False)
    assert child.returncode != 0
    last_line = child.stderr.strip().splitlines()[-1]
    assert str(path) in last_line, child.stderr
    assert path.read_bytes() == good
    assert openpyxl.load_workbook(path)["Figures"]["B1"].value == "last month's good report"
    assert [p.name for p in path.parent.iterdir()] == [path.name]   # no temporary file left
