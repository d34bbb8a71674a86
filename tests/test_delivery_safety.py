"""Deliveries a trust can trust: names stay text in every workbook, a report is whole or
absent, mail outages are bounded and said out loud, and the executive email goes once."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from databases import database_of_its_own

from schemas.settings import Settings
from tasks.calculate.run import calculate_month
from tasks.report.style import Book
from tasks.report.workbooks import write_reports

MONTH = "2024-06"
HOSTILE_GROUP = '=HYPERLINK("http://evil.example/x","Surgery")'
HOSTILE_DIRECTORATE = "+SUM(1,2)"
# xlsxwriter reads a chart title of this shape as a reference to a cell.
REFERENCE_LIKE_DIRECTORATE = "Theatres!A1"
HOSTILE_TRUST_NAME = '=HYPERLINK("http://evil.example/y","Trust")'
# The reports' own formulas: the packs' CIP totals, and the bridges' bars, built of nothing but
# cell references ('=F8', '=F8+E9', '=MIN(F8,F9)', '=MAX(-E9,0)').
OWN_FORMULA = re.compile(r"=SUMIF\(|=(MIN|MAX)?\(?-?[A-Z]+\d+([+,][A-Z]+\d+|,0)?\)?$")
HOSTILE = (HOSTILE_GROUP, HOSTILE_DIRECTORATE, REFERENCE_LIKE_DIRECTORATE, HOSTILE_TRUST_NAME)


@dataclass
class Hostile:
    settings: Settings
    engine: object
    written: list[dict]


@pytest.fixture(scope="module")
def hostile_reports(pg_server, template_db, tmp_path_factory):
    """June's reports and packs for two trusts whose hierarchy and peer names are formulas."""
    from synthetic import load_all, write_synthetic

    root = tmp_path_factory.mktemp("hostile")
    with database_of_its_own(pg_server, template_db, root, "test_safety") as (settings, engine):
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
        yield Hostile(settings, engine,
                      write_reports(engine, settings, MONTH, settings.reports_dir, None, True))


