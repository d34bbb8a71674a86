"""One month of activity: spells and appointments at record level, A&E aggregated, with the
patients' personal data the loader must drop."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prodpack.demo.casemix import AE, AE_HRGS, DC, EL, NEL, OUTPATIENT, PATIENTS, PODS
from prodpack.demo.model import TrustModel
from prodpack.demo.months import progress, year_month
from prodpack.demo.styles import STYLES, text_table

POSTCODE_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ten digits in the 999 range kept for test data, with a valid modulus-11 check digit."""
    digits = np.zeros((n, 9), dtype=np.int64)
    digits[:, :3] = 9
    todo = np.arange(n)
    check = np.zeros(n, dtype=np.int64)
    while len(todo):
        digits[todo, 3:] = rng.integers(0, 10, (len(todo), 6))
        total = (digits[todo] * np.arange(10, 1, -1)).sum(axis=1)
        value = (11 - total % 11) % 11
        check[todo] = value
        todo = todo[value == 10]
    return (digits * 10 ** np.arange(9, 0, -1)).sum(axis=1) + check


def activity_month(model: TrustModel, index: int) -> pa.Table:
    """One month's spells and appointments (record level) and A&E attendances (aggregated)."""
    rng = model.rng("activity", index)
    design, trust, units = model.hrg_design, model.trust, model.activity_units
    t = index / 12
    year, month = year_month(index)
    first_of_month = np.datetime64(f"{year}-{month:02d}-01")

    attended = model.expected_activity(index)                      # (units, PODs)
    dna, cancelled = model.outpatient_rates(index)
    booked = 1 - dna - cancelled
    expected = np.zeros((*attended.shape, 3))                      # attended, dna, cancelled
    expected[:, :, 0] = attended
    expected[:, OUTPATIENT, 1] = attended[:, OUTPATIENT] * dna / booked
    expected[:, OUTPATIENT, 2] = attended[:, OUTPATIENT] * cancelled / booked
    counts = rng.poisson(expected)
    counts[:, AE, :] = 0                                           # A&E comes aggregated

    # Record level: one row per spell or appointment.
    unit_of, pod_of, status_of = np.nonzero(counts)
    n = counts[unit_of, pod_of, status_of]
    unit, pod = np.repeat(unit_of, n), np.repeat(pod_of, n)
    status = np.repeat(np.where(np.isin(pod_of, OUTPATIENT), status_of + 1, 0), n)  # 0: blank
    rows = len(unit)
    hrg_index, hrg_cumulative = design.choices(t)
    group = unit * len(PODS) + pod
    hrg = hrg_index[group, _pick(rng, hrg_cumulative[group])]
    tfc_options, tfc_cumulative = _tfc_table(model)
    tfc = tfc_options[unit, _pick(rng, tfc_cumulative[unit])]

    patients = [PATIENTS.get(u.kind, (18, 90, 1.0, 1.0)) for u in units]
    nel_mean = np.array([p[2] for p in patients]) * (1 + trust.nel_los_change * progress(t))
    el_mean = np.array([p[3] for p in patients]) * (1 + trust.el_los_change * progress(t))
    los = np.full(rows, -1)                                        # -1: blank
    is_nel, is_el = pod == NEL, pod == EL
    los[is_nel] = rng.geometric(1 / (nel_mean[unit[is_nel]] + 1)) - 1
    los[is_el] = rng.geometric(1 / np.maximum(el_mean[unit[is_el]], 1.0))
    los[pod == DC] = 0
    later = np.where(rng.random(rows) < 0.8, 1, rng.integers(2, 5, rows))
    preop_days = np.where(rng.random(rows) < trust.preop_same_day, 0, later)
    preop = np.full(rows, -1)
    given = is_el & (rng.random(rows) >= 0.1)                      # optional: often not coded
    preop[given] = np.minimum(preop_days[given], los[given])

    # Who the patients are: personal data the loader must drop on read.
    low = np.array([p[0] for p in patients])[unit] * 365
    high = np.array([p[1] for p in patients])[unit] * 365 + 365
    born = first_of_month - rng.integers(low, high).astype("timedelta64[D]")
    postcode = pc.binary_join_element_wise(
        _numbers("RX", rng.integers(1, 20, rows)),
        _numbers("", rng.integers(0, 10, rows), POSTCODE_LETTERS[rng.integers(0, 20, (rows, 2))]),
        " ")
    style = STYLES[(trust.org, "activity")]
    records = text_table({
        "org_code": trust.org,
        "period": style.period_format.format(y=year, m=month),
        "pod": pa.array(list(PODS)).take(pa.array(pod)),
        "treatment_function_code": pa.array(model.tfc_vocab).take(pa.array(tfc)),
        "hrg_code": pa.array(design.vocabulary).take(pa.array(hrg)),
        "attendance_status": pa.array(["", "attended", "dna", "cancelled"]).take(pa.array(status)),
        "los_days": _numbers("", los),
        "preop_days": _numbers("", preop),
        "count": "1",
        "nhs_number": _numbers("", _nhs_numbers(rng, rows)),
        "local_patient_id": pc.binary_join_element_wise(
            trust.patient_id_prefix,
            pc.utf8_lpad(_numbers("", rng.integers(0, 10_000_000, rows)), 7, "0"), ""),
        "postcode": postcode,
        "date_of_birth": pc.cast(pa.array(born.astype("datetime64[D]")), pa.string()),
    }, rows, style.columns)

    # A&E: one row per HRG and its count, as departments' returns are made.
    aggregated = []
    shares = np.array([share for *_, share in AE_HRGS])
    for u in np.flatnonzero(attended[:, AE] > 0):
        by_hrg = rng.multinomial(rng.poisson(attended[u, AE]), shares)
        aggregated += [(u, code, count) for (code, *_), count in zip(AE_HRGS, by_hrg) if count]
    if aggregated:
        records = pa.concat_tables([records, text_table({
            "org_code": trust.org,
            "period": style.period_format.format(y=year, m=month),
            "pod": "AE",
            "treatment_function_code": [units[u].tfcs[0] for u, _, _ in aggregated],
            "hrg_code": [code for _, code, _ in aggregated],
            "count": [str(count) for *_, count in aggregated],
        }, len(aggregated), style.columns)])
    # Extracts list spells in discharge order, not by service.
    return records.take(pa.array(rng.permutation(records.num_rows)))


