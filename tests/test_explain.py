"""`prodpack explain`: the figure as the mart holds it, its drivers largest first, its SPC
reading, and exactly the files of the trust's months that its calculation read; a one-line
reason and status 2 for every kind of unknown input."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from synthetic import (
    ORGS,
    PRIOR_MONTHS,
    REPORT,
    load_all,
    load_synthetic,
    reference_frames,
    synthetic_sources,
    write_synthetic,
)

from prodpack.cli import main
from tasks.calculate.months_due import months_to_calculate
from tasks.calculate.run import calculate_month

FACT_SOURCES = ("ledger", "workforce", "activity")
NUMBER = r"([+-]?[\d,]+(?:\.\d+)?)"


def close(engine, settings, month: str = REPORT) -> None:
    """The calculations a close of the month does: the months due first, then the month."""
    for m in months_to_calculate(engine, month, settings.base_year):
        calculate_month(engine, settings, m)
    calculate_month(engine, settings, month)


def explain(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["explain", *args])
    out, err = capsys.readouterr()
    return status, out, err


def section(out: str, heading: str) -> list[str]:
    """The lines of the output's section that starts with heading, up to the blank line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def printed(out: str, label: str, unit: str = "%") -> float:
    """The value printed after a label: a percentage, pounds or WTE."""
    pattern = re.escape(label) + r"\s+(-?)(?:\+)?£?" + r"([\d,]+(?:\.\d+)?)" + re.escape(unit)
    match = re.search(pattern, out)
    assert match, f"{label!r} not in the output"
    return -number(match[2]) if match[1] else number(match[2])


def mart_row(engine, table: str, **key) -> dict:
    where = " and ".join(f"{k} = :{k}" for k in key)
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(f"select * from {table} where {where}"), key)
                    .mappings().one())


def frame(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


@pytest.fixture
def calculated(engine, settings, tmp_path, prodpack_env):
    load_synthetic(engine, settings, tmp_path)
    close(engine, settings)
    return tmp_path / "landing"


def test_the_figure_its_drivers_and_its_spc_reading_are_the_marts(
        engine, calculated, capsys):
    status, out, err = explain(capsys, "--org", "rxa", "--node", "MEDICAL", "--month", REPORT)
    assert status == 0, err
    figure = mart_row(engine, "mart.implied_productivity", org_code="RXA", period=REPORT,
                      time_window="ytd", basis="base_year", level="clinical_group",
                      node="Medical")
    assert out.splitlines()[0].startswith("Clinical group Medical")
    assert "against 2019/20" in out.splitlines()[1]
    for label, value in [("(IPc)", figure["ip_cost"]), ("(IPw)", figure["ip_wte"]),
                         ("Activity growth (cost-weighted)", figure["activity_index"] - 1),
                         ("Real-terms cost growth", figure["cost_index"] - 1),
                         ("Workforce (WTE) growth", figure["wte_index"] - 1)]:
        assert printed(out, label) == pytest.approx(float(value) * 100, abs=0.051), label
    assert printed(out, "Cost opportunity, £ at 2019/20 prices", "") == pytest.approx(
        float(figure["cost_opportunity"]), abs=0.51)
    assert printed(out, "WTE opportunity", " WTE") == pytest.approx(
        float(figure["wte_opportunity"]), abs=0.051)

    # Drivers: every component of each side, its contribution in percentage points, the
    # largest first, and on the cost side its share of the opportunity.
    drivers = frame(engine, "select * from mart.ip_driver where org_code = 'RXA'"
                            " and period = :p and time_window = 'ytd' and basis = 'base_year'"
                            " and level = 'clinical_group' and node = 'Medical'", p=REPORT)
    # Each component in mart.label's words (a POD after its code), as the reports name it.
    words = dict(frame(engine, "select code, label from mart.label"
                               " where kind = 'driver_component'").itertuples(index=False))

    def named(side: str, component: str) -> str:
        name = words.get(component, component)
        name = f"{component}, {name}" if side == "activity" else name
        return name[:1].upper() + name[1:]

    lines = section(out, "What moved it")
    for side in ("activity", "cost", "wte"):
        rows = drivers[drivers.side == side].assign(
            size=lambda d: d.contribution.astype(float).abs()).sort_values("size", ascending=False)
        shown = [line for line in lines
                 if any(line.strip().startswith(named(side, c)) for c in rows.component)]
        assert len(shown) == len(rows), side
        for line, (_, row) in zip(shown, rows.iterrows()):
            assert line.strip().startswith(named(side, row.component))
            pp = re.search(NUMBER + r" pp", line)
            assert number(pp[1]) == pytest.approx(float(row.contribution) * 100, abs=0.051)
            if side == "cost":
                sign, pounds = re.search(r"([+-])£([\d,]+)$", line).groups()
                assert number(sign + pounds) == pytest.approx(float(row.opportunity), abs=0.51)

    # SPC: both measures of the node, in the mart's words.
    spc = frame(engine, "select s.measure, s.points, l.label from mart.spc_summary s"
                        " join mart.label l on l.kind = 'variation' and l.code = s.variation"
                        " where s.org_code = 'RXA' and s.period = :p and s.basis = 'base_year'"
                        " and s.level = 'clinical_group' and s.node = 'Medical'", p=REPORT)
    lines = section(out, "SPC reading")
    assert len(spc) == 2
    for _, row in spc.iterrows():
        name = {"ip_cost": "IPc", "ip_wte": "IPw"}[row.measure]
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(name))
        assert row.label in lines[at]
        assert f"{row.points} points" in lines[at + 1]
    assert "Revision: none" in out


