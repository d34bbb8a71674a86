"""A small two-trust dataset with every awkward case METHODOLOGY.md names, written as
landing files: the shared input of the calculation, report and alert tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tasks.ingest.extract import discover
from tasks.ingest.load import load_file


def write_landing(root: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """Each frame as a file: reference/<stem>.csv, or <source>/<name>.csv for facts."""
    for name, frame in frames.items():
        path = root / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    return root


def load_all(engine, settings, landing: Path) -> None:
    for f in discover(landing):
        result = load_file(engine, settings, f)
        assert result.status == "loaded", result


ORGS = ("RXA", "RXB")
REPORT = "2024-08"
BASE_MONTHS = [f"{y}-{m:02d}" for y, m in [(2019, m) for m in range(4, 13)] + [(2020, m) for m in (1, 2, 3)]]
CURRENT_MONTHS = ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08"]
PRIOR_MONTHS = ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08"]   # last year's, to date

HIERARCHY = [  # cost centre, service, directorate, clinical group
    ("C01", "Cardiology", "Medicine", "Medical"), ("C02", "Cardiology", "Medicine", "Medical"),
    ("C03", "Respiratory", "Medicine", "Medical"), ("C04", "Emergency", "Urgent Care", "Medical"),
    ("C05", "Orthopaedics", "Surgery", "Surgical"), ("C06", "General Surgery", "Surgery", "Surgical"),
    ("C07", "Estates", "Corporate", "Corporate"),
]
SPECIALTY = [("320", "Cardiology"), ("340", "Respiratory"), ("180", "Emergency"),
             ("110", "Orthopaedics"), ("100", "General Surgery"), ("101", "General Surgery")]
SUBJECTIVES = [("511100", "pay", "substantive"), ("511200", "pay", "bank"), ("511300", "pay", "agency"),
               ("520000", "non_pay", ""), ("530000", "non_pay", ""), ("400000", "income", ""),
               ("590000", "excluded", "")]
UNIT_COSTS = [("EL", "*", 3500), ("EL", "HN12C", 5200), ("DC", "*", 900), ("NEL", "*", 2100),
              ("NEL", "DZ11A", 3300), ("OPFA", "*", 160), ("OPFU", "*", 95), ("AE", "*", 150)]
# OPPROC has no default: its rows are unpriced unless the HRG has a price of its own.
OPPROC_PRICED = ("BZ24A", 220)
DEFLATOR_ROWS = [("2019/20", 1.0, 1.0), ("2023/24", 1.198, 1.163), ("2024/25", 1.241, 1.187)]


# The months between last year's to date and this year's: with them, a series of 17 months
# from April 2023 to August 2024, long enough for an SPC chart.
GAP_MONTHS = ["2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]


def synthetic_sources(seed: int, extra_months: tuple[str, ...] = (),
                      surge: dict[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """extra_months: more months before April 2024, drawn like last year's (a longer series);
    surge: months whose activity is that many times what was drawn (a planted signal)."""
    rng = np.random.default_rng(seed)
    # Last year's months come last, so the base and current months draw what they always did;
    # extra months after them, so the others draw the same with or without them.
    months = BASE_MONTHS + CURRENT_MONTHS + PRIOR_MONTHS + list(extra_months)
    ledger, workforce, activity = [], [], []
    for org_index, org in enumerate(ORGS):
        for month in months:
            current = month >= "2024-04"
            for cc, _, _, _ in HIERARCHY + [("C99", None, None, None)]:   # C99: not in the hierarchy
                for code, category, _ in SUBJECTIVES:
                    if rng.random() < 0.15:
                        continue   # not every cost centre books to every account every month
                    size = {"pay": 90_000, "non_pay": 40_000, "income": -30_000, "excluded": 5_000}[category]
                    ledger.append((org, month, cc, code, round(size * rng.uniform(0.5, 1.6), 2)))
            ledger.append((org, month, "C01", "999999", 1234.56))   # not in subjectives.csv
            for i in range(int(rng.integers(25, 40))):
                cc = HIERARCHY[i % len(HIERARCHY)][0] if i % 11 else "C99"
                workforce.append((org, month, f"{org_index}{i:07d}-1", cc,
                                  "Bank" if i % 7 == 0 else "Permanent",
                                  round(float(rng.uniform(0.2, 1.2 if current else 1.0)), 4),
                                  round(float(rng.uniform(0, 3)), 2) if i % 3 else None))
            for tfc in [t for t, _ in SPECIALTY] + ["999"]:   # 999: no service
                for pod, hrgs in (("EL", ["HN12C", "HN13A"]), ("DC", ["FD10M"]), ("NEL", ["DZ11A", "XX99Z"]),
                                  ("OPFA", [""]), ("OPFU", [""]), ("OPPROC", ["BZ24A", "BZ99Z"]), ("AE", [""])):
                    if tfc == "180" and pod != "AE" or tfc != "180" and pod == "AE":
                        continue
                    for hrg in hrgs:
                        statuses = ["attended", "dna", "cancelled", ""] if pod.startswith("OP") else [""]
                        for status in statuses:
                            n = int(rng.integers(1, 30 if current and tfc == "110" else 20))
                            n = round(n * (surge or {}).get(month, 1))
                            los = int(rng.integers(0, 9)) if pod in ("EL", "NEL") else None
                            preop = int(rng.integers(0, 3)) if pod == "EL" and rng.random() < 0.7 else None
                            activity.append((org, month, pod, tfc, hrg or None, status or None, los, preop, n))
    return {
        "ledger": pd.DataFrame(ledger, columns=["org_code", "period", "cost_centre", "subjective_code", "amount"]),
        "workforce": pd.DataFrame(workforce, columns=["org_code", "period", "assignment_number", "cost_centre",
                                                      "assignment_category", "contracted_wte",
                                                      "sickness_fte_days"]),
        "activity": pd.DataFrame(activity, columns=["org_code", "period", "pod", "treatment_function_code",
                                                    "hrg_code", "attendance_status", "los_days", "preop_days",
                                                    "count"]).astype({"los_days": "Int64", "preop_days": "Int64"}),
    }


def reference_frames() -> dict[str, pd.DataFrame]:
    return {
        "hierarchy": pd.DataFrame([(o, cc, cc, s, d, g) for o in ORGS for cc, s, d, g in HIERARCHY], columns=[
            "org_code", "cost_centre", "cost_centre_name", "service", "directorate", "clinical_group"]),
        "specialty_map": pd.DataFrame([(o, t, s) for o in ORGS for t, s in SPECIALTY],
                                      columns=["org_code", "treatment_function_code", "service"]),
        "subjectives": pd.DataFrame(SUBJECTIVES, columns=["subjective_code", "category", "staff_type"]),
        "unit_costs": pd.DataFrame(UNIT_COSTS + [("OPPROC",) + OPPROC_PRICED],
                                   columns=["pod", "hrg_code", "unit_cost"]),
        "deflators": pd.DataFrame(DEFLATOR_ROWS, columns=["financial_year", "pay_index", "non_pay_index"]),
        "peers": pd.DataFrame([("R1A", "Peer A", REPORT, w, v) for w, v in
                               (("month", 0.02), ("ytd", 0.5), ("quarter", -0.9))],
                              columns=["org_code", "org_name", "period", "time_window", "ip_cost"]),
    }


def write_synthetic(landing: Path, seed: int = 7, drop: tuple[tuple[str, str, str], ...] = (),
                    extra_months: tuple[str, ...] = (), surge: dict[str, float] | None = None):
    """Write the dataset as one file per org and source, less the (org, source, month) slices
    in `drop`, with any extra months and surges; return the frames it was written from."""
    sources, reference = synthetic_sources(seed, extra_months, surge), reference_frames()
    frames = {f"reference/{k}": v for k, v in reference.items()}
    for source, frame in sources.items():
        for org in ORGS:
            dropped = [m for o, s, m in drop if (o, s) == (org, source)]
            frames[f"{source}/{org}_{source}"] = frame[(frame.org_code == org) & ~frame.period.isin(dropped)]
    write_landing(landing, frames)
    return sources, reference


def load_synthetic(engine, settings, tmp_path: Path, seed: int = 7):
    """Write and load the dataset; return the frames it was written from."""
    sources, reference = write_synthetic(tmp_path / "landing", seed)
    load_all(engine, settings, tmp_path / "landing")
    return sources, reference
