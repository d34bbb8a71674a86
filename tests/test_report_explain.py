"""Explaining every figure in the reports (METHODOLOGY.md, "What moved it"): the packs' bridges
are mart.ip_driver's figures with waterfall charts drawing their cells, the executive report
names the three largest drivers of the trust's year to date, every report lists the files
behind its figures and no other trust's, and the executive report lists the figures revised
since last month's report. Read back with openpyxl, checked against the mart and the lineage."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from databases import Closed, database_of_its_own
from openpyxl.utils.cell import range_to_tuple
from synthetic import ORGS, REPORT, load_all, load_synthetic, synthetic_sources

from schemas.settings import Settings
from tasks.calculate.months_due import months_to_calculate
from tasks.calculate.run import calculate_month
from tasks.calculate.summary import lineage
from tasks.report.email import executive_email_of
from tasks.report.model import figures_sha256, load_org
from tasks.report.paths import executive_report_path
from tasks.report.workbooks import write_reports

# The words a board paper uses for each component (the brief's, not read from the code).
WORDS = {"EL": "elective spells", "DC": "day cases", "NEL": "non-elective spells",
         "OPFA": "first outpatient attendances", "OPFU": "follow-up attendances",
         "OPPROC": "outpatient procedures", "AE": "A&E attendances",
         "pay_substantive": "substantive pay", "pay_bank": "bank pay",
         "pay_agency": "agency pay", "non_pay": "non-pay", "Not stated": "staff group not stated"}
SIDES = ("activity", "cost", "wte")
INDEX = {"activity": "activity_index", "cost": "cost_index", "wte": "wte_index"}


def close(engine, settings: Settings, month: str = REPORT) -> None:
    """The calculations a close of the month does: the months due first, then the month."""
    for m in months_to_calculate(engine, month, settings.base_year):
        calculate_month(engine, settings, m)
    calculate_month(engine, settings, month)


def rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


@pytest.fixture(scope="module")
def closed(pg_server, template_db, tmp_path_factory):
    """Both trusts closed for the report month, the executive reports and every pack written:
    built once for the module, in a database of its own."""
    root = tmp_path_factory.mktemp("report_explain")
    with database_of_its_own(pg_server, template_db, root, "test_report_explain") as (settings, engine):
        load_synthetic(engine, settings, root)
        close(engine, settings)
        yield Closed(engine, settings, write_reports(engine, settings, REPORT,
                                                     settings.reports_dir, list(ORGS), True))


def drivers(engine, org: str, level: str, node: str, basis: str = "base_year") -> dict:
    """mart.ip_driver's year-to-date rows of a node by (side, component)."""
    return {(r["side"], r["component"]): r for r in rows(
        engine, "select * from mart.ip_driver where org_code = :o and period = :m"
                " and time_window = 'ytd' and basis = :b and level = :l and node = :n",
        o=org, m=REPORT, b=basis, l=level, n=node)}


def figure(engine, org: str, level: str, node: str, basis: str = "base_year") -> dict:
    (row,) = rows(engine, "select * from mart.implied_productivity where org_code = :o and"
                          " period = :m and time_window = 'ytd' and basis = :b and level = :l"
                          " and node = :n", o=org, m=REPORT, b=basis, l=level, n=node)
    return row


def sheet_text(ws) -> str:
    return "\n".join(str(c) for r in ws.iter_rows(values_only=True) for c in r if c)


def cells(wb, ref: str) -> list:
    sheet, (min_col, min_row, max_col, max_row) = range_to_tuple(ref)
    assert min_col == max_col, ref
    return [wb[sheet].cell(r, min_col).value for r in range(min_row, max_row + 1)]


def bridges(ws) -> list[tuple[int, int]]:
    """Each bridge's table: (header row, end row), top to bottom."""
    headers = [c.row for c in ws["B"] if c.value == "Component"]
    ends = [c.row for c in ws["B"] if isinstance(c.value, str) and c.value.startswith("Year to date,")]
    assert len(headers) == len(ends) == len(SIDES)
    return list(zip(headers, ends))