def test_the_prior_year_basis_and_a_window_are_the_ones_asked_for(engine, calculated, capsys):
    status, out, _ = explain(capsys, "--org", "RXB", "--node", "rxb", "--month", REPORT,
                             "--window", "month", "--basis", "prior_year")
    assert status == 0
    figure = mart_row(engine, "mart.implied_productivity", org_code="RXB", period=REPORT,
                      time_window="month", basis="prior_year", level="trust", node="RXB")
    assert out.splitlines()[0] == "RXB"
    assert f"against {figure['comparison_year']}" in out.splitlines()[1]
    assert printed(out, "(IPc)") == pytest.approx(float(figure["ip_cost"]) * 100, abs=0.051)
    # The month window on last year reads August of both years, from each fact file.
    files = section(out, "Files behind it")
    assert sum("RXB's months read from it: Aug 2023, Aug 2024" in line for line in files) == 3

    # A name used at two levels is the higher one's, unless a level is asked for.
    status, out, _ = explain(capsys, "--org", "RXA", "--node", "corporate", "--month", REPORT)
    assert status == 0 and out.startswith("Clinical group Corporate")
    assert "--level directorate" in out
    status, out, _ = explain(capsys, "--org", "RXA", "--node", "corporate", "--month", REPORT,
                             "--level", "directorate")
    assert status == 0 and out.startswith("Directorate Corporate")


def listed_files(out: str) -> dict[str, dict]:
    """The files section as {origin: {sha256, rows_loaded, quarantined}}."""
    lines = section(out, "Files behind it")
    files = {}
    for i, line in enumerate(lines):
        match = re.match(r"\s+SHA-256 ([0-9a-f]{64})$", line)
        if match:
            origin = lines[i - 1].split()[-1]
            rows = re.search(r"([\d,]+) rows loaded, ([\d,]+) quarantined", lines[i + 1])
            files[origin] = {"sha256": match[1], "rows_loaded": int(number(rows[1])),
                             "quarantined": int(number(rows[2]))}
    return files


