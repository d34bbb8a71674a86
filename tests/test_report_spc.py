"""The reports' SPC charts and readings (METHODOLOGY.md, "Is a change signal or noise?"), read
back with openpyxl: native line charts whose series are the cells holding the mart's points,
markers on exactly the mart's special-cause months, and each node's variation and assurance
in the words of mart.label, as mart.spc_summary reads it."""

from __future__ import annotations

import colorsys

import openpyxl
import pytest
import sqlalchemy as sa
from databases import Closed, database_of_its_own
from openpyxl.utils.cell import range_to_tuple
from synthetic import ORGS, load_synthetic, write_synthetic
from test_report import header_row_of, lens_columns

from tasks.calculate.run import calculate_month
from tasks.ingest.extract import discover
from tasks.ingest.load import load_file
from tasks.months import add_months, month_date
from tasks.quality.checks import run_checks
from tasks.report.model import figures_sha256, load_org
from tasks.report.paths import slug
from tasks.report.workbooks import write_reports

QUARTER_END = "2024-06"
# 2023/24 after August as well as last year's months to date: fifteen months, April 2023 to
# June 2024, a series long enough for process limits (12 points) against the base year;
# against last year, three (2023/24 has no year before it loaded).
EXTRA_MONTHS = ("2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03")
SERIES = [add_months(month_date("2023-04"), k).strftime("%Y-%m") for k in range(15)]
# Planted signals: September 2023's activity three times what was drawn, June 2024's less
# than half, so the months after the surge sit below the mean to the report month.
SURGE = {"2023-09": 3, "2024-06": 0.4}
# Making Data Count's icons, in front of mart.label's words.
VARIATION_SYMBOL = {"special_cause_improvement": "▲", "special_cause_concern": "▼",
                    "common_cause": "●", "insufficient_data": "–"}
ASSURANCE_SYMBOL = {"consistently_passing": "P", "consistently_failing": "F", "hit_and_miss": "?"}
LENS = {"base_year": "against 2019/20", "prior_year": "against last year"}
BAND = {"base_year": "Against 2019/20", "prior_year": "Against last year"}


@pytest.fixture(scope="module")
def closed(pg_server, template_db, tmp_path_factory):
    """Two trusts calculated for each month from April 2023 to June 2024, checked, and June's
    reports and packs written: built once for the module, in a database of its own."""
    root = tmp_path_factory.mktemp("report_spc")
    with database_of_its_own(pg_server, template_db, root, "test_report_spc") as (settings, engine):
        write_synthetic(settings.landing_dir, extra_months=EXTRA_MONTHS, surge=SURGE)
        for f in discover(settings.landing_dir):
            assert load_file(engine, settings, f).status == "loaded"
        for month in SERIES:
            calculate_month(engine, settings, month)
        run_checks(engine, settings, QUARTER_END, "run-1")
        write_reports(engine, settings, QUARTER_END, settings.reports_dir, list(ORGS), None)
        yield Closed(engine, settings)


# --- the mart, as stored --------------------------------------------------------------

def points(engine, org: str, level: str, node: str, measure: str, basis: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "select * from mart.spc_point where period = :m and org_code = :o and level = :l"
            " and node = :n and measure = :measure and basis = :b order by point_period"),
            {"m": QUARTER_END, "o": org, "l": level, "n": node, "measure": measure,
             "b": basis}).mappings()]


def readings(engine, org: str, measure: str = "ip_cost") -> dict[tuple[str, str, str], dict]:
    """(basis, level, node) -> the reading, with its words from mart.label."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select s.*, v.label as variation_label, a.label as assurance_label"
            " from mart.spc_summary s"
            " join mart.label v on v.kind = 'variation' and v.code = s.variation"
            " left join mart.label a on a.kind = 'assurance' and a.code = s.assurance"
            " where s.period = :m and s.org_code = :o and s.measure = :measure"),
            {"m": QUARTER_END, "o": org, "measure": measure}).mappings()
        return {(r["basis"], r["level"], r["node"]): dict(r) for r in rows}


def labels(engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return {(k, c): t for k, c, t in conn.execute(sa.text(
            "select kind, code, label from mart.label"
            " where kind in ('variation', 'assurance', 'special_cause_rule')"))}


def variation_words(reading: dict) -> str:
    return f"{VARIATION_SYMBOL[reading['variation']]} {reading['variation_label']}"


def assurance_words(reading: dict, too_few: str) -> str:
    if reading["assurance"] is None:
        return f"– {too_few}"
    return f"{ASSURANCE_SYMBOL[reading['assurance']]} {reading['assurance_label']}"


# --- the workbook, as a reader's tools see it -------------------------------------------

def title_of(chart) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def chart_pages(wb) -> list:
    """The SPC charts' pages, 'SPC charts', 'SPC charts (2)', ..., four charts at most each."""
    pages = [ws for ws in wb.worksheets if ws.title.startswith("SPC charts")]
    assert all(1 <= len(ws._charts) <= 4 for ws in pages)
    return pages


