"""Reports: the executive report and the clinical-group packs, read back with openpyxl as a
reader's tools would see them, figure by figure against the mart."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from databases import Closed, database_of_its_own
from openpyxl.utils import range_boundaries
from synthetic import ORGS, load_all, load_synthetic, write_synthetic

from tasks.calculate.run import calculate_month
from tasks.ingest.extract import discover
from tasks.ingest.load import load_file
from tasks.months import is_quarter_end
from tasks.quality.checks import run_checks
from tasks.report import task as report_task
from tasks.report.email import executive_email, executive_email_of
from tasks.report.model import figures_sha256, load_org
from tasks.report.paths import slug
from tasks.report.style import RAG_RED_BELOW, Book, rag
from tasks.report.workbooks import write_executive_report, write_pack, write_reports

QUARTER_END = "2024-06"


def mart(engine, month: str, basis: str = "base_year") -> dict[tuple, dict]:
    """The mart's rows for a month and basis by (org, window, level, node), values as stored."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select * from mart.implied_productivity where period = :m and basis = :b"),
            {"m": month, "b": basis}).mappings()
        return {(r["org_code"], r["time_window"], r["level"], r["node"]): dict(r) for r in rows}


def ranks(engine, month: str, basis: str = "base_year") -> dict[tuple, int]:
    with engine.connect() as conn:
        return {(o, w): r for o, w, r in conn.execute(sa.text(
            "select org_code, time_window, rank from mart.peer_rank where period = :m"
            " and basis = :b"), {"m": month, "b": basis})}


def named(wb, name: str):
    """The cell a defined name points at."""
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


def exact(value) -> float:
    """The mart's numeric as the nearest double: what a number cell can hold."""
    return float(value)


@pytest.fixture(scope="module")
def closed(pg_server, template_db, tmp_path_factory):
    """Two trusts calculated April to June 2024, checked, and June's reports written: built
    once for the module (the tests below only read it), in a database of its own."""
    root = tmp_path_factory.mktemp("report")
    with database_of_its_own(pg_server, template_db, root, "test_report") as (settings, engine):
        load_synthetic(engine, settings, root)
        for month in ("2024-04", "2024-05", QUARTER_END):
            calculate_month(engine, settings, month)
        run_checks(engine, settings, QUARTER_END, "run-1")
        yield Closed(engine, settings, write_reports(engine, settings, QUARTER_END,
                                                     settings.reports_dir, list(ORGS), None))


def test_quarter_end_writes_each_trusts_report_and_a_pack_per_clinical_group(closed):
    engine, settings, quarter_end = closed.engine, closed.settings, closed.written
    groups = {(o, n) for (o, w, lvl, n) in mart(engine, QUARTER_END) if lvl == "clinical_group"}
    folder = settings.reports_dir / QUARTER_END
    expected = {f"executive_report_{org}_{QUARTER_END}.xlsx" for org in ORGS} | {
        f"productivity_pack_{org}_{slug(group)}_{QUARTER_END}.xlsx" for org, group in groups}
    assert {p.name for p in folder.iterdir()} == expected
    assert {(w["org_code"], w["kind"], w["clinical_group"], Path(w["path"]).name)
            for w in quarter_end} == (
        {(org, "executive", None, f"executive_report_{org}_{QUARTER_END}.xlsx") for org in ORGS}
        | {(org, "pack", group, f"productivity_pack_{org}_{slug(group)}_{QUARTER_END}.xlsx")
           for org, group in groups})