def assert_bridge(engine, wb, values, ws, org: str, level: str, node: str) -> None:
    """Each side's table is mart.ip_driver's figures for the node, in points, and its chart
    draws the table's cells: an undrawn lift, the index at each end, each part's rise or fall."""
    mart, prior = drivers(engine, org, level, node), drivers(engine, org, level, node, "prior_year")
    node_row, prior_row = figure(engine, org, level, node), figure(engine, org, level, node,
                                                                      "prior_year")
    charts = {c.anchor._from.row + 1: c for c in ws._charts}
    label_of = {v: k for k, v in WORDS.items()}
    for side, (header, end) in zip(SIDES, bridges(ws)):
        expected = {c: r for (s, c), r in mart.items() if s == side}
        header_col = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
        shown = {}
        for r in range(header + 2, end):
            component = label_of.get(ws.cell(r, 2).value, ws.cell(r, 2).value)
            shown[component] = r
            if component not in expected:      # a part moving against last year alone
                assert ws.cell(r, header_col["Change, points"]).value == 0
                continue
            d = expected[component]
            assert ws.cell(r, header_col["Same months of 2019/20"]).value == float(
                d["base_value"]), (node, side, component)
            assert ws.cell(r, header_col["Change, points"]).value == pytest.approx(
                float(d["contribution"]) * 100, rel=1e-12, abs=1e-12), (node, side, component)
            if side == "cost":
                assert ws.cell(r, header_col["Cost opportunity £"]).value == pytest.approx(
                    float(d["opportunity"]), rel=1e-12, abs=1e-9)
            if (side, component) in prior and prior[(side, component)]["contribution"] is not None:
                assert ws.cell(r, header_col["Change against last year, points"]).value == \
                    pytest.approx(float(prior[(side, component)]["contribution"]) * 100, rel=1e-12)
        assert set(expected) <= set(shown), (node, side)
        # The parts add up to the index as the mart has it.
        index = float(node_row[INDEX[side]])
        assert ws.cell(end, header_col["Change, points"]).value == pytest.approx((index - 1) * 100)
        assert sum(float(d["contribution"]) for d in expected.values()) * 100 == pytest.approx(
            (index - 1) * 100, abs=1e-9)
        if prior_row[INDEX[side]] is not None:
            assert ws.cell(end, header_col["Change against last year, points"]).value == \
                pytest.approx((float(prior_row[INDEX[side]]) - 1) * 100)

        # The chart beside the table draws the table's cells, row for row.
        chart = charts[header]
        refs = {}
        for s in chart.series:
            name = s.tx.v if s.tx.v is not None else s.tx.strRef.f
            refs[name] = (s.cat.strRef.f, s.val.numRef.f)
        (categories,) = {cat for cat, _ in refs.values()}
        _, (col, first, _, last) = range_to_tuple(categories)
        assert (col, first, last) == (2, header + 1, end)
        drawn = {name.split(":")[0]: cells(values, ref) for name, (_, ref) in refs.items()}
        assert set(drawn) == {"Not drawn", "Index", "Up", "Down"}
        changes = [values[ws.title].cell(r, header_col["Change, points"]).value
                   for r in range(first + 1, last)]
        assert drawn["Index"][0] == 100 and drawn["Index"][-1] == pytest.approx(index * 100)
        assert drawn["Up"][1:-1] == [max(c, 0.0) for c in changes]
        assert drawn["Down"][1:-1] == [max(-c, 0.0) for c in changes]
        level_now = 100.0
        for lift, change in zip(drawn["Not drawn"][1:-1], changes):
            assert lift == pytest.approx(min(level_now, level_now + change))
            level_now += change
        assert level_now == pytest.approx(index * 100)


def test_each_directorate_has_a_bridge_of_the_marts_drivers_drawn_from_its_table(closed):
    engine, settings = closed.engine, closed.settings
    packs = [w for w in closed.written if w["kind"] == "pack"]
    checked = 0
    for pack in packs:
        wb = openpyxl.load_workbook(pack["path"])
        values = openpyxl.load_workbook(pack["path"], data_only=True)
        directorates = [r["node"] for r in rows(
            engine, "select node from mart.implied_productivity where org_code = :o and"
                    " period = :m and level = 'directorate' and time_window = 'ytd' and"
                    " basis = 'base_year' and clinical_group = :g order by lower(node)",
            o=pack["org_code"], m=REPORT, g=pack["clinical_group"])]
        sheets = [ws for ws in wb.worksheets if ws.title.startswith("What moved it")]
        assert [ws.title for ws in sheets] == [f"What moved it · {d}"[:31] for d in directorates]
        for directorate, ws in zip(directorates, sheets):
            if figure(engine, pack["org_code"], "directorate", directorate)["activity_index"] is None:
                # Corporate: no activity, so no activity bridge, and a reason in its place.
                assert "No bridge to draw" in sheet_text(ws)
                continue
            assert_bridge(engine, wb, values, ws, pack["org_code"], "directorate", directorate)
            checked += 1
    assert checked >= 4
    # The executive report's bridge is the trust's.
    for org in ORGS:
        path = executive_report_path(settings.reports_dir, org, REPORT)
        wb = openpyxl.load_workbook(path)
        assert_bridge(engine, wb, openpyxl.load_workbook(path, data_only=True),
                      wb["What moved it"], org, "trust", org)


