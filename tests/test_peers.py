"""peers.csv on both bases: our layout with a basis, and NHS England's published layout (its
headers, its growth rates as percentages or fractions, undated), ranked with the loaded trusts."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from synthetic import REPORT, load_synthetic

from prodpack.demo import write_demo
from schemas.published_peers import growth_in_percent
from schemas.sources import PeerRow
from tasks.calculate.run import calculate_month
from tasks.ingest.extract import FileRejected, discover, map_headers
from tasks.ingest.load import load_file

NHSE_HEADERS = ["Organisation code", "Organisation name", "Cost weighted activity growth",
                "Real terms resource growth", "Productivity growth estimate"]
# How NHS England's growth figures may be written: form -> (header suffix, a rate as written);
# "percent header" comes as a workbook, its figures numbers.
FORMS = {
    "percent sign": ("", lambda x: f"{100 * x:.3f}%"),
    "percent header": (" (%)", lambda x: f"{100 * x:.3f}"),
    "percent by size": ("", lambda x: f"{100 * x:.3f}"),      # some growth beyond ±1: percent
    "fractions": ("", lambda x: f"{x:.5f}"),
}


@pytest.fixture
def calculated(engine, settings, tmp_path) -> Path:
    """The synthetic trusts and their published peer (base year) loaded and calculated."""
    load_synthetic(engine, settings, tmp_path)
    calculate_month(engine, settings, REPORT)
    return tmp_path / "landing"


def peer_ranks(engine, basis: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(
            "select time_window, org_code, org_name, ip_cost, rank, peer_count, source"
            " from mart.peer_rank where period = :m and basis = :b order by 1, 2"),
            conn, params={"m": REPORT, "b": basis})


def trust_ip_cost(engine, basis: str, window: str) -> dict[str, Decimal]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "select org_code, ip_cost from mart.implied_productivity where period = :m"
            " and basis = :b and time_window = :w and level = 'trust'"),
            {"m": REPORT, "b": basis, "w": window}).all())


def write_peers(landing: Path, header: list[str], rows: list[list[str]], xlsx: bool = False) -> None:
    """peers.csv, or peers.xlsx with numbers as numbers (as NHS England's workbook has them)."""
    (landing / "reference" / "peers.csv").unlink(missing_ok=True)
    if xlsx:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append([float(v) if re.fullmatch(r"-?[\d.]+", v) else v for v in row])
        book.save(landing / "reference" / "peers.xlsx")
        return
    with open(landing / "reference" / "peers.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerow(header)
        csv.writer(out).writerows(rows)


def load_peers(engine, settings, landing: Path):
    [peers] = [f for f in discover(landing) if f.source == "peers"]
    return load_file(engine, settings, peers)


def quarantined(engine, load_id: int) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "select line_number, reason from ops.quarantine where load_id = :l"), {"l": load_id}).all())


def expected_ranks(figures: dict[str, Decimal]) -> dict[str, tuple[int, int]]:
    """Rank 1 the highest IPc, ties sharing the better rank; and how many are ranked."""
    return {org: (1 + sum(other > ip for other in figures.values()), len(figures))
            for org, ip in figures.items()}


def as_written(text: str, form: str) -> Decimal:
    """The fraction a figure written in a form stands for."""
    return Decimal(text.rstrip("%")) / (1 if form == "fractions" else 100)