def charts_by_title(wb) -> dict[str, object]:
    charts = [c for ws in chart_pages(wb) for c in ws._charts]
    found = {title_of(c): c for c in charts}
    assert len(found) == len(charts), "each chart has a title of its own"
    return found


def series_refs(chart) -> dict[str, tuple[str, str]]:
    """Series name -> (categories ref, values ref), each a reference to cells (numRef)."""
    refs = {}
    for s in chart.series:
        name = s.tx.v if s.tx.v is not None else s.tx.strRef.f
        assert s.val.numRef is not None and s.val.numRef.f, name
        refs[name] = (s.cat.numRef.f, s.val.numRef.f)
    return refs


def cells(wb, ref: str) -> list:
    """The values of the cells a chart's reference names, top to bottom."""
    sheet, (min_col, min_row, max_col, max_row) = range_to_tuple(ref)
    assert min_col == max_col, ref
    ws = wb[sheet]
    return [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def sheet_text(ws) -> str:
    return "\n".join(str(c) for r in ws.iter_rows(values_only=True) for c in r if c)


def assert_chart_draws(wb, chart, drawn: list[dict], reading: dict) -> dict[str, int]:
    """Every series of the chart is the cells of the mart's points, in order of month; the
    markers sit on exactly the special-cause months. Returns the markers by kind."""
    refs = series_refs(chart)
    (categories,) = {cat for cat, _ in refs.values()}
    assert [f"{m:%Y-%m}" for m in cells(wb, categories)] == [p["point_period"] for p in drawn]
    # The table names the chart each of its rows is drawn in.
    sheet, (col, first, _, last) = range_to_tuple(categories)
    assert {wb[sheet].cell(r, col - 1).value for r in range(first, last + 1)} == {
        title_of(chart)}
    values = {name: cells(wb, ref) for name, (_, ref) in refs.items()}
    assert values["Implied productivity, month"] == [float(p["value"]) for p in drawn]
    assert values["Mean"] == [float(p["mean"]) for p in drawn]
    (target,) = [name for name in values if name.startswith("Target")]
    assert values[target] == [float(reading["target"])] * len(drawn)
    limits = drawn[-1]["upper_limit"] is not None
    assert limits == (len(drawn) >= 12)
    markers = {"Special cause: improvement": lambda p: p["direction"] == "improvement",
               "Special cause: concern": lambda p: p["direction"] == "concern",
               "Common cause": lambda p: not p["special_cause"]}
    if not limits:
        assert set(values) == {"Implied productivity, month", "Mean", target}
        return {}
    assert values["Process limits"] == [float(p["lower_limit"]) for p in drawn]
    assert values["Upper process limit"] == [float(p["upper_limit"]) for p in drawn]
    counts = {}
    for name, is_kind in markers.items():
        expected = [float(p["value"]) if is_kind(p) else None for p in drawn]
        counts[name] = sum(v is not None for v in expected)
        # A kind with no month is left out of the chart rather than drawn empty.
        assert values.get(name, [None] * len(drawn)) == expected, name
    assert sum(counts.values()) == len(drawn)
    assert_drawn_as_making_data_count(chart, target)
    return counts


# Making Data Count's colours for the markers, and the month's line.
MARKER_COLOUR = {"Special cause: improvement": "289DE0", "Special cause: concern": "FAB428",
                 "Common cause": "7B7D7D"}


def assert_drawn_as_making_data_count(chart, target: str) -> None:
    """Markers alone in their colours; the months a grey line; limits and target dashed."""
    by_name = {s.tx.v: s for s in chart.series}
    for name, colour in MARKER_COLOUR.items():
        if name in by_name:
            assert by_name[name].marker.spPr.solidFill.srgbClr == colour, name
            assert by_name[name].spPr.ln.noFill, f"{name}: markers, no line"
    assert by_name["Implied productivity, month"].spPr.ln.solidFill.srgbClr == "7B7D7D"
    for name in ("Process limits", "Upper process limit", target):
        assert by_name[name].spPr.ln.prstDash == "dash", name
    assert by_name["Mean"].spPr.ln.prstDash in (None, "solid")


def tone(cell) -> str:
    """A cell's fill by what it looks like: 'blue', 'orange', 'grey' or 'white'."""
    rgb = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else "FFFFFFFF"
    r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (2, 4, 6))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if lightness > 0.97:
        return "white"
    if saturation < 0.1:
        return "grey"
    return "orange" if 20 <= hue * 360 <= 45 else "blue" if 190 <= hue * 360 <= 215 else rgb