def largest_three(engine, org: str, level: str, node: str, basis: str) -> str:
    """The three components moving IPc most, from mart.ip_driver, as the reports should word
    them: IPc = A/C - 1 = (sum of activity parts - sum of cost parts) / C, so the largest
    parts in size move it most."""
    effects = sorted(((side, c, float(r["contribution"]))
                      for (side, c), r in drivers(engine, org, level, node, basis).items()
                      if side in ("activity", "cost") and r["contribution"] is not None),
                     key=lambda e: -abs(e[2]))
    assert len(effects) > 3 and abs(effects[2][2]) > abs(effects[3][2]), "no tie to break"
    return "; ".join(f"{WORDS[c]} {v * 100:+.1f} points of {side} growth"
                     for side, c, v in effects[:3])


def test_the_executive_report_names_the_three_largest_drivers_of_the_year_to_date(closed):
    engine, settings = closed.engine, closed.settings
    for org in ORGS:
        wb = openpyxl.load_workbook(executive_report_path(settings.reports_dir, org, REPORT))
        _, text, html = executive_email_of(load_org(engine, settings, org, REPORT))
        for basis, lens in (("base_year", "against 2019/20"), ("prior_year", "against last year")):
            words = largest_three(engine, org, "trust", org, basis)
            assert (f"What moved implied productivity on cost year to date {lens} most: {words} "
                    "(activity growth raises it") in sheet_text(wb["Summary"]), (org, basis)
            if basis == "base_year":
                assert words in text and words.replace("&", "&amp;") in html
    # Each pack's summary names its group's.
    for pack in (w for w in closed.written if w["kind"] == "pack"):
        summary = sheet_text(openpyxl.load_workbook(pack["path"])["Summary"])
        org, group = pack["org_code"], pack["clinical_group"]
        if figure(engine, org, "clinical_group", group)["ip_cost"] is None:
            assert "What moved implied productivity on cost year to date against 2019/20: not " \
                   "known" in summary
        else:
            assert largest_three(engine, org, "clinical_group", group, "base_year") in summary


def test_the_sources_sheet_lists_exactly_the_trusts_files(closed):
    engine = closed.engine
    files = lineage(engine, REPORT)
    for written in closed.written:
        org = written["org_code"]
        other = next(o for o in ORGS if o != org)
        ws = openpyxl.load_workbook(written["path"])["Sources"]
        header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Source")
        listed = [tuple(ws.cell(r, c).value for c in range(2, 8))
                  for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 4).value]
        expected = [f for f in files if f["org_code"] == org]
        assert sorted((s, o, h, n, q) for s, o, h, _, n, q in listed) == sorted(
            (f["source"], f["origin"], f["content_hash"], f["rows_loaded"], f["rows_quarantined"])
            for f in expected), written["path"]
        assert not any(other in origin for _, origin, *_ in listed)
        assert {"ledger", "activity", "workforce", "hierarchy", "deflators"} <= {
            s for s, *_ in listed}


def revisions_listed(path: Path) -> tuple[list[tuple], str]:
    ws = openpyxl.load_workbook(path)["Revisions"]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Month")
    names = {ws.cell(header, c).value: c for c in range(2, ws.max_column + 1)}
    listed = [{h: ws.cell(r, c).value for h, c in names.items()}
              for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 3).value]
    return listed, sheet_text(ws)


