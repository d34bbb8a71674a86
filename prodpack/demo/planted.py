"""The planted bad rows: which files carry them, how a good row is made bad, where the bad
rows go and how the manifest numbers their lines."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prodpack.demo.months import month_label, year_month

# fmt: off
# Bad rows a loader must quarantine: (org, source, file month or financial year) -> kinds.
PLANTED = {
    ("RXA", "ledger", "2019-20"): ["unparseable_amount", "missing_cost_centre",
                                   "period_outside_file"],
    ("RXA", "ledger", "2023-04"): ["unquoted_thousands"],
    ("RXB", "ledger", "2023-06"): ["bad_financial_period", "unparseable_amount"],
    ("RXA", "workforce", "2023-04"): ["wte_out_of_range", "wte_out_of_range",
                                      "duplicate_assignment"],
    ("RXA", "workforce", "2023-05"): ["wte_out_of_range", "missing_assignment_number"],
    ("RXB", "workforce", "2019-20"): ["duplicate_assignment", "duplicate_assignment",
                                      "bad_assignment_category"],
    ("RXA", "activity", "2019-20"): ["unknown_pod", "unknown_pod", "non_positive_count"],
    ("RXA", "activity", "2023-05"): ["bad_treatment_function", "missing_hrg_admitted", "bad_period",
                                     "period_outside_file"],
    ("RXB", "activity", "2023-04"): ["bad_attendance_status", "negative_los"],
    ("RXA", "ledger", "2024-11"): ["unparseable_amount"],
    ("RXA", "activity", "2025-07"): ["unknown_pod"],
    ("RXB", "workforce", "2026-01"): ["wte_out_of_range"],
}
# fmt: on

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def corrupt(kind: str, row: dict[str, str], months: list[int]) -> dict[str, str] | str:
    """A copy of a good row made bad in one way the loader must catch."""
    row = dict(row)
    after = month_label(max(months) + 1)
    if "assignment_number" in row and kind != "duplicate_assignment":
        # Its own assignment (a person's ninth), so that the copy fails for its one planted
        # reason and is not a duplicate as well.
        row["assignment_number"] = row["assignment_number"].split("-")[0] + "-9"
    if kind == "unparseable_amount":
        row["amount"] = "#VALUE!"
    elif kind == "missing_cost_centre":
        row["cost_centre"] = ""
    elif kind == "period_outside_file":
        row["period"] = after
    elif kind == "bad_period":
        year, month = year_month(months[0])
        row["period"] = f"{MONTH_NAMES[month - 1]}-{year}"
    elif kind == "bad_financial_period":
        row["financial_period"] = "13"
    elif kind == "wte_out_of_range":
        row["contracted_wte"] = "1.8" if row.get("contracted_wte") != "1.8" else "0"
    elif kind == "missing_assignment_number":
        row["assignment_number"] = ""
    elif kind == "bad_assignment_category":
        row["assignment_category"] = "Locum"
    elif kind == "unknown_pod":
        row["pod"] = "OPD"
    elif kind == "non_positive_count":
        row["count"] = "0"
    elif kind == "bad_treatment_function":
        row["treatment_function_code"] = row["treatment_function_code"][:2]
    elif kind == "missing_hrg_admitted":
        row["pod"], row["hrg_code"], row["attendance_status"] = "EL", "", ""
    elif kind == "bad_attendance_status":
        row["pod"], row["attendance_status"] = "OPFU", "Attnd"
    elif kind == "negative_los":
        row["pod"], row["los_days"] = "NEL", "-2"
    elif kind not in ("duplicate_assignment", "unquoted_thousands"):
        raise ValueError(f"unknown kind of bad row {kind!r}")
    return row


def plant(
    rows: int, kinds: list[str], rng: np.random.Generator
) -> tuple[np.ndarray, list[int], list[int]]:
    """Where planted rows go among `rows` good ones.

    Returns the final order (indices into good rows followed by planted rows), the good row each
    planted one copies, and each planted row's final position. A duplicate goes after its original.
    """
    sources, slots = [], []
    for kind in kinds:
        source = int(rng.integers(0, max(rows, 1)))
        after = (
            int(rng.integers(source, max(rows, 1)))
            if kind == "duplicate_assignment"
            else int(rng.integers(0, max(rows, 1)))
        )
        sources.append(source)
        slots.append(after + 0.5 + len(slots) * 1e-3)
    keys = np.concatenate([np.arange(rows, dtype=float), np.array(slots)])
    order = np.argsort(keys, kind="stable")
    position = np.empty(len(order), dtype=int)
    position[order] = np.arange(len(order))
    return order, sources, [int(position[rows + i]) for i in range(len(kinds))]


def bad_lines(positions: list[int], kinds: list[str]) -> list[dict]:
    return [{"line": p + 2, "kind": k} for p, k in sorted(zip(positions, kinds))]


def plant_in_table(table: pa.Table, kinds: list[str], rng: np.random.Generator,
                    months: list[int]) -> tuple[pa.Table, list[int]]:
    """The table with bad copies of some of its rows among the good; their positions."""
    order, sources, positions = plant(table.num_rows, kinds, rng)
    if not kinds:
        return table, []
    originals = table.take(pa.array(sources)).to_pylist()
    bad = pa.Table.from_pylist([corrupt(k, r, months) for k, r in zip(kinds, originals)],
                               schema=table.schema)
    return pa.concat_tables([table, bad]).take(pa.array(order)), positions

