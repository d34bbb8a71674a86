"""One month of ESR: who is in post, where, on what contract, and their sickness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prodpack.demo.casemix import DAYS_IN_MONTH
from prodpack.demo.costs import BANK_WORKS_IN_MONTH, BANK_WTE_RANGE, ROLES
from prodpack.demo.model import TrustModel
from prodpack.demo.months import HORIZON, year_month
from prodpack.demo.styles import STYLES, text_table


@dataclass
class WorkforceMonth:
    table: pa.Table  # file columns, as text
    cc: np.ndarray  # per row: cost centre index
    role: np.ndarray
    bank: np.ndarray
    wte: np.ndarray


def workforce_month(model: TrustModel, index: int) -> WorkforceMonth:
    pool, rng = model.pool, model.rng("workforce", index)
    substantive, bank = model.headcount_targets(index)
    target = np.where(pool.slot_bank, bank[pool.slot_cc], substantive[pool.slot_cc])
    filled = pool.slot_rank < target
    works = rng.random(len(filled)) < BANK_WORKS_IN_MONTH
    filled &= ~pool.slot_bank | works
    slots = np.flatnonzero(filled)
    person = pool.first_person[slots] + pool.occupant[slots, min(index, HORIZON - 1)]
    is_bank = pool.slot_bank[slots]
    wte = np.where(
        is_bank, np.round(rng.uniform(*BANK_WTE_RANGE, len(slots)), 2), pool.contracted_wte[person]
    )

    year, month = year_month(index)
    days = DAYS_IN_MONTH[month - 1]
    winter = 1.25 if month in (12, 1, 2) else 0.92
    # Mean FTE days lost = rate x WTE x days; a fifth of staff are off in a month, for longer.
    off = rng.random(len(slots)) < 0.2
    days_lost = (
        rng.gamma(1.3, 1.0, len(slots)) * model.trust.sickness_rate * days * winter / 0.2 / 1.3
    )
    sickness = np.minimum(
        np.round(off * days_lost * pool.sickness_prone[person] * wte, 2), np.floor(days * wte)
    )
    sickness_text = pc.cast(pa.array(sickness), pa.string())
    style = STYLES[(model.trust.org, "workforce")]
    sickness_text = pc.if_else(pa.array(sickness == 0), style.zero_sickness, sickness_text)
    sickness_text = pc.if_else(pa.array(is_bank), "", sickness_text)

    category = np.where(
        is_bank, "Bank", np.where(pool.fixed_term[person], "Fixed Term Temp", "Permanent")
    )
    role = pool.slot_role[slots]
    cc = pool.slot_cc[slots]
    columns = {
        "org_code": model.trust.org,
        "period": style.period_format.format(y=year, m=month),
        "assignment_number": pool.assignment_number[person],
        "cost_centre": np.array(model.cc_codes, dtype=object)[cc],
        "staff_group": np.array([g for g, _ in ROLES], dtype=object)[role],
        "pay_band": np.array([b for _, b in ROLES], dtype=object)[role],
        "assignment_category": category,
        "contracted_wte": pc.cast(pa.array(wte), pa.string()),
        "sickness_fte_days": sickness_text,
        "employee_name": pool.name[person],
        "ni_number": pool.ni_number[person],
        "date_of_birth": pool.date_of_birth[person],
        "employee_number": pool.employee_number[person].astype(str),
        "email": pool.email[person],
    }
    table = text_table(columns, len(slots), style.columns)
    order = np.argsort(pool.employee_number[person], kind="stable")  # ESR lists by employee
    return WorkforceMonth(
        table.take(pa.array(order)), cc[order], role[order], is_bank[order], wte[order]
    )

