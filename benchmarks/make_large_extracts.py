"""Write a large trust's year of extracts (one file per source) for load benchmarks.

    python benchmarks/make_large_extracts.py OUT_DIR [--activity 3000000] [--ledger 1500000]
        [--workforce 250000] [--org RXL] [--month YYYY-MM] [--seed 8]

By default the files hold financial year 2024/25 (`*_2024-25.csv`); `--month` writes one
month instead (`*_YYYY-MM.csv`, the sizes then being a month's: a large trust closes about
250000 activity records, 125000 ledger lines and 21000 ESR assignments a month). `--org`
names the trust, so that several trusts' extracts can share a landing folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

PODS = np.array(["EL", "DC", "NEL", "OPFA", "OPFU", "OPPROC", "AE"])
POD_SHARE = [0.02, 0.07, 0.08, 0.2, 0.4, 0.05, 0.18]
YEAR = [f"{2024 + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def activity(rows: int, rng: np.random.Generator, org: str, months: list[str]) -> pd.DataFrame:
    pod = rng.choice(PODS, rows, p=POD_SHARE)
    admitted = np.isin(pod, ["EL", "DC", "NEL"])
    outpatient = np.char.startswith(pod.astype(str), "OP")
    return pd.DataFrame({
        "org_code": org,
        "period": rng.choice(months, rows),
        "pod": pod,
        "treatment_function_code": rng.choice(["100", "110", "120", "130", "300", "320", "180", "420"], rows),
        "hrg_code": np.where(admitted | (rng.random(rows) < 0.5), rng.choice(["HN12C", "FZ22A", "BZ24B", "LB35C"], rows), ""),
        "attendance_status": np.where(outpatient, rng.choice(["attended", "dna", "cancelled"], rows, p=[0.88, 0.07, 0.05]), ""),
        "los_days": np.where(admitted, rng.poisson(3, rows).astype(str), ""),
        "preop_days": "",
        "count": 1,
        "nhs_number": rng.integers(4_000_000_000, 9_999_999_999, rows),
        "postcode": "SE1 7EH",
    })


def ledger(rows: int, rng: np.random.Generator, org: str, months: list[str]) -> pd.DataFrame:
    pence = rng.integers(-5_000_000, 50_000_000, rows)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--activity", type=int, default=3_000_000)
    parser.add_argument("--ledger", type=int, default=1_500_000)
    parser.add_argument("--workforce", type=int, default=250_000)
    parser.add_argument("--org", default="RXL")
    parser.add_argument("--month", help="one month YYYY-MM instead of financial year 2024/25")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
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