# Making Data Count's colours: blue improvement (or passing), orange concern (or failing),
# grey common cause (or hit and miss); no colour where there are too few points.
VARIATION_TONE = {"special_cause_improvement": "blue", "special_cause_concern": "orange",
                  "common_cause": "grey", "insufficient_data": "white"}
ASSURANCE_TONE = {"consistently_passing": "blue", "consistently_failing": "orange",
                  "hit_and_miss": "grey", None: "white"}


def report(closed: Closed, org: str):
    return openpyxl.load_workbook(closed.settings.reports_dir / QUARTER_END /
                                  f"executive_report_{org}_{QUARTER_END}.xlsx")


# --- tests -------------------------------------------------------------------------------

def test_the_executive_reports_spc_charts_draw_the_marts_points(closed):
    words = labels(closed.engine)
    markers = {"Special cause: improvement": 0, "Special cause: concern": 0}
    for org in ORGS:
        wb = report(closed, org)
        charts = charts_by_title(wb)
        assert len(charts) == 4
        (page,) = chart_pages(wb)
        text = sheet_text(page)
        for measure, what in (("ip_cost", "cost"), ("ip_wte", "workforce")):
            found = readings(closed.engine, org, measure)
            for basis, lens in LENS.items():
                chart = charts[f"Implied productivity ({what}) {lens}"]
                drawn = points(closed.engine, org, "trust", org, measure, basis)
                reading = found[(basis, "trust", org)]
                assert drawn and reading["points"] == len(drawn)
                for name, count in assert_chart_draws(wb, chart, drawn, reading).items():
                    markers[name] = markers.get(name, 0) + count
                assert variation_words(reading) in text
                if len(drawn) < 12:
                    assert f"{len(drawn)} month(s)" in text and "Fewer than 12 points" in text
        assert words[("variation", "insufficient_data")] in text
    # The planted surge and what follows it: the charts above were not all common cause.
    assert markers["Special cause: improvement"] and markers["Special cause: concern"]


def test_the_clinical_groups_table_reads_each_nodes_variation_and_assurance(closed):
    too_few = labels(closed.engine)[("variation", "insufficient_data")]
    seen = set()
    for org in ORGS:
        found = readings(closed.engine, org)
        ws = report(closed, org)["Clinical groups"]
        header = header_row_of(ws, "Clinical group / directorate")
        columns = lens_columns(ws, header)
        checked = 0
        for row in ws.iter_rows(min_row=header + 1):
            label = row[1].value
            if not label or row[1].font.i:     # the legend under the table
                continue
            level = ("trust" if label == "Trust" else
                     "directorate" if row[1].alignment.indent else "clinical_group")
            node = org if level == "trust" else label
            for basis, band in BAND.items():
                reading = found[(basis, level, node)]
                variation = row[columns[(band, "Variation, IPc month by month")] - 1]
                assurance = row[columns[(band, "Assurance, IPc")] - 1]
                assert variation.value == variation_words(reading), (org, node, basis)
                assert assurance.value == assurance_words(reading, too_few), (org, node, basis)
                assert tone(variation) == VARIATION_TONE[reading["variation"]]
                assert tone(assurance) == ASSURANCE_TONE[reading["assurance"]]
                seen.add(reading["variation"])
            checked += 1
        assert checked == len({(lvl, n) for (b, lvl, n) in found
                               if lvl != "service" and b == "base_year"})
    # Both kinds a board must tell apart are in the data: a signal and the usual noise.
    assert {"special_cause_concern", "common_cause", "insufficient_data"} <= seen