def test_headline_names_carry_the_marts_figures_exactly(closed):
    engine, settings = closed.engine, closed.settings
    figures, rank = mart(engine, QUARTER_END), ranks(engine, QUARTER_END)
    for org in ORGS:
        wb = openpyxl.load_workbook(settings.reports_dir / QUARTER_END /
                                    f"executive_report_{org}_{QUARTER_END}.xlsx")
        for name, window, column, number_format in (
                ("IPc_YTD", "ytd", "ip_cost", "%"), ("IPw_YTD", "ytd", "ip_wte", "%"),
                ("IPc_Month", "month", "ip_cost", "%"), ("IPw_Month", "month", "ip_wte", "%"),
                ("CostOpportunity_YTD", "ytd", "cost_opportunity", "£"),
                ("CostOpportunityTodaysPrices_YTD", "ytd", "cost_opportunity_current_prices", "£"),
                ("WTEOpportunity_YTD", "ytd", "wte_opportunity", "0.0"),
                ("ActivityIndex_YTD", "ytd", "activity_index", "0.000")):
            cell = named(wb, name)
            assert type(cell.value) is float, (org, name, cell.value)
            assert cell.value == pytest.approx(
                exact(figures[(org, window, "trust", org)][column]), rel=1e-9), (org, name)
            assert number_format in cell.number_format, (org, name, cell.number_format)
        assert named(wb, "Rank_YTD").value == rank[(org, "ytd")]
        assert named(wb, "Rank_Month").value == rank[(org, "month")]

    groups = sorted({(o, n) for o, _, lvl, n in figures if lvl == "clinical_group"})
    for org, group in groups:
        level = "clinical_group"
        path = settings.reports_dir / QUARTER_END / f"productivity_pack_{org}_{slug(group)}_{QUARTER_END}.xlsx"
        wb = openpyxl.load_workbook(path)
        for name, window, column in (("IPc_YTD", "ytd", "ip_cost"), ("IPw_YTD", "ytd", "ip_wte"),
                                     ("IPc_Quarter", "quarter", "ip_cost"),
                                     ("IPc_Month", "month", "ip_cost"),
                                     ("CostOpportunity_YTD", "ytd", "cost_opportunity"),
                                     ("WTEOpportunity_YTD", "ytd", "wte_opportunity")):
            cell, expected = named(wb, name), figures[(org, window, level, group)][column]
            if expected is None:
                # Support services: 'n/a' with the reason beside it, never a made-up number.
                assert cell.value == "n/a"
                row_text = " ".join(str(c.value) for c in cell.parent[cell.row] if c.value)
                assert figures[(org, window, level, group)]["null_reason"] in row_text
            else:
                assert cell.value == pytest.approx(exact(expected), rel=1e-9), (org, group, name)
        # The CIP total is a formula; its cached value is what previews and openpyxl read.
        total = named(openpyxl.load_workbook(path, data_only=True), "CIP_CostOpportunity_YTD")
        services = [r["cost_opportunity"] for (o, w, lvl, _), r in figures.items()
                    if o == org and w == "ytd" and lvl == "service" and r["clinical_group"] == group]
        assert total.value == pytest.approx(sum(float(v) for v in services if v and v > 0),
                                            rel=1e-12, abs=1e-6)
        assert named(wb, "CIP_CostOpportunity_YTD").value.startswith("=SUMIF(")


def test_every_sheet_prints_a4_landscape_one_page_wide_with_nothing_hidden(closed):
    for written in closed.written:
        wb = openpyxl.load_workbook(written["path"])
        for ws in wb.worksheets:
            where = (Path(written["path"]).name, ws.title)
            assert ws.sheet_state == "visible", where
            assert ws.page_setup.orientation == "landscape", where
            assert int(ws.page_setup.paperSize) == 9, where
            # xlsxwriter leaves a fit of 1 out of the file; absent, it is 1 (the format's default).
            assert ws.page_setup.fitToWidth in (None, 1), where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert ws.print_area, where
            (area,) = ws.print_area if isinstance(ws.print_area, list) else [ws.print_area]
            _, _, max_col, max_row = range_boundaries(area.split("!")[-1])
            # Cells and charts inside the print area: nothing clipped, no stray page.
            assert ws.max_row <= max_row and ws.max_column <= max_col, (where, area)
            for chart in ws._charts:
                anchor = chart.anchor
                assert anchor.to.col + 1 <= max_col and anchor.to.row + 1 <= max_row, where
            if ws._charts:
                assert ws.page_setup.fitToHeight in (None, 1), where   # charts never split
            else:
                assert ws.freeze_panes, where                      # tables keep their headers


