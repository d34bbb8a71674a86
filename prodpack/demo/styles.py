"""How each org exports each source (columns, header spellings, encoding, line ends, formats),
and rows as text in a style's column order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa


# fmt: off
@dataclass(frozen=True)
class FileStyle:
    """How one org exports one source: the variety SOURCES.md promises to read."""

    columns: tuple[str, ...]                 # contract and personal columns, in file order
    headers: tuple[str, ...]                 # as the export spells them
    encoding: str = "utf-8"                  # utf-8 | utf-8-sig (BOM) | cp1252
    eol: str = "\n"
    quote_all: bool = False
    period_format: str = "{y}-{m:02d}"
    money: str = "plain"                     # ledger: plain | mixed | accounting
    zero_sickness: str = "0"                 # how ESR writes no sickness


LEDGER_COLUMNS = ("org_code", "period", "cost_centre", "subjective_code", "amount", "description")
WORKFORCE_ESR = ("employee_number", "assignment_number", "employee_name", "ni_number",
                 "date_of_birth", "email", "org_code", "period", "cost_centre", "staff_group",
                 "pay_band", "assignment_category", "contracted_wte", "sickness_fte_days")
WORKFORCE_CONTRACT_FIRST = ("org_code", "period", "assignment_number", "cost_centre", "staff_group",
                            "pay_band", "assignment_category", "contracted_wte",
                            "sickness_fte_days", "employee_name", "ni_number", "date_of_birth",
                            "employee_number", "email")
ACTIVITY_COLUMNS = ("org_code", "period", "pod", "treatment_function_code", "hrg_code",
                    "attendance_status", "los_days", "preop_days", "count", "nhs_number",
                    "local_patient_id", "postcode", "date_of_birth")


def _title(column: str) -> str:
    special = {"ni_number": "NI Number", "contracted_wte": "Contracted WTE",
               "sickness_fte_days": "Sickness FTE Days", "date_of_birth": "Date of Birth"}
    return special.get(column, column.replace("_", " ").title())


STYLES = {
    ("RXA", "ledger"): FileStyle(
        LEDGER_COLUMNS,
        ("  Org_Code ", "PERIOD", "Cost Centre", "Subjective Code", "Amount", "Description"),
        encoding="utf-8-sig", eol="\r\n", money="mixed"),
    ("RXB", "ledger"): FileStyle(
        LEDGER_COLUMNS, tuple(c.upper() for c in LEDGER_COLUMNS), encoding="cp1252",
        money="accounting"),
    ("RXA", "workforce"): FileStyle(WORKFORCE_ESR, tuple(map(_title, WORKFORCE_ESR)), eol="\r\n"),
    ("RXB", "workforce"): FileStyle(
        WORKFORCE_CONTRACT_FIRST, WORKFORCE_CONTRACT_FIRST, encoding="utf-8-sig", quote_all=True,
        period_format="{y}/{m:02d}", zero_sickness=""),
    ("RXA", "activity"): FileStyle(ACTIVITY_COLUMNS, ACTIVITY_COLUMNS),
    ("RXB", "activity"): FileStyle(
        ACTIVITY_COLUMNS, ("Org_Code", "Period", "POD", "Treatment_Function_Code", "HRG_Code",
                           "Attendance_Status", "LOS_Days", "PreOp_Days", "Count", "NHS_Number",
                           "Local_Patient_ID", "Postcode", "Date_of_Birth"),
        eol="\r\n", period_format="{y}-{m:02d}-01"),
}
# Months that arrive differently: (org, source, month) -> how.
XLSX_MONTHS = {("RXA", "workforce", "2023-05")}
FINANCIAL_PERIOD_MONTHS = {("RXB", "ledger", "2023-06")}
# fmt: on


def text_table(columns: dict[str, object], rows: int, order: tuple[str, ...]) -> pa.Table:
    arrays = {}
    for name in order:
        value = columns.get(name, "")
        if isinstance(value, str):
            arrays[name] = pa.array(np.full(rows, value, dtype=object), pa.string())
        elif isinstance(value, (pa.Array, pa.ChunkedArray)):
            arrays[name] = value
        else:
            arrays[name] = pa.array(np.asarray(value, dtype=object), pa.string())
    return pa.table(arrays)

