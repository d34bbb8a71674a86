"""Hostile input: single bad values, damaged files, links and odd names, files changing while read.

Each test reproduces a failure seen on real input (issue 13); files are real, in tmp_path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
import sqlalchemy as sa

from tasks.ingest.extract import (
    UTF8_REPLACING,
    FileChanged,
    FileRejected,
    discover,
    hash_and_encoding,
    landed_file,
    read_csv,
    read_xlsx,
)
from tasks.ingest.load import load_file
from tasks.ingest.validate import ValidationContext, validate_chunk

LEDGER = "org_code,period,cost_centre,subjective_code,amount,description"
WORKFORCE = ("org_code,period,assignment_number,cost_centre,staff_group,pay_band,"
             "assignment_category,contracted_wte,sickness_fte_days,employee_name,ni_number")
ACTIVITY = ("org_code,period,pod,treatment_function_code,hrg_code,attendance_status,"
            "los_days,preop_days,count")
GOOD = {
    "ledger": ["RXA,2024-05,C1,511100,100.00,Agency nurse", "RXA,2024-05,C1,511100,50,"],
    "workforce": ["RXA,2024-05,1-1,C1,N,5,Permanent,1,2,A Person,AB123456C",
                  "RXA,2024-05,2-1,C1,N,5,Bank,0.5,,B Person,CD123456E"],
    "activity": ["RXA,2024-05,EL,110,HN12C,,3,1,1", "RXA,2024-05,OPFA,110,,attended,,,2"],
}
HEADERS = {"ledger": LEDGER, "workforce": WORKFORCE, "activity": ACTIVITY}


def write(landing: Path, relative: str, content: str | bytes) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def read_all(source_file, **options):
    _content_hash, encoding, problem = hash_and_encoding(source_file.path, source_file.origin)
    assert problem is None
    if source_file.path.suffix == ".xlsx":
        _columns, chunks = read_xlsx(source_file, None, 1000, **options)
    else:
        _columns, chunks = read_csv(source_file, encoding, None, 1000, **options)
    return encoding, list(chunks)


# --- 1. one bad value is one quarantined row ---------------------------------------------

@pytest.mark.parametrize("source, bad", [
    ("ledger", "RXA,2024-05,C1,511100,12.00,Agency\x00nurse"),
    ("ledger", "RXA,2024-05,C1,511100,99999999999999999999.99,"),
    ("ledger", "RXA,0000-01,C1,511100,1,"),
    ("ledger", 'RXA,2024-05,C1,511100,"1,2,3",'),
    ("ledger", "RXA,2099-01,C1,511100,1,"),
    ("workforce", "RXA,2024-05,3-1,C1,N,5,Permanent,1,123456789012,C Person,EF123456G"),
    ("workforce", "RXA,2024-05,3-1,C1,N,5,Permanent,0.00001,,C Person,EF123456G"),
    ("activity", "RXA,2024-05,EL,110,HN12C,,1,1,99999999999"),
    ("activity", "RXA,2024-05,EL,110,HN12C,,3000000000,1,1"),
])
def test_a_bad_value_is_one_quarantined_row_and_the_rest_loads(engine, settings, tmp_path, source, bad):
    lines = [HEADERS[source], GOOD[source][0], bad, GOOD[source][1]]
    write(tmp_path, f"{source}/RXA_{source}.csv", "\n".join(lines) + "\n")
    result = load_file(engine, settings, landed_file(tmp_path, f"{source}/RXA_{source}.csv"))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 3, 2, 1)
    with engine.connect() as conn:
        line, raw_row = conn.execute(sa.text(
            "select line_number, raw_row::text from ops.quarantine where load_id = :l"),
            {"l": result.load_id}).one()
    assert line == 3 and "\\u0000" not in raw_row


# --- 3. reader errors are rejections naming file and line, never quoting content -----------

def _workbook(path: Path, rows: int = 50) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(LEDGER.split(","))
    for n in range(rows):
        sheet.append(["RXA", "2024-05", "C1", "511100", n, "Line"])
    book.save(path)


def _rewrite(path: Path, member: str, change) -> None:
    with zipfile.ZipFile(path) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w") as new:
        for name, data in parts.items():
            new.writestr(name, data)


@pytest.mark.parametrize("member, change, where", [
    ("xl/workbook.xml", lambda xml: b"<workbook><<garbage secret-value", "row 1"),
    ("xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2] + b"<<garbage secret-value",
     "reading row"),
])
def test_a_workbook_with_garbage_xml_is_rejected_naming_file_and_row(tmp_path, member, change, where):
    path = tmp_path / "ledger" / "RXA_ledger.xlsx"
    path.parent.mkdir()
    _workbook(path)
    _rewrite(path, member, change)
    with pytest.raises(FileRejected) as rejected:
        read_all(landed_file(tmp_path, "ledger/RXA_ledger.xlsx"))
    message = str(rejected.value)
    assert message.startswith("ledger/RXA_ledger.xlsx: ") and where in message
    assert "secret" not in message


def test_a_file_without_line_breaks_is_rejected_without_reading_it_whole(tmp_path):
    big = tmp_path / "ledger" / "RXA_ledger.csv"
    big.parent.mkdir()
    with big.open("wb") as out:
        for _ in range(64):
            out.write(b"secret-value," * (1 << 16))    # 52 MB, one line
    tracemalloc.start()
    with pytest.raises(FileRejected) as rejected:
        read_all(landed_file(tmp_path, "ledger/RXA_ledger.csv"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "line 1 is longer than 1 MiB" in str(rejected.value)
    assert "secret" not in str(rejected.value)
    assert peak < 16 << 20


def test_a_long_line_deep_in_a_file_is_rejected_naming_its_own_line(tmp_path):
    # Arrow reads well ahead of the rows it hands over: the line it stopped at is not the one.
    rows = [LEDGER] + [f"RXA,2024-05,C1,511100,{i},x" for i in range(200_000)]
    rows.insert(150_001, "RXA,2024-05,C1,511100,1," + "secret" * 300_000)
    write(tmp_path, "ledger/RXA_ledger.csv", "\n".join(rows) + "\n")
    with pytest.raises(FileRejected) as rejected:
        read_all(landed_file(tmp_path, "ledger/RXA_ledger.csv"))
    assert str(rejected.value).startswith("ledger/RXA_ledger.csv: line 150002 is longer than 1 MiB")
    assert "secret" not in str(rejected.value)


def test_a_long_line_after_the_header_is_rejected_naming_the_line(tmp_path):
    rows = [LEDGER] + ["RXA,2024-05,C1,511100,1,x"] * 3 + ["RXA,2024-05,C1,511100,1," + "secret" * 700_000]
    write(tmp_path, "ledger/RXA_ledger.csv", "\n".join(rows) + "\n")
    with pytest.raises(FileRejected) as rejected:
        read_all(landed_file(tmp_path, "ledger/RXA_ledger.csv"))
    message = str(rejected.value)
    assert message.startswith("ledger/RXA_ledger.csv: ") and "line 5" in message
    assert "secret" not in message


def test_a_file_without_a_header_row_names_no_personal_value(tmp_path):
    write(tmp_path, "workforce/RXA_esr.csv",
          "RXA,2024-05,12345678-2,C1,N,5,Permanent,1,,Jane Doe,AB123456C,1980-01-01,"
          "jane.doe@nhs.net\n")
    with pytest.raises(FileRejected) as rejected:
        read_all(landed_file(tmp_path, "workforce/RXA_esr.csv"))
    message = str(rejected.value)
    assert "missing required column(s) org_code, period" in message
    assert "13 other column(s)" in message
    for personal in ("Jane", "AB123456C", "1980", "jane.doe", "12345678"):
        assert personal not in message


# --- 4. line numbers are the file's -----------------------------------------------------

def test_quarantined_lines_are_the_files_lines_after_a_multi_line_value(tmp_path):
    text = "\n".join([
        LEDGER + ",notes",
        'RXA,2024-05,C1,511100,1,"two\nlines",x',              # lines 2-3
        'RXA,2024-05,C1,511100,1,plain,"note\r\nover\nthree"',  # lines 4-6, in a dropped column
        "RXA,2024-05,C1,511100,n/a,bad amount,x",             # line 7
        "RXA,2024-05,C1,511100,1,too,many,fields,x",          # line 8
        "RXA,2024-05,C1,511100,2,fine,x",                     # line 9
    ]) + "\n"
    write(tmp_path, "ledger/RXA_ledger.csv", text)
    _, chunks = read_all(landed_file(tmp_path, "ledger/RXA_ledger.csv"))
    checked = [validate_chunk("ledger", c.frame, ValidationContext()) for c in chunks]
    loaded = [n for v in checked for n in v.table["line_number"].to_pylist()]
    quarantined = [n for v in checked for n in v.rejects["line_number"].tolist()]
    parser = [n for c in chunks for n, _ in c.bad_lines]
    assert (loaded, quarantined, parser) == ([2, 4, 9], [7], [8])


# --- 5. mixed encodings -------------------------------------------------------------------

def test_a_utf8_file_with_one_windows_byte_is_utf8_with_that_row_quarantined(tmp_path):
    content = (f"{LEDGER}\nRXA,2024-05,C1,511100,1,Café £ supplies\nRXA,2024-05,C1,511100,2,bad".encode()
               + b" \xa3 byte\nRXA,2024-05,C1,511100,3,fine\n")
    write(tmp_path, "ledger/RXA_ledger.csv", content)
    source_file = landed_file(tmp_path, "ledger/RXA_ledger.csv")
    encoding, chunks = read_all(source_file)
    assert encoding == UTF8_REPLACING
    [checked] = [validate_chunk("ledger", c.frame, ValidationContext()) for c in chunks]
    assert checked.rows["description"].tolist() == ["Caf\u00e9 \u00a3 supplies", "fine"]
    assert checked.rejects["line_number"].tolist() == [3]
    assert "not UTF-8" in checked.rejects["reason"][0]


def test_a_windows_file_with_no_utf8_character_stays_windows_1252(tmp_path):
    write(tmp_path, "ledger/RXA_ledger.csv", (LEDGER + "\nRXA,2024-05,C1,511100,1,\xa3 caf\xe9\n")
          .encode("cp1252"))
    encoding, chunks = read_all(landed_file(tmp_path, "ledger/RXA_ledger.csv"))
    assert encoding == "cp1252"
    assert chunks[0].frame["description"].to_pylist() == ["\u00a3 caf\u00e9"]


# --- 6. the landing folder is a boundary -------------------------------------------------

def test_links_and_unknown_reference_files_are_refused_unopened(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    write(outside, "secret.csv", "the first line is a secret\n")
    write(outside, "ledger/RXB_ledger.csv", LEDGER + "\n")
    write(landing, "workforce/RXA_esr.csv", WORKFORCE + "\n")
    write(landing, "reference/ledger.csv", LEDGER + "\n")
    (landing / "workforce" / "RXA_link.csv").symlink_to(outside / "secret.csv")
    (landing / "ledger").symlink_to(outside / "ledger")
    found = {f.relative: f for f in discover(landing)}
    assert sorted(found) == ["ledger", "reference/ledger.csv", "workforce/RXA_esr.csv",
                             "workforce/RXA_link.csv"]
    assert found["workforce/RXA_esr.csv"].refusal is None
    assert "is a symbolic link: refused" in found["workforce/RXA_link.csv"].refusal
    assert "is a symbolic link: refused" in found["ledger"].refusal
    assert "is not a known reference file; expected one of hierarchy.csv" in (
        found["reference/ledger.csv"].refusal)
    assert found["workforce/RXA_esr.csv"].size == len(WORKFORCE) + 1
    linked = landed_file(landing, "workforce/RXA_link.csv")
    assert linked.refusal is not None and linked.size >= 0


def test_a_link_swapped_in_after_discover_is_not_followed(tmp_path):
    write(tmp_path, "secret.csv", "the first line is a secret\n")
    path = write(tmp_path / "landing", "ledger/RXA_ledger.csv", LEDGER + "\n")
    [source_file] = discover(tmp_path / "landing")
    path.unlink()
    path.symlink_to(tmp_path / "secret.csv")
    with pytest.raises(FileRejected) as rejected:
        read_csv(source_file, "utf-8", None, 1000)
    assert "symbolic link" in str(rejected.value) and "secret" not in str(rejected.value)
    with pytest.raises(FileRejected):
        hash_and_encoding(source_file, source_file.origin)


def test_control_characters_in_a_file_name_are_escaped_where_it_is_shown(tmp_path):
    name = "RXA\nloaded  fake.csv\x1b[31m\x7f\x9b\u202e.csv"
    write(tmp_path, f"ledger/{name}", LEDGER + "\nRXA,2024-05,C1,511100,1,x\n")
    [source_file] = discover(tmp_path)
    assert source_file.relative == f"ledger/{name}"
    assert source_file.origin == "ledger/RXA\\nloaded  fake.csv\\x1b[31m\\x7f\\x9b\\u202e.csv"
    _, chunks = read_all(landed_file(tmp_path, source_file.relative))
    assert chunks[0].frame.num_rows == 1


# --- 7. what is recorded loaded is what was read -------------------------------------------

def _ledger_rows(count: int) -> str:
    return LEDGER + "\n" + "".join(f"RXA,2024-05,C{n % 50},511100,{n}.50,Line {n}\n"
                                   for n in range(count))


def test_a_file_truncated_while_it_is_read_is_not_loaded(tmp_path):
    path = write(tmp_path, "ledger/RXA_ledger.csv", _ledger_rows(200_000))
    source_file = landed_file(tmp_path, "ledger/RXA_ledger.csv")
    content_hash, encoding, _ = hash_and_encoding(source_file, source_file.origin)
    _, chunks = read_csv(source_file, encoding, None, 1000, expected_hash=content_hash)
    next(chunks)
    with path.open("r+b") as handle:
        handle.truncate(5_000)
    assert not issubclass(FileChanged, FileRejected)
    with pytest.raises(FileChanged, match="^ledger/RXA_ledger.csv: changed while it was read"):
        for _ in chunks:
            pass


def test_a_file_replaced_after_it_was_hashed_is_not_loaded(tmp_path):
    path = write(tmp_path, "ledger/RXA_ledger.csv", _ledger_rows(10))
    source_file = landed_file(tmp_path, "ledger/RXA_ledger.csv")
    content_hash, _encoding, _ = hash_and_encoding(source_file, source_file.origin)
    write(tmp_path, "ledger/RXA_ledger.csv", _ledger_rows(5))
    os.utime(path, ns=(source_file.modified_ns, source_file.modified_ns))
    with pytest.raises(FileChanged):
        read_all(source_file, expected_hash=content_hash)
    # Nothing changed: the same reader reads it whole.
    fresh = landed_file(tmp_path, "ledger/RXA_ledger.csv")
    content_hash, _, _ = hash_and_encoding(fresh, fresh.origin)
    _, chunks = read_all(fresh, expected_hash=content_hash)
    assert sum(c.frame.num_rows for c in chunks) == 5


def test_a_workbook_changed_after_it_was_hashed_is_not_loaded(tmp_path):
    path = tmp_path / "ledger" / "RXA_ledger.xlsx"
    path.parent.mkdir()
    _workbook(path)
    source_file = landed_file(tmp_path, "ledger/RXA_ledger.xlsx")
    content_hash, _, _ = hash_and_encoding(source_file, source_file.origin)
    _workbook(path, rows=10)
    with pytest.raises(FileChanged):
        read_all(source_file, expected_hash=content_hash)


def test_arrow_reads_through_the_replacing_codec():
    # The codec is looked up by name by Arrow's transcoder, not only by Python.
    import pyarrow.csv as pacsv
    table = pacsv.read_csv(pa.BufferReader(b"a\n\xc2\xa3\xa3\n"),
                           read_options=pacsv.ReadOptions(encoding=UTF8_REPLACING))
    assert table["a"].to_pylist() == ["\u00a3\ufffd"]


def test_a_process_that_exits_right_after_a_rejected_file_exits_cleanly(tmp_path):
    # Arrow reads ahead through Python on a thread of its own: left running, it aborted the
    # interpreter at exit (status 134) after a file rejected part way.
    write(tmp_path, "ledger/RXA_ledger.csv",
          LEDGER + '\nRXA,2024-05,C1,511100,1,"secret' + "x,y\n" * 1_500_000)
    script = ("import sys; from pathlib import Path; from tasks.ingest.extract import *\n"
              "f = landed_file(Path(sys.argv[1]), 'ledger/RXA_ledger.csv')\n"
              "h, e, _ = hash_and_encoding(f, f.origin)\n"
              "try:\n    list(read_csv(f, e, None, 1000, expected_hash=h)[1])\n"
              "except FileRejected as rejected:\n    print(rejected)\n")
    for _ in range(4):
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                              text=True, timeout=120, cwd=Path(__file__).parents[1], check=False)
        assert done.returncode == 0, done.stderr[-500:]
        assert "a quote that is never closed (or a quoted value over 1 MiB), after line 2" in done.stdout
        assert "secret" not in done.stdout
