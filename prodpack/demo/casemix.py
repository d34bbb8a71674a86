"""The design of activity: points of delivery, HRGs and their prices, seasons and patients."""

from __future__ import annotations

from functools import cache

import numpy as np

from prodpack.demo.stable import stable_unit

PODS = ("EL", "DC", "NEL", "OPFA", "OPFU", "OPPROC", "AE")
EL, DC, NEL, OPFA, OPFU, OPPROC, AE = range(7)
OUTPATIENT = (OPFA, OPFU, OPPROC)

# fmt: off
# HRG roots by family and POD; a weight after ':' where a root is rarer than its place implies.
HRG_FAMILIES: dict[str, dict[int, list[str]]] = {
    "general_surgery": {EL: ["FF61", "FF62", "GA10", "FF31"], DC: ["FE21", "FE22", "FF62", "JC42"],
                        NEL: ["FD10", "FD05", "FF41", "GC17"], OPPROC: ["JC42", "FE12"]},
    "colorectal": {EL: ["FF32", "FF33", "FF61"], DC: ["FE31", "FE32"],
                   NEL: ["FD10", "FD12", "FF41"], OPPROC: ["FE32"]},
    "upper_gi": {EL: ["FF12", "GA10"], DC: ["FE21", "FE22"], NEL: ["FD04", "GC17"],
                 OPPROC: ["FE12"]},
    "breast": {EL: ["JA07", "JA11"], DC: ["JA12", "JA14"], NEL: ["JA43"], OPPROC: ["JA20"]},
    "vascular": {EL: ["YQ11", "YQ51"], DC: ["YQ22", "YR12"], NEL: ["YQ42"], OPPROC: ["YR12"]},
    "urology": {EL: ["LB25", "LB65", "LB14"], DC: ["LB15", "LB72"], NEL: ["LA04", "LB40"],
                OPPROC: ["LB15", "LB16", "LB17:0.02"]},
    "ent": {EL: ["CA37", "CA60"], DC: ["CA83", "CB02"], NEL: ["CB01", "CB02"],
            OPPROC: ["CA21", "CA22"]},
    "ophthalmology": {EL: ["BZ31"], DC: ["BZ34", "BZ84"], NEL: ["BZ24"], OPPROC: ["BZ87", "BZ88"]},
    "omfs": {EL: ["CD03"], DC: ["CD05", "CD06"], NEL: ["CD04"], OPPROC: ["CD10"]},
    "orthopaedics": {EL: ["HN12", "HN22", "HN32"], DC: ["HN14", "HN55", "HN65"],
                     NEL: ["HT12", "HE11", "HD39"], OPPROC: ["HN81", "HN85"]},
    "spinal": {EL: ["HC04", "HC05"], DC: ["HC72"], NEL: ["HD25"], OPPROC: ["HC72"]},
    "plastics": {EL: ["JC41", "JB12"], DC: ["JC42", "JC43"], NEL: ["JD07"],
                 OPPROC: ["JC43", "JC44"]},
    "pain": {DC: ["AB04", "AB05"], OPPROC: ["AB24"]},
    "critical_care": {NEL: ["XC06", "XC07"]},
    "emergency": {NEL: ["WH07", "WH08", "VA13"]},
    "acute_medicine": {DC: ["WH50", "EB10"], NEL: ["EB10", "FD10", "WH07", "DZ19", "LA04"]},
    "gastroenterology": {EL: ["FE21"], DC: ["FE21", "FE22", "FE12"], NEL: ["FD10", "GC01", "FD03"],
                         OPPROC: ["FE12"]},
    "cardiology": {EL: ["EY40", "EY41"], DC: ["EY43", "EY50"], NEL: ["EB03", "EB07", "EB10"],
                   OPPROC: ["EY50", "EY51"]},
    "respiratory": {DC: ["DZ37", "DZ55"], NEL: ["DZ11", "DZ65", "DZ22", "DZ19"], OPPROC: ["DZ37"]},
    "diabetes": {DC: ["KA08"], NEL: ["KB02", "KC05"]},
    "dermatology": {DC: ["JC43", "JC44"], NEL: ["JD07"], OPPROC: ["JC43", "JC44", "JC47:0.02"]},
    "rheumatology": {DC: ["HD23", "HD26"], NEL: ["HD26"]},
    "elderly": {DC: ["WH50"], NEL: ["WD11", "WD22", "HD39", "DZ11", "LA04"]},
    "stroke": {NEL: ["AA35", "AA22"]},
    "general_medicine": {DC: ["WH50"], NEL: ["WH07", "EB10", "DZ19", "FD10"]},
    "neurology": {DC: ["AA31", "AA26"], NEL: ["AA26", "AA29"]},
    "oncology": {DC: ["SB12", "SB13", "SB14", "SC22"], NEL: ["SA17", "WH07"], OPPROC: ["SB17"]},
    "haematology": {DC: ["SA22", "SA25", "SB12"], NEL: ["SA04", "SA08"], OPPROC: ["SA22"]},
    "obstetrics": {EL: ["NZ50"], NEL: ["NZ30", "NZ40", "NZ51", "NZ16"]},
    "gynaecology": {EL: ["MA07", "MA08"], DC: ["MA10", "MA11", "MA22"], NEL: ["MB09", "MA12"],
                    OPPROC: ["MA22", "MA11"]},
    "midwifery": {NEL: ["NZ30"]},
    "paediatrics": {DC: ["PF26"], NEL: ["PD12", "PA14", "PB03", "PW06"]},
    "neonatology": {NEL: ["PB01", "PB02", "PB03"]},
    "imaging": {OPPROC: ["RD20", "RD21", "RD40"]},
    "therapies": {},
    "pathology": {},
}
# Complexity splits: suffix letter -> (share, price factor).
HRG_SUFFIXES = {
    EL: {"A": (.06, 1.30), "B": (.12, 1.15), "C": (.22, 1.02), "D": (.30, .92), "E": (.30, .82)},
    NEL: {"A": (.06, 1.30), "B": (.12, 1.15), "C": (.22, 1.02), "D": (.30, .92), "E": (.30, .82)},
    DC: {"C": (.20, 1.15), "D": (.40, 1.00), "E": (.40, .88)},
    OPPROC: {"Z": (1.0, 1.0)},
}
HRG_BASE_PRICE = {EL: 4000, DC: 930, NEL: 2450, OPPROC: 190}
# Roots left out of unit_costs.csv: their activity is priced at the POD's default.
UNLISTED_ROOTS = {(NEL, "WD22"), (DC, "CD06"), (EL, "HC05")}
# OPPROC has no default row: these codes have no price at all (the unpriced-activity check).
UNPRICED_HRGS = ("JC47Z", "LB17Z")
DEFAULT_PRICE = {EL: 3400, DC: 850, NEL: 1900, OPFA: 160, OPFU: 100, AE: 150}
OUTPATIENT_HRGS = {  # code, price; the share is set by the month (remote attendances grew)
    OPFA: [("WF01B", 165), ("WF02B", 235), ("WF01D", 95), ("", None)],
    OPFU: [("WF01A", 105), ("WF02A", 150), ("WF01C", 55), ("", None)],
}
MULTIPROFESSIONAL_SHARE, NO_HRG_SHARE = .08, .02
AE_HRGS = [("VB01Z", 380, .02), ("VB02Z", 300, .04), ("VB03Z", 260, .08), ("VB04Z", 230, .07),
           ("VB05Z", 200, .06), ("VB06Z", 185, .10), ("VB07Z", 170, .16), ("VB08Z", 150, .18),
           ("VB09Z", 130, .15), ("VB10Z", 105, .08), ("VB11Z", 80, .05), ("", None, .01)]