def test_a_restated_month_is_listed_as_a_revision_and_a_rerun_lists_none(
        engine, settings, tmp_path):
    load_synthetic(engine, settings, tmp_path)
    close(engine, settings)
    out = tmp_path / "out"
    write_reports(engine, settings, REPORT, out, list(ORGS), False)
    for org in ORGS:
        listed, text = revisions_listed(executive_report_path(out, org, REPORT))
        assert listed == [] and "No revisions" in text
    first_sha = figures_sha256(load_org(engine, settings, "RXA", REPORT))

    # The close again with nothing changed: nothing revised, nothing listed, the same figures.
    close(engine, settings)
    write_reports(engine, settings, REPORT, out, list(ORGS), False)
    listed, text = revisions_listed(executive_report_path(out, "RXA", REPORT))
    assert listed == [] and "No revisions" in text
    assert figures_sha256(load_org(engine, settings, "RXA", REPORT)) == first_sha

    # RXA's May ledger restated, cost centre C01's lines 3% higher, and the month closed again:
    # Cardiology's figures move a lot, the trust's year to date a little.
    ledger = synthetic_sources(7)["ledger"]
    may = ledger[(ledger.org_code == "RXA") & (ledger.period == "2024-05")].copy()
    c01 = may.cost_centre == "C01"
    may.loc[c01, "amount"] = (may.loc[c01, "amount"] * 1.03).round(2)
    (tmp_path / "fix" / "ledger").mkdir(parents=True)
    may.to_csv(tmp_path / "fix" / "ledger" / "RXA_ledger_2024-05_restated.csv", index=False)
    load_all(engine, settings, tmp_path / "fix")
    close(engine, settings)
    write_reports(engine, settings, REPORT, out, list(ORGS), False)

    revised = rows(engine, "select * from mart.revision where org_code = 'RXA'")
    moved = {(r["period"], r["time_window"], r["basis"], r["level"], r["node"]): r
             for r in revised
             if any(r[f"first_{m}"] is not None and r[f"current_{m}"] is not None
                    and abs(float(r[f"current_{m}"]) - float(r[f"first_{m}"])) > 0.001
                    or (r[f"first_{m}"] is None) != (r[f"current_{m}"] is None)
                    for m in ("ip_cost", "ip_wte"))}
    assert moved and len(moved) < len(revised), "some revisions are too small to list"
    listed, text = revisions_listed(executive_report_path(out, "RXA", REPORT))
    assert "No revisions" not in text
    window = {"Month": "month", "Quarter to date": "quarter", "Year to date": "ytd"}
    basis = {"Against 2019/20": "base_year", "Against last year": "prior_year"}
    level = {"Trust": "trust", "Clinical group": "clinical_group", "Directorate": "directorate",
             "Service": "service"}
    shown = {(f"{r['Month']:%Y-%m}", window[r["Window"]], basis[r["Basis"]], level[r["Level"]],
              r["Node"]): r for r in listed}
    assert set(shown) == set(moved)
    assert ("2024-05", "month", "base_year", "trust", "RXA") in shown
    for key, r in shown.items():
        m = moved[key]
        for measure, header in (("ip_cost", "IPc"), ("ip_wte", "IPw")):
            for when, column in (("first", f"{header} first published"), ("current", f"{header} now")):
                value = m[f"{when}_{measure}"]
                assert r[column] == (float(value) if value is not None else "n/a"), (key, column)
        assert r["IPc change, points"] == pytest.approx(
            (float(m["current_ip_cost"]) - float(m["first_ip_cost"])) * 100, abs=1e-9)
        assert "RXA_ledger_2024-05_restated.csv" in r["Files that moved it"]
    # The other trust read nothing new: nothing of its own to list.
    listed, text = revisions_listed(executive_report_path(out, "RXB", REPORT))
    assert listed == [] and "No revisions" in text
    # What the report shows changed, so the email goes again; its summary says why.
    data = load_org(engine, settings, "RXA", REPORT)
    assert figures_sha256(data) != first_sha
    summary = sheet_text(openpyxl.load_workbook(executive_report_path(out, "RXA", REPORT))["Summary"])
    assert f"{len(moved)} figures revised by more than 0.1 percentage point" in summary
    _, text, _ = executive_email_of(data)
    assert f"{len(moved)} figures revised by more than 0.1 percentage point" in text

    # The fingerprint covers what moved it and the files behind it too.
    before = figures_sha256(data)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "update mart.ip_driver set contribution = contribution + 0.0001 where org_code = 'RXA'"
            " and period = :m and time_window = 'ytd' and basis = 'base_year' and level = 'trust'"
            " and side = 'cost' and component = 'non_pay'"), {"m": REPORT})
    moved_driver = figures_sha256(load_org(engine, settings, "RXA", REPORT))
    assert moved_driver != before
    with engine.begin() as conn:
        conn.execute(sa.text("update ops.load_log set finished_at = finished_at + interval '1 hour'"
                             " where origin = 'ledger/RXA_ledger_2024-05_restated.csv'"))
    assert figures_sha256(load_org(engine, settings, "RXA", REPORT)) != moved_driver