def test_figures_are_numbers_and_percentages_are_formatted_not_typed(closed):
    # A formatted figure typed as text ('+23.3%', '£1,234', '0.52'); codes such as '999' are text.
    looks_numeric = re.compile(r"^[+-]?£?\d[\d,]*(\.\d+)?%?$")
    for written in closed.written:
        wb = openpyxl.load_workbook(written["path"])
        percent_cells = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert not (looks_numeric.match(cell.value)
                                    and any(c in cell.value for c in "%£.,")), (
                            ws.title, cell.coordinate, cell.value)
                    if "%" in cell.number_format and cell.value is not None:
                        assert isinstance(cell.value, float), (ws.title, cell.coordinate)
                        percent_cells += 1
        assert percent_cells > 0


def test_data_quality_warnings_sit_beside_the_services_they_touch(closed):
    engine, settings = closed.engine, closed.settings
    figures = mart(engine, QUARTER_END)
    with engine.connect() as conn:
        findings = conn.execute(sa.text(
            "select org_code, check_name, jsonb_array_elements(findings)->>'code' from ops.dq_result"
            " where period = :m and outcome <> 'pass'"), {"m": QUARTER_END}).all()
    services = {(o, n): r for (o, w, lvl, n), r in figures.items() if lvl == "service" and w == "ytd"}
    touched = {(org, service) for org, _, code in findings for (o, service) in services
               if o == org and (code == service or code.startswith(f"{service} "))}
    assert touched, "the synthetic data should give some service a data-quality warning"
    for org, service in touched:
        row = services[(org, service)]
        if row["clinical_group"] is None:
            continue
        path = (settings.reports_dir / QUARTER_END /
                f"productivity_pack_{org}_{slug(row['clinical_group'])}_{QUARTER_END}.xlsx")
        ws = openpyxl.load_workbook(path)[row["directorate"][:31]]
        (line,) = [r for r in ws.iter_rows(values_only=True) if r[1] == service]
        assert any("Data quality" in str(v) for v in line if v), (org, service)
    with engine.connect() as conn:
        titles = conn.execute(sa.text(
            "select org_code, count(*) from ops.dq_result where period = :m and outcome <> 'pass'"
            " group by 1"), {"m": QUARTER_END}).all()
    for org, count in titles:
        ws = openpyxl.load_workbook(settings.reports_dir / QUARTER_END /
                                    f"executive_report_{org}_{QUARTER_END}.xlsx")["Data quality"]
        severities = [r[1] for r in ws.iter_rows(min_row=5, values_only=True) if r[1]]
        assert len(severities) == count


def test_executive_email_carries_the_ytd_figure(closed):
    engine, settings = closed.engine, closed.settings
    ytd = mart(engine, QUARTER_END)[("RXA", "ytd", "trust", "RXA")]
    subject, text, html = executive_email(engine, settings, "RXA", QUARTER_END)
    figure = f"{float(ytd['ip_cost']):+.1%}"
    assert "RXA" in subject and figure in subject
    assert figure in html and html.lstrip().startswith("<")
    assert f"executive_report_RXA_{QUARTER_END}.xlsx" in text


