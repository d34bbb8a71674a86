"""Write a large trust's year of extracts (one file per source) for load benchmarks.

    python benchmarks/make_large_extracts.py OUT_DIR [--activity 3000000] [--ledger 1500000]
        [--workforce 250000] [--org RXL] [--month YYYY-MM] [--seed 8]
        [--years 2019-20..2025-26] [--scale 1.0]

By default the files hold financial year 2024/25 (`*_2024-25.csv`); `--month` writes one
month instead (`*_YYYY-MM.csv`, the sizes then being a month's: a large trust closes about
250000 activity records, 125000 ledger lines and 21000 ESR assignments a month). `--org`
names the trust, so that several trusts' extracts can share a landing folder.

`--years FIRST..LAST` writes a file per source for each financial year of the range, as a
trust sends its history for a backfill, and the reference files (hierarchy, specialty map,
subjectives, unit costs, and deflators for every year) in OUT_DIR/reference: the backfill
benchmark's trust. The sizes are 2024/25's; the other years grow towards it and beyond:
activity 3% a year, staff 2% and cost 2% in real terms on top of the deflators, so the
trust's implied productivity moves about 1% a year. `--scale` multiplies every size (0.02
for a quick try).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

PODS = np.array(["EL", "DC", "NEL", "OPFA", "OPFU", "OPPROC", "AE"])
POD_SHARE = [0.02, 0.07, 0.08, 0.2, 0.4, 0.05, 0.18]
CALENDAR = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
YEAR = [f"{2024 + (m < 4)}-{m:02d}" for m in CALENDAR]
# The size's year, and each year's growth over the one before: the activity, the staff, and
# the cost in real terms (the deflators below add the prices).
SIZE_YEAR, ACTIVITY_GROWTH, STAFF_GROWTH, REAL_COST_GROWTH = 2024, 0.03, 0.02, 0.02
PAY_INFLATION, NON_PAY_INFLATION = 0.035, 0.025
TREATMENT_FUNCTIONS = ["100", "110", "120", "130", "300", "320", "180", "420"]
SUBJECTIVES = [("511100", "pay", "substantive", "Medical staff"),
               ("512100", "pay", "substantive", "Nursing staff"),
               ("520000", "non_pay", "", "Drugs"), ("540000", "non_pay", "", "Clinical supplies"),
               ("560000", "non_pay", "", "Premises"), ("130000", "income", "", "Patient care income")]
UNIT_COSTS = {"EL": 3400, "DC": 900, "NEL": 2100, "OPFA": 160, "OPFU": 95, "OPPROC": 220, "AE": 150}


def activity(rows: int, rng: np.random.Generator, org: str, months: list[str]) -> pd.DataFrame:
    pod = rng.choice(PODS, rows, p=POD_SHARE)
    admitted = np.isin(pod, ["EL", "DC", "NEL"])
    outpatient = np.char.startswith(pod.astype(str), "OP")
    return pd.DataFrame({
        "org_code": org,
        "period": rng.choice(months, rows),
        "pod": pod,
        "treatment_function_code": rng.choice(TREATMENT_FUNCTIONS, rows),
        "hrg_code": np.where(admitted | (rng.random(rows) < 0.5), rng.choice(["HN12C", "FZ22A", "BZ24B", "LB35C"], rows), ""),
        "attendance_status": np.where(outpatient, rng.choice(["attended", "dna", "cancelled"], rows, p=[0.88, 0.07, 0.05]), ""),
        "los_days": np.where(admitted, rng.poisson(3, rows).astype(str), ""),
        "preop_days": "",
        "count": 1,
        "nhs_number": rng.integers(4_000_000_000, 9_999_999_999, rows),
        "postcode": "SE1 7EH",
    })


def ledger(rows: int, rng: np.random.Generator, org: str, months: list[str],
           price: float = 1.0) -> pd.DataFrame:
    pence = np.round(rng.integers(-5_000_000, 50_000_000, rows) * price)
    amount = pd.Series(pence / 100).map("{:,.2f}".format)
    return pd.DataFrame({
        "org_code": org,
        "period": rng.choice(months, rows),
        "cost_centre": pd.Series(rng.integers(10000, 10600, rows)).map("C{}".format),
        "subjective_code": rng.choice(["511100", "512100", "520000", "540000", "560000", "130000"], rows),
        "amount": "£" + amount,
        "description": "Ledger posting",
    })


def workforce(rows: int, rng: np.random.Generator, org: str, months: list[str]) -> pd.DataFrame:
    per_month = rows // len(months)
    staff = np.arange(rows) % per_month
    return pd.DataFrame({
        "org_code": org,
        "period": np.array(months)[np.minimum(np.arange(rows) // per_month, len(months) - 1)],
        "assignment_number": pd.Series(staff + 10_000_000).astype(str) + "-1",
        "cost_centre": pd.Series(rng.integers(10000, 10600, rows)).map("C{}".format),
        "staff_group": rng.choice(["Nursing and Midwifery Registered", "Medical and Dental", "Admin and Clerical"], rows),
        "pay_band": rng.choice(["Band 5", "Band 6", "Band 7", "Consultant"], rows),
        "assignment_category": rng.choice(["Permanent", "Fixed Term Temp", "Bank"], rows, p=[0.8, 0.1, 0.1]),
        "contracted_wte": rng.choice(["1", "0.8", "0.6", "0.5"], rows),
        "sickness_fte_days": rng.choice(["", "0", "1.5"], rows),
        "employee_name": "A Person",
        "ni_number": "AB123456C",
    })


def financial_years(span: str) -> list[int]:
    """'2019-20..2025-26' -> [2019, ..., 2025]."""
    first, _, last = span.partition("..")
    return list(range(int(first[:4]), int((last or first)[:4]) + 1))


def reference(out: Path, org: str, years: list[int]) -> None:
    """Reference files for the trust: 600 cost centres in 8 services (one per treatment
    function), 4 directorates and 2 clinical groups; prices; deflators for every year."""
    folder = out / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    services = [f"Service {tfc}" for tfc in TREATMENT_FUNCTIONS]
    tables = {
        "hierarchy": pd.DataFrame([(org, f"C{c}", f"Cost centre {c}", services[c % 8],
                                    f"Directorate {c % 4}", f"Group {c % 2}") for c in range(10000, 10600)],
                                  columns=["org_code", "cost_centre", "cost_centre_name", "service",
                                           "directorate", "clinical_group"]),
        "specialty_map": pd.DataFrame([(org, tfc, s) for tfc, s in zip(TREATMENT_FUNCTIONS, services)],
                                      columns=["org_code", "treatment_function_code", "service"]),
        "subjectives": pd.DataFrame(SUBJECTIVES, columns=["subjective_code", "category", "staff_type",
                                                          "description"]),
        "unit_costs": pd.DataFrame([(pod, "*", f"{cost:.2f}") for pod, cost in UNIT_COSTS.items()]
                                   + [("EL", "HN12C", "5200.00")], columns=["pod", "hrg_code", "unit_cost"]),
        # From 2019/20, the base year, to the year after the last.
        "deflators": pd.DataFrame([(f"{y}/{(y + 1) % 100:02d}", f"{(1 + PAY_INFLATION) ** (y - 2019):.4f}",
                                    f"{(1 + NON_PAY_INFLATION) ** (y - 2019):.4f}")
                                   for y in range(2019, max(years) + 2)],
                                  columns=["financial_year", "pay_index", "non_pay_index"]),
    }
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False)


def write_years(args, rng: np.random.Generator) -> None:
    years = financial_years(args.years)
    reference(args.out, args.org, years)
    for year in years:
        months = [f"{year + (m < 4)}-{m:02d}" for m in CALENDAR]
        grown = {name: (1 + rate) ** (year - SIZE_YEAR) for name, rate in
                 (("activity", ACTIVITY_GROWTH), ("staff", STAFF_GROWTH), ("cost", REAL_COST_GROWTH))}
        # Pay and non-pay lines alike carry the blend of the two price indices.
        price = grown["cost"] * ((1 + PAY_INFLATION) ** (year - SIZE_YEAR) + (1 + NON_PAY_INFLATION) ** (year - SIZE_YEAR)) / 2
        for source, build, rows, extra in (
                ("activity", activity, round(args.activity * args.scale * grown["activity"]), {}),
                ("ledger", ledger, round(args.ledger * args.scale * grown["staff"]), {"price": price}),
                # Whole months of staff: a remainder would repeat assignments in March.
                ("workforce", workforce, 12 * round(args.workforce * args.scale * grown["staff"] / 12), {})):
            folder = args.out / source
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{source}_{args.org}_{year}-{(year + 1) % 100:02d}.csv"
            build(rows, rng, args.org, months, **extra).to_csv(path, index=False)
            print(f"{path}: {rows} rows, {path.stat().st_size / 1e6:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--activity", type=int, default=3_000_000)
    parser.add_argument("--ledger", type=int, default=1_500_000)
    parser.add_argument("--workforce", type=int, default=250_000)
    parser.add_argument("--org", default="RXL")
    parser.add_argument("--month", help="one month YYYY-MM instead of financial year 2024/25")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--years", help="financial years FIRST..LAST (e.g. 2019-20..2025-26): a file"
                                        " per source and year, and the reference files")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size (with --years)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.years:
        write_years(args, rng)
        return
    months, span = ([args.month], args.month) if args.month else (YEAR, "2024-25")
    for source, build, rows in (("activity", activity, args.activity), ("ledger", ledger, args.ledger),
                                ("workforce", workforce, args.workforce)):
        folder = args.out / source
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{source}_{args.org}_{span}.csv"
        build(rows, rng, args.org, months).to_csv(path, index=False)
        print(f"{path}: {rows} rows, {path.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