def test_hostile_names_stay_text_in_every_workbook(hostile_reports):
    assert {w["kind"] for w in hostile_reports.written} == {"executive", "pack"}
    shown = dict.fromkeys(HOSTILE, 0)
    for written in hostile_reports.written:
        path = Path(written["path"])
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            assert not ws._hyperlinks, (path.name, ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    where = (path.name, ws.title, cell.coordinate, cell.value)
                    assert cell.hyperlink is None, where
                    if cell.data_type == "f":
                        assert OWN_FORMULA.match(str(cell.value)), where
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
from tasks.report.style import Book
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


# --- mail: a server that never answers costs one timeout a run -----------------------------

class SilentServer:
    """A real TCP server on loopback that accepts every connection and never says a word."""

    def __init__(self) -> None:
        import socket
        import threading

        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._held: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self._held.append(self._listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self._listener.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def _mail_settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="prodpack@trust.example",
                    pseudonymisation_key="test-key", _env_file=None)


def test_an_unanswering_mail_server_costs_one_timeout_not_one_per_recipient(silent_server):
    import time

    from tasks.notify import NotificationError, delivery_run, send_email

    settings = _mail_settings(silent_server.port)
    recipients = [f"lead{i}@trust.example" for i in range(5)]
    errors = []
    started = time.monotonic()
    with delivery_run():
        for recipient in recipients:
            with pytest.raises(NotificationError) as failed:
                send_email(settings, [recipient], "subject", "text", timeout=1.0)
            errors.append(str(failed.value))
    elapsed = time.monotonic() - started

    assert elapsed < 2.5, elapsed                      # one 1 s timeout, not five
    assert "timed out" in errors[0] and "failed at connect" in errors[0], errors[0]
    for error in errors[1:]:
        assert f"mail server 127.0.0.1:{silent_server.port} did not answer earlier in this run" \
            in error and "not tried" in error, error


def test_the_runs_deadline_bounds_each_wait_and_a_new_run_tries_again(silent_server):
    import time

    from tasks.notify import NotificationError, delivery_run, send_email

    settings = _mail_settings(silent_server.port)
    started = time.monotonic()
    with delivery_run(seconds=0.5), pytest.raises(NotificationError, match="timed out"):
        send_email(settings, ["fd@trust.example"], "subject", "text", timeout=20)
    assert time.monotonic() - started < 2.0
    # The next run tries the server again (and meets its own timeout).
    with delivery_run(seconds=0.5), pytest.raises(NotificationError, match="failed at connect"):
        send_email(settings, ["fd@trust.example"], "subject", "text", timeout=20)


# --- the executive email: once per trust and month, unless the report changed --------------

def test_the_executive_email_goes_once_per_trust_and_month_unless_the_figures_change(
        hostile_reports, monkeypatch, tmp_path):
    import threading

    import sqlalchemy as sa
    from servers import Mailbox

    from tasks.report.task import email_executive_reports

    settings, engine = hostile_reports.settings, hostile_reports.engine
    box = Mailbox()
    monkeypatch.setenv("PRODPACK_DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("PRODPACK_PSEUDONYMISATION_KEY", "test-key")
    monkeypatch.setenv("PRODPACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PRODPACK_SMTP_PORT", str(box.port))
    monkeypatch.setenv("PRODPACK_EXECUTIVE_RECIPIENTS", "board@trust.nhs.test")

    def close_reports(out: Path) -> list[dict]:
        # What each close's report task hands on: the month's executive reports.
        return write_reports(engine, settings, MONTH, out, None, False)

    def emailed(reports) -> dict[str, dict]:
        return {e["org_code"]: e for e in email_executive_reports.fn(MONTH, reports)}

    def board_subjects() -> list[str]:
        return sorted(m["Subject"] for m in box.by_recipient().get("board@trust.nhs.test", []))

    down = emailed(close_reports(tmp_path / "run1"))            # the mail server is down
    assert all(e["error"] and not e["sent"] for e in down.values()), down
    box.start()
    try:
        up = emailed(close_reports(tmp_path / "run2"))          # the next run sends them
        assert all(e["sent"] for e in up.values()), up
        assert len(board_subjects()) == 2

        again = emailed(close_reports(tmp_path / "run3"))       # a re-run of the month: no news
        assert not any(e["sent"] for e in again.values())
        assert all("already sent" in e["skipped"] for e in again.values())
        assert len(board_subjects()) == 2

        with engine.begin() as conn:                            # a correction changes RXA's figures
            conn.execute(sa.text(
                "update mart.implied_productivity set ip_cost = ip_cost + 0.01"
                " where org_code = 'RXA' and period = :m and level = 'trust'"), {"m": MONTH})
        changed = close_reports(tmp_path / "run4")
        outcomes: list[dict] = []
        # Two closes of the month at once: the changed report still goes once.
        racing = [threading.Thread(target=lambda: outcomes.extend(
            email_executive_reports.fn(MONTH, changed))) for _ in range(2)]
        for thread in racing:
            thread.start()
        for thread in racing:
            thread.join()
        assert sorted(e["org_code"] for e in outcomes if e["sent"]) == ["RXA"]
        subjects = board_subjects()
        # RXA is titled by its (hostile) published name, RXB by its code.
        assert len(subjects) == 3 and sum("RXB" in s for s in subjects) == 1
    finally:
        box.stop()
    with engine.connect() as conn:
        logged = conn.execute(sa.text(
            "select org_code, status, attempts from ops.report_email where month = :m"
            " order by org_code, attempts"), {"m": MONTH}).all()
    assert [tuple(r) for r in logged] == [("RXA", "sent", 1), ("RXA", "sent", 2),
                                          ("RXB", "sent", 2)]


def test_a_failed_load_and_an_undelivered_notice_need_the_platform_team(monkeypatch):
    """The close's verdict: a file that failed to load is in the platform notice, and a
    notice that cannot be delivered is itself reported."""
    from servers import Mailbox

    from flows.monthly_close import _tell_the_platform_team

    box = Mailbox().start()
    failed = {"origin": "ledger/ledger_RXA_2024-06.csv", "source": "ledger", "status": "failed",
              "message": "ledger/ledger_RXA_2024-06.csv: the database refused the load"}
    rejected = {"origin": "ledger/x.csv", "source": "ledger", "status": "rejected",
                "message": "ledger/x.csv: missing required column(s) amount"}
    try:
        settings = _mail_settings(box.port).model_copy(
            update={"platform_recipients": ["platform@trust.nhs.test"]})
        attention = _tell_the_platform_team(settings, MONTH, [failed, rejected], [], {}, {}, [],
                                            dry_run=False)
        assert attention == [f"file failed to load: {failed['origin']}: {failed['message']}"]
        [notice] = box.by_recipient()["platform@trust.nhs.test"]
        assert "1 file(s) failed to load" in notice["Subject"]
        assert failed["origin"] in notice.get_body(("plain",)).get_content()
    finally:
        box.stop()
    # Mail down: the notice is lost unless the close says so.
    attention = _tell_the_platform_team(settings, MONTH, [failed], [], {}, {}, [], dry_run=False)
    assert len(attention) == 2 and "platform notice not delivered" in attention[1], attention