def test_each_pack_charts_the_group_and_every_directorate_and_reads_every_service(closed):
    engine = closed.engine
    for org in ORGS:
        found = readings(engine, org)
        too_few = labels(engine)[("variation", "insufficient_data")]
        groups = sorted({n for (b, lvl, n) in found if lvl == "clinical_group"})
        with engine.connect() as conn:
            tree = conn.execute(sa.text(
                "select level, node, clinical_group, directorate from mart.implied_productivity"
                " where period = :m and org_code = :o and basis = 'base_year'"
                " and time_window = 'ytd' and level in ('directorate', 'service')"),
                {"m": QUARTER_END, "o": org}).mappings().all()
        for group in groups:
            pack = openpyxl.load_workbook(
                closed.settings.reports_dir / QUARTER_END /
                f"productivity_pack_{org}_{slug(group)}_{QUARTER_END}.xlsx")
            directorates = sorted(r["node"] for r in tree
                                  if r["level"] == "directorate" and r["clinical_group"] == group)
            charts = charts_by_title(pack)
            drawn_titles = set()
            for level, node in [("clinical_group", group)] + [("directorate", d)
                                                              for d in directorates]:
                for basis, lens in LENS.items():
                    drawn = points(engine, org, level, node, "ip_cost", basis)
                    if drawn:    # no activity, no implied productivity: nothing to draw
                        title = f"{node}: implied productivity (cost) {lens}"
                        assert_chart_draws(pack, charts[title], drawn,
                                           found[(basis, level, node)])
                        drawn_titles.add(title)
            assert set(charts) == drawn_titles
            for directorate in directorates:
                ws = pack[directorate[:31]]
                header = header_row_of(ws, "Service")
                columns = lens_columns(ws, header)
                lines = {r[1].value: r for r in ws.iter_rows(min_row=header + 1) if r[1].value}
                services = [r["node"] for r in tree
                            if r["level"] == "service" and r["directorate"] == directorate]
                for level, node, line in [("directorate", directorate,
                                           lines[f"{directorate} (directorate)"])] + [
                        ("service", s, lines[s]) for s in services]:
                    for basis, band in BAND.items():
                        reading = found[(basis, level, node)]
                        cell = line[columns[(band, "Variation, IPc month by month")] - 1]
                        assert cell.value == variation_words(reading), (org, node, basis)
                        cell = line[columns[(band, "Assurance, IPc")] - 1]
                        assert cell.value == assurance_words(reading, too_few), (org, node)


def test_the_definitions_say_how_to_read_an_spc_chart_and_its_icons(closed):
    words = labels(closed.engine)
    for wb in (report(closed, "RXA"), openpyxl.load_workbook(
            closed.settings.reports_dir / QUARTER_END /
            f"productivity_pack_RXA_medical_{QUARTER_END}.xlsx")):
        terms = {r[1]: r[2] for r in wb["Definitions"].iter_rows(values_only=True) if r[1]}
        text = "\n".join(str(v) for v in terms.values())
        for term in ("SPC chart (signal or noise)", "How to read an SPC chart",
                     "Mean and process limits", "Special cause: the four rules",
                     "Colours on the SPC charts", "Variation (icons)", "Assurance (icons)"):
            assert term in terms
        assert "three sigma" in text and "average moving range" in text and "2.66" in text
        for (kind, code), label in words.items():
            assert label in text, (kind, code)
            symbol = {"variation": VARIATION_SYMBOL, "assurance": ASSURANCE_SYMBOL}.get(kind)
            if symbol:
                assert f"{symbol[code]} {label}" in text
        for colour in ("blue", "orange", "grey"):
            assert colour in terms["Colours on the SPC charts"]


def test_the_email_fingerprint_carries_the_spc_reading(engine, settings, tmp_path):
    load_synthetic(engine, settings, tmp_path)
    calculate_month(engine, settings, QUARTER_END)
    before = figures_sha256(load_org(engine, settings, "RXA", QUARTER_END))
    with engine.begin() as conn:
        conn.execute(sa.text(
            "update mart.spc_summary set variation = 'special_cause_concern'"
            " where org_code = 'RXA' and period = :m and level = 'trust'"
            " and measure = 'ip_cost' and basis = 'base_year'"), {"m": QUARTER_END})
    after_reading = figures_sha256(load_org(engine, settings, "RXA", QUARTER_END))
    assert after_reading != before
    with engine.begin() as conn:
        conn.execute(sa.text(
            "update mart.spc_point set mean = mean + 0.001"
            " where org_code = 'RXA' and period = :m and level = 'trust'"
            " and measure = 'ip_cost' and basis = 'base_year'"), {"m": QUARTER_END})
    assert figures_sha256(load_org(engine, settings, "RXA", QUARTER_END)) != after_reading
