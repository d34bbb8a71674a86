"""One month of the general ledger: pay from the month's staff, agency, non-pay, income and the
lines the calculation leaves out, and money as finance exports spell it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from prodpack.demo.costs import (
    AGENCY_ON_ELIGIBLE,
    AGENCY_PRESENT,
    AGENCY_TYPES,
    ENHANCEMENT,
    NON_PAY_SEASON,
    NON_PAY_WEIGHT,
    ROLE_BANK_CODE,
    ROLE_COST,
    ROLE_SUBSTANTIVE_CODE,
    SUBJECTIVE_CODES,
    SUBJECTIVE_DESCRIPTION,
)
from prodpack.demo.model import TrustModel
from prodpack.demo.months import deflator, month_index, year_month
from prodpack.demo.workforce import WorkforceMonth

# Income (negative) and excluded lines as shares of the month's expenditure: (service kind,
# cost centre, subjective, share, description). The ICB contract is the rest of the trust's
# contract income share.
NHS_ENGLAND_SHARE = .08
TRUST_LINES = [
    ("finance", "Financial Management", "130200", -NHS_ENGLAND_SHARE,
     "NHS England specialised services"),
    ("estates", "Catering", "140100", -.004, "Café, restaurant and car parking income"),
    ("hr", "Learning and Development", "141100", -.012, "Education and training contract income"),
    ("estates", "Management", "590100", .026, "Depreciation charge"),
    ("finance", "Financial Management", "590200", .012, "PDC dividend accrual"),
]
PRIVATE_PATIENTS = ("Trauma and Orthopaedics", "Ophthalmology")
# High-cost drugs and devices passed through to commissioners (excluded from cost), per
# service: subjective and a share of the service's base pay.
PASS_THROUGH = {
    "Clinical Oncology": ("592000", 1.2), "Medical Oncology": ("592000", 1.0),
    "Ophthalmology": ("592000", .5), "Rheumatology": ("592000", 1.5), "Dermatology": ("592000", .8),
    "Gastroenterology": ("592000", .4), "Cardiology": ("592100", .15),
    "Haematology and Oncology (RXB)": ("592000", 1.1), "Ophthalmology (RXB)": ("592000", .4),
    "Cardiology (RXB)": ("592100", .12),
}


@dataclass
class LedgerMonth:
    cost_centre: list[str]
    subjective: list[str]
    amount: np.ndarray  # £, nominal, to the penny
    description: list[str]


def ledger_month(model: TrustModel, index: int, staff: WorkforceMonth) -> LedgerMonth:
    """One month's actuals: pay from the month's staff, agency, non-pay, income, exclusions."""
    rng = model.rng("ledger", index)
    trust, centres, scale = model.trust, model.cost_centres, model.scale
    t = index / 12
    year, month = year_month(index)
    pay_prices, non_pay_prices = deflator(index, True), deflator(index, False)
    payroll = f"Payroll {date(year, month, 1):%b %Y}"
    lines: dict[tuple[int, str], float] = {}
    descriptions: dict[tuple[int, str], str] = {}

    def add(cc: int, code: str, amount: float, description: str) -> None:
        lines[(cc, code)] = lines.get((cc, code), 0.0) + amount
        descriptions[(cc, code)] = description

    # Pay: the month's people at their band cost; enhancements and overtime vary a little.
    enhancement = np.array([ENHANCEMENT.get(c.cc_type, 1.0) for c in centres])
    real = staff.wte * ROLE_COST[staff.role] * enhancement[staff.cc]
    subjective = np.where(staff.bank, ROLE_BANK_CODE[staff.role], ROLE_SUBSTANTIVE_CODE[staff.role])
    substantive = np.bincount(staff.cc, np.where(staff.bank, 0, real), minlength=len(centres))
    width = len(SUBJECTIVE_CODES)
    sums = np.bincount(staff.cc * width + subjective, real, minlength=len(centres) * width)
    paid = np.flatnonzero(sums)
    for key, wobble in zip(paid, rng.normal(1.0, 0.015, len(paid))):
        cc, code = divmod(int(key), width)
        add(cc, SUBJECTIVE_CODES[code], sums[key] * wobble * pay_prices, payroll)

    # Agency fills gaps on the wards and rotas: not every cost centre, not every month.
    share = model.agency_share(t) * AGENCY_ON_ELIGIBLE / AGENCY_PRESENT
    present = rng.random(len(centres)) < AGENCY_PRESENT
    size = rng.lognormal(-0.045, 0.3, len(centres))
    for cc, centre in enumerate(centres):
        code = AGENCY_TYPES.get(centre.cc_type)
        if code and present[cc] and substantive[cc] > 0:
            amount = substantive[cc] * share * size[cc] * pay_prices
            add(cc, code, amount, "Agency invoices and accruals")

    # Non-pay: the service's budget spread over its cost centres, lumpy month to month.
    costs, growth = model.base_costs, model.non_pay_index(t)
    weight = np.array([NON_PAY_WEIGHT[c.cc_type] * c.headcount for c in centres])
    service_weight = np.bincount(model.cc_service, weight, minlength=len(model.services))
    service = model.cc_service
    budget = (costs["non_pay"] * growth)[service] * weight / service_weight[service]
    budget *= scale * NON_PAY_SEASON[month - 1] * non_pay_prices
    for cc, centre in enumerate(centres):
        for code, part in centre.non_pay_mix.items():
            add(cc, code, budget[cc] * part * rng.lognormal(-0.0072, 0.12),
                SUBJECTIVE_DESCRIPTION[code])

    # Income and the lines the calculation leaves out: they must be there, and be ignored.
    expenditure = sum(lines.values())
    wobble = rng.normal(1, 0.02, len(TRUST_LINES) + 2)
    contract = -(trust.contract_income_share - NHS_ENGLAND_SHARE)
    for (kind, label, code, part, text), noise in zip(
            [("finance", "Financial Management", "130100", contract, "Contract income - ICB block"),
             *TRUST_LINES], wobble):
        add(model.centre_of(kind, label), code, expenditure * part * noise, text)
    if month == 3 and year in (2024, 2025):
        add(model.centre_of("estates", "Management"), "590300", expenditure * 0.04,
            "Impairment on revaluation")
    if (year, month) == (2020, 3) or (2023, 4) <= (year, month) <= (2023, 9):
        part = 0.005 if year == 2020 else 0.001
        add(model.centre_of("finance", "Financial Management"), "591000",
            expenditure * part * wobble[-1], "COVID-19 costs")
    for s, service in enumerate(model.services):
        first = model.first_centre[s]
        if service.name in PASS_THROUGH:
            code, ratio = PASS_THROUGH[service.name]
            amount = costs["pay"][s] * ratio * scale * 1.08**t * rng.lognormal(0, 0.1)
            add(first, code, amount, SUBJECTIVE_DESCRIPTION[code])
        if service.name.startswith(PRIVATE_PATIENTS):
            amount = -costs["pay"][s] * 0.01 * scale * rng.lognormal(0, 0.2)
            add(first, "142100", amount, "Private patient income")

    keys = list(lines)
    cost_centre = [model.cc_codes[cc] for cc, _ in keys]
    subjective_codes = [code for _, code in keys]
    description = [descriptions[k] for k in keys]
    amount = [lines[k] for k in keys]
    # Cost centres missing from the hierarchy: small, so the check reports without blocking.
    for code, text, monthly, since in trust.unmapped_cost_centres:
        if index >= month_index(since):
            cost_centre.append(code)
            subjective_codes.append("522100")
            description.append(text)
            amount.append(monthly * scale * rng.uniform(0.3, 1.7) * non_pay_prices)
    rounded = np.round(np.array(amount), 2)
    order = sorted(np.flatnonzero(rounded), key=lambda i: (cost_centre[i], subjective_codes[i]))
    return LedgerMonth([cost_centre[i] for i in order], [subjective_codes[i] for i in order],
                       rounded[order], [description[i] for i in order])


def format_money(amounts: np.ndarray, style: str, rng: np.random.Generator) -> list[str]:
    """Amounts as a finance export spells them: `accounting` £1,234.50 and (£1,234.50); `mixed`
    (several reports pasted together) £1,234.50, 1234.50, (1,234.50) and -1234.5."""
    out = []
    for value, pick in zip(amounts, rng.random(len(amounts))):
        plain, grouped = f"{value:.2f}", f"{abs(value):,.2f}"
        if style == "accounting":
            out.append(f"(£{grouped})" if value < 0 else f"£{grouped}")
        elif style == "mixed" and value < 0:
            out.append(f"({grouped})" if pick < 0.5 else plain.rstrip("0").rstrip("."))
        elif style == "mixed":
            out.append(f"£{grouped}" if pick < 0.4 else plain)
        else:
            out.append(plain)
    return out