@pytest.mark.parametrize("form", FORMS)
def test_nhs_englands_file_ranks_our_trusts_among_every_trust_it_publishes(
        engine, settings, calculated, form):
    base_year_before = peer_ranks(engine, "base_year")
    ours = trust_ip_cost(engine, "prior_year", "ytd")
    assert set(ours) == {"RXA", "RXB"} and None not in ours.values()
    low, high = min(ours.values()), max(ours.values())
    # Published figures around ours: (code, activity growth, resource growth, estimate given).
    # R1A also has base-year figures of its own; RXA is one of ours, which its loaded figures
    # outrank; R2C gives only the two growths, so its estimate is worked out from them.
    resource = Decimal("0.03")
    published = [("R1A", high + Decimal("0.02"), True), ("R2B", (low + high) / 2, True),
                 ("R2C", low - Decimal("0.01"), False), ("R2D", low - Decimal("0.3"), True),
                 ("RXA", high + Decimal("0.1"), True)]
    suffix, write = FORMS[form]
    rows, figures = [], {}
    for code, ip, estimate in published:
        activity = (1 + ip) * (1 + resource) - 1
        written = [write(activity), write(resource), write(ip) if estimate else ""]
        rows.append([code, f"Trust {code}", *written])
        a, r = (as_written(w, form) for w in written[:2])
        figures[code] = as_written(written[2], form) if estimate else (1 + a) / (1 + r) - 1
    rows.append(["R2E", "Trust R2E", write(Decimal("0.01")), write(resource), "n/a"])
    header = NHSE_HEADERS[:2] + [h + suffix for h in NHSE_HEADERS[2:]]
    write_peers(calculated, header, rows, xlsx=form == "percent header")

    result = load_peers(engine, settings, calculated)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 6, 5)
    [(line, reason)] = quarantined(engine, result.load_id).items()
    assert line == 7 and "productivity_growth 'n/a' is not a number" in reason
    with engine.connect() as conn:
        stored = conn.execute(sa.text(
            "select org_code, period, time_window, basis, ip_cost, activity_growth"
            " from core.peers where basis = 'prior_year' order by 1")).all()
    assert [(o, p, w, b) for o, p, w, b, *_ in stored] == [
        (code, None, "ytd", "prior_year") for code in sorted(figures)]
    assert all(abs(ip - figures[o]) < Decimal("1e-12") and abs(a) < 1 for o, *_, ip, a in stored)

    calculate_month(engine, settings, REPORT)
    ranks = peer_ranks(engine, "prior_year")
    ytd = ranks[ranks.time_window == "ytd"].set_index("org_code")
    candidates = {**{o: ip for o, ip in figures.items() if o not in ours}, **ours}
    assert {org: (row["rank"], row["peer_count"]) for org, row in ytd.iterrows()} == \
        expected_ranks(candidates)
    assert ytd.loc["RXA", "source"] == "loaded" and ytd.loc["R2B", "org_name"] == "Trust R2B"
    # The other windows have no published figures: our two trusts only.
    assert set(ranks[ranks.time_window != "ytd"].org_code) == set(ours)
    # Unchanged but for a name: NHS England's for RXA titles our own trust (as any published name does).
    pd.testing.assert_frame_equal(peer_ranks(engine, "base_year").drop(columns="org_name"),
                                  base_year_before.drop(columns="org_name"))


def test_our_layout_takes_a_basis_and_refuses_growth_figures_said_to_be_against_the_base_year(
        engine, settings, calculated):
    header = ["org_code", "org_name", "period", "time_window", "ip_cost", "basis",
              "activity_growth", "resource_growth"]
    base_year_before = peer_ranks(engine, "base_year")
    ours = trust_ip_cost(engine, "prior_year", "month")
    with engine.connect() as conn:
        kept = [[o, n, p, w, str(ip), "", "", ""] for o, n, p, w, ip in conn.execute(sa.text(
            "select org_code, org_name, period, time_window, ip_cost from core.peers"))]
    rows = kept + [
        ["R3A", "Peer R3A", REPORT, "month", "0.0125", "prior_year", "", ""],
        ["R3B", "Peer R3B", REPORT, "Month", "", "Prior year", "0.04", "0.01"],
        ["R3C", "Peer R3C", REPORT, "month", "", "base_year", "0.04", "0.01"],
        ["R3D", "Peer R3D", "", "month", "0.01", "prior_year", "", ""],
    ]
    write_peers(calculated, header, rows)
    result = load_peers(engine, settings, calculated)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", len(rows), len(rows) - 2)
    reasons = quarantined(engine, result.load_id)
    assert "basis must be prior_year, not base_year" in reasons[len(kept) + 4]
    assert "period required" in reasons[len(kept) + 5]

    calculate_month(engine, settings, REPORT)
    ranks = peer_ranks(engine, "prior_year")
    month = ranks[ranks.time_window == "month"].set_index("org_code")
    published = {"R3A": Decimal("0.0125"), "R3B": Decimal("1.04") / Decimal("1.01") - 1}
    assert {org: (row["rank"], row["peer_count"]) for org, row in month.iterrows()} == \
        expected_ranks({**ours, **published})
    assert abs(Decimal(str(month.loc["R3B", "ip_cost"])) - published["R3B"]) < Decimal("1e-12")
    # Unchanged but for a name: NHS England's for RXA titles our own trust (as any published name does).
    pd.testing.assert_frame_equal(peer_ranks(engine, "base_year").drop(columns="org_name"),
                                  base_year_before.drop(columns="org_name"))


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_a_header_in_percent_makes_small_figures_percentages(engine, settings, tmp_path, xlsx):
    landing = tmp_path / "landing"
    (landing / "reference").mkdir(parents=True)
    header = ["Trust code", "Cost-weighted activity growth (%)", "Resource growth, per cent"]
    write_peers(landing, header, [["R1A", "0.9", "0.4"], ["R1B", "-0.5", "0.25"]], xlsx)
    assert load_peers(engine, settings, landing).rows_loaded == 2
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select org_code, activity_growth, resource_growth, ip_cost"
                                      " from core.peers order by 1")).all()
    assert [tuple(r[:3]) for r in stored] == [("R1A", Decimal("0.009"), Decimal("0.004")),
                                              ("R1B", Decimal("-0.005"), Decimal("0.0025"))]
    assert abs(stored[0][3] - (Decimal("1.009") / Decimal("1.004") - 1)) < Decimal("1e-12")