@pytest.mark.parametrize("org", ORGS)
def test_a_trust_is_shown_exactly_its_own_files_and_the_reference_files(
        calculated, capsys, org):
    status, out, _ = explain(capsys, "--org", org, "--node", org, "--month", REPORT)
    assert status == 0
    landing = calculated
    # Its own fact files; the reference files that hold no trust's rows in particular, or
    # that hold this trust's (the peers of the synthetic data are other trusts).
    own = {f"{source}/{f.name}" for source in FACT_SOURCES
           for f in (landing / source).glob(f"{org}_*.csv")}
    reference = {f"reference/{name}.csv" for name, data in reference_frames().items()
                 if "org_code" not in data or org in set(data.org_code)}
    files = listed_files(out)
    assert set(files) == own | reference
    other = next(o for o in ORGS if o != org)
    assert other not in "\n".join(section(out, "Files behind it"))
    for origin, shown in files.items():
        content = (landing / origin).read_bytes()
        assert shown["sha256"] == hashlib.sha256(content).hexdigest()
        assert shown["rows_loaded"] + shown["quarantined"] == len(pd.read_csv(landing / origin))


def test_a_restated_month_once_recalculated_lists_its_file_where_the_window_reads_it(
        engine, settings, calculated, capsys, tmp_path):
    # RXA's May ledger restated, 10% higher, this year's and the base year's.
    ledger = synthetic_sources(7)["ledger"]
    may = ledger[(ledger.org_code == "RXA") & ledger.period.isin(["2019-05", "2024-05"])].copy()
    may["amount"] = (may["amount"] * 1.1).round(2)
    (tmp_path / "fix" / "ledger").mkdir(parents=True)
    may.to_csv(tmp_path / "fix" / "ledger" / "RXA_ledger_May_restated.csv", index=False)
    load_all(engine, settings, tmp_path / "fix")
    restated = "ledger/RXA_ledger_May_restated.csv"

    # Until the months are recalculated, their figures' calculations did not read it.
    _, out, _ = explain(capsys, "--org", "RXA", "--node", "RXA", "--month", REPORT)
    assert restated not in listed_files(out)

    close(engine, settings)
    _, out, _ = explain(capsys, "--org", "RXA", "--node", "RXA", "--month", REPORT)
    files = listed_files(out)
    assert restated in files and "ledger/RXA_ledger.csv" in files   # April, June to August
    assert any("months read from it: May 2019, May 2024" in line
               for line in section(out, "Files behind it"))
    assert "moved by: " + restated in section(out, "Revision")[-1]
    # May's own month reads the ledger of May alone: the original file, though the
    # calculation read it for April, is not behind that figure.
    _, out, _ = explain(capsys, "--org", "RXA", "--node", "RXA", "--month", "2024-05",
                        "--window", "month")
    ledgers = {origin for origin in listed_files(out) if origin.startswith("ledger/")}
    assert ledgers == {restated}
    # August's month does not read May; nor do RXB's figures.
    _, out, _ = explain(capsys, "--org", "RXA", "--node", "RXA", "--month", REPORT,
                        "--window", "month")
    assert restated not in listed_files(out) and "ledger/RXA_ledger.csv" in listed_files(out)
    _, out, _ = explain(capsys, "--org", "RXB", "--node", "RXB", "--month", REPORT)
    assert restated not in listed_files(out)


