"""The column-wise validator and the pydantic contract models must agree on every row."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from schemas.sources import FACT_MODELS, REFERENCE_MODELS, parse_money
from tasks.ingest.validate import TEXT, ValidationContext, raw_row_json, validate_chunk

VARIANTS = {
    "ledger": {
        "org_code": ["RXA", " rxa ", "", "R-1", "TOOLONG"],
        "period": ["2024-05", "2024-5", "2024/05", "2024-05-01", "2024-05-01 00:00:00", "2024-13",
                   "May-24", "", "0000-01", "1999-12", "2000-01", "2099-01"],
        "amount": ["£1,234.50", "(1,234.50)", "-1234.5", "£-7", "-£7", ".5", "1,000", "12.3.4",
                   "n/a", "", "(5", "--5", "(-5)", " 42 ", "1,2,3", "1,234,567.50", "12,34",
                   "(1,234,56)", "99999999999999999999.99", "9999999999999999.995",
                   "-9999999999999999.994", "0.001"],
        "description": ["", "a\x00b", "caf\ufffd"],
    },
    "workforce": {
        "assignment_category": ["Permanent", "bank", "FIXED TERM TEMP", "Honorary", ""],
        "contracted_wte": ["1", "1.5", "1.5001", "0", "0.01", "-0.5", "abc", "", "0.00001",
                           "0.00005", "0.000049999", "0.123456789", "-0.00001"],
        "sickness_fte_days": ["", "2.5", "-1", "x", "123456789012", "99999999.99", "99999999.995",
                              "0.001"],
    },
    "activity": {
        "pod": ["EL", "dc", "OPFA", "AE", "XX", ""],
        "treatment_function_code": ["110", "11", "1100", "abc"],
        "hrg_code": ["HN12C", ""],
        "attendance_status": ["", "attended", "DNA", "maybe"],
        "count": ["", "1", "3", "0", "-1", "2.0", "1.5", "99999999999", "2147483647",
                  "2147483648"],
        "los_days": ["", "0", "4", "-1", "x", "3000000000", "2147483647"],
    },
}
BASE = {
    "ledger": {"org_code": "RXA", "period": "2024-05", "cost_centre": "C1",
               "subjective_code": "511100", "amount": "1", "description": ""},
    "workforce": {"org_code": "RXA", "period": "2024-05", "assignment_number": "1-1",
                  "cost_centre": "C1", "staff_group": "N", "pay_band": "5",
                  "assignment_category": "Permanent", "contracted_wte": "1",
                  "sickness_fte_days": ""},
    "activity": {"org_code": "RXA", "period": "2024-05", "pod": "EL",
                 "treatment_function_code": "110", "hrg_code": "HN12C", "attendance_status": "",
                 "los_days": "", "preop_days": "", "count": ""},
}


def corpus(source: str) -> list[dict]:
    variants = VARIANTS[source]
    rows = []
    for values in itertools.product(*variants.values()):
        row = {**BASE[source], **dict(zip(variants, values))}
        if source == "workforce":  # unique assignments, so duplicates do not mix in
            row["assignment_number"] = f"{len(rows)}-1"
        rows.append(row)
    return rows


def model_verdict(source: str, row: dict) -> dict | None:
    try:
        return FACT_MODELS[source].model_validate(row).model_dump()
    except (ValidationError, ValueError):
        return None


@pytest.mark.parametrize("source", ["ledger", "workforce", "activity"])
def test_column_rules_agree_with_the_pydantic_contract(source):
    rows = corpus(source)
    frame = pd.DataFrame(rows, dtype=TEXT)
    frame["line_number"] = range(2, len(rows) + 2)
    validated = validate_chunk(source, frame, ValidationContext(assignment_key=b"k"))
    accepted = dict(zip(validated.rows["line_number"], validated.rows.to_dict("records")))
    disagreements = []
    for line, row in enumerate(rows, start=2):
        expected = model_verdict(source, row)
        got = accepted.get(line)
        if (expected is None) != (got is None):
            disagreements.append((row, "model accepts" if expected else "model rejects"))
        elif expected is not None:
            assert got["period"] == expected["period"].isoformat()
            assert got["org_code"] == expected["org_code"]
            if source == "ledger":
                assert Decimal(got["amount"]) == expected["amount"]
            if source == "workforce":
                assert got["assignment_category"] == expected["assignment_category"]
                assert Decimal(got["contracted_wte"]) == expected["contracted_wte"]
            if source == "activity":
                assert int(got["count"]) == expected["count"] and got["pod"] == expected["pod"]
    assert disagreements == []
    assert len(validated.rows) + len(validated.rejects) == len(rows)


@pytest.mark.parametrize("text, amount", [
    ("£1,234.50", Decimal("1234.50")), ("(1,234.50)", Decimal("-1234.50")),
    ("-1234.5", Decimal("-1234.5")), ("-£12", Decimal(-12)), (".5", Decimal("0.5")),
])
def test_money_spellings(text, amount):
    assert parse_money(text) == amount


def test_duplicate_assignments_are_found_across_chunks():
    context = ValidationContext(assignment_key=b"k")
    first = pd.DataFrame([{**BASE["workforce"], "assignment_number": "9-1"}], dtype=TEXT)
    first["line_number"] = [2]
    again = pd.DataFrame([{**BASE["workforce"], "assignment_number": "9-1"},
                          {**BASE["workforce"], "assignment_number": "9-1", "period": "2024-06"}],
                         dtype=TEXT)
    again["line_number"] = [3, 4]
    assert len(validate_chunk("workforce", first, context).rows) == 1
    second = validate_chunk("workforce", again, context)
    assert second.rows["line_number"].tolist() == [4]
    assert second.rejects["line_number"].tolist() == [3]


def test_a_row_failed_by_another_rule_does_not_make_its_correction_a_duplicate():
    context = ValidationContext(assignment_key=b"k")
    rows = pd.DataFrame([{**BASE["workforce"], "assignment_number": "9-1", "contracted_wte": "abc"},
                         {**BASE["workforce"], "assignment_number": "9-1"},
                         {**BASE["workforce"], "assignment_number": "9-1"}], dtype=TEXT)
    rows["line_number"] = [2, 3, 4]
    validated = validate_chunk("workforce", rows, context)
    assert validated.rows["line_number"].tolist() == [3]
    assert validated.rejects["line_number"].tolist() == [2, 4]
    reasons = validated.rejects["reason"].tolist()
    assert "not a number" in reasons[0] and "duplicate" not in reasons[0]
    assert reasons[1].startswith("duplicate assignment_number for RXA 2024-05")


# Each value passed validation yet failed its database column's COPY, failing the whole file.
UNSTORABLE = [
    ("ledger", "description", "Agency \x00 nurse", "NUL"),
    ("ledger", "amount", "99999999999999999999.99", "too large"),
    ("ledger", "amount", "9999999999999999.995", "too large"),
    ("ledger", "amount", "1,2,3", "not a sum of money"),
    ("ledger", "period", "0000-01", "before 2000-01"),
    ("ledger", "period", "1900-01", "before 2000-01"),
    ("ledger", "period", "2099-01", "after the current month"),
    ("ledger", "cost_centre", "C1\ufffd", "not UTF-8"),
    ("workforce", "contracted_wte", "0.00001", "rounds to 0"),
    ("workforce", "contracted_wte", "1.50004", "outside"),
    ("workforce", "sickness_fte_days", "123456789012", "too large"),
    ("activity", "count", "99999999999", "above 2147483647"),
    ("activity", "los_days", "3000000000", "above 2147483647"),
    ("activity", "preop_days", "2147483648", "above 2147483647"),
]


@pytest.mark.parametrize("source, column, value, reason", UNSTORABLE)
def test_a_value_its_column_cannot_store_is_rejected_by_both_rules(source, column, value, reason):
    good = {**BASE[source], "assignment_number": "7-1"} if source == "workforce" else BASE[source]
    bad = {**good, column: value, **({"assignment_number": "8-1"} if source == "workforce" else {})}
    frame = pd.DataFrame([good, bad], dtype=TEXT)
    frame["line_number"] = [2, 3]
    validated = validate_chunk(source, frame, ValidationContext(assignment_key=b"k"))
    assert validated.rows["line_number"].tolist() == [2]
    assert validated.rejects["line_number"].tolist() == [3]
    assert column in validated.rejects["reason"][0] and reason in validated.rejects["reason"][0]
    assert "\x00" not in validated.rejects["reason"][0]
    assert model_verdict(source, bad) is None
    assert model_verdict(source, good) is not None


def test_a_period_from_the_financial_year_keeps_to_the_months_accepted():
    rows = [{**BASE["ledger"], "period": "", "financial_year": fy, "financial_period": "1"}
            for fy in ("2024/25", "1999/00", "2098/99")]
    frame = pd.DataFrame(rows, dtype=TEXT)
    frame["line_number"] = [2, 3, 4]
    validated = validate_chunk("ledger", frame, ValidationContext())
    assert validated.rows["line_number"].tolist() == [2]
    assert [model_verdict("ledger", r) is not None for r in rows] == [True, False, False]


@pytest.mark.parametrize("stem, row", [
    ("unit_costs", {"pod": "EL", "hrg_code": "HN12C", "unit_cost": "1e20"}),
    ("unit_costs", {"pod": "EL", "hrg_code": "HN12C", "unit_cost": "9999999999999.99"}),
    ("deflators", {"financial_year": "2024/25", "pay_index": "0.0000001", "non_pay_index": "1"}),
    ("deflators", {"financial_year": "2024/25", "pay_index": "1", "non_pay_index": "12345.5"}),
    ("hierarchy", {"org_code": "RXA", "cost_centre": "C1", "service": "S\x00",
                   "directorate": "D", "clinical_group": "G"}),
    ("owners", {"level": "trust", "node": "RXA", "name": "A Lead", "email": "a\x00@x.nhs.uk"}),
    ("peers", {"org_code": "RXB", "period": "2099-01", "time_window": "month", "ip_cost": "0.1"}),
    ("peers", {"org_code": "RXB", "period": "2024-01", "time_window": "month", "ip_cost": "1e400000"}),
])
def test_reference_rows_keep_to_their_database_columns(stem, row):
    model = REFERENCE_MODELS[stem][0]
    with pytest.raises(ValidationError):
        model.model_validate(row)


def test_a_quarantined_row_is_json_that_jsonb_stores(engine):
    record = {"description": "a\x00b" + "x" * 500, "amount": "1"}
    text = raw_row_json(record)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select cast(:row as jsonb)"), {"row": text}).scalar_one()
    assert stored["description"] == "a\ufffdb" + "x" * 197
    assert stored["amount"] == "1"