# Seasonality by calendar month (Jan..Dec) and POD group, before days-in-month.
PLANNED_SEASON = np.array([1.00, 1.00, 1.04, .95, 1.00, 1.02, 1.02, .88, 1.01, 1.04, 1.05, .86])
EMERGENCY_SEASON = np.array([1.10, 1.04, 1.04, .97, .97, .95, .96, .94, .96, 1.00, 1.02, 1.07])
AE_SEASON = np.array([.93, .91, 1.00, 1.00, 1.06, 1.06, 1.07, 1.01, 1.01, 1.00, .98, .97])
DAYS_IN_MONTH = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
# fmt: on


def _season_table() -> np.ndarray:
    """(12 calendar months, 7 PODs) volume factors averaging 1 over a year."""
    by_pod = [PLANNED_SEASON, PLANNED_SEASON, EMERGENCY_SEASON, PLANNED_SEASON, PLANNED_SEASON,
              PLANNED_SEASON, AE_SEASON]
    table = np.stack([s * DAYS_IN_MONTH for s in by_pod], axis=1)
    return table / table.mean(axis=0)


SEASON = _season_table()

# fmt: off
# Service kind -> patients' age range (years), mean NEL and EL length of stay (days).
PATIENTS = {
    "surgical": (18, 90, 4.0, 3.0), "theatres": (18, 90, 1.0, 1.0), "critical": (18, 90, 8.0, 3.0),
    "ed": (0, 95, 0.6, 1.0), "acute": (18, 95, 2.5, 1.0), "medical": (18, 90, 5.0, 1.5),
    "elderly": (70, 102, 10.0, 2.0), "oncology": (30, 90, 6.0, 2.0),
    "maternity": (16, 46, 2.0, 3.0),
    "midwifery": (16, 46, 1.0, 1.0), "paeds": (0, 16, 1.5, 1.0), "neonatal": (0, 0, 8.0, 1.0),
    "imaging": (18, 90, 1.0, 1.0), "therapies": (5, 95, 1.0, 1.0), "pathology": (18, 90, 1.0, 1.0),
}
# fmt: on


def weighted_roots(roots: list[str]) -> list[tuple[str, float]]:
    """HRG roots with their weights: each less common than the one before, or as written."""
    return [(r.split(":")[0], float(r.split(":")[1]) if ":" in r else 0.7**i)
            for i, r in enumerate(roots)]


@cache
def unit_cost_table() -> dict[tuple[str, str], float]:
    """(POD, HRG) -> base-year unit cost, '*' the POD default: what unit_costs.csv holds."""
    every_code = {(pod, root + suffix) for family in HRG_FAMILIES.values()
                  for pod, roots in family.items() for root, _ in weighted_roots(roots)
                  for suffix in HRG_SUFFIXES[pod]}
    table: dict[tuple[str, str], float] = {}
    for pod, price in DEFAULT_PRICE.items():
        table[(PODS[pod], "*")] = float(price)
    for pod, code in sorted(every_code):
        if (pod, code[:4]) in UNLISTED_ROOTS or code in UNPRICED_HRGS:
            continue
        factor = HRG_SUFFIXES[pod][code[4]][1]
        root_price = HRG_BASE_PRICE[pod] * (0.85 + 0.3 * stable_unit("price", pod, code[:4]))
        table[(PODS[pod], code)] = float(round(root_price * factor))
    for pod, codes in OUTPATIENT_HRGS.items():
        for code, price in codes:
            if code:
                table[(PODS[pod], code)] = float(price)
    for code, price, _ in AE_HRGS:
        if code:
            table[("AE", code)] = float(price)
    return table