def test_a_reference_file_replaced_since_the_calculation_is_still_listed(
        engine, settings, calculated, capsys, tmp_path):
    hierarchy = reference_frames()["hierarchy"]
    hierarchy["cost_centre_name"] = hierarchy["cost_centre_name"] + " (renamed)"
    (tmp_path / "new" / "reference").mkdir(parents=True)
    hierarchy.to_csv(tmp_path / "new" / "reference" / "hierarchy.csv", index=False)
    load_all(engine, settings, tmp_path / "new")
    with engine.connect() as conn:
        replaced = conn.execute(sa.text(
            "select count(*) from core.hierarchy h join ops.load_log l using (load_id)"
            " where l.finished_at < (select max(calculated_at) from ops.calculation_run)")).scalar()
    assert replaced == 0

    # Which trusts the replaced file held is no longer known: it is listed, as the file the
    # calculation read; its hash is the old file's, not the new one's.
    _, out, _ = explain(capsys, "--org", "RXA", "--node", "RXA", "--month", REPORT)
    assert sum(line.endswith("reference/hierarchy.csv")
               for line in section(out, "Files behind it")) == 1
    listed = listed_files(out)["reference/hierarchy.csv"]
    assert listed["sha256"] == hashlib.sha256(
        (calculated / "reference" / "hierarchy.csv").read_bytes()).hexdigest()


def test_every_kind_of_unknown_input_exits_2_with_a_one_line_reason(
        engine, settings, tmp_path, prodpack_env, capsys):
    status, out, err = explain(capsys, "--org", "RXA", "--node", "RXA", "--month", REPORT)
    assert (status, out) == (2, "") and err.count("\n") == 1
    assert "no figures have been calculated yet" in err

    # RXA's months of last year never arrived: RXB alone has figures for them.
    drop = tuple((org, source, month) for org in ("RXA",) for source in FACT_SOURCES
                 for month in PRIOR_MONTHS)
    write_synthetic(tmp_path / "landing", drop=drop)
    load_all(engine, settings, tmp_path / "landing")
    close(engine, settings)
    with engine.connect() as conn:
        months = dict(conn.execute(sa.text(
            "select org_code, array_agg(distinct period order by period)"
            " from mart.implied_productivity group by 1")).all())
    assert "2023-06" in months["RXB"] and "2023-06" not in months["RXA"]

    cases = [
        (["--org", "RXZ", "--node", "RXZ", "--month", REPORT], ["'RXZ'", "RXA, RXB"]),
        (["--org", "RXA", "--node", "RXA", "--month", "2030-01"],
         ["2030-01", "not calculated", months["RXA"][-1]]),
        (["--org", "RXA", "--node", "RXA", "--month", "2023-06"], ["RXA", "2023-06"]),
        (["--org", "RXA", "--node", "Cardio", "--month", REPORT], ["'Cardio'", "Cardiology"]),
        (["--org", "RXA", "--node", "RXB", "--month", REPORT], ["'RXB'"]),
        (["--org", "RXA", "--node", "Nowhere at all", "--month", REPORT],
         ["'Nowhere at all'", "Medical"]),
        (["--org", "RXA", "--node", "Medical", "--month", REPORT, "--level", "service"],
         ["'Medical'", "clinical group"]),
    ]
    for args, named in cases:
        status, out, err = explain(capsys, *args)
        assert (status, out) == (2, ""), args
        assert err.startswith("prodpack explain: ") and err.count("\n") == 1, err
        for word in named:
            assert word in err, (word, err)
    # What RXB has is still explained.
    assert explain(capsys, "--org", "RXB", "--node", "RXB", "--month", "2023-06")[0] == 0

    # A malformed month, window or basis is the parser's: status 2 with its usage line.
    for bad in (["--month", "2024-13"], ["--month", REPORT, "--window", "year"],
                ["--month", REPORT, "--basis", "last_year"]):
        with pytest.raises(SystemExit) as stopped:
            main(["explain", "--org", "RXA", "--node", "RXA", *bad])
        assert stopped.value.code == 2


def test_explain_runs_without_prefect(calculated, prodpack_env):
    """A question answered from the database: no Prefect imported, let alone a server."""
    code = ("import sys; from prodpack.cli import main; status = main(sys.argv[1:]);"
            " assert not [m for m in sys.modules if m.split('.')[0] == 'prefect'];"
            " sys.exit(status)")
    done = subprocess.run(
        [sys.executable, "-c", code, "explain", "--org", "RXA", "--node", "Surgery",
         "--month", REPORT], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Directorate Surgery")