def test_report_task_publishes_headlines_and_links(closed, monkeypatch):
    settings = closed.settings
    monkeypatch.setenv("PRODPACK_DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("PRODPACK_HOME", str(settings.home))
    monkeypatch.setenv("PRODPACK_REPORTS_DIR", str(settings.reports_dir))
    published = {}
    monkeypatch.setattr(report_task, "create_markdown_artifact",
                        lambda **kwargs: published.update(kwargs))
    written = report_task.report.fn(QUARTER_END, None, ["RXA"], False)

    assert [(w["org_code"], w["kind"]) for w in written] == [("RXA", "executive")]
    assert re.fullmatch(r"[a-z0-9-]+", published["key"]) and QUARTER_END in published["key"]
    assert Path(written[0]["path"]).resolve().as_uri() in published["markdown"]
    assert "| RXA |" in published["markdown"]


def test_other_months_write_packs_only_on_request_and_chart_the_months_there_are(
        engine, settings, tmp_path):
    load_synthetic(engine, settings, tmp_path)
    calculate_month(engine, settings, "2024-05")          # April never calculated
    out = tmp_path / "out"

    written = write_reports(engine, settings, "2024-05", out, None, None)
    assert sorted((w["org_code"], w["kind"]) for w in written) == [
        ("RXA", "executive"), ("RXB", "executive")]
    trend = openpyxl.load_workbook(written[0]["path"])["Trend"]
    months = [r[1] for r in trend.iter_rows(min_row=5, values_only=True) if hasattr(r[1], "month")]
    assert [m.month for m in months] == [5]
    assert any("not been calculated" in str(r[1]) for r in trend.iter_rows(values_only=True))

    on_request = write_reports(engine, settings, "2024-05", out, ["RXA"], True)
    assert {w["kind"] for w in on_request} == {"executive", "pack"}
    assert write_reports(engine, settings, "2024-05", out, [], None) == []
    with pytest.raises(LookupError, match="RXZ"):
        write_reports(engine, settings, "2024-05", out, ["RXA", "RXZ"], None)
    assert write_pack(engine, settings, "RXA", "Surgical", "2024-05", out).name == \
        "productivity_pack_RXA_surgical_2024-05.xlsx"
    with pytest.raises(LookupError):
        write_executive_report(engine, settings, "RXA", "2024-07", out)


def test_quarter_ends_slugs_and_rag_thresholds():
    assert [m for m in ("2024-04", "2024-06", "2024-09", "2024-12", "2025-01", "2025-03")
            if is_quarter_end(m)] == ["2024-06", "2024-09", "2024-12", "2025-03"]
    assert slug("Medicine & Urgent Care") == "medicine-urgent-care"
    assert [rag(v) for v in (0.0, 0.01, -0.001, RAG_RED_BELOW, RAG_RED_BELOW - 1e-9, None)] == [
        "Green", "Green", "Amber", "Amber", "Red", "n/a"]


def test_numbers_are_written_as_the_very_double_they_hold(tmp_path):
    """xlsxwriter writes 16 significant digits, one short of a double's 17: a figure must come
    back as the same double, so the report carries the mart's figure exactly."""
    values = [0.1 + 0.2, 1 / 3, 0.2325228278063933, -1425564.8136405218, 2.0, 1e-20, 123456789.123,
              0.09991879298500993, -0.011014409103938947, 1e16, -0.0]
    book = Book(tmp_path / "exact.xlsx", footer="test")
    ws = book.sheet("Figures")
    for row, value in enumerate(values):
        book.number(ws, row, 0, value, "0.0%")
    book.close()
    back = openpyxl.load_workbook(tmp_path / "exact.xlsx")["Figures"]
    read = [back.cell(row + 1, 1).value for row in range(len(values))]
    assert read == values and all(type(v) is float for v in read)


# --- two lenses: against the base year and against last year ------------------------------

def lens_columns(ws, header_row: int) -> dict[tuple[str, str], int]:
    """(lens named in the band above, header) -> column, for a table with a band of lenses."""
    lens_of = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row == header_row - 1:
            for col in range(merged.min_col, merged.max_col + 1):
                lens_of[col] = ws.cell(header_row - 1, merged.min_col).value
    for cell in ws[header_row - 1]:
        if cell.value and cell.column not in lens_of:
            lens_of[cell.column] = cell.value
    return {(lens_of.get(c.column, ""), c.value): c.column for c in ws[header_row] if c.value}


def header_row_of(ws, first_header: str) -> int:
    (row,) = [c.row for c in ws["B"] if c.value == first_header][:1]
    return row


def test_summary_carries_the_year_on_year_figures_exactly_as_the_mart_has_them(closed):
    engine, settings = closed.engine, closed.settings
    prior, rank = mart(engine, QUARTER_END, "prior_year"), ranks(engine, QUARTER_END, "prior_year")
    target = settings.year_on_year_target
    for org in ORGS:
        wb = openpyxl.load_workbook(settings.reports_dir / QUARTER_END /
                                    f"executive_report_{org}_{QUARTER_END}.xlsx")
        trust = {w: prior[(org, w, "trust", org)] for w in ("month", "quarter", "ytd")}
        assert trust["ytd"]["ip_cost"] is not None, "last year's months are loaded"
        for name, window, column in (
                ("IPc_YTD_PriorYear", "ytd", "ip_cost"), ("IPc_Quarter_PriorYear", "quarter", "ip_cost"),
                ("IPc_Month_PriorYear", "month", "ip_cost"), ("IPw_YTD_PriorYear", "ytd", "ip_wte"),
                ("CostOpportunity_YTD_PriorYear", "ytd", "cost_opportunity"),
                ("ProductivityGrowth_YTD_PriorYear", "ytd", "ip_cost"),
                ("NHSE_ProductivityGrowth_YTD", "ytd", "ip_cost")):
            cell = named(wb, name)
            assert type(cell.value) is float and cell.value == float(trust[window][column]), (
                org, name, cell.value)
        # NHS England's growth rates: the indices less one, as the mart holds them.
        for name, column in (("ActivityGrowth_YTD_PriorYear", "activity_index"),
                             ("ResourceGrowth_YTD_PriorYear", "cost_index"),
                             ("NHSE_ActivityGrowth_YTD", "activity_index"),
                             ("NHSE_ResourceGrowth_YTD", "cost_index")):
            cell = named(wb, name)
            assert cell.value == float(trust["ytd"][column] - 1), (org, name)
            assert "%" in cell.number_format
        assert named(wb, "IPc_YTD_PriorYear").number_format.startswith("+0.0%")
        assert named(wb, "YearOnYearTarget").value == target
        verdict = "Met" if trust["ytd"]["ip_cost"] >= target else "Not met"
        ip_row = named(wb, "ProductivityGrowth_YTD_PriorYear").row
        assert verdict in [c.value for c in wb["Summary"][ip_row]]
        assert named(wb, "Rank_YTD_PriorYear").value == rank[(org, "ytd")]
        assert named(wb, "NHSE_Rank_YTD").value == rank[(org, "ytd")]
        # The base year's figures stay where they were named.
        base = mart(engine, QUARTER_END)[(org, "ytd", "trust", org)]
        assert named(wb, "IPc_YTD").value == float(base["ip_cost"])


def test_nhs_england_sheet_lays_out_the_trusts_year_to_date(closed):
    settings = closed.settings
    prior = mart(closed.engine, QUARTER_END, "prior_year")
    wb = openpyxl.load_workbook(settings.reports_dir / QUARTER_END /
                                f"executive_report_RXA_{QUARTER_END}.xlsx")
    ws = wb["As NHS England measures it"]
    columns = lens_columns(ws, header_row_of(ws, "Source"))
    (line,) = [r for r in ws.iter_rows(values_only=True) if r[1] == "Ours (prodpack)"]
    trust = prior[("RXA", "ytd", "trust", "RXA")]
    assert line[columns[("", "Organisation code")] - 1] == "RXA"
    assert line[columns[("", "Financial year")] - 1] == "2024/25"
    assert line[columns[("", "Period")] - 1] == "Month 3 YTD"
    assert line[columns[("", "Months")] - 1] == "April to June 2024"
    assert line[columns[("", "Productivity growth estimate")] - 1] == float(trust["ip_cost"])
    assert line[columns[("", "Cost-weighted activity growth")] - 1] == float(
        trust["activity_index"] - 1)
    assert line[columns[("", "Real-terms resource growth")] - 1] == float(trust["cost_index"] - 1)
    text = " ".join(str(c) for r in ws.iter_rows(values_only=True) for c in r if c)
    assert "Not loaded" in text and "unit costs" in text and "deflators" in text


def test_tables_trend_and_packs_show_both_lenses(closed):
    engine, settings = closed.engine, closed.settings
    folder = settings.reports_dir / QUARTER_END
    prior = mart(engine, QUARTER_END, "prior_year")
    last_year = "Against last year"
    wb = openpyxl.load_workbook(folder / f"executive_report_RXA_{QUARTER_END}.xlsx")
    ws = wb["Clinical groups"]
    columns = lens_columns(ws, header_row_of(ws, "Clinical group / directorate"))
    checked = 0
    for r in ws.iter_rows(values_only=True):
        level = "clinical_group" if ("RXA", "ytd", "clinical_group", r[1]) in prior else "directorate"
        figures = prior.get(("RXA", "ytd", level, r[1]))
        if figures is None or r[1] == "Corporate":
            continue
        for header, window in (("IPc, YTD", "ytd"), ("IPc, month", "month")):
            expected = prior[("RXA", window, level, r[1])]["ip_cost"]
            assert r[columns[(last_year, header)] - 1] == float(expected), (r[1], header)
            checked += 1
    assert checked >= 8

    trend = wb["Trend"]
    columns = lens_columns(trend, header_row_of(trend, "Month"))
    months = {m: mart(engine, m, "prior_year") for m in ("2024-04", "2024-05", QUARTER_END)}
    rows = [r for r in trend.iter_rows(values_only=True) if hasattr(r[1], "month")]
    assert len(rows) == 3
    for r in rows:
        expected = months[f"{r[1]:%Y-%m}"][("RXA", "month", "trust", "RXA")]["ip_cost"]
        assert r[columns[(last_year + " (2023/24)", "IPc")] - 1] == float(expected)
    assert {c.anchor._from.col for c in trend._charts} == {1, 6}      # both charts, side by side

    for group in ("Medical", "Surgical"):
        pack = openpyxl.load_workbook(folder / f"productivity_pack_RXA_{slug(group)}_{QUARTER_END}.xlsx")
        assert named(pack, "IPc_YTD_PriorYear").value == float(
            prior[("RXA", "ytd", "clinical_group", group)]["ip_cost"])
        services = {n: r for (o, w, lvl, n), r in prior.items()
                    if o == "RXA" and w == "ytd" and lvl == "service" and r["clinical_group"] == group}
        assert services
        for service, figures in services.items():
            ws = pack[figures["directorate"][:31]]
            columns = lens_columns(ws, header_row_of(ws, "Service"))
            (line,) = [r for r in ws.iter_rows(values_only=True) if r[1] == service]
            for header, window in (("IPc, YTD", "ytd"), ("IPc, quarter", "quarter")):
                expected = prior[("RXA", window, "service", service)]["ip_cost"]
                assert line[columns[(last_year, header)] - 1] == float(expected), (service, header)
            base = mart(engine, QUARTER_END)[("RXA", "ytd", "service", service)]["ip_cost"]
            assert line[columns[("Against 2019/20", "IPc, YTD")] - 1] == float(base)


def test_a_trust_without_last_years_months_says_so_and_the_published_figure_sits_beside_ours(
        engine, settings, tmp_path):
    # RXB's activity of May 2023 never arrived: its year to date has nothing to compare with.
    landing = tmp_path / "landing"
    write_synthetic(landing, drop=(("RXB", "activity", "2023-05"),))
    load_all(engine, settings, landing)
    # NHS England's productivity file as published, RXA among its trusts, in place of peers.csv.
    with open(landing / "reference" / "peers.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([
            ["Organisation code", "Organisation name", "Cost weighted activity growth",
             "Real terms resource growth", "Productivity growth estimate"],
            ["RXA", "Trust A NHS Foundation Trust", "5.1%", "3.2%", "1.8%"],
            ["R2X", "Trust X", "4.0%", "1.0%", "3.0%"], ["R3Y", "Trust Y", "0.5%", "2.5%", "-2.0%"]])
    [peers] = [f for f in discover(landing) if f.source == "peers"]
    assert load_file(engine, settings, peers).status == "loaded"
    with engine.connect() as conn:
        published = conn.execute(sa.text(
            "select activity_growth, resource_growth, ip_cost from core.peers"
            " where org_code = 'RXA' and basis = 'prior_year'")).mappings().one()
    calculate_month(engine, settings, QUARTER_END)
    out = tmp_path / "out"
    write_reports(engine, settings, QUARTER_END, out, None, None)

    prior = mart(engine, QUARTER_END, "prior_year")
    assert prior[("RXB", "ytd", "trust", "RXB")]["null_reason"] == "no prior-year data"
    wb = openpyxl.load_workbook(out / QUARTER_END / f"executive_report_RXB_{QUARTER_END}.xlsx")
    cell = named(wb, "IPc_YTD_PriorYear")
    assert cell.value == "n/a"
    assert "no prior-year data" in " ".join(str(c.value) for c in cell.parent[cell.row] if c.value)
    for name in ("ProductivityGrowth_YTD_PriorYear", "ActivityGrowth_YTD_PriorYear",
                 "NHSE_ProductivityGrowth_YTD", "NHSE_ResourceGrowth_YTD"):
        cell = named(wb, name)
        assert cell.value == "No prior-year data", (name, cell.value)
        verdicts = [c.value for c in cell.parent[cell.row] if c.value in ("Met", "Not met", "Not known")]
        assert verdicts in ([], ["Not known"]), (name, verdicts)
    # The month still has last year's month to compare with.
    assert named(wb, "IPc_Month_PriorYear").value == float(
        prior[("RXB", "month", "trust", "RXB")]["ip_cost"])
    _, text, html = executive_email(engine, settings, "RXB", QUARTER_END)
    assert "no prior-year data" in text and "no prior-year data" in html

    wb = openpyxl.load_workbook(out / QUARTER_END / f"executive_report_RXA_{QUARTER_END}.xlsx")
    ws = wb["As NHS England measures it"]
    columns = lens_columns(ws, header_row_of(ws, "Source"))
    lines = {r[1]: r for r in ws.iter_rows(values_only=True) if r[1]}
    ours = prior[("RXA", "ytd", "trust", "RXA")]
    for header, key, our_value in (
            ("Cost-weighted activity growth", "activity_growth", ours["activity_index"] - 1),
            ("Real-terms resource growth", "resource_growth", ours["cost_index"] - 1),
            ("Productivity growth estimate", "ip_cost", ours["ip_cost"])):
        col = columns[("", header)] - 1
        assert lines["NHS England, as published"][col] == float(published[key])
        assert published[key] is not None
        assert lines["Difference (ours less published)"][col] == pytest.approx(
            float(our_value) - float(published[key]), abs=1e-15)
    assert lines["NHS England, as published"][columns[("", "Organisation name")] - 1] == \
        "Trust A NHS Foundation Trust"
    # Ranked among the published trusts (its own published figure is not a peer of it).
    rank = ranks(engine, QUARTER_END, "prior_year")
    assert named(wb, "NHSE_Rank_YTD").value == named(wb, "Rank_YTD_PriorYear").value == \
        rank[("RXA", "ytd")]
    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "select peer_count from mart.peer_rank where period = :m and basis = 'prior_year'"
            " and time_window = 'ytd' and org_code = 'RXA'"), {"m": QUARTER_END}).scalar() == 3


def test_the_email_fingerprint_changes_with_last_years_figures(engine, settings, tmp_path):
    load_synthetic(engine, settings, tmp_path)
    calculate_month(engine, settings, QUARTER_END)
    before = figures_sha256(load_org(engine, settings, "RXA", QUARTER_END))
    with engine.begin() as conn:
        conn.execute(sa.text(
            "update mart.implied_productivity set ip_cost = ip_cost + 0.001 where org_code = 'RXA'"
            " and period = :m and basis = 'prior_year' and level = 'trust' and time_window = 'ytd'"),
            {"m": QUARTER_END})
    data = load_org(engine, settings, "RXA", QUARTER_END)
    assert figures_sha256(data) != before
    _, text, _ = executive_email_of(data)
    assert figures_sha256(load_org(engine, settings, "RXA", QUARTER_END)) == figures_sha256(data)
    assert f"{data.trust('ytd', 'prior_year')['ip_cost']:+.1%}" in text