def _numbers(prefix: str, values: np.ndarray, letters: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as text after a prefix (negative: blank), then any letters per row."""
    values = np.asarray(values)
    text = pc.fill_null(pc.cast(pa.array(values, mask=values < 0), pa.string()), "")
    parts = [text] + ([pa.array(letters[:, i]) for i in range(letters.shape[1])]
                      if letters is not None else [])
    joined = pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else text
    return pc.binary_join_element_wise(prefix, joined, "") if prefix else joined


def _pick(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """An option per row from its row of cumulative shares (padding holds 1.0)."""
    u = rng.random(len(cumulative))
    return (u[:, None] >= cumulative).sum(axis=1)


def _tfc_table(model: TrustModel) -> tuple[np.ndarray, np.ndarray]:
    """(services, K) treatment function indices and cumulative shares, the main one first."""
    units = model.activity_units
    width = max(len(u.tfcs) for u in units)
    options = np.zeros((len(units), width), dtype=int)
    cumulative = np.ones((len(units), width))
    for s, service in enumerate(units):
        if not service.tfcs:
            continue
        weights = np.array([0.6**i for i in range(len(service.tfcs))])
        options[s, : len(service.tfcs)] = [model.tfc_vocab.index(t) for t in service.tfcs]
        cumulative[s, : len(service.tfcs)] = np.cumsum(weights / weights.sum())
        cumulative[s, len(service.tfcs) - 1 :] = 1.0
    return options, cumulative