@pytest.mark.parametrize("values, percent_headers, percent", [
    (["0.021", "-0.013", "0.9"], set(), False),                 # fractions
    (["0.021", "-0.013", "1.4"], set(), True),                  # a 140% growth is 1.4%
    (["0.021", "-0.013", "0.9"], {"resource_growth"}, True),    # the header says so
    (["0.021", "-1.5%", "n/a"], set(), False),                  # a % is a percentage anyway
])
def test_a_file_reads_its_growth_figures_as_percentages_or_fractions(values, percent_headers,
                                                                      percent):
    records = [{"org_code": "R1A", "activity_growth": v, "resource_growth": "0.01"} for v in values]
    assert growth_in_percent(records, percent_headers) is percent
    row = PeerRow.model_validate({"org_code": "R1A", "productivity_growth": "0.5",
                                  "activity_growth": "-1.5%"}, context={"percent": percent})
    assert row.ip_cost == Decimal("0.005" if percent else "0.5")
    assert row.activity_growth == Decimal("-0.015")
    assert (row.basis, row.time_window, row.period) == ("prior_year", "ytd", None)


@pytest.mark.parametrize("row, reason", [
    ({"activity_growth": "0.02"}, "productivity_growth required, or both"),
    ({"activity_growth": "0.02", "resource_growth": "-1"}, "resource_growth -1 is a fall of 100%"),
    ({"productivity_growth": "0.02", "ip_cost": "0.03"}, "disagree"),
    ({"productivity_growth": "2000"}, "is beyond ±1,000"),
    ({"period": "2024-08", "time_window": "ytd", "ip_cost": "0.01", "basis": "last_year"},
     "basis"),
])
def test_a_published_row_that_does_not_add_up_names_its_problem(row, reason):
    with pytest.raises(ValidationError, match=reason):
        PeerRow.model_validate({"org_code": "R1A", **row})


def test_nhs_englands_headers_map_for_peers_only_and_the_trusts_own_map_wins():
    headers = ["Provider code", "Trust name", "Cost-weighted activity growth (%)",
               "Real-terms resource growth, per cent", "Productivity growth estimate"]
    assert list(map_headers("peers.csv", "peers", headers).values()) == [
        "org_code", "org_name", "activity_growth", "resource_growth", "productivity_growth"]
    mine = map_headers("peers.csv", "peers", headers, {"Productivity growth estimate": "ip_cost"})
    assert mine[4] == "ip_cost"
    # Our own layout still needs its columns; a fact file knows nothing of NHS England's names.
    with pytest.raises(FileRejected, match="missing required column.s. period, time_window"):
        map_headers("peers.csv", "peers", ["org_code", "ip_cost"])
    with pytest.raises(FileRejected, match="missing required column.s. org_code"):
        map_headers("ledger.csv", "ledger", ["Provider code", "period", "cost_centre",
                                             "subjective_code", "amount"])


def test_the_demo_ranks_on_both_bases(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    write_demo(landing, seed=2019, scale=0.03, last_month="2024-04")
    results = [load_file(engine, settings, f) for f in discover(landing)]
    assert {r.status for r in results} == {"loaded"}
    assert [r.rows_quarantined for r in results if r.source == "peers"] == [0]
    calculate_month(engine, settings, "2024-04")
    with engine.connect() as conn:
        ranked = conn.execute(sa.text(
            "select basis, time_window, count(*) filter (where source = 'loaded'), count(*)"
            " from mart.peer_rank where period = '2024-04' group by 1, 2 order by 1, 2")).all()
    assert [tuple(r) for r in ranked] == [
        (basis, window, 2, 6) for basis in ("base_year", "prior_year")
        for window in ("month", "quarter", "ytd")]
