"""The whole demo: every trust's files for every period into a landing folder, and the manifest
saying what was written and planted."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from prodpack.demo.activity import activity_month
from prodpack.demo.casemix import UNPRICED_HRGS
from prodpack.demo.ledger import LedgerMonth, format_money, ledger_month
from prodpack.demo.model import SOURCE_INDEX, TrustModel
from prodpack.demo.months import (
    FIRST_MONTH,
    FIRST_MONTHLY_FILE,
    HORIZON,
    financial_year,
    last_closed_month,
    month_index,
    month_label,
    year_month,
)
from prodpack.demo.planted import PLANTED, bad_lines, corrupt, plant, plant_in_table
from prodpack.demo.reference import reference_files
from prodpack.demo.styles import FINANCIAL_PERIOD_MONTHS, STYLES, XLSX_MONTHS, FileStyle
from prodpack.demo.trusts import TRUSTS
from prodpack.demo.workforce import WorkforceMonth, workforce_month
from prodpack.demo.writers import Written, write_rows_csv, write_table_csv, write_workforce_xlsx


def write_demo(landing: Path, *, seed: int = 2019, scale: float = 1.0,
               last_month: str | None = None, monthly_from: str = FIRST_MONTHLY_FILE) -> dict:
    """Write the demo trusts into `landing`; return the manifest, also written there.

    `monthly_from` (from 2020-04) is the first month with a file of its own: by default the
    years between 2019/20 and 2023/24 are left out, as a trust adopting the platform sends
    its base year and recent years; an earlier month gives the whole history (the close
    benchmark's seven years). A month's data is the same whichever it is."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    last_month = last_month or last_closed_month()
    last, first = month_index(last_month), month_index(monthly_from)
    if not 12 <= first <= last < HORIZON:
        raise ValueError(f"months with their own files run from 2020-04 at the earliest to "
                         f"{month_label(HORIZON - 1)} at the latest: not {monthly_from} to {last_month}")
    landing = Path(landing)
    for folder in ("reference", "ledger", "workforce", "activity"):
        (landing / folder).mkdir(parents=True, exist_ok=True)

    models = [TrustModel(trust, i, seed, scale) for i, trust in enumerate(TRUSTS)]
    written: list[Written] = []
    for stem, (header, rows) in reference_files(models, first, last).items():
        plain = FileStyle(tuple(header), tuple(header))
        write_rows_csv(landing / "reference" / f"{stem}.csv", rows, plain, plain.headers)
        written.append(Written(f"reference/{stem}.csv", stem, None, len(rows)))

    # 2019/20 as one file per source, named with its financial year; then a file a month.
    periods = [("2019-20", list(range(12)))] + [
        (month_label(i), [i]) for i in range(first, last + 1)]
    for model in models:
        for label, months in periods:
            staff = [workforce_month(model, i) for i in months]
            ledgers = [ledger_month(model, i, s) for i, s in zip(months, staff)]
            written.append(_write_ledger(landing, model, label, months, ledgers))
            written.append(_write_workforce(landing, model, label, months, staff))
            written.append(_write_activity(landing, model, label, months))

    manifest = {
        "seed": seed, "scale": scale, "orgs": [t.org for t in TRUSTS],
        "first_month": FIRST_MONTH, "last_month": last_month,
        "files": [w.as_dict() for w in written],
        "unmapped": {
            "cost_centres": [c for t in TRUSTS for c, *_ in t.unmapped_cost_centres],
            "treatment_functions": [c for t in TRUSTS for c, *_ in t.unmapped_treatment_functions],
        },
        "unpriced_hrgs": [f"OPPROC {code}" for code in UNPRICED_HRGS],
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    (landing / "demo_manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _planting_rng(model: TrustModel, source: str, months: list[int]) -> np.random.Generator:
    # Its own stream, so that planting never shifts the good rows' draws.
    key = [model.seed, model.org_index, SOURCE_INDEX[source], *year_month(months[0]), 1]
    return np.random.default_rng(key)


def _file_name(org: str, source: str, label: str, suffix: str = "csv") -> str:
    return f"{source}/{org}_{source}_{label}.{suffix}"


def _write_ledger(landing: Path, model: TrustModel, label: str, months: list[int],
                  ledgers: list[LedgerMonth]) -> Written:
    org = model.trust.org
    style = STYLES[(org, "ledger")]
    rng = _planting_rng(model, "ledger", months)
    columns, headers = list(style.columns), list(style.headers)
    financial = (org, "ledger", label) in FINANCIAL_PERIOD_MONTHS
    if financial:
        at = columns.index("period")
        columns[at:at + 1] = ["financial_year", "financial_period"]
        headers[at:at + 1] = ["FINANCIAL_YEAR", "FINANCIAL_PERIOD"]
    rows: list[dict[str, str]] = []
    for index, ledger in zip(months, ledgers):
        year, month = year_month(index)
        when = ({"financial_year": financial_year(index), "financial_period": str(index % 12 + 1)}
                if financial else {"period": style.period_format.format(y=year, m=month)})
        amounts = format_money(ledger.amount, style.money, rng)
        rows += [{"org_code": org, **when, "cost_centre": cc, "subjective_code": code,
                  "amount": amount, "description": text}
                 for cc, code, amount, text in zip(ledger.cost_centre, ledger.subjective, amounts,
                                                   ledger.description)]
    kinds = PLANTED.get((org, "ledger", label), [])
    order, sources, positions = plant(len(rows), kinds, rng)
    lines: list[list[str] | str] = [[row[c] for c in columns] for row in rows]
    for kind, source in zip(kinds, sources):
        if kind == "unquoted_thousands":
            # A hand-edited line with the amount's thousands comma unquoted: one field too many.
            fields = io.StringIO()
            csv.writer(fields, lineterminator="").writerow(
                ["AMOUNT" if c == "amount" else rows[source][c] for c in columns])
            lines.append(fields.getvalue().replace("AMOUNT", "1,234.56"))
        else:
            bad = corrupt(kind, rows[source], months)
            lines.append([bad[c] for c in columns])
    name = _file_name(org, "ledger", label)
    write_rows_csv(landing / name, [lines[i] for i in order], style, tuple(headers))
    return Written(name, "ledger", org, len(lines), bad_lines(positions, kinds))


def _write_workforce(landing: Path, model: TrustModel, label: str, months: list[int],
                     staff: list[WorkforceMonth]) -> Written:
    org = model.trust.org
    style = STYLES[(org, "workforce")]
    kinds = PLANTED.get((org, "workforce", label), [])
    table, positions = plant_in_table(pa.concat_tables([s.table for s in staff]), kinds,
                                       _planting_rng(model, "workforce", months), months)
    if (org, "workforce", label) in XLSX_MONTHS:
        name = _file_name(org, "workforce", label, "xlsx")
        write_workforce_xlsx(landing / name, table.to_pylist(), style)
    else:
        name = _file_name(org, "workforce", label)
        write_table_csv(landing / name, table, style)
    return Written(name, "workforce", org, table.num_rows, bad_lines(positions, kinds))


def _write_activity(landing: Path, model: TrustModel, label: str, months: list[int]) -> Written:
    org = model.trust.org
    kinds = PLANTED.get((org, "activity", label), [])
    table, positions = plant_in_table(pa.concat_tables([activity_month(model, i) for i in months]),
                                       kinds, _planting_rng(model, "activity", months), months)
    name = _file_name(org, "activity", label)
    write_table_csv(landing / name, table, STYLES[(org, "activity")])
    return Written(name, "activity", org, table.num_rows, bad_lines(positions, kinds))
